"""The Python client (clients/python) against the real `gatewayctl serve` process: every kind of
operation, the typed errors the server's problem documents become, If-Match, Idempotency-Key
replays (also of a create whose answer was lost) and the OAuth2 token cache."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from gateway_admin_api import AuthenticatedClient, errors
from gateway_admin_api.api.budgets import create_budget, list_budgets, update_budget
from gateway_admin_api.api.routing import create_routing_rule
from gateway_admin_api.api.teams import create_team, delete_team, get_team, list_teams, update_team
from gateway_admin_api.models import (
    BudgetCreate,
    BudgetUpdate,
    RoutingRuleCreate,
    RoutingTarget,
    TeamCreate,
    TeamUpdate,
    Tier,
)
from gateway_admin_client import ClientCredentials, connect, iterate, iterate_pages

from tests.support.server import RunningServer, running_server

pytestmark = pytest.mark.e2e

MISSING_TEAM = "tm_" + "0" * 26


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("client") / "gateway") as running:
        yield running


@pytest.fixture
def auth(server: RunningServer) -> ClientCredentials:
    return ClientCredentials.from_file(server.data_dir / "admin-client.json")


@pytest.fixture
def client(server: RunningServer, auth: ClientCredentials) -> Iterator[AuthenticatedClient]:
    with connect(server.base_url, auth) as connected:
        yield connected


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def new_team(name: str, tier: Tier = "unlimited") -> TeamCreate:
    return TeamCreate(name=name, contact_email=f"{name}@example.com", tier=tier)


def test_create_list_every_page_get_update_with_if_match_and_delete(
    client: AuthenticatedClient,
) -> None:
    prefix = unique("crud")
    names = [f"{prefix}-{n}" for n in range(5)]
    created = [create_team.sync(client=client, body=new_team(name)) for name in names]
    ids = [registration.team.team_id for registration in created]

    # Every page, 2 teams at a time: the 5 new ones are all there, in order, each once.
    pages = list(iterate_pages(list_teams.sync, client=client, limit=2))
    assert len(pages) >= 3
    assert all(len(page.items) <= 2 for page in pages)
    assert pages[-1].next_cursor is None
    listed = [team.team_id for team in iterate(list_teams.sync, client=client, limit=2)]
    assert [team_id for team_id in listed if team_id in ids] == ids
    assert len(listed) == len(set(listed))

    # A read exposes the ETag; an update with it succeeds and answers the next one.
    team_id = ids[0]
    read = get_team.sync_detailed(team_id, client=client)
    assert read.parsed.name == names[0]
    assert read.etag
    updated = update_team.sync_detailed(
        team_id, client=client, body=TeamUpdate(cost_center="CC-4410"), if_match=read.etag
    )
    assert updated.parsed.cost_center == "CC-4410"
    assert updated.etag
    assert updated.etag != read.etag

    # The first ETag is stale now: 412, as a typed exception, and nothing changed.
    with pytest.raises(errors.PreconditionFailed) as stale:
        update_team.sync(
            team_id, client=client, body=TeamUpdate(cost_center="CC-0000"), if_match=read.etag
        )
    assert stale.value.status == 412
    assert stale.value.request_id
    with pytest.raises(errors.PreconditionFailed):
        delete_team.sync(team_id, client=client, if_match=read.etag)
    assert get_team.sync(team_id, client=client).cost_center == "CC-4410"

    # Deleted with the current ETag, it is gone.
    delete_team.sync(team_id, client=client, if_match=updated.etag)
    with pytest.raises(errors.NotFound):
        get_team.sync(team_id, client=client)


def test_a_missing_resource_is_not_found(client: AuthenticatedClient) -> None:
    with pytest.raises(errors.NotFound) as raised:
        get_team.sync(MISSING_TEAM, client=client)
    error = raised.value
    assert (error.status, error.title) == (404, "Not Found")
    assert error.instance == f"/teams/{MISSING_TEAM}"
    assert error.request_id
    assert error.headers["content-type"] == "application/problem+json"


def test_an_unprocessable_request_names_its_fields(client: AuthenticatedClient) -> None:
    with pytest.raises(errors.UnprocessableEntity) as raised:
        create_budget.sync(client=client, body=BudgetCreate(team_id=MISSING_TEAM, amount_usd="10"))
    assert raised.value.status == 422
    assert list(raised.value.field_errors) == ["team_id"]
    assert MISSING_TEAM in raised.value.field_errors["team_id"]

    rule = RoutingRuleCreate(
        model=unique("model"),
        strategy="failover",
        targets=[RoutingTarget(provider="no-such-provider", model="m")],
    )
    with pytest.raises(errors.UnprocessableEntity) as unknown:
        create_routing_rule.sync(client=client, body=rule)
    assert [e.field for e in unknown.value.errors] == ["targets[0].provider"]


def test_a_malformed_request_is_a_bad_request_naming_the_field(
    client: AuthenticatedClient,
) -> None:
    body = TeamCreate(name="Not A Slug", contact_email="p@example.com", tier="standard")
    with pytest.raises(errors.BadRequest) as raised:
        create_team.sync(client=client, body=body)
    assert list(raised.value.field_errors) == ["name"]


def test_an_idempotency_key_replays_the_first_answer(client: AuthenticatedClient) -> None:
    name, key = unique("replay"), unique("key")
    first = create_team.sync(client=client, body=new_team(name), idempotency_key=key)
    again = create_team.sync(client=client, body=new_team(name), idempotency_key=key)
    assert again.team.team_id == first.team.team_id
    assert again.credentials.client_id == first.credentials.client_id
    named = [t for t in iterate(list_teams.sync, client=client, limit=100) if t.name == name]
    assert len(named) == 1
    # The same key with another body is refused.
    with pytest.raises(errors.UnprocessableEntity):
        create_team.sync(client=client, body=new_team(unique("other")), idempotency_key=key)


class LoseFirstCreateAnswer(httpx.BaseTransport):
    """Sends requests to the server, but loses the answer of the first POST, as a timeout."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.posts: list[str | None] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST":
            self.posts.append(request.headers.get("Idempotency-Key"))
            if len(self.posts) == 1:
                response.read()
                response.close()
                raise httpx.ReadTimeout("the answer was lost", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


def test_a_create_whose_answer_was_lost_is_retried_and_done_once(
    server: RunningServer, auth: ClientCredentials
) -> None:
    transport = LoseFirstCreateAnswer()
    name = unique("lost")
    with connect(server.base_url, auth, transport=transport) as client:
        registration = create_team.sync(client=client, body=new_team(name))
        # Two POSTs with one generated key: the second was answered with the first's result.
        assert len(transport.posts) == 2
        assert transport.posts[0]
        assert transport.posts[0] == transport.posts[1]
        named = [t for t in iterate(list_teams.sync, client=client, limit=100) if t.name == name]
        assert [t.team_id for t in named] == [registration.team.team_id]


def test_the_token_is_fetched_once_and_again_only_when_due(server: RunningServer) -> None:
    token_requests: list[httpx.Request] = []
    now = [0.0]
    auth = ClientCredentials.from_file(
        server.data_dir / "admin-client.json",
        http=httpx.Client(event_hooks={"request": [token_requests.append]}),
        clock=lambda: now[0],
    )
    with connect(server.base_url, auth) as client:
        team_id = create_team.sync(client=client, body=new_team(unique("tok"), "standard"))
        budgets = list_budgets.sync(client=client, team_id=team_id.team.team_id)
        budget = budgets.items[0]
        update_budget.sync(budget.budget_id, client=client, body=BudgetUpdate(amount_usd="250"))
        for _ in range(3):
            list_teams.sync(client=client, limit=1)
        assert len(token_requests) == 1
        assert token_requests[0].url.path == "/oauth2/token"
        now[0] += 24 * 3600  # long past the token's expiry
        list_teams.sync(client=client, limit=1)
        assert len(token_requests) == 2


def test_a_token_the_api_refuses_is_unauthorized(server: RunningServer) -> None:
    with connect(server.base_url, "not-a-token") as client, pytest.raises(errors.Unauthorized):
        list_teams.sync(client=client)


def test_the_admin_credentials_file_and_the_real_token_endpoint(server: RunningServer) -> None:
    auth = ClientCredentials.from_file(server.data_dir / "admin-client.json")
    token = auth.token()
    assert token == auth.token()
    assert auth.tokens_fetched == 1
    with connect(server.base_url, token) as client:
        assert list_teams.sync(client=client, limit=1).items is not None
