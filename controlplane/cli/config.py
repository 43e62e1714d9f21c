"""`gatewayctl config`: the agentgateway config. `render` renders it from the data dir's store;
`show` and `diff` ask the control plane of the profile through its admin API."""

from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from controlplane.cli.api import ApiCommand, answer_json, client, profile
from controlplane.cli.app import main, settings_of
from controlplane.cli.output import console, note, output_option
from controlplane.cli.profiles import LOCAL

NO_FOLD = 1 << 30
"""A line width no value reaches: each scalar of the diff stays on one line."""


@main.group()
def config() -> None:
    """The agentgateway config rendered from routing rules, scanner policies and prices.

    `show` and `diff` ask the control plane of the profile (its admin API); `render` reads the
    data dir's store directly.

    \b
    Example:
      gatewayctl config show | head -20
      gatewayctl config diff
    """


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
    """Render the agentgateway config of the current state, validated against its schema.

    Reads the data dir's store directly (no server needed); `config show` asks the API instead.

    \b
    Example:
      gatewayctl config render --output /tmp/agentgateway.yaml
      gatewayctl config render --publish
    """
    from controlplane.config_publisher import publish as publish_config
    from controlplane.config_publisher import render_current
    from controlplane.errors import DomainError
    from controlplane.files import write_atomically
    from controlplane.services import build_services

    services = build_services(settings_of(ctx))
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


@config.command("show", cls=ApiCommand)
@output_option("yaml", "json")
@click.pass_context
def config_show(ctx: click.Context, output: str) -> None:
    """Print the agentgateway config the control plane serves (GET /routing/config).

    YAML is the served text itself, byte for byte (its header comment lists what the config
    does not enforce); it is what agentgateway runs with, e.g. `gatewayctl config show >
    agentgateway.yaml`. JSON is the same document.

    \b
    Example:
      gatewayctl config show | head -20
      gatewayctl config show -o json | jq .gateways
    """
    if output == "json":
        click.echo(json.dumps(_served_document(ctx), indent=2, ensure_ascii=False))
    else:
        click.echo(_served_yaml(ctx), nl=False)


@config.command("diff", cls=ApiCommand)
@click.argument(
    "file",
    required=False,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
)
@click.option(
    "--exit-code",
    is_flag=True,
    help="Exit 1 when the configs differ (as `git diff --exit-code`), 0 when they do not.",
)
@click.pass_context
def config_diff(ctx: click.Context, file: Path | None, exit_code: bool) -> None:
    """What would change in agentgateway's config: the config agentgateway runs with (FILE)
    against the one the control plane serves now, as a unified diff.

    FILE defaults to where agentgateway reads its config: GATEWAY_AGENTGATEWAY_CONFIG_PATH, or,
    for the local profile, the file the local server publishes (<data-dir>/agentgateway.yaml).
    For a deployment, give the file agentgateway runs with (the one `config sync` writes, or a
    copy of the S3 object); - reads stdin.

    Both sides are compared as documents (YAML parsed, mappings sorted): comments and
    formatting change nothing in what agentgateway does, so they are not differences. Lines
    with - are what agentgateway would stop doing, + what it would start doing.

    \b
    Example:
      gatewayctl config diff
      gatewayctl config diff /etc/agentgateway/config.yaml --exit-code
    """
    import yaml

    source = _running_config_path(ctx, file)
    served = _served_document(ctx)
    if str(source) == "-":
        text: str | None = sys.stdin.read()
    else:
        try:
            text = source.read_text()
        except FileNotFoundError:
            text = None
            note(f"{source} does not exist: agentgateway has no config there, so all of it is new")
    try:
        running = yaml.safe_load(text) if text is not None else None
    except yaml.YAMLError as error:
        raise click.ClickException(f"{source} is not YAML ({error})") from None
    if running == served:
        click.echo(f"No change: {source} is the config the control plane serves.")
        return
    served_url = profile(ctx).api_url
    lines = list(
        difflib.unified_diff(
            _comparable(running),
            _comparable(served),
            fromfile=f"{source} (agentgateway's)",
            tofile=f"{served_url}/routing/config (served)",
            lineterm="",
        )
    )
    _print_diff(lines)
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    note(f"{added} lines would be added and {removed} removed in {source}")
    if exit_code:
        ctx.exit(1)


