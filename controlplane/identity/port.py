"""The identity provider port: OAuth2 clients for teams (and the admin), whoever issues them.

Two adapters: `LocalIdentityProvider` (the embedded Cognito stand-in, clients in the store,
secrets hashed) and `CognitoIdentityProvider` (app clients of a Cognito user pool, through boto3).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class IssuedClient:
    """A client just created or re-keyed: the only moment its secret is known."""

    client_id: str
    client_secret: str = field(repr=False)  # never in logs or tracebacks
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class ClientSummary:
    """A client as a listing shows it (Cognito lists ids and names, nothing else)."""

    client_id: str
    name: str


class IdentityProvider(Protocol):
    token_endpoint: str

    def create_client(self, name: str, scopes: Sequence[str]) -> IssuedClient:
        """A new client-credentials client allowed `scopes`; the provider makes the secret."""
        ...

    def delete_client(self, client_id: str) -> None:
        """Delete the client; its secret and its tokens stop working. Deleting a missing client is
        not an error (so an interrupted deregistration can be retried)."""
        ...

    def rotate_secret(self, client_id: str) -> IssuedClient:
        """A new secret for the client; the old one stops working."""
        ...

    def list_clients(self) -> Iterator[ClientSummary]:
        """Every client of the provider (for reconciliation: which ones belong to no team)."""
        ...
