"""budget_admin through API Gateway proxy events, validated against openapi.yaml."""

from __future__ import annotations

from tests.conftest import LambdaApi

UNKNOWN_TEAM = "tm_01jd2x3y4z5a6b7c8d9e0f1g2h"


def test_create_budget_for_an_unlimited_team(api: LambdaApi) -> None:
    team = api.register_team(tier="unlimited")["team"]
    answer = api.post(
        "/budgets",
        {
            "team_id": team["team_id"],
            "amount_usd": "250.5",
            "model_limits": [{"model": "claude-opus-4-1-20250805", "amount_usd": "100"}],
            "alert_thresholds": [100, 50],
            "enforcement": "soft",
        },
    )
    assert answer.status == 201
    budget = answer.body
    assert answer.headers["Location"] == f"/budgets/{budget['budget_id']}"
    assert budget["amount_usd"] == "250.500000"
    assert budget["model_limits"] == [
        {"model": "claude-opus-4-1-20250805", "amount_usd": "100.000000"}
    ]
    assert budget["alert_thresholds"] == [50, 100]
    assert budget["period"] == "monthly"
    assert budget["enforcement"] == "soft"


def test_a_second_budget_for_a_team_is_409(api: LambdaApi) -> None:
    team = api.register_team(tier="standard")["team"]
    answer = api.post("/budgets", {"team_id": team["team_id"], "amount_usd": "10"})
    assert answer.status == 409


def test_unknown_team_is_422_naming_team_id(api: LambdaApi) -> None:
    answer = api.post("/budgets", {"team_id": UNKNOWN_TEAM, "amount_usd": "10"})
    assert answer.status == 422
    assert [e["field"] for e in answer.body["errors"]] == ["team_id"]


def test_money_must_be_a_decimal_string_not_a_number(api: LambdaApi) -> None:
    team = api.register_team(tier="unlimited")["team"]
    for amount in (10.5, "10.1234567", "-1", "1e3"):
        answer = api.post(
            "/budgets", {"team_id": team["team_id"], "amount_usd": amount}, valid_request=False
        )
        assert answer.status == 400, amount
        assert [e["field"] for e in answer.body["errors"]] == ["amount_usd"]


def test_inconsistent_limits_are_422_naming_each_field(api: LambdaApi) -> None:
    team = api.register_team(tier="unlimited")["team"]
    answer = api.post(
        "/budgets",
        {
            "team_id": team["team_id"],
            "amount_usd": "50",
            "model_limits": [
                {"model": "gpt-5", "amount_usd": "10"},
                {"model": "gpt-5", "amount_usd": "60"},
            ],
            "alert_thresholds": [80, 80],
        },
    )
    assert answer.status == 422
    assert [e["field"] for e in answer.body["errors"]] == [
        "model_limits[1].model",
        "model_limits[1].amount_usd",
        "alert_thresholds",
    ]


def test_update_and_delete_budget(api: LambdaApi) -> None:
    registration = api.register_team()
    path = f"/budgets/{registration['budget_id']}"
    answer = api.put(path, {"amount_usd": "500"}, headers={"If-Match": '"1"'})
    assert answer.status == 200
    assert answer.body["amount_usd"] == "500.000000"
    assert answer.body["enforcement"] == "hard"
    assert api.delete(path, headers={"If-Match": '"2"'}).status == 204
    assert api.get(path).status == 404
    # AND the team may have a budget again
    team_id = registration["team"]["team_id"]
    assert api.post("/budgets", {"team_id": team_id, "amount_usd": "1"}).status == 201


def test_list_budgets_of_one_team(api: LambdaApi) -> None:
    first = api.register_team("first")
    api.register_team("second")
    everything = api.get("/budgets").body["items"]
    assert len(everything) == 2
    mine = api.get("/budgets", query={"team_id": first["team"]["team_id"]}).body
    assert [b["budget_id"] for b in mine["items"]] == [first["budget_id"]]
    assert mine["next_cursor"] is None
