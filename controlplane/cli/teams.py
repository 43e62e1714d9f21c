"""`gatewayctl teams`: register, list, read, change, deregister teams and rotate their secrets."""

from __future__ import annotations

from typing import Any

import click

from controlplane.cli.api import (
    ApiCommand,
    JsonObject,
    answer_json,
    body_of,
    client,
    from_file_option,
    given,
    items,
    page_size_option,
    team_id,
    typed_body,
    update_if_unchanged,
)
from controlplane.cli.app import main
from controlplane.cli.output import details, emit, grid, note, output_option

TIERS = ("sandbox", "standard", "premium", "unlimited")
STATUSES = ("active", "suspended")


@main.group()
def teams() -> None:
    """Teams: who may use the gateway, each with its OAuth client and budget.

    TEAM arguments are a team id (tm_…) or a team name: names are unique and never look like an
    id, so either is unambiguous.

    \b
    Example:
      gatewayctl teams create --name payments --contact-email p@example.com --tier standard
      gatewayctl teams list
    """


@teams.command("list", cls=ApiCommand)
@page_size_option()
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only these teams.")
@output_option()
@click.pass_context
def teams_list(ctx: click.Context, status: str | None, output: str) -> None:
    """List every team, oldest first (all pages).

    \b
    Example:
      gatewayctl teams list
      gatewayctl teams list --status suspended -o json | jq -r '.[].name'
    """
    from gateway_admin_api.api.teams import list_teams

    found = items(ctx, list_teams.sync_detailed, status=given(status))
    emit(output, found, lambda: _teams_table(found))


def _teams_table(found: list[JsonObject]) -> Any:
    return grid(
        ["Name", "Team id", "Tier", "Status", "Contact", "Cost center", "Created"],
        [
            [
                team["name"],
                team["team_id"],
                team["tier"],
                team["status"],
                team["contact_email"],
                team.get("cost_center"),
                team["created_at"],
            ]
            for team in found
        ],
        droppable=["Cost center", "Created", "Contact"],
    )


@teams.command("get", cls=ApiCommand)
@click.argument("team")
@output_option()
@click.pass_context
def teams_get(ctx: click.Context, team: str, output: str) -> None:
    """Show a team (its client secret is never shown again).

    TEAM is a team id (tm_…) or a team name; either is unambiguous.

    \b
    Example:
      gatewayctl teams get payments
      gatewayctl teams get tm_01m8t7c8mw70fpe88mrwznx1ha -o json
    """
    from gateway_admin_api.api.teams import get_team

    answer = answer_json(get_team.sync_detailed(team_id(ctx, team), client=client(ctx)))
    emit(output, answer, lambda: details(answer))


@teams.command("create", cls=ApiCommand)
@click.option("--name", default=None, help="A lowercase slug, unique among teams.")
@click.option("--contact-email", default=None, help="Who to contact about the team.")
@click.option(
    "--tier",
    type=click.Choice(TIERS),
    default=None,
    help="Sets the default monthly budget (sandbox 25, standard 100, premium 1000 USD).",
)
@click.option("--description", default=None, help="What the team does with the gateway.")
@click.option("--cost-center", default=None, help="The cost centre spend is charged to.")
@click.option(
    "--idempotency-key",
    default=None,
    help="Send the request again with the same key to get the first answer, not a 2nd team "
    "(default: a new key).",
)
@from_file_option()
@output_option()
@click.pass_context
def teams_create(
    ctx: click.Context,
    name: str | None,
    contact_email: str | None,
    tier: str | None,
    description: str | None,
    cost_center: str | None,
    idempotency_key: str | None,
    from_file: str | None,
    output: str,
) -> None:
    """Register a team: its OAuth client and, unless unlimited, a default budget come with it.

    The answer holds the team's client secret: it is shown this once, so keep it.

    \b
    Example:
      gatewayctl teams create --name payments --contact-email p@example.com --tier standard
      gatewayctl teams create --from-file team.yaml -o json > registration.json
    """
    from gateway_admin_api.api.teams import create_team
    from gateway_admin_api.models import TeamCreate

    body = body_of(
        from_file,
        {
            "name": name,
            "contact_email": contact_email,
            "tier": tier,
            "description": description,
            "cost_center": cost_center,
        },
    )
    request = typed_body(TeamCreate.from_dict, body, "team")
    answer = answer_json(
        create_team.sync_detailed(
            client=client(ctx), body=request, idempotency_key=given(idempotency_key)
        )
    )

    def table() -> Any:
        from rich.console import Group

        note("The client secret is shown only now: store it.")
        return Group(
            details(answer["team"], title="Team"),
            details(answer["credentials"], title="Credentials"),
            details({"budget_id": answer.get("budget_id")}, title="Budget"),
        )

    emit(output, answer, table)


