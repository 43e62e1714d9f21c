"""Terraform under infra/ read with python-hcl2, and the checks `terraform validate` would make.

`terraform validate` needs the provider binary, which cannot be downloaded here. What it checks is
recoverable offline: arguments and blocks against the provider's schema (vendored in
infra/.provider-schema/ by scripts/vendor_provider_schema.py), references between blocks and
modules, and module calls against the called module's variables. Every check returns `Problem`s
that name file, line, block and argument, so a failure reads like Terraform's own.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import hcl2
from hcl2.rules.abstract import LarkElement, LarkRule
from hcl2.rules.base import AttributeRule, BlockRule, BodyRule
from hcl2.rules.containers import ObjectElemKeyRule
from hcl2.rules.directives import (
    TemplateForRule,
    TemplateForStartRule,
    TemplateIfRule,
    TemplateIfStartRule,
)
from hcl2.rules.expressions import ExprTermRule
from hcl2.rules.for_expressions import ForIntroRule, ForObjectExprRule, ForTupleExprRule
from hcl2.rules.functions import FunctionCallRule
from hcl2.rules.indexing import (
    AttrSplatExprTermRule,
    FullSplatExprTermRule,
    GetAttrExprTermRule,
    GetAttrRule,
    IndexExprTermRule,
)
from hcl2.rules.literal_rules import IdentifierRule
from hcl2.rules.strings import (
    HeredocTemplateRule,
    HeredocTrimTemplateRule,
    InterpolationRule,
    StringRule,
)
from hcl2.utils import SerializationOptions

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
SCHEMA_DIR = INFRA / ".provider-schema"
PROVIDER = "registry.terraform.io/hashicorp/aws"

# Meta-arguments Terraform itself handles, per kind of block (not in any provider schema).
RESOURCE_META_ARGUMENTS = {"count", "for_each", "depends_on", "provider"}
RESOURCE_META_BLOCKS = {"lifecycle", "provisioner", "connection"}
DATA_META_ARGUMENTS = {"count", "for_each", "depends_on", "provider"}
DATA_META_BLOCKS = {"lifecycle"}
MODULE_META_ARGUMENTS = {"source", "version", "count", "for_each", "depends_on", "providers"}
LIFECYCLE_ARGUMENTS = {
    "create_before_destroy",
    "prevent_destroy",
    "ignore_changes",
    "replace_triggered_by",
}
# Roots of references that are not declarations of the module.
BUILTIN_ROOTS = {"path", "terraform", "self"}
# Built in since Terraform 1.4; not part of any provider.
BUILTIN_RESOURCES: dict[str, dict[str, Any]] = {
    "terraform_data": {
        "attributes": {
            "id": {"type": "string", "computed": True},
            "input": {"type": "dynamic", "optional": True},
            "output": {"type": "dynamic", "computed": True},
            "triggers_replace": {"type": "dynamic", "optional": True},
        }
    }
}


# --- Reading ------------------------------------------------------------------------------------


TEMPLATE_PARTS = (
    InterpolationRule,
    TemplateIfRule,
    TemplateIfStartRule,
    TemplateForRule,
    TemplateForStartRule,
)


def descendants(node: LarkElement) -> Iterator[LarkElement]:
    """Every element below a rule, depth first."""
    for child in getattr(node, "children", ()):
        if child is not None:
            yield child
            yield from descendants(child)


def line_of(node: LarkElement | None) -> int:
    """Source line of a parsed element (0 when the parser recorded none)."""
    meta = getattr(node, "_meta", None)
    return int(getattr(meta, "line", 0) or 0)


def display(path: Path) -> str:
    """A path as a failure message shows it: relative to the repository when inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Reference:
    """A traversal such as `aws_s3_bucket.config[0].arn`: root, then names (None = index/splat)."""

    root: str
    steps: tuple[str | None, ...]
    file: Path
    line: int

    def names(self) -> list[str]:
        """The attribute names after the root, indexes and splats left out."""
        return [step for step in self.steps if step is not None]

    def __str__(self) -> str:
        return self.root + "".join(f".{step}" if step else "[…]" for step in self.steps)


