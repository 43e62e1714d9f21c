"""The local stand-in for API Gateway's Cognito authorizer: the one place requests are authorised.

It reads what the contract says an operation requires and enforces it the way API Gateway does:
no or unparsable token → 401; the token must be a valid access token (401 otherwise); the token
must carry every scope of at least one of the operation's security alternatives → 403 otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controlplane.errors import Forbidden, Unauthorized
from controlplane.identity.principal import Principal, principal_from_claims
from controlplane.identity.tokens import TokenVerifier

if TYPE_CHECKING:
    # A type only: the budget check imports `bearer_token` and must not load the contract (YAML).
    from controlplane.api.contract import OperationInfo


class Authorizer:
    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier

    def authorize(self, authorization: str | None, operation: OperationInfo) -> Principal:
        token = bearer_token(authorization)
        principal = principal_from_claims(self.verifier.verify(token))
        alternatives = operation.scope_alternatives
        if alternatives and not any(required <= principal.scopes for required in alternatives):
            wanted = " or ".join(" ".join(sorted(a)) for a in alternatives)
            raise Forbidden(detail=f"this operation requires the scope {wanted}")
        return principal


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization` header; like Cognito's authorizer, `Bearer ` is optional."""
    if not authorization or not authorization.strip():
        raise Unauthorized(
            detail="an access token is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    scheme, _, rest = authorization.strip().partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else authorization.strip()
    if not token or " " in token:
        raise Unauthorized(
            detail="the Authorization header is not `Bearer <token>`",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return token
