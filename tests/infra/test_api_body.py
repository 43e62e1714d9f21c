"""The API body Terraform gives API Gateway: openapi.yaml rendered by `templatefile`, offline.

- The only template sequences in openapi.yaml are the contract's variables:
  `${<function>_invoke_arn}` for each function an integration names, and
  `${cognito_user_pool_arn}`. Terraform reads every
  `${...}` as an interpolation and every `%{` as a directive (comments and descriptions included),
  so anything else would make `templatefile` refuse the file or render something else.
- Rendered in Python the way `templatefile` renders it, the body is byte-identical to what the real
  terraform renders (`terraform console` in an empty directory, offline).
- The rendered body is valid OpenAPI 3.0 and follows API Gateway's documented import rules
  (`api_gateway_rules.py`; each rule has a negative case below).
- Terraform agrees with the contract (`infra/modules/admin_api`, `infra/modules/control_plane`):
  every function the contract names is a Lambda function with permissions, the variables the
  module passes to `templatefile` are exactly the contract's, and the scopes exist on the pool.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml
from openapi_spec_validator import validate

from tests.infra.api_gateway_rules import RULES, lint

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "openapi.yaml"
REGION = "us-east-1"
ACCOUNT = "123456789012"
POOL_ARN = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/us-east-1_AbCdEf123"
API_FUNCTIONS = {
    "team_registration",
    "budget_admin",
    "pricing_admin",
    "routing_config",
    "content_scanner",
    "usage_api",
    "audit_log",
}
"""The functions that serve the admin API (the spec of issue 8, and the audit trail's); the
contract must name these."""

# Terraform's template language (hashicorp/hcl, hclsyntax/spec.md "Template Expressions"): `${`
# opens an interpolation and `%{` a directive; `$${` and `%%{` are their escapes.
TEMPLATE_SEQUENCE = re.compile(r"\$\$\{|%%\{|\$\{|%\{")
INVOKE_ARN_VARIABLE = re.compile(r"\$\{(?P<function>[a-z][a-z_]*)_invoke_arn\}")


class TemplateError(ValueError):
    """A template sequence that the contract may not contain."""


def contract_text() -> str:
    # Bytes, not read_text(): templatefile reads the file as it is (no newline translation).
    return CONTRACT.read_bytes().decode("utf-8")


def contract_functions(document: dict[str, Any]) -> set[str]:
    """The functions named by the integrations' `uri: ${<function>_invoke_arn}`."""
    functions = set()
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "x-amazon-apigateway-integration" in operation:
                uri = operation["x-amazon-apigateway-integration"]["uri"]
                match = INVOKE_ARN_VARIABLE.fullmatch(uri)
                assert match, f"{operation.get('operationId')}: uri {uri!r}"
                functions.add(match["function"])
    return functions


def invoke_arn(function: str) -> str:
    """The `invoke_arn` attribute of an aws_lambda_function named `gw-<function>`."""
    lambda_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:gw-{function}"
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{lambda_arn}/invocations"


def template_variables(functions: set[str]) -> dict[str, str]:
    variables = {f"{function}_invoke_arn": invoke_arn(function) for function in sorted(functions)}
    variables["cognito_user_pool_arn"] = POOL_ARN
    return variables


def render_like_templatefile(text: str, variables: Mapping[str, str]) -> str:
    """`templatefile(path, variables)` for templates whose only sequences are `${name}`.

    Escapes (`$${`, `%%{`) render as Terraform renders them; a directive, an expression other than
    a variable name, or a name missing from `variables` raises TemplateError (Terraform would
    refuse them too, or compute something this renderer does not).
    """
    out: list[str] = []
    position = 0
    for match in TEMPLATE_SEQUENCE.finditer(text):
        out.append(text[position : match.start()])
        sequence = match.group()
        if sequence in ("$${", "%%{"):
            out.append(sequence[1:])
            position = match.end()
            continue
        line = text.count("\n", 0, match.start()) + 1
        if sequence == "%{":
            raise TemplateError(f"line {line}: a template directive %{{")
        close = text.find("}", match.end())
        name = text[match.end() : close] if close != -1 else ""
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise TemplateError(f"line {line}: ${{{name[:40]}... is not a variable name")
        if name not in variables:
            raise TemplateError(f"line {line}: no value for the variable {name!r}")
        out.append(variables[name])
        position = close + 1
    out.append(text[position:])
    return "".join(out)


def render_with_terraform(template: Path, variables: Mapping[str, str], workdir: Path) -> bytes:
    """What `templatefile(template, variables)` renders, asked of the real terraform.

    `terraform console` evaluates an expression in an empty directory without `init` and without
    network (no providers, no modules); base64encode keeps the exact bytes through its output.
    """
    terraform = shutil.which("terraform")
    assert terraform is not None
    for value in variables.values():
        assert not TEMPLATE_SEQUENCE.search(value), value
    pairs = ", ".join(f"{name} = {json.dumps(value)}" for name, value in variables.items())
    expression = f"base64encode(templatefile({json.dumps(str(template))}, {{{pairs}}}))"
    empty_config = workdir / "terraformrc"
    empty_config.write_text("")
    env = {
        **os.environ,
        "CHECKPOINT_DISABLE": "1",  # no version check over the network
        "TF_CLI_CONFIG_FILE": str(empty_config),
        "TF_IN_AUTOMATION": "1",
        "TF_DATA_DIR": str(workdir / ".terraform"),
    }
    result = subprocess.run(
        [terraform, "console"],
        input=expression + "\n",
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"terraform console failed:\n{result.stderr}"
    return base64.b64decode(json.loads(result.stdout.strip()))


# The template ---------------------------------------------------------------------------------


def test_the_only_template_sequences_are_the_contract_s_variables() -> None:
    # GIVEN the contract as Terraform reads it, comments and descriptions included
    text = contract_text()
    document = yaml.safe_load(text)
    functions = contract_functions(document)
    # THEN it names exactly the admin API's functions
    assert functions == API_FUNCTIONS
    # AND every `${`/`%{` in the file is one of the expected variables (no escapes, no directives)
    expected = {f"${{{name}}}" for name in template_variables(functions)}
    found = []
    for match in TEMPLATE_SEQUENCE.finditer(text):
        close = text.find("}", match.end())
        found.append(text[match.start() : close + 1] if match.group() == "${" else match.group())
    assert set(found) == expected, sorted(set(found) ^ expected)
    # AND each stands where Terraform must fill it in, and nowhere else
    places = _template_places(document, "")
    assert all(
        where.endswith("/x-amazon-apigateway-integration/uri")
        for where, value in places
        if value != "${cognito_user_pool_arn}"
    ), places
    assert [where for where, value in places if value == "${cognito_user_pool_arn}"] == [
        "/components/securitySchemes/CognitoAuth/x-amazon-apigateway-authorizer/providerARNs/0"
    ]
    assert len(places) == len(found), "a `${` outside the parsed values: in a comment or a key"


def _template_places(node: Any, where: str) -> list[tuple[str, str]]:
    if isinstance(node, dict):
        assert not any("${" in str(key) for key in node), where
        return [p for key, value in node.items() for p in _template_places(value, f"{where}/{key}")]
    if isinstance(node, list):
        return [p for i, value in enumerate(node) for p in _template_places(value, f"{where}/{i}")]
    if isinstance(node, str) and TEMPLATE_SEQUENCE.search(node):
        return [(where, node)]
    return []


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("description: `${...}` are template variables", "not a variable name"),
        ("description: a directive %{ if x }", "directive"),
        ("uri: ${unknown_invoke_arn}", "no value"),
    ],
)
def test_the_renderer_refuses_what_templatefile_would(text: str, refused: str) -> None:
    with pytest.raises(TemplateError, match=refused):
        render_like_templatefile(text, {"team_registration_invoke_arn": "arn"})


