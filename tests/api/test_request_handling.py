"""What every operation shares: bad input answers a clear 4xx, idempotency, errors, bindings."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from controlplane.adapters.apigw import handle_event
from controlplane.api.contract import load_contract
from controlplane.api.dispatch import Dispatcher
from controlplane.api.operations import check_bindings, registered_operations
from controlplane.services import Services
from tests.conftest import LambdaApi
from tests.events import apigw_event

TEAM = {"name": "payments", "contact_email": "p@example.com", "tier": "sandbox"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"name": "payments",', "body"),
        ("[1, 2]", "body"),
        ("", "body"),
        (json.dumps(TEAM | {"tier": "gold"}), "tier"),
        (json.dumps(TEAM | {"extra": 1}), "extra"),
        (json.dumps(TEAM | {"name": 5}), "name"),
        (json.dumps(TEAM | {"name": "Not A Slug"}), "name"),
        (json.dumps({k: v for k, v in TEAM.items() if k != "tier"}), "tier"),
        (json.dumps(TEAM | {"description": "x" * 501}), "description"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(api: LambdaApi, body: str, field: str) -> None:
    answer = api.post("/teams", body, valid_request=False)
    assert answer.status == 400, answer
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in answer.body["errors"]]
    assert api.get("/teams").body["items"] == []


def test_non_utf8_body_is_400(dispatcher: Dispatcher) -> None:
    event = apigw_event("POST", "/teams", "/teams")
    event["body"] = base64.b64encode(b'{"name": "\xff\xfe"}').decode()
    event["isBase64Encoded"] = True
    result = handle_event(event, None, dispatcher)
    assert result["statusCode"] == 400
    assert "UTF-8" in json.loads(result["body"])["detail"]


def test_body_over_64_kib_is_413(api: LambdaApi) -> None:
    body = json.dumps(TEAM | {"description": "x" * (65 * 1024)})
    answer = api.post("/teams", body, valid_request=False)
    assert answer.status == 413


def test_wrong_content_type_is_415(api: LambdaApi) -> None:
    answer = api.post(
        "/teams", "name=payments", headers={"Content-Type": "text/plain"}, valid_request=False
    )
    assert answer.status == 415


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
        ({"status": "gone"}, "status"),
    ],
)
def test_bad_query_parameters_are_400(api: LambdaApi, query: dict[str, str], field: str) -> None:
    answer = api.get("/teams", query=query, valid_request=False)
    assert answer.status == 400
    assert [e["field"] for e in answer.body["errors"]] == [field]


def test_unknown_and_malformed_ids(api: LambdaApi) -> None:
    assert api.get("/teams/tm_01jd2x3y4z5a6b7c8d9e0f1g2h").status == 404
    answer = api.get("/teams/not-an-id", valid_request=False)
    assert answer.status == 400
    assert [e["field"] for e in answer.body["errors"]] == ["team_id"]


def test_idempotency_key_replays_the_first_answer(api: LambdaApi) -> None:
    headers = {"Idempotency-Key": "create-payments-1"}
    first = api.post("/teams", TEAM, headers=headers)
    again = api.post("/teams", TEAM, headers=headers)
    assert first.status == again.status == 201
    assert again.body == first.body
    assert again.headers["Idempotency-Replayed"] == "true"
    assert len(api.get("/teams").body["items"]) == 1
    # the same key with another body is refused
    other = api.post("/teams", TEAM | {"name": "other"}, headers=headers)
    assert other.status == 422
    assert [e["field"] for e in other.body["errors"]] == ["Idempotency-Key"]


def test_idempotency_key_after_a_failure_executes_again(api: LambdaApi) -> None:
    api.register_team("payments")
    headers = {"Idempotency-Key": "retry-me"}
    assert api.post("/teams", TEAM, headers=headers).status == 409
    teams = api.get("/teams").body["items"]
    api.delete(f"/teams/{teams[0]['team_id']}")
    assert api.post("/teams", TEAM, headers=headers).status == 201


def test_bad_idempotency_key_is_400(api: LambdaApi) -> None:
    answer = api.post("/teams", TEAM, headers={"Idempotency-Key": "no spaces"}, valid_request=False)
    assert answer.status == 400
    assert [e["field"] for e in answer.body["errors"]] == ["Idempotency-Key"]


def test_event_without_claims_is_401(dispatcher: Dispatcher) -> None:
    event = apigw_event("GET", "/teams", "/teams")
    del event["requestContext"]["authorizer"]
    result = handle_event(event, None, dispatcher)
    assert result["statusCode"] == 401


def test_unexpected_errors_are_500_problems_that_leak_nothing(
    api: LambdaApi, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: Any, **__: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services.store, "query", explode)
    answer = api.get("/teams")
    assert answer.status == 500
    assert "secret internals" not in json.dumps(answer.body)
    assert answer.body["request_id"]


def test_every_contract_operation_is_implemented_by_its_lambda() -> None:
    assert check_bindings(load_contract(), registered_operations()) == []


def test_a_missing_implementation_fails_the_binding_check() -> None:
    operations = registered_operations()
    del operations["getTeam"]
    assert check_bindings(load_contract(), operations) == ["getTeam: no implementation"]


def test_explicit_nulls_are_refused(api: LambdaApi) -> None:
    # Found by Schemathesis: `"cache_write": null` was accepted for a non-nullable field.
    answer = api.put(
        "/pricing/openai/gpt-5",
        {
            "input": "1",
            "output": "2",
            "long_context": {"above_tokens": 9, "input": "1", "output": "2", "cache_write": None},
        },
        valid_request=False,
    )
    assert answer.status == 400
    assert [e["field"] for e in answer.body["errors"]] == ["long_context.cache_write"]


def test_invalid_base64_body_is_400(dispatcher: Dispatcher) -> None:
    event = apigw_event("POST", "/teams", "/teams")
    event["body"] = "not base64!"
    event["isBase64Encoded"] = True
    assert handle_event(event, None, dispatcher)["statusCode"] == 400
