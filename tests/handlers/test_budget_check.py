"""The budget check (agentgateway's promptGuard webhook): decisions, cache, outages, adapters."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from starlette.testclient import TestClient

from controlplane.adapters.apigw import handle_event as admin_lambda
from controlplane.adapters.local import create_app, open_control_plane
from controlplane.api.dispatch import Dispatcher
from controlplane.budget_check import STORE_RETRY_SECONDS, BudgetCheck
from controlplane.clock import isoformat
from controlplane.domain.budget_check import DEGRADED_REASON
from controlplane.domain.periods import month_end, month_of
from controlplane.gateway_protocol import (
    BUDGET_CHECK_PATH,
    HEADER_AUTHORIZATION,
    HEADER_CLIENT_ID,
    HEADER_MODEL,
)
from controlplane.identity.tokens import (
    SigningKey,
    TokenIssuer,
    TokenVerifier,
    load_or_create_signing_key,
)
from controlplane.services import Services, build_services
from controlplane.settings import INVOKE_SCOPE, Settings
from controlplane.store.port import Item, Page, Store, StoreUnavailable, Write
from controlplane.store.sqlite import SqliteStore
from controlplane.store.usage import Counters, UsageIncrement
from handlers.budget_check import handle_event
from tests.conftest import LambdaApi
from tests.events import apigw_event, load_event

ROOT = Path(__file__).resolve().parents[2]
TTL = 5.0
SONNET_RULE = {
    "model": "sonnet",
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


class FlakyStore:
    """The real SQLite store, which a test can take down; it counts the reads that reach it."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.down = False
        self.reads = 0

    def _reach(self) -> None:
        if self.down:
            raise StoreUnavailable(detail="the store is down (test)")

    def get(self, pk: str, sk: str) -> Item | None:
        self._reach()
        self.reads += 1
        return self.inner.get(pk, sk)

    def query(
        self, pk: str, *, after: str | None = None, limit: int = 100, descending: bool = False
    ) -> Page:
        self._reach()
        self.reads += 1
        return self.inner.query(pk, after=after, limit=limit, descending=descending)

    def write(self, op: Write) -> None:
        self._reach()
        self.inner.write(op)

    def transact(self, ops: Sequence[Write]) -> None:
        self._reach()
        self.inner.transact(ops)

    def close(self) -> None:
        self.inner.close()


class Ticks:
    """An injectable monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def store(settings: Settings) -> Iterator[FlakyStore]:
    flaky = FlakyStore(SqliteStore(settings.sqlite_path))
    yield flaky
    flaky.close()


@pytest.fixture
def services(settings: Settings, store: FlakyStore) -> Services:
    return build_services(settings.with_(budget_check_cache_ttl_seconds=TTL), store=store)


@pytest.fixture
def issuer(settings: Settings, services: Services) -> TokenIssuer:
    key = load_or_create_signing_key(settings.data_dir / "signing-key.pem")
    return TokenIssuer(key, settings.issuer, 3600, services.clock)


@pytest.fixture
def verifier(settings: Settings, services: Services, issuer: TokenIssuer) -> TokenVerifier:
    # As the local server builds it, "client still exists" test included.
    identity = services.identity
    assert hasattr(identity, "is_active")
    return TokenVerifier(issuer.jwks(), settings.issuer, services.clock, identity.is_active)


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def check(services: Services, verifier: TokenVerifier, ticks: Ticks) -> BudgetCheck:
    return BudgetCheck(services, verifier, now=ticks)


class Team:
    """A registered team as the tests use it: ids, and tokens of its client."""

    def __init__(self, registration: dict[str, Any], issuer: TokenIssuer) -> None:
        self.team_id: str = registration["team"]["team_id"]
        self.client_id: str = registration["credentials"]["client_id"]
        self.budget_id: str | None = registration.get("budget_id")
        self.token = issuer.mint(self.client_id, [INVOKE_SCOPE])

    def headers(self, model: str = "claude-sonnet-4-20250514", **extra: str) -> dict[str, str]:
        """The headers agentgateway sends: the forwarded token and the two added ones."""
        return {
            "Authorization": f"Bearer {self.token}",
            HEADER_CLIENT_ID: self.client_id,
            HEADER_MODEL: model,
        } | extra


@pytest.fixture
def team(api: LambdaApi, issuer: TokenIssuer) -> Team:
    """A standard team: a hard budget of 100 USD."""
    return Team(api.register_team("payments", tier="standard"), issuer)


def spend(
    services: Services, team: Team, usd: str, model: str = "claude-sonnet-4-20250514"
) -> None:
    """Charge the team's current month as usage ingestion does."""
    now = services.now()
    increment = UsageIncrement(
        team.team_id,
        "anthropic",
        model,
        month_of(now),
        Counters(requests=1, input_tokens=1000, output_tokens=500, cost_usd=Decimal(usd)),
    )
    services.ledger.apply(f"batch-{uuid.uuid4()}", [increment], at=isoformat(now))


