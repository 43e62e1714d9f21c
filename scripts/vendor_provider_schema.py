"""Vendor the AWS provider schema of the types infra/ uses, recovered offline from PyPI.

No Terraform registry is reachable here, so `terraform providers schema -json` cannot run. The
CDK-for-Terraform bindings on PyPI are generated from that very schema: the jsii assembly carries
every argument (its Terraform name in the registry link of its docs, optional or not, block or
attribute by type) and the compiled JavaScript beside it carries the generator's own record of each
attribute (`// <name> - computed: X, optional: Y, required: Z`) and of each block's nesting
(`isBlock`, `type` in `synthesizeHclAttributes`). This script reads both, checks they agree, and
writes the subset we use in the layout of `terraform providers schema -json`:

    .venv/bin/python scripts/vendor_provider_schema.py            # pip-downloads the wheel
    .venv/bin/python scripts/vendor_provider_schema.py --wheel /tmp/pkgs/cdktn_provider_aws-...whl

Output: infra/.provider-schema/aws-<provider version>.json and PROVENANCE.md.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "cdktn-provider-aws"
PACKAGE_VERSION = "25.8.1"
PROVIDER_VERSION = "6.69.1"
PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"
JSII_MEMBER = f"cdktn_provider_aws/_jsii/provider-aws@{PACKAGE_VERSION}.jsii.tgz"
OUT_DIR = ROOT / "infra" / ".provider-schema"
SCHEMA_FILE = f"aws-{PROVIDER_VERSION}.json"

# Registry link in the docs of every class and property, e.g. {@link https://registry.terraform.io/
# providers/hashicorp/aws/6.69.1/docs/resources/dynamodb_table#hash_key DynamodbTable#hash_key}
LINK = re.compile(
    r"\{@link https://registry\.terraform\.io/providers/hashicorp/aws/(?P<version>[^/]+)/docs/"
    r"(?P<kind>resources|data-sources)/(?P<page>\w+)(?:#(?P<anchor>\w+))?[ }]"
)
CLASS_LINK = re.compile(
    r"^Represents a \{@link https://registry\.terraform\.io/providers/hashicorp/aws/"
    r"(?P<version>[^/]+)/docs/(?P<kind>resources|data-sources)/\w+ (?P<type>\w+)\}"
)
# The generator's record of one attribute, right above its getter (a `_x;` field may sit between).
GETTER = re.compile(
    r"^    // (?P<name>\w+) - computed: (?P<computed>true|false),"
    r" optional: (?P<optional>true|false), required: (?P<required>true|false)\n"
    r"(?:    _\w+(?: = [^\n]*)?;\n)?"
    r"    get (?P<camel>\w+)\(\) \{\n        return (?P<body>[^\n]*)\n",
    re.MULTILINE,
)
HCL_ENTRY = re.compile(
    r"^\s+(?P<name>\w+): \{\n\s+value: [^\n]*\n\s+isBlock: (?P<block>true|false),\n"
    r"\s+type: \"(?P<type>\w+)\",\n\s+storageClassType: \"(?P<storage>\w+)\",\n",
    re.MULTILINE,
)
GETTER_TYPES: dict[str, Any] = {
    "getStringAttribute": "string",
    "getNumberAttribute": "number",
    "getBooleanAttribute": "bool",
    "getListAttribute": ["list", "string"],
    "getNumberListAttribute": ["list", "number"],
    "getStringMapAttribute": ["map", "string"],
    "getNumberMapAttribute": ["map", "number"],
    "getBooleanMapAttribute": ["map", "bool"],
    "interpolationForAttribute": "dynamic",
}
CDKTN_MAPS = {"cdktn.StringMap": "string", "cdktn.NumberMap": "number", "cdktn.BooleanMap": "bool"}
PRIMITIVES = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}


class SchemaError(Exception):
    """The two sources in the package disagree, or a type is missing: the output would be wrong."""


@dataclass
class JsFile:
    """One generated module: getter records per class, HCL entries per struct function."""

    text: str
    classes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        starts = [
            (m.start(), m.group(1))
            for m in re.finditer(r"^class (\w+) extends [\w.]+ \{", self.text, re.M)
        ]
        ends = [m.start() for m in re.finditer(r"^(?:class |function |exports\.)", self.text, re.M)]
        for start, name in starts:
            end = min((e for e in ends if e > start), default=len(self.text))
            self.classes[name] = self.text[start:end]

    def getters(self, class_name: str) -> dict[str, dict[str, Any]]:
        """Getter name (camelCase) → Terraform name, flags and the getter's body."""
        body = self.classes.get(class_name)
        if body is None:
            raise SchemaError(f"class {class_name} not found in the generated JavaScript")
        return {
            m["camel"]: {
                "name": m["name"],
                "computed": m["computed"] == "true",
                "optional": m["optional"] == "true",
                "required": m["required"] == "true",
                "body": m["body"],
            }
            for m in GETTER.finditer(body)
        }

    def hcl_entries(self, owner: str, *, resource: bool) -> dict[str, dict[str, Any]]:
        """Terraform name → isBlock, type, storageClassType as the generator synthesizes HCL."""
        if resource:
            body = self.classes[owner]
            start = body.index("synthesizeHclAttributes() {")
        else:
            function = owner[0].lower() + owner[1:] + "ToHclTerraform"
            match = re.search(rf"^function {function}\(struct\) \{{", self.text, re.M)
            if match is None:
                return {}  # computed-only structs are never synthesized
            body, start = self.text, match.start()
        end = body.index("\n    }\n" if resource else "\n}\n", start)
        return {
            m["name"]: {"block": m["block"] == "true", "type": m["type"], "storage": m["storage"]}
            for m in HCL_ENTRY.finditer(body[start:end])
        }


