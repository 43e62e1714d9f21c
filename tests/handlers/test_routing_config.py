"""routing_config (CRUD) through API Gateway proxy events, validated against openapi.yaml."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LambdaApi

FAILOVER = {
    "model": "claude-sonnet-4",
    "strategy": "failover",
    "targets": [
        {
            "provider": "bedrock",
            "model": "anthropic.claude-sonnet-4-20250514-v1:0",
            "region": "us-east-1",
        },
        {"provider": "anthropic", "model": "claude-sonnet-4-20250514"},
    ],
}


def test_create_read_update_delete_rule(api: LambdaApi) -> None:
    created = api.post("/routing", FAILOVER)
    assert created.status == 201
    rule = created.body
    assert rule["enabled"] is True
    assert rule["retry"] == {"attempts": 1, "on_status": [429, 500, 502, 503, 504]}
    path = f"/routing/{rule['rule_id']}"
    assert api.get(path).body == rule
    updated = api.put(path, {"enabled": False, "model": "sonnet"}, headers={"If-Match": '"1"'})
    assert updated.status == 200
    assert updated.body["enabled"] is False
    # the old client-facing name is free again, the new one is taken
    assert api.post("/routing", FAILOVER).status == 201
    assert api.post("/routing", FAILOVER | {"model": "sonnet"}).status == 409
    assert api.delete(path).status == 204
    assert api.get(path).status == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"targets": [{"provider": "acme", "model": "m"}]}, "targets[0].provider"),
        ({"targets": [{"provider": "bedrock", "model": "m"}]}, "targets[0].region"),
        ({"strategy": "weighted"}, "targets[0].weight"),
        (
            {"targets": [{"provider": "openai", "model": "gpt-5", "weight": 3}]},
            "targets[0].weight",
        ),
        (
            {"targets": [{"provider": "openai", "model": "gpt-5"}] * 2},
            "targets[1]",
        ),
        ({"retry": {"attempts": 0}}, "retry.attempts"),
    ],
)
def test_inconsistent_rules_are_422_naming_the_field(
    api: LambdaApi, change: dict[str, Any], field: str
) -> None:
    answer = api.post("/routing", FAILOVER | change)
    assert answer.status == 422
    assert field in [e["field"] for e in answer.body["errors"]]


def test_weighted_rule(api: LambdaApi) -> None:
    answer = api.post(
        "/routing",
        {
            "model": "gpt-*",
            "strategy": "weighted",
            "targets": [
                {"provider": "openai", "model": "gpt-5", "weight": 80},
                {"provider": "azure", "model": "gpt-5", "weight": 20},
            ],
            "retry": {"attempts": 0},
        },
    )
    assert answer.status == 201
    assert [t["weight"] for t in answer.body["targets"]] == [80, 20]


def test_a_single_target_failover_rule_may_go_without_retries(api: LambdaApi) -> None:
    one = FAILOVER | {"targets": FAILOVER["targets"][:1], "retry": {"attempts": 0}}
    assert api.post("/routing", one).status == 201


def test_an_update_that_drops_the_retries_of_a_failover_rule_is_422(api: LambdaApi) -> None:
    rule = api.post("/routing", FAILOVER).body
    answer = api.put(f"/routing/{rule['rule_id']}", {"retry": {"attempts": 0}})
    assert answer.status == 422
    assert [e["field"] for e in answer.body["errors"]] == ["retry.attempts"]


def test_the_retry_count_reaches_agentgateway_as_retries(api: LambdaApi) -> None:
    api.post("/routing", FAILOVER | {"retry": {"attempts": 2, "on_status": [429, 503]}})
    config = api.get("/routing/config", query={"format": "json"}).body
    [route, _] = config["routeGroups"][0]["routes"]
    # agentgateway makes `attempts + 1` calls (v1.4.1 proxy/httpproxy.rs): 3, as the rule says.
    assert route["policies"]["retry"] == {"attempts": 2, "codes": [429, 503]}