@dataclass
class Attribute:
    """`name = expression` in a body."""

    name: str
    expression: LarkElement
    file: Path
    line: int

    def references(self) -> list[Reference]:
        """Every traversal in the expression, names bound by for-expressions left out."""
        return list(references_in(self.expression, frozenset(), self.file))

    def value(self) -> Any:
        """The expression as python-hcl2 serializes it: strings unquoted, `${...}` if computed."""
        return self.expression.serialize(SerializationOptions(strip_string_quotes=True))

    def literal_string(self) -> str | None:
        """The value when it is a string without interpolations or directives, else None."""
        node = self.expression
        while isinstance(node, ExprTermRule):
            node = node.expression
        options = SerializationOptions(strip_string_quotes=True, preserve_heredocs=False)
        if isinstance(node, HeredocTemplateRule | HeredocTrimTemplateRule):
            if any(_template_parts(str(node.children[0].value))):
                return None
            return str(node.serialize(options)).replace("$${", "${").replace("%%{", "%{")
        if not isinstance(node, StringRule) or any(
            isinstance(child, TEMPLATE_PARTS) for child in descendants(node)
        ):
            return None
        return str(node.serialize(options)).replace("$${", "${").replace("%%{", "%{")


@dataclass
class Block:
    """`type "label" ... { body }`."""

    type: str
    labels: tuple[str, ...]
    attributes: dict[str, Attribute]
    blocks: list[Block]
    file: Path
    line: int

    @property
    def address(self) -> str:
        """How Terraform names it in messages: `aws_s3_bucket.config`, `module.identity`."""
        if self.type == "resource":
            return ".".join(self.labels)
        if self.type in ("data", "module", "variable", "output"):
            return ".".join((self.type, *self.labels))
        return " ".join((self.type, *(f'"{label}"' for label in self.labels)))

    def blocks_of(self, block_type: str) -> list[Block]:
        """Nested blocks of one type, in source order."""
        return [block for block in self.blocks if block.type == block_type]


def _label(node: LarkElement) -> str:
    value = node.serialize(SerializationOptions(strip_string_quotes=True))
    return str(value)


def _body(body: BodyRule, file: Path) -> tuple[dict[str, Attribute], list[Block]]:
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for child in body.children:
        if isinstance(child, AttributeRule):
            name = _label(child.identifier)
            attributes[name] = Attribute(name, child.expression, file, line_of(child))
        elif isinstance(child, BlockRule):
            labels = [_label(label) for label in child.labels]
            inner_attributes, inner_blocks = _body(child.body, file)
            blocks.append(
                Block(
                    labels[0],
                    tuple(labels[1:]),
                    inner_attributes,
                    inner_blocks,
                    file,
                    line_of(child),
                )
            )
    return attributes, blocks


def parse_file(path: Path) -> list[Block]:
    """The top-level blocks of one .tf file (top-level attributes are not valid Terraform)."""
    tree = hcl2.parses(path.read_text())
    attributes, blocks = _body(tree.body, path)
    if attributes:
        first = next(iter(attributes.values()))
        raise ValueError(f"{display(path)}:{first.line}: argument {first.name} outside a block")
    return blocks


