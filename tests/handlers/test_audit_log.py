"""audit_log (`GET /audit`) through API Gateway events, on records written by real changes.

The changes are made through the other operations at times set by a clock the test moves, so the
records land in the months a test needs. tests/infra/test_iam_least_privilege.py re-runs this
suite on DynamoDB (moto), every call under its owner's IAM policy.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from controlplane.api.contract import HTTP_METHODS, load_document
from controlplane.services import Services
from controlplane.store import repositories
from controlplane.store.port import Page
from handlers.audit_log import CREATED_ID_FIELDS
from tests.conftest import LambdaApi

BEDROCK_SONNET = "anthropic.claude-sonnet-4-20250514-v1:0"
OTHER_ADMIN = "7q2m4k8d1x9c3v5b6n0z2a4s6d"


class SetClock:
    """The services' clock, at a time the test sets."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(services: Services) -> SetClock:
    settable = SetClock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    services.clock = settable
    return settable


def at(clock: SetClock, text: str) -> None:
    clock.now = datetime.fromisoformat(text)


def pages(api: LambdaApi, **query: str) -> Iterator[dict[str, Any]]:
    """Every page of a listing, following next_cursor."""
    cursor = None
    while True:
        answer = api.get("/audit", query=query | ({"cursor": cursor} if cursor else {}))
        assert answer.status == 200, answer
        assert len(answer.body["items"]) <= int(query.get("limit", "25"))
        yield answer.body
        cursor = answer.body["next_cursor"]
        if cursor is None:
            return


def listed(api: LambdaApi, **query: str) -> list[dict[str, Any]]:
    return [record for page in pages(api, **query) for record in page["items"]]


def actions(records: list[dict[str, Any]]) -> list[str]:
    return [record["action"] for record in records]


def a_season_of_changes(api: LambdaApi, clock: SetClock) -> dict[str, str]:
    """Changes from December 2026 to February 2027; answers the ids they made."""
    at(clock, "2026-12-30T10:00:00Z")
    registration = api.register_team("payments")
    team_id = registration["team"]["team_id"]
    at(clock, "2026-12-31T23:59:59Z")
    api.put(f"/teams/{team_id}", {"cost_center": "CC-1"})
    at(clock, "2027-01-15T08:30:00Z")
    assert api.put(f"/budgets/{registration['budget_id']}", {"amount_usd": "250"}).status == 200
    at(clock, "2027-02-01T00:00:00Z")
    price = f"/pricing/bedrock/{BEDROCK_SONNET}"
    assert api.put(price, {"input": "2.5", "output": "12"}, client_id=OTHER_ADMIN).status == 201
    at(clock, "2027-02-03T12:00:00Z")
    assert api.delete(f"/teams/{team_id}").status == 204
    return {"team_id": team_id, "budget_id": registration["budget_id"]}


def test_records_come_newest_first_across_months_each_once(api: LambdaApi, clock: SetClock) -> None:
    # GIVEN changes over three months (and one second apart across the new year)
    made = a_season_of_changes(api, clock)

    # WHEN the trail is read two records a page
    every_page = list(pages(api, limit="2"))

    # THEN it comes newest first, every record once, in full pages until the last
    records = [record for page in every_page for record in page["items"]]
    assert actions(records) == [
        "deleteTeam",
        "putPriceOverride",
        "updateBudget",
        "updateTeam",
        "createTeam",
    ]
    assert [len(page["items"]) for page in every_page] == [2, 2, 1]
    assert len({record["audit_id"] for record in records}) == 5
    assert [record["at"] for record in records] == sorted(
        (record["at"] for record in records), reverse=True
    )
    # AND a record says who changed what, where, and the resource before and after
    deleted, priced, budget, updated, created = records
    assert created["resource"] == "/teams"
    assert (created["resource_type"], created["resource_id"]) == ("teams", made["team_id"])
    assert created["before"] is None
    assert created["after"]["name"] == "payments"
    assert "cost_center" not in updated["before"]
    assert updated["after"]["cost_center"] == "CC-1"
    assert (budget["resource_type"], budget["resource_id"]) == ("budgets", made["budget_id"])
    assert (priced["resource_type"], priced["resource_id"]) == (
        "pricing",
        f"bedrock/{BEDROCK_SONNET}",
    )
    assert priced["actor"] == OTHER_ADMIN
    assert deleted["after"] is None
    assert deleted["at"] == "2027-02-03T12:00:00Z"
    assert all(record["request_id"] for record in records)