def test_the_renderer_unescapes_like_templatefile() -> None:
    rendered = render_like_templatefile("a $${x} b %%{y} ${v}", {"v": "V"})
    assert rendered == "a ${x} b %{y} V"


@pytest.fixture(scope="module")
def rendered() -> str:
    """The body as Terraform renders it, with realistic ARNs."""
    text = contract_text()
    return render_like_templatefile(
        text, template_variables(contract_functions(yaml.safe_load(text)))
    )


def test_terraform_renders_the_same_bytes(rendered: str, tmp_path: Path) -> None:
    if shutil.which("terraform") is None:
        pytest.skip(
            "NO `terraform` BINARY ON PATH: the body rendered by the real templatefile is NOT "
            "compared with the Python render (every other check of the body still ran)"
        )
    variables = template_variables(contract_functions(yaml.safe_load(contract_text())))
    assert render_with_terraform(CONTRACT, variables, tmp_path) == rendered.encode("utf-8")


# The rendered body ----------------------------------------------------------------------------


def test_the_rendered_body_is_valid_openapi_3_0(rendered: str) -> None:
    document = yaml.safe_load(rendered)
    assert document["openapi"].startswith("3.0.")
    validate(document)


# What the contract uses that API Gateway's import notes call unsupported, and why that is safe:
# API Gateway drops these; nothing the edge does depends on them.
DROPPED_ON_IMPORT = {
    "example": "documentation for Swagger UI, Schemathesis and datamodel-codegen only",
    "default": "only on query parameters (limit, months), whose schemas API Gateway ignores "
    "anyway (only name, in, required, type, description are supported); the Lambda applies them",
}