@dataclass
class Module:
    """One directory of .tf files."""

    path: Path
    blocks: list[Block]

    @classmethod
    def load(cls, path: Path) -> Module:
        """Parse every .tf file of the directory (not its subdirectories)."""
        blocks: list[Block] = []
        for file in sorted(path.glob("*.tf")):
            blocks.extend(parse_file(file))
        return cls(path, blocks)

    def _named(self, block_type: str) -> dict[str, Block]:
        return {block.labels[0]: block for block in self.blocks if block.type == block_type}

    @cached_property
    def variables(self) -> dict[str, Block]:
        """variable blocks by name."""
        return self._named("variable")

    @cached_property
    def outputs(self) -> dict[str, Block]:
        """output blocks by name."""
        return self._named("output")

    @cached_property
    def module_calls(self) -> dict[str, Block]:
        """module blocks by name."""
        return self._named("module")

    @cached_property
    def locals(self) -> dict[str, Attribute]:
        """Every local value, whichever locals block defines it."""
        return {
            name: attribute
            for block in self.blocks
            if block.type == "locals"
            for name, attribute in block.attributes.items()
        }

    @cached_property
    def resources(self) -> dict[tuple[str, str], Block]:
        """resource blocks by (type, name)."""
        return {
            (block.labels[0], block.labels[1]): block
            for block in self.blocks
            if block.type == "resource"
        }

    @cached_property
    def data(self) -> dict[tuple[str, str], Block]:
        """data blocks by (type, name)."""
        return {
            (block.labels[0], block.labels[1]): block
            for block in self.blocks
            if block.type == "data"
        }

    def source_of(self, call: Block) -> Path | None:
        """The directory a local module call points at (None for registry or git sources)."""
        source = call.attributes.get("source")
        text = source.literal_string() if source else None
        if text is None or not text.startswith(("./", "../")):
            return None
        return (self.path / text).resolve()


def load_modules(root: Path) -> dict[Path, Module]:
    """The root module and every local module it calls, directly or not, by resolved path."""
    modules: dict[Path, Module] = {}
    pending = [root.resolve()]
    while pending:
        path = pending.pop()
        if path in modules or not path.is_dir():
            continue
        module = modules[path] = Module.load(path)
        for call in module.module_calls.values():
            target = module.source_of(call)
            if target is not None:
                pending.append(target)
    return modules


# --- Expressions --------------------------------------------------------------------------------

TRAVERSALS = (GetAttrExprTermRule, IndexExprTermRule, AttrSplatExprTermRule, FullSplatExprTermRule)


def _flatten(node: LarkElement) -> tuple[IdentifierRule | None, list[str | None], list[Any]]:
    """A traversal as (root identifier or None, steps, sub-expressions to visit on their own)."""
    steps: list[str | None] = []
    others: list[Any] = []
    current: Any = node
    while True:
        if isinstance(current, ExprTermRule):
            current = current.expression
        elif isinstance(current, GetAttrExprTermRule):
            steps.append(_label(current.get_attr.identifier))
            current = current.expr_term
        elif isinstance(current, IndexExprTermRule):
            steps.append(None)
            others.append(current.children[1])
            current = current.children[0]
        elif isinstance(current, AttrSplatExprTermRule | FullSplatExprTermRule):
            for accessor in reversed(current.attr_splat.get_attrs):
                if isinstance(accessor, GetAttrRule):
                    steps.append(_label(accessor.identifier))
                else:
                    steps.append(None)
                    others.append(accessor)
            steps.append(None)
            current = current.expr_term
        elif isinstance(current, IdentifierRule):
            steps.reverse()
            return current, steps, others
        else:
            steps.reverse()
            others.append(current)
            return None, steps, others


