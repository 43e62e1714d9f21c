"""What ties infra/ to the code: the table's one source, the functions' settings, docs, examples."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import boto3
import hcl2
import pytest
from moto import mock_aws

from controlplane.api.contract import load_contract
from controlplane.settings import Settings
from controlplane.store.dynamodb import TABLE_DEFINITION, TABLE_DEFINITION_PATH, create_table
from handlers import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
CONTROL_PLANE = INFRA / "modules" / "control_plane"


def _load(path: Path) -> dict[str, Any]:
    with path.open() as f:
        loaded: dict[str, Any] = hcl2.load(f)
    return loaded


def _unquote(value: str) -> str:
    return value[1:-1] if value.startswith('"') and value.endswith('"') else value


def _attributes(body: dict[str, Any]) -> dict[str, Any]:
    """A parsed block without python-hcl2's bookkeeping keys (`__is_block__`, `__comments__`)."""
    return {k: v for k, v in body.items() if not k.startswith("__")}


def _blocks(tree: dict[str, Any], kind: str) -> dict[str, Any]:
    """`variable`/`output`/`module` blocks of a parsed file by name."""
    return {
        _unquote(name): body
        for block in tree.get(kind, [])
        for name, body in _attributes(block).items()
    }


def _resource(tree: dict[str, Any], type_: str, name: str) -> dict[str, Any]:
    for block in tree.get("resource", []):
        for found_type, bodies in _attributes(block).items():
            if _unquote(found_type) == type_ and f'"{name}"' in bodies:
                body: dict[str, Any] = bodies[f'"{name}"']
                return body
    raise AssertionError(f"no resource {type_}.{name}")


