"""OAuth2 client-credentials authentication (RFC 6749 §4.4) for the admin API.

`ClientCredentials` is an `httpx.Auth`: it asks the token endpoint (Cognito's, or the local
server's `/oauth2/token`) for an access token, keeps it until shortly before it expires, and sends
it as `Authorization: Bearer …` on every request. A 401 answered to a cached token (revoked, or
signed with a rotated key) fetches a new token once and sends the request again.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ADMIN_SCOPE = "https://gateway.internal/admin"
# Lifetime assumed when the token endpoint omits `expires_in` (RFC 6749 makes it optional).
DEFAULT_LIFETIME_SECONDS = 300.0
TOKEN_TIMEOUT_SECONDS = 10.0


class TokenError(Exception):
    """The token endpoint refused to issue a token (an RFC 6749 §5.2 error answer)."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.error = error
        self.description = description
        self.retry_after = retry_after
        message = f"token request failed: {status} {error}"
        if description:
            message += f": {description}"
        super().__init__(message)


@dataclass(frozen=True)
class _CachedToken:
    value: str
    refresh_at: float


class BearerToken(httpx.Auth):
    """A fixed access token (one obtained elsewhere, e.g. `gatewayctl token`)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class ClientCredentials(httpx.Auth):
    """Tokens from the client-credentials grant, cached until `refresh_margin` seconds before
    they expire (at most half their lifetime early). Thread-safe: concurrent requests share one
    token request.

    `http` is the client used for the token endpoint (one is made if not given); `clock` is a
    monotonic clock in seconds (tests pass their own).
    """

    requires_request_body = True  # the body is sent again after a 401

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = ADMIN_SCOPE,
        refresh_margin: float = 60.0,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self._refresh_margin = refresh_margin
        self._http = http
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: _CachedToken | None = None
        self.tokens_fetched = 0

    @classmethod
    def from_file(cls, path: str | Path, **options: Any) -> ClientCredentials:
        """From a JSON file with `client_id`, `client_secret`, `token_endpoint` and optionally
        `scope`, such as the local server's `.gateway/admin-client.json`."""
        saved = json.loads(Path(path).read_text())
        if isinstance(saved.get("scope"), str):
            options.setdefault("scope", saved["scope"])
        return cls(saved["token_endpoint"], saved["client_id"], saved["client_secret"], **options)

    def token(self) -> str:
        """A valid access token: the cached one, or a new one if it is due for refresh."""
        with self._lock:
            cached = self._cached
            if cached is None or self._clock() >= cached.refresh_at:
                cached = self._cached = self._fetch()
            return cached.value

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still `token`, when given)."""
        with self._lock:
            if self._cached is not None and (token is None or self._cached.value == token):
                self._cached = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        fetched_before = self.tokens_fetched
        token = self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and self.tokens_fetched == fetched_before:
            # The token came from the cache and the API refuses it: get a new one, once.
            self.invalidate(token)
            request.headers["Authorization"] = f"Bearer {self.token()}"
            yield request

    def _fetch(self) -> _CachedToken:
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        started = self._clock()
        http = self._http or httpx.Client(timeout=TOKEN_TIMEOUT_SECONDS)
        try:
            response = http.post(
                self.token_url,
                data=form,
                auth=httpx.BasicAuth(self.client_id, self._client_secret),
                headers={"Accept": "application/json"},
            )
        finally:
            if self._http is None:
                http.close()
        body = _json_object(response)
        if response.status_code != 200:
            raise TokenError(
                response.status_code,
                str(body.get("error") or "invalid_response"),
                _str_or_none(body.get("error_description")),
                retry_after=_retry_after(response),
            )
        access_token = body.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise TokenError(response.status_code, "invalid_response", "no access_token")
        expires_in = body.get("expires_in")
        lifetime = (
            float(expires_in)
            if isinstance(expires_in, int | float) and not isinstance(expires_in, bool)
            else DEFAULT_LIFETIME_SECONDS
        )
        early = min(self._refresh_margin, lifetime / 2)
        self.tokens_fetched += 1
        return _CachedToken(access_token, started + lifetime - early)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
