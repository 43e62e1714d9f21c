"""Least privilege of the nine Lambda functions, proved by running their code under exactly the
policy Terraform gives each: infra/modules/control_plane/iam_policies.json, rendered as
templatefile renders it, on moto's DynamoDB, Cognito, S3, SNS and SQS.

tests/infra/iam.py's Recorder sees every botocore call, maps it to the IAM requests it needs
(transactions item by item, the resource's ARN, the service's use of the KMS key) and decides
each against the policy of the function whose code is running. moto's own IAM enforcement is not
used: it checks every resource as `*` and TransactWriteItems as an action (see iam.py).

- A day of the control plane (`day`): every operation each function owns in openapi.yaml, with
  the error paths that touch AWS, through the real `handlers.<name>.lambda_handler` and the
  environment lambda.tf sets; usage_ingest with CloudWatch Logs events that cross alert
  thresholds (and one whose alert cannot be delivered), budget_check with valid tokens. No request
  may be denied (the policy suffices), and every grant must be used by one (it is least): only
  what Lambda itself does with the role is exempt (LAMBDA_USES, a reason each).
- The handler suites of the seven API functions (tests/handlers/test_<name>.py) re-run on the AWS
  adapters, every API call under its owner's policy.
- Negative checks: a policy missing any one of its grants, or naming another table, is caught.
"""

from __future__ import annotations

import base64
import gzip
import importlib
import json
import re
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, wraps
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from _pytest.fixtures import FixtureFunctionDefinition
from botocore.stub import Stubber
from moto import mock_aws

from controlplane.adapters import apigw
from controlplane.api.contract import load_contract
from controlplane.api.dispatch import Dispatcher
from controlplane.api.operations import bind
from controlplane.identity.tokens import TokenIssuer, load_or_create_signing_key
from controlplane.services import Services, build_services
from controlplane.settings import ADMIN_SCOPE, INVOKE_SCOPE, Settings
from controlplane.store.dynamodb import DynamoDbStore, create_table
from handlers import budget_check, usage_ingest
from tests.conftest import Answer, LambdaApi
from tests.events import apigw_event, load_event
from tests.handlers import (
    test_audit_log,
    test_budget_admin,
    test_content_scanner,
    test_pricing_admin,
    test_routing_config,
    test_team_registration,
    test_usage_api,
)
from tests.infra.iam import (
    FUNCTIONS,
    PLACEHOLDERS,
    POLICY_FILE,
    ROOT,
    Account,
    Decision,
    Recorded,
    Recorder,
    Request,
    Statement,
    arn_matches,
    decide,
    exercised,
    grants,
    lambda_runtime_requests,
    render_policies,
    render_text,
    sqs_send,
    statement_problems,
    template_problems,
)

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's account
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
CONFIG_KEY = "agentgateway/config.yaml"
LAMBDA_TF = ROOT / "infra" / "modules" / "control_plane" / "lambda.tf"
ADMIN_CLIENT = "5b1n1c2f0kq7v3lq9l7c0s1f8e"

# What Lambda itself does with each function's role; the function's code never makes these
# calls, so no recorded call can use these grants. Each is still decided against the policy
# (test_what_lambda_does_with_the_role_is_allowed).
LAMBDA_USES: dict[str, str] = {
    "logs:CreateLogStream": "Lambda creates the invocation's log stream in the function's log "
    "group (Terraform creates the group, so no logs:CreateLogGroup)",
    "logs:PutLogEvents": "Lambda ships the function's stdout/stderr and its JSON log lines",
    "xray:PutTraceSegments": "tracing_config mode Active: Lambda sends the invocation's segments",
    "xray:PutTelemetryRecords": "tracing_config mode Active: Lambda reports X-Ray telemetry",
}
LAMBDA_USES_FOR_ASYNC_FAILURES: dict[str, str] = {
    "sqs:SendMessage": "usage_ingest's on-failure destination: Lambda sends an event that failed "
    "all its retries to the queue with the execution role",
    "kms:GenerateDataKey": "the failure queue is encrypted with the key: SQS uses it for Lambda's "
    "SendMessage (kms:ViaService sqs)",
    "kms:Decrypt": "same: SQS verifies the new data key with Decrypt (kms:ViaService sqs)",
}


def lambda_uses(function: str) -> dict[str, str]:
    """The actions Lambda itself performs with `function`'s role, and why."""
    if function == "usage_ingest":
        return LAMBDA_USES | LAMBDA_USES_FOR_ASYNC_FAILURES
    return LAMBDA_USES


def log_group_arn(function: str) -> str:
    """aws_cloudwatch_log_group.arn (the provider strips the `:*` the API appends)."""
    return (
        f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/aws/lambda/gw-{function.replace('_', '-')}"
    )


@cache
def owners() -> dict[str, str]:
    """operationId → the function that serves it (x-amazon-apigateway-integration's uri)."""
    owned = {}
    for item in load_contract().document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                uri = operation["x-amazon-apigateway-integration"]["uri"]
                match = re.fullmatch(r"\$\{(\w+)_invoke_arn\}", uri)
                assert match, uri
                owned[operation["operationId"]] = match.group(1)
    return owned


def api_functions() -> list[str]:
    return sorted(set(owners().values()))


# AWS on moto, one per module (a user pool takes moto ~0.4 s) ------------------------------------


