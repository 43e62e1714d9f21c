"""The root group `gatewayctl` and what all its commands share: settings, `--data-dir` and
`--profile` wherever users write them, and `--version`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from controlplane.settings import Settings

DISTRIBUTION = "llm-gateway-control-plane"
PROFILE_KEY = "gatewayctl.profile"
"""`ctx.meta` key of the profile name given (`--profile`, innermost wins)."""


def settings_of(ctx: click.Context, **overrides: Any) -> Settings:
    """The command's settings: the environment's, with the innermost `--data-dir` given and the
    `overrides` that are not None."""
    if ctx.obj is None:
        try:
            ctx.obj = Settings.from_env()
        except ValueError as error:
            raise click.UsageError(str(error)) from error
    settings: Settings = ctx.obj
    changes = {k: v for k, v in overrides.items() if v is not None}
    return settings.with_(**changes) if changes else settings


def _use_data_dir(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.obj = settings_of(ctx).with_(data_dir=value)


def _data_dir_option() -> click.Option:
    return click.Option(
        ["--data-dir"],
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        expose_value=False,
        callback=_use_data_dir,
        help="Where local state lives (default: GATEWAY_DATA_DIR, else ./.gateway).",
    )


def _use_profile(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[PROFILE_KEY] = value


def profile_option() -> click.Option:
    """`--profile NAME`: which control plane the admin API commands talk to. Accepted before the
    command and after it, like `--data-dir`; the innermost one wins."""
    return click.Option(
        ["--profile"],
        metavar="NAME",
        default=None,
        envvar="GATEWAY_PROFILE",
        expose_value=False,
        callback=_use_profile,
        help=(
            "The control plane to talk to: local (the data dir's running server), env "
            "(GATEWAY_API_URL and co., the default when it is set) or a profile of "
            "~/.config/gatewayctl/profiles.toml. Default: GATEWAY_PROFILE, else local."
        ),
    )


class Commands(click.Group):
    """A group whose every command and sub-group accepts `--data-dir` too, so that it works where
    users write it (`gatewayctl serve --data-dir DIR` as well as `gatewayctl --data-dir DIR
    serve`); the innermost one wins. Commands added later get it without declaring it."""

    group_class = type  # sub-groups are Commands as well

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not any(param.name == "data_dir" for param in cmd.params):
            cmd.params.append(_data_dir_option())
        super().add_command(cmd, name)


@click.group(
    cls=Commands,
    params=[_data_dir_option(), profile_option()],
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(
    None,
    "--version",
    "-V",
    package_name=DISTRIBUTION,
    prog_name="gatewayctl",
    message="%(prog)s %(version)s",
)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Control plane of the self-hosted LLM gateway: run it locally, and operate it (here or
    on AWS) through its admin API.

    Admin API commands (teams, budgets, prices, routes, policies, usage show/history, audit,
    config show/diff) talk to the running local server of the data dir by default, or to a
    deployment chosen with --profile. Full reference: docs/gatewayctl.md.

    \b
    Example:
      gatewayctl serve &
      gatewayctl teams create --name payments --contact-email p@example.com --tier standard
    """
    settings_of(ctx)
