"""API Gateway's documented rules for importing an OpenAPI 3.0 document as a REST API, as a lint.

`lint(document)` returns readable violations, `"<rule id>: <where>: <what>"`; `RULES` names each
rule with the documentation it encodes. Only what AWS documents is here (plus the shape our design
relies on, marked as such); each rule cites its page. The pages, as last published in AWS's own
repository of the guide (github.com/awsdocs/amazon-api-gateway-developer-guide, commit 781597d,
2023-04-03, `doc_source/<page>.md`; the live guide is
https://docs.aws.amazon.com/apigateway/latest/developerguide/<page>.html):

- KNOWN_ISSUES: api-gateway-known-issues, "Amazon API Gateway important notes for REST APIs", the
  list "API Gateway supports most of the OpenAPI 2.0 specification and the OpenAPI 3.0
  specification, with the following exceptions".
- INTEGRATION: api-gateway-swagger-extensions-integration (x-amazon-apigateway-integration).
- LAMBDA_PROXY: set-up-lambda-proxy-integrations ("For Lambda integrations, you must use the HTTP
  method of POST for the integration request"; the invoke-ARN form of `uri`).
- COGNITO: apigateway-enable-cognito-user-pool ("To import a COGNITO_USER_POOLS authorizer with an
  OpenAPI definition file").
- VALIDATORS: api-gateway-swagger-extensions-request-validator(s)(.requestValidator).
- GATEWAY_RESPONSES: api-gateway-swagger-extensions-gateway-responses(.gatewayResponse,
  .responseParameters, .responseTemplates) and supported-gateway-response-types.
  A gateway response's statusCode may be a string (the extension's table) or a number (the
  guide's own MISSING_AUTHENTICATION_TOKEN example, set-up-gateway-responses-in-swagger).
- BASE_PATH: api-gateway-import-api-basePath (how OpenAPI 3 `servers` become a base path).
- IMPORT_API: API Reference, ImportRestApi ("The maximum size of the API definition file is 6MB").

Items of KNOWN_ISSUES that are not encoded, and why: `oneOf` ("not supported for OpenAPI 2.0 or SDK
generation": this is 3.0) and `"500": {"$ref": "#/responses/..."}` at the document root (an
OpenAPI 2.0 form; 3.0 has no root `responses`); "for input parameters, only name, in, required,
type, description are supported, other attributes are ignored" and "maxItems and minItems are not
included in simple request validation" say what the edge does not check (the Lambda validates
everything with the generated models), not something a document can break.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

KNOWN_ISSUES = "api-gateway-known-issues.html#api-gateway-known-issues-rest-apis"
INTEGRATION = "api-gateway-swagger-extensions-integration.html"
LAMBDA_PROXY = "set-up-lambda-proxy-integrations.html"
COGNITO = "apigateway-enable-cognito-user-pool.html"
VALIDATORS = "api-gateway-swagger-extensions-request-validator.html"
GATEWAY_RESPONSES = "supported-gateway-response-types.html"
BASE_PATH = "api-gateway-import-api-basePath.html"
IMPORT_API = "https://docs.aws.amazon.com/apigateway/latest/api/API_ImportRestApi.html"
DESIGN = "ARCHITECTURE.md §2 (our design, not an AWS rule)"

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
MAX_DEFINITION_BYTES = 6 * 1024 * 1024
# supported-gateway-response-types: the response types API Gateway exposes for customization.
GATEWAY_RESPONSE_TYPES = frozenset(
    {
        "ACCESS_DENIED",
        "API_CONFIGURATION_ERROR",
        "AUTHORIZER_CONFIGURATION_ERROR",
        "AUTHORIZER_FAILURE",
        "BAD_REQUEST_PARAMETERS",
        "BAD_REQUEST_BODY",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "EXPIRED_TOKEN",
        "INTEGRATION_FAILURE",
        "INTEGRATION_TIMEOUT",
        "INVALID_API_KEY",
        "INVALID_SIGNATURE",
        "MISSING_AUTHENTICATION_TOKEN",
        "QUOTA_EXCEEDED",
        "REQUEST_TOO_LARGE",
        "RESOURCE_NOT_FOUND",
        "THROTTLED",
        "UNAUTHORIZED",
        "UNSUPPORTED_MEDIA_TYPE",
        "WAF_FILTERED",
    }
)
# The same page's default status codes: which class (4xx/5xx) each type falls back to.
DEFAULT_5XX_TYPES = frozenset(
    {
        "API_CONFIGURATION_ERROR",
        "AUTHORIZER_CONFIGURATION_ERROR",
        "AUTHORIZER_FAILURE",
        "INTEGRATION_FAILURE",
        "INTEGRATION_TIMEOUT",
    }
)
INTEGRATION_TYPES = frozenset({"aws", "aws_proxy", "http", "http_proxy", "mock"})
PASSTHROUGH_BEHAVIORS = frozenset({"when_no_templates", "when_no_match", "never"})
# set-up-lambda-proxy-integrations: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/
# arn:aws:lambda:us-east-1:123456789012:function:HelloWorld/invocations".
LAMBDA_INVOKE_ARN = re.compile(
    r"arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/2015-03-31/functions/"
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?"
    r"/invocations"
)
# COGNITO: "arn:aws:cognito-idp:{region}:{account_id}:userpool/{user_pool_id}"; pool ids are
# "<region>_<id>".
USER_POOL_ARN = re.compile(
    r"arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool/[\w-]+_[0-9a-zA-Z]+"
)
TEMPLATE_VARIABLE = re.compile(r"\$\{[a-z_]+\}")
PATH_SEGMENT = re.compile(r"[A-Za-z0-9_\-.,:]+|\{[A-Za-z0-9_\-.,:]+\+?\}")
MODEL_NAME = re.compile(r"[A-Za-z0-9]+")
GATEWAY_PARAMETER = re.compile(r"gatewayresponse\.(header|path|querystring)\.[A-Za-z0-9_.-]+")
REQUEST_PARAMETER = re.compile(r"method\.request\.(header|path|querystring)\.[A-Za-z0-9_.-]+")
STATIC_VALUE = re.compile(r"'[^']*'")


@dataclass(frozen=True)
class Rule:
    source: str
    says: str


RULES: dict[str, Rule] = {
    "definition-size": Rule(IMPORT_API, "the definition file is at most 6 MB"),
    "base-path": Rule(
        BASE_PATH,
        "a servers url with a path beyond '/' becomes the base path: the resources would not be "
        "the contract's paths",
    ),
    "root-security-ignored": Rule(
        KNOWN_ISSUES,
        "root-level security is not used; security must be defined on every operation",
    ),
    "path-segments": Rule(
        KNOWN_ISSUES,
        "path segments contain only alphanumerics, underscores, hyphens, periods, commas, colons "
        "and curly braces; a path parameter is a whole segment",
    ),
    "model-names": Rule(KNOWN_ISSUES, "model names contain only alphanumeric characters"),
    "security-scheme-type": Rule(KNOWN_ISSUES, "a securitySchemes type, if used, must be apiKey"),
    "deprecated": Rule(KNOWN_ISSUES, "the deprecated field is not supported"),
    "models-draft-4": Rule(
        KNOWN_ISSUES,
        "models are JSON schema draft 4; derived from that: a validated request model may not "
        "need a keyword draft 4 lacks (nullable: null would be refused at the edge) nor use the "
        "later numeric exclusiveMinimum/Maximum",
    ),
    "discriminator": Rule(KNOWN_ISSUES, "discriminator is not supported in any schema object"),
    "example": Rule(KNOWN_ISSUES, "the example tag is not supported"),
    "exclusive-minimum": Rule(KNOWN_ISSUES, "exclusiveMinimum is not supported"),
    "read-only": Rule(KNOWN_ISSUES, "the readOnly field is not supported"),
    "int32-int64-numbers": Rule(
        KNOWN_ISSUES, "numbers of the Int32 or Int64 type are not supported"
    ),
    "decimal-format": Rule(KNOWN_ISSUES, 'the "format": "decimal" type is not supported'),
    "primitive-response-schema": Rule(
        KNOWN_ISSUES,
        "a method response schema must be of an object type, not an inline primitive (a $ref to "
        "a named schema is the documented workaround)",
    ),
    "default": Rule(KNOWN_ISSUES, "the default keyword is not supported"),
    "request-too-large": Rule(
        KNOWN_ISSUES,
        "customizing the default gateway response for 413 REQUEST_TOO_LARGE isn't supported",
    ),
    "integration": Rule(
        f"{INTEGRATION}; {DESIGN}",
        "every operation has an x-amazon-apigateway-integration of a valid type (ours: "
        "aws_proxy to a Lambda function)",
    ),
    "integration-fields": Rule(
        INTEGRATION,
        "passthroughBehavior is when_no_templates, when_no_match or never; timeoutInMillis is "
        "50 to 29,000",
    ),
    "lambda-integration": Rule(
        f"{INTEGRATION}; {LAMBDA_PROXY}",
        "for Lambda function invocations httpMethod must be POST and uri the function's invoke ARN",
    ),
    "cognito-authorizer": Rule(
        COGNITO,
        "a COGNITO_USER_POOLS authorizer is an apiKey scheme in the Authorization header with "
        "x-amazon-apigateway-authtype and authorizer type cognito_user_pools and providerARNs "
        "listing user pool ARNs",
    ),
    "operation-security": Rule(
        COGNITO,
        "an operation's security names a defined scheme; with a Cognito authorizer, scopes make "
        "it an access-token check against those scopes (which must exist on the pool)",
    ),
    "request-validators": Rule(
        VALIDATORS,
        "x-amazon-apigateway-request-validator names an entry of x-amazon-apigateway-request-"
        "validators; each entry has boolean validateRequestBody and validateRequestParameters",
    ),
    "gateway-responses": Rule(
        GATEWAY_RESPONSES,
        "gateway responses are keyed by a supported response type, with an HTTP statusCode, "
        "gatewayresponse.{header,path,querystring}.<name> parameters mapped from a static "
        "'value' or method.request.*, and string templates per content type",
    ),
    "default-response-status": Rule(
        GATEWAY_RESPONSES,
        "changing DEFAULT_4XX's (DEFAULT_5XX's) status code changes that of all other 4XX (5XX) "
        "responses; read as 'those without their own', with one set every type of that class "
        "sets its own (the page does not say whether explicit ones are overridden too)",
    ),
}


def lint(
    document: dict[str, Any],
    *,
    rendered: bool = True,
    known_scopes: set[str] | None = None,
    size: int | None = None,
) -> list[str]:
    """Every violation of `RULES` in `document`, as `"<rule>: <where>: <what>"`.

    `rendered`: the document as API Gateway receives it (template variables filled in), so ARNs
    are checked as ARNs; otherwise they must be `${...}` template variables. `known_scopes`: the
    scopes the user pool's resource servers define (unchecked when None). `size`: the definition's
    size in bytes, when known.
    """
    found: list[str] = []

    def add(rule: str, where: str, what: str) -> None:
        assert rule in RULES, rule
        found.append(f"{rule}: {where}: {what}")

    if size is not None and size > MAX_DEFINITION_BYTES:
        add("definition-size", "document", f"{size} bytes")
    for server in document.get("servers", []):
        path = urlparse(str(server.get("url", ""))).path
        if path not in ("", "/"):
            add("base-path", "servers", f"{server['url']!r} has the path {path!r}")
    for variable in (s.get("variables", {}) for s in document.get("servers", [])):
        if "basePath" in variable:
            add("base-path", "servers", "a basePath server variable becomes the base path")

    schemes = document.get("components", {}).get("securitySchemes", {})
    _lint_schemes(schemes, rendered, add)
    for path, method, op in _operations(document):
        where = f"{method.upper()} {path}"
        _lint_operation(document, where, op, schemes, rendered, known_scopes, add)
    for path in document.get("paths", {}):
        for segment in path.strip("/").split("/"):
            if segment and not PATH_SEGMENT.fullmatch(segment):
                add("path-segments", path, f"segment {segment!r}")
    for name in document.get("components", {}).get("schemas", {}):
        if not MODEL_NAME.fullmatch(name):
            add("model-names", f"components/schemas/{name}", "not alphanumeric")

    for where, schema in _schemas(document):
        _lint_schema(where, schema, add)
    for where, node in _example_holders(document):
        if "example" in node:
            add("example", where, "example")
    for where, schema in _request_body_schemas(document):
        _lint_request_model(where, schema, add)

    _lint_validators(document, add)
    _lint_gateway_responses(document.get("x-amazon-apigateway-gateway-responses", {}), add)
    return found


Add = Callable[[str, str, str], None]


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def _resolve(document: dict[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 32:
        target: Any = document
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, seen = target, seen + 1
    return node


def _lint_schemes(schemes: dict[str, Any], rendered: bool, add: Add) -> None:
    for name, scheme in schemes.items():
        where = f"components/securitySchemes/{name}"
        if scheme.get("type") != "apiKey":
            add("security-scheme-type", where, f"type {scheme.get('type')!r}")
        authorizer = scheme.get("x-amazon-apigateway-authorizer")
        if not isinstance(authorizer, dict) or authorizer.get("type") != "cognito_user_pools":
            continue
        expected = {
            "in": "header",
            "name": "Authorization",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
        }
        for key, value in expected.items():
            if scheme.get(key) != value:
                add("cognito-authorizer", where, f"{key} is {scheme.get(key)!r}, not {value!r}")
        arns = authorizer.get("providerARNs")
        if not isinstance(arns, list) or not arns:
            add("cognito-authorizer", where, "providerARNs is not a non-empty list")
            continue
        for arn in arns:
            pattern = USER_POOL_ARN if rendered else TEMPLATE_VARIABLE
            if not isinstance(arn, str) or not pattern.fullmatch(arn):
                add("cognito-authorizer", where, f"providerARNs entry {arn!r} is not a user pool")


def _lint_operation(
    document: dict[str, Any],
    where: str,
    op: dict[str, Any],
    schemes: dict[str, Any],
    rendered: bool,
    known_scopes: set[str] | None,
    add: Add,
) -> None:
    # Root-level security would be ignored: each operation carries its own.
    security = op.get("security")
    if not security:
        inherited = " (the root-level security is ignored)" if document.get("security") else ""
        add("root-security-ignored", where, f"no operation-level security{inherited}")
    for requirement in security or []:
        for name, scopes in requirement.items():
            if name not in schemes:
                add("operation-security", where, f"names no defined scheme: {name!r}")
                continue
            authorizer = schemes[name].get("x-amazon-apigateway-authorizer", {})
            cognito = (
                isinstance(authorizer, dict) and authorizer.get("type") == "cognito_user_pools"
            )
            unknown = set(scopes) - known_scopes if cognito and known_scopes is not None else set()
            if unknown:
                add("operation-security", where, f"scopes the pool does not define: {unknown}")
    if op.get("deprecated"):
        add("deprecated", where, "deprecated operation")
    for raw in op.get("parameters", []):
        if _resolve(document, raw).get("deprecated"):
            add("deprecated", where, "deprecated parameter")

    integration = op.get("x-amazon-apigateway-integration")
    if not isinstance(integration, dict):
        add("integration", where, "no x-amazon-apigateway-integration")
        return
    kind = str(integration.get("type", "")).lower()
    if kind not in INTEGRATION_TYPES:
        add("integration", where, f"type {integration.get('type')!r}")
    elif kind != "aws_proxy":
        add("integration", where, f"type {kind!r}, not aws_proxy (design)")
    behaviour = integration.get("passthroughBehavior")
    if behaviour is not None and behaviour not in PASSTHROUGH_BEHAVIORS:
        add("integration-fields", where, f"passthroughBehavior {behaviour!r}")
    timeout = integration.get("timeoutInMillis")
    if timeout is not None and not (isinstance(timeout, int) and 50 <= timeout <= 29_000):
        add("integration-fields", where, f"timeoutInMillis {timeout!r}")
    if kind == "aws_proxy":
        if integration.get("httpMethod") != "POST":
            add("lambda-integration", where, f"httpMethod {integration.get('httpMethod')!r}")
        uri = integration.get("uri")
        pattern = LAMBDA_INVOKE_ARN if rendered else TEMPLATE_VARIABLE
        if not isinstance(uri, str) or not pattern.fullmatch(uri):
            add("lambda-integration", where, f"uri {uri!r} is not a Lambda invoke ARN")

    for code, raw in op.get("responses", {}).items():
        for media_type, media in (_resolve(document, raw).get("content") or {}).items():
            schema = media.get("schema")
            if isinstance(schema, dict) and "$ref" not in schema and schema.get("type") != "object":
                add(
                    "primitive-response-schema",
                    f"{where} {code} {media_type}",
                    f"inline {schema.get('type')!r} schema",
                )


def _children(schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for key in ("items", "not", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield key, schema[key]
    for key in ("allOf", "anyOf", "oneOf"):
        for index, child in enumerate(schema.get(key, [])):
            yield f"{key}/{index}", child
    for name, child in (schema.get("properties") or {}).items():
        yield f"properties/{name}", child


def _walk_schema(where: str, schema: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """A schema and every schema inside it (not following `$ref`s: each named one is walked once,
    from components/schemas)."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    yield where, schema
    for key, child in _children(schema):
        yield from _walk_schema(f"{where}/{key}", child)