def camel_to_snake(name: str) -> str:
    """The guess the registry link makes unnecessary; kept only to report where it would fail."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def anchor_of(docs: dict[str, str]) -> str | None:
    """The Terraform name a property's docs link to (`...#<name>`)."""
    for text in (docs.get("summary", ""), docs.get("remarks", "")):
        match = LINK.search(text)
        if match and match["anchor"]:
            if match["version"] != PROVIDER_VERSION:
                raise SchemaError(f"docs link to provider {match['version']}: {text}")
            return match["anchor"]
    return None


@dataclass
class Extractor:
    """Builds `terraform providers schema -json`-shaped blocks from the assembly and its JS."""

    types: dict[str, Any]
    js: dict[str, JsFile]
    guesses_wrong: list[str] = field(default_factory=list)

    def struct_of(self, type_ref: dict[str, Any]) -> tuple[str | None, bool]:
        """(struct fqn, is a collection) of a property type, or (None, _) for a plain value."""
        candidates = type_ref.get("union", {}).get("types", [type_ref])
        for candidate in candidates:
            fqn = candidate.get("fqn")
            if fqn and self.types.get(fqn, {}).get("datatype"):
                return fqn, False
            element = candidate.get("collection", {}).get("elementtype", {})
            fqn = element.get("fqn")
            if fqn and self.types.get(fqn, {}).get("datatype"):
                return fqn, True
        return None, False

    def value_type(self, type_ref: dict[str, Any], hcl: dict[str, Any] | None) -> Any:
        """Terraform type of a plain attribute, from the jsii type (and list vs set from HCL)."""
        for candidate in type_ref.get("union", {}).get("types", [type_ref]):
            if "primitive" in candidate:
                return PRIMITIVES[candidate["primitive"]]
            collection = candidate.get("collection")
            if collection:
                inner = self.value_type(collection["elementtype"], None)
                if collection["kind"] == "map":
                    return ["map", inner]
                return [hcl["type"] if hcl and hcl["type"] in ("list", "set") else "list", inner]
        return "dynamic"

    def block(self, struct_fqn: str, reference_class: str, js: JsFile, top: bool) -> dict[str, Any]:
        """Schema of one block: arguments, nested blocks (recursively), computed attributes."""
        struct = self.types[struct_fqn]
        getters = js.getters(reference_class)
        hcl = js.hcl_entries(reference_class if top else struct["name"], resource=top)
        attributes: dict[str, Any] = {}
        blocks: dict[str, Any] = {}
        seen: set[str] = set()
        for prop in struct.get("properties", []):
            camel = prop["name"]
            linked = anchor_of(prop.get("docs", {}))
            getter = getters.get(camel)
            if linked is None or getter is None:
                raise SchemaError(f"{struct_fqn}.{camel}: no registry link or no getter record")
            if getter["name"] != linked:
                message = f"link says {linked}, JS says {getter['name']}"
                raise SchemaError(f"{struct_fqn}.{camel}: {message}")
            if camel_to_snake(camel) != linked:
                self.guesses_wrong.append(f"{struct_fqn}.{camel} -> {linked}")
            seen.add(camel)
            entry = hcl.get(linked)
            nested_fqn, is_collection = self.struct_of(prop["type"])
            if entry is None:
                raise SchemaError(f"{struct_fqn}.{linked}: not in the synthesized HCL")
            if entry["block"]:
                if nested_fqn is None:
                    raise SchemaError(f"{struct_fqn}.{linked}: a block without a struct type")
                nested_class = self.types[nested_fqn]["name"] + "OutputReference"
                spec: dict[str, Any] = {
                    "nesting_mode": "single" if entry["type"] == "struct" else entry["type"],
                    "block": self.block(nested_fqn, nested_class, js, top=False),
                }
                # jsii marks a block with at least one item as non-optional, and types a block
                # with at most one item as a single struct rather than an array of them.
                if not prop.get("optional"):
                    spec["min_items"] = 1
                if not is_collection and entry["type"] != "struct":
                    spec["max_items"] = 1
                blocks[linked] = spec
                continue
            attribute: dict[str, Any] = {}
            if nested_fqn is not None:
                nested_class = self.types[nested_fqn]["name"] + "OutputReference"
                nested = self.block(nested_fqn, nested_class, js, top=False)
                attribute["nested_type"] = {
                    "nesting_mode": "single" if entry["type"] == "struct" else entry["type"],
                    "attributes": nested["attributes"],
                }
            else:
                attribute["type"] = self.value_type(prop["type"], entry)
            attributes[linked] = attribute | flags(getter, required=not prop.get("optional"))
        for camel, getter in getters.items():
            if camel in seen or camel.endswith("Input"):
                continue
            if getter["optional"] or getter["required"] or not getter["computed"]:
                raise SchemaError(f"{reference_class}.{camel}: settable but not in {struct_fqn}")
            attributes[getter["name"]] = self.computed(getter, reference_class, js)
        result: dict[str, Any] = {"attributes": dict(sorted(attributes.items()))}
        if blocks:
            result["block_types"] = dict(sorted(blocks.items()))
        return result

    def computed(self, getter: dict[str, Any], owner: str, js: JsFile) -> dict[str, Any]:
        """A computed-only attribute; complex ones carry their nested attributes."""
        body = getter["body"]
        method = re.search(r"this\.(\w+)\('(\w+)'\)", body)
        if method and method[1] in GETTER_TYPES:
            if method[2] != getter["name"]:
                raise SchemaError(f"{owner}.{getter['name']}: getter reads {method[2]}")
            value_type = GETTER_TYPES[method[1]]
            if "cdktn.Fn.tolist(" in body:  # the generator's mark of a set
                value_type = ["set", value_type[1] if isinstance(value_type, list) else value_type]
            return {"type": value_type, "computed": True}
        field_match = re.match(r"this\.(_\w+);", body)
        if not field_match:
            raise SchemaError(f"{owner}.{getter['name']}: unknown getter body {body!r}")
        declaration = re.search(
            rf"^    {field_match[1]} = new ([\w.]+)\(this, \"\w+\"(?:, (true|false))?\);",
            js.classes[owner],
            re.M,
        )
        if declaration is None:
            raise SchemaError(f"{owner}.{getter['name']}: complex attribute without a class")
        holder = declaration[1]
        if holder in CDKTN_MAPS:
            return {"type": ["map", CDKTN_MAPS[holder]], "computed": True}
        if holder.endswith("List"):
            nested_class, mode = holder[: -len("List")] + "OutputReference", "list"
            if declaration[2] == "true":
                mode = "set"
        elif holder.endswith("Map"):
            nested_class, mode = holder[: -len("Map")] + "OutputReference", "map"
        else:
            nested_class, mode = holder, "single"
        nested = {
            record["name"]: self.computed(record, nested_class, js)
            for record in js.getters(nested_class).values()
        }
        return {
            "nested_type": {"nesting_mode": mode, "attributes": dict(sorted(nested.items()))},
            "computed": True,
        }


