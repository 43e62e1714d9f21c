"""`gatewayctl serve` runs the local control plane; `gatewayctl token` asks it (or the profile's
token endpoint) for an admin access token."""

from __future__ import annotations

import errno
import logging
import os
import signal
from typing import TYPE_CHECKING

import click

from controlplane.cli.api import credentials, profile, reported_failures
from controlplane.cli.app import main, profile_option, settings_of
from controlplane.clock import isoformat, system_clock
from controlplane.discovery import ServerRecord
from controlplane.settings import Settings

if TYPE_CHECKING:
    from controlplane.adapters.local import AdminClient


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--store",
    type=click.Choice(["sqlite", "dynamodb"]),
    default=None,
    help="Where resources are stored (default sqlite in the data dir, or GATEWAY_STORE).",
)
@click.option("--dynamodb-endpoint-url", default=None, help="DynamoDB endpoint (e.g. a local one).")
@click.option("--table-prefix", default=None, help="Prefix of the DynamoDB table name.")
@click.option(
    "--create-table", is_flag=True, default=None, help="Create the DynamoDB table if missing."
)
@click.option("--log-level", default="info", show_default=True, help="Python log level.")
@click.option(
    "--header-timeout",
    type=float,
    default=10.0,
    show_default=True,
    envvar="GATEWAY_HEADER_TIMEOUT_SECONDS",
    help="Seconds a connection may take to send a request's headers (slowloris bound).",
)
@click.option(
    "--keep-alive-timeout",
    type=int,
    default=5,
    show_default=True,
    envvar="GATEWAY_KEEP_ALIVE_TIMEOUT_SECONDS",
    help="Seconds an idle keep-alive connection is kept open.",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    store: str | None,
    dynamodb_endpoint_url: str | None,
    table_prefix: str | None,
    create_table: bool | None,
    log_level: str,
    header_timeout: float,
    keep_alive_timeout: int,
) -> None:
    """Run the local control plane: admin API, Swagger UI and the OAuth2 token endpoint.

    The first start creates the data dir with the SQLite database, an RSA signing key and an admin
    client whose credentials are written to <data-dir>/admin-client.json (mode 0600). Once
    listening, the server records its URL in <data-dir>/server.json (removed when it stops), where
    `gatewayctl token` finds it. --port 0 picks a free port.

    \b
    Example:
      gatewayctl serve
      gatewayctl serve --data-dir /tmp/gw --port 9000
    """
    import warnings

    # connexion imports starlette's test client at start-up, which warns about httpx: noise here.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    import uvicorn

    from controlplane.adapters.http_timeouts import header_timeout_protocol
    from controlplane.adapters.local import create_app, listening_socket, open_control_plane
    from controlplane.config_publisher import publish
    from controlplane.discovery import forget_server, record_server
    from controlplane.logs import JsonLinesHandler

    logging.basicConfig(level=log_level.upper(), handlers=[JsonLinesHandler()])
    settings = settings_of(
        ctx,
        store=store,
        dynamodb_endpoint_url=dynamodb_endpoint_url,
        table_prefix=table_prefix,
        create_table=create_table,
    )
    # Bind before anything else: a busy port must not announce a server nor touch the data dir
    # (publishing would overwrite the config of the instance that holds the port).
    try:
        listener = listening_socket(host, port)
    except OSError as error:
        reason = (
            "the address is already in use (another server? `gatewayctl token` finds the one of "
            "a data dir; or choose another --port)"
            if error.errno == errno.EADDRINUSE
            else error.strerror or str(error)
        )
        raise click.ClickException(f"cannot listen on {host}:{port}: {reason}") from None
    with listener:
        base_url = _url_of(host, listener.getsockname()[1])
        if "GATEWAY_ISSUER" not in os.environ:
            settings = settings.with_(issuer=base_url)
        if "GATEWAY_TOKEN_ENDPOINT" not in os.environ:
            settings = settings.with_(token_endpoint=f"{settings.issuer}/oauth2/token")
        plane = open_control_plane(settings)
        # agentgateway needs its file from the start, not only after the first change.
        published = publish(plane.services)
        app = create_app(plane, base_url=base_url)
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                log_level=log_level.lower(),
                # One JSON line per request is ours (adapters/local.py RequestLog); uvicorn's own
                # lines go through the root logger's JSON handler rather than its text handlers.
                access_log=False,
                log_config=None,
                # uvicorn times idle keep-alive connections but not request heads: our protocol.
                http=header_timeout_protocol(header_timeout),
                timeout_keep_alive=keep_alive_timeout,
                h11_max_incomplete_event_size=16 * 1024,
            )
        )
        record = ServerRecord(
            url=base_url,
            token_endpoint=f"{base_url}/oauth2/token",
            pid=os.getpid(),
            started_at=isoformat(system_clock()),
        )
        _announce(settings, plane.admin, base_url, published is not None)
        # uvicorn stops gracefully on SIGTERM and then re-raises it: with the default action the
        # process would die there, before the record is removed.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        record_server(settings.data_dir, record)
        try:
            server.run(sockets=[listener])
        finally:
            forget_server(settings.data_dir, record.pid)


def _url_of(host: str, port: int) -> str:
    """The URL clients on this machine reach a server listening on host:port with."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - not binding, naming the loopback
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _announce(settings: Settings, admin: AdminClient, base_url: str, published: bool) -> None:
    state = "created" if admin.created else "kept"
    credentials = settings.data_dir / "admin-client.json"
    config_file = settings.config_path if published else "not published (see the log)"
    click.echo(
        f"Control plane on {base_url} (store: {settings.store}, data: {settings.data_dir})\n"
        f"  Admin client {admin.client_id} {state}; credentials in {credentials}\n"
        f"  Swagger UI:   {base_url}/ui/\n"
        f"  agentgateway config: {config_file}\n"
        f"  Get a token:\n"
        f"    ID=$(jq -r .client_id {credentials}); SECRET=$(jq -r .client_secret {credentials})\n"
        f'    curl -s -X POST {settings.token_endpoint} -H "Content-Type: '
        f'application/x-www-form-urlencoded" -d "grant_type=client_credentials&client_id=$ID'
        f'&client_secret=$SECRET&scope={admin.scope}"\n'
        f"  or simply: gatewayctl token --data-dir {settings.data_dir}",
        err=True,
    )


@main.command(params=[profile_option()])
@click.option(
    "--url",
    default=None,
    help="Token endpoint (default: the profile's; for `local`, the running server's, from "
    "<data-dir>/server.json).",
)
@click.pass_context
def token(ctx: click.Context, url: str | None) -> None:
    """Print an admin access token: from the running local control plane, or for the profile.

    The token is kept (owner-only) until shortly before it expires, so consecutive commands
    reuse it. Use it with curl, or anything else that speaks the admin API.

    \b
    Example:
      TOKEN=$(gatewayctl token)
      curl -s http://127.0.0.1:8080/teams -H "Authorization: Bearer $TOKEN"
    """
    with reported_failures(ctx):
        click.echo(credentials(profile(ctx, token_endpoint=url)).token())
