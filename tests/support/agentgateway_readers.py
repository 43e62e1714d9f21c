"""A rendered config read as agentgateway v1.4.1 reads it, with its own parsers where PyPI has them.

agentgateway loads its config file in three steps (paths under `crates/` of
github.com/agentgateway/agentgateway at tag v1.4.1):

1. `shellexpand::full` over the whole text, comments included (`agentgateway/src/config.rs`
   `parse_config`, `agentgateway/src/types/local.rs` `NormalizedLocalConfig::from`);
2. serde_yaml 0.9, transcoded to JSON (`core/src/serdes.rs` `yamlviajson`): every plain scalar is
   resolved YAML 1.2 style, and a number or a null where a string is expected refuses the file;
3. typed deserialisation, in which regexes are compiled by the `regex` crate (`serde_regex`, i.e.
   `Regex::new` with its default 10 MiB size limit) and CEL expressions by its fork of the `cel`
   crate (`cel-fork/`).

Here, step by step:

- `shell_expand`: a port of shellexpand's `env_with_context` (`$NAME` with Unicode alphanumeric
  names, `${NAME}`, `${NAME:-default}`, `$$` -> `$`; an unset name refuses the file), the crate
  agentgateway's Cargo.lock pins at 3.1.2 (it is not on PyPI);
- `yaml_readers`: serde_yaml itself (`ryaml` 0.5.1 embeds serde_yaml 0.9.34+deprecated, the version
  in agentgateway's Cargo.lock), and for good measure a YAML 1.2 reader (ruamel.yaml, `typ="safe"`)
  and a YAML 1.1 reader (PyYAML): a string must stay that string for every one of them;
- `rust_regex_problem`: flpc (the `regex` crate 1.10.5, what the API validates with) and the
  `matches` function of common-expression-language (`cel` 0.14.5 built with `regex` 1.13.1, the
  version in agentgateway's Cargo.lock);
- `cel_problem`: common-expression-language's `cel.compile` (the `cel` crate 0.14.5, its ANTLR
  parser); agentgateway vendors a fork of `cel` 0.13 whose parser is generated from the standard
  CEL grammar too (`cel-fork/cel/src/parser/gen/CEL.g4`). This checks syntax, not whether a
  function or variable exists in agentgateway's context.

Which strings are CEL and which are regexes is read from agentgateway's schema, not from the
renderer: `string_fields` walks the document together with the schema and names the schema field
that holds each string (`Webhook.headers.* -> Expression`). A string typed by the schema's
`Expression` definition is CEL; other fields are listed below as CEL, regex or literal, and a
field in none of the lists is a problem of its own (`unclassified`), so a render that starts to
write a new field fails until someone says what the field holds. `test_field_lists_agree_with_
the_schema` checks that no field whose schema description speaks of CEL or regexes is listed as
literal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import cel
import flpc
import ruamel.yaml
import ryaml
import yaml
from jsonschema import Draft202012Validator

from controlplane.agentgateway import schema_text

# Which schema fields hold what -------------------------------------------------------------------

EXPRESSION_DEF = "Expression"
"""The schema's definition of a CEL expression: every string it types is CEL."""

CEL_FIELDS = frozenset(
    {
        # Typed as plain strings in the schema; their descriptions say CEL.
        "LocalHealthPolicy.unhealthyExpression",
        "LocalTransform.add.*",
        "LocalTransform.body",
        "LocalTransform.replace",
        "LocalTransform.set.*",
        "LoggingPolicy.add.*",
    }
)
REGEX_FIELDS = frozenset(
    {
        "HeaderValueMatch.regex",
        "PathMatch.regex",
        "QueryValueMatch.regex",
        "RegexRule.pattern",
    }
)
LITERAL_FIELDS = frozenset(
    {
        "AnthropicProvider.model",
        "AzureProvider.apiVersion",
        "AzureProvider.model",
        "AzureProvider.resourceName",
        "BackendAuthCompat.key -> FileOrInline",
        "BedrockGuardrails.guardrailIdentifier",
        "BedrockGuardrails.guardrailVersion",
        "BedrockGuardrails.region",
        "BedrockProvider.model",
        "BedrockProvider.region",
        "DirectResponse.body -> Bytes",
        "FileInlineOrRemote.url",
        "FullLocalBackend.host",
        "FullLocalBackend.name",
        "GeminiProvider.model",
        "HeaderMatch.name",
        "HeaderModifier.remove[]",
        "HeaderModifier.set.*",
        "HeaderValueMatch.exact",
        "LocalAttachedRoute.name",
        "LocalEviction.duration",
        "LocalJwtConfig.issuer",
        "LocalNamedAIProvider.name",
        "LocalRoute.name",
        "LocalRouteBackend.routeGroup",
        "LocalRouteGroup.name",
        "OpenAIProvider.model",
        "PathMatch.exact",
        "PathMatch.pathPrefix",
        "Rates.cacheRead -> Money",
        "Rates.cacheWrite -> Money",
        "Rates.input -> Money",
        "Rates.output -> Money",
        "RequestRejection.body -> Bytes",
        "SimpleLocalBackendSerde.backend",
        "SimpleLocalBackendSerde.host",
        "VertexProvider.model",
        "VertexProvider.projectId",
        "VertexProvider.region",
    }
)
"""Fields whose strings agentgateway takes as they are (names, hosts, models, bodies)."""

