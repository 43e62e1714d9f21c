"""The generated models behave as the contract says: a generator upgrade cannot drift silently."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from controlplane.serialization import to_jsonable
from generated.models import BudgetCreate, ListTeamsParameters, TeamCreate, TeamList


def test_a_valid_payload_parses() -> None:
    team = TeamCreate.model_validate_json(
        '{"name": "payments", "contact_email": "p@example.com", "tier": "standard"}', strict=True
    )
    assert team.tier == "standard"
    assert team.description is None


@pytest.mark.parametrize(
    "payload",
    [
        '{"name": "Payments", "contact_email": "p@example.com", "tier": "standard"}',
        '{"name": "payments", "contact_email": "p@example.com", "tier": "standard", "x": 1}',
        '{"name": "payments", "contact_email": "not-an-email", "tier": "standard"}',
        '{"name": "payments", "contact_email": "p@example.com", "tier": "gold"}',
    ],
)
def test_invalid_payloads_are_refused(payload: str) -> None:
    with pytest.raises(ValidationError):
        TeamCreate.model_validate_json(payload, strict=True)


def test_money_is_a_string_and_numbers_are_refused() -> None:
    body = '{"team_id": "tm_01jd2x3y4z5a6b7c8d9e0f1g2h", "amount_usd": %s}'
    assert BudgetCreate.model_validate_json(body % '"12.5"', strict=True).amount_usd == "12.5"
    with pytest.raises(ValidationError):
        BudgetCreate.model_validate_json(body % "12.5", strict=True)


def test_query_parameters_have_the_contract_limits() -> None:
    assert ListTeamsParameters.model_validate({}).limit == 25
    with pytest.raises(ValidationError):
        ListTeamsParameters.model_validate({"limit": "101"})


def test_dump_omits_absent_optionals_but_keeps_required_nulls() -> None:
    assert to_jsonable(TeamList(items=[], next_cursor=None)) == {"items": [], "next_cursor": None}
    team = TeamCreate(name="payments", contact_email="p@example.com", tier="sandbox")
    assert to_jsonable(team) == {
        "name": "payments",
        "contact_email": "p@example.com",
        "tier": "sandbox",
    }
