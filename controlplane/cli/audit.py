"""`gatewayctl audit`: the audit trail, one record per change made through the admin API."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from controlplane.cli.api import (
    TEAM_ID,
    ApiCommand,
    JsonObject,
    given,
    items,
    page_size_option,
    team_id,
)
from controlplane.cli.app import main
from controlplane.cli.output import emit, grid, note, output_option

RESOURCE_TYPES = ("teams", "budgets", "pricing", "routing", "scanner")
ACTIONS = (
    "createTeam",
    "updateTeam",
    "deleteTeam",
    "rotateTeamSecret",
    "createBudget",
    "updateBudget",
    "deleteBudget",
    "putPriceOverride",
    "deletePriceOverride",
    "createRoutingRule",
    "updateRoutingRule",
    "deleteRoutingRule",
    "createScannerPolicy",
    "updateScannerPolicy",
    "deleteScannerPolicy",
)
DEFAULT_LIMIT = 100
RELATIVE = re.compile(r"([0-9]+)([mhdw])\Z")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
UNCHANGING = {"updated_at"}
"""Fields every change changes: not worth a column."""
CHANGE_VALUE_CHARACTERS = 60


@main.group()
def audit() -> None:
    """The audit trail: who changed what, when, by which operation (secrets redacted).

    \b
    Example:
      gatewayctl audit list --resource-type teams --resource-id payments
      gatewayctl audit list --action updateBudget --since 7d -o json
    """


def _instant(_ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """An instant: RFC 3339 (`2026-12-01T09:30:00Z`), a day (`2026-12-01`, its start in UTC),
    or a time ago (`30m`, `12h`, `7d`, `2w`)."""
    if value is None:
        return None
    text = value.strip()
    relative = RELATIVE.match(text)
    if relative:
        amount, unit = relative.groups()
        ago = timedelta(**{UNITS[unit]: int(amount)})
        return (datetime.now(UTC) - ago).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an instant (2026-12-01T09:30:00Z), a day (2026-12-01) or a time "
            "ago (30m, 12h, 7d, 2w)",
            param=param,
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@audit.command("list", cls=ApiCommand)
@page_size_option()
@click.option("--resource-type", type=click.Choice(RESOURCE_TYPES), default=None)
@click.option(
    "--resource-id",
    default=None,
    help="A team, budget, rule or policy id, or PROVIDER/MODEL of a price (with --resource-type "
    "teams, a team name works too).",
)
@click.option("--actor", default=None, metavar="CLIENT_ID", help="Changes made by this client.")
@click.option(
    "--action",
    type=click.Choice(ACTIONS),
    default=None,
    metavar="OPERATION_ID",
    help="Changes made by one operation (createTeam, updateBudget, putPriceOverride, …).",
)
@click.option(
    "--since",
    metavar="TIME",
    default=None,
    callback=_instant,
    help="From this time on (inclusive).",
)
@click.option(
    "--until",
    metavar="TIME",
    default=None,
    callback=_instant,
    help="Up to this time (inclusive).",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="The newest N records at most.",
)
@click.option("--all", "every", is_flag=True, help="Every matching record (no --limit).")
@output_option()
@click.pass_context
def audit_list(
    ctx: click.Context,
    resource_type: str | None,
    resource_id: str | None,
    actor: str | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    every: bool,
    output: str,
) -> None:
    """List audit records, newest first, that match every filter given.

    Times are instants (2026-12-01T09:30:00Z), days (2026-12-01, from 00:00 UTC) or times ago
    (30m, 12h, 7d, 2w). The table's last column says what changed; -o json has each record's
    whole `before` and `after`.

    \b
    Example:
      gatewayctl audit list
      gatewayctl audit list --resource-type teams --resource-id payments
      gatewayctl audit list --action updateBudget --since 2026-12-01 -o json
    """
    from gateway_admin_api.api.audit import list_audit_records

    if resource_type == "teams" and resource_id is not None and not TEAM_ID.match(resource_id):
        resource_id = team_id(ctx, resource_id)
    most = None if every else limit + 1  # one more tells whether records were left out
    found = items(
        ctx,
        list_audit_records.sync_detailed,
        most=most,
        resource_type=given(resource_type),
        resource_id=given(resource_id),
        actor=given(actor),
        action=given(action),
        since=given(since),
        until=given(until),
    )
    if not every and len(found) > limit:
        found = found[:limit]
        note(f"The newest {limit} records are shown: --limit N or --all for more.")
    emit(output, found, lambda: _audit_table(found))


def _audit_table(found: list[JsonObject]) -> Any:
    return grid(
        ["At", "Actor", "Action", "Resource", "Change"],
        [
            [
                record["at"],
                record["actor"],
                record["action"],
                f"{record['resource_type']}/{record['resource_id']}",
                _change(record.get("before"), record.get("after")),
            ]
            for record in found
        ],
        droppable=["Actor"],
        wrap=["Resource", "Change"],
    )


def _change(before: JsonObject | None, after: JsonObject | None) -> str:
    """What a change did, for people: created, deleted, or each field from → to."""
    if before is None:
        return "created"
    if after is None:
        return "deleted"
    lines = [
        f"{key}: {_short(before.get(key))} → {_short(after.get(key))}"
        for key in {**before, **after}
        if key not in UNCHANGING and before.get(key) != after.get(key)
    ]
    return "\n".join(lines) or "no field changed"


def _short(value: Any) -> str:
    if value is None:
        return "—"
    shown = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return (
        shown
        if len(shown) <= CHANGE_VALUE_CHARACTERS
        else shown[: CHANGE_VALUE_CHARACTERS - 1] + "…"
    )