def flags(getter: dict[str, Any], *, required: bool) -> dict[str, bool]:
    """required / optional / computed as Terraform's schema JSON spells them (only true ones)."""
    if required != getter["required"]:
        raise SchemaError(f"{getter['name']}: jsii and JS disagree on required")
    out = {"required": True} if required else {"optional": True}
    if getter["computed"]:
        out["computed"] = True
    return out


def read_package(wheel: Path) -> tuple[dict[str, Any], bytes]:
    """The jsii assembly and the npm tarball it came in (still compressed)."""
    with zipfile.ZipFile(wheel) as archive:
        tgz = archive.read(JSII_MEMBER)
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        member = tar.extractfile("package/.jsii")
        if member is None:
            raise SchemaError("package/.jsii missing from the jsii tarball")
        assembly = json.loads(member.read())
    if assembly["version"] != PACKAGE_VERSION:
        raise SchemaError(f"assembly version {assembly['version']} != {PACKAGE_VERSION}")
    return assembly, tgz


def wanted_classes(assembly: dict[str, Any], wanted: set[str]) -> dict[str, dict[str, Any]]:
    """`resource:aws_x` / `data:aws_y` → the jsii class that represents it."""
    found: dict[str, dict[str, Any]] = {}
    for fqn, spec in assembly["types"].items():
        if spec.get("kind") != "class" or spec.get("base") not in (
            "cdktn.TerraformResource",
            "cdktn.TerraformDataSource",
        ):
            continue
        match = CLASS_LINK.match(spec.get("docs", {}).get("summary", ""))
        if not match:
            continue
        key = ("data:" if match["kind"] == "data-sources" else "resource:") + match["type"]
        if key in wanted:
            if match["version"] != PROVIDER_VERSION:
                raise SchemaError(f"{fqn} documents provider {match['version']}")
            found[key] = spec | {"fqn": fqn}
    missing = wanted - found.keys()
    if missing:
        raise SchemaError(f"not in {PACKAGE} {PACKAGE_VERSION}: {', '.join(sorted(missing))}")
    return found


