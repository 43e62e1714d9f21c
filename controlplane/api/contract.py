"""What the runtime reads from `openapi.yaml`: routes, scopes, owning Lambdas, header rules.

Loaded once per process (a Lambda cold start or the local server), with PyYAML's C loader when
available. Validation of bodies and parameters does not happen here: the generated models do it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

CONTRACT_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_LAMBDA_URI = re.compile(r"^\$\{(?P<name>[a-z_]+)_invoke_arn\}$")


@dataclass(frozen=True)
class HeaderRule:
    """A string header parameter's constraints (`If-Match`, `Idempotency-Key`)."""

    name: str
    min_length: int
    max_length: int
    pattern: re.Pattern[str] | None

    def problem(self, value: str) -> str | None:
        if not self.min_length <= len(value) <= self.max_length:
            return f"must be {self.min_length} to {self.max_length} characters long"
        if self.pattern and not self.pattern.search(value):
            return f"must match {self.pattern.pattern}"
        return None


@dataclass(frozen=True)
class OperationInfo:
    operation_id: str
    method: str
    path: str
    lambda_name: str
    scope_alternatives: tuple[frozenset[str], ...]
    """API Gateway's reading: the token needs every scope of at least one alternative."""
    body_schema: str | None
    body_min_properties: int
    """`minProperties` of the body (generated models cannot express it)."""
    success_statuses: tuple[int, ...]
    headers: tuple[HeaderRule, ...]

    def header(self, name: str) -> HeaderRule | None:
        return next((h for h in self.headers if h.name.lower() == name.lower()), None)


@dataclass(frozen=True)
class Contract:
    document: dict[str, Any]
    operations: dict[str, OperationInfo]

    def match_path(self, path: str) -> tuple[str, dict[str, str]] | None:
        """The path template a concrete path falls under, and its path parameters.

        Like API Gateway, a static segment wins over a parameter (`/routing/config` is not the
        rule `config`): templates with fewer parameters are tried first.
        """
        for template, pattern in self._path_patterns:
            match = pattern.match(path)
            if match:
                return template, match.groupdict()
        return None

    @cached_property
    def _path_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        """Each path template as a regex, fewest parameters first (compiled once: every local
        request matches its path)."""
        return [
            (
                template,
                re.compile(
                    "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
                ),
            )
            for template in sorted(self.document["paths"], key=lambda t: t.count("{"))
        ]

    def by_route(self, method: str, path_template: str) -> OperationInfo | None:
        for op in self.operations.values():
            if op.method == method.lower() and op.path == path_template:
                return op
        return None


def resolve_ref(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _header_rules(document: dict[str, Any], parameters: list[dict[str, Any]]) -> list[HeaderRule]:
    rules = []
    for raw in parameters:
        param = resolve_ref(document, raw)
        if param.get("in") != "header":
            continue
        schema = resolve_ref(document, param.get("schema", {}))
        pattern = schema.get("pattern")
        rules.append(
            HeaderRule(
                name=param["name"],
                min_length=int(schema.get("minLength", 0)),
                max_length=int(schema.get("maxLength", 8192)),
                pattern=re.compile(pattern) if pattern else None,
            )
        )
    return rules


def parse_contract(document: dict[str, Any]) -> Contract:
    operations: dict[str, OperationInfo] = {}
    for path, path_item in document["paths"].items():
        shared_params = path_item.get("parameters", [])
        for method in HTTP_METHODS:
            if method not in path_item:
                continue
            op = path_item[method]
            uri = op["x-amazon-apigateway-integration"]["uri"]
            match = _LAMBDA_URI.match(uri)
            if not match:
                raise ValueError(f"{op['operationId']}: integration uri {uri!r} names no Lambda")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            body_ref = body.get("schema", {}).get("$ref")
            operations[op["operationId"]] = OperationInfo(
                operation_id=op["operationId"],
                method=method,
                path=path,
                lambda_name=match["name"],
                scope_alternatives=tuple(
                    frozenset(scopes)
                    for requirement in op.get("security", document.get("security", []))
                    for scopes in requirement.values()
                ),
                body_schema=body_ref.rsplit("/", 1)[-1] if body_ref else None,
                body_min_properties=int(
                    resolve_ref(document, body["schema"]).get("minProperties", 0) if body_ref else 0
                ),
                success_statuses=tuple(
                    int(code) for code in op["responses"] if str(code).startswith("2")
                ),
                headers=tuple(_header_rules(document, shared_params + op.get("parameters", []))),
            )
    return Contract(document=document, operations=operations)


def load_document(path: Path = CONTRACT_PATH) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
    return document


@cache
def load_contract(path: Path = CONTRACT_PATH) -> Contract:
    return parse_contract(load_document(path))
