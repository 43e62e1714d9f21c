"""Schemathesis against the running local control plane, with the contract read from openapi.yaml.

- `test_api`: one test per operation of the contract, through the examples, coverage and fuzzing
  phases with positive and negative data; every response is validated with all of Schemathesis'
  default checks.
- `test_stateful`: the stateful phase, sequences of calls that follow the contract's OpenAPI links
  (createTeam -> getTeam/updateTeam/deleteTeam/rotateTeamSecret, createBudget -> ..., and so on).

Seed, generation modes and example counts are in schemathesis.toml next to this file.

The server, its URL and the admin token exist only once the session fixture `gateway` has started
it, but Schemathesis builds the tests (and draws the examples and coverage cases, credentials
included) at collection. So the auth provider hands out a placeholder token and each request gets
the real one right before it is sent (`_authorize`). The provider still matters: through it
Schemathesis knows the `Authorization` header is a real credential, leaves it out of the cases that
test a missing or bad token, and `ignored_auth` checks that the server refuses requests without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import hypothesis
import pytest
import schemathesis
from schemathesis import Case

if TYPE_CHECKING:
    from conftest import Gateway

HERE = Path(__file__).resolve().parent
CONTRACT = HERE.parent / "openapi.yaml"

# Stateful phase: the number of scenarios, each a sequence of 2 to `max-steps` linked calls.
STATEFUL_SCENARIOS = 40

PLACEHOLDER_TOKEN = "contract-tests-admin-token"  # noqa: S105 - replaced by the real token

config = schemathesis.Config.from_path(HERE / "schemathesis.toml")
schema = schemathesis.openapi.from_path(CONTRACT, config=config)

pytestmark = pytest.mark.e2e


@schema.auth(refresh_interval=None)
class AdminBearerToken:
    """Credentials of the contract's `CognitoAuth` scheme: `Authorization: Bearer <token>`."""

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


def _authorize(case: Case, gateway: Gateway) -> None:
    """Swap the placeholder for the session's admin token (other values are left as generated)."""
    headers = case.headers or {}
    if headers.get("Authorization") == f"Bearer {PLACEHOLDER_TOKEN}":
        headers["Authorization"] = f"Bearer {gateway.token}"


@schema.parametrize()
def test_api(case: Case, gateway: Gateway) -> None:
    _authorize(case, gateway)
    case.call_and_validate(base_url=gateway.base_url)


def test_stateful(gateway: Gateway) -> None:
    class AdminWorkflow(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case) -> None:
            _authorize(case, gateway)

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
