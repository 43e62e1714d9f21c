"""Fixtures: settings, services on a real SQLite file, and an API driven through Lambda events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from controlplane.adapters.apigw import handle_event
from controlplane.api.contract import CONTRACT_PATH, load_contract
from controlplane.api.dispatch import Dispatcher
from controlplane.api.operations import bind
from controlplane.services import Services, build_services
from controlplane.settings import ADMIN_SCOPE, Settings
from tests.events import apigw_event

SERVER_URL = "http://127.0.0.1:8080"


@cache
def openapi() -> OpenAPI:
    config = Config(
        extra_media_type_deserializers={
            "application/problem+json": json.loads,
            "application/yaml": yaml.safe_load,
        }
    )
    return OpenAPI.from_file_path(str(CONTRACT_PATH), config=config)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        issuer="http://testserver",
        token_endpoint="http://testserver/oauth2/token",
    )


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = build_services(settings)
    yield built
    built.store.close()


@pytest.fixture
def dispatcher(services: Services) -> Dispatcher:
    contract = load_contract()
    return Dispatcher(contract, bind(contract), services)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    def __repr__(self) -> str:
        return f"Answer({self.status}, {json.dumps(self.body)[:400]})"


def _route(path: str) -> tuple[str, dict[str, str]]:
    """The contract's path template matching a concrete path, and its parameters."""
    matched = load_contract().match_path(path)
    assert matched is not None, f"no path of the contract matches {path}"
    return matched


class LambdaApi:
    """Drives operations the way API Gateway would: proxy events with Cognito claims.

    Every response is validated against openapi.yaml with openapi-core, and so is every request
    the test marks as valid (the default).
    """

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        scope: str = ADMIN_SCOPE,
        client_id: str = "5b1n1c2f0kq7v3lq9l7c0s1f8e",
        valid_request: bool = True,
    ) -> Answer:
        resource, params = _route(path)
        raw = body if isinstance(body, str | bytes) or body is None else json.dumps(body)
        event = apigw_event(
            method,
            resource,
            path,
            path_params=params or None,
            query=query,
            headers=headers,
            body=raw,
            scope=scope,
            client_id=client_id,
        )
        result = handle_event(event, None, self.dispatcher)
        request = MockRequest(
            SERVER_URL,
            method,
            path,
            path_pattern=resource,
            args=query,
            view_args=params,
            headers=event["headers"],
            data=raw.encode() if isinstance(raw, str) else raw,
        )
        if valid_request:
            openapi().validate_request(request)
        content_type = result["headers"].get("Content-Type", "application/json")
        openapi().validate_response(
            request,
            MockResponse(
                result["body"].encode(),
                status_code=result["statusCode"],
                headers=result["headers"],
                content_type=content_type,
            ),
        )
        is_json = content_type.split(";")[0].strip().endswith("json")
        body = result["body"]
        decoded = (json.loads(body) if is_json else body) if body else None
        return Answer(result["statusCode"], result["headers"], decoded)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.call("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.call("PUT", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Answer:
        return self.call("DELETE", path, **kwargs)

    # Shortcuts for arranging state -------------------------------------------------------------

    def register_team(self, name: str = "payments", tier: str = "standard", **fields: Any) -> Any:
        answer = self.post(
            "/teams", {"name": name, "contact_email": f"{name}@example.com", "tier": tier, **fields}
        )
        assert answer.status == 201, answer
        return answer.body


@pytest.fixture
def api(dispatcher: Dispatcher) -> LambdaApi:
    return LambdaApi(dispatcher)