def _parameter_and_header_schemas(document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    components = document.get("components", {})
    for kind in ("parameters", "headers"):
        for name, node in components.get(kind, {}).items():
            yield f"components/{kind}/{name}", node.get("schema")
    for name, response in components.get("responses", {}).items():
        for header, node in (response.get("headers") or {}).items():
            yield f"components/responses/{name}/headers/{header}", node.get("schema")
    for path, method, op in _operations(document):
        for index, param in enumerate(op.get("parameters", [])):
            yield f"{method.upper()} {path} parameters/{index}", param.get("schema")
        for code, response in op.get("responses", {}).items():
            for header, node in (response.get("headers") or {}).items():
                yield f"{method.upper()} {path} {code} headers/{header}", node.get("schema")
    for path, item in document.get("paths", {}).items():
        for index, param in enumerate(item.get("parameters", [])):
            yield f"{path} parameters/{index}", param.get("schema")


def _media_schemas(document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    components = document.get("components", {})
    holders: list[tuple[str, Any]] = [
        (f"components/responses/{n}", r) for n, r in components.get("responses", {}).items()
    ]
    holders += [
        (f"components/requestBodies/{n}", r) for n, r in components.get("requestBodies", {}).items()
    ]
    for path, method, op in _operations(document):
        holders.append((f"{method.upper()} {path} requestBody", op.get("requestBody")))
        holders += [(f"{method.upper()} {path} {c}", r) for c, r in op["responses"].items()]
    for where, holder in holders:
        if isinstance(holder, dict):
            for media_type, media in (holder.get("content") or {}).items():
                yield f"{where} {media_type}", media.get("schema")


def _schemas(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object of the document, each once."""
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        yield from _walk_schema(f"components/schemas/{name}", schema)
    for where, schema in [*_parameter_and_header_schemas(document), *_media_schemas(document)]:
        yield from _walk_schema(where, schema)


def _example_holders(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Schemas, and the parameter, header and media type objects that may carry `example`."""
    yield from _schemas(document)
    components = document.get("components", {})
    for kind in ("parameters", "headers"):
        for name, node in components.get(kind, {}).items():
            yield f"components/{kind}/{name}", node
    for path, method, op in _operations(document):
        for index, param in enumerate(op.get("parameters", [])):
            if "$ref" not in param:
                yield f"{method.upper()} {path} parameters/{index}", param
        body = op.get("requestBody") or {}
        for media_type, media in (body.get("content") or {}).items():
            yield f"{method.upper()} {path} requestBody {media_type}", media
        for code, response in op.get("responses", {}).items():
            for media_type, media in (response.get("content") or {}).items():
                yield f"{method.upper()} {path} {code} {media_type}", media


def _lint_schema(where: str, schema: dict[str, Any], add: Add) -> None:
    if "discriminator" in schema:
        add("discriminator", where, "discriminator")
    if "exclusiveMinimum" in schema:
        add("exclusive-minimum", where, "exclusiveMinimum")
    if "readOnly" in schema:
        add("read-only", where, "readOnly")
    if "deprecated" in schema:
        add("deprecated", where, "deprecated")
    if "default" in schema:
        add("default", where, f"default {schema['default']!r}")
    if schema.get("format") == "decimal":
        add("decimal-format", where, "format decimal")
    if schema.get("type") == "number" and str(schema.get("format", "")).lower() in (
        "int32",
        "int64",
    ):
        add("int32-int64-numbers", where, f"number of format {schema['format']}")


def _request_body_schemas(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema a request body validator would check, following `$ref`s (each once)."""
    seen: set[int] = set()

    def walk(where: str, node: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        node = _resolve(document, node)
        if not isinstance(node, dict) or id(node) in seen:
            return
        seen.add(id(node))
        yield where, node
        for key, child in _children(node):
            yield from walk(f"{where}/{key}", child)

    for path, method, op in _operations(document):
        body = _resolve(document, op.get("requestBody") or {})
        for media_type, media in (body.get("content") or {}).items():
            yield from walk(
                f"{method.upper()} {path} requestBody {media_type}", media.get("schema")
            )


def _lint_request_model(where: str, schema: dict[str, Any], add: Add) -> None:
    if schema.get("nullable") is True:
        add("models-draft-4", where, "nullable: draft 4 has no nullable, null would be refused")
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        if key in schema and not isinstance(schema[key], bool):
            add("models-draft-4", where, f"{key} must be a boolean in draft 4")


def _lint_validators(document: dict[str, Any], add: Add) -> None:
    validators = document.get("x-amazon-apigateway-request-validators", {})
    for name, validator in validators.items():
        for key in ("validateRequestBody", "validateRequestParameters"):
            if key in validator and not isinstance(validator[key], bool):
                add("request-validators", f"validator {name}", f"{key} is not a boolean")
    used = [("document", document.get("x-amazon-apigateway-request-validator"))]
    used += [
        (f"{m.upper()} {p}", op.get("x-amazon-apigateway-request-validator"))
        for p, m, op in _operations(document)
    ]
    for where, name in used:
        if name is not None and name not in validators:
            add("request-validators", where, f"validator {name!r} is not defined")


def _status(value: Any) -> int | None:
    text = str(value)
    return int(text) if text.isdigit() and 100 <= int(text) <= 599 else None


def _lint_gateway_responses(responses: dict[str, Any], add: Add) -> None:
    for kind, response in responses.items():
        where = f"x-amazon-apigateway-gateway-responses/{kind}"
        if kind not in GATEWAY_RESPONSE_TYPES:
            add("gateway-responses", where, "not a supported response type")
        if kind == "REQUEST_TOO_LARGE":
            add("request-too-large", where, "its customization is not applied")
        if "statusCode" in response and _status(response["statusCode"]) is None:
            add("gateway-responses", where, f"statusCode {response['statusCode']!r}")
        for key, value in (response.get("responseParameters") or {}).items():
            if not GATEWAY_PARAMETER.fullmatch(key):
                add("gateway-responses", where, f"parameter {key!r}")
            if not (
                isinstance(value, str)
                and (STATIC_VALUE.fullmatch(value) or REQUEST_PARAMETER.fullmatch(value))
            ):
                add("gateway-responses", where, f"parameter value {value!r}")
        for content_type, template in (response.get("responseTemplates") or {}).items():
            if "/" not in content_type or not isinstance(template, str):
                add("gateway-responses", where, f"template for {content_type!r}")
    for default, five in (("DEFAULT_4XX", False), ("DEFAULT_5XX", True)):
        if "statusCode" not in responses.get(default, {}):
            continue
        # REQUEST_TOO_LARGE cannot be customised at all ("request-too-large"), so we read the
        # default's customisation as not reaching it either (unverified without an account).
        same_class = {
            t
            for t in GATEWAY_RESPONSE_TYPES - {"DEFAULT_4XX", "DEFAULT_5XX", "REQUEST_TOO_LARGE"}
            if (t in DEFAULT_5XX_TYPES) == five
        }
        for kind in sorted(same_class):
            if "statusCode" not in responses.get(kind, {}):
                add(
                    "default-response-status",
                    f"x-amazon-apigateway-gateway-responses/{kind}",
                    f"takes {default}'s status code {responses[default]['statusCode']}",
                )