def test_filters_pick_records_before_the_page_is_cut(api: LambdaApi, clock: SetClock) -> None:
    # GIVEN a team changed often between two other teams' registrations
    at(clock, "2026-12-01T09:00:00Z")
    first = api.register_team("first")["team"]["team_id"]
    busy = api.register_team("busy")["team"]["team_id"]
    for number in range(6):
        at(clock, f"2026-12-0{number + 2}T09:00:00Z")
        assert api.put(f"/teams/{busy}", {"cost_center": f"CC-{number}"}).status == 200
    at(clock, "2026-12-10T09:00:00Z")
    last = {"name": "last", "contact_email": "last@example.com", "tier": "sandbox"}
    assert api.post("/teams", last, client_id=OTHER_ADMIN).status == 201

    # WHEN creations are asked for, two a page
    created = list(pages(api, action="createTeam", limit="2"))

    # THEN the first page is full although six other records lie between the matches
    assert [len(page["items"]) for page in created] == [2, 1]
    assert [r["after"]["name"] for page in created for r in page["items"]] == [
        "last",
        "busy",
        "first",
    ]
    # AND each filter, alone or with others, keeps only what matches all of them
    assert actions(listed(api, resource_id=busy)) == ["updateTeam"] * 6 + ["createTeam"]
    assert actions(listed(api, resource_id=first)) == ["createTeam"]
    assert actions(listed(api, actor=OTHER_ADMIN)) == ["createTeam"]
    assert len(listed(api, resource_type="teams")) == 9
    assert listed(api, resource_type="budgets") == []
    both = listed(api, resource_id=busy, action="createTeam", resource_type="teams")
    assert [(r["resource_id"], r["action"]) for r in both] == [(busy, "createTeam")]
    assert listed(api, resource_id=busy, actor=OTHER_ADMIN) == []


def test_since_and_until_are_inclusive_to_the_second_in_any_offset(
    api: LambdaApi, clock: SetClock
) -> None:
    # GIVEN a change at each of three seconds
    team = None
    for second in ("2027-01-10T12:00:00Z", "2027-01-10T12:00:01Z", "2027-01-10T12:00:02Z"):
        at(clock, second)
        if team is None:
            team = api.register_team()["team"]["team_id"]
        else:
            api.put(f"/teams/{team}", {"cost_center": second})

    def times(**query: str) -> list[str]:
        return [record["at"][-3:-1] for record in listed(api, **query)]

    # THEN the bounds hold records of their own second, whatever the offset they are written in
    assert times(since="2027-01-10T12:00:01Z") == ["02", "01"]
    assert times(until="2027-01-10T12:00:01Z") == ["01", "00"]
    assert times(since="2027-01-10T13:00:01+01:00", until="2027-01-10T07:00:01-05:00") == ["01"]
    # AND a fraction of a second moves `since` past the records of its second, not `until`
    assert times(since="2027-01-10T12:00:01.5Z") == ["02"]
    assert times(until="2027-01-10T12:00:01.999999Z") == ["01", "00"]
    # AND a range holding no record answers an empty last page
    empty = api.get("/audit", query={"since": "2027-01-11T00:00:00Z"}).body
    assert empty == {"items": [], "next_cursor": None}