@teams.command("update", cls=ApiCommand)
@click.argument("team")
@click.option("--contact-email", default=None)
@click.option("--tier", type=click.Choice(TIERS), default=None, help="(An existing budget stays.)")
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    default=None,
    help="suspended: the budget check refuses the team's requests.",
)
@click.option("--description", default=None)
@click.option("--cost-center", default=None)
@click.option(
    "--if-match",
    default=None,
    metavar="ETAG",
    help="Change it only if it is still this version (default: the ETag read just before).",
)
@from_file_option()
@output_option()
@click.pass_context
def teams_update(
    ctx: click.Context,
    team: str,
    contact_email: str | None,
    tier: str | None,
    status: str | None,
    description: str | None,
    cost_center: str | None,
    if_match: str | None,
    from_file: str | None,
    output: str,
) -> None:
    """Change the fields given and leave the others as they are.

    The team is read first and changed only if it is still what was read (If-Match): a
    concurrent change makes this fail (412) instead of being overwritten. TEAM is a team id or
    a team name.

    \b
    Example:
      gatewayctl teams update payments --cost-center CC-4410
      gatewayctl teams update payments --status suspended
    """
    from gateway_admin_api.api.teams import get_team, update_team
    from gateway_admin_api.models import TeamUpdate

    body = body_of(
        from_file,
        {
            "contact_email": contact_email,
            "tier": tier,
            "status": status,
            "description": description,
            "cost_center": cost_center,
        },
    )
    request = typed_body(TeamUpdate.from_dict, body, "change")
    found = team_id(ctx, team)
    answer = update_if_unchanged(ctx, get_team, update_team, found, request, if_match)
    emit(output, answer, lambda: details(answer))


@teams.command("delete", cls=ApiCommand)
@click.argument("team")
@click.option("--if-match", default=None, metavar="ETAG", help="Only if it is still this version.")
@click.pass_context
def teams_delete(ctx: click.Context, team: str, if_match: str | None) -> None:
    """Deregister a team: its OAuth client is deleted (its tokens stop working) and so is its
    budget; its usage history is kept. TEAM is a team id or a team name.

    \b
    Example:
      gatewayctl teams delete payments
    """
    from gateway_admin_api.api.teams import delete_team

    found = team_id(ctx, team)
    delete_team.sync_detailed(found, client=client(ctx), if_match=given(if_match))
    click.echo(f"Deregistered team {team}" + (f" ({found})" if found != team else ""))


@teams.command("rotate-secret", cls=ApiCommand)
@click.argument("team")
@output_option()
@click.pass_context
def teams_rotate_secret(ctx: click.Context, team: str, output: str) -> None:
    """Issue a new client secret for the team's OAuth client; the old one stops working at once
    (tokens already issued stay valid until they expire). TEAM is a team id or a team name.

    \b
    Example:
      gatewayctl teams rotate-secret payments -o json | jq -r .client_secret
    """
    from gateway_admin_api.api.teams import rotate_team_secret

    answer = answer_json(rotate_team_secret.sync_detailed(team_id(ctx, team), client=client(ctx)))

    def table() -> Any:
        note("The new client secret is shown only now: store it.")
        return details(answer, title="Credentials")

    emit(output, answer, table)
