"""The Python client (clients/python) without a server: the generated operations over an
`httpx.MockTransport`, its typed errors, the retry transport, the token cache and pagination."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from gateway_admin_api import errors
from gateway_admin_api.api.teams import create_team, delete_team, get_team, list_teams, update_team
from gateway_admin_api.models import TeamCreate, TeamUpdate
from gateway_admin_client import (
    BearerToken,
    ClientCredentials,
    CursorLoop,
    FileTokenStore,
    RetryTransport,
    TokenError,
    connect,
    iterate,
    iterate_pages,
)

BASE = "http://gateway.test"
TEAM_ID = "tm_" + "a" * 26


def team_json(team_id: str = TEAM_ID, name: str = "payments") -> dict[str, Any]:
    return {
        "team_id": team_id,
        "name": name,
        "contact_email": "p@example.com",
        "tier": "standard",
        "status": "active",
        "client_id": "c" * 26,
        "created_at": "2026-11-22T14:05:00Z",
        "updated_at": "2026-11-22T14:05:00Z",
    }


def problem(status: int, title: str, **more: Any) -> httpx.Response:
    body = {"type": "https://gateway.internal/problems/x", "title": title, "status": status}
    return httpx.Response(
        status, json={**body, **more}, headers={"content-type": "application/problem+json"}
    )


def client_for(handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> Any:
    return connect(BASE, "tok", transport=httpx.MockTransport(handler), **options)


class Recorder:
    """A MockTransport handler answering from a list, recording the requests."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.headers: list[httpx.Headers] = []  # as sent: a request sent again is the same object

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.headers.append(request.headers.copy())
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


# --- typed errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, errors.BadRequest),
        (401, errors.Unauthorized),
        (403, errors.Forbidden),
        (404, errors.NotFound),
        (409, errors.Conflict),
        (412, errors.PreconditionFailed),
        (413, errors.PayloadTooLarge),
        (415, errors.UnsupportedMediaType),
        (422, errors.UnprocessableEntity),
        (428, errors.PreconditionRequired),
        (429, errors.TooManyRequests),
        (500, errors.InternalServerError),
        (502, errors.ServerError),
        (503, errors.ServiceUnavailable),
        (418, errors.ClientError),
    ],
)
def test_each_error_status_raises_its_class_with_the_problem_fields(
    status: int, error_class: type[errors.ApiError]
) -> None:
    answer = problem(
        status,
        "Some Title",
        detail="what went wrong",
        instance=f"/teams/{TEAM_ID}",
        request_id="req-1",
        errors=[{"field": "name", "message": "is taken"}],
    )
    client = client_for(Recorder(answer), retries=0)
    with pytest.raises(error_class) as raised:
        get_team.sync(TEAM_ID, client=client)
    error = raised.value
    assert type(error) is error_class
    assert isinstance(error, errors.ApiError)
    assert (error.status, error.title, error.detail) == (status, "Some Title", "what went wrong")
    assert (error.instance, error.request_id) == (f"/teams/{TEAM_ID}", "req-1")
    assert error.type == "https://gateway.internal/problems/x"
    assert error.field_errors == {"name": "is taken"}
    assert [(e.field, e.message) for e in error.errors] == [("name", "is taken")]
    assert str(error) == f"{status} Some Title: what went wrong (request id req-1)"
    assert isinstance(error, errors.ServerError) == (status >= 500)
    assert isinstance(error, errors.ClientError) == (400 <= status < 500)


def test_an_answer_that_is_not_a_problem_still_raises_the_class_of_its_status() -> None:
    html = httpx.Response(502, text="<html>Bad gateway</html>")
    with pytest.raises(errors.ServerError) as raised:
        get_team.sync(TEAM_ID, client=client_for(Recorder(html), retries=0))
    assert raised.value.title == "Bad Gateway"
    assert raised.value.detail == "<html>Bad gateway</html>"
    assert raised.value.errors == []
    assert raised.value.request_id is None


def test_an_undocumented_success_status_raises_unexpected_status() -> None:
    with pytest.raises(errors.UnexpectedStatus) as raised:
        get_team.sync(TEAM_ID, client=client_for(Recorder(httpx.Response(202, json={}))))
    assert raised.value.status == 202


def test_too_many_requests_tells_when_to_retry() -> None:
    answer = problem(429, "Too Many Requests")
    answer.headers["Retry-After"] = "7"
    with pytest.raises(errors.TooManyRequests) as raised:
        get_team.sync(TEAM_ID, client=client_for(Recorder(answer), retries=0))
    assert raised.value.retry_after == 7.0


# --- ETag, If-Match, Idempotency-Key -------------------------------------------------------------


