"""The hand-written layer of the admin API's Python client.

The API itself (one module per operation, typed models, typed errors) is `gateway_admin_api`,
generated from openapi.yaml. This package adds what is not in the contract: authentication
(`ClientCredentials`), a client set up with it and with safe retries (`connect`), and pagination
(`iterate`). See clients/python/README.md.

    from gateway_admin_api.api.teams import create_team, get_team, list_teams, update_team
    from gateway_admin_api.models import TeamCreate, TeamUpdate
    from gateway_admin_client import ClientCredentials, connect, iterate

    auth = ClientCredentials.from_file(".gateway/admin-client.json")
    with connect("http://127.0.0.1:8080", auth) as client:
        body = TeamCreate(name="payments", contact_email="p@example.com", tier="standard")
        created = create_team.sync(client=client, body=body)  # sends an Idempotency-Key
        read = get_team.sync_detailed(created.team.team_id, client=client)  # read.etag
        change = TeamUpdate(cost_center="CC-1")
        update_team.sync(read.parsed.team_id, client=client, body=change, if_match=read.etag)
        names = [team.name for team in iterate(list_teams.sync, client=client, limit=100)]
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping

import httpx
from gateway_admin_api import AuthenticatedClient

from .auth import (
    ADMIN_SCOPE,
    BearerToken,
    ClientCredentials,
    FileTokenStore,
    StoredToken,
    TokenError,
    TokenStore,
)
from .pagination import CursorLoop, Page, iterate, iterate_pages
from .retries import RetryTransport

DEFAULT_TIMEOUT_SECONDS = 30.0


def connect(
    base_url: str,
    auth: httpx.Auth | str,
    *,
    timeout: float | httpx.Timeout = DEFAULT_TIMEOUT_SECONDS,
    retries: int = 2,
    transport: httpx.BaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
    verify: ssl.SSLContext | str | bool = True,
) -> AuthenticatedClient:
    """The client to pass to the generated operations (`create_team.sync(client=...)`).

    `auth` is a `ClientCredentials` (or any `httpx.Auth`), or a fixed access token. Requests go
    through a `RetryTransport` with `retries` retries over `transport` (HTTP by default). Close it,
    or use it as a context manager, to close its connections.
    """
    if isinstance(auth, str):
        auth = BearerToken(auth)
    inner = transport if transport is not None else httpx.HTTPTransport(verify=verify)
    http = httpx.Client(
        base_url=base_url,
        auth=auth,
        timeout=timeout,
        headers=dict(headers or {}),
        transport=RetryTransport(inner, retries=retries),
    )
    # The generated client's own token is unused: `auth` sets Authorization on every request of
    # the httpx client given here, which replaces the one it would build.
    client = AuthenticatedClient(base_url=base_url, token="")
    client.set_httpx_client(http)
    return client


__all__ = [
    "ADMIN_SCOPE",
    "BearerToken",
    "ClientCredentials",
    "CursorLoop",
    "FileTokenStore",
    "Page",
    "RetryTransport",
    "StoredToken",
    "TokenError",
    "TokenStore",
    "connect",
    "iterate",
    "iterate_pages",
]
