"""Pure domain rules: money, ids, budgets, routing, scanner, prices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controlplane.domain.budgets import check_budget
from controlplane.domain.pricing import PriceKey, effective_prices, normalise_price
from controlplane.domain.routing import TargetSpec, check_rule
from controlplane.domain.scanner import RegexSpec, check_policy, regex_problem
from controlplane.errors import Unprocessable
from controlplane.ids import new_id
from controlplane.money import format_usd, normalise_usd, parse_usd


@given(st.decimals(min_value=0, max_value=Decimal("999999999999.999999"), places=6))
def test_money_round_trips_exactly(amount: Decimal) -> None:
    text = format_usd(amount)
    assert parse_usd(text) == amount
    assert len(text.split(".")[1]) == 6


@pytest.mark.parametrize("text", ["1e3", "-1", "1.1234567", "", " 1", "NaN", "1,5"])
def test_money_refuses_what_is_not_a_decimal_string(text: str) -> None:
    with pytest.raises(ValueError, match="decimal string"):
        parse_usd(text)


def test_money_never_takes_a_float() -> None:
    with pytest.raises(TypeError):
        format_usd(0.1)  # type: ignore[arg-type]
    assert normalise_usd("0.1") == "0.100000"


def test_ids_sort_by_creation_and_match_the_contract() -> None:
    ids = [new_id("tm") for _ in range(50)]
    assert all(len(i) == 29 and i.startswith("tm_") for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == 50


def test_budget_rules() -> None:
    check_budget("100", [("gpt-5", "100")], [50, 80, 100])
    with pytest.raises(Unprocessable) as raised:
        check_budget("10", [("gpt-5", "11"), ("gpt-5", "1")], [50, 50])
    assert [e.field for e in raised.value.errors] == [
        "model_limits[0].amount_usd",
        "model_limits[1].model",
        "alert_thresholds",
    ]


def test_routing_rules() -> None:
    check_rule("failover", [TargetSpec("bedrock", "m", "us-east-1", None)], [429], 1)
    check_rule(
        "weighted", [TargetSpec("openai", "a", None, 1), TargetSpec("azure", "a", None, 3)], [], 0
    )
    with pytest.raises(Unprocessable) as raised:
        check_rule("weighted", [TargetSpec("vertex", "m", None, None)], [500, 500], 1)
    assert [e.field for e in raised.value.errors] == [
        "targets[0].region",
        "targets[0].weight",
        "retry.on_status",
    ]


def test_failover_needs_a_retry_to_fail_over_the_request_that_evicts() -> None:
    two = [TargetSpec("openai", "a", None, None), TargetSpec("anthropic", "b", None, None)]
    check_rule("failover", two, [], 1)
    check_rule("failover", two[:1], [], 0)  # one target: nothing to fail over to
    check_rule("weighted", [TargetSpec("openai", "a", None, 1)], [], 0)
    with pytest.raises(Unprocessable) as raised:
        check_rule("failover", two, [], 0)
    [problem] = raised.value.errors
    assert problem.field == "retry.attempts"
    assert "at least 1" in problem.message


@pytest.mark.parametrize(
    ("pattern", "portable"),
    [
        (r"\b\d{3}-\d{2}-\d{4}\b", True),
        (r"(?i)secret[_-]?key", True),
        (r"(?P<user>\w+)@corp", True),
        (r"foo(?=bar)", False),
        (r"(?<!x)y", False),
        (r"(a)\1", False),
        (r"a++", True),  # Rust reads `(a+)+`: no possessive quantifiers to refuse
        (r"\p{Greek}+\z", True),  # Python's `re` refuses both escapes
        (r"total\Z", False),  # Python's `re` accepts it
        (r"[", False),
    ],
)
def test_regexes_must_run_in_agentgateway(pattern: str, portable: bool) -> None:
    assert (regex_problem(pattern) is None) is portable


def test_policy_rules() -> None:
    check_policy("all", [], ["email"], [RegexSpec("a", "x+")])
    with pytest.raises(Unprocessable) as raised:
        check_policy("teams", [], ["email", "email"], [RegexSpec("a", "x"), RegexSpec("a", "(")])
    assert [e.field for e in raised.value.errors] == [
        "applies_to.team_ids",
        "detectors[1].detector",
        "custom_rules[1].name",
        "custom_rules[1].pattern",
    ]


def test_overrides_win_and_order_is_stable() -> None:
    defaults = {
        PriceKey("openai", "b"): normalise_price({"input": "1", "output": "2"}),
        PriceKey("anthropic", "a"): normalise_price({"input": "3", "output": "15"}),
    }
    overrides = {PriceKey("openai", "b"): normalise_price({"input": "0.5", "output": "1"})}
    rows = effective_prices(defaults, overrides)
    assert [(k.provider, k.model, source) for k, _, source in rows] == [
        ("anthropic", "a", "default"),
        ("openai", "b", "override"),
    ]
    assert rows[1][1]["input"] == "0.500000"


def test_money_refuses_non_ascii_digits() -> None:
    # Python's \d (and Decimal) accept "١٢"; API Gateway's JSON Schema does not.
    with pytest.raises(ValueError, match="decimal string"):
        parse_usd("١٢")