def _locals(tree: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for block in tree.get("locals", []):
        merged |= _attributes(block)
    return merged


# The table: one definition for Terraform and for the adapter ------------------------------------


def test_terraform_builds_the_table_from_the_adapters_definition() -> None:
    # GIVEN the control plane module and the root module that feeds it
    module = _load(CONTROL_PLANE / "main.tf")
    root = _load(INFRA / "main.tf")
    table = _resource(module, "aws_dynamodb_table", "store")
    # THEN every key attribute of the table comes from the shared file, nothing is restated
    assert _locals(module)["table"] == "${jsondecode(file(var.table_definition_path))}"
    assert table["hash_key"] == "${local.table.hash_key}"
    assert table["range_key"] == "${local.table.range_key}"
    assert table["billing_mode"] == "${local.table.billing_mode}"
    assert table["ttl"][0]["attribute_name"] == "${local.table.ttl_attribute}"
    assert table["dynamic"][0]['"attribute"']["for_each"] == "${local.table.attributes}"
    passed = _blocks(root, "module")["control_plane"]["table_definition_path"]
    assert passed == '"${local.repository}/controlplane/store/dynamodb_table.json"', passed
    assert TABLE_DEFINITION_PATH == ROOT / "controlplane" / "store" / "dynamodb_table.json"


def test_the_table_the_adapter_creates_is_the_definition(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        # WHEN the adapter creates its table (as the DynamoDB tests and --create-table do)
        create_table(client, "t")
        described = client.describe_table(TableName="t")["Table"]
        ttl = client.describe_time_to_live(TableName="t")["TimeToLiveDescription"]
    # THEN it is exactly the shared definition Terraform deploys
    assert {(k["AttributeName"], k["KeyType"]) for k in described["KeySchema"]} == {
        (TABLE_DEFINITION["hash_key"], "HASH"),
        (TABLE_DEFINITION["range_key"], "RANGE"),
    }
    assert sorted(
        (a["AttributeName"], a["AttributeType"]) for a in described["AttributeDefinitions"]
    ) == sorted((a["name"], a["type"]) for a in TABLE_DEFINITION["attributes"])
    assert described["BillingModeSummary"]["BillingMode"] == TABLE_DEFINITION["billing_mode"]
    assert ttl["AttributeName"] == TABLE_DEFINITION["ttl_attribute"]
    assert not described.get("GlobalSecondaryIndexes")  # none in the definition nor in Terraform


# The functions' environment is what Settings needs on AWS ---------------------------------------

_PLACEHOLDERS = {
    "aws_dynamodb_table.store.name": "gw-control-plane",
    "var.user_pool_id": "us-east-1_AbCdEf123",
    "var.issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123",
    "var.token_endpoint": "https://gw.auth.us-east-1.amazoncognito.com/oauth2/token",
    "aws_s3_bucket.config.id": "gw-config-123",
    "var.config_object_key": "agentgateway/config.yaml",
    "aws_sns_topic.alerts.arn": "arn:aws:sns:us-east-1:123456789012:gw-alerts",
    "var.budget_check_fail_mode": "open",
    "var.fallback_price": "3:15",
    "aws_lambda_function_url.budget_check.function_url": "https://abc.lambda-url.us-east-1.on.aws/",
    # the Function URL, unless the inference plane's sidecar (tests/infra/test_inference_plane.py)
    "local.budget_check_url": "https://abc.lambda-url.us-east-1.on.aws/",
    "aws_kms_key.this.arn": "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-4978",
    "var.name_prefix": "gw-prod",
}
_ASSIGNMENT = re.compile(r'(?P<name>GATEWAY_[A-Z0-9_]+) = (?:"(?P<literal>[^"]*)"|(?P<ref>[\w.]+))')


def _function_environment() -> dict[str, str]:
    """The environment every function gets, references replaced by realistic values."""
    lambdas = _load(CONTROL_PLANE / "lambda.tf")
    expressions = [
        _locals(lambdas)["environment"],
        str(_resource(lambdas, "aws_lambda_function", "this")["environment"]),
    ]
    environment = {}
    for expression in expressions:
        for match in _ASSIGNMENT.finditer(expression):
            value = match["literal"] if match["literal"] is not None else match["ref"]
            environment[match["name"]] = _PLACEHOLDERS.get(value, value)
    assert "GATEWAY_BUDGET_CHECK_URL" in environment
    unresolved = {k: v for k, v in environment.items() if re.fullmatch(r"(var|aws_\w+)\..*", v)}
    assert not unresolved, f"give these references a realistic value here: {unresolved}"
    return environment


def test_every_function_gets_the_settings_it_needs_on_aws() -> None:
    environment = _function_environment()
    # WHEN Settings reads that environment, as every function does at its cold start
    settings = Settings.from_env({**environment, "AWS_REGION": "eu-west-1"})
    # THEN it is the AWS deployment: DynamoDB, Cognito, S3 publishing, SNS alerts
    assert settings.store == "dynamodb"
    assert settings.identity == "cognito"
    assert settings.full_table_name == "gw-control-plane"
    assert settings.cognito_user_pool_id == "us-east-1_AbCdEf123"
    assert settings.issuer.startswith("https://cognito-idp.")
    assert settings.effective_jwks_url == f"{settings.issuer}/.well-known/jwks.json"
    assert settings.token_endpoint.endswith("/oauth2/token")
    assert settings.config_s3_bucket == "gw-config-123"
    assert settings.alert_sns_topic_arn is not None
    # Sealed with KMS: a key in the data dir (/tmp on Lambda) would differ per container.
    assert settings.kms_key_id is not None
    assert settings.kms_key_id.startswith("arn:aws:kms:")
    assert settings.effective_budget_check_url.startswith("https://")
    assert settings.aws_region == "eu-west-1"
    # Metrics of two deployments in one account stay apart: the service dimension is the name.
    assert settings.metrics_service == "gw-prod"
    # AND every variable set is one Settings reads (a typo would be silently ignored)
    read = set(
        re.findall(r'"(GATEWAY_[A-Z0-9_]+)"', (ROOT / "controlplane/settings.py").read_text())
    )
    read |= {f"GATEWAY_{n}" for n in re.findall(r'get\("([A-Z0-9_]+)"', _settings_source())}
    assert set(environment) <= read, set(environment) - read


def _settings_source() -> str:
    return (ROOT / "controlplane" / "settings.py").read_text()


def test_every_function_runs_the_handler_named_after_it() -> None:
    lambdas = _load(CONTROL_PLANE / "lambda.tf")
    assert (
        _resource(lambdas, "aws_lambda_function", "this")["handler"]
        == '"handlers.${each.key}.lambda_handler"'
    )
    assert (
        _resource(lambdas, "aws_lambda_function", "budget_check")["handler"]
        == '"handlers.budget_check.lambda_handler"'
    )
    names = _locals(lambdas)
    assert names["functions"] == '${setunion(var.api_functions, ["usage_ingest"])}'
    assert names["all_functions"] == '${setunion(local.functions, ["budget_check"])}'
    # AND those are the project's functions: the contract's seven plus the two without routes
    contract_functions = {info.lambda_name for info in load_contract().operations.values()}
    assert contract_functions | {"usage_ingest", "budget_check"} == set(FUNCTIONS)


# Docs and examples ------------------------------------------------------------------------------


def test_infra_readme_documents_every_input_and_output() -> None:
    readme = (INFRA / "README.md").read_text()
    variables = _blocks(_load(INFRA / "variables.tf"), "variable")
    outputs = _blocks(_load(INFRA / "outputs.tf"), "output")
    missing = [name for name in [*variables, *outputs] if f"`{name}`" not in readme]
    assert not missing, f"infra/README.md does not document {missing}"


@pytest.mark.parametrize("example", ["dev", "prod"])
def test_examples_set_only_declared_variables(example: str) -> None:
    declared = set(_blocks(_load(INFRA / "variables.tf"), "variable"))
    values = _attributes(_load(INFRA / "examples" / f"{example}.tfvars"))
    assert set(values) <= declared, set(values) - declared
    assert values["enable_admin_api"] is True  # "Enable it with enable_admin_api = true"
    assert values["deletion_protection"] is (example == "prod")
