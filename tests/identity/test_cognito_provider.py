"""CognitoIdentityProvider against moto's Cognito, and against botocore's Stubber for the secret
rotation APIs (AddUserPoolClientSecret & co.), which moto 5.2.5 does not implement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.stub import Stubber
from moto import mock_aws

from controlplane.errors import NotFound, Unavailable, Unprocessable
from controlplane.identity.cognito import CognitoIdentityProvider

REGION = "us-east-1"
RESOURCE_SERVER = "https://gateway.internal"
INVOKE = f"{RESOURCE_SERVER}/invoke"
ADMIN = f"{RESOURCE_SERVER}/admin"
TOKEN_ENDPOINT = "https://auth.example.com/oauth2/token"

# Stubber tests never reach AWS; the ids only have to satisfy Cognito's patterns.
POOL_ID = "us-east-1_AbCdEf123"
CLIENT_ID = "3n4b5urk1ft4fl3mg5e62d9ado"
OLD_ID = f"{CLIENT_ID}--1700000000000"
ORPHAN_ID = f"{CLIENT_ID}--1700000500000"
NEW_ID = f"{CLIENT_ID}--1700001000000"
NEW_SECRET = "n3wS3cr3tValueGeneratedByCognito0123456789"


@pytest.fixture(scope="module", autouse=True)
def fake_aws_credentials() -> Iterator[None]:
    """Fake credentials, so nothing here can reach (or be billed by) a real AWS account."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
        yield


# moto ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cognito() -> Iterator[tuple[Any, str]]:
    """A moto user pool with the gateway's resource server (scopes admin and invoke).

    One pool for the module (moto takes ~0.3 s to create one); tests only look at the clients
    they create themselves.
    """
    with mock_aws():
        client = boto3.client("cognito-idp", region_name=REGION)
        pool_id = client.create_user_pool(PoolName="gateway")["UserPool"]["Id"]
        client.create_resource_server(
            UserPoolId=pool_id,
            Identifier=RESOURCE_SERVER,
            Name="gateway",
            Scopes=[
                {"ScopeName": "admin", "ScopeDescription": "administer the gateway"},
                {"ScopeName": "invoke", "ScopeDescription": "call models"},
            ],
        )
        yield client, pool_id