def _rules_of(violations: list[str]) -> set[str]:
    return {violation.split(":", 1)[0] for violation in violations}


def test_the_rendered_body_follows_api_gateway_s_import_rules(rendered: str) -> None:
    size = len(rendered.encode("utf-8"))
    violations = lint(yaml.safe_load(rendered), known_scopes=pool_scopes(), size=size)
    unexpected = [v for v in violations if v.split(":", 1)[0] not in DROPPED_ON_IMPORT]
    assert unexpected == []


def test_defaults_are_only_on_query_parameters(rendered: str) -> None:
    violations = lint(yaml.safe_load(rendered))
    defaults = [v for v in violations if v.startswith("default:")]
    assert defaults, "no default left: drop it from DROPPED_ON_IMPORT"
    assert all("components/parameters/" in v or " parameters/" in v for v in defaults), defaults


def test_no_gateway_response_that_api_gateway_does_not_customize(rendered: str) -> None:
    assert "request-too-large" not in _rules_of(lint(yaml.safe_load(rendered)))


def test_the_template_itself_passes_with_variables_in_place_of_arns() -> None:
    violations = lint(yaml.safe_load(contract_text()), rendered=False)
    assert _rules_of(violations) <= set(DROPPED_ON_IMPORT)


# The lint: one negative case per rule ----------------------------------------------------------