@dataclass
class Aws:
    pool_id: str
    pool_arn: str
    bucket: str
    topic_arn: str
    queue_arn: str
    dynamodb: Any
    cognito: Any
    sns: Any
    key_arn: str
    """The deployment's KMS key (a real one in moto: the sealer calls KMS directly)."""

    def new_table(self) -> str:
        name = f"gw-control-plane-{uuid.uuid4().hex[:12]}"
        create_table(self.dynamodb, name)
        return name

    def table_arn(self, table: str) -> str:
        arn: str = self.dynamodb.describe_table(TableName=table)["Table"]["TableArn"]
        return arn

    def values(self, function: str, table_arn: str) -> dict[str, str]:
        """The templatefile variables lambda.tf passes for `function`."""
        return {
            "table_arn": table_arn,
            "user_pool_arn": self.pool_arn,
            "config_object_arn": f"arn:aws:s3:::{self.bucket}/{CONFIG_KEY}",
            "alerts_topic_arn": self.topic_arn,
            "kms_key_arn": self.key_arn,
            "log_group_arn": log_group_arn(function),
            "failure_queue_arn": self.queue_arn,
        }

    def policies(self, table_arn: str, text: str | None = None) -> dict[str, list[dict[str, Any]]]:
        return {f: render_policies(self.values(f, table_arn), text)[f] for f in FUNCTIONS}

    def account(self, table_arn: str) -> Account:
        """Everything Terraform encrypts with the one key: table, bucket, topic, queue."""
        encrypted = [table_arn, f"arn:aws:s3:::{self.bucket}", self.topic_arn, self.queue_arn]
        return Account(ACCOUNT_ID, REGION, dict.fromkeys(encrypted, self.key_arn))


@pytest.fixture(scope="module")
def aws() -> Iterator[Aws]:
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            env.delenv(name, raising=False)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.setenv(name, "testing")
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.setenv("AWS_REGION", REGION)
        with mock_aws():
            cognito = boto3.client("cognito-idp", region_name=REGION)
            pool = cognito.create_user_pool(PoolName="gateway")["UserPool"]
            cognito.create_resource_server(
                UserPoolId=pool["Id"],
                Identifier="https://gateway.internal",
                Name="gateway",
                Scopes=[
                    {"ScopeName": "admin", "ScopeDescription": "administer"},
                    {"ScopeName": "invoke", "ScopeDescription": "call models"},
                ],
            )
            bucket = "gw-config-test"
            boto3.client("s3", region_name=REGION).create_bucket(Bucket=bucket)
            sns = boto3.client("sns", region_name=REGION)
            topic_arn = sns.create_topic(Name="gw-alerts")["TopicArn"]
            sqs = boto3.client("sqs", region_name=REGION)
            queue_url = sqs.create_queue(QueueName="gw-usage-ingest-failures")["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
            yield Aws(
                pool_id=pool["Id"],
                pool_arn=pool["Arn"],
                bucket=bucket,
                topic_arn=topic_arn,
                queue_arn=queue_arn["Attributes"]["QueueArn"],
                dynamodb=boto3.client("dynamodb", region_name=REGION),
                cognito=cognito,
                sns=sns,
                key_arn=boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"],
            )


def denial_report(denied: Sequence[Recorded]) -> str:
    return "calls the policy does not allow:\n" + "\n".join(f"  {r}" for r in denied)


# The policy file and Terraform ------------------------------------------------------------------


def test_the_policy_file_is_one_template_that_terraform_and_python_render_alike() -> None:
    text = POLICY_FILE.read_text()
    # Only ${placeholder}: no directives, escapes or expressions, so substitution is templatefile.
    assert template_problems(text) == []
    assert set(re.findall(r"\$\{(\w+)\}", text)) == PLACEHOLDERS
    values = {name: f"arn:aws:test:::{name}" for name in PLACEHOLDERS}
    policies = render_policies(values)
    assert sorted(policies) == sorted(FUNCTIONS)
    assert set(FUNCTIONS) == {*api_functions(), "usage_ingest", "budget_check"}
    for function, statements in policies.items():
        sids = [s.get("Sid") for s in statements]
        assert len(set(sids)) == len(sids), f"{function}: duplicate Sid"
        for statement in statements:
            assert statement_problems(statement) == [], (function, statement)
            # Identity policies: no Principal, no NotAction/NotResource, no wildcard action.
            assert "Action" in statement
            assert "Resource" in statement
            assert not any("*" in a for a in statement["Action"]), (function, statement)


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ('{"a": "%{ if x }y%{ endif }"}', "template syntax"),
        ('{"a": "$${table_arn}"}', "template syntax"),
        ('{"a": "${var.table_arn}"}', "expression"),
        ('{"a": "${upper(table_arn)}"}', "expression"),
        ('{"a": "${bucket_arn}"}', "not one of the placeholders"),
    ],
)
def test_other_template_syntax_is_refused(template: str, problem: str) -> None:
    assert any(problem in p for p in template_problems(template))
    with pytest.raises(ValueError, match=problem):
        render_text({}, template)


def test_terraform_console_renders_the_policy_as_python_does(tmp_path: Path) -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip(
            "NO TERRAFORM BINARY ON PATH: the templatefile rendering of iam_policies.json was NOT "
            "compared with Terraform's own (the template check above still holds)"
        )
    values = {name: f"arn:aws:test:{REGION}:{ACCOUNT_ID}:{name}/x" for name in PLACEHOLDERS}
    arguments = ", ".join(f'{name} = "{value}"' for name, value in sorted(values.items()))
    expression = (
        f'jsonencode(jsondecode(templatefile("{POLICY_FILE}", {{ {arguments} }}))["usage_ingest"])'
    )
    result = subprocess.run(
        [terraform, "console"],
        input=expression + "\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={
            "HOME": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        },
    )
    assert result.returncode == 0, result.stderr
    # The console prints the string jsonencode made as an HCL string literal (JSON-compatible).
    rendered = json.loads(json.loads(result.stdout.strip()))
    assert rendered == render_policies(values)["usage_ingest"]


# IAM semantics of the evaluator -----------------------------------------------------------------

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/store"


def allowed(statements: list[dict[str, Any]], action: str, resource: str, **context: str) -> bool:
    return decide(statements, Request(action, resource, tuple(context.items()))).allowed