def _running_config_path(ctx: click.Context, file: Path | None) -> Path:
    if file is not None:
        return file
    settings = settings_of(ctx)
    if os.environ.get("GATEWAY_AGENTGATEWAY_CONFIG_PATH") or profile(ctx).name == LOCAL:
        return settings.config_path
    raise click.UsageError(
        "give FILE, the config agentgateway runs with: only the local profile has a default "
        "(<data-dir>/agentgateway.yaml), or GATEWAY_AGENTGATEWAY_CONFIG_PATH"
    )


def _served_document(ctx: click.Context) -> Any:
    from gateway_admin_api.api.routing import get_routing_config

    return answer_json(get_routing_config.sync_detailed(client=client(ctx), format_="json"))


def _served_yaml(ctx: click.Context) -> str:
    """The served YAML text. The generated operation reads JSON answers only (the contract's
    YAML answer has no schema it could parse), so its own request is sent and the text read:
    the request is still the generated one, only the parsing is not."""
    from gateway_admin_api.api.routing import get_routing_config
    from gateway_admin_api.errors import ApiError

    request = get_routing_config._get_kwargs(format_="yaml")
    answer = client(ctx).get_httpx_client().request(**request)
    if answer.status_code != 200:
        raise ApiError.from_response(answer)
    return answer.text


def _comparable(document: Any) -> list[str]:
    import yaml

    if document is None:
        return []
    dumped = yaml.safe_dump(document, sort_keys=True, width=NO_FOLD, allow_unicode=True)
    return dumped.splitlines()


def _print_diff(lines: list[str]) -> None:
    from rich.text import Text

    out = console()
    for line in lines:
        style = (
            "bold"
            if line.startswith(("+++", "---"))
            else "green"
            if line.startswith("+")
            else "red"
            if line.startswith("-")
            else "cyan"
            if line.startswith("@@")
            else ""
        )
        out.print(Text(line, style=style), soft_wrap=True)


@config.command("sync")
@click.option(
    "--from",
    "source",
    required=True,
    metavar="SOURCE",
    help="The published config: s3://BUCKET/KEY, an http(s) URL or a file.",
)
@click.option(
    "--to",
    "destination",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file agentgateway runs with (replaced atomically, and only by a valid config).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds between rounds, until SIGTERM; without it, one round.",
)
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="Sent with an http(s) source (e.g. 'Authorization: Bearer ...'); repeatable.",
)
@click.pass_context
def config_sync(
    ctx: click.Context,
    source: str,
    destination: Path,
    interval: float | None,
    headers: tuple[str, ...],
) -> None:
    """Keep agentgateway's config file equal to the published one (the ECS sidecar).

    Fetches only when the source's ETag changed, validates against agentgateway's schema before
    replacing the file (atomically: agentgateway watches it), keeps the last good config on any
    error, and prints one JSON line per round. Exit 1 when the last round failed.

    \b
    Example:
      gatewayctl config sync --from s3://my-bucket/agentgateway/config.yaml \\
        --to /etc/agentgateway/config.yaml --interval 5
      gatewayctl config sync --from .gateway/agentgateway.yaml --to /tmp/agentgateway.yaml
    """
    import logging

    from controlplane.config_sync import result_json, sync_config

    parsed: dict[str, str] = {}
    for header in headers:
        name, separator, value = header.partition(":")
        if not separator or not name.strip():
            raise click.BadParameter(f"{header!r} is not 'NAME: VALUE'", param_hint="--header")
        parsed[name.strip()] = value.strip()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    try:
        result = sync_config(
            source,
            destination,
            interval=interval,
            headers=parsed,
            region=settings_of(ctx).aws_region,
            on_round=lambda done: click.echo(result_json(done)) if interval else None,
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    if interval is None:
        click.echo(result_json(result))
    ctx.exit(0 if result.ok else 1)
