"""`gatewayctl`: run and operate the control plane from a terminal."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from controlplane.money import format_usd
from controlplane.settings import Settings


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    settings: Settings = ctx.obj
    changes = {k: v for k, v in overrides.items() if v is not None}
    return settings.with_(**changes) if changes else settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where local state lives (default ./.gateway, or GATEWAY_DATA_DIR).",
)
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """Control plane of the self-hosted LLM gateway."""
    settings = Settings.from_env()
    ctx.obj = settings.with_(data_dir=data_dir) if data_dir else settings


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
    client whose credentials are written to <data-dir>/admin-client.json (mode 0600).
    """
    import warnings

    # connexion imports starlette's test client at start-up, which warns about httpx: noise here.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    import uvicorn

    from controlplane.adapters.local import create_app, open_control_plane

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    base_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"  # noqa: S104
    settings = _settings(
        ctx,
        store=store,
        dynamodb_endpoint_url=dynamodb_endpoint_url,
        table_prefix=table_prefix,
        create_table=create_table,
    )
    if "GATEWAY_ISSUER" not in os.environ:
        settings = settings.with_(issuer=base_url)
    if "GATEWAY_TOKEN_ENDPOINT" not in os.environ:
        settings = settings.with_(token_endpoint=f"{settings.issuer}/oauth2/token")
    plane = open_control_plane(settings)
    from controlplane.config_publisher import publish

    # agentgateway needs its file from the start, not only after the first change.
    published = publish(plane.services)
    config_file = settings.config_path if published else "not published (see the log)"
    admin = plane.admin
    state = "created" if admin.created else "kept"
    credentials = settings.data_dir / "admin-client.json"
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
        f"  or simply: gatewayctl --data-dir {settings.data_dir} token",
        err=True,
    )
    from controlplane.adapters.http_timeouts import header_timeout_protocol

    uvicorn.run(
        create_app(plane),
        host=host,
        port=port,
        log_level=log_level.lower(),
        # uvicorn times idle keep-alive connections but not request heads: our protocol does.
        http=header_timeout_protocol(header_timeout),
        timeout_keep_alive=keep_alive_timeout,
        h11_max_incomplete_event_size=16 * 1024,
    )


@main.command()
@click.option("--url", default=None, help="Token endpoint (default: the one in admin-client.json).")
@click.pass_context
def token(ctx: click.Context, url: str | None) -> None:
    """Print an admin access token from the running local control plane."""
    import httpx

    settings = _settings(ctx)
    path = settings.data_dir / "admin-client.json"
    if not path.exists():
        raise click.ClickException(f"{path} does not exist: start `gatewayctl serve` first")
    saved = json.loads(path.read_text())
    response = httpx.post(
        url or saved["token_endpoint"],
        data={"grant_type": "client_credentials", "scope": saved["scope"]},
        auth=(saved["client_id"], saved["client_secret"]),
        timeout=10,
    )
    if response.status_code != 200:
        raise click.ClickException(
            f"token request failed ({response.status_code}): {response.text}"
        )
    click.echo(response.json()["access_token"])


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
    if str(source) == "-":
        report = ingest_stream(ingestor, sys.stdin.buffer, batch_bytes=batch_bytes)
        _print_ingest_summary(report)
        return
    if not source.exists():
        raise click.ClickException(f"{source} does not exist")
    checkpoints = Checkpoints(settings.checkpoint_path)
    if follow:

        def show(consumed: int, report: IngestReport) -> None:
            if not quiet:
                click.echo(
                    f"{report.lines:>9,} lines  {report.requests:>9,} requests  "
                    f"{format_usd(report.cost_usd)} USD  ({report.batch_id})",
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
