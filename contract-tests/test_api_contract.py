"""Schemathesis against the running local control plane, with the contract read from openapi.yaml.

- `test_api`: one test per operation of the contract, through the examples, coverage and fuzzing
  phases with positive and negative data; every response is validated with all of Schemathesis'
  default checks.
- `test_stateful`: the stateful phase, sequences of calls that follow the contract's OpenAPI links
  (createTeam -> getTeam/updateTeam/deleteTeam/rotateTeamSecret, createBudget -> ..., and so on).

Seed, generation modes, example counts and the per-operation expectations are in
schemathesis.toml next to this file; README.md explains the choices. With `--deployed` the same
tests run against a deployed stage (conftest.py, deployed.py).
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import hypothesis
import pytest
import schemathesis
from deployed import CREATED
from schemathesis import Case, Response
from schemathesis.generation.meta import TestPhase
from schemathesis.generation.stateful.state_machine import APIStateMachine, StepInput
from schemathesis.specs.openapi.checks import unsupported_method
from schemathesis.specs.openapi.stateful import is_root_allowed, normalize_name, transition

if TYPE_CHECKING:
    from conftest import Gateway

HERE = Path(__file__).resolve().parent
CONTRACT = HERE.parent / "openapi.yaml"

# Stateful phase: the number of scenarios, each a sequence of 2 to `max-steps` calls.
# CONTRACT_TESTS_STATEFUL_SCENARIOS and CONTRACT_TESTS_MAX_EXAMPLES (fuzzing examples per
# operation) make a smaller run, e.g. a first one against a deployed stage.
STATEFUL_SCENARIOS = int(os.environ.get("CONTRACT_TESTS_STATEFUL_SCENARIOS", "150"))

# The server, its URL and the admin token exist only once the session fixture `gateway` has
# started it, but Schemathesis builds the tests at collection, and draws the examples and
# coverage cases (credentials included) then. So the auth provider hands out this placeholder and
# each request gets the real token right before it is sent (`_authorize`).
PLACEHOLDER_TOKEN = "contract-tests-admin-token"
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

config = schemathesis.Config.from_path(HERE / "schemathesis.toml")
if os.environ.get("CONTRACT_TESTS_MAX_EXAMPLES"):
    config.projects.get_default().generation.update(
        max_examples=int(os.environ["CONTRACT_TESTS_MAX_EXAMPLES"])
    )
schema = schemathesis.openapi.from_path(CONTRACT, config=config)

pytestmark = pytest.mark.e2e


@schema.auth(refresh_interval=None)
class AdminBearerToken:
    """Credentials of the contract's `CognitoAuth` scheme: `Authorization: Bearer <token>`.

    As an auth provider, not a plain header, the token counts as real credentials: Schemathesis
    keeps it out of the cases that test a missing or bad token, and `ignored_auth` checks that the
    server refuses requests without it.
    """

    def get(self, case: Case, ctx: schemathesis.AuthContext) -> str:
        return PLACEHOLDER_TOKEN

    def set(self, case: Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schema.hook("map_case")
def no_invented_cursor(ctx: schemathesis.HookContext, case: Case) -> Case:
    """Positive cases send no `cursor`: it is opaque, only a previous page's `next_cursor` is one.

    Any string of the pattern is schema-valid, yet the server rightly answers 400 to a cursor it
    did not hand out. Negative cases keep theirs (a cursor outside the pattern must be refused).
    """
    if case.meta is not None and case.meta.generation.mode.is_positive and case.query:
        case.query.pop("cursor", None)
    return case


@schema.hook("map_case")
def time_range_in_order(ctx: schemathesis.HookContext, case: Case) -> Case:
    """Positive cases of listAuditRecords send `since` no later than `until`.

    Each is a valid date-time on its own, but a range that ends before it begins is refused with
    400, as the operation documents; JSON Schema cannot relate two parameters. Negative cases
    keep theirs.
    """
    query = case.query or {}
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and {"since", "until"} <= query.keys():
        try:
            since, until = (datetime.fromisoformat(query[name]) for name in ("since", "until"))
        except (TypeError, ValueError):
            return case
        if until < since:
            query["since"], query["until"] = query["until"], query["since"]
    return case


@schema.hook("after_call")
def record_creations(ctx: schemathesis.HookContext, case: Case, response: Response) -> None:
    """Against a deployed stage, note what each answer created, to delete it at the end."""
    if CREATED.enabled:
        CREATED.record(
            str(case.operation.definition.raw.get("operationId")),
            response.status_code,
            _json_or_none(response),
            case.path_parameters or {},
        )


def _json_or_none(response: Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _authorize(case: Case, gateway: Gateway) -> None:
    """Swap the placeholder for the session's admin token (other values are left as generated)."""
    headers = case.headers or {}
    if headers.get("Authorization") == f"Bearer {PLACEHOLDER_TOKEN}":
        headers["Authorization"] = f"Bearer {gateway.token}"


# API Gateway answers an unknown method on a known path with its MISSING_AUTHENTICATION_TOKEN
# response (404, as the contract configures it), not 405: that check applies to the local server.
DEPLOYED_EXCLUDED_CHECKS = [unsupported_method]


@schema.parametrize()
def test_api(case: Case, gateway: Gateway) -> None:
    _authorize(case, gateway)
    if gateway.server is None:
        case.call_and_validate(base_url=gateway.base_url, excluded_checks=DEPLOYED_EXCLUDED_CHECKS)
    else:
        case.call_and_validate(base_url=gateway.base_url)


# Stateful phase --------------------------------------------------------------------------------


