"""The verifier remembers checked signatures, yet expiry and revocation still act at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from controlplane.errors import Unauthorized
from controlplane.identity.tokens import TokenIssuer, TokenVerifier, load_or_create_signing_key

ISSUER = "http://127.0.0.1:8080"


def test_a_remembered_token_still_stops_working_when_its_client_is_deleted_or_it_expires(
    tmp_path: Path,
) -> None:
    now = [datetime.now(UTC)]
    active = {"client-a"}
    issuer = TokenIssuer(
        load_or_create_signing_key(tmp_path / "key.pem"), ISSUER, 60, lambda: now[0]
    )
    verifier = TokenVerifier(issuer.jwks(), ISSUER, lambda: now[0], lambda c: c in active)
    token = issuer.mint("client-a", ["https://gateway.internal/admin"])
    # GIVEN a token verified once (its signature is now remembered)
    assert verifier.verify(token)["client_id"] == "client-a"
    assert verifier.verify(token)["client_id"] == "client-a"
    # WHEN its client is deleted: THEN the next use is refused
    active.clear()
    with pytest.raises(Unauthorized, match="no longer exists"):
        verifier.verify(token)
    # WHEN the client is back but the token's lifetime is over: THEN it is refused too
    active.add("client-a")
    now[0] += timedelta(seconds=61)
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token)


def test_a_tampered_token_is_refused_even_after_the_genuine_one_was_remembered(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    issuer = TokenIssuer(load_or_create_signing_key(tmp_path / "key.pem"), ISSUER, 60, lambda: now)
    verifier = TokenVerifier(issuer.jwks(), ISSUER, lambda: now, lambda _c: True)
    token = issuer.mint("client-a", ["https://gateway.internal/invoke"])
    verifier.verify(token)
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"
    with pytest.raises(Unauthorized):
        verifier.verify(forged)