def test_instants_at_the_ends_of_the_calendar(api: LambdaApi, clock: SetClock) -> None:
    # GIVEN a change
    at(clock, "2027-03-01T00:00:00Z")
    api.register_team()

    def count(**query: str) -> int:
        return len(listed(api, **query))

    # THEN an offset that carries a bound past year 1 or 9999 in UTC keeps its meaning
    assert count(since="0001-01-01T00:00:00+05:00") == 1
    assert count(until="9999-12-31T23:59:59-23:59") == 1
    assert count(since="9999-12-31T23:59:59.5-01:00") == 0
    assert count(until="0001-01-01T00:00:00+01:00") == 0


def test_a_page_reads_a_bounded_number_of_records(
    api: LambdaApi, services: Services, clock: SetClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a creation in November 2026, quiet months, then seven changes in June 2027
    at(clock, "2026-11-30T10:00:00Z")
    team = api.register_team()["team"]["team_id"]
    for day in range(1, 8):
        at(clock, f"2027-06-0{day}T10:00:00Z")
        api.put(f"/teams/{team}", {"cost_center": f"CC-{day}"})
    # AND pages that may read 2 x 3 records, a quiet month costing one read
    monkeypatch.setattr(repositories, "AUDIT_READ_SIZE", 3)
    monkeypatch.setattr(repositories, "AUDIT_READS_PER_PAGE", 2)
    reads: list[str] = []
    query = services.store.query

    def counted(pk: str, **kwargs: Any) -> Page:
        reads.append(pk)
        return query(pk, **kwargs)

    monkeypatch.setattr(services.store, "query", counted)

    # WHEN the creation is asked for
    found: list[list[str]] = []
    for page in pages(api, action="createTeam"):
        found.append([record["resource_id"] for record in page["items"]])
        # THEN no request reads more than its bound
        assert len(reads) <= 2, reads
        reads.clear()

    # AND short pages lead, cursor after cursor, to it: June's records (two requests), then two
    # months a request back to November, and a last request that finds nothing older can match
    assert found == [[], [], [], [], [team], []]


def test_bad_filter_values_are_400_naming_the_field(api: LambdaApi, clock: SetClock) -> None:
    foreign_position = base64.urlsafe_b64encode(json.dumps({"k": "TEAM"}).encode()).decode()
    refused = {
        "resource_type": ({"resource_type": "widgets"}, False),
        "resource_id": ({"resource_id": "tm 1"}, False),
        "actor": ({"actor": "a/b"}, False),
        "action": ({"action": "listTeams"}, False),
        "since": ({"since": "yesterday"}, False),
        "until": ({"until": "2027-02-30T00:00:00Z"}, False),
        "limit": ({"limit": "0"}, False),
        "cursor": ({"cursor": foreign_position.rstrip("=")}, True),
    }
    for field, (query, valid_per_contract) in refused.items():
        answer = api.get("/audit", query=query, valid_request=valid_per_contract)
        assert answer.status == 400, (field, answer)
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert [error["field"] for error in answer.body["errors"]] == [field], answer
    # AND a range that ends before it begins
    backwards = {"since": "2027-01-02T00:00:00Z", "until": "2027-01-01T00:00:00Z"}
    answer = api.get("/audit", query=backwards)
    assert answer.status == 400
    assert answer.body["errors"] == [{"field": "until", "message": "must not be before since"}]


def test_every_change_the_contract_allows_is_an_audit_action_of_a_known_resource() -> None:
    document = load_document()
    schemas = document["components"]["schemas"]
    changes = {
        operation["operationId"]: path.strip("/").split("/")[0]
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS and method != "get"
    }
    assert set(schemas["AuditAction"]["enum"]) == set(changes)
    assert set(changes.values()) == set(schemas["AuditResourceType"]["enum"])
    creations_on_collections = {
        path.strip("/")
        for path, item in document["paths"].items()
        if "post" in item and "{" not in path
    }
    assert creations_on_collections == set(CREATED_ID_FIELDS)