def read_js(tgz: bytes, paths: set[str]) -> dict[str, JsFile]:
    """The generated JavaScript modules of the classes we need."""
    out: dict[str, JsFile] = {}
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        for member in tar:
            if member.name in paths:
                handle = tar.extractfile(member)
                if handle is not None:
                    out[member.name] = JsFile(handle.read().decode())
    if paths - out.keys():
        raise SchemaError(f"missing from the tarball: {sorted(paths - out.keys())}")
    return out


def js_path(spec: dict[str, Any]) -> str:
    """jsii's src/<module>/index.ts of a class → its compiled package/lib/<module>/index.js."""
    source = str(spec["locationInModule"]["filename"])
    return "package/lib/" + source.removeprefix("src/").removesuffix(".ts") + ".js"


def extract(wheel: Path, wanted: set[str]) -> tuple[dict[str, Any], list[str]]:
    """The vendored document and the properties whose camel→snake guess would have been wrong."""
    assembly, tgz = read_package(wheel)
    classes = wanted_classes(assembly, wanted)
    js = read_js(tgz, {js_path(spec) for spec in classes.values()})
    extractor = Extractor(assembly["types"], js)
    schemas: dict[str, dict[str, Any]] = {"resource_schemas": {}, "data_source_schemas": {}}
    for key, spec in sorted(classes.items()):
        kind, tf_type = key.split(":")
        module = js[js_path(spec)]
        declared = re.search(r'static tfResourceType = "(\w+)";', module.classes[spec["name"]])
        if declared is None or declared[1] != tf_type:
            raise SchemaError(f"{spec['fqn']}: tfResourceType disagrees with its docs ({tf_type})")
        config = spec["initializer"]["parameters"][-1]["type"]["fqn"]
        block = extractor.block(config, spec["name"], module, top=True)
        section = "data_source_schemas" if kind == "data" else "resource_schemas"
        schemas[section][tf_type] = {"block": block}
    document = {
        "format_version": "1.0",
        "provider_schemas": {
            PROVIDER_SOURCE: {
                "provider_version": PROVIDER_VERSION,
                "recovered_from": f"{PACKAGE}=={PACKAGE_VERSION} (PyPI), jsii assembly",
                "resource_schemas": schemas["resource_schemas"],
                "data_source_schemas": schemas["data_source_schemas"],
            }
        },
    }
    return document, extractor.guesses_wrong


def types_in_infra(infra: Path) -> set[str]:
    """`resource:aws_x` and `data:aws_y` for every block declared under infra/."""
    found: set[str] = set()
    pattern = re.compile(r'^\s*(resource|data)\s+"(\w+)"\s+"[\w-]+"', re.M)
    for path in sorted(infra.rglob("*.tf")):
        if ".terraform" in path.parts:
            continue
        for kind, tf_type in pattern.findall(path.read_text()):
            if tf_type.startswith("aws_"):
                found.add(f"{kind}:{tf_type}")
    return found


def parse_types(values: Iterable[str]) -> Iterator[str]:
    """`aws_x` is a resource, `data.aws_y` a data source."""
    for value in values:
        for item in value.replace(",", " ").split():
            if item.startswith("data."):
                yield "data:" + item[len("data.") :]
            else:
                yield "resource:" + item