def test_a_read_exposes_the_etag_and_an_update_sends_if_match() -> None:
    recorder = Recorder(
        httpx.Response(200, json=team_json(), headers={"ETag": '"3"'}),
        httpx.Response(200, json=team_json(), headers={"ETag": '"4"'}),
        httpx.Response(204),
    )
    client = client_for(recorder)
    read = get_team.sync_detailed(TEAM_ID, client=client)
    assert read.etag == '"3"'
    assert read.parsed.name == "payments"
    updated = update_team.sync_detailed(
        TEAM_ID, client=client, body=TeamUpdate(cost_center="CC-1"), if_match=read.etag
    )
    assert updated.etag == '"4"'
    delete_team.sync(TEAM_ID, client=client, if_match='"4"')
    put, delete = recorder.requests[1], recorder.requests[2]
    assert put.headers["If-Match"] == '"3"'
    assert json.loads(put.content) == {"cost_center": "CC-1"}
    assert delete.method == "DELETE"
    assert delete.headers["If-Match"] == '"4"'
    assert recorder.requests[0].headers["Authorization"] == "Bearer tok"


def test_creates_send_a_new_idempotency_key_unless_one_is_given() -> None:
    registration = {
        "team": team_json(),
        "credentials": {
            "client_id": "c" * 26,
            "client_secret": "s",
            "token_endpoint": f"{BASE}/oauth2/token",
            "scopes": ["https://gateway.internal/invoke"],
        },
    }
    recorder = Recorder(*[httpx.Response(201, json=registration) for _ in range(3)])
    client = client_for(recorder)
    body = TeamCreate(name="payments", contact_email="p@example.com", tier="standard")
    created = create_team.sync(client=client, body=body)
    create_team.sync(client=client, body=body)
    create_team.sync(client=client, body=body, idempotency_key="register-payments")
    assert created.credentials.client_secret == "s"
    keys = [request.headers.get("Idempotency-Key") for request in recorder.requests]
    assert keys[0]
    assert keys[1]
    assert keys[0] != keys[1]
    assert keys[2] == "register-payments"


# --- retries -------------------------------------------------------------------------------------


def test_a_lost_answer_to_a_create_is_retried_with_the_same_idempotency_key() -> None:
    registration = {
        "team": team_json(),
        "credentials": {
            "client_id": "c",
            "client_secret": "s",
            "token_endpoint": "t",
            "scopes": [],
        },
    }
    recorder = Recorder(httpx.ReadTimeout("lost"), httpx.Response(201, json=registration))
    sleeps: list[float] = []
    transport = RetryTransport(httpx.MockTransport(recorder), sleep=sleeps.append)
    client = connect(BASE, "tok", transport=transport, retries=0)
    body = TeamCreate(name="payments", contact_email="p@example.com", tier="standard")
    assert create_team.sync(client=client, body=body).team.team_id == TEAM_ID
    first, second = recorder.requests
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.content == second.content
    assert sleeps == [0.5]


def test_a_lost_answer_to_an_update_is_not_sent_again() -> None:
    recorder = Recorder(httpx.ReadTimeout("lost"), httpx.Response(200, json=team_json()))
    client = client_for(recorder)
    with pytest.raises(httpx.ReadTimeout):
        update_team.sync(TEAM_ID, client=client, body=TeamUpdate(status="suspended"))
    assert len(recorder.requests) == 1


def test_a_request_that_never_reached_the_server_is_sent_again_whatever_its_method() -> None:
    recorder = Recorder(httpx.ConnectError("refused"), httpx.Response(200, json=team_json()))
    transport = RetryTransport(httpx.MockTransport(recorder), sleep=lambda _: None)
    client = connect(BASE, "tok", transport=transport, retries=0)
    update_team.sync(TEAM_ID, client=client, body=TeamUpdate(status="suspended"), if_match='"1"')
    assert [r.method for r in recorder.requests] == ["PUT", "PUT"]


def test_503_and_429_are_retried_after_retry_after_then_given_up() -> None:
    unavailable = problem(503, "Service Unavailable")
    unavailable.headers["Retry-After"] = "2"
    recorder = Recorder(unavailable, problem(429, "Too Many Requests"), problem(503, "Down"))
    sleeps: list[float] = []
    transport = RetryTransport(httpx.MockTransport(recorder), retries=2, sleep=sleeps.append)
    with pytest.raises(errors.ServiceUnavailable) as raised:
        get_team.sync(TEAM_ID, client=connect(BASE, "tok", transport=transport, retries=0))
    assert raised.value.title == "Down"
    assert len(recorder.requests) == 3
    assert sleeps == [2.0, 1.0]  # Retry-After, then the backoff of the second attempt


