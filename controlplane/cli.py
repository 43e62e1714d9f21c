"""`gatewayctl`: run and operate the control plane from a terminal."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

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
    admin = plane.admin
    state = "created" if admin.created else "kept"
    credentials = settings.data_dir / "admin-client.json"
    click.echo(
        f"Control plane on {base_url} (store: {settings.store}, data: {settings.data_dir})\n"
        f"  Admin client {admin.client_id} {state}; credentials in {credentials}\n"
        f"  Swagger UI:   {base_url}/ui/\n"
        f"  Get a token:\n"
        f"    ID=$(jq -r .client_id {credentials}); SECRET=$(jq -r .client_secret {credentials})\n"
        f'    curl -s -X POST {settings.token_endpoint} -H "Content-Type: '
        f'application/x-www-form-urlencoded" -d "grant_type=client_credentials&client_id=$ID'
        f'&client_secret=$SECRET&scope={admin.scope}"\n'
        f"  or simply: gatewayctl --data-dir {settings.data_dir} token",
        err=True,
    )
    uvicorn.run(create_app(plane), host=host, port=port, log_level=log_level.lower())


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