def references_in(node: Any, bound: frozenset[str], file: Path) -> Iterator[Reference]:
    """Traversals whose root is not a name bound by an enclosing for-expression."""
    if node is None or not isinstance(node, LarkRule):
        return
    if isinstance(node, TRAVERSALS) or (
        isinstance(node, ExprTermRule) and isinstance(node.expression, IdentifierRule)
    ):
        root, steps, others = _flatten(node)
        if root is not None:
            name = _label(root)
            if name not in bound:
                yield Reference(name, tuple(steps), file, line_of(root))
        for other in others:
            yield from references_in(other, bound, file)
        return
    if isinstance(node, FunctionCallRule):
        for child in node.children:
            if not isinstance(child, IdentifierRule):
                yield from references_in(child, bound, file)
        return
    if isinstance(node, ObjectElemKeyRule) and isinstance(node.value, IdentifierRule):
        return  # `{ key = ... }`: a bare key is a literal, not a reference
    if isinstance(node, ForTupleExprRule | ForObjectExprRule):
        intro = next(child for child in node.children if isinstance(child, ForIntroRule))
        names = {_label(intro.first_iterator)}
        if intro.second_iterator is not None:
            names.add(_label(intro.second_iterator))
        yield from references_in(intro.iterable, bound, file)
        for child in node.children:
            if child is not intro:
                yield from references_in(child, bound | names, file)
        return
    if isinstance(node, TemplateForRule):
        start = next(child for child in node.children if isinstance(child, TemplateForStartRule))
        names = {_label(start.iterator)}
        if start.key_iterator is not None:
            names.add(_label(start.key_iterator))
        yield from references_in(start.collection, bound, file)
        for child in node.children:
            if child is not start:
                yield from references_in(child, bound | names, file)
        return
    if isinstance(node, HeredocTemplateRule | HeredocTrimTemplateRule):
        yield from _heredoc_references(node, bound, file)
        return
    for child in node.children:
        yield from references_in(child, bound, file)


def _template_parts(text: str) -> Iterator[tuple[str, str, int]]:
    """(`$` or `%`, inner text, offset) of each `${...}` / `%{...}` in a template body."""
    index = 0
    while True:
        match = re.compile(r"(?<![$%])([$%])\{").search(text, index)
        if match is None:
            return
        depth, position, quote = 1, match.end(), False
        while position < len(text) and depth:
            char = text[position]
            if quote:
                if char == "\\":
                    position += 1
                elif char == '"':
                    quote = False
            elif char == '"':
                quote = True
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            position += 1
        yield match[1], text[match.end() : position - 1].strip().strip("~").strip(), match.start()
        index = position


def _heredoc_references(node: LarkRule, bound: frozenset[str], file: Path) -> Iterator[Reference]:
    """python-hcl2 keeps a heredoc as one token: parse its interpolations one by one."""
    text = str(node.children[0].value)
    first_line = line_of(node)
    scopes: list[set[str]] = []
    for kind, inner, offset in _template_parts(text):
        line = first_line + text.count("\n", 0, offset)
        expression = inner
        if kind == "%":
            directive = re.match(r"(for\s+(\w+)(?:\s*,\s*(\w+))?\s+in\s+|if\s+)(.*)", inner, re.S)
            if inner in ("endfor", "endif", "else") or directive is None:
                if inner == "endfor" and scopes:
                    scopes.pop()
                continue
            expression = directive[4]
        names = bound.union(*scopes) if scopes else bound
        parsed = hcl2.parses(f"x = {expression}\n")
        for reference in references_in(parsed, names, file):
            yield Reference(reference.root, reference.steps, file, line + reference.line - 1)
        if kind == "%" and directive is not None and directive[2]:
            scopes.append({name for name in (directive[2], directive[3]) if name})


# --- Provider schema ----------------------------------------------------------------------------


@dataclass
class ProviderSchema:
    """The vendored `terraform providers schema -json` subset."""

    version: str
    resources: dict[str, dict[str, Any]]
    data_sources: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, directory: Path = SCHEMA_DIR) -> ProviderSchema:
        """The one aws-<version>.json in the directory."""
        files = sorted(directory.glob("aws-*.json"))
        if len(files) != 1:
            raise ValueError(f"expected one aws-<version>.json in {display(directory)}: {files}")
        provider = json.loads(files[0].read_text())["provider_schemas"][PROVIDER]
        return cls(
            provider["provider_version"],
            {name: spec["block"] for name, spec in provider["resource_schemas"].items()},
            {name: spec["block"] for name, spec in provider["data_source_schemas"].items()},
        )

    def block(self, kind: str, tf_type: str) -> dict[str, Any] | None:
        """The schema of a resource or data source type, None when it is not vendored."""
        if kind == "data":
            return self.data_sources.get(tf_type)
        return BUILTIN_RESOURCES.get(tf_type) or self.resources.get(tf_type)


