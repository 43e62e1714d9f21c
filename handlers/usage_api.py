"""usage_api: a team's spend and tokens per month, budget utilisation and history (`/usage`)."""

from __future__ import annotations

from typing import Any

from controlplane.adapters.apigw import handle_event
from controlplane.adapters.lambda_entry import lambda_entry
from controlplane.api.context import RequestContext
from controlplane.api.operations import Reply, operation
from controlplane.domain.periods import month_end, month_of, month_start, months_ending
from controlplane.errors import Forbidden, NotFound
from controlplane.settings import ADMIN_SCOPE
from controlplane.spend import budget_utilisation, models_by_cost, month_model, totals_model
from generated.models import (
    GetTeamUsageHistoryParameters,
    GetTeamUsageParameters,
    TeamUsage,
    UsageHistory,
)

UNATTRIBUTED = "unattributed"


def _require_access(ctx: RequestContext, team_id: str) -> None:
    """Admins read any team; a team's own token reads only its own team."""
    if ctx.principal.has_scope(ADMIN_SCOPE):
        if team_id != UNATTRIBUTED and ctx.services.teams.get(team_id) is None:
            raise NotFound(detail=f"no team {team_id}")
        return
    if ctx.caller_team() != team_id:
        raise Forbidden(detail="a team's token reads only its own team's usage")


@operation("getTeamUsage")
def get_team_usage(ctx: RequestContext, params: GetTeamUsageParameters) -> Reply:
    _require_access(ctx, params.team_id)
    services = ctx.services
    month = params.period or month_of(services.now())
    usage = services.ledger.month(params.team_id, month)
    budget_id = services.team_budgets.lookup(params.team_id)
    budget = services.budgets.get(budget_id) if budget_id else None
    return Reply(
        TeamUsage(
            team_id=params.team_id,
            period=month,
            period_start=month_start(month),
            period_end=month_end(month),
            totals=totals_model(usage.totals),
            budget=budget_utilisation(services, budget.value, month, usage) if budget else None,
            models=models_by_cost(usage),
        )
    )


@operation("getTeamUsageHistory")
def get_team_usage_history(ctx: RequestContext, params: GetTeamUsageHistoryParameters) -> Reply:
    _require_access(ctx, params.team_id)
    services = ctx.services
    months = months_ending(month_of(services.now()), params.months)
    history = services.ledger.history(params.team_id, months)
    return Reply(
        UsageHistory(
            team_id=params.team_id,
            months=[month_model(month, counters) for month, counters in history.items()],
        )
    )


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_event(event, context)
