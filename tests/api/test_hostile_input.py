"""Hostile input answers 4xx problem+json with a status the contract documents, never 500: on the
local server (connexion in front of the dispatcher) and on the Lambda adapter."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from controlplane.adapters.apigw import handle_event
from controlplane.adapters.local import LocalControlPlane, create_app, open_control_plane
from controlplane.api.contract import load_contract
from controlplane.api.dispatch import Dispatcher
from controlplane.settings import ADMIN_SCOPE, Settings
from tests.conftest import LambdaApi
from tests.events import apigw_event

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalControlPlane]:
    # One app for the module: building it (connexion reads the contract) takes seconds. Every
    # request here must be refused, so nothing accumulates between tests.
    data_dir = tmp_path_factory.mktemp("hostile")
    opened = open_control_plane(
        Settings(
            data_dir=data_dir,
            issuer="http://testserver",
            token_endpoint="http://testserver/oauth2/token",
        )
    )
    yield opened
    opened.services.store.close()


@pytest.fixture(scope="module")
def client(plane: LocalControlPlane) -> TestClient:
    return TestClient(create_app(plane), raise_server_exceptions=False, follow_redirects=False)


@pytest.fixture(scope="module")
def auth(client: TestClient, plane: LocalControlPlane) -> dict[str, str]:
    answer = client.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": plane.admin.client_id,
            "client_secret": plane.admin.client_secret,
            "scope": ADMIN_SCOPE,
        },
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _nested(depth: int) -> bytes:
    return b'{"name": "x", "contact_email": "x@example.com", "tier": ' + (
        b"[" * depth + b"]" * depth + b"}"
    )


HOSTILE_BODIES = {
    "arrays nested 490 deep": _nested(490),
    "arrays nested 5000 deep": _nested(5000),
    "objects nested 1000 deep": b'{"name": ' + b'{"a": ' * 1000 + b"1" + b"}" * 1000 + b"}",
    "a top-level array nested 3000 deep": b"[" * 3000 + b"]" * 3000,
    "an integer of 5000 digits": b'{"name": ' + b"7" * 5000 + b"}",
    "a negative integer of 4301 digits": b'{"name": "x", "tier": -' + b"1" * 4301 + b"}",
}


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_hostile_json_is_400_on_the_local_server(
    client: TestClient, auth: dict[str, str], body: bytes
) -> None:
    answer = client.post(
        "/teams", content=body, headers=auth | {"Content-Type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["errors"][0]["field"] == "body"
    assert client.get("/teams", headers=auth).json()["items"] == []


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_hostile_json_is_400_on_the_lambda(api: LambdaApi, body: bytes) -> None:
    answer = api.post("/teams", body.decode(), valid_request=False)
    assert answer.status == 400, answer
    assert answer.headers["Content-Type"] == PROBLEM
    assert answer.body["errors"][0]["field"] == "body"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "content_type", [b"application/json\xff", b"\xff\xfe", b"application/json; charset=\xe9"]
)
def test_non_utf8_content_type_is_400_naming_the_header(
    client: TestClient, auth: dict[str, str], method: str, content_type: bytes
) -> None:
    headers = [(b"authorization", auth["Authorization"].encode()), (b"content-type", content_type)]
    answer = client.request(method, "/teams", content=b"{}", headers=headers)  # type: ignore[arg-type]
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["errors"][0]["field"] == "Content-Type"


# Path parameters: every answer's status is one the contract documents for the operation -------

HOSTILE_SEGMENTS = [
    "%0A",
    "x%0A",
    "x%0Ay",
    "%0D%0A",
    "%23",
    "x%23y",
    "x%2Fy",
    "%2F",
    "x%00",
    "%20",
    "%FF",
    "%C3%A9",
    "x" * 2000,
    "%25",
    "x%3Fy%3Dz",
]


def _documented(operation_id: str) -> set[int]:
    info = load_contract().operations[operation_id]
    item = load_contract().document["paths"][info.path][info.method]
    return {int(status) for status in item["responses"]}


def _operations_with_path_parameters() -> list[tuple[str, str, str]]:
    return [
        (info.operation_id, info.method.upper(), info.path)
        for info in load_contract().operations.values()
        if "{" in info.path
    ]


def _body(method: str) -> bytes | None:
    return b'{"input_per_mtok_usd": "1"}' if method in ("PUT", "POST") else None


@pytest.mark.parametrize(("operation_id", "method", "template"), _operations_with_path_parameters())
def test_hostile_path_parameters_get_documented_statuses_locally(
    client: TestClient, auth: dict[str, str], operation_id: str, method: str, template: str
) -> None:
    documented = _documented(operation_id)
    names = re.findall(r"\{(\w+)\}", template)
    for name in names:
        for segment in HOSTILE_SEGMENTS:
            path = template
            for other in names:
                path = path.replace(f"{{{other}}}", segment if other == name else "openai")
            answer = client.request(
                method,
                path,
                content=_body(method),
                headers=auth | {"Content-Type": "application/json"},
            )
            where = f"{method} {path}"
            assert answer.status_code in documented, f"{where}: {answer.status_code} {answer.text}"
            assert answer.status_code < 500, f"{where}: {answer.text}"
            if answer.status_code >= 400:
                assert answer.headers["content-type"] == PROBLEM, where


@pytest.mark.parametrize(("operation_id", "method", "template"), _operations_with_path_parameters())
def test_hostile_path_parameters_get_documented_statuses_on_the_lambda(
    dispatcher: Dispatcher, operation_id: str, method: str, template: str
) -> None:
    from urllib.parse import unquote

    documented = _documented(operation_id)
    names = re.findall(r"\{(\w+)\}", template)
    for name in names:
        for segment in HOSTILE_SEGMENTS:
            params = {other: unquote(segment) if other == name else "openai" for other in names}
            body = _body(method)
            event: dict[str, Any] = apigw_event(
                method,
                template,
                template,
                path_params=params,
                headers={"Content-Type": "application/json"},
                body=body.decode() if body else None,
            )
            result = handle_event(event, None, dispatcher)
            where = f"{method} {template} {params}"
            assert result["statusCode"] in documented, f"{where}: {result}"
            if result["statusCode"] >= 400:
                assert result["headers"]["Content-Type"] == PROBLEM, where
                json.loads(result["body"])
