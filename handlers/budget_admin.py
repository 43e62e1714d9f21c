"""budget_admin: one monthly spend budget per team (`/budgets`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from controlplane.adapters.apigw import handle_event
from controlplane.adapters.lambda_entry import lambda_entry
from controlplane.api.context import RequestContext
from controlplane.api.operations import Reply, operation
from controlplane.api.resources import create, delete_versioned, merged, read, save_replacement
from controlplane.domain.budgets import check_budget, ordered_thresholds
from controlplane.domain.periods import month_of
from controlplane.domain.teams import DEFAULT_ALERT_THRESHOLDS
from controlplane.errors import Conflict
from controlplane.ids import new_id
from controlplane.money import normalise_usd
from controlplane.spend import budget_utilisation
from controlplane.store.repositories import Guarded, unknown
from generated.models import (
    Budget,
    BudgetCreate,
    BudgetList,
    BudgetUpdate,
    DeleteBudgetParameters,
    GetBudgetParameters,
    ListBudgetsParameters,
    UpdateBudgetParameters,
)


def _with_utilisation(ctx: RequestContext, budget: Budget) -> Budget:
    """The budget as answered: with the current period's spend (computed, never stored)."""
    month = month_of(ctx.services.now())
    return budget.model_copy(
        update={"utilisation": budget_utilisation(ctx.services, budget, month)}
    )


def _answer(ctx: RequestContext, reply: Reply) -> Reply:
    assert isinstance(reply.body, Budget)
    return replace(reply, body=_with_utilisation(ctx, reply.body))


@operation("listBudgets")
def list_budgets(ctx: RequestContext, params: ListBudgetsParameters) -> Reply:
    budgets = ctx.services.budgets
    if params.team_id is None:
        items, cursor = budgets.page(params.cursor, params.limit)
    else:
        # A team has at most one budget: the filtered list is that budget or nothing.
        budget_id = ctx.services.team_budgets.lookup(params.team_id)
        found = budgets.get(budget_id) if budget_id and params.cursor is None else None
        items, cursor = ([found.value] if found else []), None
    answered = [_with_utilisation(ctx, budget) for budget in items]
    return Reply(BudgetList(items=answered, next_cursor=cursor))


def _normalised(budget: Budget) -> Budget:
    check_budget(
        budget.amount_usd,
        [(limit.model, limit.amount_usd) for limit in budget.model_limits],
        budget.alert_thresholds,
    )
    return budget.model_copy(
        update={
            "amount_usd": normalise_usd(budget.amount_usd),
            "model_limits": [
                limit.model_copy(update={"amount_usd": normalise_usd(limit.amount_usd)})
                for limit in budget.model_limits
            ],
            "alert_thresholds": ordered_thresholds(budget.alert_thresholds),
        }
    )


@operation("createBudget")
def create_budget(ctx: RequestContext, body: BudgetCreate) -> Reply:
    services = ctx.services
    no_team = unknown("team_id", body.team_id, "team")
    if services.teams.get(body.team_id) is None:
        raise no_team
    one_budget = Conflict(detail=f"team {body.team_id} already has a budget; update it instead")
    services.team_budgets.ensure_free(body.team_id, one_budget)
    now = services.now()
    budget = _normalised(
        Budget(
            budget_id=new_id("bg"),
            team_id=body.team_id,
            amount_usd=body.amount_usd,
            period=body.period or "monthly",
            model_limits=body.model_limits or [],
            alert_thresholds=(
                body.alert_thresholds
                if body.alert_thresholds is not None
                else list(DEFAULT_ALERT_THRESHOLDS)
            ),
            enforcement=body.enforcement or "hard",
            created_at=now,
            updated_at=now,
        )
    )
    return create(
        ctx,
        services.budgets,
        budget.budget_id,
        budget,
        action="createBudget",
        location=f"/budgets/{budget.budget_id}",
        also=[
            Guarded(services.teams.must_exist(body.team_id), no_team),
            Guarded(services.team_budgets.claim(body.team_id, budget.budget_id), one_budget),
        ],
        answer_as=lambda created: _with_utilisation(ctx, created),
    )


@operation("getBudget")
def get_budget(ctx: RequestContext, params: GetBudgetParameters) -> Reply:
    return _answer(ctx, read(ctx.services.budgets, params.budget_id))


@operation("updateBudget")
def update_budget(ctx: RequestContext, params: UpdateBudgetParameters, body: BudgetUpdate) -> Reply:
    budgets = ctx.services.budgets
    current = budgets.require(params.budget_id)
    budget = _normalised(merged(current.value, body, updated_at=ctx.services.now()))
    version = save_replacement(
        ctx, budgets, params.budget_id, current, budget, action="updateBudget"
    )
    return _answer(ctx, Reply(budget, etag=version))


@operation("deleteBudget")
def delete_budget(ctx: RequestContext, params: DeleteBudgetParameters) -> Reply:
    services = ctx.services
    current = services.budgets.require(params.budget_id)
    delete_versioned(
        ctx,
        services.budgets,
        params.budget_id,
        current,
        action="deleteBudget",
        also=[services.team_budgets.release(current.value.team_id)],
    )
    return Reply(status=204)


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_event(event, context)