SPEAKS_OF_CODE = re.compile(r"\bCEL\b|[Ee]xpression|\bregex|[Rr]egular expression")


@dataclass(frozen=True)
class StringField:
    """One string of the document and the schema field that holds it."""

    path: str
    """Where in the document: `routes[0].policies.ai.promptGuard.request[0].webhook.headers.x`."""
    field: str
    """Where in the schema: `Webhook.headers.* -> Expression` (definition, properties, `*` for a
    map's values, `[]` for a list's items, `-> Def` when a string definition types the value)."""
    description: str
    """The schema's description of the nearest named property on the way ('' when none)."""
    enumerated: bool
    """The schema lists the allowed values (an enum or a const): a literal by construction."""
    value: str

    @property
    def kind(self) -> str:
        """`cel`, `regex`, `literal`, or `unclassified`."""
        if self.field.endswith(f"-> {EXPRESSION_DEF}") or self.field in CEL_FIELDS:
            return "cel"
        if self.field in REGEX_FIELDS:
            return "regex"
        if self.enumerated or self.field in LITERAL_FIELDS:
            return "literal"
        return "unclassified"


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_text())
    return schema


@cache
def _validator() -> Any:
    return Draft202012Validator(_schema())


def string_fields(document: Mapping[str, Any]) -> list[StringField]:
    """Every string of `document` with the schema field(s) that hold it, in document order."""
    found: dict[tuple[str, str], StringField] = {}
    _walk(document, _schema(), "LocalConfig", "", "", "", "", found)
    return list(found.values())


def _walk(
    value: Any,
    schema: Any,
    base: str,
    rel: str,
    via: str,
    path: str,
    description: str,
    found: dict[tuple[str, str], StringField],
) -> None:
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        target = _schema()["$defs"][name]
        _walk(value, target, name, "", f"{base}{rel}", path, description, found)
    for keyword in ("anyOf", "oneOf"):
        for branch in schema.get(keyword, ()):
            if _branch_validator(id(branch), branch).is_valid(value):
                _walk(value, branch, base, rel, via, path, description, found)
    for branch in schema.get("allOf", ()):
        _walk(value, branch, base, rel, via, path, description, found)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, child in value.items():
            where = f"{path}.{key}" if path else key
            if key in properties:
                sub = properties[key]
                said = sub.get("description", "") if isinstance(sub, dict) else ""
                _walk(child, sub, base, f"{rel}.{key}", "", where, said, found)
            elif isinstance(extra, dict):
                _walk(child, extra, base, f"{rel}.*", "", where, description, found)
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, dict):
            for index, child in enumerate(value):
                _walk(child, items, base, f"{rel}[]", "", f"{path}[{index}]", description, found)
    elif isinstance(value, str) and _types_a_string(schema):
        field = f"{base}{rel}" if rel or not via else f"{via} -> {base}"
        enumerated = "enum" in schema or "const" in schema
        found[(path, field)] = StringField(path, field, description, enumerated, value)


def field_description(field: str) -> str | None:
    """The schema's description of `field`'s last named property ('' if it has none), or None
    when the schema has no such field."""
    head = field.split(" -> ")[0]
    name, *steps = re.findall(r"\[\]|[^.\[\]]+", head)
    node: Any = _schema()["$defs"].get(name)
    description = ""
    for step in steps:
        node = _step(node, step, set())
        if node is None:
            return None
        if step not in ("*", "[]"):
            description = node.get("description", "")
    return description


