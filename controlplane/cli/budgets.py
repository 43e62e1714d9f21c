"""`gatewayctl budgets`: teams' monthly spend budgets."""

from __future__ import annotations

from typing import Any

import click

from controlplane.cli.api import (
    ApiCommand,
    JsonObject,
    answer_json,
    body_of,
    budget_id,
    client,
    comma_list,
    from_file_option,
    given,
    items,
    page_size_option,
    team_id,
    team_names,
    typed_body,
    update_if_unchanged,
)
from controlplane.cli.app import main
from controlplane.cli.output import details, emit, grid, output_option, usd

ENFORCEMENTS = ("hard", "soft")


@main.group()
def budgets() -> None:
    """Budgets: a team's monthly spend limit, per-model limits, alert thresholds.

    BUDGET arguments are a budget id (bg_…) or the budget's team (a team id or name: a team has
    at most one budget).

    \b
    Example:
      gatewayctl budgets list
      gatewayctl budgets update payments --amount 250 --enforcement soft
    """


@budgets.command("list", cls=ApiCommand)
@page_size_option()
@click.option("--team", default=None, help="Only the budget of this team (id or name).")
@output_option()
@click.pass_context
def budgets_list(ctx: click.Context, team: str | None, output: str) -> None:
    """List budgets (all pages), with this month's spend.

    \b
    Example:
      gatewayctl budgets list
      gatewayctl budgets list --team payments -o json
    """
    from gateway_admin_api.api.budgets import list_budgets

    owner = team_id(ctx, team) if team is not None else None
    found = items(ctx, list_budgets.sync_detailed, team_id=given(owner))
    emit(output, found, lambda: _budgets_table(found, team_names(ctx) if found else {}))


def _budgets_table(found: list[JsonObject], names: dict[str, str]) -> Any:
    rows = []
    for budget in found:
        use = budget.get("utilisation") or {}
        rows.append(
            [
                names.get(budget["team_id"], budget["team_id"]),
                budget["budget_id"],
                usd(budget["amount_usd"]),
                usd(use.get("spent_usd")),
                f"{use['percent_used']} %" if use else "",
                budget["enforcement"],
                ", ".join(f"{t} %" for t in budget["alert_thresholds"]),
                len(budget["model_limits"]) or "",
            ]
        )
    return grid(
        [
            "Team",
            "Budget id",
            ">Amount (USD)",
            ">Spent (USD)",
            ">Used",
            "Enforcement",
            "Alerts at",
            ">Model limits",
        ],
        rows,
        droppable=["Model limits", "Alerts at", "Budget id"],
    )


@budgets.command("get", cls=ApiCommand)
@click.argument("budget")
@output_option()
@click.pass_context
def budgets_get(ctx: click.Context, budget: str, output: str) -> None:
    """Show a budget and this month's spend against it.

    BUDGET is a budget id (bg_…) or its team (a team id or name: a team has one budget).

    \b
    Example:
      gatewayctl budgets get payments
      gatewayctl budgets get bg_01m8t7c8mxz2hyk17q8tdj7w4m -o json
    """
    from gateway_admin_api.api.budgets import get_budget

    answer = answer_json(get_budget.sync_detailed(budget_id(ctx, budget), client=client(ctx)))
    emit(output, answer, lambda: details(answer))


def _model_limits(values: tuple[str, ...]) -> list[JsonObject] | None:
    """`MODEL=USD` options as the API's model limits."""
    limits = []
    for value in values:
        model, equals, amount = value.rpartition("=")
        if not equals or not model:
            raise click.BadParameter(f"{value!r}: expected MODEL=USD", param_hint="'--model-limit'")
        limits.append({"model": model, "amount_usd": amount})
    return limits or None


def _thresholds(value: str | None) -> list[int] | None:
    listed = comma_list(value)
    if listed is None:
        return None
    try:
        return [int(threshold.rstrip("%").strip()) for threshold in listed]
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: expected percentages such as 50,80,100", param_hint="'--alert-at'"
        ) from None


_AMOUNT = click.option(
    "--amount", default=None, metavar="USD", help="The monthly amount, e.g. 250."
)
_ENFORCEMENT = click.option(
    "--enforcement",
    type=click.Choice(ENFORCEMENTS),
    default=None,
    help="hard refuses requests once it is spent; soft only alerts.",
)
_ALERT_AT = click.option(
    "--alert-at", default=None, metavar="P,P,…", help="Alert thresholds in % (e.g. 50,80,100)."
)
_MODEL_LIMIT = click.option(
    "--model-limit",
    multiple=True,
    metavar="MODEL=USD",
    help="A per-model limit (provider model id); repeat for several. Replaces the whole list.",
)


