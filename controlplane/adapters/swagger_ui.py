"""What the local Swagger UI shows: the contracts, adjusted at start-up to the running server.

`openapi.yaml` is written for API Gateway: its security scheme is an `apiKey` header (the Cognito
authorizer), so Swagger UI made users paste `Bearer <token>` by hand, and connexion serves it
with `servers` rewritten to its mount path (an empty Servers list). The UI therefore gets a copy
derived from the same loaded document, never a second hand-written one, in which:

- `servers` is the URL of the running server;
- every scheme that carries a bearer token becomes an OAuth2 client-credentials flow against the
  server's own `/oauth2/token`, so "Authorize" asks for a client id and secret and fetches the
  token itself; the operations' `security` requirements are unchanged (same scheme name);
- the description says where the token endpoint, the JWKS and the webhook contract are.

The webhook contract (`hooks.openapi.yaml`, kept out of the API Gateway import) is adjusted the
same way and is the second entry of the UI's "Select a definition" list. The files on disk, and
the document the dispatcher and the Lambdas read, are never changed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from controlplane.api.contract import CONTRACT_PATH, HTTP_METHODS, load_document
from controlplane.settings import ADMIN_SCOPE, INVOKE_SCOPE

HOOKS_CONTRACT_PATH = CONTRACT_PATH.parent / "hooks.openapi.yaml"
ADMIN_DOCUMENT_URL = "/openapi.json"
HOOKS_DOCUMENT_URL = "/hooks.openapi.json"
TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a path, not a secret

_SCOPE_PURPOSES = {
    ADMIN_SCOPE: "Operators: every admin operation (the admin client of admin-client.json).",
    INVOKE_SCOPE: "A team's own client: the inference plane, the team's own usage.",
}


@dataclass(frozen=True)
class UiDocument:
    name: str
    """Its entry in Swagger UI's "Select a definition" list."""
    url: str
    document: dict[str, Any]


def ui_documents(admin_contract: dict[str, Any], base_url: str) -> list[UiDocument]:
    """The documents of the local Swagger UI, the admin API first (the one shown on opening)."""
    token_url = f"{base_url}{TOKEN_PATH}"
    admin_note = (
        f"**On this local server** (not part of what API Gateway imports): **Authorize** takes a "
        f"client id and secret (the admin client's are in `<data-dir>/admin-client.json`, a "
        f"team's come once in its registration answer) and gets the token from "
        f"`POST {token_url}`, the OAuth2 client-credentials endpoint standing in for Cognito's "
        f"(`client_secret_basic` or `client_secret_post`; JWKS at "
        f"`{base_url}/.well-known/jwks.json`). The budget-check webhook agentgateway calls is "
        f"the other definition of this page (`{HOOKS_DOCUMENT_URL}`, from `hooks.openapi.yaml`)."
    )
    hooks_note = (
        f"**On this local server**: **Authorize** with a team's client id and secret (from its "
        f"registration answer) to send its token, as agentgateway forwards it; the token comes "
        f"from `POST {token_url}`. The admin API is the other definition of this page "
        f"(`{ADMIN_DOCUMENT_URL}`)."
    )
    return [
        UiDocument(
            "Admin API (openapi.yaml)",
            ADMIN_DOCUMENT_URL,
            ui_document(admin_contract, base_url, admin_note),
        ),
        UiDocument(
            "agentgateway webhooks (hooks.openapi.yaml)",
            HOOKS_DOCUMENT_URL,
            ui_document(load_document(HOOKS_CONTRACT_PATH), base_url, hooks_note),
        ),
    ]


def ui_document(document: dict[str, Any], base_url: str, note: str) -> dict[str, Any]:
    """A copy of `document` for Swagger UI on the server at `base_url` (the original is kept)."""
    adjusted = copy.deepcopy(document)
    adjusted["servers"] = [{"url": base_url, "description": "This server (`gatewayctl serve`)"}]
    info = adjusted.setdefault("info", {})
    info["description"] = f"{info.get('description', '').rstrip()}\n\n{note}\n".lstrip()
    schemes = adjusted.get("components", {}).get("securitySchemes", {})
    for name, scheme in list(schemes.items()):
        if _carries_bearer_token(scheme):
            schemes[name] = _client_credentials(
                scheme, f"{base_url}{TOKEN_PATH}", sorted(_scopes_required(adjusted, name))
            )
    return adjusted


def _carries_bearer_token(scheme: dict[str, Any]) -> bool:
    if scheme.get("type") == "http":
        return str(scheme.get("scheme", "")).lower() == "bearer"
    return (
        scheme.get("type") == "apiKey"
        and scheme.get("in") == "header"
        and str(scheme.get("name", "")).lower() == "authorization"
    )


def _client_credentials(
    scheme: dict[str, Any], token_url: str, scopes: list[str]
) -> dict[str, Any]:
    description = str(scheme.get("description", "")).rstrip()
    return {
        "type": "oauth2",
        "description": (
            f"{description}\n\nLocally, Swagger UI gets the token itself: OAuth2 client "
            f"credentials at `{token_url}`.\n"
        ).lstrip(),
        "flows": {
            "clientCredentials": {
                "tokenUrl": token_url,
                "scopes": {scope: _SCOPE_PURPOSES.get(scope, scope) for scope in scopes},
            }
        },
    }


def _scopes_required(document: dict[str, Any], scheme_name: str) -> set[str]:
    """Every scope a security requirement of the document names for `scheme_name`."""
    return {
        scope
        for requirement in _security_requirements(document)
        for scope in requirement.get(scheme_name, [])
    }


def _security_requirements(document: dict[str, Any]) -> Iterator[dict[str, list[str]]]:
    yield from document.get("security", [])
    for path_item in document.get("paths", {}).values():
        for method in HTTP_METHODS:
            if method in path_item:
                yield from path_item[method].get("security", [])