def _step(node: Any, step: str, seen: set[int]) -> Any:
    """The schema of `step` (a property, `*` or `[]`) under `node`, through refs and branches."""
    if not isinstance(node, dict) or id(node) in seen:
        return None
    seen.add(id(node))
    keyword = {"*": "additionalProperties", "[]": "items"}.get(step)
    direct = node.get(keyword) if keyword else node.get("properties", {}).get(step)
    if isinstance(direct, dict):
        return direct
    ref = node.get("$ref")
    branches = [*node.get("anyOf", ()), *node.get("oneOf", ()), *node.get("allOf", ())]
    if isinstance(ref, str):
        branches.insert(0, _schema()["$defs"][ref.rsplit("/", 1)[-1]])
    for branch in branches:
        if (found := _step(branch, step, seen)) is not None:
            return found
    return None


_BRANCH_VALIDATORS: dict[int, Any] = {}


def _branch_validator(key: int, branch: Mapping[str, Any]) -> Any:
    """A validator of one `anyOf`/`oneOf` branch that resolves `$ref`s against the whole schema
    (made once per branch: the schema is loaded once and never freed)."""
    if key not in _BRANCH_VALIDATORS:
        _BRANCH_VALIDATORS[key] = _validator().evolve(schema=branch)
    return _BRANCH_VALIDATORS[key]