def good_document() -> dict[str, Any]:
    """A small document that follows every rule."""
    problem = {"$ref": "#/components/schemas/Problem"}
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://example.com"}],
        "x-amazon-apigateway-request-validators": {
            "all": {"validateRequestBody": True, "validateRequestParameters": True}
        },
        "x-amazon-apigateway-gateway-responses": {
            "DEFAULT_4XX": {
                "responseParameters": {"gatewayresponse.header.Content-Type": "'application/json'"},
                "responseTemplates": {"application/json": '{"status": 400}'},
            },
            "MISSING_AUTHENTICATION_TOKEN": {
                "statusCode": 404,
                "responseParameters": {
                    "gatewayresponse.header.x-path": "method.request.path.item_id"
                },
            },
        },
        "paths": {
            "/items/{item_id}": {
                "put": {
                    "operationId": "putItem",
                    "security": [{"Pool": ["https://gateway.internal/admin"]}],
                    "parameters": [
                        {
                            "name": "item_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                        }
                    },
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Item"}
                                }
                            },
                        },
                        "400": {
                            "description": "bad",
                            "content": {"application/problem+json": {"schema": problem}},
                        },
                    },
                    "x-amazon-apigateway-request-validator": "all",
                    "x-amazon-apigateway-integration": {
                        "type": "aws_proxy",
                        "httpMethod": "POST",
                        "uri": invoke_arn("item_admin"),
                        "passthroughBehavior": "when_no_match",
                        "timeoutInMillis": 29000,
                    },
                }
            }
        },
        "components": {
            "securitySchemes": {
                "Pool": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "cognito_user_pools",
                    "x-amazon-apigateway-authorizer": {
                        "type": "cognito_user_pools",
                        "providerARNs": [POOL_ARN],
                    },
                }
            },
            "schemas": {
                "Item": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "pattern": "^[a-z]+$"},
                        "count": {"type": "integer", "minimum": 0, "maximum": 9},
                        "note": {"type": "string"},
                    },
                },
                "Problem": {"type": "object", "properties": {"status": {"type": "integer"}}},
                "Answer": {
                    "type": "object",
                    "properties": {"note": {"type": "string", "nullable": True}},
                },
            },
        },
    }