@budgets.command("create", cls=ApiCommand)
@click.option("--team", default=None, help="The team (id or name).")
@_AMOUNT
@_ENFORCEMENT
@_ALERT_AT
@_MODEL_LIMIT
@click.option("--idempotency-key", default=None, help="Reuse to retry without a second budget.")
@from_file_option()
@output_option()
@click.pass_context
def budgets_create(
    ctx: click.Context,
    team: str | None,
    amount: str | None,
    enforcement: str | None,
    alert_at: str | None,
    model_limit: tuple[str, ...],
    idempotency_key: str | None,
    from_file: str | None,
    output: str,
) -> None:
    """Create the budget of a team that has none (teams registered with a tier other than
    unlimited already have one: change it with `budgets update`).

    \b
    Example:
      gatewayctl budgets create --team research --amount 500 --enforcement hard \\
        --alert-at 50,80,100 --model-limit claude-opus-4-1-20250805=100
    """
    from gateway_admin_api.api.budgets import create_budget
    from gateway_admin_api.models import BudgetCreate

    body = body_of(
        from_file,
        {
            "team_id": team_id(ctx, team) if team is not None else None,
            "amount_usd": amount,
            "enforcement": enforcement,
            "alert_thresholds": _thresholds(alert_at),
            "model_limits": _model_limits(model_limit),
        },
    )
    request = typed_body(BudgetCreate.from_dict, body, "budget")
    answer = answer_json(
        create_budget.sync_detailed(
            client=client(ctx), body=request, idempotency_key=given(idempotency_key)
        )
    )
    emit(output, answer, lambda: details(answer))


@budgets.command("update", cls=ApiCommand)
@click.argument("budget")
@_AMOUNT
@_ENFORCEMENT
@_ALERT_AT
@_MODEL_LIMIT
@click.option("--no-model-limits", is_flag=True, help="Remove every per-model limit.")
@click.option(
    "--if-match",
    default=None,
    metavar="ETAG",
    help="Change it only if it is still this version (default: the ETag read just before).",
)
@from_file_option()
@output_option()
@click.pass_context
def budgets_update(
    ctx: click.Context,
    budget: str,
    amount: str | None,
    enforcement: str | None,
    alert_at: str | None,
    model_limit: tuple[str, ...],
    no_model_limits: bool,
    if_match: str | None,
    from_file: str | None,
    output: str,
) -> None:
    """Change the fields given and leave the others as they are (read first, changed with
    If-Match). BUDGET is a budget id (bg_…) or its team (id or name).

    \b
    Example:
      gatewayctl budgets update payments --amount 250 --enforcement soft
      gatewayctl budgets update payments --no-model-limits
    """
    from gateway_admin_api.api.budgets import get_budget, update_budget
    from gateway_admin_api.models import BudgetUpdate

    if no_model_limits and model_limit:
        raise click.UsageError("--model-limit and --no-model-limits exclude each other")
    body = body_of(
        from_file,
        {
            "amount_usd": amount,
            "enforcement": enforcement,
            "alert_thresholds": _thresholds(alert_at),
            "model_limits": [] if no_model_limits else _model_limits(model_limit),
        },
    )
    request = typed_body(BudgetUpdate.from_dict, body, "change")
    found = budget_id(ctx, budget)
    answer = update_if_unchanged(ctx, get_budget, update_budget, found, request, if_match)
    emit(output, answer, lambda: details(answer))


@budgets.command("delete", cls=ApiCommand)
@click.argument("budget")
@click.option("--if-match", default=None, metavar="ETAG", help="Only if it is still this version.")
@click.pass_context
def budgets_delete(ctx: click.Context, budget: str, if_match: str | None) -> None:
    """Delete a budget: the team's spend is then not limited. BUDGET is a budget id or its team.

    \b
    Example:
      gatewayctl budgets delete payments
    """
    from gateway_admin_api.api.budgets import delete_budget

    found = budget_id(ctx, budget)
    delete_budget.sync_detailed(found, client=client(ctx), if_match=given(if_match))
    click.echo(f"Deleted budget {found}")