def test_a_retry_after_longer_than_max_delay_is_returned_at_once() -> None:
    throttled = problem(429, "Too Many Requests")
    throttled.headers["Retry-After"] = "900"
    recorder = Recorder(throttled)
    transport = RetryTransport(httpx.MockTransport(recorder), max_delay=30, sleep=pytest.fail)
    with pytest.raises(errors.TooManyRequests):
        get_team.sync(TEAM_ID, client=connect(BASE, "tok", transport=transport, retries=0))
    assert len(recorder.requests) == 1


# --- OAuth2 client credentials -------------------------------------------------------------------


class TokenEndpoint:
    """A token endpoint answering numbered tokens that live `lifetime` seconds."""

    def __init__(self, lifetime: int = 3600) -> None:
        self.lifetime = lifetime
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        token = f"token-{len(self.requests)}"
        return httpx.Response(
            200, json={"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime}
        )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def credentials(endpoint: Callable[[httpx.Request], httpx.Response], **options: Any) -> Any:
    http = httpx.Client(transport=httpx.MockTransport(endpoint))
    return ClientCredentials(f"{BASE}/oauth2/token", "my-id", "my-secret", http=http, **options)


def test_the_token_is_fetched_once_and_cached_until_shortly_before_expiry() -> None:
    endpoint, clock = TokenEndpoint(lifetime=3600), Clock()
    auth = credentials(endpoint, clock=clock, refresh_margin=60)
    api = Recorder(*[httpx.Response(200, json=team_json()) for _ in range(4)])
    client = connect(BASE, auth, transport=httpx.MockTransport(api))
    get_team.sync(TEAM_ID, client=client)
    clock.now += 3539  # one second before the refresh point
    get_team.sync(TEAM_ID, client=client)
    assert len(endpoint.requests) == 1
    clock.now += 1
    get_team.sync(TEAM_ID, client=client)
    get_team.sync(TEAM_ID, client=client)
    assert len(endpoint.requests) == 2
    sent = [headers["Authorization"] for headers in api.headers]
    assert sent == ["Bearer token-1", "Bearer token-1", "Bearer token-2", "Bearer token-2"]
    token_request = endpoint.requests[0]
    assert token_request.method == "POST"
    assert parse_qs(token_request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "scope": ["https://gateway.internal/admin"],
    }
    basic = base64.b64encode(b"my-id:my-secret").decode()
    assert token_request.headers["Authorization"] == f"Basic {basic}"


def test_a_short_lived_token_is_refreshed_at_half_its_lifetime() -> None:
    endpoint, clock = TokenEndpoint(lifetime=40), Clock()
    auth = credentials(endpoint, clock=clock, refresh_margin=60)
    assert auth.token() == "token-1"
    clock.now += 19
    assert auth.token() == "token-1"
    clock.now += 1
    assert auth.token() == "token-2"


def test_a_cached_token_refused_with_401_is_replaced_once() -> None:
    endpoint = TokenEndpoint()
    auth = credentials(endpoint)
    api = Recorder(
        httpx.Response(200, json=team_json()),
        problem(401, "Unauthorized"),
        httpx.Response(200, json=team_json()),
        problem(401, "Unauthorized"),
    )
    client = connect(BASE, auth, transport=httpx.MockTransport(api))
    get_team.sync(TEAM_ID, client=client)
    get_team.sync(TEAM_ID, client=client)  # token-1 refused: token-2 fetched, request sent again
    assert [headers["Authorization"] for headers in api.headers[1:3]] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    # A fresh token refused is not retried again.
    auth.invalidate()
    with pytest.raises(errors.Unauthorized):
        get_team.sync(TEAM_ID, client=client)
    assert len(endpoint.requests) == 3


def test_a_refused_token_request_raises_token_error() -> None:
    def endpoint(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            json={"error": "slow_down", "error_description": "too many failures"},
            headers={"Retry-After": "4"},
        )

    with pytest.raises(TokenError) as raised:
        credentials(endpoint).token()
    assert (raised.value.status, raised.value.error) == (429, "slow_down")
    assert raised.value.description == "too many failures"
    assert raised.value.retry_after == 4.0


def test_credentials_from_the_local_servers_file(tmp_path: Any) -> None:
    saved = {
        "client_id": "id",
        "client_secret": "secret",
        "token_endpoint": "http://127.0.0.1:8080/oauth2/token",
        "scope": "https://gateway.internal/admin",
    }
    path = tmp_path / "admin-client.json"
    path.write_text(json.dumps(saved))
    auth = ClientCredentials.from_file(path)
    assert (auth.token_url, auth.client_id, auth.scope) == (
        saved["token_endpoint"],
        "id",
        "https://gateway.internal/admin",
    )


def test_a_stored_token_is_shared_by_later_processes_until_its_refresh_point(
    tmp_path: Any,
) -> None:
    endpoint, clock, wall = TokenEndpoint(lifetime=3600), Clock(), Clock()
    store = FileTokenStore(tmp_path / "tokens" / "admin.json")
    first = credentials(endpoint, store=store, clock=clock, wall_clock=wall)
    assert first.token() == "token-1"
    assert (tmp_path / "tokens").stat().st_mode & 0o777 == 0o700
    assert store.path.stat().st_mode & 0o777 == 0o600
    # A later process (a new instance, its monotonic clock elsewhere) reuses the stored token.
    later = credentials(endpoint, store=store, clock=Clock(), wall_clock=wall)
    assert later.token() == "token-1"
    assert len(endpoint.requests) == 1
    # Another client, endpoint or scope does not get it.
    other = ClientCredentials(
        f"{BASE}/oauth2/token",
        "other-id",
        "s",
        http=httpx.Client(transport=httpx.MockTransport(endpoint)),
        store=store,
        wall_clock=wall,
    )
    assert other.token() == "token-2"
    # Past the refresh point (60 s before expiry, by the wall clock) a new one is fetched.
    wall.now += 3540
    again = credentials(endpoint, store=store, wall_clock=wall)
    assert again.token() == "token-3"
    stored = store.load()
    assert stored is not None
    assert stored.access_token == "token-3"


def test_a_stored_token_refused_with_401_is_forgotten_by_the_store(tmp_path: Any) -> None:
    endpoint = TokenEndpoint()
    store = FileTokenStore(tmp_path / "admin.json")
    assert credentials(endpoint, store=store).token() == "token-1"
    api = Recorder(problem(401, "Unauthorized"), httpx.Response(200, json=team_json()))
    client = connect(BASE, credentials(endpoint, store=store), transport=httpx.MockTransport(api))
    get_team.sync(TEAM_ID, client=client)
    assert [headers["Authorization"] for headers in api.headers] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    stored = store.load()
    assert stored is not None
    assert stored.access_token == "token-2"


def test_a_token_file_others_can_read_or_that_is_malformed_counts_as_empty(tmp_path: Any) -> None:
    endpoint = TokenEndpoint()
    store = FileTokenStore(tmp_path / "admin.json")
    credentials(endpoint, store=store).token()
    store.path.chmod(0o644)
    assert store.load() is None
    assert credentials(endpoint, store=store).token() == "token-2"
    assert store.path.stat().st_mode & 0o777 == 0o600  # replaced by the new token's file
    store.path.write_text("{not json")
    assert store.load() is None
    assert credentials(endpoint, store=store).token() == "token-3"


def test_a_fixed_token() -> None:
    request = httpx.Request("GET", BASE)
    flow = BearerToken("abc").auth_flow(request)
    assert next(flow).headers["Authorization"] == "Bearer abc"


# --- pagination ----------------------------------------------------------------------------------


def pages_handler(
    pages: dict[str | None, tuple[list[str], str | None]], seen: list[httpx.Request]
) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        names, next_cursor = pages[request.url.params.get("cursor")]
        items = [team_json("tm_" + name.ljust(26, "0"), name) for name in names]
        return httpx.Response(200, json={"items": items, "next_cursor": next_cursor})

    return handler


def test_iterate_follows_next_cursor_with_the_same_filters() -> None:
    seen: list[httpx.Request] = []
    handler = pages_handler({None: (["a", "b"], "c1"), "c1": (["c"], "c2"), "c2": ([], None)}, seen)
    client = client_for(handler)
    names = [
        team.name for team in iterate(list_teams.sync, client=client, limit=2, status="active")
    ]
    assert names == ["a", "b", "c"]
    assert [dict(r.url.params) for r in seen] == [
        {"limit": "2", "status": "active"},
        {"limit": "2", "status": "active", "cursor": "c1"},
        {"limit": "2", "status": "active", "cursor": "c2"},
    ]


def test_iterate_pages_yields_each_page_and_stops_on_a_cursor_loop() -> None:
    seen: list[httpx.Request] = []
    handler = pages_handler({None: (["a"], "c1"), "c1": (["b"], "c1")}, seen)
    pages = iterate_pages(list_teams.sync, client=client_for(handler))
    first, second = next(pages), next(pages)
    assert [len(first.items), len(second.items)] == [1, 1]
    with pytest.raises(CursorLoop):
        next(pages)
