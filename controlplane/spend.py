"""Spend as the API answers it: a team's month from the usage ledger, against its budget.

Shared by usage_api (`/usage`) and budget_admin (`/budgets`, which shows the current period's
utilisation). Money stays exact until here, where it is quantised once for the answer.
"""

from __future__ import annotations

from decimal import Decimal

from controlplane.domain.budgets import utilisation
from controlplane.domain.periods import month_end, month_start
from controlplane.money import format_usd, parse_usd
from controlplane.services import Services
from controlplane.store.usage import Counters, MonthUsage
from generated.models import (
    Budget,
    BudgetUtilisation,
    ModelLimitUtilisation,
    ModelUsage,
    UsageTotals,
)
from generated.models import (
    MonthUsage as MonthUsageModel,
)


def totals_model(counters: Counters) -> UsageTotals:
    return UsageTotals(**_counter_fields(counters))


def month_model(month: str, counters: Counters) -> MonthUsageModel:
    return MonthUsageModel(period=month, **_counter_fields(counters))


def models_by_cost(usage: MonthUsage) -> list[ModelUsage]:
    """Per-model usage, highest cost first (then by provider and model, for a stable order)."""
    ordered = sorted(usage.models, key=lambda m: (-m.counters.cost_usd, m.provider, m.model))
    return [
        ModelUsage(provider=m.provider, model=m.model, **_counter_fields(m.counters))
        for m in ordered
    ]


def spent_per_model(usage: MonthUsage) -> dict[str, Decimal]:
    """Spend per provider model id, summed over the providers that served it."""
    spent: dict[str, Decimal] = {}
    for m in usage.models:
        spent[m.model] = spent.get(m.model, Decimal(0)) + m.counters.cost_usd
    return spent


def budget_utilisation(
    services: Services, budget: Budget, month: str, usage: MonthUsage | None = None
) -> BudgetUtilisation:
    """The budget's utilisation in `month` (reads the month unless `usage` is given)."""
    if usage is None:
        usage = services.ledger.month(budget.team_id, month)
    overall = utilisation(parse_usd(budget.amount_usd), usage.totals.cost_usd)
    per_model = spent_per_model(usage)
    limits = []
    for limit in budget.model_limits:
        used = utilisation(parse_usd(limit.amount_usd), per_model.get(limit.model, Decimal(0)))
        limits.append(
            ModelLimitUtilisation(
                model=limit.model,
                amount_usd=format_usd(used.amount),
                spent_usd=format_usd(used.spent),
                remaining_usd=format_usd(used.remaining),
                percent_used=str(used.percent),
                exhausted=used.exhausted,
            )
        )
    return BudgetUtilisation(
        budget_id=budget.budget_id,
        period=month,
        period_start=month_start(month),
        period_end=month_end(month),
        amount_usd=format_usd(overall.amount),
        spent_usd=format_usd(overall.spent),
        remaining_usd=format_usd(overall.remaining),
        percent_used=str(overall.percent),
        enforcement=budget.enforcement,
        exhausted=overall.exhausted,
        alerted_thresholds=services.ledger.alerted_thresholds(budget.team_id, month),
        model_limits=limits,
    )


def _counter_fields(counters: Counters) -> dict[str, int | str]:
    return {
        "requests": counters.requests,
        "input_tokens": counters.input_tokens,
        "output_tokens": counters.output_tokens,
        "cache_read_tokens": counters.cache_read_tokens,
        "cache_write_tokens": counters.cache_write_tokens,
        "cost_usd": format_usd(counters.cost_usd),
        "unpriced_requests": counters.unpriced_requests,
    }
