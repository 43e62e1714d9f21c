"""The local Swagger UI: documents adjusted to the running server (its URL, a token flow of its
own), derived from the contracts on disk, which stay what API Gateway imports."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from controlplane.adapters.local import LocalControlPlane, create_app, open_control_plane
from controlplane.adapters.swagger_ui import HOOKS_CONTRACT_PATH
from controlplane.api.contract import CONTRACT_PATH, load_contract
from controlplane.settings import ADMIN_SCOPE, INVOKE_SCOPE, Settings

BASE_URL = "http://127.0.0.1:18080"


@pytest.fixture
def plane(settings: Settings) -> Iterator[LocalControlPlane]:
    opened = open_control_plane(settings)
    yield opened
    opened.services.store.close()


def _on_disk(path: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def _without_local_adjustments(document: dict[str, Any]) -> dict[str, Any]:
    rest = copy.deepcopy(document)
    del rest["servers"], rest["info"]["description"], rest["components"]["securitySchemes"]
    return rest


def test_the_ui_document_names_the_server_and_gets_tokens_itself(
    plane: LocalControlPlane,
) -> None:
    imported_bytes = CONTRACT_PATH.read_bytes()
    client = TestClient(create_app(plane, base_url=BASE_URL))

    served = client.get("/openapi.json").json()

    # THEN the Servers list is the running server (connexion served `[{"url": ""}]`)
    assert [server["url"] for server in served["servers"]] == [BASE_URL]
    # AND "Authorize" runs the client-credentials flow against the local token endpoint, under the
    # scheme name the operations' requirements already use
    scheme = served["components"]["securitySchemes"]["CognitoAuth"]
    assert scheme["type"] == "oauth2"
    flow = scheme["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == f"{BASE_URL}/oauth2/token"
    assert set(flow["scopes"]) == {ADMIN_SCOPE, INVOKE_SCOPE}
    # AND the token endpoint and the webhook contract are named in the description
    assert f"{BASE_URL}/oauth2/token" in served["info"]["description"]
    assert "/hooks.openapi.json" in served["info"]["description"]
    # AND everything else is the contract on disk: derived, not a second copy
    on_disk = _on_disk(CONTRACT_PATH)
    assert _without_local_adjustments(served) == _without_local_adjustments(on_disk)
    # AND what API Gateway imports is unchanged: the file, and the document the dispatcher reads
    assert CONTRACT_PATH.read_bytes() == imported_bytes
    assert load_contract().document == on_disk
    imported = on_disk["components"]["securitySchemes"]["CognitoAuth"]
    assert imported["type"] == "apiKey"
    assert imported["x-amazon-apigateway-authtype"] == "cognito_user_pools"


def test_the_webhook_contract_is_the_second_definition_of_the_ui(
    plane: LocalControlPlane,
) -> None:
    client = TestClient(create_app(plane, base_url=BASE_URL))

    page = client.get("/ui/").text
    hooks = client.get("/hooks.openapi.json").json()

    # THEN the UI's definition picker lists both documents, the admin API first
    assert page.index('"url": "/openapi.json"') < page.index('"url": "/hooks.openapi.json"')
    # AND the webhook document is hooks.openapi.yaml for this server, with the same token flow
    assert [server["url"] for server in hooks["servers"]] == [BASE_URL]
    scheme = hooks["components"]["securitySchemes"]["ForwardedBearer"]
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == f"{BASE_URL}/oauth2/token"
    on_disk = _on_disk(HOOKS_CONTRACT_PATH)
    assert _without_local_adjustments(hooks) == _without_local_adjustments(on_disk)
    assert on_disk["components"]["securitySchemes"]["ForwardedBearer"]["type"] == "http"


def test_the_ui_url_defaults_to_the_issuer(plane: LocalControlPlane) -> None:
    served = TestClient(create_app(plane)).get("/openapi.json").json()
    assert served["servers"][0]["url"] == plane.settings.issuer
