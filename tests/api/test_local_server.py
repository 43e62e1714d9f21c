"""The local server: the Cognito stand-in's token endpoint and the authorizer before the API."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from controlplane.adapters.local import LocalControlPlane, create_app, open_control_plane
from controlplane.identity.tokens import SigningKey, TokenIssuer
from controlplane.settings import ADMIN_SCOPE, INVOKE_SCOPE, Settings

TEAM = {"name": "payments", "contact_email": "p@example.com", "tier": "sandbox"}


@pytest.fixture
def plane(settings: Settings) -> Iterator[LocalControlPlane]:
    opened = open_control_plane(settings)
    yield opened
    opened.services.store.close()


@pytest.fixture
def client(plane: LocalControlPlane) -> TestClient:
    return TestClient(create_app(plane))


def token_request(client: TestClient, **form: str) -> Any:
    return client.post("/oauth2/token", data=form)


def admin_token_request(client: TestClient, plane: LocalControlPlane) -> Any:
    return token_request(
        client,
        grant_type="client_credentials",
        client_id=plane.admin.client_id,
        client_secret=plane.admin.client_secret,
        scope=ADMIN_SCOPE,
    )


def team_token(client: TestClient, credentials: dict[str, Any]) -> str:
    answer = token_request(
        client,
        grant_type="client_credentials",
        client_id=credentials["client_id"],
        client_secret=credentials["client_secret"],
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def admin_token(client: TestClient, plane: LocalControlPlane) -> str:
    answer = admin_token_request(client, plane)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def test_first_start_writes_admin_credentials_0600_and_restart_keeps_them(
    settings: Settings, plane: LocalControlPlane
) -> None:
    path = settings.data_dir / "admin-client.json"
    assert path.stat().st_mode & 0o777 == 0o600
    saved = json.loads(path.read_text())
    assert set(saved) == {"client_id", "client_secret", "token_endpoint", "scope"}
    assert saved["scope"] == ADMIN_SCOPE
    assert (settings.data_dir / "signing-key.pem").stat().st_mode & 0o777 == 0o600
    reopened = open_control_plane(settings)
    assert reopened.admin.client_id == plane.admin.client_id
    assert reopened.admin.created is False
    assert reopened.issuer.kid == plane.issuer.kid


def test_token_shaped_like_cognito(client: TestClient, plane: LocalControlPlane) -> None:
    answer = admin_token_request(client, plane)
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert answer.headers["Cache-Control"] == "no-store"
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] == plane.issuer.kid
    jwks = client.get("/.well-known/jwks.json").json()
    key = jwt.PyJWK.from_dict(jwks["keys"][0])
    claims = jwt.decode(
        body["access_token"], key=key, algorithms=["RS256"], issuer="http://testserver"
    )
    assert claims["token_use"] == "access"
    assert claims["client_id"] == claims["sub"] == plane.admin.client_id
    assert claims["scope"] == ADMIN_SCOPE
    assert {"exp", "iat", "jti", "auth_time"} <= set(claims)


def test_http_basic_client_authentication(client: TestClient, plane: LocalControlPlane) -> None:
    basic = base64.b64encode(f"{plane.admin.client_id}:{plane.admin.client_secret}".encode())
    answer = client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic.decode()}"},
    )
    assert answer.status_code == 200
    claims = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
    assert claims["scope"] == ADMIN_SCOPE


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({}, 400, "invalid_request"),
        ({"grant_type": "client_credentials", "client_secret": "wrong"}, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "scope": INVOKE_SCOPE}, 400, "invalid_scope"),
    ],
)
def test_token_errors_follow_rfc_6749(
    client: TestClient, plane: LocalControlPlane, form: dict[str, str], status: int, error: str
) -> None:
    credentials = {"client_id": plane.admin.client_id, "client_secret": plane.admin.client_secret}
    answer = token_request(client, **(credentials | form))
    assert answer.status_code == status
    assert answer.json()["error"] == error


def test_admin_api_with_a_token(client: TestClient, plane: LocalControlPlane) -> None:
    headers = {"Authorization": f"Bearer {admin_token(client, plane)}"}
    created = client.post("/teams", json=TEAM, headers=headers)
    assert created.status_code == 201
    assert client.get("/teams", headers=headers).json()["items"][0]["name"] == "payments"


def test_invoke_token_is_refused_by_the_admin_api(
    client: TestClient, plane: LocalControlPlane
) -> None:
    headers = {"Authorization": f"Bearer {admin_token(client, plane)}"}
    credentials = client.post("/teams", json=TEAM, headers=headers).json()["credentials"]
    invoke = team_token(client, credentials)
    assert jwt.decode(invoke, options={"verify_signature": False})["scope"] == INVOKE_SCOPE
    refused = client.get("/teams", headers={"Authorization": f"Bearer {invoke}"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    # The audit trail too: it names every team's changes and who made them.
    assert client.get("/audit", headers={"Authorization": f"Bearer {invoke}"}).status_code == 403
    trail = client.get("/audit", headers=headers)
    assert trail.status_code == 200
    assert [record["action"] for record in trail.json()["items"]] == ["createTeam"]


def _forge(plane: LocalControlPlane, **changes: Any) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": plane.admin.client_id,
        "client_id": plane.admin.client_id,
        "token_use": "access",
        "scope": ADMIN_SCOPE,
        "iss": "http://testserver",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
        "jti": "x",
    } | changes
    return jwt.encode(
        claims, plane.issuer.key.private_key, algorithm="RS256", headers={"kid": plane.issuer.kid}
    )


def _bad_tokens(plane: LocalControlPlane) -> dict[str, str]:
    other_key = SigningKey(
        rsa.generate_private_key(public_exponent=65537, key_size=2048), plane.issuer.kid
    )
    past = TokenIssuer(
        plane.issuer.key, "http://testserver", 60, lambda: datetime(2020, 1, 1, tzinfo=UTC)
    )
    unsigned = jwt.encode(
        {"client_id": plane.admin.client_id, "scope": ADMIN_SCOPE}, key=None, algorithm="none"
    )
    return {
        "expired": past.mint(plane.admin.client_id, [ADMIN_SCOPE]),
        "wrongly signed": TokenIssuer(
            other_key, "http://testserver", 60, lambda: datetime.now(UTC)
        ).mint(plane.admin.client_id, [ADMIN_SCOPE]),
        "alg none": unsigned,
        "wrong issuer": _forge(plane, iss="https://evil.example.com"),
        "id token": _forge(plane, token_use="id"),
        "deleted client": _forge(plane, client_id="nosuchclient00000000000000"),
        "garbage": "not-a-jwt",
        "hs256 with the public key": jwt.encode(
            {"client_id": plane.admin.client_id, "scope": ADMIN_SCOPE}, "secret", algorithm="HS256"
        ),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "expired",
        "wrongly signed",
        "alg none",
        "wrong issuer",
        "id token",
        "deleted client",
        "garbage",
        "hs256 with the public key",
    ],
)
def test_bad_tokens_are_401(client: TestClient, plane: LocalControlPlane, kind: str) -> None:
    token = _bad_tokens(plane)[kind]
    answer = client.get("/teams", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def test_missing_token_is_401(client: TestClient) -> None:
    answer = client.get("/teams")
    assert answer.status_code == 401
    assert answer.json()["status"] == 401


def test_deregistered_team_token_stops_working(
    client: TestClient, plane: LocalControlPlane
) -> None:
    headers = {"Authorization": f"Bearer {admin_token(client, plane)}"}
    registration = client.post("/teams", json=TEAM, headers=headers).json()
    invoke = team_token(client, registration["credentials"])
    assert client.get("/teams", headers={"Authorization": f"Bearer {invoke}"}).status_code == 403
    client.delete(f"/teams/{registration['team']['team_id']}", headers=headers)
    assert client.get("/teams", headers={"Authorization": f"Bearer {invoke}"}).status_code == 401


def test_unknown_path_and_method_are_problems(client: TestClient) -> None:
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    wrong_method = client.patch("/teams")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == "application/problem+json"


def test_swagger_ui_and_contract_are_served(client: TestClient) -> None:
    assert client.get("/ui/").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"].startswith("LLM Gateway")


def test_unparsable_query_values_are_400_not_500(
    client: TestClient, plane: LocalControlPlane
) -> None:
    # Found by Schemathesis: connexion converted `limit=null` itself and crashed.
    headers = {"Authorization": f"Bearer {admin_token(client, plane)}"}
    answer = client.get("/teams?limit=null&limit=null", headers=headers)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "limit"


def test_405_lists_the_methods_of_the_path(client: TestClient) -> None:
    # Found by Schemathesis: Allow named only the first route's methods.
    answer = client.options("/teams/tm_01jd2x3y4z5a6b7c8d9e0f1g2h")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, PUT, DELETE"


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_a_static_path_is_not_a_parameter_of_its_sibling(client: TestClient, method: str) -> None:
    # Found by Schemathesis: PUT /routing/config reached PUT /routing/{rule_id} (400 on rule_id).
    answer = client.request(method, "/routing/config")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET"


def test_oversized_and_non_utf8_bodies(client: TestClient, plane: LocalControlPlane) -> None:
    headers = {
        "Authorization": f"Bearer {admin_token(client, plane)}",
        "Content-Type": "application/json",
    }
    huge = client.post("/teams", content=b'{"name": "' + b"x" * 70_000 + b'"}', headers=headers)
    assert huge.status_code == 413
    assert huge.headers["content-type"] == "application/problem+json"
    garbled = client.post("/teams", content=b'{"name": "\xff"}', headers=headers)
    assert garbled.status_code == 400
    assert "UTF-8" in garbled.json()["detail"]
    form = client.post(
        "/teams",
        content=b"name=x",
        headers=headers | {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415
