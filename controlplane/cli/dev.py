"""`gatewayctl dev`: tools for development, tests and benchmarks."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from controlplane.cli.app import main, settings_of


@main.group()
def dev() -> None:
    """Tools for development, tests and benchmarks.

    \b
    Example:
      gatewayctl dev generate-logs --lines 20000 --teams-from-store -o /tmp/access.log
    """


@dev.command("generate-logs")
@click.option("--lines", "-n", default=10_000, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same log.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default="-",
    show_default=True,
    help="File to write (- for stdout).",
)
@click.option(
    "--teams-from-store",
    is_flag=True,
    help="Attribute lines to the registered teams' clients (default: made-up clients).",
)
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    default=None,
    help="Time of the first line, UTC (default: the start of the current day).",
)
@click.pass_context
def dev_generate_logs(
    ctx: click.Context,
    lines: int,
    seed: int,
    output: Path,
    teams_from_store: bool,
    start: datetime | None,
) -> None:
    """Write a realistic agentgateway access log: many teams and models, cache tokens,
    streaming, upstream errors, malformed and non-LLM lines, unknown models.

    \b
    Example:
      gatewayctl dev generate-logs --lines 20000 --teams-from-store -o /tmp/access.log
      gatewayctl dev generate-logs -n 500 --start 2026-11-01 | gatewayctl usage ingest -
    """
    from controlplane.loggen import generate_access_log

    teams = None
    if teams_from_store:
        from controlplane.services import build_services

        services = build_services(settings_of(ctx))
        found = [(team.team_id, [team.client_id]) for team in services.teams.all()]
        if not found:
            raise click.ClickException("no teams registered: register one first")
        teams = found
    begin = start or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    begin = begin.replace(tzinfo=UTC)
    generated = generate_access_log(lines, seed=seed, start=begin, teams=teams)
    if str(output) == "-":
        out = sys.stdout
        for line in generated:
            out.write(line + "\n")
        return
    with output.open("w") as handle:
        for line in generated:
            handle.write(line + "\n")
    click.echo(f"Wrote {lines:,} lines to {output}", err=True)