def set_budget(api: LambdaApi, team: Team, **fields: Any) -> None:
    assert team.budget_id is not None
    path = f"/budgets/{team.budget_id}"
    etag = api.get(path).headers["ETag"]
    answer = api.put(path, fields, headers={"If-Match": etag})
    assert answer.status == 200, answer


@cache
def hooks_schema(name: str) -> Draft7Validator:
    """A schema of hooks.openapi.yaml, its references resolved within the document."""
    document = yaml.safe_load((ROOT / "hooks.openapi.yaml").read_text())
    return Draft7Validator({"$ref": f"#/components/schemas/{name}", **document})


def conforms(reply: dict[str, Any]) -> dict[str, Any]:
    """The reply, checked against hooks.openapi.yaml (and so is a rejection's body)."""
    hooks_schema("WebhookReply").validate(reply)
    if "body" in reply["action"]:
        hooks_schema("RejectionBody").validate(json.loads(reply["action"]["body"]))
    return reply


def rejection(reply: dict[str, Any], status: int) -> dict[str, Any]:
    """The error of a rejecting reply (its body is a JSON document in a string)."""
    action = conforms(reply)["action"]
    assert action["status_code"] == status, reply
    assert isinstance(action["body"], str)
    body: dict[str, Any] = json.loads(action["body"])
    assert body["type"] == "error"
    error: dict[str, Any] = body["error"]
    assert error["message"]
    return error


# Decisions --------------------------------------------------------------------------------------


def test_within_budget_passes_with_a_short_reason(
    check: BudgetCheck, team: Team, services: Services
) -> None:
    spend(services, team, "12.5")
    reply = conforms(check.reply(team.headers()))
    assert reply == {"action": {"reason": f"within budget {team.budget_id}"}}
    assert check.stats.decisions == {"pass": 1}


def test_header_names_are_case_insensitive(check: BudgetCheck, team: Team) -> None:
    shouting = {name.upper(): value for name, value in team.headers().items()}
    assert check.decide(shouting).passed


def test_no_budget_passes(check: BudgetCheck, api: LambdaApi, issuer: TokenIssuer) -> None:
    unlimited = Team(api.register_team("research", tier="unlimited"), issuer)
    assert unlimited.budget_id is None
    assert check.reply(unlimited.headers()) == {"action": {"reason": "no budget"}}


def test_missing_token_is_401(check: BudgetCheck, team: Team) -> None:
    headers = team.headers()
    del headers["Authorization"]
    error = rejection(check.reply(headers), 401)
    assert "access token is required" in error["message"]