def download_wheel(directory: Path) -> Path:
    """`pip download` of the pinned package (the ordinary client; about 70 MB)."""
    subprocess.run(  # noqa: S603 - fixed command, pinned version
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            f"{PACKAGE}=={PACKAGE_VERSION}",
            "-d",
            str(directory),
        ],
        check=True,
    )
    return next(directory.glob("cdktn_provider_aws-*.whl"))


def provenance(wheel: Path, digest: str, document: dict[str, Any], guesses: list[str]) -> str:
    """PROVENANCE.md: what the vendored file is, where it came from, how to make it again."""
    provider = document["provider_schemas"][PROVIDER_SOURCE]
    resources = ", ".join(f"`{t}`" for t in provider["resource_schemas"])
    data = ", ".join(f"`{t}`" for t in provider["data_source_schemas"])
    return f"""# Provenance of `{SCHEMA_FILE}`

Generated by `scripts/vendor_provider_schema.py`; do not edit by hand.

| | |
|---|---|
| Provider | `{PROVIDER_SOURCE}` **{PROVIDER_VERSION}** |
| Recovered from | PyPI `{PACKAGE}=={PACKAGE_VERSION}` (CDK-for-Terraform bindings) |
| Wheel | `{wheel.name}` |
| Wheel sha256 | `{digest}` |
| Inside the wheel | `{JSII_MEMBER}` → `package/.jsii` and `package/lib/<type>/index.js` |

## Why this file exists

`terraform init` cannot download the provider here (no registry), so neither `terraform validate`
nor `terraform providers schema -json` can run. The bindings are generated from that very schema
and are published on PyPI, so the schema can be recovered offline and checked in.
`tests/infra/test_terraform_static.py` checks every resource and data block of `infra/` against this
file; it does not need the 70 MB wheel.

## How each field is recovered

- Terraform names: the registry link in each property's jsii docs
  (`.../docs/resources/<type>#<name>`), checked against the generator's record in the JavaScript
  (`// <name> - computed: X, optional: Y, required: Z` above each getter). Both are exact; the
  script fails if they disagree. (A camel→snake guess would have been wrong for
  {len(guesses)} of the properties extracted.)
- required / optional / computed: that record; `required` also agrees with jsii's `optional`.
  Attributes that are only computed (readable, not settable) come from getters without a config
  property.
- Blocks vs attributes and nesting (`list`, `set`, `single`): `isBlock` and `type` in the
  generated `synthesizeHclAttributes` / `<struct>ToHclTerraform`.
- `min_items: 1` when jsii types a block as non-optional; `max_items: 1` when jsii types it as
  one struct instead of an array. The bindings carry no other counts, so larger minimums or
  maximums are not recorded.
- Types of attributes: jsii property types (list vs set from the synthesized HCL). Descriptions,
  `sensitive` and deprecation are not recorded.

## Types

Resources: {resources}.

Data sources: {data}.

The set is exactly the types declared under `infra/` (the test fails when it differs).

## Regenerate

```
.venv/bin/python scripts/vendor_provider_schema.py              # pip-downloads the wheel
.venv/bin/python scripts/vendor_provider_schema.py --wheel PATH  # or use a downloaded one
```

It scans `infra/**/*.tf` for the types to include (`--types aws_x data.aws_y` adds more). For a
new provider version, change `PACKAGE_VERSION` / `PROVIDER_VERSION` in the script (the cdktn
release notes say which provider version each release binds) and the `required_providers`
constraint in `infra/versions.tf`.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"a downloaded {PACKAGE} wheel")
    parser.add_argument(
        "--types", nargs="*", default=[], help="extra types: aws_x (resource), data.aws_y"
    )
    parser.add_argument("--infra", type=Path, default=ROOT / "infra")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    wanted = types_in_infra(args.infra) | set(parse_types(args.types))
    if not wanted:
        parser.error("no types: infra/ declares none and --types is empty")
    with tempfile.TemporaryDirectory() as scratch:
        wheel = args.wheel or download_wheel(Path(scratch))
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        try:
            document, guesses = extract(wheel, wanted)
        except SchemaError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        args.out.mkdir(parents=True, exist_ok=True)
        text = json.dumps(document, indent=1, sort_keys=True) + "\n"
        (args.out / SCHEMA_FILE).write_text(text)
        (args.out / "PROVENANCE.md").write_text(provenance(wheel, digest, document, guesses))
    provider = document["provider_schemas"][PROVIDER_SOURCE]
    print(
        f"wrote {args.out / SCHEMA_FILE}: {len(provider['resource_schemas'])} resources, "
        f"{len(provider['data_source_schemas'])} data sources, {len(text)} bytes"
    )
    for guess in guesses:
        print(f"  camel→snake would be wrong: {guess}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
