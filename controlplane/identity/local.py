"""The local Cognito stand-in's client registry: OAuth clients in the store, secrets hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator, Sequence

from controlplane.clock import Clock, isoformat
from controlplane.errors import NotFound, Unauthorized
from controlplane.identity.port import ClientSummary, IssuedClient
from controlplane.store.port import Delete, MustExist, MustNotExist, Put, Store
from controlplane.store.repositories import every_item

_CLIENTS = "OAUTH_CLIENT"
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def _hash(secret: str, salt: str) -> str:
    # Secrets are 256 random bits, so a salted SHA-256 resists guessing as well as a slow KDF
    # would, and keeps the token endpoint fast.
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


class LocalIdentityProvider:
    """Clients of the embedded token endpoint (ids and secrets shaped like Cognito's)."""

    def __init__(self, store: Store, token_endpoint: str, clock: Clock) -> None:
        self.store = store
        self.token_endpoint = token_endpoint
        self.clock = clock

    def create_client(self, name: str, scopes: Sequence[str]) -> IssuedClient:
        client_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(26))
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_hex(8)
        data = {
            "name": name,
            "scopes": list(scopes),
            "salt": salt,
            "secret_hash": _hash(secret, salt),
            "created_at": isoformat(self.clock()),
        }
        self.store.write(Put(_CLIENTS, client_id, data, MustNotExist()))
        return IssuedClient(client_id=client_id, client_secret=secret, scopes=tuple(scopes))

    def delete_client(self, client_id: str) -> None:
        self.store.write(Delete(_CLIENTS, client_id))

    def rotate_secret(self, client_id: str) -> IssuedClient:
        item = self.store.get(_CLIENTS, client_id)
        if item is None:
            raise NotFound(detail=f"no OAuth client {client_id}")
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_hex(8)
        data = {**item.data, "salt": salt, "secret_hash": _hash(secret, salt)}
        self.store.write(Put(_CLIENTS, client_id, data, MustExist()))
        return IssuedClient(client_id, secret, tuple(item.data["scopes"]))

    def list_clients(self) -> Iterator[ClientSummary]:
        for item in every_item(self.store, _CLIENTS):
            yield ClientSummary(item.sk, item.data["name"])

    def is_active(self, client_id: str) -> bool:
        return self.store.get(_CLIENTS, client_id) is not None

    def authenticate(self, client_id: str, client_secret: str) -> tuple[str, ...]:
        """The client's allowed scopes, if the secret is right; Unauthorized otherwise."""
        item = self.store.get(_CLIENTS, client_id)
        if item is None or not hmac.compare_digest(
            item.data["secret_hash"], _hash(client_secret, item.data["salt"])
        ):
            raise Unauthorized(detail="unknown client or wrong secret")
        return tuple(item.data["scopes"])
