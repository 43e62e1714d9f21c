"""The caller of an operation, built in one place from verified token claims."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from controlplane.errors import Unauthorized


@dataclass(frozen=True)
class Principal:
    """Who calls: the OAuth client and the scopes its token carries.

    The team of a client is looked up from `client_id` when an ownership rule needs it, never
    taken from a self-asserted header.
    """

    client_id: str
    scopes: frozenset[str]
    subject: str

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """From access-token claims: verified JWT claims locally, or API Gateway's
    `requestContext.authorizer.claims` (where every value is a string) on AWS."""
    client_id = claims.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise Unauthorized(detail="the access token names no client_id")
    scope = claims.get("scope", "")
    scopes = scope.split() if isinstance(scope, str) else list(scope)
    subject = claims.get("sub")
    return Principal(
        client_id=client_id,
        scopes=frozenset(scopes),
        subject=subject if isinstance(subject, str) else client_id,
    )