# What every scenario starts with (the rule and the policy are the contract's examples): list
# operations then have items, so the links from lists to items are followed with real ids, the
# `standard` team has its default budget, and createBudget has an `unlimited` team (the only tier
# without a default budget) to give a budget to.
INITIAL_RESOURCES = (
    (
        "/teams",
        {"name": "seed-unlimited", "contact_email": "seed@example.com", "tier": "unlimited"},
    ),
    ("/teams", {"name": "seed-standard", "contact_email": "seed@example.com", "tier": "standard"}),
    (
        "/routing",
        {
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
            "retry": {"attempts": 2, "on_status": [429, 503]},
        },
    ),
    (
        "/scanner",
        {
            "name": "pii-masking",
            "applies_to": {"mode": "all"},
            "phase": "both",
            "detectors": [{"detector": "email", "action": "mask"}],
            "custom_rules": [
                {
                    "name": "internal-hostnames",
                    "pattern": r"[a-z0-9-]+\.corp\.example\.com",
                    "action": "mask",
                }
            ],
        },
    ),
)


CREATING = {
    "/teams": "createTeam",
    "/routing": "createRoutingRule",
    "/scanner": "createScannerPolicy",
}


def _reset(gateway: Gateway) -> None:
    """Put the control plane in the same state before every scenario: delete everything through
    the API (teams with their budgets, rules, policies, price overrides), then create
    `INITIAL_RESOURCES`. On a deployed stage that held data before the run, that data is kept.

    Hypothesis needs it: it refuses to go on when a replayed sequence of calls gets other answers
    (a name taken by an earlier scenario would turn a 201 into a 409).
    """
    keep = gateway.keep
    with httpx.Client(base_url=gateway.base_url, headers=gateway.auth_headers, timeout=10) as api:

        def each(path: str) -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = []
            cursor = None
            while True:
                params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
                page = api.get(path, params=params).raise_for_status().json()
                items += page["items"]
                cursor = page["next_cursor"]
                if cursor is None:
                    return items

        for team in each("/teams"):
            if team["team_id"] not in keep.teams:
                api.delete(f"/teams/{team['team_id']}").raise_for_status()
        for budget in each("/budgets"):
            if budget["budget_id"] not in keep.budgets:
                api.delete(f"/budgets/{budget['budget_id']}").raise_for_status()
        for rule in each("/routing"):
            if rule["rule_id"] not in keep.routing_rules:
                api.delete(f"/routing/{rule['rule_id']}").raise_for_status()
        for policy in each("/scanner"):
            if policy["policy_id"] not in keep.scanner_policies:
                api.delete(f"/scanner/{policy['policy_id']}").raise_for_status()
        for price in each("/pricing"):
            key = f"{price['provider']}/{price['model']}"
            if price["source"] == "override" and key not in keep.price_overrides:
                api.delete(f"/pricing/{price['provider']}/{price['model']}").raise_for_status()
        for path, body in INITIAL_RESOURCES:
            created = api.post(path, json=body).raise_for_status()
            CREATED.record(CREATING[path], created.status_code, created.json(), {})


def _fresh_idempotency_key(case: Case) -> None:
    """Replace a valid generated Idempotency-Key by a unique one.

    Keys outlive `_reset` (24 hours): a short generated key seen again in a later scenario would
    replay the answer about a resource deleted since, or answer 422 for another body. Invalid keys
    (negative cases) are left as generated.
    """
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and IDEMPOTENCY_KEY.match(key):
        headers["Idempotency-Key"] = uuid.uuid4().hex


def _no_guessed_if_match(case: Case) -> None:
    """Positive cases of the stateful phase send no `If-Match`.

    The contract's links pass ids, not ETags, so a generated `If-Match` is a guess that fails with
    412 nearly always: updates and deletes along the links would never reach the server's logic,
    and `use_after_free` would have no delete to check. (`test_api` still sends generated values.)
    """
    if case.meta is not None and case.meta.generation.mode.is_positive and case.headers:
        case.headers.pop("If-Match", None)


def _with_root(machine: type[APIStateMachine], method: str, path: str) -> type[APIStateMachine]:
    """`machine` with one more operation that may start a scenario.

    Schemathesis starts scenarios only with operations likely to succeed on random data (POSTs,
    GETs without path parameters), so `putPriceOverride`, a PUT that creates, would never run and
    its links (getPrice, deletePriceOverride) never be followed. This adds the root rule that
    Schemathesis would have built for it, with positive data.
    """
    operation = schema[path][method.upper()]
    name = normalize_name(f"RANDOM -> {operation.label}")
    rule = transition(
        name=name,
        target=hypothesis.stateful.Bundle("catch_all"),
        precondition=is_root_allowed(operation.label),
        input=operation.as_strategy(phase=TestPhase.STATEFUL).map(StepInput.initial),
    )
    attributes = {
        name: rule,
        "root_rules": machine.root_rules | {name},
        "_root_labels": machine._root_labels | {operation.label},  # type: ignore[attr-defined]
    }
    return type(machine.__name__, (machine,), attributes)


def test_stateful(gateway: Gateway) -> None:
    base = _with_root(schema.as_state_machine(), "PUT", "/pricing/{provider}/{model}")

    class AdminWorkflow(base):  # type: ignore[misc,valid-type]
        def setup(self) -> None:
            _reset(gateway)

        def before_call(self, case: Case) -> None:
            _authorize(case, gateway)
            _fresh_idempotency_key(case)
            _no_guessed_if_match(case)

        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"base_url": gateway.base_url}

    machine = hypothesis.seed(config.seed)(AdminWorkflow)
    machine.run(
        settings=hypothesis.settings(
            machine.TestCase.settings,
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=config.projects.get_default().phases.stateful.max_steps,
            derandomize=True,
            database=None,
        )
    )
