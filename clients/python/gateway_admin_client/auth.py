"""OAuth2 client-credentials authentication (RFC 6749 §4.4) for the admin API.

`ClientCredentials` is an `httpx.Auth`: it asks the token endpoint (Cognito's, or the local
server's `/oauth2/token`) for an access token, keeps it until shortly before it expires, and sends
it as `Authorization: Bearer …` on every request. A 401 answered to a cached token (revoked, or
signed with a rotated key) fetches a new token once and sends the request again. With a
`TokenStore` (`FileTokenStore`), the token outlives the process: consecutive runs of a command
share one token instead of asking the token endpoint every time.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

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


@dataclass(frozen=True)
class StoredToken:
    """A token as kept between processes: for whom it was issued, and when it is due for refresh
    (wall-clock seconds since the epoch: a monotonic clock means nothing to another process)."""

    token_url: str
    client_id: str
    scope: str | None
    access_token: str
    refresh_at: float


class TokenStore(Protocol):
    """Where `ClientCredentials` keeps its token between processes."""

    def load(self) -> StoredToken | None:
        """The stored token, or None (nothing stored, or unreadable)."""

    def save(self, token: StoredToken) -> None:
        """Keep `token`, replacing the stored one."""

    def clear(self) -> None:
        """Forget the stored token."""


class FileTokenStore:
    """One token in a JSON file only its owner may read (0600, written atomically; its folder is
    created 0700). A store is an optimisation: a file that cannot be read, is malformed or is
    readable by others counts as empty, and a failed write leaves the token in memory only."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> StoredToken | None:
        try:
            if self.path.stat().st_mode & 0o077:
                return None  # someone widened it: do not trust (nor use) what others could read
            saved = json.loads(self.path.read_text())
            return StoredToken(
                token_url=str(saved["token_url"]),
                client_id=str(saved["client_id"]),
                scope=None if saved["scope"] is None else str(saved["scope"]),
                access_token=str(saved["access_token"]),
                refresh_at=float(saved["refresh_at"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, token: StoredToken) -> None:
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # mkstemp creates the file 0600; the rename makes the new token appear whole.
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".token-")
            try:
                with os.fdopen(handle, "w") as file:
                    json.dump(asdict(token), file)
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            return

    def clear(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            return


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
    monotonic clock in seconds and `wall_clock` the time since the epoch (tests pass their own).
    `store` keeps the token between processes: a stored token issued to the same endpoint,
    client and scope is used until its refresh point instead of asking for a new one.
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
        store: TokenStore | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self._refresh_margin = refresh_margin
        self._http = http
        self._clock = clock
        self._store = store
        self._wall_clock = wall_clock
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
                cached = self._cached = self._stored() or self._fetch()
            return cached.value

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still `token`, when given), in the store too."""
        with self._lock:
            if self._cached is not None and (token is None or self._cached.value == token):
                self._cached = None
            if self._store is not None:
                stored = self._store.load()
                if stored is not None and (token is None or stored.access_token == token):
                    self._store.clear()

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

    def _stored(self) -> _CachedToken | None:
        """The store's token if it is this client's and not yet due for refresh."""
        if self._store is None:
            return None
        stored = self._store.load()
        if stored is None or (stored.token_url, stored.client_id, stored.scope) != (
            self.token_url,
            self.client_id,
            self.scope,
        ):
            return None
        remaining = stored.refresh_at - self._wall_clock()
        if remaining <= 0:
            return None
        return _CachedToken(stored.access_token, self._clock() + remaining)

    def _fetch(self) -> _CachedToken:
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        started = self._clock()
        wall_started = self._wall_clock()
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
        if self._store is not None:
            self._store.save(
                StoredToken(
                    self.token_url,
                    self.client_id,
                    self.scope,
                    access_token,
                    wall_started + lifetime - early,
                )
            )
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
