"""Lint of openapi.yaml: what API Gateway needs and what our conventions promise."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from controlplane.api.contract import HTTP_METHODS, load_document, resolve_ref
from controlplane.settings import ADMIN_SCOPE, INVOKE_SCOPE

DOCUMENT = load_document()
ALLOWED_SCOPES = {ADMIN_SCOPE, INVOKE_SCOPE}
LAMBDAS = {
    "team_registration",
    "budget_admin",
    "pricing_admin",
    "routing_config",
    "usage_api",
    "content_scanner",
    "audit_log",
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, item[method])
        for path, item in DOCUMENT["paths"].items()
        for method in HTTP_METHODS
        if method in item
    ]


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    return resolve_ref(DOCUMENT, node)


OPERATIONS = operations()
NOT_RESOURCES = {"ClientCredentials", "TeamUsage", "UsageHistory"}
"""Answers that are not a versioned resource, so carry no ETag."""
IDS = [f"{method.upper()} {path}" for path, method, _ in OPERATIONS]


def test_the_document_is_valid_openapi_3_0() -> None:
    assert DOCUMENT["openapi"].startswith("3.0.")
    validate(DOCUMENT)


def test_cognito_authorizer_scheme() -> None:
    scheme = DOCUMENT["components"]["securitySchemes"]["CognitoAuth"]
    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "header"
    assert scheme["name"] == "Authorization"
    assert scheme["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    authorizer = scheme["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "cognito_user_pools"
    assert authorizer["providerARNs"] == ["${cognito_user_pool_arn}"]


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=IDS)
def test_operation_is_api_gateway_ready(path: str, method: str, op: dict[str, Any]) -> None:
    assert re.fullmatch(r"[a-z][A-Za-z]+", op["operationId"])
    assert op.get("tags")
    # security: CognitoAuth with allowed scopes only
    assert op["security"], "every operation is authorised"
    for requirement in op["security"]:
        assert set(requirement) == {"CognitoAuth"}
        # One scope per requirement: API Gateway reads a requirement's scope list as "any of",
        # OpenAPI as "all of"; with one scope each, both read the alternatives the same way.
        assert len(requirement["CognitoAuth"]) == 1
        assert set(requirement["CognitoAuth"]) <= ALLOWED_SCOPES
    # integration: aws_proxy to a Lambda named by a template variable
    integration = op["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws_proxy"
    assert integration["httpMethod"] == "POST"
    assert isinstance(integration["uri"], str)
    match = re.fullmatch(r"\$\{([a-z_]+)_invoke_arn\}", integration["uri"])
    assert match
    assert match[1] in LAMBDAS
    # a request validator that exists
    validator = op["x-amazon-apigateway-request-validator"]
    assert validator in DOCUMENT["x-amazon-apigateway-request-validators"]
    if "requestBody" in op:
        assert DOCUMENT["x-amazon-apigateway-request-validators"][validator]["validateRequestBody"]


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=IDS)
def test_every_error_response_is_problem_json(path: str, method: str, op: dict[str, Any]) -> None:
    codes = set(op["responses"])
    assert {"400", "401", "403", "500"} <= codes
    for code, response in op["responses"].items():
        if code.startswith(("4", "5")):
            content = resolve(response)["content"]
            assert list(content) == ["application/problem+json"], code
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=IDS)
def test_conventions_of_reads_writes_and_lists(path: str, method: str, op: dict[str, Any]) -> None:
    params = {resolve(p)["name"] for p in op.get("parameters", [])}
    success = {c: r for c, r in op["responses"].items() if c.startswith("2")}
    if method in ("put", "delete"):
        assert "If-Match" in params
        assert "412" in op["responses"]
    creating = method == "post" and "201" in success
    if creating:
        assert "Idempotency-Key" in params
        assert "Location" in success["201"]["headers"]
        assert success["201"].get("links"), "create links get/update/delete for stateful tests"
    for code, response in success.items():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        name = schema.get("$ref", "").rsplit("/", 1)[-1]
        if name.endswith("List"):
            assert {"limit", "cursor"} <= params
            listed = DOCUMENT["components"]["schemas"][name]
            assert listed["required"] == ["items", "next_cursor"]
            assert listed["properties"]["next_cursor"]["nullable"] is True
        elif name and name not in NOT_RESOURCES:
            assert "ETag" in response.get("headers", {}), (code, name)


def test_parameters_are_limited_and_paginated() -> None:
    limit = DOCUMENT["components"]["parameters"]["Limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 100, 25)


@pytest.mark.parametrize("name", sorted(DOCUMENT["components"]["schemas"]))
def test_named_schemas_have_description_and_example(name: str) -> None:
    schema = DOCUMENT["components"]["schemas"][name]
    assert schema.get("description"), name
    assert "example" in schema, name


def _inline_objects(node: Any, where: str) -> list[str]:
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            found.append(where)
        for key, value in node.items():
            found += _inline_objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _inline_objects(value, f"{where}/{index}")
    return found


def test_no_anonymous_inline_objects() -> None:
    assert _inline_objects(DOCUMENT["paths"], "paths") == []
    for name, schema in DOCUMENT["components"]["schemas"].items():
        assert _inline_objects(schema.get("properties", {}), name) == []


def test_request_bodies_are_closed() -> None:
    for _, _, op in OPERATIONS:
        if "requestBody" in op:
            ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            schema = resolve({"$ref": ref})
            assert schema["additionalProperties"] is False, ref
            for prop in schema["properties"].values():
                target = resolve(prop) if "$ref" in prop else prop
                if target.get("type") == "object":
                    assert target["additionalProperties"] is False


def test_money_is_a_decimal_string() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    for name in ("Money", "TokenPrice"):
        assert schemas[name]["type"] == "string"
        assert schemas[name]["pattern"].endswith(r"(\.[0-9]{1,6})?$")

    def money_fields(node: Any) -> list[Any]:
        if isinstance(node, dict):
            hits = [v for k, v in node.items() if k.endswith("_usd")]
            nested = [v for k, v in node.items() if k != "example"]
            return hits + [h for v in nested for h in money_fields(v)]
        if isinstance(node, list):
            return [h for v in node for h in money_fields(v)]
        return []

    for field in money_fields(schemas):
        assert field == {"$ref": "#/components/schemas/Money"}


def test_gateway_responses_map_rejections_to_problems() -> None:
    responses = DOCUMENT["x-amazon-apigateway-gateway-responses"]
    expected = {
        "UNAUTHORIZED": 401,
        "ACCESS_DENIED": 403,
        "MISSING_AUTHENTICATION_TOKEN": 404,
        "BAD_REQUEST_BODY": 400,
        "BAD_REQUEST_PARAMETERS": 400,
        "THROTTLED": 429,
    }
    for name, status in expected.items():
        assert responses[name]["statusCode"] == status, name
    for name, response in responses.items():
        assert (
            response["responseParameters"]["gatewayresponse.header.Content-Type"]
            == "'application/problem+json'"
        ), name
        # Templates get plain substitution, no escaping: only variables that API Gateway
        # already renders as JSON strings (messageString) may stand unquoted.
        template = response["responseTemplates"]["application/json"]
        assert "validationErrorString" not in template, name
        rendered = template.replace("$context.error.messageString", '"a \\"quoted\\" message"')
        problem = json.loads(rendered.replace("$context.path", "/teams"))
        assert problem["status"] == response["statusCode"], name
        assert set(problem) == {"type", "title", "status", "detail", "instance"}, name
    assert "DEFAULT_5XX" in responses
    assert "DEFAULT_4XX" in responses
    # API Gateway does not apply a customised REQUEST_TOO_LARGE (its docs' "important notes"):
    # a body over its 10 MB limit gets the default answer, whatever the contract says.
    assert "REQUEST_TOO_LARGE" not in responses


def _all_patterns(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return own + [p for v in node.values() for p in _all_patterns(v)]
    if isinstance(node, list):
        return [p for v in node for p in _all_patterns(v)]
    return []


def test_patterns_mean_the_same_in_every_regex_engine() -> None:
    # \d, \s and \w are Unicode-aware in Python and Rust (pydantic) but ASCII in JSON Schema,
    # so "٣" would be a digit to the server and not to API Gateway or Schemathesis.
    for pattern in _all_patterns(DOCUMENT):
        assert not re.search(r"\\[dswDSW]", pattern), pattern


def test_request_schemas_are_never_nullable() -> None:
    def nullable(node: Any) -> bool:
        if isinstance(node, dict):
            if "$ref" in node:
                return nullable(resolve(node))
            return node.get("nullable") is True or any(nullable(v) for v in node.values())
        if isinstance(node, list):
            return any(nullable(v) for v in node)
        return False

    for _, _, op in OPERATIONS:
        if "requestBody" in op:
            assert not nullable(op["requestBody"]), op["operationId"]