@pytest.mark.parametrize("kind", ["garbage", "wrongly signed", "expired", "other issuer"])
def test_bad_token_is_401(
    check: BudgetCheck, team: Team, issuer: TokenIssuer, settings: Settings, kind: str
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    other_key = SigningKey(
        rsa.generate_private_key(public_exponent=65537, key_size=2048), issuer.kid
    )
    past = datetime(2020, 1, 1, tzinfo=UTC)
    tokens = {
        "garbage": "not-a-jwt",
        "wrongly signed": TokenIssuer(other_key, settings.issuer, 60, issuer.clock),
        "expired": TokenIssuer(issuer.key, settings.issuer, 60, lambda: past),
        "other issuer": TokenIssuer(issuer.key, "https://evil.example.com", 60, issuer.clock),
    }
    minted = tokens[kind]
    token = minted if isinstance(minted, str) else minted.mint(team.client_id, [INVOKE_SCOPE])
    reply = check.reply(team.headers(Authorization=f"Bearer {token}"))
    assert rejection(reply, 401)["type"] == "authentication_error"
    assert check.stats.decisions == {"401": 1}


def test_client_of_no_team_is_401(
    check: BudgetCheck, issuer: TokenIssuer, services: Services
) -> None:
    # A validly signed token of a client that no team has (the admin client, say).
    admin = services.identity.create_client("gateway-admin", ["https://gateway.internal/admin"])
    token = issuer.mint(admin.client_id, ["https://gateway.internal/admin"])
    error = rejection(check.reply({"authorization": f"Bearer {token}"}), 401)
    assert admin.client_id in error["message"]


def test_client_id_header_disagreeing_with_the_token_is_401(check: BudgetCheck, team: Team) -> None:
    reply = check.reply(team.headers(**{HEADER_CLIENT_ID: "someoneelse0000000000000000"}))
    assert HEADER_CLIENT_ID in rejection(reply, 401)["message"]


def test_suspended_team_is_403(check: BudgetCheck, api: LambdaApi, team: Team) -> None:
    answer = api.put(f"/teams/{team.team_id}", {"status": "suspended"}, headers={"If-Match": '"1"'})
    assert answer.status == 200, answer
    error = rejection(check.reply(team.headers()), 403)
    assert (error["code"], error["team_id"]) == ("team_suspended", team.team_id)
    assert "suspended" in error["message"]


def test_deregistered_team_is_403_while_its_token_lives(
    check: BudgetCheck, dispatcher: Dispatcher, team: Team
) -> None:
    # GIVEN the team is deleted (through the Lambda's event: the answer is an empty 204)
    path = f"/teams/{team.team_id}"
    event = apigw_event("DELETE", "/teams/{team_id}", path, path_params={"team_id": team.team_id})
    assert admin_lambda(event, None, dispatcher)["statusCode"] == 204
    # THEN its OAuth client is gone, but the token's signature is still valid: say why it fails
    error = rejection(check.reply(team.headers()), 403)
    assert (error["code"], error["team_id"]) == ("team_deregistered", team.team_id)


def test_spent_hard_budget_is_429_saying_which_budget_how_much_and_until_when(
    check: BudgetCheck, team: Team, services: Services
) -> None:
    spend(services, team, "60")
    spend(services, team, "40.25", model="gpt-5")
    reply = check.reply(team.headers())
    assert reply["action"]["reason"] == "budget_exhausted"
    error = rejection(reply, 429)
    month = month_of(services.now())
    assert error == error | {
        "type": "budget_exceeded",
        "code": "budget_exhausted",
        "team_id": team.team_id,
        "budget_id": team.budget_id,
        "period": month,
        "spent_usd": "100.250000",
        "limit_usd": "100.000000",
        "resets_at": isoformat(month_end(month)),
    }
    assert team.budget_id in error["message"]
    assert isoformat(month_end(month)) in error["message"]
    assert check.stats.decisions == {"429": 1}


def test_spent_model_limit_is_429_naming_the_model_and_other_models_pass(
    check: BudgetCheck, api: LambdaApi, team: Team, services: Services
) -> None:
    set_budget(api, team, model_limits=[{"model": "gpt-5", "amount_usd": "10"}])
    spend(services, team, "10", model="gpt-5")
    error = rejection(check.reply(team.headers(model="gpt-5")), 429)
    assert (error["code"], error["model"], error["spent_usd"], error["limit_usd"]) == (
        "model_limit_exhausted",
        "gpt-5",
        "10.000000",
        "10.000000",
    )
    assert "gpt-5" in error["message"]
    assert check.decide(team.headers(model="claude-sonnet-4-20250514")).passed


def test_model_limit_applies_through_a_routing_rule_target(
    check: BudgetCheck, api: LambdaApi, team: Team, services: Services
) -> None:
    # GIVEN a rule "sonnet" failing over from Bedrock to Anthropic, and a limit on the latter
    assert api.post("/routing", SONNET_RULE).status == 201
    set_budget(api, team, model_limits=[{"model": "claude-sonnet-4-20250514", "amount_usd": "5"}])
    spend(services, team, "5.000001")
    # WHEN a client asks for "sonnet", THEN it is refused: the request may be billed as that model
    error = rejection(check.reply(team.headers(model="sonnet")), 429)
    assert (error["model"], error["requested_model"]) == ("claude-sonnet-4-20250514", "sonnet")
    assert "sonnet" in error["message"]
    assert check.decide(team.headers(model="haiku")).passed


def test_soft_budget_over_its_limit_passes_with_a_reason(
    check: BudgetCheck, api: LambdaApi, team: Team, services: Services
) -> None:
    set_budget(
        api,
        team,
        enforcement="soft",
        model_limits=[{"model": "claude-sonnet-4-20250514", "amount_usd": "50"}],
    )
    spend(services, team, "120")
    reply = conforms(check.reply(team.headers()))
    assert reply == {
        "action": {
            "reason": f"soft budget {team.budget_id} over: budget 120.000000 of 100.000000 USD; "
            "limit of claude-sonnet-4-20250514 120.000000 of 50.000000 USD"
        }
    }


def test_every_example_of_the_contract_conforms_to_its_schema() -> None:
    document = yaml.safe_load((ROOT / "hooks.openapi.yaml").read_text())
    examples = document["components"]["examples"]
    assert len(examples) == 10
    for example in examples.values():
        conforms(example["value"])


# Cache ------------------------------------------------------------------------------------------


def test_warm_decisions_read_nothing_and_changes_show_after_the_ttl(
    check: BudgetCheck, team: Team, services: Services, store: FlakyStore, ticks: Ticks
) -> None:
    assert check.decide(team.headers()).passed
    reads = store.reads
    # WHEN the team spends its budget, THEN warm decisions still pass without touching the store
    spend(services, team, "100")
    ticks.advance(TTL - 0.01)
    assert check.decide(team.headers()).passed
    assert store.reads == reads
    # AND once the TTL is over, the new spend is seen
    ticks.advance(0.02)
    assert check.decide(team.headers()).status == 429
    assert store.reads > reads


def test_warm_reply_answers_from_the_cache_alone(
    check: BudgetCheck, team: Team, store: FlakyStore, ticks: Ticks
) -> None:
    # The local server answers warm decisions on its event loop and sends the others to a thread.
    reads = store.reads
    assert check.warm_reply(team.headers()) is None
    assert store.reads == reads
    answered = check.reply(team.headers())
    assert check.warm_reply(team.headers()) == answered
    ticks.advance(TTL)
    assert check.warm_reply(team.headers()) is None
    assert check.stats.decisions == {"pass": 2}


def test_suspension_shows_after_the_ttl(
    check: BudgetCheck, api: LambdaApi, team: Team, ticks: Ticks
) -> None:
    assert check.decide(team.headers()).passed
    api.put(f"/teams/{team.team_id}", {"status": "suspended"}, headers={"If-Match": '"1"'})
    assert check.decide(team.headers()).passed
    ticks.advance(TTL)
    assert check.decide(team.headers()).status == 403


# Store down -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fail_mode", ["open", "closed"])
def test_store_down_uses_the_last_known_state_in_either_mode(
    services: Services,
    verifier: TokenVerifier,
    ticks: Ticks,
    store: FlakyStore,
    team: Team,
    fail_mode: str,
) -> None:
    check = _check_with(services, verifier, ticks, fail_mode)
    spend(services, team, "100")
    assert check.decide(team.headers()).status == 429
    # WHEN the store goes down and the cache expires
    store.down = True
    ticks.advance(TTL + 1)
    # THEN the last known state decides, and the decision is counted as degraded
    assert check.decide(team.headers()).status == 429
    assert check.stats.degraded == 1
    assert check.stats.store_errors == 1
    # AND the store is left alone for a while, then read again once it is back
    assert check.decide(team.headers()).status == 429
    assert check.stats.store_errors == 1
    store.down = False
    ticks.advance(STORE_RETRY_SECONDS)
    assert check.decide(team.headers()).status == 429
    assert check.stats.degraded == 2
    assert check.stats.snapshot() == {
        "decisions": {"429": 4},
        "degraded": 2,
        "store_errors": 1,
    }


def test_store_down_with_nothing_known_fails_open(
    services: Services, verifier: TokenVerifier, ticks: Ticks, store: FlakyStore, team: Team
) -> None:
    check = _check_with(services, verifier, ticks, "open")
    store.down = True
    assert conforms(check.reply(team.headers())) == {"action": {"reason": DEGRADED_REASON}}
    assert check.stats.snapshot() == {"decisions": {"pass": 1}, "degraded": 1, "store_errors": 1}


def test_store_down_with_nothing_known_fails_closed_with_503(
    services: Services, verifier: TokenVerifier, ticks: Ticks, store: FlakyStore, team: Team
) -> None:
    check = _check_with(services, verifier, ticks, "closed")
    store.down = True
    error = rejection(check.reply(team.headers()), 503)
    assert error["code"] == "budget_check_unavailable"
    assert check.stats.snapshot() == {"decisions": {"503": 1}, "degraded": 1, "store_errors": 1}


def _check_with(
    services: Services, verifier: TokenVerifier, ticks: Ticks, fail_mode: str
) -> BudgetCheck:
    settings = services.settings.with_(budget_check_fail_mode=fail_mode)
    return BudgetCheck(replace(services, settings=settings), verifier, now=ticks)


# Lambda -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["budget_check_function_url", "budget_check_alb"])
def test_lambda_answers_200_with_the_webhook_reply(
    check: BudgetCheck, team: Team, services: Services, ticks: Ticks, name: str
) -> None:
    event = load_event(name)
    event["headers"] |= {
        HEADER_AUTHORIZATION: f"Bearer {team.token}",
        HEADER_CLIENT_ID: team.client_id,
    }
    passing = handle_event(event, None, check)
    assert passing["statusCode"] == 200
    assert passing["headers"] == {"content-type": "application/json"}
    assert json.loads(passing["body"]) == {"action": {"reason": f"within budget {team.budget_id}"}}
    spend(services, team, "100")
    ticks.advance(TTL)
    refused = json.loads(handle_event(event, None, check)["body"])
    assert rejection(refused, 429)["budget_id"] == team.budget_id


def test_alb_with_multi_value_headers(check: BudgetCheck, team: Team) -> None:
    event = load_event("budget_check_alb")
    headers = event.pop("headers") | {HEADER_AUTHORIZATION: f"Bearer {team.token}"}
    del headers[HEADER_CLIENT_ID]
    event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    answer = handle_event(event, None, check)
    assert answer["statusCode"] == 200
    assert answer["statusDescription"] == "200 OK"
    assert answer["multiValueHeaders"] == {"content-type": ["application/json"]}
    assert json.loads(answer["body"])["action"] == {"reason": f"within budget {team.budget_id}"}


def test_lambda_cold_start_fetches_the_jwks_and_keeps_connexion_out(
    settings: Settings, issuer: TokenIssuer, team: Team, tmp_path: Path
) -> None:
    # GIVEN the issuer's JWKS at a URL and a Function URL event with a team's token
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(issuer.jwks()))
    event = load_event("budget_check_function_url")
    event["headers"] |= {
        HEADER_AUTHORIZATION: f"Bearer {team.token}",
        HEADER_CLIENT_ID: team.client_id,
    }
    code = f"""
import json, sys
from handlers.budget_check import lambda_handler
result = lambda_handler(json.loads({json.dumps(json.dumps(event))}), None)
heavy = sorted(m for m in ("connexion", "openapi_core", "starlette") if m in sys.modules)
print(json.dumps({{"body": json.loads(result["body"]), "heavy": heavy}}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {
        "GATEWAY_STORE": "sqlite",
        "GATEWAY_DATA_DIR": str(settings.data_dir),
        "GATEWAY_ISSUER": settings.issuer,
        "GATEWAY_JWKS_URL": jwks.as_uri(),
    }
    # WHEN a fresh interpreter runs the Lambda's entry point
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    # THEN it verified the token with the fetched keys and decided from the store
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {
        "body": {"action": {"reason": f"within budget {team.budget_id}"}},
        "heavy": [],
    }


def test_lambda_without_the_jwks_follows_the_fail_mode(tmp_path: Path) -> None:
    event = load_event("budget_check_function_url")
    code = f"""