def test_actions_are_case_insensitive_and_resources_are_not() -> None:
    policy = [{"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": TABLE}]
    assert allowed(policy, "DynamoDB:getitem", TABLE)
    assert not allowed(policy, "dynamodb:GetItem", TABLE.replace("store", "Store"))
    assert not allowed(policy, "dynamodb:Query", TABLE)
    assert not allowed(policy, "dynamodb:GetItem", f"{TABLE}/index/by-name")


def test_wildcards_and_arn_fields() -> None:
    assert arn_matches(
        "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/f:*",
        "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/f:log-stream:x",
    )
    assert not arn_matches(
        "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/f:*",
        "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/f2:log-stream:x",
    )
    assert arn_matches("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b.yaml")
    assert not arn_matches("arn:aws:s3:::bucket/a.yaml", "arn:aws:s3:::bucket/a.yaml.bak")
    # Field by field: a wildcard in the region matches any region, not another account.
    assert arn_matches(
        "arn:aws:dynamodb:*:1:table/store", "arn:aws:dynamodb:us-east-1:1:table/store"
    )
    assert not arn_matches(
        "arn:aws:dynamodb:us-*:1:table/*", "arn:aws:dynamodb:us-east-1:2:table/x"
    )
    assert arn_matches("arn:aws:sns:us-???t-1:1:t", "arn:aws:sns:us-east-1:1:t")


