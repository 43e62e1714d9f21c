"""Which control plane the admin API commands talk to, and with which credentials.

- `local` (the default): the running server of the data dir, found through
  `<data-dir>/server.json` (so a restart on another port needs nothing), with the admin client
  of `<data-dir>/admin-client.json`.
- `env`: a deployment named by the environment, with the variables `make contract-test-deployed`
  takes: GATEWAY_API_URL, GATEWAY_TOKEN_ENDPOINT, GATEWAY_CLIENT_ID, GATEWAY_CLIENT_SECRET. It is
  the default when GATEWAY_API_URL is set.
- any other name: a table of the profiles file (GATEWAY_PROFILES_FILE, else
  `$XDG_CONFIG_HOME/gatewayctl/profiles.toml`, else `~/.config/gatewayctl/profiles.toml`), which
  holds client secrets and so is refused when others may read it, as ssh refuses a key file.

Each profile's access token is kept on disk until its refresh point, so consecutive commands
reuse it: `<data-dir>/gatewayctl-token.json` for `local`, else
`$XDG_CACHE_HOME/gatewayctl/tokens/<profile>.json` (`~/.cache/...`), owner-only.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import click

from controlplane.cli.app import PROFILE_KEY, settings_of
from controlplane.discovery import NoRunningServer, discover_server
from controlplane.settings import ADMIN_SCOPE, Settings

LOCAL = "local"
FROM_ENVIRONMENT = "env"
ENVIRONMENT_VARIABLES = (
    "GATEWAY_API_URL",
    "GATEWAY_TOKEN_ENDPOINT",
    "GATEWAY_CLIENT_ID",
    "GATEWAY_CLIENT_SECRET",
)
REQUIRED_KEYS = ("api_url", "token_endpoint", "client_id", "client_secret")
OPTIONAL_KEYS = ("scope",)
PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
LOCAL_TOKEN_FILE = "gatewayctl-token.json"  # noqa: S105 - a file name


@dataclass(frozen=True)
class Profile:
    name: str
    api_url: str | None
    """The admin API's base URL (None only when a token endpoint was given instead of finding the
    local server: `gatewayctl token --url`)."""
    token_endpoint: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str | None
    token_file: Path
    unreachable_hint: str = ""
    """What to do when the server cannot be reached (said after the URL and the reason)."""


def resolve_profile(ctx: click.Context, *, token_endpoint: str | None = None) -> Profile:
    """The profile of the command: `--profile`, else GATEWAY_PROFILE, else `env` when
    GATEWAY_API_URL is set, else `local`. `token_endpoint` replaces the profile's (and then the
    local server is not looked for)."""
    settings = settings_of(ctx)
    name = ctx.meta.get(PROFILE_KEY) or (
        FROM_ENVIRONMENT if os.environ.get("GATEWAY_API_URL") else LOCAL
    )
    if name == LOCAL:
        return _local(settings, token_endpoint)
    profile = _from_environment() if name == FROM_ENVIRONMENT else _from_file(name)
    if token_endpoint:
        profile = Profile(
            profile.name,
            profile.api_url,
            token_endpoint,
            profile.client_id,
            profile.client_secret,
            profile.scope,
            profile.token_file,
        )
    return profile


def profiles_file() -> Path:
    configured = os.environ.get("GATEWAY_PROFILES_FILE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "gatewayctl" / "profiles.toml"


def token_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gatewayctl" / "tokens"


def _local(settings: Settings, token_endpoint: str | None) -> Profile:
    path = settings.data_dir / "admin-client.json"
    if not path.exists():
        raise click.ClickException(
            f"{path} does not exist: start `gatewayctl serve --data-dir {settings.data_dir}` first"
        )
    try:
        saved = json.loads(path.read_text())
        client_id, client_secret = str(saved["client_id"]), str(saved["client_secret"])
        scope = str(saved.get("scope") or ADMIN_SCOPE)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise click.ClickException(f"{path} is not readable admin credentials ({error})") from None
    api_url = None
    if token_endpoint is None:
        try:
            server = discover_server(settings.data_dir)
        except NoRunningServer as error:
            raise click.ClickException(str(error)) from None
        api_url, token_endpoint = server.url, server.token_endpoint
    return Profile(
        LOCAL,
        api_url,
        token_endpoint,
        client_id,
        client_secret,
        scope,
        settings.data_dir / LOCAL_TOKEN_FILE,
        unreachable_hint=f"is `gatewayctl serve --data-dir {settings.data_dir}` running?",
    )


def _from_environment() -> Profile:
    missing = [name for name in ENVIRONMENT_VARIABLES if not os.environ.get(name)]
    if missing:
        raise click.ClickException(
            f"the `{FROM_ENVIRONMENT}` profile needs {', '.join(ENVIRONMENT_VARIABLES)}; "
            f"not set: {', '.join(missing)}"
        )
    environ = os.environ
    return Profile(
        FROM_ENVIRONMENT,
        environ["GATEWAY_API_URL"].strip().rstrip("/"),
        environ["GATEWAY_TOKEN_ENDPOINT"].strip(),
        environ["GATEWAY_CLIENT_ID"].strip(),
        environ["GATEWAY_CLIENT_SECRET"].strip(),
        ADMIN_SCOPE,
        token_cache_dir() / f"{FROM_ENVIRONMENT}.json",
    )


def _from_file(name: str) -> Profile:
    path = profiles_file()
    builtin = f"the built-in profiles are `{LOCAL}` and `{FROM_ENVIRONMENT}`"
    if not PROFILE_NAME.match(name):
        raise click.BadParameter(f"{name!r} is not a profile name", param_hint="'--profile'")
    try:
        status = path.stat()
    except FileNotFoundError:
        raise click.BadParameter(
            f"no profile {name!r}: {path} does not exist ({builtin})", param_hint="'--profile'"
        ) from None
    if status.st_mode & 0o077:
        raise click.ClickException(
            f"{path} holds client secrets but others may access it (mode "
            f"{stat.S_IMODE(status.st_mode):04o}): run `chmod 600 {path}`"
        )
    if status.st_uid != os.getuid():
        raise click.ClickException(
            f"{path} belongs to another user (uid {status.st_uid}): refusing its client secrets"
        )
    try:
        profiles = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise click.ClickException(f"{path} is not a readable TOML file ({error})") from None
    entry = profiles.get(name)
    if not isinstance(entry, dict):
        known = ", ".join(sorted(key for key, value in profiles.items() if isinstance(value, dict)))
        raise click.BadParameter(
            f"no profile {name!r} in {path} (it has: {known or 'none'}; {builtin})",
            param_hint="'--profile'",
        )
    unknown = sorted(set(entry) - {*REQUIRED_KEYS, *OPTIONAL_KEYS})
    missing = [key for key in REQUIRED_KEYS if key not in entry]
    not_text = sorted(key for key, value in entry.items() if not isinstance(value, str))
    if unknown or missing or not_text:
        problems = [
            *(f"unknown key {key!r}" for key in unknown),
            *(f"missing {key!r}" for key in missing),
            *(f"{key!r} is not a string" for key in not_text if key not in unknown),
        ]
        raise click.ClickException(f"profile [{name}] in {path}: {'; '.join(problems)}")
    return Profile(
        name,
        entry["api_url"].strip().rstrip("/"),
        entry["token_endpoint"].strip(),
        entry["client_id"].strip(),
        entry["client_secret"].strip(),
        entry.get("scope", ADMIN_SCOPE),
        token_cache_dir() / f"{name}.json",
    )
