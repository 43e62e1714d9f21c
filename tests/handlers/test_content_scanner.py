"""content_scanner (CRUD) through API Gateway proxy events, validated against openapi.yaml."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LambdaApi

POLICY = {
    "name": "pii-masking",
    "applies_to": {"mode": "all"},
    "phase": "both",
    "detectors": [
        {"detector": "email", "action": "mask"},
        {"detector": "credit_card", "action": "reject"},
    ],
    "custom_rules": [
        {"name": "hosts", "pattern": "[a-z0-9-]+\\.corp\\.example\\.com", "action": "mask"}
    ],
    "bedrock_guardrail": {
        "identifier": "gr7x2k9q4m1a",
        "version": "3",
        "region": "us-east-1",
        "mode": "block",
    },
}
GUARDRAIL_ARN = "arn:aws:bedrock:eu-west-1:123456789012:guardrail/gr7x2k9q4m1a"


def test_create_read_update_delete_policy(api: LambdaApi) -> None:
    created = api.post("/scanner", POLICY)
    assert created.status == 201
    policy = created.body
    assert policy["applies_to"] == {"mode": "all", "team_ids": []}
    assert policy["enabled"] is True
    path = f"/scanner/{policy['policy_id']}"
    assert api.get(path).body == policy
    team = api.register_team()["team"]
    updated = api.put(path, {"applies_to": {"mode": "teams", "team_ids": [team["team_id"]]}})
    assert updated.status == 200
    assert updated.body["applies_to"]["team_ids"] == [team["team_id"]]
    assert api.post("/scanner", POLICY).status == 409
    assert api.delete(path).status == 204
    assert api.post("/scanner", POLICY).status == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"applies_to": {"mode": "teams"}}, "applies_to.team_ids"),
        (
            {"applies_to": {"mode": "teams", "team_ids": ["tm_01jd2x3y4z5a6b7c8d9e0f1g2h"]}},
            "applies_to.team_ids[0]",
        ),
        (
            {"custom_rules": [{"name": "bad", "pattern": "(", "action": "mask"}]},
            "custom_rules[0].pattern",
        ),
        (
            {"custom_rules": [{"name": "look", "pattern": "(?<=x)y", "action": "reject"}]},
            "custom_rules[0].pattern",
        ),
        (  # Python's `re` compiles it; agentgateway's Rust `regex` crate does not
            {"custom_rules": [{"name": "py", "pattern": r"total\Z", "action": "mask"}]},
            "custom_rules[0].pattern",
        ),
        (
            {"detectors": [{"detector": "email", "action": "mask"}] * 2},
            "detectors[1].detector",
        ),
        (
            {"bedrock_guardrail": POLICY["bedrock_guardrail"] | {"identifier": GUARDRAIL_ARN}},
            "bedrock_guardrail.region",
        ),
    ],
)
def test_inconsistent_policies_are_422_naming_the_field(
    api: LambdaApi, change: dict[str, Any], field: str
) -> None:
    answer = api.post("/scanner", POLICY | change)
    assert answer.status == 422
    assert field in [e["field"] for e in answer.body["errors"]]


def test_a_guardrail_arn_is_kept_as_given_and_rendered_as_its_id(api: LambdaApi) -> None:
    guardrail = POLICY["bedrock_guardrail"] | {"identifier": GUARDRAIL_ARN, "region": "eu-west-1"}
    created = api.post("/scanner", POLICY | {"bedrock_guardrail": guardrail})
    assert created.status == 201
    assert created.body["bedrock_guardrail"]["identifier"] == GUARDRAIL_ARN
    config = api.get("/routing/config", query={"format": "json"}).body
    guard = config["routes"][0]["policies"]["ai"]["promptGuard"]["request"][-1]
    # agentgateway puts the identifier into the request path unencoded (v1.4.1
    # llm/policy/bedrock_guardrails.rs): the bare id, in the ARN's region.
    assert guard["bedrockGuardrails"] == {
        "guardrailIdentifier": "gr7x2k9q4m1a",
        "guardrailVersion": "3",
        "region": "eu-west-1",
    }