import json
from handlers.budget_check import lambda_handler
print(lambda_handler(json.loads({json.dumps(json.dumps(event))}), None)["body"])
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {
        "GATEWAY_DATA_DIR": str(tmp_path),
        "GATEWAY_JWKS_URL": (tmp_path / "missing.json").as_uri(),
        "GATEWAY_BUDGET_CHECK_FAIL_MODE": "closed",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    reply = json.loads(result.stdout.strip().splitlines()[-1])
    assert rejection(reply, 503)["code"] == "budget_check_unavailable"


def test_lambda_refuses_other_methods(check: BudgetCheck) -> None:
    event = load_event("budget_check_function_url")
    event["requestContext"]["http"]["method"] = "GET"
    answer = handle_event(event, None, check)
    assert (answer["statusCode"], answer["headers"]["allow"]) == (405, "POST")


def test_lambda_ignores_the_body(check: BudgetCheck, team: Team) -> None:
    event = load_event("budget_check_alb")
    event["headers"][HEADER_AUTHORIZATION] = f"Bearer {team.token}"
    event["headers"][HEADER_CLIENT_ID] = team.client_id
    event["body"] = base64.b64encode(b"\xff not json").decode()
    assert json.loads(handle_event(event, None, check)["body"])["action"]["reason"].startswith(
        "within budget"
    )


# Local server -----------------------------------------------------------------------------------


def test_local_server_route_with_and_without_the_request_suffix(
    settings: Settings, services: Services, api: LambdaApi
) -> None:
    plane = open_control_plane(settings, services)
    client = TestClient(create_app(plane))
    registration = api.register_team("payments", tier="sandbox")
    client_id = registration["credentials"]["client_id"]
    token = plane.issuer.mint(client_id, [INVOKE_SCOPE])
    headers = {"Authorization": f"Bearer {token}", HEADER_MODEL: "claude-sonnet-4"}
    webhook_call = {"body": {"messages": [{"role": "user", "content": "hello"}]}}
    for path in (BUDGET_CHECK_PATH, f"{BUDGET_CHECK_PATH}/request"):
        answer = client.post(path, json=webhook_call, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"action": {"reason": f"within budget {registration['budget_id']}"}}
    refused = client.post(f"{BUDGET_CHECK_PATH}/request", json=webhook_call)
    assert refused.status_code == 200
    assert rejection(refused.json(), 401)
    noop = client.post("/hooks/noop", json=webhook_call)
    assert noop.json() == {"action": {"reason": "noop"}}
