"""The same operations on the AWS adapters: DynamoDB for the store and Cognito for identity
(both through moto), and the local server run with `--store dynamodb`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from starlette.testclient import TestClient

from controlplane.adapters.local import create_app, open_control_plane
from controlplane.api.contract import load_contract
from controlplane.api.dispatch import Dispatcher
from controlplane.api.operations import bind
from controlplane.identity.cognito import CognitoIdentityProvider
from controlplane.services import build_services
from controlplane.settings import Settings
from tests.conftest import LambdaApi

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


@pytest.fixture
def user_pool(aws: None) -> tuple[Any, str]:
    client = boto3.client("cognito-idp", region_name=REGION)
    pool_id = client.create_user_pool(PoolName="gateway")["UserPool"]["Id"]
    client.create_resource_server(
        UserPoolId=pool_id,
        Identifier="https://gateway.internal",
        Name="gateway",
        Scopes=[
            {"ScopeName": "admin", "ScopeDescription": "administer"},
            {"ScopeName": "invoke", "ScopeDescription": "call models"},
        ],
    )
    return client, pool_id


def test_team_lifecycle_on_dynamodb_and_cognito(
    settings: Settings, user_pool: tuple[Any, str]
) -> None:
    cognito, pool_id = user_pool
    aws_settings = settings.with_(
        store="dynamodb",
        identity="cognito",
        create_table=True,
        cognito_user_pool_id=pool_id,
        token_endpoint="https://auth.example.com/oauth2/token",
    )
    services = build_services(aws_settings)
    assert isinstance(services.identity, CognitoIdentityProvider)
    contract = load_contract()
    api = LambdaApi(Dispatcher(contract, bind(contract), services))
    # WHEN a team registers
    registration = api.register_team("payments")
    client_id = registration["credentials"]["client_id"]
    # THEN Cognito has its app client, with the invoke scope only
    described = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    assert described["UserPoolClient"]["AllowedOAuthScopes"] == ["https://gateway.internal/invoke"]
    assert registration["credentials"]["token_endpoint"] == "https://auth.example.com/oauth2/token"
    # AND the team and its budget are in DynamoDB
    team_id = registration["team"]["team_id"]
    assert api.get(f"/teams/{team_id}").status == 200
    assert (
        api.post(
            "/teams", {"name": "payments", "contact_email": "x@example.com", "tier": "sandbox"}
        ).status
        == 409
    )
    # WHEN it is deregistered, the app client goes too
    assert api.delete(f"/teams/{team_id}").status == 204
    with pytest.raises(cognito.exceptions.ResourceNotFoundException):
        cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    # AND no app client is left in the pool
    names = [
        c["ClientName"]
        for c in cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)[
            "UserPoolClients"
        ]
    ]
    assert names == []


def test_local_server_on_dynamodb(settings: Settings, aws: None) -> None:
    plane = open_control_plane(settings.with_(store="dynamodb", create_table=True))
    client = TestClient(create_app(plane))
    token = client.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": plane.admin.client_id,
            "client_secret": plane.admin.client_secret,
        },
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(
        "/teams",
        json={"name": "payments", "contact_email": "p@example.com", "tier": "premium"},
        headers=headers,
    )
    assert created.status_code == 201
    teams = client.get("/teams", headers=headers).json()["items"]
    assert [t["name"] for t in teams] == ["payments"]
    # AND the team lives in the DynamoDB table
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    stored = dynamodb.get_item(
        TableName=settings.full_table_name,
        Key={"pk": {"S": "TEAM"}, "sk": {"S": teams[0]["team_id"]}},
    )
    assert "Item" in stored


def test_a_replayed_registration_on_aws_is_sealed_with_kms(
    settings: Settings, user_pool: tuple[Any, str]
) -> None:
    # GIVEN the AWS deployment's settings: DynamoDB, Cognito and the KMS key that seals
    _, pool_id = user_pool
    key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["KeyId"]
    aws_settings = settings.with_(
        store="dynamodb",
        identity="cognito",
        create_table=True,
        cognito_user_pool_id=pool_id,
        kms_key_id=key_id,
    )
    contract = load_contract()

    def container() -> LambdaApi:
        """A Lambda container: its own services, so its own data-key cache."""
        return LambdaApi(Dispatcher(contract, bind(contract), build_services(aws_settings)))

    team = {"name": "payments", "contact_email": "p@example.com", "tier": "sandbox"}
    headers = {"Idempotency-Key": "register-payments"}
    first = container().post("/teams", team, headers=headers)
    secret = first.body["credentials"]["client_secret"]
    # WHEN another container replays the registration
    again = container().post("/teams", team, headers=headers)
    # THEN it gives the same secret (KMS opened the data key)
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.body == first.body
    # AND the table holds the answer sealed under KMS, never the secret in the clear
    items = boto3.client("dynamodb", region_name=REGION).scan(
        TableName=aws_settings.full_table_name
    )["Items"]
    assert secret not in json.dumps(items)
    (record,) = [i for i in items if i["pk"]["S"] == "IDEMPOTENCY"]
    assert json.loads(record["data"]["S"])["sealed"].startswith("v1.kms.")
