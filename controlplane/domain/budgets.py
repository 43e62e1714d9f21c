"""Budget rules: consistent limits and thresholds, utilisation, and which alerts are due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from controlplane.errors import FieldProblem, Unprocessable
from controlplane.money import parse_usd


def check_budget(
    amount_usd: str, model_limits: Sequence[tuple[str, str]], alert_thresholds: Sequence[int]
) -> None:
    """Raise 422 naming every inconsistent field: a model limited twice, a model limit above the
    budget, a threshold given twice."""
    problems: list[FieldProblem] = []
    amount = parse_usd(amount_usd)
    seen: set[str] = set()
    for index, (model, limit) in enumerate(model_limits):
        if model in seen:
            problems.append(
                FieldProblem(f"model_limits[{index}].model", f"{model} is limited twice")
            )
        seen.add(model)
        if parse_usd(limit) > amount:
            problems.append(
                FieldProblem(
                    f"model_limits[{index}].amount_usd",
                    f"is above the budget's amount_usd ({amount})",
                )
            )
    if len(set(alert_thresholds)) != len(alert_thresholds):
        problems.append(FieldProblem("alert_thresholds", "has a threshold twice"))
    if problems:
        raise Unprocessable(
            detail=f"the budget is inconsistent: {problems[0].field} {problems[0].message}",
            errors=problems,
        )


def ordered_thresholds(thresholds: Sequence[int]) -> list[int]:
    return sorted(thresholds)


@dataclass(frozen=True)
class Utilisation:
    """Spend against an amount: remaining never below zero, percent with 2 decimals."""

    amount: Decimal
    spent: Decimal
    remaining: Decimal
    percent: Decimal
    exhausted: bool


def utilisation(amount: Decimal, spent: Decimal) -> Utilisation:
    percent = (
        (spent * 100 / amount).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        if amount > 0
        else Decimal("100.00")
    )
    return Utilisation(
        amount=amount,
        spent=spent,
        remaining=max(amount - spent, Decimal(0)),
        percent=percent,
        exhausted=spent >= amount,
    )


def crossed_thresholds(thresholds: Sequence[int], amount: Decimal, spent: Decimal) -> list[int]:
    """The thresholds (percent of `amount`) that `spent` has reached, ascending."""
    return sorted(t for t in thresholds if spent * 100 >= amount * t)
