"""`gatewayctl doctor`: find and repair what a crash or an outage left half-done."""

from __future__ import annotations

import click

from controlplane.cli.app import main, settings_of


@main.command()
@click.option(
    "--check",
    is_flag=True,
    help="Only report: change nothing (exit 1 when something needs repair).",
)
@click.option(
    "--delete-unattached",
    is_flag=True,
    help="Also delete team-* OAuth clients that no team or pending registration names.",
)
@click.pass_context
def doctor(ctx: click.Context, check: bool, delete_unattached: bool) -> None:
    """Find and repair what a crash or an outage left half-done.

    Deletes OAuth clients of registrations that never committed, finishes deleting the clients
    of deregistered teams, and checks that every team agrees with its indexes. Works on the local
    data dir, or on AWS with GATEWAY_STORE=dynamodb GATEWAY_IDENTITY=cognito and the table and
    pool of the deployment. Safe to run at any time, also while servers run.

    \b
    Example:
      gatewayctl doctor --check
    """
    from controlplane.doctor import examine
    from controlplane.services import build_services

    services = build_services(settings_of(ctx))
    try:
        found = examine(services, repair=not check, delete_unattached=delete_unattached)
    finally:
        services.store.close()
    verb = "would delete" if check else "deleted"
    reconciled = found.reconciled
    lines = [
        *(
            f"{verb} OAuth client {c} (its registration never committed)"
            for c in reconciled.clients_deleted
        ),
        *(
            f"{'would finish' if check else 'finished'} deleting OAuth client {c} of a "
            "deregistered team"
            for c in reconciled.deletions_finished
        ),
        *(f"waiting: registration {n} may still be running" for n in reconciled.waiting),
        *(
            f"failed: {what} (the identity provider refused; run again)"
            for what in reconciled.failed
        ),
        *(f"inconsistent: {problem}" for problem in found.inconsistencies),
        *(
            f"{'deleted' if c in found.deleted_unattached else 'unattached'} OAuth client {c} "
            "(named team-*, no team names it)"
            for c in found.unattached_clients
        ),
    ]
    for line in lines:
        click.echo(line)
    needs_repair = check and (reconciled.changed or found.unattached_clients)
    if found.healthy and not needs_repair:
        click.echo("ok: teams, their OAuth clients and the store agree")
        return
    if found.unattached_clients and not delete_unattached:
        click.echo("hint: gatewayctl doctor --delete-unattached deletes the unattached clients")
    ctx.exit(1)