# --- Checks -------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Problem:
    """One failure, worded like `file:line: block: argument: what is wrong`."""

    file: str
    line: int
    where: str
    message: str

    @classmethod
    def at(cls, node: Attribute | Block | Reference, where: str, message: str) -> Problem:
        """A problem located at a parsed element."""
        return cls(display(node.file), node.line, where, message)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.where}: {self.message}"


def _suggest(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def check_body(
    block: Block,
    schema: dict[str, Any],
    where: str,
    meta_arguments: Collection[str] = (),
    meta_blocks: Collection[str] = (),
) -> list[Problem]:
    """Arguments and nested blocks of one body against its schema, recursively."""
    problems: list[Problem] = []
    attributes: dict[str, Any] = schema.get("attributes", {})
    block_types: dict[str, Any] = schema.get("block_types", {})
    for name, attribute in block.attributes.items():
        spec = attributes.get(name)
        if name in meta_arguments:
            continue
        if spec is None and name in block_types:
            message = f"{name} is a block here: write `{name} {{ ... }}`, not `{name} = ...`"
            problems.append(Problem.at(attribute, where, message))
        elif spec is None:
            known = set(attributes) | set(block_types)
            message = f"{name}: no such argument{_suggest(name, known)}"
            problems.append(Problem.at(attribute, where, message))
        elif not (spec.get("required") or spec.get("optional")):
            message = f"{name} is read-only (computed by the provider); it cannot be set"
            problems.append(Problem.at(attribute, where, message))
    present: Counter[str] = Counter()
    dynamic: set[str] = set()
    for nested in block.blocks:
        if nested.type in meta_blocks:
            if nested.type == "lifecycle":
                problems.extend(_check_lifecycle(nested, schema, where))
            continue
        if nested.type == "dynamic":
            name = nested.labels[0] if nested.labels else ""
            dynamic.add(name)
            inner_where = f"{where}: dynamic {name}"
            if name not in block_types:
                problems.append(Problem.at(nested, where, _not_a_block(name, schema)))
                continue
            for key, attribute in nested.attributes.items():
                if key not in ("for_each", "iterator", "labels"):
                    problems.append(
                        Problem.at(attribute, inner_where, f"{key}: not an argument of dynamic")
                    )
            if "for_each" not in nested.attributes:
                problems.append(Problem.at(nested, inner_where, "for_each is required"))
            contents = nested.blocks_of("content")
            if len(contents) != 1 or len(nested.blocks) != 1:
                problems.append(Problem.at(nested, inner_where, "needs exactly one content block"))
            for content in contents:
                problems.extend(check_body(content, block_types[name]["block"], inner_where))
            continue
        if nested.type not in block_types:
            problems.append(Problem.at(nested, where, _not_a_block(nested.type, schema)))
            continue
        present[nested.type] += 1
        problems.extend(
            check_body(nested, block_types[nested.type]["block"], f"{where}: {nested.type}")
        )
    for name, spec in sorted(attributes.items()):
        if spec.get("required") and name not in block.attributes:
            problems.append(Problem.at(block, where, f"{name}: required argument is not set"))
    for name, spec in sorted(block_types.items()):
        if spec.get("min_items", 0) > present[name] and name not in dynamic:
            problems.append(Problem.at(block, where, f"{name}: required block is missing"))
        if "max_items" in spec and present[name] > spec["max_items"]:
            message = f"{name}: at most {spec['max_items']} block(s), found {present[name]}"
            problems.append(Problem.at(block, where, message))
    return problems


def _not_a_block(name: str, schema: dict[str, Any]) -> str:
    if name in schema.get("attributes", {}):
        return f"{name} is an argument here: write `{name} = ...`, not a block"
    return f"{name}: no such block{_suggest(name, schema.get('block_types', {}))}"


def _check_lifecycle(lifecycle: Block, schema: dict[str, Any], where: str) -> list[Problem]:
    problems = []
    inner_where = f"{where}: lifecycle"
    for name, attribute in lifecycle.attributes.items():
        if name not in LIFECYCLE_ARGUMENTS:
            problems.append(Problem.at(attribute, inner_where, f"{name}: no such argument"))
    for nested in lifecycle.blocks:
        if nested.type not in ("precondition", "postcondition"):
            problems.append(Problem.at(nested, inner_where, f"{nested.type}: no such block"))
        elif set(nested.attributes) != {"condition", "error_message"}:
            message = f"{nested.type} takes exactly condition and error_message"
            problems.append(Problem.at(nested, inner_where, message))
    ignore = lifecycle.attributes.get("ignore_changes")
    if ignore is not None:
        known = set(schema.get("attributes", {})) | set(schema.get("block_types", {}))
        for reference in ignore.references():
            if reference.root != "all" and reference.root not in known:
                message = f"ignore_changes: {reference.root} is not an attribute of this type"
                problems.append(Problem.at(reference, inner_where, message))
    return problems


def check_schema(module: Module, schema: ProviderSchema) -> list[Problem]:
    """Every resource and data block against the vendored provider schema."""
    problems: list[Problem] = []
    for block in module.blocks:
        if block.type not in ("resource", "data"):
            continue
        tf_type = block.labels[0]
        where = block.address
        spec = schema.block(block.type, tf_type)
        if spec is None:
            kind = "data source" if block.type == "data" else "resource"
            message = (
                f"{kind} type {tf_type} is not in the vendored provider schema "
                f"{schema.version} (unknown type, or regenerate infra/.provider-schema with "
                "scripts/vendor_provider_schema.py)"
            )
            problems.append(Problem.at(block, where, message))
            continue
        if "count" in block.attributes and "for_each" in block.attributes:
            problems.append(Problem.at(block, where, "count and for_each are exclusive"))
        if block.type == "data":
            problems.extend(check_body(block, spec, where, DATA_META_ARGUMENTS, DATA_META_BLOCKS))
        else:
            problems.extend(
                check_body(block, spec, where, RESOURCE_META_ARGUMENTS, RESOURCE_META_BLOCKS)
            )
    return problems


def _walk_references(
    block: Block, bound: frozenset[str], skip: frozenset[str] = frozenset()
) -> Iterator[Reference]:
    """References in a block, with dynamic-block iterators bound inside their content."""
    for name, attribute in block.attributes.items():
        if name in skip:
            continue
        for reference in attribute.references():
            if reference.root not in bound:
                yield reference
    for nested in block.blocks:
        if nested.type in ("moved", "removed"):
            continue  # they name addresses that no longer exist, on purpose
        if nested.type == "lifecycle":
            yield from _walk_references(nested, bound, frozenset({"ignore_changes"}))
        elif nested.type == "dynamic":
            iterator = nested.attributes.get("iterator")
            named = (iterator.literal_string() or _label_of(iterator)) if iterator else None
            inner = bound | {named or (nested.labels[0] if nested.labels else "")}
            for key, attribute in nested.attributes.items():
                if key == "iterator":
                    continue
                scope = inner if key == "labels" else bound
                yield from (r for r in attribute.references() if r.root not in scope)
            for content in nested.blocks:
                yield from _walk_references(content, inner)
        else:
            yield from _walk_references(nested, bound)


def _label_of(attribute: Attribute) -> str | None:
    """`iterator = name` is a bare identifier: its only reference is the name itself."""
    refs = attribute.references()
    return refs[0].root if len(refs) == 1 and not refs[0].steps else None


def _is_resource_type(name: str, module: Module, schema: ProviderSchema) -> bool:
    return (
        name.startswith("aws_")
        or name in BUILTIN_RESOURCES
        or name in schema.resources
        or any(tf_type == name for tf_type, _ in module.resources)
    )


def check_references(
    module: Module, modules: dict[Path, Module], schema: ProviderSchema
) -> list[Problem]:
    """Every var., local., module., data. and resource reference resolves, down to the attribute."""
    problems: list[Problem] = []
    for block in module.blocks:
        if block.type in ("terraform", "moved", "removed"):
            continue
        where = block.address
        skip = {"type"} if block.type == "variable" else set()
        if block.type == "module":
            skip.add("providers")
        if block.type in ("resource", "data"):
            skip.add("provider")
        repeated: set[str] = {key for key in ("count", "for_each") if key in block.attributes}
        for reference in _walk_references(block, frozenset(), frozenset(skip)):
            message = _resolve(reference, module, modules, schema, repeated)
            if message:
                problems.append(Problem.at(reference, where, f"{reference}: {message}"))
    return problems


def _attribute_problem(
    reference: Reference, names: list[str], spec: dict[str, Any] | None, what: str
) -> str | None:
    """`names[1]` (after the block's name) must be an attribute or block of the type."""
    if spec is None or len(names) < 2:
        return None  # an unknown type is reported by check_schema
    known = set(spec.get("attributes", {})) | set(spec.get("block_types", {}))
    if names[1] not in known:
        return f"{what} has no attribute {names[1]}{_suggest(names[1], known)}"
    return None


def _resolve(
    reference: Reference,
    module: Module,
    modules: dict[Path, Module],
    schema: ProviderSchema,
    repeated: set[str],
) -> str | None:
    """Why the reference does not resolve, or None when it does."""
    root, names = reference.root, reference.names()
    first = reference.steps[0] if reference.steps else None
    if root == "var":
        if first not in module.variables:
            return f"no variable {first} is declared in this module"
        return None
    if root == "local":
        if first not in module.locals:
            return f"no local value {first}{_suggest(str(first), module.locals)}"
        return None
    if root == "each":
        if "for_each" not in repeated:
            return "each. is only valid in a block with for_each"
        if first not in ("key", "value"):
            return "each has only key and value"
        return None
    if root == "count":
        if "count" not in repeated:
            return "count. is only valid in a block with count"
        return None if first == "index" else "count has only index"
    if root == "module":
        call = module.module_calls.get(str(first))
        if call is None:
            return f"no module call {first}"
        target = modules.get(module.source_of(call) or Path("/nonexistent"))
        if target is None:
            return f"module {first}: source is not a local module that could be read"
        if len(names) >= 2 and names[1] not in target.outputs:
            source = call.attributes["source"].literal_string()
            return (
                f"module {first} ({source}) has no output {names[1]}"
                f"{_suggest(names[1], target.outputs)}"
            )
        return None
    if root == "data":
        if len(names) < 2 or (names[0], names[1]) not in module.data:
            return "no such data block in this module"
        return _attribute_problem(
            reference, names[1:], schema.block("data", names[0]), f"data source {names[0]}"
        )
    if root in BUILTIN_ROOTS:
        return None
    if _is_resource_type(root, module, schema):
        if not names or (root, names[0]) not in module.resources:
            return "no such resource in this module"
        return _attribute_problem(reference, names, schema.block("resource", root), root)
    return "unknown name (not var, local, module, data, a resource, or a for/dynamic iterator)"


def check_module_calls(module: Module, modules: dict[Path, Module]) -> list[Problem]:
    """Each call passes every required variable of the module and only declared ones."""
    problems: list[Problem] = []
    for call in module.module_calls.values():
        where = call.address
        target_path = module.source_of(call)
        target = modules.get(target_path) if target_path else None
        if target is None:
            problems.append(Problem.at(call, where, "source is not a local module directory"))
            continue
        source = call.attributes["source"].literal_string()
        for argument, attribute in call.attributes.items():
            if argument not in MODULE_META_ARGUMENTS and argument not in target.variables:
                message = (
                    f"{argument}: {source} declares no such variable"
                    f"{_suggest(argument, target.variables)}"
                )
                problems.append(Problem.at(attribute, where, message))
        for variable, declaration in sorted(target.variables.items()):
            if "default" not in declaration.attributes and variable not in call.attributes:
                message = (
                    f"{variable}: required variable of {source} is not passed "
                    f"(declared at {display(declaration.file)}:{declaration.line})"
                )
                problems.append(Problem.at(call, where, message))
    return problems


def check_declarations(module: Module) -> list[Problem]:
    """Every variable has a type and a description; every output has a description."""
    problems: list[Problem] = []
    for block in module.blocks:
        wanted = {"variable": ("type", "description"), "output": ("description",)}.get(block.type)
        for argument in wanted or ():
            attribute = block.attributes.get(argument)
            if attribute is None:
                problems.append(Problem.at(block, block.address, f"{argument} is missing"))
            elif argument == "description" and not (attribute.literal_string() or "").strip():
                problems.append(Problem.at(attribute, block.address, "description is empty"))
    return problems


def types_used(modules: Iterable[Module]) -> set[str]:
    """`aws_x` for resources and `data.aws_y` for data sources, across the modules."""
    used = set()
    for module in modules:
        used |= {tf_type for tf_type, _ in module.resources if tf_type not in BUILTIN_RESOURCES}
        used |= {f"data.{tf_type}" for tf_type, _ in module.data}
    return used


@dataclass
class Report:
    """All problems of a tree of modules, grouped by check."""

    by_check: dict[str, list[Problem]] = field(default_factory=dict)

    def render(self, check: str) -> str:
        """One problem per line, sorted by file and line."""
        problems = sorted(set(self.by_check.get(check, [])))
        return "\n".join(str(problem) for problem in problems)


def check_tree(root: Path, schema: ProviderSchema) -> Report:
    """Every check over the root module and the local modules it calls."""
    modules = load_modules(root)
    report = Report({"schema": [], "references": [], "module calls": [], "declarations": []})
    for module in modules.values():
        report.by_check["schema"] += check_schema(module, schema)
        report.by_check["references"] += check_references(module, modules, schema)
        report.by_check["module calls"] += check_module_calls(module, modules)
        report.by_check["declarations"] += check_declarations(module)
    return report


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def satisfies(version: str, constraint: str) -> bool:
    """Whether a version meets a Terraform version constraint (`~> 6.69`, `>= 1.5, < 2`)."""
    actual = _version(version)
    for part in constraint.split(","):
        match = re.fullmatch(r"\s*(~>|>=|<=|!=|=|>|<)?\s*(\d+(?:\.\d+)*)\s*", part)
        if match is None:
            raise ValueError(f"cannot read version constraint {constraint!r}")
        operator, wanted_text = match[1] or "=", match[2]
        wanted = _version(wanted_text)
        padded = wanted + (0,) * (len(actual) - len(wanted))
        if operator == "~>":
            # ~> 6.69 allows 6.69 up to (not including) 7.0; ~> 6.69.1 up to 6.70.
            upper = (*wanted[:-2], wanted[-2] + 1) if len(wanted) > 1 else (wanted[0] + 1,)
            ok = actual >= padded and actual[: len(upper)] < upper
        else:
            ok = {
                "=": actual == padded,
                "!=": actual != padded,
                ">": actual > padded,
                ">=": actual >= padded,
                "<": actual < padded,
                "<=": actual <= padded,
            }[operator]
        if not ok:
            return False
    return True