def _op(document: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"]["/items/{item_id}"]["put"]
    return operation


def _item(document: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = document["components"]["schemas"]["Item"]
    return item


def _gateway(document: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = document["x-amazon-apigateway-gateway-responses"]
    return responses


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    target[key] = value


def _root_security_only(document: dict[str, Any]) -> None:
    document["security"] = _op(document).pop("security")


def _rename_path(document: dict[str, Any], path: str) -> None:
    document["paths"][path] = document["paths"].pop("/items/{item_id}")


def _nullable_request_field(document: dict[str, Any]) -> None:
    _item(document)["properties"]["note"]["nullable"] = True


BAD: dict[str, Callable[[dict[str, Any]], None]] = {
    "definition-size": lambda d: None,  # checked with size= below
    "base-path": lambda d: _set(d["servers"][0], "url", "https://example.com/v1"),
    "root-security-ignored": _root_security_only,
    "path-segments": lambda d: _rename_path(d, "/items/id-{item_id}"),
    "model-names": lambda d: _set(d["components"]["schemas"], "Item_Page", {"type": "object"}),
    "security-scheme-type": lambda d: _set(
        d["components"]["securitySchemes"]["Pool"], "type", "oauth2"
    ),
    "deprecated": lambda d: _set(_op(d), "deprecated", True),
    "models-draft-4": _nullable_request_field,
    "discriminator": lambda d: _set(_item(d), "discriminator", {"propertyName": "name"}),
    "example": lambda d: _set(_item(d)["properties"]["name"], "example", "abc"),
    "exclusive-minimum": lambda d: _set(_item(d)["properties"]["count"], "exclusiveMinimum", True),
    "read-only": lambda d: _set(_item(d)["properties"]["name"], "readOnly", True),
    "int32-int64-numbers": lambda d: _set(
        _item(d)["properties"], "ratio", {"type": "number", "format": "int32"}
    ),
    "decimal-format": lambda d: _set(_item(d)["properties"]["name"], "format", "decimal"),
    "primitive-response-schema": lambda d: _set(
        _op(d)["responses"]["200"]["content"]["application/json"], "schema", {"type": "string"}
    ),
    "default": lambda d: _set(_item(d)["properties"]["count"], "default", 1),
    "request-too-large": lambda d: _set(_gateway(d), "REQUEST_TOO_LARGE", {"statusCode": 413}),
    "integration": lambda d: _op(d).pop("x-amazon-apigateway-integration"),
    "integration-fields": lambda d: _set(
        _op(d)["x-amazon-apigateway-integration"], "timeoutInMillis", 30000
    ),
    "lambda-integration": lambda d: _set(
        _op(d)["x-amazon-apigateway-integration"], "httpMethod", "PUT"
    ),
    "cognito-authorizer": lambda d: _set(
        d["components"]["securitySchemes"]["Pool"]["x-amazon-apigateway-authorizer"],
        "providerARNs",
        ["${cognito_user_pool_arn}"],
    ),
    "operation-security": lambda d: _set(
        _op(d), "security", [{"Pool": ["https://gateway.internal/unknown"]}]
    ),
    "request-validators": lambda d: _set(_op(d), "x-amazon-apigateway-request-validator", "body"),
    "gateway-responses": lambda d: _set(_gateway(d), "NOT_A_TYPE", {"statusCode": 400}),
    "default-response-status": lambda d: _set(_gateway(d)["DEFAULT_4XX"], "statusCode", 400),
}
KNOWN_SCOPES = {"https://gateway.internal/admin", "https://gateway.internal/invoke"}


def test_the_good_document_is_valid_and_breaks_no_rule() -> None:
    document = good_document()
    validate(copy.deepcopy(document))
    assert lint(document, known_scopes=KNOWN_SCOPES, size=1000) == []


def test_every_rule_has_a_negative_case() -> None:
    assert set(BAD) == set(RULES)


@pytest.mark.parametrize("rule", sorted(BAD))
def test_each_rule_catches_its_violation(rule: str) -> None:
    # GIVEN a document that follows every rule but this one
    document = good_document()
    BAD[rule](document)
    size = 7 * 1024 * 1024 if rule == "definition-size" else 1000
    # WHEN it is linted
    violations = lint(document, known_scopes=KNOWN_SCOPES, size=size)
    # THEN this rule, and only this one, is reported (with a readable place)
    assert _rules_of(violations) == {rule}, violations
    assert all(RULES[rule].source for _ in violations)


def test_template_mode_wants_variables_where_arns_go() -> None:
    document = good_document()
    assert _rules_of(lint(document, rendered=False)) == {"lambda-integration", "cognito-authorizer"}


# Terraform agrees with the contract ------------------------------------------------------------
#
# The modules derive what they deploy from the contract with Terraform expressions (yamldecode,
# for, replace): python-hcl2 reads them, and the real terraform evaluates them (`terraform
# console` in a scratch directory holding the module's own locals and variable types, with the
# values the root module passes; no provider, no network). python-hcl2 returns expressions as
# text (`${...}` around a bare expression, quotes around a string), which is valid HCL again.

INFRA = ROOT / "infra"
ADMIN_API = INFRA / "modules" / "admin_api"
CONTROL_PLANE = INFRA / "modules" / "control_plane"
IDENTITY = INFRA / "modules" / "identity"
HCL_OPTIONS = hcl2.SerializationOptions(with_comments=False, explicit_blocks=False)
LOCAL_REFERENCE = re.compile(r"\blocal\.([A-Za-z_][A-Za-z0-9_-]*)")
NO_TERRAFORM = (
    "NO `terraform` BINARY ON PATH: the Terraform expressions that derive the functions, the "
    "permissions and the API body from the contract are NOT evaluated (the static checks ran)"
)


def hcl_files(module: Path) -> list[dict[str, Any]]:
    files = sorted(module.glob("*.tf"))
    assert files, f"no Terraform in {module.relative_to(ROOT)}"
    return [hcl2.loads(f.read_text(), serialization_options=HCL_OPTIONS) for f in files]


def hcl_expression(value: Any) -> str:
    """HCL text of a value as python-hcl2 returns it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(hcl_expression(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {hcl_expression(v)}" for k, v in value.items()) + "}"
    text = str(value)
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


def module_locals(module: Path) -> dict[str, str]:
    return {
        name: hcl_expression(value)
        for parsed in hcl_files(module)
        for block in parsed.get("locals", [])
        for name, value in block.items()
    }


def module_variable_types(module: Path) -> dict[str, str]:
    return {
        name.strip('"'): hcl_expression(body.get("type", "any"))
        for parsed in hcl_files(module)
        for block in parsed.get("variable", [])
        for name, body in block.items()
    }


def resource(module: Path, kind: str, name: str) -> dict[str, Any]:
    for parsed in hcl_files(module):
        for block in parsed.get("resource", []):
            found = block.get(f'"{kind}"', {}).get(f'"{name}"')
            if found is not None:
                body: dict[str, Any] = found
                return body
    raise AssertionError(f"no resource {kind}.{name} in {module.relative_to(ROOT)}")


def static_string(expression: str, locals_: Mapping[str, str]) -> str:
    """A string expression made of literals and `local.*` references to literals."""
    expression = hcl_expression(expression)
    if re.fullmatch(r"local\.[A-Za-z_][A-Za-z0-9_-]*", expression):
        return static_string(locals_[expression.split(".", 1)[1]], locals_)
    assert re.fullmatch(r'".*"', expression, re.S), expression
    return re.sub(
        r"\$\{local\.([A-Za-z_][A-Za-z0-9_-]*)\}",
        lambda m: static_string(locals_[m[1]], locals_),
        json.loads(expression.replace("$${", "${")),
    )


def pool_scopes() -> set[str]:
    """`<identifier>/<scope_name>` of every resource server in the identity module."""
    locals_ = module_locals(IDENTITY)
    server = resource(IDENTITY, "aws_cognito_resource_server", "gateway")
    identifier = static_string(server["identifier"], locals_)
    return {f"{identifier}/{static_string(s['scope_name'], locals_)}" for s in server["scope"]}


def evaluate(
    module: Path,
    expressions: Mapping[str, str],
    variables: Mapping[str, Any],
    workdir: Path,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The values of `expressions`, evaluated by terraform in `module`'s terms: its locals (those
    the expressions need, `overrides` replacing some) and its variables, set to `variables`."""
    terraform = shutil.which("terraform")
    assert terraform is not None
    locals_ = {**module_locals(module), **(overrides or {})}
    needed: set[str] = set()
    pending = [name for text in expressions.values() for name in LOCAL_REFERENCE.findall(text)]
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.add(name)
            pending += LOCAL_REFERENCE.findall(locals_[name])
    types = module_variable_types(module)
    lines = []
    for name, value in variables.items():
        literal = json.dumps(value)
        assert not TEMPLATE_SEQUENCE.search(literal), literal
        lines.append(f'variable "{name}" {{\n  type    = {types[name]}\n  default = {literal}\n}}')
    lines.append("locals {")
    lines += [f"  {name} = {locals_[name]}" for name in sorted(needed)]
    lines += [f"  result_{key} = {text}" for key, text in expressions.items()]
    lines.append("}")
    (workdir / "main.tf").write_text("\n".join(lines) + "\n")
    results = ", ".join(f"{key} = local.result_{key}" for key in expressions)
    config = workdir / "terraformrc"
    config.write_text("")
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": str(config)}
    answer = subprocess.run(
        [terraform, "console"],
        input=f"jsonencode({{{results}}})\n",
        capture_output=True,
        text=True,
        cwd=workdir,
        env={**env, "TF_IN_AUTOMATION": "1", "TF_DATA_DIR": str(workdir / ".terraform")},
        timeout=120,
        check=False,
    )
    assert answer.returncode == 0, f"terraform console failed:\n{answer.stderr}\n{lines}"
    evaluated: dict[str, Any] = json.loads(json.loads(answer.stdout.strip()))
    return evaluated


def function_arguments(call: str, function: str) -> list[str]:
    """The top-level arguments of the first `function(...)` call in an expression's text."""
    start = call.index(f"{function}(") + len(function) + 1
    arguments: list[str] = []
    depth, current, quoted = 0, "", False
    for index, char in enumerate(call[start:]):
        if quoted:
            quoted = not (char == '"' and call[start + index - 1] != "\\")
        elif char == '"':
            quoted = True
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return [*arguments, current.strip()]
            depth -= 1
        elif char == "," and depth == 0:
            arguments.append(current.strip())
            current = ""
            continue
        current += char
    raise AssertionError(f"unbalanced call to {function} in {call}")


@pytest.fixture(scope="module")
def terraform_sees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the modules derive from the contract, evaluated by terraform."""
    if shutil.which("terraform") is None:
        pytest.skip(NO_TERRAFORM)
    root = evaluate(
        INFRA,
        {"api_functions": "local.api_functions"},
        {},
        tmp_path_factory.mktemp("root"),
        overrides={"repository": json.dumps(str(ROOT))},
    )
    api_functions = sorted(root["api_functions"])
    lambdas = resource(CONTROL_PLANE, "aws_lambda_function", "this")
    control_plane = evaluate(
        CONTROL_PLANE,
        {"lambda_functions": hcl_expression(lambdas["for_each"])},
        {"api_functions": api_functions},
        tmp_path_factory.mktemp("control_plane"),
    )
    body = module_locals(ADMIN_API)["body"]
    template, variables = function_arguments(body, "templatefile")
    admin_api = evaluate(
        ADMIN_API,
        {
            "template": template,
            "variables": f"keys({variables})",
            "body": f"base64encode({body})",
            "operations": "local.operations",
        },
        {
            "contract_path": str(CONTRACT),
            "function_invoke_arns": {name: invoke_arn(name) for name in api_functions},
            "user_pool_arn": POOL_ARN,
        },
        tmp_path_factory.mktemp("admin_api"),
    )
    return {
        "api_functions": set(api_functions),
        "lambda_functions": set(control_plane["lambda_functions"]),
        "template": admin_api["template"],
        "template_variables": set(admin_api["variables"]),
        "body": base64.b64decode(admin_api["body"]),
        "operations": admin_api["operations"],
    }


def test_every_function_the_contract_names_is_a_lambda_function(
    terraform_sees: dict[str, Any],
) -> None:
    functions = contract_functions(yaml.safe_load(contract_text()))
    # GIVEN the functions the root module derives from the contract (passed as api_functions)
    assert terraform_sees["api_functions"] == functions
    # THEN each is an aws_lambda_function of the control plane, whose handler module exists
    assert functions <= terraform_sees["lambda_functions"]
    handler = hcl_expression(resource(CONTROL_PLANE, "aws_lambda_function", "this")["handler"])
    assert handler == '"handlers.${each.key}.lambda_handler"', handler
    for function in functions:
        source = (ROOT / "handlers" / f"{function}.py").read_text()
        assert re.search(r"^def lambda_handler\(|^lambda_handler = ", source, re.M), function


def test_the_module_renders_the_contract_with_exactly_its_variables(
    terraform_sees: dict[str, Any], rendered: str
) -> None:
    assert terraform_sees["template"] == str(CONTRACT)
    expected = set(template_variables(contract_functions(yaml.safe_load(contract_text()))))
    assert terraform_sees["template_variables"] == expected
    # AND the body the module builds is the one linted above, byte for byte
    assert terraform_sees["body"] == rendered.encode("utf-8")


def test_an_extra_template_variable_in_the_module_would_be_caught(tmp_path: Path) -> None:
    # GIVEN the admin_api module's body, had its templatefile call passed one variable more
    if shutil.which("terraform") is None:
        pytest.skip(NO_TERRAFORM)
    template, variables = function_arguments(module_locals(ADMIN_API)["body"], "templatefile")
    body = f'templatefile({template}, merge({variables}, {{extra = "x"}}))'
    # WHEN the variables it passes are read and evaluated as above
    _, extended = function_arguments(body, "templatefile")
    passed = evaluate(
        ADMIN_API,
        {"variables": f"keys({extended})"},
        {"function_invoke_arns": {"team_registration": "arn"}, "user_pool_arn": POOL_ARN},
        tmp_path,
    )
    # THEN the extra one shows
    assert set(passed["variables"]) == {
        "team_registration_invoke_arn",
        "cognito_user_pool_arn",
        "extra",
    }


def test_every_operation_has_a_permission_for_its_own_function_method_and_path(
    terraform_sees: dict[str, Any],
) -> None:
    document = yaml.safe_load(contract_text())
    expected = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                uri = operation["x-amazon-apigateway-integration"]["uri"]
                function = INVOKE_ARN_VARIABLE.fullmatch(uri)
                assert function
                expected[operation["operationId"]] = {
                    "id": operation["operationId"],
                    "function": function["function"],
                    "method": method.upper(),
                    "path": re.sub(r"\{[^}]+\}", "*", path),
                }
    assert terraform_sees["operations"] == expected
    permission = resource(ADMIN_API, "aws_lambda_permission", "operation")
    assert hcl_expression(permission["for_each"]) == "local.operations"
    assert hcl_expression(permission["function_name"]) == "var.function_names[each.value.function]"
    assert hcl_expression(permission["action"]) == '"lambda:InvokeFunction"'
    assert hcl_expression(permission["principal"]) == '"apigateway.amazonaws.com"'
    # execute-api ARNs are <api execution ARN>/<stage>/<METHOD>/<resource path>
    assert hcl_expression(permission["source_arn"]) == (
        '"${aws_api_gateway_rest_api.this.execution_arn}/${var.stage_name}/'
        '${each.value.method}${each.value.path}"'
    )


def test_the_root_module_wires_every_contract_function_into_the_admin_api() -> None:
    # Static: the functions' names and invoke ARNs reach the module for every function the
    # contract names (function_names keyed by the same api_functions the Lambdas are made of).
    call = next(
        body
        for parsed in hcl_files(INFRA)
        for block in parsed.get("module", [])
        for name, body in block.items()
        if name.strip('"') == "admin_api"
    )
    assert hcl_expression(call["function_names"]) == (
        "{for name in local.api_functions : name => module.control_plane.function_names[name]}"
    )
    assert (
        hcl_expression(call["function_invoke_arns"])
        == "module.control_plane.api_function_invoke_arns"
    )
    assert hcl_expression(call["user_pool_arn"]) == "module.identity.user_pool_arn"
    assert hcl_expression(call["contract_path"]) == "local.contract_path"
    assert module_locals(INFRA)["contract_path"] == '"${local.repository}/openapi.yaml"'
    outputs = {
        name.strip('"'): body
        for parsed in hcl_files(CONTROL_PLANE)
        for block in parsed.get("output", [])
        for name, body in block.items()
    }
    assert hcl_expression(outputs["api_function_invoke_arns"]["value"]) == (
        "{for name in var.api_functions : name => aws_lambda_function.this[name].invoke_arn}"
    )


def test_the_contract_s_scopes_exist_on_the_pool_and_the_admin_client_may_ask_for_admin() -> None:
    scopes = pool_scopes()
    document = yaml.safe_load(contract_text())
    used = {
        scope
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for requirement in operation.get("security", [])
        for scope in requirement.get("CognitoAuth", [])
    }
    assert used <= scopes, used - scopes
    # The admin client (make contract-test-deployed, the README's curl) gets an admin token
    client = resource(IDENTITY, "aws_cognito_user_pool_client", "admin")
    locals_ = module_locals(IDENTITY)
    assert [static_string(s, locals_) for s in client["allowed_oauth_scopes"]] == [
        "https://gateway.internal/admin"
    ]
    assert hcl_expression(client["allowed_oauth_flows"]) == '["client_credentials"]'
    assert client["generate_secret"] is True
