"""The inference plane (infra/modules/inference), checked offline against what it runs.

- Least privilege of its two roles, proved as the Lambdas' are (tests/infra/iam.py): the task
  role's policy, rendered from iam_policies.json as Terraform renders and composes it, is the one
  the sidecars' real code runs under (config sync rounds against moto's S3, the budget check
  server answering webhook calls from moto's DynamoDB); what agentgateway itself does with the
  role (Bedrock, guardrails) and what ECS does with the execution role (logs, secrets, ECR) are
  modelled from the rendered config and the task definition. Nothing may be denied, and every
  grant must be used.
- The Terraform expressions the proof mirrors (ARNs of models, guardrails and ECR repositories,
  the composition of statement groups, the release pin) are evaluated by `terraform console`.
- What ties the module to the code: the paths the ALB forwards are the ones the render routes,
  ports and the budget check's URL are the render's, provider key variables are the render's.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import hcl2
import httpx
import pytest
import uvicorn
import yaml
from botocore.client import BaseClient
from moto import mock_aws

from controlplane import config_publisher
from controlplane.api.contract import load_contract
from controlplane.api.dispatch import Dispatcher
from controlplane.api.operations import bind
from controlplane.budget_check_server import create_budget_check_app, serve_budget_check
from controlplane.clock import isoformat
from controlplane.config_sync import ConfigSync, S3Source, sync_config
from controlplane.domain import agentgateway as render
from controlplane.domain.periods import month_of
from controlplane.gateway_protocol import BUDGET_CHECK_PATH, HEADER_CLIENT_ID, HEADER_MODEL
from controlplane.identity.tokens import TokenIssuer, load_or_create_signing_key
from controlplane.services import build_services
from controlplane.settings import INVOKE_SCOPE, Settings
from controlplane.store.dynamodb import DynamoDbStore, create_table
from controlplane.store.usage import Counters, UsageIncrement
from tests.conftest import LambdaApi
from tests.infra.iam import (
    ROOT,
    RUNNING,
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
    render_text,
    statement_problems,
    template_problems,
)

INFRA = ROOT / "infra"
MODULE = INFRA / "modules" / "inference"
POLICY_FILE = MODULE / "iam_policies.json"
LAMBDA_TF = INFRA / "modules" / "control_plane" / "lambda.tf"
PLACEHOLDERS = frozenset(
    {
        "config_object_arn",
        "kms_key_arn",
        "table_arn",
        "bedrock_model_arns",
        "guardrail_arns",
        "access_log_group_arn",
        "sidecar_log_group_arn",
        "provider_secret_arns",
        "ecr_repository_arns",
    }
)
LISTS = frozenset(
    {"bedrock_model_arns", "guardrail_arns", "provider_secret_arns", "ecr_repository_arns"}
)
"""Placeholders Terraform fills with a JSON list (jsonencode), the others with a string."""

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's
PARTITION = "aws"
BUCKET, CONFIG_KEY = "gw-config-test", "agentgateway/config.yaml"
MODEL = "anthropic.claude-sonnet-4-20250514-v1:0"
PROFILE = f"us.{MODEL}"
PROFILE_REGIONS = ("us-east-1", "us-east-2", "us-west-2")
"""Where the `us.` cross-region profile may route (AWS's list for this model; the model's ARN in
each is authorised as well as the profile's)."""
GUARDRAIL = "gr7x2k9q4m1a"
CONTROL_PLANE_IMAGE = f"{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/llm-gateway-control-plane:0.1.0"
AGENTGATEWAY_IMAGE = f"ghcr.io/agentgateway/agentgateway:{render.AGENTGATEWAY_RELEASE}"
SECRETS = {
    "ANTHROPIC_API_KEY": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:gw/anthropic-AbCdEf",
    "OPENAI_API_KEY": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:gw/openai-GhIjKl",
}
BEDROCK_MODEL_IDS = ["anthropic.claude-*"]


# Terraform's side, read and evaluated -------------------------------------------------------------


def _load(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        loaded: dict[str, Any] = hcl2.load(handle)
    return loaded


def local_source(source: Path | str, name: str) -> str:
    """The expression of the first `name = ...` (an attribute of a locals block, or an entry of a
    map) in `source` (a file or text), up to the end of its line with brackets balanced."""
    text = source.read_text() if isinstance(source, Path) else source
    match = re.search(rf"^\s*{name}\s*=\s*", text, re.MULTILINE)
    assert match, f"no {name} = in {source}"
    depth, index, in_string = 0, match.end(), False
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "#":
            index = text.index("\n", index) - 1
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "\n" and depth == 0:
            break
        index += 1
    return text[match.end() : index].strip()


def block_source(text: str, header: str) -> str:
    """The body of the top-level block `header { ... }` (its closing brace at a line start)."""
    match = re.search(rf"^{re.escape(header)} {{\n(.*?)^}}", text, re.MULTILINE | re.DOTALL)
    assert match, f"no block {header}"
    return match[1]


def substitute(expression: str, references: Mapping[str, str]) -> str:
    """Replace references (`var.x`, `local.y`, `path.module`) by parenthesised HCL expressions,
    again and again while a replacement brings in more of them."""
    for _ in range(10):
        before = expression
        for name in sorted(references, key=len, reverse=True):
            expression = re.sub(
                rf"(?<![\w.]){re.escape(name)}(?!\w)",
                lambda _match, name=name: f"({references[name]})",
                expression,
            )
        if expression == before:
            return expression
    raise AssertionError(f"references do not resolve: {expression[:300]}")


def one_line(expression: str) -> str:
    """The expression on one line (the console reads one line at a time): comments dropped,
    line breaks that separate an object's attributes made commas, others spaces."""
    out: list[str] = []
    stack: list[str] = []
    in_string, index = False, 0
    while index < len(expression):
        char = expression[index]
        if in_string:
            if char == "\\":
                out.append(expression[index : index + 2])
                index += 2
                continue
            in_string = char != '"'
        elif char == '"':
            in_string = True
        elif char == "#":
            newline = expression.find("\n", index)
            index = len(expression) if newline < 0 else newline
            continue
        elif char in "([{":
            stack.append(char)
        elif char in ")]}":
            stack.pop()
        elif char == "\n":
            before = "".join(out).rstrip()[-1:]
            after = expression[index:].lstrip()[:1]
            separates = stack[-1:] == ["{"] and before not in ("{", ",", "") and after != "}"
            out.append(", " if separates else " ")
            index += 1
            continue
        out.append(char)
        index += 1
    return "".join(out)


def terraform_values(expressions: Mapping[str, str], cwd: Path) -> dict[str, Any]:
    """`terraform console`'s values of the expressions (one console, one object)."""
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip(
            "NO TERRAFORM BINARY ON PATH: the module's expressions were NOT evaluated by Terraform "
            "(the proof below uses their Python mirror)"
        )
    body = ", ".join(f"{name} = {one_line(expression)}" for name, expression in expressions.items())
    result = subprocess.run(
        [terraform, "console"],
        input=f"jsonencode({{ {body} }})\n",
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={
            "HOME": str(cwd),
            "PATH": "/usr/bin:/bin",
            "TF_CLI_CONFIG_FILE": os.devnull,
            "CHECKPOINT_DISABLE": "1",
        },
    )
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(json.loads(result.stdout.strip().splitlines()[-1]))
    return values


def hcl(value: Any) -> str:
    """A Python value as an HCL literal (JSON is valid HCL for strings, lists, objects)."""
    return json.dumps(value)


# The policies, as main.tf renders and composes them -----------------------------------------------


def bedrock_model_arns(model_ids: Sequence[str]) -> list[str]:
    """main.tf local.bedrock_model_arns (compared with Terraform's value below)."""
    return [
        arn
        for model in model_ids
        for arn in (
            f"arn:{PARTITION}:bedrock:*::foundation-model/{model}",
            f"arn:{PARTITION}:bedrock:*:{ACCOUNT_ID}:inference-profile/*.{model}",
        )
    ]


def guardrail_arns(ids: Sequence[str]) -> list[str]:
    """main.tf local.guardrail_arns."""
    return [f"arn:{PARTITION}:bedrock:*:{ACCOUNT_ID}:guardrail/{i}" for i in ids]


_ECR = re.compile(r"^([0-9]{12})[.]dkr[.]ecr[.]([a-z0-9-]+)[.]amazonaws[.]com/([^:@]+)")


def ecr_repository_arns(images: Sequence[str]) -> list[str]:
    """main.tf local.ecr_repository_arns."""
    arns = []
    for image in images:
        match = _ECR.match(image)
        if match:
            arn = f"arn:{PARTITION}:ecr:{match[2]}:{match[1]}:repository/{match[3]}"
            if arn not in arns:
                arns.append(arn)
    return arns


@dataclass(frozen=True)
class Deployment:
    """The module's inputs that shape the policies."""

    bedrock_model_ids: tuple[str, ...] = tuple(BEDROCK_MODEL_IDS)
    guardrail_ids: tuple[str, ...] = (GUARDRAIL,)
    secrets: tuple[tuple[str, str], ...] = tuple(SECRETS.items())
    images: tuple[str, ...] = (AGENTGATEWAY_IMAGE, CONTROL_PLANE_IMAGE)


def log_group_arn(name: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/ecs/gw/{name}"


def policy_values(table_arn: str, key_arn: str, deployment: Deployment) -> dict[str, str]:
    """main.tf local.policy_variables for this test's resources."""
    return {
        "config_object_arn": f"arn:aws:s3:::{BUCKET}/{CONFIG_KEY}",
        "kms_key_arn": key_arn,
        "table_arn": table_arn,
        "bedrock_model_arns": json.dumps(bedrock_model_arns(deployment.bedrock_model_ids)),
        "guardrail_arns": json.dumps(guardrail_arns(deployment.guardrail_ids)),
        "access_log_group_arn": log_group_arn("agentgateway"),
        "sidecar_log_group_arn": log_group_arn("sidecars"),
        "provider_secret_arns": json.dumps([arn for _, arn in deployment.secrets]),
        "ecr_repository_arns": json.dumps(ecr_repository_arns(deployment.images)),
    }


def render_groups(values: Mapping[str, str]) -> dict[str, list[dict[str, Any]]]:
    """jsondecode(templatefile(iam_policies.json, values))."""
    groups: dict[str, list[dict[str, Any]]] = json.loads(
        render_text(values, POLICY_FILE.read_text(), PLACEHOLDERS)
    )
    return groups


def compose(
    groups: Mapping[str, list[dict[str, Any]]], deployment: Deployment
) -> dict[str, list[dict[str, Any]]]:
    """main.tf local.task_statements and local.execution_statements."""
    task = list(groups["task"])
    if deployment.bedrock_model_ids:
        task += groups["task_bedrock"]
    if deployment.guardrail_ids:
        task += groups["task_guardrails"]
    execution = list(groups["execution"])
    if deployment.secrets:
        execution += groups["execution_secrets"]
    if ecr_repository_arns(deployment.images):
        execution += groups["execution_ecr"]
    return {"task": task, "execution": execution}


def test_the_policy_file_is_one_template_for_terraform_and_python() -> None:
    text = POLICY_FILE.read_text()
    assert template_problems(text, PLACEHOLDERS) == []
    assert set(re.findall(r"\$\{(\w+)\}", text)) == PLACEHOLDERS
    # A list placeholder stands alone where a JSON value goes; a string one inside quotes.
    for name in PLACEHOLDERS:
        quoted = f'"${{{name}}}' in text
        assert quoted != (name in LISTS), name
    groups = render_groups(policy_values("arn:t", "arn:k", Deployment()))
    assert set(groups) == {
        "task",
        "task_bedrock",
        "task_guardrails",
        "execution",
        "execution_secrets",
        "execution_ecr",
    }
    for group, statements in groups.items():
        sids = [s["Sid"] for s in statements]
        assert len(set(sids)) == len(sids), group
        for statement in statements:
            assert statement_problems(statement) == [], (group, statement)
            assert not any("*" in action for action in statement["Action"]), statement
            resources = statement["Resource"]
            assert resources == "*" or resources, (group, statement)
            if resources == "*":
                # Only what has no resource-level permission may be granted on "*".
                assert statement["Action"] == ["ecr:GetAuthorizationToken"], statement


TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/gw-control-plane"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"


def module_references(deployment: Deployment) -> dict[str, str]:
    """main.tf's locals as Terraform computes them, for this deployment: their own source text,
    with the module's inputs and the resources' attributes as literals."""
    main = MODULE / "main.tf"
    locals_ = {
        f"local.{name}": local_source(main, name)
        for name in (
            "ecr_image",
            "bedrock_model_arns",
            "guardrail_arns",
            "ecr_repository_arns",
            "policy_variables",
            "policies",
            "task_statements",
            "execution_statements",
        )
    }
    return locals_ | {
        "local.partition": hcl(PARTITION),
        "local.account_id": hcl(ACCOUNT_ID),
        "local.config_object_arn": hcl(f"arn:aws:s3:::{BUCKET}/{CONFIG_KEY}"),
        "path.module": hcl(str(MODULE)),
        "var.kms_key_arn": hcl(KEY_ARN),
        "var.table_arn": hcl(TABLE_ARN),
        "var.bedrock_model_ids": hcl(list(deployment.bedrock_model_ids)),
        "var.bedrock_guardrail_ids": hcl(list(deployment.guardrail_ids)),
        "var.agentgateway_image": hcl(deployment.images[0]),
        "var.control_plane_image": hcl(deployment.images[1]),
        "var.provider_api_key_secret_arns": hcl(dict(deployment.secrets)),
        "aws_cloudwatch_log_group.access.arn": hcl(log_group_arn("agentgateway")),
        "aws_cloudwatch_log_group.sidecars.arn": hcl(log_group_arn("sidecars")),
    }


@pytest.mark.parametrize(
    "deployment",
    [
        Deployment(),
        Deployment(
            bedrock_model_ids=(),
            guardrail_ids=(),
            secrets=(),
            images=("ghcr.io/x:1", "ghcr.io/y:2"),
        ),
    ],
    ids=["everything", "nothing-optional"],
)
def test_terraform_renders_and_composes_the_policies_as_python_does(
    tmp_path: Path, deployment: Deployment
) -> None:
    references = module_references(deployment)
    names = (
        "bedrock_model_arns",
        "guardrail_arns",
        "ecr_repository_arns",
        "task_statements",
        "execution_statements",
    )
    values = terraform_values(
        {name: substitute(f"local.{name}", references) for name in names}, tmp_path
    )
    # THEN Terraform's ARNs and statements are the ones this proof runs the code under
    assert values["bedrock_model_arns"] == bedrock_model_arns(deployment.bedrock_model_ids)
    assert values["guardrail_arns"] == guardrail_arns(deployment.guardrail_ids)
    assert values["ecr_repository_arns"] == ecr_repository_arns(deployment.images)
    expected = compose(render_groups(policy_values(TABLE_ARN, KEY_ARN, deployment)), deployment)
    assert values["task_statements"] == expected["task"]
    assert values["execution_statements"] == expected["execution"]


# A day of the inference plane, under exactly those policies ---------------------------------------


class TaskRecorder(Recorder):
    """Every AWS call made while `active` is the task's, on whatever thread it runs (the budget
    check server decides on a thread pool, where the test's context variable is not set)."""

    active = False

    def check_call(self, client: BaseClient, operation: str, params: Mapping[str, Any]) -> None:
        if not self.active:
            return
        token = RUNNING.set("task")
        try:
            super().check_call(client, operation, params)
        finally:
            RUNNING.reset(token)


def control_plane_environment(
    table: str, pool_id: str, key_arn: str, issuer: str
) -> dict[str, str]:
    """The functions' environment (control_plane local.environment), which the budget check
    sidecar gets as is (module output `environment`), with this test's resources."""
    environment = {
        "GATEWAY_STORE": "dynamodb",
        "GATEWAY_TABLE_NAME": table,
        "GATEWAY_IDENTITY": "cognito",
        "GATEWAY_COGNITO_USER_POOL_ID": pool_id,
        "GATEWAY_ISSUER": issuer,
        "GATEWAY_TOKEN_ENDPOINT": "https://gw.auth.us-east-1.amazoncognito.com/oauth2/token",
        "GATEWAY_CONFIG_S3_BUCKET": BUCKET,
        "GATEWAY_CONFIG_S3_KEY": CONFIG_KEY,
        "GATEWAY_ALERT_SNS_TOPIC_ARN": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:gw-alerts",
        "GATEWAY_BUDGET_CHECK_FAIL_MODE": "open",
        "GATEWAY_BUDGET_CHECK_CACHE_TTL_SECONDS": "5",
        "GATEWAY_KMS_KEY_ID": key_arn,
        "GATEWAY_METRICS_SERVICE": "gw",
    }
    declared = set(
        re.findall(r"\b(GATEWAY_[A-Z0-9_]+)\s*=", local_source(LAMBDA_TF, "environment"))
    )
    assert declared - {"GATEWAY_FALLBACK_PRICE"} == set(environment), (
        "the control plane's environment changed: give the sidecar's proof the same settings"
    )
    return environment


def agentgateway_requests(document: Mapping[str, Any]) -> list[Request]:
    """What agentgateway does with the task role for the rendered config: Converse (InvokeModel),
    ConverseStream (InvokeModelWithResponseStream) and CountTokens on each Bedrock target
    (v1.4.1 crates/llm/src/bedrock.rs: /model/{model}/converse, /converse-stream,
    /count-tokens), on the inference profile and on the model in each region it routes to; and
    ApplyGuardrail on each Bedrock guardrail (llm/policy/bedrock_guardrails.rs)."""
    requests = []
    for found in _dicts(document):
        bedrock = found.get("bedrock")
        if isinstance(bedrock, dict) and "model" in bedrock:
            model, region = bedrock["model"], bedrock["region"]
            targets = [f"arn:aws:bedrock:{region}::foundation-model/{model}"]
            if model.startswith("us."):
                base = model.removeprefix("us.")
                targets = [f"arn:aws:bedrock:{region}:{ACCOUNT_ID}:inference-profile/{model}"]
                targets += [
                    f"arn:aws:bedrock:{r}::foundation-model/{base}" for r in PROFILE_REGIONS
                ]
            for action in ("InvokeModel", "InvokeModelWithResponseStream", "CountTokens"):
                why = f"agentgateway calls Bedrock {model} ({action})"
                requests += [Request(f"bedrock:{action}", arn, why=why) for arn in targets]
        guardrail = found.get("bedrockGuardrails")
        if isinstance(guardrail, dict):
            arn = (
                f"arn:aws:bedrock:{guardrail['region']}:{ACCOUNT_ID}:guardrail/"
                f"{guardrail['guardrailIdentifier']}"
            )
            requests.append(Request("bedrock:ApplyGuardrail", arn, why="agentgateway's guard"))
    return requests


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from _dicts(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _dicts(inner)


def ecs_requests(deployment: Deployment) -> list[Request]:
    """What ECS does with the execution role to start a task, read from ecs.tf's containers: pull
    each image that is in ECR, fetch the provider keys a container's `secrets` name, create and
    write each container's awslogs stream in the log group its options name."""
    groups = {"access": log_group_arn("agentgateway"), "sidecars": log_group_arn("sidecars")}
    images = {
        "${var.agentgateway_image}": deployment.images[0],
        "${var.control_plane_image}": deployment.images[1],
    }
    requests = []
    containers = _module_locals()["containers"]
    ecr = ecr_repository_arns([images[c["image"]] for c in containers])
    if ecr:
        requests.append(Request("ecr:GetAuthorizationToken", "*", why="ECS logs in to ECR"))
    for arn in ecr:
        for action in ("BatchGetImage", "GetDownloadUrlForLayer"):
            requests.append(Request(f"ecr:{action}", arn, why="ECS pulls the image"))
    for container in containers:
        name = container["name"]
        if "secrets" in container:
            assert "var.provider_api_key_secret_arns" in container["secrets"], container
            for variable, arn in deployment.secrets:
                why = f"ECS injects {variable} into {name}"
                requests.append(Request("secretsmanager:GetSecretValue", arn, why=why))
        options = container["logConfiguration"]["options"]
        group = re.search(r'"awslogs-group" = aws_cloudwatch_log_group[.](\w+)[.]name', options)
        assert container["logConfiguration"]["logDriver"] == "awslogs"
        assert group, options
        stream = f"{groups[group[1]]}:log-stream:{name}/{name}/0123456789abcdef"
        for action in ("CreateLogStream", "PutLogEvents"):
            requests.append(Request(f"logs:{action}", stream, why=f"awslogs of {name}"))
    return requests


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Day:
    policies: dict[str, list[dict[str, Any]]]
    recorder: TaskRecorder
    agentgateway: list[Request]
    ecs: list[Request]
    table_arn: str
    replies: list[dict[str, Any]]
    sync_outcomes: list[str]

    def decisions(self, role: str, statements: Sequence[Statement] | None = None) -> list[Decision]:
        policy = self.policies[role] if statements is None else statements
        return [decide(policy, r) for r in self.requests(role)]

    def requests(self, role: str) -> list[Request]:
        if role == "task":
            return [r.decision.request for r in self.recorder.of("task")] + self.agentgateway
        return self.ecs


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Day]:
    tmp = tmp_path_factory.mktemp("inference")
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            env.delenv(name, raising=False)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            env.setenv(name, "testing")
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.setenv("AWS_REGION", REGION)
        with mock_aws():
            yield live_a_day(tmp, env)


def live_a_day(tmp: Path, env: pytest.MonkeyPatch) -> Day:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    table = "gw-control-plane"
    create_table(dynamodb, table)
    table_arn = dynamodb.describe_table(TableName=table)["Table"]["TableArn"]
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool_id = cognito.create_user_pool(PoolName="gw")["UserPool"]["Id"]
    keys = tmp / "keys"
    keys.mkdir()
    issuer = TokenIssuer(
        load_or_create_signing_key(keys / "signing-key.pem"),
        f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}",
        3600,
        lambda: datetime.now(UTC),
    )
    (keys / "jwks.json").write_text(json.dumps(issuer.jwks()))
    environment = control_plane_environment(table, pool_id, key_arn, issuer.issuer)

    # The control plane, arranged through its own API (not under the task role): a team, a
    # rule with Bedrock targets (a cross-region profile and a model), a guardrail policy; the
    # config published to S3 as the Lambdas publish it (with the sidecar's URL in it).
    settings = Settings.from_env(
        {**environment, "AWS_REGION": REGION, "GATEWAY_DATA_DIR": str(tmp / "data")}
    ).with_(budget_check_url=f"http://127.0.0.1:8181{BUDGET_CHECK_PATH}")
    services = build_services(settings, store=DynamoDbStore(table, client=dynamodb))
    contract = load_contract()
    api = LambdaApi(Dispatcher(contract, bind(contract), services))
    registration = api.register_team("payments", tier="standard")
    client_id = registration["credentials"]["client_id"]
    assert api.post("/routing", RULE).status == 201
    assert api.post("/scanner", GUARDED).status == 201
    assert config_publisher.publish(services, s3_client=s3) is not None

    deployment = Deployment()
    policies = compose(render_groups(policy_values(table_arn, key_arn, deployment)), deployment)
    encrypted = {table_arn: key_arn, f"arn:aws:s3:::{BUCKET}": key_arn}
    recorder = TaskRecorder(policies, Account(ACCOUNT_ID, REGION, encrypted))
    destination = tmp / "volume" / "config.yaml"
    headers = {
        "authorization": f"Bearer {issuer.mint(client_id, [INVOKE_SCOPE])}",
        HEADER_CLIENT_ID: client_id,
        HEADER_MODEL: RULE["model"],
    }
    replies: list[dict[str, Any]] = []
    outcomes: list[str] = []
    # The sidecar's environment: the functions' (the task definition passes the module output
    # `environment` on). Where its keys come from (this test's, not Cognito's JWKS) and how long
    # it caches (not at all, so that the second call reads the store again) change no AWS call.
    environment |= {
        "GATEWAY_JWKS_URL": (keys / "jwks.json").as_uri(),
        "GATEWAY_BUDGET_CHECK_CACHE_TTL_SECONDS": "0",
    }
    for name, value in environment.items():
        env.setenv(name, value)
    with recorder.installed():
        # config-sync: the first round writes the published config, the next finds it current
        recorder.active = True
        sync = ConfigSync(
            S3Source(BUCKET, CONFIG_KEY, boto3.client("s3", region_name=REGION)), destination
        )
        outcomes += [sync.round().outcome, sync.round().outcome]
        # budget-check: the server as the task definition starts it (settings from the
        # environment), called as agentgateway calls it
        for url in served(create_budget_check_app(Settings.from_env())):
            replies.append(httpx.post(url, json={"body": {}}, headers=headers).json())
            # The team over its budget, with a model limit: the decision reads every item it can
            recorder.active = False
            overspend(api, services, registration)
            recorder.active = True
            replies.append(httpx.post(url, json={"body": {}}, headers=headers).json())
        recorder.active = False
    document = yaml.safe_load(destination.read_text())
    return Day(
        policies,
        recorder,
        agentgateway_requests(document),
        ecs_requests(deployment),
        table_arn,
        replies,
        outcomes,
    )


RULE: dict[str, Any] = {
    "model": "claude-sonnet-4",
    "strategy": "failover",
    "targets": [
        {"provider": "bedrock", "model": PROFILE, "region": REGION},
        {"provider": "bedrock", "model": MODEL, "region": "us-west-2"},
        {"provider": "anthropic", "model": "claude-sonnet-4-20250514"},
    ],
    "retry": {"attempts": 2, "on_status": [429, 503]},
}
GUARDED = {
    "name": "guarded",
    "applies_to": {"mode": "all"},
    "phase": "request",
    "detectors": [{"detector": "email", "action": "mask"}],
    "bedrock_guardrail": {
        "identifier": GUARDRAIL,
        "version": "1",
        "region": REGION,
        "mode": "block",
    },
}


def served(app: Any) -> Iterator[str]:
    """The budget check's URL while `app` runs under uvicorn on a free loopback port."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive(), "the budget check server stopped"
        assert time.monotonic() < deadline, "the budget check server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}{BUDGET_CHECK_PATH}"
    finally:
        server.should_exit = True
        thread.join(10)


def overspend(api: LambdaApi, services: Any, registration: Mapping[str, Any]) -> None:
    """Charge the team past its budget and give the budget a per-model limit."""
    now = services.now()
    spent = Counters(requests=1, input_tokens=1, output_tokens=1, cost_usd=Decimal(500))
    increment = UsageIncrement(
        registration["team"]["team_id"], "bedrock", MODEL, month_of(now), spent
    )
    services.ledger.apply("batch-1", [increment], at=isoformat(now))
    path = f"/budgets/{registration['budget_id']}"
    etag = api.get(path).headers["ETag"]
    limits = {"model_limits": [{"model": MODEL, "amount_usd": "10"}]}
    assert api.put(path, limits, headers={"If-Match": etag}).status == 200


def denial_report(denied: Sequence[Recorded | Decision]) -> str:
    return "requests the policy does not allow:\n" + "\n".join(
        f"  {d.request if isinstance(d, Decision) else d}" for d in denied
    )


def test_the_sidecars_did_their_jobs_under_the_task_role(day: Day) -> None:
    assert day.sync_outcomes == ["replaced", "unchanged"]
    assert day.replies[0]["action"] == {"reason": day.replies[0]["action"]["reason"]}
    assert day.replies[0]["action"]["reason"].startswith("within budget")
    assert day.replies[1]["action"]["status_code"] == 429
    calls = {r.call for r in day.recorder.of("task")}
    assert {"s3.GetObject", "dynamodb.GetItem", "dynamodb.Query"} <= calls, calls


@pytest.mark.parametrize("role", ["task", "execution"])
def test_the_policy_allows_everything_the_task_does(day: Day, role: str) -> None:
    assert day.requests(role)
    denied = [d for d in day.decisions(role) if not d.allowed]
    assert not denied, denial_report(denied)
    assert not day.recorder.denials(), denial_report(day.recorder.denials())


@pytest.mark.parametrize("role", ["task", "execution"])
def test_every_grant_is_used(day: Day, role: str) -> None:
    statements = day.policies[role]
    unused = grants(statements) - exercised(statements, day.decisions(role))
    assert not unused, f"{role} grants what nothing used: {sorted(unused)}"


@pytest.mark.parametrize("role", ["task", "execution"])
def test_without_any_one_grant_something_is_denied(day: Day, role: str) -> None:
    statements = day.policies[role]
    for index, action, _ in sorted(grants(statements)):
        weaker = [dict(s) for s in statements]
        weaker[index]["Action"] = [a for a in statements[index]["Action"] if a != action]
        if not weaker[index]["Action"]:
            del weaker[index]
        denied = [d for d in day.decisions(role, weaker) if not d.allowed]
        assert any(d.request.action.lower() == action.lower() for d in denied), (role, action)


def test_the_task_role_is_scoped(day: Day) -> None:
    task = day.policies["task"]

    def allowed(action: str, resource: str, **context: str) -> bool:
        return decide(task, Request(action, resource, tuple(context.items()))).allowed

    # Bedrock: the models routing may name, not others, not another account's profiles
    assert allowed("bedrock:InvokeModel", f"arn:aws:bedrock:eu-west-1::foundation-model/{MODEL}")
    assert not allowed(
        "bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"
    )
    other_account = f"arn:aws:bedrock:us-east-1:999999999999:inference-profile/{PROFILE}"
    assert not allowed("bedrock:InvokeModel", other_account)
    assert not allowed(
        "bedrock:CreateModelCustomizationJob",
        f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL}",
    )
    assert not allowed(
        "bedrock:ApplyGuardrail", f"arn:aws:bedrock:us-east-1:{ACCOUNT_ID}:guardrail/other"
    )
    # The store: read only; the config: this object only, never written
    for write in (
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Scan",
    ):
        assert not allowed(write, day.table_arn), write
    assert not allowed("s3:GetObject", f"arn:aws:s3:::{BUCKET}/other.yaml")
    assert not allowed("s3:PutObject", f"arn:aws:s3:::{BUCKET}/{CONFIG_KEY}")
    # The key: only through the two services
    key = next(s for s in task if s["Sid"] == "DecryptTheStoreThroughDynamoDB")["Resource"]
    assert not allowed("kms:Decrypt", key)
    assert allowed("kms:Decrypt", key, **{"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"})
    assert not allowed("kms:Decrypt", key, **{"kms:ViaService": "sqs.us-east-1.amazonaws.com"})


def test_the_execution_role_is_scoped(day: Day) -> None:
    execution = day.policies["execution"]
    other_secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:gw/gemini-MnOpQr"
    assert not decide(execution, Request("secretsmanager:GetSecretValue", other_secret)).allowed
    other_repo = f"arn:aws:ecr:{REGION}:{ACCOUNT_ID}:repository/someone-else"
    assert not decide(execution, Request("ecr:BatchGetImage", other_repo)).allowed
    other_group = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/aws/lambda/x:log-stream:y"
    assert not decide(execution, Request("logs:PutLogEvents", other_group)).allowed


def test_a_model_arn_pattern_covers_each_geography_prefix_but_not_other_models() -> None:
    resources = bedrock_model_arns(BEDROCK_MODEL_IDS)
    for prefix in ("us", "eu", "apac", "global"):
        arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT_ID}:inference-profile/{prefix}.{MODEL}"
        assert any(arn_matches(r, arn) for r in resources), prefix
    profile = f"arn:aws:bedrock:us-east-1:{ACCOUNT_ID}:inference-profile/us.meta.llama3-70b"
    assert not any(arn_matches(r, profile) for r in resources)


# What ties the module to the code ----------------------------------------------------------------


def _module_locals() -> dict[str, Any]:
    """The module's locals as python-hcl2 reads them, string literals unquoted."""
    merged: dict[str, Any] = {}
    for path in sorted(MODULE.glob("*.tf")):
        for block in _load(path).get("locals", []):
            merged |= {k: _unquoted(v) for k, v in block.items() if not k.startswith("__")}
    return merged


def _unquoted(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 1 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [_unquoted(v) for v in value]
    if isinstance(value, dict):
        return {_unquoted(k): _unquoted(v) for k, v in value.items() if not k.startswith("__")}
    return value


def test_the_alb_forwards_exactly_the_paths_the_render_routes() -> None:
    paths = _module_locals()["llm_paths"]
    routed = {render.CHAT_PATH, render.MESSAGES_PATH, render.COUNT_TOKENS_PATH, render.MODELS_PATH}
    assert set(paths) == {p + suffix for p in routed for suffix in ("", "/")}
    for path in paths:
        llm = re.fullmatch(render.LLM_PATHS, path)
        models = path.rstrip("/") == render.MODELS_PATH
        assert llm or models, path
    # and an ALB rule takes at most five condition values
    assert "chunklist(local.llm_paths, 4)" in _module_locals()["path_rules"]


def test_ports_and_the_budget_check_url_are_the_renders() -> None:
    found = _module_locals()
    assert (
        found["agentgateway_port"]
        == Settings().agentgateway_port
        == render.RenderSettings().listen_port
    )
    assert found["agentgateway_ready_port"] == 15021  # agentgateway's default readiness address
    assert (
        found["budget_check_url"]
        == "http://127.0.0.1:${local.budget_check_port}" + BUDGET_CHECK_PATH
    )
    assert isinstance(found["budget_check_port"], int)
    assert (
        inspect.signature(serve_budget_check).parameters["port"].default
        == found["budget_check_port"]
    )


def test_provider_variables_are_the_ones_the_render_reads() -> None:
    # The names the module's variables accept (their validations) ...
    accepted = {
        name: json.loads(
            re.search(
                rf'variable "{name}".*?contains\((\[[^\]]*\]), name\)',
                (MODULE / "variables.tf").read_text(),
                re.DOTALL,
            )[1]
        )
        for name in ("provider_api_key_secret_arns", "agentgateway_environment")
    }
    # ... are the `${VAR}` references the render writes for API keys and the other settings
    defaults = render.RenderSettings()
    assert accepted["provider_api_key_secret_arns"] == [
        defaults.openai_api_key_env,
        defaults.anthropic_api_key_env,
        defaults.gemini_api_key_env,
        defaults.azure_api_key_env,
    ]
    assert accepted["agentgateway_environment"] == [
        defaults.azure_resource_env,
        defaults.vertex_project_env,
    ]


def test_the_containers_run_the_sidecar_commands_with_their_entry_functions() -> None:
    containers = _module_locals()["containers"]
    text = json.dumps(containers)
    commands = {c["name"]: c["command"] for c in containers}
    assert commands["config-sync"][:2] == ["config", "sync"]
    assert {"--from", "--to", "--interval"} <= set(commands["config-sync"])
    assert commands["budget-check"][:3] == ["budget-check", "serve", "--port"]
    assert commands["agentgateway"] == ["-f", "${local.config_file}"]
    parameters = inspect.signature(sync_config).parameters
    assert {"source", "destination", "interval"} <= set(parameters)
    assert "control_plane_environment" in text  # the budget check reads the store as the Lambdas do


def test_the_release_and_its_pin_are_evaluated_by_terraform(tmp_path: Path) -> None:
    root = INFRA / "main.tf"
    release_expression = substitute(
        local_source(root, "agentgateway_release"), {"local.repository": hcl(str(ROOT))}
    )
    precondition = re.search(
        r"condition\s*=\s*(can\(regex\(.*agentgateway_image\)\))", (MODULE / "ecs.tf").read_text()
    )
    assert precondition
    images = {
        "tag": AGENTGATEWAY_IMAGE,
        "digest": f"{AGENTGATEWAY_IMAGE}@sha256:{'a' * 64}",
        "mirror": f"{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/agw:{render.AGENTGATEWAY_RELEASE}",
        "newer": "ghcr.io/agentgateway/agentgateway:v9.0.0",
        "latest": "ghcr.io/agentgateway/agentgateway:latest",
        "lookalike": f"ghcr.io/agentgateway/agentgateway:{render.AGENTGATEWAY_RELEASE}1",
    }
    checks = {
        name: substitute(
            precondition[1],
            {
                "var.agentgateway_release": hcl(render.AGENTGATEWAY_RELEASE),
                "var.agentgateway_image": hcl(image),
            },
        )
        for name, image in images.items()
    }
    values = terraform_values({"release": release_expression, **checks}, tmp_path)
    assert values.pop("release") == render.AGENTGATEWAY_RELEASE
    assert values == {
        "tag": True,
        "digest": True,
        "mirror": True,
        "newer": False,
        "latest": False,
        "lookalike": False,
    }
    assert (
        f"release tag **{render.AGENTGATEWAY_RELEASE}**"
        in (ROOT / "controlplane" / "agentgateway" / "PROVENANCE.md").read_text()
    )


def test_the_root_wires_the_plane_to_the_control_plane() -> None:
    root = (INFRA / "main.tf").read_text()
    control_plane = block_source(root, 'module "control_plane"')
    inference = block_source(root, 'module "inference"')
    # usage_ingest subscribes to agentgateway's access log, the render calls the sidecar
    assert (
        "agentgateway_log_group_name = var.enable_inference_plane ? "
        "module.inference[0].access_log_group_name : var.agentgateway_log_group_name"
    ) in re.sub(r"\s+", " ", control_plane)
    assert (
        "budget_check_url = var.enable_inference_plane ? "
        "module.inference[0].budget_check_url : null"
    ) in re.sub(r"\s+", " ", control_plane)
    assert "count = var.enable_inference_plane ? 1 : 0" in re.sub(r"\s+", " ", inference)
    assert "control_plane_environment = module.control_plane.environment" in re.sub(
        r"\s+", " ", inference
    )


@pytest.mark.parametrize("example", ["dev", "prod"])
def test_examples_show_the_inference_settings(example: str) -> None:
    text = (INFRA / "examples" / f"{example}.tfvars").read_text()
    for name in (
        "enable_inference_plane",
        "inference_vpc_id",
        "inference_certificate_arn",
        "control_plane_image",
    ):
        assert name in text, (example, name)
