"""Access tokens shaped like Cognito's: minted by the local stand-in, verified like the authorizer.

A Cognito access token (client-credentials grant) carries `sub` and `client_id` (both the app
client id), `token_use: "access"`, `scope` (space-separated), `auth_time`, `iss`, `exp`, `iat`,
`jti` and `version`, and is signed RS256 with a `kid` from the pool's JWKS. The local issuer
mints exactly that shape; the verifier checks what API Gateway's Cognito authorizer checks.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from controlplane.clock import Clock
from controlplane.errors import Unauthorized
from controlplane.files import create_exclusively


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    kid: str

    @property
    def public_jwk(self) -> dict[str, str]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": _b64uint(numbers.n),
            "e": _b64uint(numbers.e),
        }


def _b64uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def load_or_create_signing_key(path: Path) -> SigningKey:
    """The RSA key in `path` (PEM, mode 0600), made on first use; its kid is a hash of it.

    Concurrent first uses each make a key, but only one is created on disk (exclusively) and
    every caller then reads the file: all of them sign with the key that is on disk.
    """
    if not path.exists():
        new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = new_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        create_exclusively(path, pem)
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:15]).decode()
    return SigningKey(private_key=private_key, kid=kid)


class TokenIssuer:
    """Mints RS256 access tokens for the local Cognito stand-in."""

    def __init__(self, key: SigningKey, issuer: str, ttl_seconds: int, clock: Clock) -> None:
        self.key = key
        self.issuer = issuer
        self.ttl_seconds = ttl_seconds
        self.clock = clock

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.public_jwk]}

    def mint(self, client_id: str, scopes: list[str] | tuple[str, ...]) -> str:
        now = int(self.clock().timestamp())
        claims = {
            "sub": client_id,
            "client_id": client_id,
            "token_use": "access",
            "scope": " ".join(scopes),
            "auth_time": now,
            "iss": self.issuer,
            "exp": now + self.ttl_seconds,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "version": 2,
        }
        return jwt.encode(
            claims, self.key.private_key, algorithm="RS256", headers={"kid": self.kid}
        )

    @property
    def kid(self) -> str:
        return self.key.kid


VERIFIED_TOKENS_KEPT = 4096
"""Tokens whose signature was checked, remembered (a few MB at most); expiry and the client's
existence are still checked on every use."""


class TokenVerifier:
    """Checks an access token as API Gateway's Cognito authorizer does.

    Signature (RS256 only, by `kid` from the JWKS), `iss`, `exp`, `token_use == "access"`; then
    the local stand-in also refuses tokens of clients that were deleted (`client_active`), which
    Cognito achieves by deleting the app client.
    """

    def __init__(
        self,
        jwks: Mapping[str, Any],
        issuer: str,
        clock: Clock,
        client_active: Callable[[str], bool],
    ) -> None:
        self.issuer = issuer
        self.clock = clock
        self.client_active = client_active
        self._keys = {
            jwk["kid"]: jwt.PyJWK.from_dict(dict(jwk), algorithm="RS256") for jwk in jwks["keys"]
        }
        self._lock = threading.Lock()
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def verify(self, token: str) -> dict[str, Any]:
        claims = self._signed_claims(token)
        if int(claims["exp"]) <= int(self.clock().timestamp()):
            raise Unauthorized(detail="the access token has expired")
        # Every time, not cached: a deregistered team's tokens stop working at once.
        client_id = claims.get("client_id")
        if not isinstance(client_id, str) or not self.client_active(client_id):
            raise Unauthorized(detail="the access token's client no longer exists")
        return dict(claims)

    def _signed_claims(self, token: str) -> dict[str, Any]:
        """The claims of a token whose signature, issuer and use have been checked; each token
        is checked once (RS256 verification is most of a request's cost), then remembered."""
        with self._lock:
            known = self._verified.get(token)
            if known is not None:
                self._verified.move_to_end(token)
                return known
        claims = self._check_signed(token)
        with self._lock:
            self._verified[token] = claims
            while len(self._verified) > VERIFIED_TOKENS_KEPT:
                self._verified.popitem(last=False)
        return claims

    def _check_signed(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(detail="the access token is not a JWT") from exc
        if header.get("alg") != "RS256":
            raise Unauthorized(detail=f"the access token is signed with {header.get('alg')!r}")
        key = self._keys.get(str(header.get("kid")))
        if key is None:
            raise Unauthorized(detail="the access token is signed with an unknown key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                issuer=self.issuer,
                leeway=0,
                options={"require": ["exp", "iat", "iss", "token_use"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized(detail="the access token has expired") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthorized(detail="the access token is from another issuer") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(detail=f"the access token is invalid: {exc}") from exc
        if claims.get("token_use") != "access":
            raise Unauthorized(detail="an access token is required, not an id token")
        return claims