def _client_count(client: Any, pool_id: str) -> int:
    return len(client.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"])


@pytest.fixture
def provider(cognito: tuple[Any, str]) -> CognitoIdentityProvider:
    client, pool_id = cognito
    return CognitoIdentityProvider(pool_id, TOKEN_ENDPOINT, client=client)


def test_create_client_issues_a_client_credentials_client_with_only_the_invoke_scope(
    cognito: tuple[Any, str], provider: CognitoIdentityProvider
) -> None:
    client, pool_id = cognito
    # GIVEN a pool whose resource server has the scopes admin and invoke
    # WHEN a team client is created with the invoke scope
    issued = provider.create_client("team-payments-platform", [INVOKE])
    # THEN it has an id and a secret, and the app client is a client-credentials client
    # allowed exactly the invoke scope, with the secret Cognito generated
    assert issued.client_id
    assert issued.client_secret
    assert issued.scopes == (INVOKE,)
    app = client.describe_user_pool_client(UserPoolId=pool_id, ClientId=issued.client_id)[
        "UserPoolClient"
    ]
    assert app["ClientSecret"] == issued.client_secret
    assert app["AllowedOAuthFlows"] == ["client_credentials"]
    assert app["AllowedOAuthFlowsUserPoolClient"] is True
    assert app["AllowedOAuthScopes"] == [INVOKE]
    assert ADMIN not in app["AllowedOAuthScopes"]
    assert app["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]
    assert app["AccessTokenValidity"] == 60
    assert app["TokenValidityUnits"] == {"AccessToken": "minutes"}
    assert app["PreventUserExistenceErrors"] == "ENABLED"
    assert app["EnableTokenRevocation"] is True
    assert provider.token_endpoint == TOKEN_ENDPOINT


def test_delete_client_removes_the_app_client_and_a_second_delete_is_fine(
    cognito: tuple[Any, str], provider: CognitoIdentityProvider
) -> None:
    client, pool_id = cognito
    # GIVEN an existing team client
    issued = provider.create_client("team-payments-platform", [INVOKE])
    # WHEN it is deleted
    provider.delete_client(issued.client_id)
    # THEN Cognito no longer knows it
    with pytest.raises(ClientError) as raised:
        client.describe_user_pool_client(UserPoolId=pool_id, ClientId=issued.client_id)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # AND deleting it again (an interrupted deregistration retried) is not an error
    provider.delete_client(issued.client_id)


@pytest.mark.parametrize(
    "name",
    ["team-payments-platform", "a", "x" * 128, "Team Payments + ops=1,v2.0@eu_west"],
)
def test_client_names_that_cognito_accepts_are_used_as_is(
    cognito: tuple[Any, str], provider: CognitoIdentityProvider, name: str
) -> None:
    client, pool_id = cognito
    # GIVEN a name within Cognito's ClientName rules (1-128 chars of [\w\s+=,.@-])
    # WHEN a client is created with it
    issued = provider.create_client(name, [INVOKE])
    # THEN the app client carries that name
    app = client.describe_user_pool_client(UserPoolId=pool_id, ClientId=issued.client_id)
    assert app["UserPoolClient"]["ClientName"] == name


@pytest.mark.parametrize("name", ["", "x" * 129, "team/payments", "équipe-paiements", "team:a"])
def test_client_names_that_cognito_would_reject_are_refused_before_any_call(
    cognito: tuple[Any, str], provider: CognitoIdentityProvider, name: str
) -> None:
    client, pool_id = cognito
    # GIVEN a name outside Cognito's ClientName rules (moto would accept it; Cognito would not)
    before = _client_count(client, pool_id)
    # WHEN a client is created with it
    with pytest.raises(Unprocessable) as raised:
        provider.create_client(name, [INVOKE])
    # THEN the error names the field, and no app client was created
    assert [problem.field for problem in raised.value.errors] == ["name"]
    assert _client_count(client, pool_id) == before


def test_a_user_pool_that_does_not_exist_gives_domain_errors_not_botocore_ones(
    cognito: tuple[Any, str],
) -> None:
    client, _ = cognito
    # GIVEN a provider configured with a user pool id that does not exist
    provider = CognitoIdentityProvider("us-east-1_doesnotexist", TOKEN_ENDPOINT, client=client)
    # WHEN a client is created THEN the adapter raises Unavailable (chained to the ClientError)
    with pytest.raises(Unavailable) as raised:
        provider.create_client("team-payments-platform", [INVOKE])
    assert isinstance(raised.value.__cause__, ClientError)
    assert "us-east-1_doesnotexist" in raised.value.detail
    # WHEN a client is deleted THEN it is not taken for "already deleted": Unavailable
    with pytest.raises(Unavailable):
        provider.delete_client(CLIENT_ID)
    # WHEN a secret is rotated THEN it is Unavailable, not NotFound
    with pytest.raises(Unavailable):
        provider.rotate_secret(CLIENT_ID)


def test_rotating_the_secret_of_an_unknown_client_is_not_found(
    provider: CognitoIdentityProvider,
) -> None:
    # GIVEN a pool without that client
    # WHEN its secret is rotated THEN NotFound (moto stops at describe_user_pool_client)
    with pytest.raises(NotFound):
        provider.rotate_secret(CLIENT_ID)


# Stubber ---------------------------------------------------------------------------------------


@pytest.fixture
def stubbed() -> Iterator[tuple[CognitoIdentityProvider, Stubber]]:
    """A provider over a real boto3 client whose calls are answered by a Stubber, in order."""
    client = boto3.client("cognito-idp", region_name=REGION)
    with Stubber(client) as stubber:
        yield CognitoIdentityProvider(POOL_ID, TOKEN_ENDPOINT, client=client), stubber
        stubber.assert_no_pending_responses()


def _at(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


def _secret(secret_id: str) -> dict[str, Any]:
    return {"ClientSecretId": secret_id, "ClientSecretCreateDate": _at(int(secret_id[-13:]))}


def _client_params() -> dict[str, str]:
    return {"UserPoolId": POOL_ID, "ClientId": CLIENT_ID}


def _expect_describe(stubber: Stubber, scopes: list[str]) -> None:
    stubber.add_response(
        "describe_user_pool_client",
        {
            "UserPoolClient": {
                "UserPoolId": POOL_ID,
                "ClientId": CLIENT_ID,
                "ClientName": "team-payments-platform",
                "AllowedOAuthFlows": ["client_credentials"],
                "AllowedOAuthScopes": scopes,
            }
        },
        _client_params(),
    )


def _expect_list(stubber: Stubber, *secret_ids: str) -> None:
    stubber.add_response(
        "list_user_pool_client_secrets",
        {"ClientSecrets": [_secret(secret_id) for secret_id in secret_ids]},
        _client_params(),
    )


def _expect_add(stubber: Stubber) -> None:
    stubber.add_response(
        "add_user_pool_client_secret",
        {
            "ClientSecretDescriptor": {
                "ClientSecretId": NEW_ID,
                "ClientSecretValue": NEW_SECRET,
                "ClientSecretCreateDate": _at(1700001000000),
            }
        },
        _client_params(),  # no ClientSecret: Cognito generates it
    )


def _expect_delete_secret(stubber: Stubber, secret_id: str) -> None:
    stubber.add_response(
        "delete_user_pool_client_secret", {}, {**_client_params(), "ClientSecretId": secret_id}
    )


def test_rotate_returns_the_new_secret_and_deletes_every_other_one(
    stubbed: tuple[CognitoIdentityProvider, Stubber],
) -> None:
    provider, stubber = stubbed
    # GIVEN a client with one secret and the invoke scope
    _expect_describe(stubber, [INVOKE])
    _expect_list(stubber, OLD_ID)
    # WHEN its secret is rotated
    # THEN Cognito generates a new secret, and only the old one is deleted (the newest is not:
    # the Stubber fails on any call other than the ones queued, in this order)
    _expect_add(stubber)
    _expect_list(stubber, OLD_ID, NEW_ID)
    _expect_delete_secret(stubber, OLD_ID)
    issued = provider.rotate_secret(CLIENT_ID)
    # AND the newly added value is returned with the client's scopes
    assert issued.client_id == CLIENT_ID
    assert issued.client_secret == NEW_SECRET
    assert issued.scopes == (INVOKE,)


def test_an_interrupted_rotation_raises_unavailable_and_a_retry_converges(
    stubbed: tuple[CognitoIdentityProvider, Stubber],
) -> None:
    provider, stubber = stubbed
    # GIVEN a rotation whose new secret (ORPHAN_ID) was added but deleting the old one failed
    _expect_describe(stubber, [INVOKE])
    _expect_list(stubber, OLD_ID)
    stubber.add_response(
        "add_user_pool_client_secret",
        {"ClientSecretDescriptor": {**_secret(ORPHAN_ID), "ClientSecretValue": "x" * 40}},
        _client_params(),
    )
    _expect_list(stubber, OLD_ID, ORPHAN_ID)
    stubber.add_client_error(
        "delete_user_pool_client_secret",
        service_error_code="InternalErrorException",
        http_status_code=500,
        expected_params={**_client_params(), "ClientSecretId": OLD_ID},
    )
    # WHEN the rotation runs THEN it raises Unavailable and makes no further call
    with pytest.raises(Unavailable) as raised:
        provider.rotate_secret(CLIENT_ID)
    assert isinstance(raised.value.__cause__, ClientError)
    assert raised.value.__cause__.response["Error"]["Code"] == "InternalErrorException"
    stubber.assert_no_pending_responses()

    # GIVEN the client now holds two secrets (Cognito's maximum): the old one and the orphan
    _expect_describe(stubber, [INVOKE])
    _expect_list(stubber, ORPHAN_ID, OLD_ID)
    # WHEN the rotation is retried
    # THEN it first deletes the newer one (the orphan nobody holds) to make room, adds a new
    # secret, then deletes every secret other than the new one
    _expect_delete_secret(stubber, ORPHAN_ID)
    _expect_add(stubber)
    _expect_list(stubber, OLD_ID, NEW_ID)
    _expect_delete_secret(stubber, OLD_ID)
    issued = provider.rotate_secret(CLIENT_ID)
    assert issued.client_secret == NEW_SECRET


def test_a_secret_vanishing_mid_rotation_is_unavailable_not_not_found(
    stubbed: tuple[CognitoIdentityProvider, Stubber],
) -> None:
    provider, stubber = stubbed
    # GIVEN a rotation whose old secret is deleted concurrently (another rotation) before its own
    # delete reaches Cognito
    _expect_describe(stubber, [INVOKE])
    _expect_list(stubber, OLD_ID)
    _expect_add(stubber)
    _expect_list(stubber, OLD_ID, NEW_ID)
    stubber.add_client_error(
        "delete_user_pool_client_secret",
        service_error_code="ResourceNotFoundException",
        expected_params={**_client_params(), "ClientSecretId": OLD_ID},
    )
    # WHEN the rotation runs THEN it is Unavailable (retry it), not a NotFound about the client
    with pytest.raises(Unavailable):
        provider.rotate_secret(CLIENT_ID)


def test_rotating_the_secret_of_an_unknown_client_raises_not_found(
    stubbed: tuple[CognitoIdentityProvider, Stubber],
) -> None:
    provider, stubber = stubbed
    # GIVEN Cognito does not know the client, but the user pool exists
    stubber.add_client_error(
        "describe_user_pool_client",
        service_error_code="ResourceNotFoundException",
        expected_params=_client_params(),
    )
    stubber.add_response(
        "describe_user_pool", {"UserPool": {"Id": POOL_ID}}, {"UserPoolId": POOL_ID}
    )
    # WHEN its secret is rotated THEN NotFound, and no secret was listed, added or deleted
    with pytest.raises(NotFound):
        provider.rotate_secret(CLIENT_ID)


def test_a_client_id_cognito_could_not_have_issued_makes_no_call(
    stubbed: tuple[CognitoIdentityProvider, Stubber],
) -> None:
    provider, _ = stubbed
    # GIVEN an id outside Cognito's ClientId pattern and no queued response
    # WHEN it is deleted THEN nothing happens; WHEN it is rotated THEN NotFound
    provider.delete_client("not/a client")
    with pytest.raises(NotFound):
        provider.rotate_secret("")


@pytest.mark.parametrize("code", ["TooManyRequestsException", "LimitExceededException"])
def test_throttling_is_unavailable(
    stubbed: tuple[CognitoIdentityProvider, Stubber], code: str
) -> None:
    provider, stubber = stubbed
    # GIVEN Cognito throttles the first call of a rotation
    stubber.add_client_error("describe_user_pool_client", service_error_code=code)
    # WHEN the secret is rotated THEN Unavailable says so
    with pytest.raises(Unavailable) as raised:
        provider.rotate_secret(CLIENT_ID)
    assert "throttling" in raised.value.detail


def test_other_client_errors_are_unavailable(
    stubbed: tuple[CognitoIdentityProvider, Stubber],
) -> None:
    provider, stubber = stubbed
    # GIVEN Cognito refuses to create the client (e.g. a scope the resource server lacks)
    stubber.add_client_error(
        "create_user_pool_client", service_error_code="ScopeDoesNotExistException"
    )
    # WHEN a client is created THEN Unavailable names the error code
    with pytest.raises(Unavailable) as raised:
        provider.create_client("team-payments-platform", [f"{RESOURCE_SERVER}/nope"])
    assert "ScopeDoesNotExistException" in raised.value.detail


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="https://cognito-idp.us-east-1.amazonaws.com/"),
        ConnectTimeoutError(endpoint_url="https://cognito-idp.us-east-1.amazonaws.com/"),
        ReadTimeoutError(endpoint_url="https://cognito-idp.us-east-1.amazonaws.com/"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_connection_errors_are_unavailable(error: BotoCoreError) -> None:
    # GIVEN a real boto3 client (no retries) whose every request fails before reaching Cognito
    client = boto3.client(
        "cognito-idp", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )

    def fail(**_: Any) -> None:
        raise error

    client.meta.events.register_first("before-send.cognito-idp", fail)  # before moto's
    provider = CognitoIdentityProvider(POOL_ID, TOKEN_ENDPOINT, client=client)
    # WHEN each operation runs THEN it raises Unavailable chained to the botocore error
    for operation in (
        lambda: provider.create_client("team-payments-platform", [INVOKE]),
        lambda: provider.delete_client(CLIENT_ID),
        lambda: provider.rotate_secret(CLIENT_ID),
    ):
        with pytest.raises(Unavailable) as raised:
            operation()
        assert raised.value.__cause__ is error
