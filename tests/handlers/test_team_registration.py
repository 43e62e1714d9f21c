"""team_registration through API Gateway proxy events, validated against openapi.yaml."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from controlplane.errors import Unavailable
from controlplane.services import Services
from controlplane.store.port import Write
from tests.conftest import LambdaApi


def test_register_team_answers_credentials_once_and_a_default_budget(api: LambdaApi) -> None:
    # WHEN a standard team registers
    answer = api.post(
        "/teams",
        {
            "name": "payments",
            "contact_email": "payments@example.com",
            "tier": "standard",
            "description": "Coding agents of payments",
            "cost_center": "CC-1",
        },
    )
    # THEN it gets its client credentials, an invoke scope and a 100 USD budget
    assert answer.status == 201
    team = answer.body["team"]
    assert answer.headers["Location"] == f"/teams/{team['team_id']}"
    assert answer.headers["ETag"] == '"1"'
    assert team["status"] == "active"
    credentials = answer.body["credentials"]
    assert credentials["client_id"] == team["client_id"]
    assert credentials["client_secret"]
    assert credentials["scopes"] == ["https://gateway.internal/invoke"]
    budget = api.get(f"/budgets/{answer.body['budget_id']}").body
    assert budget["amount_usd"] == "100.000000"
    assert budget["alert_thresholds"] == [50, 80, 100]
    assert budget["enforcement"] == "hard"
    # AND reading the team never shows the secret
    read = api.get(f"/teams/{team['team_id']}")
    assert "client_secret" not in str(read.body)
    assert read.body == team


@pytest.mark.parametrize(
    ("tier", "amount"),
    [("sandbox", "25.000000"), ("premium", "1000.000000"), ("unlimited", None)],
)
def test_tier_sets_the_default_budget(api: LambdaApi, tier: str, amount: str | None) -> None:
    registration = api.register_team(name=f"team-{tier}", tier=tier)
    budgets = api.get("/budgets", query={"team_id": registration["team"]["team_id"]}).body["items"]
    assert [b["amount_usd"] for b in budgets] == ([amount] if amount else [])
    assert ("budget_id" in registration) == (amount is not None)


def test_duplicate_name_is_409_naming_the_field(api: LambdaApi) -> None:
    api.register_team("payments")
    answer = api.post(
        "/teams", {"name": "payments", "contact_email": "x@example.com", "tier": "sandbox"}
    )
    assert answer.status == 409
    assert answer.body["errors"] == [{"field": "name", "message": "'payments' is already taken"}]


def test_concurrent_registrations_of_one_name_make_exactly_one_team(
    api: LambdaApi, services: Services
) -> None:
    statuses: list[int] = []

    def register() -> None:
        answer = api.post(
            "/teams", {"name": "racers", "contact_email": "r@example.com", "tier": "sandbox"}
        )
        statuses.append(answer.status)

    threads = [threading.Thread(target=register) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * 5
    teams = api.get("/teams").body["items"]
    assert [t["name"] for t in teams] == ["racers"]
    # AND the losers' OAuth clients were deleted again: only the winner's (and no other) exists
    clients = services.store.query("OAUTH_CLIENT").items
    assert [c.sk for c in clients] == [teams[0]["client_id"]]


def test_registration_is_all_or_nothing_when_the_store_fails(
    api: LambdaApi, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a store whose transactions fail
    def broken(ops: list[Write]) -> None:
        raise Unavailable(detail="the store is down")

    monkeypatch.setattr(services.store, "transact", broken)
    # WHEN a team registers
    answer = api.post(
        "/teams", {"name": "doomed", "contact_email": "d@example.com", "tier": "sandbox"}
    )
    # THEN it is told to retry, and the OAuth client created on the way was deleted again
    assert answer.status == 503
    assert answer.body["type"].endswith("/unavailable")
    monkeypatch.undo()
    assert services.store.query("OAUTH_CLIENT").items == []
    assert api.get("/teams").body["items"] == []


def test_update_changes_only_named_fields_and_bumps_the_etag(api: LambdaApi) -> None:
    team = api.register_team()["team"]
    path = f"/teams/{team['team_id']}"
    answer = api.put(path, {"status": "suspended"}, headers={"If-Match": '"1"'})
    assert answer.status == 200
    assert answer.headers["ETag"] == '"2"'
    assert answer.body["status"] == "suspended"
    assert answer.body["contact_email"] == team["contact_email"]
    assert answer.body["tier"] == team["tier"]


def test_stale_if_match_is_412_and_changes_nothing(api: LambdaApi) -> None:
    team = api.register_team()["team"]
    path = f"/teams/{team['team_id']}"
    api.put(path, {"tier": "premium"})
    answer = api.put(path, {"status": "suspended"}, headers={"If-Match": '"1"'})
    assert answer.status == 412
    assert api.get(path).body["status"] == "active"
    assert api.delete(path, headers={"If-Match": '"1"'}).status == 412


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"team_id": "tm_01jd2x3y4z5a6b7c8d9e0f1g2h"}, "team_id"),
        ({"name": "renamed"}, "name"),
        ({"created_at": "2026-01-01T00:00:00Z"}, "created_at"),
        ({"status": "deleted"}, "status"),
    ],
)
def test_update_refuses_read_only_and_invalid_fields(
    api: LambdaApi, body: dict[str, Any], field: str
) -> None:
    team = api.register_team()["team"]
    answer = api.put(f"/teams/{team['team_id']}", body, valid_request=False)
    assert answer.status == 400
    assert [e["field"] for e in answer.body["errors"]] == [field]


def test_empty_update_is_400(api: LambdaApi) -> None:
    team = api.register_team()["team"]
    answer = api.put(f"/teams/{team['team_id']}", {}, valid_request=False)
    assert answer.status == 400


def test_deregistration_revokes_the_client_and_deletes_the_budget(
    api: LambdaApi, services: Services
) -> None:
    registration = api.register_team()
    team = registration["team"]
    # GIVEN an audit trail and a budget
    answer = api.delete(f"/teams/{team['team_id']}")
    assert answer.status == 204
    assert api.get(f"/teams/{team['team_id']}").status == 404
    assert api.get(f"/budgets/{registration['budget_id']}").status == 404
    assert services.store.get("OAUTH_CLIENT", team["client_id"]) is None
    # AND the name is free again
    assert (
        api.post(
            "/teams", {"name": "payments", "contact_email": "p@example.com", "tier": "sandbox"}
        ).status
        == 201
    )


def test_rotating_the_secret_answers_a_new_one_and_the_old_stops_working(
    api: LambdaApi, services: Services
) -> None:
    from controlplane.identity.local import LocalIdentityProvider

    registration = api.register_team()
    old = registration["credentials"]
    answer = api.post(f"/teams/{registration['team']['team_id']}/secret")
    assert answer.status == 200
    new = answer.body
    assert new["client_id"] == old["client_id"]
    assert new["client_secret"] != old["client_secret"]
    identity = services.identity
    assert isinstance(identity, LocalIdentityProvider)
    assert identity.authenticate(new["client_id"], new["client_secret"])
    with pytest.raises(Exception, match="wrong secret"):
        identity.authenticate(old["client_id"], old["client_secret"])


def test_list_filters_by_status_and_paginates(api: LambdaApi) -> None:
    ids = [api.register_team(f"team-{i}")["team"]["team_id"] for i in range(7)]
    for team_id in ids[::2]:
        api.put(f"/teams/{team_id}", {"status": "suspended"})
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": "2", "status": "suspended"} | ({"cursor": cursor} if cursor else {})
        page = api.get("/teams", query=query).body
        assert len(page["items"]) <= 2
        seen += [t["team_id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::2]


def test_every_mutation_is_audited(api: LambdaApi, services: Services) -> None:
    team = api.register_team()["team"]
    api.put(f"/teams/{team['team_id']}", {"tier": "premium"})
    api.delete(f"/teams/{team['team_id']}")
    month = team["created_at"][:7]
    records = services.audit.month(month)
    assert [r["action"] for r in records] == ["createTeam", "updateTeam", "deleteTeam"]
    update = records[1]
    assert update["actor"] == "5b1n1c2f0kq7v3lq9l7c0s1f8e"
    assert update["before"]["tier"] == "standard"
    assert update["after"]["tier"] == "premium"
    assert update["request_id"]
    assert update["resource"] == f"/teams/{team['team_id']}"