def _types_a_string(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "string" or (isinstance(kind, list) and "string" in kind) or "const" in schema


# The parsers --------------------------------------------------------------------------------------


def rust_regex_problem(pattern: str) -> str | None:
    """Why Rust's `regex` crate refuses `pattern` (flpc, and regex 1.13.1 through cel), or None."""
    try:
        flpc.compile(pattern)
    except (ValueError, UnicodeError) as error:
        return f"flpc (regex 1.10.5): {error}"
    try:
        cel.evaluate('"".matches(pattern)', {"pattern": pattern})
    except (RuntimeError, ValueError) as error:
        return f"cel matches (regex 1.13.1): {error}"
    return None


def cel_problem(expression: str) -> str | None:
    """Why the CEL parser refuses `expression`, or None."""
    try:
        cel.compile(expression)
    except (ValueError, RuntimeError) as error:
        return str(error)
    return None


class ShellExpansionError(ValueError):
    """shellexpand refuses the text: a variable is not set (agentgateway refuses the file)."""


def _var_char(char: str) -> bool:
    # shellexpand: `c.is_alphanumeric() || c == '_'` (Rust's Unicode Alphabetic/Numeric; Python's
    # isalnum() is close enough for a test, and the renderer treats every non-ASCII char as one).
    return char.isalnum() or char == "_"


def shell_expand(text: str, environment: Mapping[str, str]) -> str:
    """`text` as shellexpand 3.1's `full` leaves it (tilde expansion aside: the file starts with
    `#`). Port of `env_with_context` with the context `std::env::var(name).map(Some)`."""
    result: list[str] = []
    rest = text
    while (index := rest.find("$")) >= 0:
        result.append(rest[:index])
        rest = rest[index:]
        following = rest[1:2]
        if following == "{":
            closing = rest.find("}")
            if closing < 0:
                result.append(rest[:2])
                rest = rest[2:]
                continue
            split = rest[:closing].find(":-")
            default = rest[split + 2 : closing] if split not in (-1, 2) else None
            name = rest[2 : split if default is not None else closing]
            if name in environment:
                result.append(environment[name])
            elif default is not None:
                result.append(default)
            else:
                raise ShellExpansionError(f"${{{name}}} is not set")
            rest = rest[closing + 1 :]
        elif following and _var_char(following):
            end = 1
            while end < len(rest) and _var_char(rest[end]):
                end += 1
            name = rest[1:end]
            if name not in environment:
                raise ShellExpansionError(f"${name} is not set")
            result.append(environment[name])
            rest = rest[end:]
        else:
            result.append("$")
            rest = rest[2:] if following == "$" else rest[1:]
    result.append(rest)
    return "".join(result)


ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def environment_for(text: str, value: str) -> dict[str, str]:
    """Every variable the config references (`${NAME}`), set to `value`."""
    return dict.fromkeys(ENV_REFERENCE.findall(text), value)


def expanded_document(document: Any, environment: Mapping[str, str]) -> Any:
    """`document` as agentgateway should read it: each string that is a `${NAME}` reference
    replaced by the variable's value (the renderer's contract: a reference is a whole string;
    any other `$` stays a `$`)."""
    if isinstance(document, dict):
        return {
            expanded_document(k, environment): expanded_document(v, environment)
            for k, v in document.items()
        }
    if isinstance(document, list):
        return [expanded_document(v, environment) for v in document]
    if isinstance(document, str) and (reference := ENV_REFERENCE.fullmatch(document)):
        return environment[reference.group(1)]
    return document


@cache
def _ruamel() -> ruamel.yaml.YAML:
    # typ="safe" reads YAML 1.2 (core schema) unless a document says `%YAML 1.1`.
    return ruamel.yaml.YAML(typ="safe", pure=True)


def _ruamel_load(text: str) -> Any:
    return _ruamel().load(text)


def _pyyaml_load(text: str) -> Any:
    # libyaml's parser where PyYAML has it (faster), with PyYAML's YAML 1.1 resolver either way.
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


YAML_READERS = {
    "serde_yaml 0.9 (ryaml)": ryaml.loads,
    "YAML 1.2 (ruamel.yaml)": _ruamel_load,
    "YAML 1.1 (PyYAML)": _pyyaml_load,
}


def as_json(value: Any) -> str:
    """JSON text tells `1` from `1.0`, `true` and `"1"` (Python's `==` does not)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def yaml_problems(text: str, expected: Any) -> Iterator[str]:
    """Each YAML reader that does not read `text` as `expected`, and what it read differently."""
    for reader, load in YAML_READERS.items():
        try:
            loaded = load(text)
        except Exception as error:  # each reader has its own error classes
            yield f"{reader} refuses the text: {error}"
            continue
        if as_json(loaded) != as_json(expected):
            yield f"{reader}: {_first_difference(loaded, expected)}"


def _first_difference(loaded: Any, expected: Any, path: str = "") -> str:
    if isinstance(expected, dict) and isinstance(loaded, dict):
        for key in expected.keys() | loaded.keys():
            if key not in loaded or key not in expected:
                return f"{path}: key {key!r} on one side only"
            if as_json(loaded[key]) != as_json(expected[key]):
                return _first_difference(loaded[key], expected[key], f"{path}.{key}")
    if isinstance(expected, list) and isinstance(loaded, list) and len(loaded) == len(expected):
        for index, (mine, theirs) in enumerate(zip(loaded, expected, strict=True)):
            if as_json(mine) != as_json(theirs):
                return _first_difference(mine, theirs, f"{path}[{index}]")
    return f"{path or '(document)'}: read {loaded!r}, expected {expected!r}"


# All of it ---------------------------------------------------------------------------------------

ENVIRONMENT_VALUE = "1e3"
"""What each referenced variable is set to: a value a YAML reader would take for a number if the
reference were written unquoted (a resource name or a project id can be all digits)."""


def agentgateway_problems(text: str, document: Mapping[str, Any]) -> list[str]:
    """Everything agentgateway v1.4.1 would refuse in, or read differently from, this config.

    `text` is the file, `document` what it is meant to say (`RenderedConfig.document`).
    """
    problems: list[str] = []
    environment = environment_for(text, ENVIRONMENT_VALUE)
    try:
        expanded = shell_expand(text, environment)
    except ShellExpansionError as error:
        return [f"shellexpand refuses the file: {error}"]
    meant = expanded_document(dict(document), environment)
    problems.extend(yaml_problems(expanded, meant))
    for string in string_fields(meant):
        kind = string.kind
        if kind == "unclassified":
            problems.append(
                f"{string.path}: schema field {string.field} is not classified as CEL, regex or"
                " literal (tests/support/agentgateway_readers.py)"
            )
        elif kind == "cel" and (why := cel_problem(string.value)):
            problems.append(f"{string.path}: CEL {string.value!r} does not parse: {why}")
        elif kind == "regex" and (why := rust_regex_problem(string.value)):
            problems.append(f"{string.path}: regex {string.value!r} does not compile: {why}")
    return problems
