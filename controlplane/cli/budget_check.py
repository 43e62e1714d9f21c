"""`gatewayctl budget-check`: agentgateway's budget check (its promptGuard webhook) served on its
own, beside agentgateway (the ECS sidecar), reading the store directly."""

from __future__ import annotations

import click

from controlplane.cli.app import main, settings_of


@main.group("budget-check")
def budget_check() -> None:
    """agentgateway's budget check as a server of its own.

    \b
    Example:
      gatewayctl budget-check serve --port 8181
    """


@budget_check.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=8181, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
@click.pass_context
def budget_check_serve(ctx: click.Context, port: int, host: str, log_level: str) -> None:
    """Serve the budget check until SIGTERM: POST /hooks/budget-check (the webhook agentgateway
    calls, hooks.openapi.yaml), GET /healthz.

    Settings come from GATEWAY_* (the store, the issuer's JWKS, the fail mode); point the render
    at it with GATEWAY_BUDGET_CHECK_URL=http://127.0.0.1:PORT/hooks/budget-check.

    \b
    Example:
      gatewayctl budget-check serve --port 8181
    """
    from controlplane.budget_check_server import serve_budget_check

    serve_budget_check(port, host=host, settings=settings_of(ctx), log_level=log_level)
