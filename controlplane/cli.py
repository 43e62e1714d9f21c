"""`gatewayctl`: run and operate the control plane from a terminal."""

from __future__ import annotations

import errno
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from controlplane.clock import isoformat, system_clock
from controlplane.discovery import NoRunningServer, ServerRecord, discover_server
from controlplane.money import format_usd
from controlplane.settings import Settings

if TYPE_CHECKING:
    from controlplane.adapters.local import AdminClient


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    settings = _settings_of(ctx)
    changes = {k: v for k, v in overrides.items() if v is not None}
    return settings.with_(**changes) if changes else settings


def _settings_of(ctx: click.Context) -> Settings:
    """The command's settings: the environment's, with the innermost `--data-dir` given."""
    if ctx.obj is None:
        try:
            ctx.obj = Settings.from_env()
        except ValueError as error:
            raise click.UsageError(str(error)) from error
    settings: Settings = ctx.obj
    return settings


def _use_data_dir(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.obj = _settings_of(ctx).with_(data_dir=value)


def _data_dir_option() -> click.Option:
    return click.Option(
        ["--data-dir"],
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        expose_value=False,
        callback=_use_data_dir,
        help="Where local state lives (default: GATEWAY_DATA_DIR, else ./.gateway).",
    )


class _Commands(click.Group):
    """A group whose every command and sub-group accepts `--data-dir` too, so that it works where
    users write it (`gatewayctl serve --data-dir DIR` as well as `gatewayctl --data-dir DIR
    serve`); the innermost one wins. Commands added later get it without declaring it."""

    group_class = type  # sub-groups are _Commands as well

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not any(param.name == "data_dir" for param in cmd.params):
            cmd.params.append(_data_dir_option())
        super().add_command(cmd, name)


@click.group(
    cls=_Commands,
    params=[_data_dir_option()],
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Control plane of the self-hosted LLM gateway."""
    _settings_of(ctx)


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
    """
    import warnings

    # connexion imports starlette's test client at start-up, which warns about httpx: noise here.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    import uvicorn

    from controlplane.adapters.http_timeouts import header_timeout_protocol
    from controlplane.adapters.local import create_app, listening_socket, open_control_plane
    from controlplane.config_publisher import publish
    from controlplane.discovery import forget_server, record_server

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    settings = _settings(
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


@main.command()
@click.option(
    "--url",
    default=None,
    help="Token endpoint (default: the running server's, from <data-dir>/server.json).",
)
@click.pass_context
def token(ctx: click.Context, url: str | None) -> None:
    """Print an admin access token from the running local control plane."""
    import httpx

    settings = _settings(ctx)
    path = settings.data_dir / "admin-client.json"
    if not path.exists():
        raise click.ClickException(
            f"{path} does not exist: start `gatewayctl serve --data-dir {settings.data_dir}` first"
        )
    saved = json.loads(path.read_text())
    endpoint = url or _local_server(settings).token_endpoint
    try:
        response = httpx.post(
            endpoint,
            data={"grant_type": "client_credentials", "scope": saved["scope"]},
            auth=(saved["client_id"], saved["client_secret"]),
            timeout=10,
        )
    except httpx.HTTPError as error:
        raise click.ClickException(_unreachable(endpoint, error, settings)) from None
    if response.status_code != 200:
        raise click.ClickException(
            f"token request to {endpoint} failed ({response.status_code}): {response.text}"
        )
    click.echo(response.json()["access_token"])


def _local_server(settings: Settings) -> ServerRecord:
    """The running local server of the data dir, or a one-line error saying how to start it.
    Every command that talks to the local server finds it here."""
    try:
        return discover_server(settings.data_dir)
    except NoRunningServer as error:
        raise click.ClickException(str(error)) from None


def _unreachable(url: str, error: Exception, settings: Settings) -> str:
    """One line for a request to the local server that got no answer."""
    reason = str(error) or type(error).__name__
    return (
        f"could not reach {url} ({reason}): is `gatewayctl serve --data-dir {settings.data_dir}` "
        "running?"
    )


# usage -------------------------------------------------------------------------------------------


@main.group()
def usage() -> None:
    """Usage ingestion from agentgateway's access logs."""


@usage.command("ingest")
@click.argument("source", type=click.Path(allow_dash=True, dir_okay=False, path_type=Path))
@click.option("--follow", "-f", is_flag=True, help="Keep reading as the file grows (Ctrl-C stops).")
@click.option(
    "--batch-mb",
    default=8,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Megabytes of log per batch (one store transaction per 99 aggregates of a batch).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, only the summary.")
@click.pass_context
def usage_ingest(
    ctx: click.Context, source: Path, follow: bool, batch_mb: int, quiet: bool
) -> None:
    """Ingest agentgateway's JSON access log from SOURCE (a file, or - for stdin).

    Each batch is applied exactly once: re-running over the same file never double counts (a
    checkpoint in the data dir remembers where each file was read to, and every batch carries
    an id recorded with its counters). Prints what was counted, skipped and left unpriced.

    Only complete lines are read. agentgateway ends every log line with a newline, so a last
    line without one is still being written: it is left for the next run (the summary says so)
    and counted once its newline arrives. A last line that is already a whole JSON object is
    the end of a finished file and is counted now. A file truncated, rewritten or rotated since
    its checkpoint is read again from its start.
    """
    from controlplane.file_ingest import Checkpoints, ingest_file, ingest_stream
    from controlplane.ingest import Ingestor, IngestReport
    from controlplane.services import build_services

    settings = _settings(ctx)
    services = build_services(settings)
    ingestor = Ingestor(services)
    batch_bytes = batch_mb * 1024 * 1024
    # Log records through our handler until the command ends (its context closes).
    ctx.with_resource(log_to_terminal())
    if str(source) == "-":
        report = ingest_stream(ingestor, sys.stdin.buffer, batch_bytes=batch_bytes)
        _print_ingest_summary(report)
        return
    if not source.exists():
        raise click.ClickException(f"{source} does not exist")
    checkpoints = Checkpoints(settings.checkpoint_path)
    if follow:

        def show(consumed: int, report: IngestReport) -> None:
            # Alerts as they are sent: a follow that is stopped prints no summary.
            for alert in report.alerts:
                click.echo(f"Alert sent: {alert.message}", err=True)
            if not quiet:
                click.echo(
                    f"{report.lines:>9,} lines  {report.requests:>9,} requests  "
                    f"{format_usd(report.cost_usd)} USD",
                    err=True,
                )

        try:
            total = ingest_file(
                ingestor, source, checkpoints, follow=True, on_batch=show, batch_bytes=batch_bytes
            )
        except KeyboardInterrupt:
            click.echo("stopped", err=True)
            return
        _print_ingest_summary(total)
        return
    from controlplane.file_ingest import start_position

    remaining = source.stat().st_size - start_position(source, checkpoints).offset
    with click.progressbar(
        length=remaining,
        label=f"Ingesting {source.name}",
        file=sys.stderr,
        hidden=quiet or remaining == 0,
        show_pos=False,
        show_percent=True,
        show_eta=True,
    ) as bar:
        total = ingest_file(
            ingestor,
            source,
            checkpoints,
            batch_bytes=batch_bytes,
            on_batch=lambda consumed, _report: bar.update(consumed),
        )
    _print_ingest_summary(total)


@contextmanager
def log_to_terminal() -> Iterator[None]:
    """The command's log records as lines of their own on stderr, minus what its output reports.

    Without a handler, Python's last-resort one printed every warning bare, into the progress
    bar's line: each batch's unpriced models (with the batch's internal id) and each delivered
    alert, which the summary then listed again. Those two are left to the command's own output
    (the summary, or the per-batch lines of --follow); anything else (an alert that could not be
    delivered, a file re-read from its start) still shows.
    """
    from controlplane.alerts import ALERT_LOG_FIELD
    from controlplane.ingest import UNPRICED_LOG_FIELD

    handler = _TerminalLogHandler(reported_elsewhere=(ALERT_LOG_FIELD, UNPRICED_LOG_FIELD))
    logger = logging.getLogger("controlplane")
    logger.addHandler(handler)
    propagated = logger.propagate
    logger.propagate = False
    try:
        yield
    finally:
        logger.propagate = propagated
        logger.removeHandler(handler)


class _TerminalLogHandler(logging.Handler):
    """`warning: <message>` on stderr, one line per record, starting on a line of its own."""

    def __init__(self, reported_elsewhere: tuple[str, ...]) -> None:
        super().__init__(logging.WARNING)
        self.reported_elsewhere = reported_elsewhere

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(hasattr(record, field) for field in self.reported_elsewhere)

    def emit(self, record: logging.LogRecord) -> None:
        line = f"{record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            line += f" ({record.exc_info[1]!r})"
        # On a terminal the progress bar's line has no newline yet: clear it (it is redrawn on
        # its next update) instead of appending to it.
        erase = "\r\x1b[K" if sys.stderr.isatty() else ""
        click.echo(f"{erase}{line}", err=True)


def _print_ingest_summary(report: Any) -> None:
    skipped = sum(report.skipped.values())
    reasons = ", ".join(f"{k} {v:,}" for k, v in sorted(report.skipped.items())) or "none"
    lines = [
        f"Lines read:          {report.lines:,}",
        f"Requests counted:    {report.requests:,}",
        f"Cost:                {format_usd(report.cost_usd)} USD",
        f"Skipped lines:       {skipped:,} ({reasons})",
        f"Unattributed:        {report.unattributed_requests:,} requests (no known client id)",
        f"Unpriced:            {report.unpriced_requests:,} requests",
        f"Batches:             {report.chunks_applied:,} applied, "
        f"{report.chunks_already_applied:,} already applied before",
        f"Store writes:        {report.writes:,}",
    ]
    if report.unpriced_models:
        models = ", ".join(f"{p}/{m}" for p, m in sorted(report.unpriced_models))
        lines.append(f"Unpriced models:     {models}")
    if report.alerts:
        for alert in report.alerts:
            lines.append(f"Alert sent:          {alert.message}")
    partial = getattr(report, "partial_line_bytes", 0)
    if report.lines == 0 and report.chunks == 0:
        where = "its complete lines" if partial else "the file"
        lines = [f"Nothing new to ingest (the checkpoint is at the end of {where})."]
    if getattr(report, "restarted", False):
        lines.append(
            "Read from the start: the file no longer held what was read up to its checkpoint "
            "(truncated or rewritten)"
        )
    if partial:
        lines.append(
            f"Partial last line:   {partial:,} bytes without a newline (still being written?): "
            "left for the next run, which counts it once it ends with a newline"
        )
    click.echo("\n".join(lines))


# config ------------------------------------------------------------------------------------------


@main.group()
def config() -> None:
    """The agentgateway config rendered from routing rules, scanner policies and prices."""


@config.command("render")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="Write the config here (atomically) instead of to stdout.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True
)
@click.option(
    "--publish",
    is_flag=True,
    help="Also publish it where agentgateway reads it (the data dir's file, or S3).",
)
@click.pass_context
def config_render(ctx: click.Context, output: Path | None, fmt: str, publish: bool) -> None:
    """Render the agentgateway config of the current state, validated against its schema."""
    from controlplane.config_publisher import publish as publish_config
    from controlplane.config_publisher import render_current
    from controlplane.errors import DomainError
    from controlplane.files import write_atomically
    from controlplane.services import build_services

    services = build_services(_settings(ctx))
    try:
        rendered = render_current(services)
    except DomainError as error:
        raise click.ClickException(error.detail) from error
    text = (
        rendered.text
        if fmt == "yaml"
        else json.dumps(rendered.document, indent=2, sort_keys=True) + "\n"
    )
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
    else:
        write_atomically(output, text.encode())
        click.echo(f"Wrote {output} (ETag {rendered.etag})", err=True)
    if publish:
        if publish_config(services) is None:
            raise click.ClickException("publishing failed (see the log above)")
        where = (
            f"s3://{services.settings.config_s3_bucket}/{services.settings.config_s3_key}"
            if services.settings.config_s3_bucket
            else services.settings.config_path
        )
        click.echo(f"Published to {where}", err=True)


# dev ---------------------------------------------------------------------------------------------


@main.group()
def dev() -> None:
    """Tools for development, tests and benchmarks."""


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
    streaming, upstream errors, malformed and non-LLM lines, unknown models."""
    from controlplane.loggen import generate_access_log

    teams = None
    if teams_from_store:
        from controlplane.services import build_services

        services = build_services(_settings(ctx))
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

    services = build_services(_settings(ctx))
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