def test_an_explicit_deny_wins_and_conditions_must_hold() -> None:
    via = {"StringLike": {"kms:ViaService": "dynamodb.*.amazonaws.com"}}
    policy: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": via},
        {
            "Effect": "Deny",
            "Action": "kms:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        },
    ]
    assert allowed(
        policy, "kms:Decrypt", KEY_ARN, **{"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}
    )
    assert not allowed(policy, "kms:Decrypt", KEY_ARN)  # a direct call has no kms:ViaService
    assert not allowed(
        policy, "kms:Decrypt", KEY_ARN, **{"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    )
    # Condition keys are case-insensitive.
    assert allowed(
        policy, "kms:Decrypt", KEY_ARN, **{"kms:viaservice": "dynamodb.us-east-1.amazonaws.com"}
    )


# The Lambda environment, as lambda.tf sets it --------------------------------------------------


def lambda_environment(aws: Aws, table: str, issuer: str) -> dict[str, str]:
    """The environment of the functions in lambda.tf, with this test's resources."""
    environment = {
        "GATEWAY_STORE": "dynamodb",
        "GATEWAY_TABLE_NAME": table,
        "GATEWAY_IDENTITY": "cognito",
        "GATEWAY_COGNITO_USER_POOL_ID": aws.pool_id,
        "GATEWAY_ISSUER": issuer,
        "GATEWAY_TOKEN_ENDPOINT": "https://gw.auth.us-east-1.amazoncognito.com/oauth2/token",
        "GATEWAY_CONFIG_S3_BUCKET": aws.bucket,
        "GATEWAY_CONFIG_S3_KEY": CONFIG_KEY,
        "GATEWAY_ALERT_SNS_TOPIC_ARN": aws.topic_arn,
        "GATEWAY_BUDGET_CHECK_FAIL_MODE": "open",
        "GATEWAY_BUDGET_CHECK_CACHE_TTL_SECONDS": "5",
        "GATEWAY_BUDGET_CHECK_URL": "https://abc.lambda-url.us-east-1.on.aws/",
        "GATEWAY_KMS_KEY_ID": aws.key_arn,
        "GATEWAY_METRICS_SERVICE": "gw-test",
    }
    deployed = set(re.findall(r"\b(GATEWAY_[A-Z0-9_]+)\s*=", LAMBDA_TF.read_text()))
    optional = {"GATEWAY_FALLBACK_PRICE"}  # set only when the fallback_price variable is
    assert deployed - optional == set(environment), (
        "the functions' environment in lambda.tf changed: run the day with the same settings"
    )
    return environment


# A day of the control plane, through the real handlers ------------------------------------------

TEAM = {"contact_email": "lead@example.com"}
RULE = {
    "model": "claude-sonnet-4",
    "strategy": "failover",
    "targets": [
        {
            "provider": "bedrock",
            "model": "anthropic.claude-sonnet-4-20250514-v1:0",
            "region": "us-east-1",
        },
        {"provider": "anthropic", "model": "claude-sonnet-4-20250514"},
    ],
}
BEDROCK_SONNET = "anthropic.claude-sonnet-4-20250514-v1:0"


class Lambdas:
    """Invokes `handlers.<name>.lambda_handler` as AWS would, each under its own policy."""

    def __init__(
        self, recorder: Recorder, environment: Mapping[str, Mapping[str, str]] | None = None
    ) -> None:
        self.recorder = recorder
        self.environment = environment or {}
        """Variables of one function only, on top of the shared environment."""
        self.contract = load_contract()
        self.driven: dict[str, set[str]] = {}

    def invoke(self, function: str, event: Mapping[str, Any]) -> Any:
        handler: Callable[[Any, Any], Any] = importlib.import_module(
            f"handlers.{function}"
        ).lambda_handler
        context = SimpleNamespace(aws_request_id=str(uuid.uuid4()), function_name=function)
        with pytest.MonkeyPatch.context() as env, self.recorder.running(function):
            for name, value in self.environment.get(function, {}).items():
                env.setenv(name, value)
            return handler(dict(event), context)

    def api(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        scope: str = ADMIN_SCOPE,
        client_id: str = ADMIN_CLIENT,
    ) -> Answer:
        matched = self.contract.match_path(path)
        assert matched is not None, path
        resource, params = matched
        info = self.contract.by_route(method, resource)
        assert info is not None, (method, resource)
        owner = owners()[info.operation_id]
        event = apigw_event(
            method,
            resource,
            path,
            path_params=params or None,
            query=query,
            headers=headers,
            body=None if body is None else json.dumps(body),
            scope=scope,
            client_id=client_id,
        )
        result = self.invoke(owner, event)
        self.driven.setdefault(owner, set()).add(info.operation_id)
        text = result["body"]
        decoded = (
            json.loads(text)
            if text and "json" in result["headers"].get("Content-Type", "json")
            else text
        )
        return Answer(result["statusCode"], result["headers"], decoded)


def subscription_event(client_id: str, batch: str) -> dict[str, Any]:
    """A CloudWatch Logs subscription event (base64 of gzip of JSON, as CloudWatch sends it) of
    one LLM request of `client_id` now (0.0111 USD) and a health check; ids unique to `batch`."""
    now = datetime.now(UTC)
    lines = [test_usage_api.log_line(client_id, at=now), json.dumps({"scope": "health"})]
    payload = {
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT_ID,
        "logGroup": "/gw/agentgateway",
        "logStream": "agentgateway/0",
        "subscriptionFilters": ["gw-usage-ingest"],
        "logEvents": [
            {"id": f"{batch}{i:04d}", "timestamp": int(now.timestamp() * 1000), "message": line}
            for i, line in enumerate(lines)
        ],
    }
    data = base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()
    return {"awslogs": {"data": data}}


def budget_check_event(token: str, client_id: str) -> dict[str, Any]:
    event = load_event("budget_check_function_url")
    event["headers"] |= {"authorization": f"Bearer {token}", "x-gateway-client-id": client_id}
    return event


def webhook_reply(answer: Mapping[str, Any]) -> dict[str, Any]:
    assert answer["statusCode"] == 200, answer
    reply: dict[str, Any] = json.loads(answer["body"])
    return reply


def rotation_stub(stubber: Stubber, pool_id: str, client_id: str) -> None:
    """Cognito's answers to a rotation (moto lacks the client-secret APIs; see
    tests/identity/test_cognito_provider.py): one secret, add one, delete the old."""
    old, new = f"{client_id}--1700000000000", f"{client_id}--1700001000000"
    params = {"UserPoolId": pool_id, "ClientId": client_id}
    at = datetime(2026, 1, 1, tzinfo=UTC)
    stubber.add_response(
        "describe_user_pool_client",
        {
            "UserPoolClient": {
                **params,
                "ClientName": "team-payments",
                "AllowedOAuthScopes": [INVOKE_SCOPE],
            }
        },
        params,
    )
    stubber.add_response(
        "list_user_pool_client_secrets",
        {"ClientSecrets": [{"ClientSecretId": old, "ClientSecretCreateDate": at}]},
        params,
    )
    stubber.add_response(
        "add_user_pool_client_secret",
        {
            "ClientSecretDescriptor": {
                "ClientSecretId": new,
                "ClientSecretValue": "n" * 40,
                "ClientSecretCreateDate": at,
            }
        },
        params,
    )
    stubber.add_response(
        "list_user_pool_client_secrets",
        {
            "ClientSecrets": [
                {"ClientSecretId": old, "ClientSecretCreateDate": at},
                {"ClientSecretId": new, "ClientSecretCreateDate": at},
            ]
        },
        params,
    )
    stubber.add_response("delete_user_pool_client_secret", {}, {**params, "ClientSecretId": old})


def live_a_day(lambdas: Lambdas, aws: Aws, issuer: TokenIssuer) -> None:
    """Every operation of every function, error paths that touch AWS included."""
    api = lambdas.api

    def in_a_new_container(call: Callable[[], Answer]) -> Answer:
        """A cold start: the function's own sealer asks KMS for a data key (seal) or opens one
        another container made (replay), as separate Lambda containers do."""
        apigw.default_dispatcher.cache_clear()
        return call()

    # team_registration: register (idempotently), conflict, read, update, stale If-Match.
    body = {"name": "payments", "tier": "standard", **TEAM}
    key = {"Idempotency-Key": "register-payments"}
    registered = in_a_new_container(lambda: api("POST", "/teams", body, headers=key))
    assert registered.status == 201, registered
    replayed = in_a_new_container(lambda: api("POST", "/teams", body, headers=key))
    assert replayed.headers.get("Idempotency-Replayed") == "true", replayed
    taken = api("POST", "/teams", {**body, "tier": "sandbox"}, headers={"Idempotency-Key": "again"})
    assert taken.status == 409, taken  # and the idempotency reservation is abandoned
    payments = registered.body
    payments_id = payments["team"]["team_id"]
    assert api("GET", "/teams", query={"status": "active"}).status == 200
    assert api("GET", f"/teams/{payments_id}").status == 200
    assert (
        api(
            "PUT", f"/teams/{payments_id}", {"cost_center": "CC-7"}, headers={"If-Match": '"1"'}
        ).status
        == 200
    )
    assert (
        api(
            "PUT", f"/teams/{payments_id}", {"cost_center": "CC-8"}, headers={"If-Match": '"1"'}
        ).status
        == 412
    )
    ops = api("POST", "/teams", {"name": "ops", "tier": "unlimited", **TEAM}).body  # no budget
    lab = api("POST", "/teams", {"name": "lab", "tier": "sandbox", **TEAM}).body

    # budget_admin: list, create (idempotently), conflicts, read, update, stale If-Match, delete.
    assert api("GET", "/budgets").status == 200
    assert api("GET", "/budgets", query={"team_id": payments_id}).status == 200
    new_budget = {"team_id": ops["team"]["team_id"], "amount_usd": "50"}
    budget_key = {"Idempotency-Key": "ops-budget"}
    created = in_a_new_container(lambda: api("POST", "/budgets", new_budget, headers=budget_key))
    assert created.status == 201, created
    again = in_a_new_container(lambda: api("POST", "/budgets", new_budget, headers=budget_key))
    assert again.headers.get("Idempotency-Replayed") == "true", again
    assert api("POST", "/budgets", new_budget).status == 409
    unknown_team = {"team_id": "tm_01jd2x3y4z5a6b7c8d9e0f1g2h", "amount_usd": "1"}
    assert api("POST", "/budgets", unknown_team).status == 422
    ops_budget = f"/budgets/{created.body['budget_id']}"
    assert api("GET", ops_budget).status == 200
    assert api("PUT", ops_budget, {"amount_usd": "60"}, headers={"If-Match": '"1"'}).status == 200
    assert api("PUT", ops_budget, {"amount_usd": "70"}, headers={"If-Match": '"1"'}).status == 412
    assert api("DELETE", ops_budget, headers={"If-Match": '"1"'}).status == 412
    assert api("DELETE", ops_budget, headers={"If-Match": '"2"'}).status == 204
    for team in (payments, lab):  # tiny budgets: the day's usage crosses every threshold
        assert api("PUT", f"/budgets/{team['budget_id']}", {"amount_usd": "0.01"}).status == 200

    # pricing_admin: list, the default, override (create, replace), stale If-Match, delete, 404.
    assert api("GET", "/pricing", query={"provider": "bedrock", "limit": "5"}).status == 200
    price = f"/pricing/bedrock/{BEDROCK_SONNET}"
    assert api("GET", price).status == 200
    assert (
        api("PUT", price, {"input": "2.5", "output": "12"}, headers={"If-Match": '"0"'}).status
        == 201
    )
    assert (
        api("PUT", price, {"input": "2", "output": "10"}, headers={"If-Match": '"1"'}).status == 200
    )
    assert (
        api("PUT", price, {"input": "1", "output": "5"}, headers={"If-Match": '"1"'}).status == 412
    )
    assert api("DELETE", price, headers={"If-Match": '"2"'}).status == 204
    assert api("DELETE", price).status == 404
    assert api("PUT", "/pricing/acme/model-1", {"input": "1", "output": "2"}).status == 422

    # routing_config: create (idempotently), read, rename, conflict, the config (and 304), delete.
    rule_key = {"Idempotency-Key": "sonnet-rule"}
    rule = in_a_new_container(lambda: api("POST", "/routing", RULE, headers=rule_key))
    assert rule.status == 201, rule
    again = in_a_new_container(lambda: api("POST", "/routing", RULE, headers=rule_key))
    assert again.headers.get("Idempotency-Replayed") == "true", again
    rule_path = f"/routing/{rule.body['rule_id']}"
    assert api("GET", "/routing").status == 200
    assert api("GET", rule_path).status == 200
    assert api("PUT", rule_path, {"model": "sonnet"}, headers={"If-Match": '"1"'}).status == 200
    assert api("POST", "/routing", {**RULE, "model": "sonnet"}).status == 409
    config = api("GET", "/routing/config")
    assert config.status == 200
    assert (
        api("GET", "/routing/config", headers={"If-None-Match": config.headers["ETag"]}).status
        == 304
    )
    assert api("DELETE", rule_path, headers={"If-Match": '"1"'}).status == 412
    assert api("DELETE", rule_path).status == 204

    # content_scanner: a team-scoped policy (its team checked in the transaction), conflict, 422.
    policy = {
        "name": "pii",
        "applies_to": {"mode": "teams", "team_ids": [payments_id]},
        "phase": "both",
        "detectors": [{"detector": "email", "action": "mask"}],
    }
    pii_key = {"Idempotency-Key": "pii"}
    created_policy = in_a_new_container(lambda: api("POST", "/scanner", policy, headers=pii_key))
    assert created_policy.status == 201, created_policy
    again = in_a_new_container(lambda: api("POST", "/scanner", policy, headers=pii_key))
    assert again.headers.get("Idempotency-Replayed") == "true", again
    policy_path = f"/scanner/{created_policy.body['policy_id']}"
    assert api("GET", "/scanner").status == 200
    assert api("GET", policy_path).status == 200
    assert api("PUT", policy_path, {"name": "pii-mask"}, headers={"If-Match": '"1"'}).status == 200
    assert api("POST", "/scanner", {**policy, "name": "pii-mask"}).status == 409
    nobody = {"mode": "teams", "team_ids": ["tm_01jd2x3y4z5a6b7c8d9e0f1g2h"]}
    assert (
        api("POST", "/scanner", {**policy, "name": "nobodys", "applies_to": nobody}).status == 422
    )
    assert api("DELETE", policy_path).status == 204

    # usage_ingest: a batch crossing 50/80/100 % (three SNS alerts), its redelivery, a control
    # message, and a batch whose alert cannot be delivered (the topic is gone): the claimed
    # alert is released for the next batch to retry.
    answer = lambdas.invoke(
        "usage_ingest", subscription_event(payments["credentials"]["client_id"], "a")
    )
    assert answer["requests"] == 1, answer
    again = lambdas.invoke(
        "usage_ingest", subscription_event(payments["credentials"]["client_id"], "a")
    )
    assert again["already_applied"] is True, again
    control = {"messageType": "CONTROL_MESSAGE", "logEvents": []}
    data = base64.b64encode(gzip.compress(json.dumps(control).encode())).decode()
    assert lambdas.invoke("usage_ingest", {"awslogs": {"data": data}})["batch_id"] is None
    aws.sns.delete_topic(TopicArn=aws.topic_arn)
    try:
        lambdas.invoke("usage_ingest", subscription_event(lab["credentials"]["client_id"], "b"))
    finally:
        assert aws.sns.create_topic(Name="gw-alerts")["TopicArn"] == aws.topic_arn

    # usage_api: as an admin (a team, its history, unattributed, unknown) and as the team.
    assert api("GET", f"/usage/{payments_id}").body["totals"]["requests"] == 1
    assert api("GET", f"/usage/{payments_id}/history", query={"months": "3"}).status == 200
    assert api("GET", "/usage/unattributed").status == 200
    assert api("GET", "/usage/tm_01jd2x3y4z5a6b7c8d9e0f1g2h").status == 404
    as_team = {"scope": INVOKE_SCOPE, "client_id": payments["credentials"]["client_id"]}
    assert api("GET", f"/usage/{payments_id}", **as_team).status == 200

    # budget_check: valid tokens of a team over its budget (429) and of a team without one.
    for team, status in ((payments, 429), (ops, None)):
        client_id = team["credentials"]["client_id"]
        event = budget_check_event(issuer.mint(client_id, [INVOKE_SCOPE]), client_id)
        action = webhook_reply(lambdas.invoke("budget_check", event))["action"]
        assert action.get("status_code") == status, action

    # team_registration again: rotation (Cognito answered by a Stubber), deregistrations: one
    # without a budget (the check that none appeared meanwhile), one whose app client is already
    # gone (Cognito is asked whether the pool exists), one with its budget.
    identity = apigw.default_dispatcher().services.identity
    with Stubber(identity._client) as stubber:  # type: ignore[attr-defined]
        rotation_stub(stubber, aws.pool_id, payments["credentials"]["client_id"])
        assert api("POST", f"/teams/{payments_id}/secret").status == 200
        stubber.assert_no_pending_responses()
    ops_path = f"/teams/{ops['team']['team_id']}"
    assert api("DELETE", ops_path, headers={"If-Match": '"2"'}).status == 412
    assert api("DELETE", ops_path, headers={"If-Match": '"1"'}).status == 204
    aws.cognito.delete_user_pool_client(
        UserPoolId=aws.pool_id, ClientId=lab["credentials"]["client_id"]
    )
    assert api("DELETE", f"/teams/{lab['team']['team_id']}").status == 204
    assert api("DELETE", f"/teams/{payments_id}").status == 204

    # budget_check: a deregistered team's token that still lives is told so.
    client_id = lab["credentials"]["client_id"]
    event = budget_check_event(issuer.mint(client_id, [INVOKE_SCOPE]), client_id)
    assert webhook_reply(lambdas.invoke("budget_check", event))["action"]["status_code"] == 403

    # audit_log: the day's changes of teams, page by page back to the log's first month (every
    # audit partition read), filtered by action, and a range that ends before it begins.
    teams = {"resource_type": "teams", "limit": "3"}
    first_page = api("GET", "/audit", query=teams)
    assert len(first_page.body["items"]) == 3, first_page
    cursor = first_page.body["next_cursor"]
    while cursor:
        page = api("GET", "/audit", query={**teams, "cursor": cursor})
        assert page.status == 200, page
        cursor = page.body["next_cursor"]
    deletions = api("GET", "/audit", query={"action": "deleteTeam"}).body["items"]
    assert len(deletions) == 3, deletions
    backwards = {"since": "2027-01-02T00:00:00Z", "until": "2027-01-01T00:00:00Z"}
    assert api("GET", "/audit", query=backwards).status == 400


@dataclass
class Day:
    policies: dict[str, list[dict[str, Any]]]
    recorder: Recorder
    driven: dict[str, set[str]]
    """The operations each function served."""
    table_arn: str
    lambda_requests: dict[str, list[Request]]
    """What Lambda itself asks IAM for, with each function's role."""

    def requests(self, function: str) -> list[Request]:
        """Everything IAM authorised for the function: its code's calls and Lambda's own."""
        code = [r.decision.request for r in self.recorder.of(function)]
        return code + self.lambda_requests[function]


def lambdas_own_requests(aws: Aws, account: Account, function: str) -> list[Request]:
    requests = lambda_runtime_requests(account, log_group_arn(function), f"gw-{function}")
    if function == "usage_ingest":
        requests += sqs_send(account, REGION, aws.queue_arn, "Lambda's on-failure destination")
    return requests


@pytest.fixture(scope="module")
def day(aws: Aws, tmp_path_factory: pytest.TempPathFactory) -> Day:
    table = aws.new_table()
    table_arn = aws.table_arn(table)
    policies = aws.policies(table_arn)
    account = aws.account(table_arn)
    recorder = Recorder(policies, account)
    keys = tmp_path_factory.mktemp("issuer")
    issuer = TokenIssuer(
        load_or_create_signing_key(keys / "signing-key.pem"),
        f"https://cognito-idp.{REGION}.amazonaws.com/{aws.pool_id}",
        3600,
        lambda: datetime.now(UTC),
    )
    (keys / "jwks.json").write_text(json.dumps(issuer.jwks()))
    environment = lambda_environment(aws, table, issuer.issuer)
    cold_starts = (apigw.default_dispatcher, usage_ingest._services, budget_check.default_check)
    # budget_check verifies tokens with this test's keys instead of Cognito's (the default,
    # `<issuer>/.well-known/jwks.json`): where the keys come from changes no AWS call.
    jwks = {"GATEWAY_JWKS_URL": (keys / "jwks.json").as_uri()}
    lambdas = Lambdas(recorder, {"budget_check": jwks})
    with pytest.MonkeyPatch.context() as env:
        for name, value in environment.items():
            env.setenv(name, value)
        for cached in cold_starts:
            cached.cache_clear()
        try:
            with recorder.installed():
                live_a_day(lambdas, aws, issuer)
        except Exception as failure:
            # A denial usually breaks the day: say which call was denied, not what followed.
            if recorder.denials():
                raise AssertionError(denial_report(recorder.denials())) from failure
            raise
        finally:
            for cached in cold_starts:
                cached.cache_clear()
    own = {f: lambdas_own_requests(aws, account, f) for f in FUNCTIONS}
    return Day(policies, recorder, lambdas.driven, table_arn, own)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_policy_allows_every_call_of_the_functions_code(day: Day, function: str) -> None:
    recorded = day.recorder.of(function)
    assert recorded, f"{function} made no AWS call in the day"
    denied = [r for r in recorded if not r.decision.allowed]
    assert not denied, denial_report(denied)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_what_lambda_does_with_the_role_is_allowed(day: Day, function: str) -> None:
    decisions = [decide(day.policies[function], r) for r in day.lambda_requests[function]]
    denied = [Recorded(function, "lambda", d) for d in decisions if not d.allowed]
    assert not denied, denial_report(denied)
    assert {d.request.action for d in decisions} == set(lambda_uses(function))


@pytest.mark.parametrize("function", api_functions())
def test_the_day_drives_every_operation_the_function_owns(day: Day, function: str) -> None:
    owned = {op for op, owner in owners().items() if owner == function}
    assert day.driven.get(function) == owned


def unused_grants(
    function: str,
    statements: Sequence[Statement],
    code: Sequence[Decision],
    lambda_own: Sequence[Decision],
) -> set[tuple[int, str, str]]:
    """Grants no call of the code used, nor Lambda itself (for the actions it is exempt for)."""
    exempt = lambda_uses(function)
    by_lambda = {g for g in exercised(statements, lambda_own) if g[1] in exempt}
    return grants(statements) - exercised(statements, code) - by_lambda


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_grant_is_used_by_some_call(day: Day, function: str) -> None:
    statements = day.policies[function]
    code = [r.decision for r in day.recorder.of(function)]
    lambda_own = [decide(statements, r) for r in day.lambda_requests[function]]
    unused = unused_grants(function, statements, code, lambda_own)
    assert not unused, (
        f"{function}'s policy grants what no call used (least privilege): "
        + ", ".join(
            f"{action} on {resource} (statement {statements[i].get('Sid')})"
            for i, action, resource in sorted(unused)
        )
    )


@pytest.mark.parametrize("function", FUNCTIONS)
def test_without_any_one_of_its_grants_the_function_is_denied_something(
    day: Day, function: str
) -> None:
    statements = day.policies[function]
    requests = day.requests(function)
    for index, action, _ in sorted(grants(statements)):
        weaker = [dict(s) for s in statements]
        weaker[index]["Action"] = [a for a in statements[index]["Action"] if a != action]
        if not weaker[index]["Action"]:
            del weaker[index]
        denied = [r for r in requests if not decide(weaker, r).allowed]
        assert denied, f"{function} needs no {action}: no request was denied without it"
        assert any(r.action.lower() == action.lower() for r in denied), (function, action, denied)


def test_audit_log_may_query_the_audit_partitions_only(day: Day) -> None:
    statements = day.policies["audit_log"]
    # Its code read only audit partitions, and each Query was decided on its partition.
    queries = [r.decision.request for r in day.recorder.of("audit_log")]
    queries = [q for q in queries if q.action == "dynamodb:Query"]
    assert queries
    for query in queries:
        ((key, partition),) = query.context
        assert key == "dynamodb:LeadingKeys"
        assert partition.startswith("AUDIT#"), query
    # Any other partition, and any other way to read the table, is denied.
    for partition in ("TEAM", "IDEMPOTENCY", "OAUTH_CLIENT", "audit#2026-11", "XAUDIT#2026-11"):
        context = {"dynamodb:LeadingKeys": partition}
        assert not allowed(statements, "dynamodb:Query", day.table_arn, **context), partition
    audit = {"dynamodb:LeadingKeys": "AUDIT#2026-11"}
    assert allowed(statements, "dynamodb:Query", day.table_arn, **audit)
    for action in ("dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"):
        assert not allowed(statements, action, day.table_arn, **audit), action


def test_set_operators_test_every_value_of_a_key() -> None:
    def policy(operator: str) -> list[dict[str, Any]]:
        condition = {operator: {"dynamodb:LeadingKeys": ["AUDIT#*"]}}
        return [
            {
                "Effect": "Allow",
                "Action": "dynamodb:Query",
                "Resource": TABLE,
                "Condition": condition,
            }
        ]

    def query(statements: list[dict[str, Any]], *partitions: str) -> bool:
        context = tuple(("dynamodb:LeadingKeys", partition) for partition in partitions)
        return decide(statements, Request("dynamodb:Query", TABLE, context)).allowed

    every = policy("ForAllValues:StringLike")
    assert query(every, "AUDIT#2026-11")
    assert query(every, "AUDIT#2026-11", "AUDIT#2026-12")
    assert not query(every, "TEAM")
    assert not query(every, "AUDIT#2026-11", "TEAM")
    assert query(every)  # no value at all holds vacuously: why the policy grants no Scan
    some = policy("ForAnyValue:StringLike")
    assert query(some, "AUDIT#2026-11", "TEAM")
    assert not query(some, "TEAM")
    assert not query(some)
    with pytest.raises(ValueError, match="several values"):
        query(policy("StringLike"), "AUDIT#2026-11", "AUDIT#2026-12")


def test_an_unneeded_grant_is_reported(day: Day) -> None:
    statements = [dict(s) for s in day.policies["budget_check"]]
    store = next(s for s in statements if s.get("Sid") == "UseTheStore")
    store["Action"] = [*store["Action"], "dynamodb:Scan"]
    code = [decide(statements, r.decision.request) for r in day.recorder.of("budget_check")]
    lambda_own = [decide(statements, r) for r in day.lambda_requests["budget_check"]]
    unused = unused_grants("budget_check", statements, code, lambda_own)
    assert {action for _, action, _ in unused} == {"dynamodb:Scan"}


def test_a_policy_for_another_table_denies_every_store_call(day: Day, aws: Aws) -> None:
    other = day.table_arn.rsplit("/", 1)[0] + "/someone-elses-table"
    for function in FUNCTIONS:
        statements = aws.policies(other)[function]
        for request in day.requests(function):
            decision = decide(statements, request)
            is_store = request.action.startswith("dynamodb:")
            assert decision.allowed != is_store, (function, str(request))


def test_a_denied_call_that_the_code_swallows_still_fails_the_check(
    aws: Aws, tmp_path: Path
) -> None:
    """Publishing the config logs a failure and answers 204 all the same: only the record shows
    that team_registration could not write the config without s3:PutObject."""
    table = aws.new_table()
    table_arn = aws.table_arn(table)
    policies = aws.policies(table_arn)
    publish = next(
        s for s in policies["team_registration"] if s.get("Sid") == "PublishTheAgentgatewayConfig"
    )
    policies["team_registration"].remove(publish)
    recorder = Recorder(policies, aws.account(table_arn))
    settings = aws_settings(aws, table, tmp_path)
    services = build_services(settings)
    api = PolicedApi(Dispatcher(load_contract(), bind(load_contract()), services), recorder)
    with recorder.installed():
        team = api.register_team("short-lived")["team"]
        assert api.delete(f"/teams/{team['team_id']}").status == 204
    (denied,) = recorder.denials()
    assert denied.function == "team_registration"
    assert denied.decision.request.action == "s3:PutObject"
    assert denied.decision.request.resource == f"arn:aws:s3:::{aws.bucket}/{CONFIG_KEY}"


# The handler suites of the API functions, on the AWS adapters, under the owners' policies -------


class Serialized:
    """A boto3 client whose requests run one at a time: moto applies a conditional write without
    a lock (see tests/store/conftest.py), real DynamoDB makes each request atomic."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        @wraps(attribute)
        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


class PolicedApi(LambdaApi):
    """LambdaApi whose every call runs under the policy of the function owning the operation."""

    def __init__(self, dispatcher: Dispatcher, recorder: Recorder) -> None:
        super().__init__(dispatcher)
        self.recorder = recorder

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Answer:
        matched = load_contract().match_path(path)
        info = load_contract().by_route(method, matched[0]) if matched else None
        if info is None:
            return super().call(method, path, body, **kwargs)
        with self.recorder.running(owners()[info.operation_id]):
            return super().call(method, path, body, **kwargs)


def aws_settings(aws: Aws, table: str, data_dir: Path) -> Settings:
    """The conftest's settings, on the AWS adapters (as lambda.tf configures them)."""
    return Settings(
        data_dir=data_dir,
        issuer="http://testserver",
        token_endpoint="http://testserver/oauth2/token",
        store="dynamodb",
        identity="cognito",
        table_name=table,
        aws_region=REGION,
        cognito_user_pool_id=aws.pool_id,
        config_s3_bucket=aws.bucket,
        config_s3_key=CONFIG_KEY,
        alert_sns_topic_arn=aws.topic_arn,
        kms_key_id=aws.key_arn,
    )


@pytest.fixture
def table(aws: Aws) -> str:
    return aws.new_table()


@pytest.fixture
def recorder(aws: Aws, table: str) -> Iterator[Recorder]:
    table_arn = aws.table_arn(table)
    watching = Recorder(aws.policies(table_arn), aws.account(table_arn))
    with watching.installed():
        yield watching
    denied = watching.denials()
    assert not denied, denial_report(denied)


@pytest.fixture
def settings(aws: Aws, table: str, tmp_path: Path) -> Settings:
    return aws_settings(aws, table, tmp_path)


@pytest.fixture
def services(settings: Settings, recorder: Recorder) -> Services:
    store = DynamoDbStore(
        settings.table_name, client=Serialized(boto3.client("dynamodb", region_name=REGION))
    )
    return build_services(settings, store=store)


@pytest.fixture
def api(services: Services, recorder: Recorder) -> LambdaApi:
    contract = load_contract()
    return PolicedApi(Dispatcher(contract, bind(contract), services), recorder)


SUITES: dict[str, ModuleType] = {
    "team_registration": test_team_registration,
    "budget_admin": test_budget_admin,
    "pricing_admin": test_pricing_admin,
    "routing_config": test_routing_config,
    "content_scanner": test_content_scanner,
    "usage_api": test_usage_api,
    "audit_log": test_audit_log,
}
NOT_ON_AWS: dict[tuple[str, str], str] = {
    (
        "team_registration",
        "test_concurrent_registrations_of_one_name_make_exactly_one_team",
    ): "asserts on the local identity provider's OAUTH_CLIENT items",
    (
        "team_registration",
        "test_rotating_the_secret_answers_a_new_one_and_the_old_stops_working",
    ): "authenticates with LocalIdentityProvider; rotation on Cognito runs in the day (Stubber)",
    (
        "usage_api",
        "test_usage_reads_cost_the_same_round_trips_for_3_or_300_models_and_36_months",
    ): "counts round trips of its own SQLite store",
}


def _suite_tests() -> dict[str, Any]:
    """The suites' tests (and their module fixtures), collected here so that they use this
    module's fixtures: AWS adapters on moto, and the policed API."""
    collected: dict[str, Any] = {}
    for suite, module in SUITES.items():
        for name, value in vars(module).items():
            if isinstance(value, FixtureFunctionDefinition):
                # A suite's own `services` or `api` would quietly take the place of these.
                if name in globals():
                    raise RuntimeError(f"{suite} defines fixture {name!r}, as this module does")
                collected[name] = value
            elif name.startswith("test_") and callable(value) and (suite, name) not in NOT_ON_AWS:
                collected[f"test_{suite}_suite_under_iam__{name.removeprefix('test_')}"] = value
    return collected


globals().update(_suite_tests())


def test_every_suite_test_left_out_is_named_with_a_reason() -> None:
    for suite, name in NOT_ON_AWS:
        assert callable(getattr(SUITES[suite], name, None)), (suite, name)
