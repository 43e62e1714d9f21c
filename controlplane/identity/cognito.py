"""`CognitoIdentityProvider`: team clients as app clients of a Cognito user pool, through boto3.

Every client is a confidential app client allowed only the `client_credentials` grant and the
scopes it is given (custom scopes of the gateway's resource server, e.g.
`https://gateway.internal/invoke`). Cognito generates every secret; this adapter never chooses one.

Errors: nothing from botocore leaves this module. Throttling, unreachable or slow endpoints, and
any other refusal from Cognito become `Unavailable` (503); an unknown client on rotation becomes
`NotFound` (404); a client name Cognito would reject becomes `Unprocessable` (422) before any call.

IAM: the role needs `cognito-idp:CreateUserPoolClient`, `DeleteUserPoolClient`,
`DescribeUserPoolClient`, `ListUserPoolClientSecrets`, `AddUserPoolClientSecret`,
`DeleteUserPoolClientSecret` and `DescribeUserPool` on the pool. `DescribeUserPool` is only called
after a `ResourceNotFoundException`, to tell a missing client (fine to delete, 404 to rotate)
from a missing or mistyped user pool (a configuration error, never reported as success).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from controlplane.errors import DomainError, NotFound, Unavailable, Unprocessable, field_error
from controlplane.identity.port import ClientSummary, IssuedClient

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.client import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import ClientSecretDescriptorTypeTypeDef

log = logging.getLogger(__name__)

# Cognito's own constraints (CreateUserPoolClient.ClientName, *.ClientId). Cognito evaluates them
# as Java regular expressions, where \w and \s are ASCII-only: hence re.ASCII.
_CLIENT_NAME = re.compile(r"[\w\s+=,.@-]{1,128}", re.ASCII)
_CLIENT_ID = re.compile(r"[\w+]{1,128}", re.ASCII)

_THROTTLING = frozenset({"TooManyRequestsException", "LimitExceededException"})
_NOT_FOUND = "ResourceNotFoundException"

# AddUserPoolClientSecret: "Supports up to 2 active secrets per app client".
_MAX_SECRETS = 2
_EPOCH = datetime.min.replace(tzinfo=UTC)

# Only for the client this adapter builds itself; an injected client keeps its own settings.
# Short timeouts so an API request fails with 503 well before an API Gateway/Lambda timeout.
_BOTO_CONFIG = Config(
    connect_timeout=3,
    read_timeout=10,
    retries={"mode": "standard", "max_attempts": 3},
)

_Failure = ClientError | BotoCoreError


class CognitoIdentityProvider:
    """The identity provider port over the app clients of one Cognito user pool."""

    def __init__(
        self,
        user_pool_id: str,
        token_endpoint: str,
        *,
        client: CognitoIdentityProviderClient | None = None,
        region: str = "us-east-1",
    ) -> None:
        self.user_pool_id = user_pool_id
        self.token_endpoint = token_endpoint
        self._client: CognitoIdentityProviderClient = (
            client
            if client is not None
            else boto3.client("cognito-idp", region_name=region, config=_BOTO_CONFIG)
        )

    # The port -----------------------------------------------------------------------------------

    def create_client(self, name: str, scopes: Sequence[str]) -> IssuedClient:
        """A new app client with a Cognito-generated secret, allowed only `scopes`.

        Cognito app client names are not unique, so a retry after a timeout (whose outcome is
        unknown) may leave an orphan client behind; it holds no secret anyone knows.
        """
        if not _CLIENT_NAME.fullmatch(name):
            raise field_error(
                Unprocessable,
                "name",
                "must be 1-128 characters among letters, digits, spaces and _+=,.@-",
            )
        granted = tuple(scopes)
        try:
            response = self._client.create_user_pool_client(
                UserPoolId=self.user_pool_id,
                ClientName=name,
                GenerateSecret=True,
                AllowedOAuthFlows=["client_credentials"],
                AllowedOAuthFlowsUserPoolClient=True,
                AllowedOAuthScopes=list(granted),
                # Left out, Cognito enables ALLOW_USER_SRP_AUTH and ALLOW_CUSTOM_AUTH as well;
                # given, it must contain ALLOW_REFRESH_TOKEN_AUTH ("REFRESH_TOKEN_AUTH should
                # always be allowed"). So this is the smallest set Cognito accepts. The
                # client_credentials grant issues no refresh token, so it grants nothing.
                ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"],
                AccessTokenValidity=60,
                TokenValidityUnits={"AccessToken": "minutes"},
                PreventUserExistenceErrors="ENABLED",
                EnableTokenRevocation=True,
            )
        except (ClientError, BotoCoreError) as error:
            raise self._domain_error(error, "create an app client") from error
        created = response["UserPoolClient"]
        client_id, secret = created.get("ClientId"), created.get("ClientSecret")
        if not client_id or not secret:
            raise Unavailable(detail="Cognito created an app client but returned no id or secret.")
        return IssuedClient(client_id=client_id, client_secret=secret, scopes=granted)

    def delete_client(self, client_id: str) -> None:
        """Delete the app client; a client that does not exist is already deleted.

        A `ResourceNotFoundException` is only taken as "already deleted" once the user pool is
        known to exist: with a mistyped pool id every delete would otherwise "succeed".
        """
        if not _CLIENT_ID.fullmatch(client_id):
            return  # Cognito could never have issued this id.
        try:
            self._client.delete_user_pool_client(UserPoolId=self.user_pool_id, ClientId=client_id)
        except (ClientError, BotoCoreError) as error:
            failure = self._domain_error(error, "delete an app client", client_id=client_id)
            if isinstance(failure, NotFound):
                return
            raise failure from error

    def rotate_secret(self, client_id: str) -> IssuedClient:
        """A new Cognito-generated secret for the client; every other secret is deleted.

        Steps: read the client's scopes (unknown client: `NotFound`), list its secrets, add a new
        one, list again and delete every secret other than the one just added. The new secret is
        returned only when no other secret is left, so "the old one stops working" holds for
        whatever is returned.

        Recovery. If a step fails, `Unavailable` is raised and no further call is made; in
        particular, when deleting an old secret fails after the new one was added, the client is
        left with two secrets: the old one (still working) and the new one, whose value was never
        handed out. Retrying the rotation converges:

        - Cognito holds at most two secrets per client, so a retry that finds two first deletes
          every secret but the oldest. After an interrupted rotation that removes exactly the
          orphan nobody knows, and the secret the team uses keeps working meanwhile.
        - It then adds a new secret and deletes every secret other than that newest one, so
          however many earlier attempts failed, one success leaves exactly one secret: the
          returned one.

        Two rotations of the same client at once are not coordinated: the later one wins, or
        fails on the two-secret limit (`Unavailable`) and can be retried.
        """
        if not _CLIENT_ID.fullmatch(client_id):
            raise NotFound(detail=f"No identity provider client {client_id!r}.")
        action = "rotate a client secret"
        try:
            described = self._client.describe_user_pool_client(
                UserPoolId=self.user_pool_id, ClientId=client_id
            )
        except (ClientError, BotoCoreError) as error:
            raise self._domain_error(error, action, client_id=client_id) from error
        scopes = tuple(described["UserPoolClient"].get("AllowedOAuthScopes", []))
        try:
            existing = sorted(self._secrets(client_id), key=_created)
            if len(existing) >= _MAX_SECRETS:
                for stale in existing[1:]:
                    self._delete_secret(client_id, stale)

            added = self._client.add_user_pool_client_secret(
                UserPoolId=self.user_pool_id, ClientId=client_id
            )["ClientSecretDescriptor"]
            new_id, new_value = added.get("ClientSecretId"), added.get("ClientSecretValue")
            if not new_id or not new_value:
                raise Unavailable(
                    detail="Cognito added a client secret but returned no id or value; "
                    "retry the rotation."
                )

            for other in self._secrets(client_id):
                if other.get("ClientSecretId") != new_id:
                    self._delete_secret(client_id, other)
        except ClientError as error:
            if _code(error) == _NOT_FOUND:
                # The client or a secret vanished mid-rotation (a concurrent delete or rotation):
                # a retry either converges or, the client being gone, answers NotFound.
                log.warning("Cognito failed to %s: %s", action, error)
                raise Unavailable(
                    detail="The client changed during the secret rotation; retry the rotation."
                ) from error
            raise self._domain_error(error, action) from error
        except BotoCoreError as error:
            raise self._domain_error(error, action) from error
        return IssuedClient(client_id=client_id, client_secret=new_value, scopes=scopes)

    def list_clients(self) -> Iterator[ClientSummary]:
        """Every app client of the pool (ListUserPoolClients, 60 a page)."""
        token: str | None = None
        while True:
            try:
                if token:
                    page = self._client.list_user_pool_clients(
                        UserPoolId=self.user_pool_id, MaxResults=60, NextToken=token
                    )
                else:
                    page = self._client.list_user_pool_clients(
                        UserPoolId=self.user_pool_id, MaxResults=60
                    )
            except (ClientError, BotoCoreError) as error:
                raise self._domain_error(error, "list the app clients") from error
            for client in page.get("UserPoolClients", []):
                yield ClientSummary(client.get("ClientId", ""), client.get("ClientName", ""))
            token = page.get("NextToken")
            if not token:
                return

    # Helpers ------------------------------------------------------------------------------------

    def _secrets(self, client_id: str) -> list[ClientSecretDescriptorTypeTypeDef]:
        """Every secret of the client (id and creation date; Cognito never lists values)."""
        page = self._client.list_user_pool_client_secrets(
            UserPoolId=self.user_pool_id, ClientId=client_id
        )
        secrets = list(page["ClientSecrets"])
        # Documented as unpaginated (two secrets at most), but the shape has a NextToken.
        while token := page.get("NextToken"):
            page = self._client.list_user_pool_client_secrets(
                UserPoolId=self.user_pool_id, ClientId=client_id, NextToken=token
            )
            secrets.extend(page["ClientSecrets"])
        return secrets

    def _delete_secret(self, client_id: str, secret: ClientSecretDescriptorTypeTypeDef) -> None:
        secret_id = secret.get("ClientSecretId")
        if not secret_id:
            raise Unavailable(detail="Cognito listed a client secret without an id.")
        self._client.delete_user_pool_client_secret(
            UserPoolId=self.user_pool_id, ClientId=client_id, ClientSecretId=secret_id
        )

    def _domain_error(
        self, error: _Failure, action: str, *, client_id: str | None = None
    ) -> DomainError:
        """The domain error for a failed call. `ResourceNotFoundException` about `client_id`
        becomes `NotFound`, unless the user pool itself is missing (a configuration error)."""
        if isinstance(error, ClientError):
            code = _code(error)
            if code == _NOT_FOUND and client_id is not None and self._pool_exists():
                return NotFound(detail=f"No identity provider client {client_id!r}.")
            log.warning("Cognito failed to %s: %s", action, error)
            if code in _THROTTLING:
                return Unavailable(detail=f"Cognito is throttling requests; could not {action}.")
            if code == _NOT_FOUND:
                return Unavailable(
                    detail=f"Cognito user pool {self.user_pool_id!r} not found; could not {action}."
                )
            return Unavailable(detail=f"Cognito refused to {action} ({code}).")
        log.warning("Cognito failed to %s: %r", action, error)
        if isinstance(error, EndpointConnectionError | ConnectTimeoutError):
            return Unavailable(detail=f"Cognito could not be reached; could not {action}.")
        if isinstance(error, ReadTimeoutError):
            return Unavailable(
                detail=f"Cognito did not answer in time to {action}; it may or may not have "
                "happened."
            )
        return Unavailable(detail=f"Could not {action} in Cognito ({type(error).__name__}).")

    def _pool_exists(self) -> bool:
        """Whether the user pool exists; `Unavailable` when that cannot be told."""
        try:
            self._client.describe_user_pool(UserPoolId=self.user_pool_id)
        except ClientError as error:
            if _code(error) == _NOT_FOUND:
                return False
            raise self._domain_error(error, "look up the user pool") from error
        except BotoCoreError as error:
            raise self._domain_error(error, "look up the user pool") from error
        return True


def _created(secret: ClientSecretDescriptorTypeTypeDef) -> datetime:
    return secret.get("ClientSecretCreateDate") or _EPOCH


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "Unknown")
