"""What the admin API commands share: the client of the profile (the generated one), failures as
one readable line, the API's JSON of every page, names resolved to ids, and request bodies from
flags and files.

The generated client (`clients/python`) makes every request. Its models type the request bodies;
what the commands print is the API's own JSON of each answer (`Response.content`), so `-o json`
shows exactly what the API answered (its timestamps, its decimal strings), not a re-encoding.
Heavy modules (httpx, the generated client) are imported when a command runs, not when
`gatewayctl` starts: completion and `--help` stay quick.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import click

from controlplane.cli.app import profile_option
from controlplane.cli.profiles import Profile, resolve_profile

if TYPE_CHECKING:
    from gateway_admin_api import AuthenticatedClient
    from gateway_admin_api.errors import ApiError
    from gateway_admin_api.types import Response
    from gateway_admin_client import ClientCredentials

JsonObject = dict[str, Any]
PAGE_SIZE = 100
"""Items asked for per page when a command reads a whole list (the API's maximum)."""
_PAGE_SIZE = "gatewayctl.page-size"
_PROFILE = "gatewayctl.resolved-profile"
_CLIENT = "gatewayctl.client"

TEAM_ID = re.compile(r"tm_[0-9a-z]{26}\Z")
BUDGET_ID = re.compile(r"bg_[0-9a-z]{26}\Z")
RULE_ID = re.compile(r"rt_[0-9a-z]{26}\Z")
POLICY_ID = re.compile(r"sp_[0-9a-z]{26}\Z")
UNATTRIBUTED = "unattributed"


# The client of the profile ------------------------------------------------------------------------


def profile(ctx: click.Context, *, token_endpoint: str | None = None) -> Profile:
    """The command's profile, resolved once (failures name its URLs); `token_endpoint` replaces
    the profile's."""
    found: Profile | None = ctx.meta.get(_PROFILE)
    if found is None:
        found = ctx.meta[_PROFILE] = resolve_profile(ctx, token_endpoint=token_endpoint)
    return found


def credentials(chosen: Profile) -> ClientCredentials:
    """The profile's admin client, its token kept on disk until its refresh point."""
    from gateway_admin_client import ClientCredentials, FileTokenStore

    return ClientCredentials(
        chosen.token_endpoint,
        chosen.client_id,
        chosen.client_secret,
        scope=chosen.scope,
        store=FileTokenStore(chosen.token_file),
    )


def client(ctx: click.Context) -> AuthenticatedClient:
    """The generated client, authenticated as the profile's admin client, with the client's safe
    retries. Closed when the command ends."""
    found: AuthenticatedClient | None = ctx.meta.get(_CLIENT)
    if found is not None:
        return found
    from gateway_admin_client import connect

    chosen = profile(ctx)
    assert chosen.api_url is not None  # only `token --url` resolves a profile without one
    connected = connect(chosen.api_url, credentials(chosen))
    ctx.call_on_close(connected.get_httpx_client().close)
    ctx.meta[_CLIENT] = connected
    return connected


# Failures ----------------------------------------------------------------------------------------


class ApiFailure(click.ClickException):
    """An error answer of the API: its problem in one line, then one line per failing field."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(str(error))
        self.field_errors = [(field.field, field.message) for field in error.errors]

    def show(self, file: Any = None) -> None:
        super().show(file)
        for name, message in self.field_errors:
            click.echo(f"  {name}: {message}", err=True, file=file)


@contextmanager
def reported_failures(ctx: click.Context) -> Iterator[None]:
    """Turn what the API, the token endpoint or the network answered into one line and exit 1:
    a failure to talk to the control plane is not a traceback."""
    import httpx
    from gateway_admin_api.errors import ApiError
    from gateway_admin_client import CursorLoop, TokenError

    try:
        yield
    except ApiError as error:
        raise ApiFailure(error) from None
    except TokenError as error:
        chosen = ctx.meta.get(_PROFILE)
        where = f" to {chosen.token_endpoint}" if chosen is not None else ""
        reason = f"{error.status} {error.error}" + (
            f": {error.description}" if error.description else ""
        )
        if error.retry_after is not None:
            reason += f" (retry after {error.retry_after:g} s)"
        raise click.ClickException(f"token request{where} failed: {reason}") from None
    except httpx.HTTPError as error:
        raise click.ClickException(_unreachable(ctx, error)) from None
    except CursorLoop as error:
        raise click.ClickException(str(error)) from None


def _unreachable(ctx: click.Context, error: Exception) -> str:
    chosen: Profile | None = ctx.meta.get(_PROFILE)
    try:
        url = str(error.request.url)  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):
        url = (chosen.api_url if chosen else None) or "the control plane"
    reason = str(error) or type(error).__name__
    hint = f": {chosen.unreachable_hint}" if chosen is not None and chosen.unreachable_hint else ""
    return f"could not reach {url} ({reason}){hint}"


class ApiCommand(click.Command):
    """A command that talks to the admin API: `--profile` where users write it, and failures
    reported as one line (exit 1)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(profile_option())

    def invoke(self, ctx: click.Context) -> Any:
        with reported_failures(ctx):
            return super().invoke(ctx)


# The API's JSON ----------------------------------------------------------------------------------


def answer_json(response: Response[Any]) -> Any:
    """The API's JSON of an answer, as it sent it."""
    return json.loads(response.content)


class ListOperation(Protocol):
    def __call__(self, *, client: AuthenticatedClient, **arguments: Any) -> Response[Any]: ...


@dataclass(frozen=True)
class _JsonPage:
    items: list[JsonObject]
    next_cursor: str | None


def items(
    ctx: click.Context,
    operation: Callable[..., Response[Any]],
    *,
    most: int | None = None,
    **filters: Any,
) -> list[JsonObject]:
    """The API's JSON of the items of every page of a list operation (its `sync_detailed`), in
    order, following `next_cursor` with the same filters; at most `most` items when given."""
    from gateway_admin_client import iterate_pages

    def fetch(**arguments: Any) -> _JsonPage:
        page = answer_json(operation(**arguments))
        return _JsonPage(list(page["items"]), page["next_cursor"])

    found: list[JsonObject] = []
    size = ctx.meta.get(_PAGE_SIZE, PAGE_SIZE)
    if most is not None:
        size = max(1, min(size, most))
    for page in iterate_pages(fetch, client=client(ctx), limit=size, **filters):
        found.extend(page.items)
        if most is not None and len(found) >= most:
            return found[:most]
    return found


def _use_page_size(ctx: click.Context, _param: click.Parameter, value: int | None) -> None:
    if value is not None:
        ctx.meta[_PAGE_SIZE] = value


def page_size_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--page-size N`: items per request while every page is read (as kubectl's --chunk-size:
    smaller answers, more requests). The output is the same whatever it is."""
    return click.option(
        "--page-size",
        type=click.IntRange(1, PAGE_SIZE),
        default=None,
        expose_value=False,
        callback=_use_page_size,
        help=f"Items per request while reading every page (default {PAGE_SIZE}, the most).",
    )


# Names and ids -----------------------------------------------------------------------------------


def team_id(ctx: click.Context, reference: str, *, unattributed: bool = False) -> str:
    """The id of the team `reference` names (its id, or its unique name)."""
    if TEAM_ID.match(reference) or (unattributed and reference == UNATTRIBUTED):
        return reference
    return str(team_named(ctx, reference)["team_id"])


def team_named(ctx: click.Context, name: str) -> JsonObject:
    from gateway_admin_api.api.teams import list_teams

    for team in items(ctx, list_teams.sync_detailed):
        if team["name"] == name:
            return team
    raise click.ClickException(f"no team named {name!r} (and it is not a team id, tm_…)")


def team_names(ctx: click.Context) -> dict[str, str]:
    """Team id -> name, for tables that show which team something belongs to."""
    from gateway_admin_api.api.teams import list_teams

    return {team["team_id"]: team["name"] for team in items(ctx, list_teams.sync_detailed)}


def budget_id(ctx: click.Context, reference: str) -> str:
    """The id of the budget `reference` names: a budget id, or its team (one budget a team)."""
    if BUDGET_ID.match(reference):
        return reference
    from gateway_admin_api.api.budgets import list_budgets

    owner = team_id(ctx, reference)
    found = items(ctx, list_budgets.sync_detailed, team_id=owner)
    if not found:
        raise click.ClickException(f"team {reference} has no budget")
    return str(found[0]["budget_id"])


def rule_id(ctx: click.Context, reference: str) -> str:
    """The id of the routing rule `reference` names: a rule id or its client-facing model name."""
    if RULE_ID.match(reference):
        return reference
    from gateway_admin_api.api.routing import list_routing_rules

    for rule in items(ctx, list_routing_rules.sync_detailed):
        if rule["model"] == reference:
            return str(rule["rule_id"])
    raise click.ClickException(f"no routing rule for the model {reference!r} (nor a rule id, rt_…)")


def policy_id(ctx: click.Context, reference: str) -> str:
    """The id of the scanner policy `reference` names: a policy id or its name."""
    if POLICY_ID.match(reference):
        return reference
    from gateway_admin_api.api.scanner import list_scanner_policies

    for policy in items(ctx, list_scanner_policies.sync_detailed):
        if policy["name"] == reference:
            return str(policy["policy_id"])
    raise click.ClickException(f"no scanner policy named {reference!r} (nor a policy id, sp_…)")


# Request bodies ----------------------------------------------------------------------------------


def from_file_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--from-file",
        "from_file",
        metavar="FILE|-",
        default=None,
        help="The request body, JSON or YAML (- reads stdin); flags given override its fields.",
    )


def body_of(from_file: str | None, flags: Mapping[str, Any]) -> JsonObject:
    """The body of `--from-file` (a JSON or YAML mapping), with the flags that were given."""
    body: JsonObject = {}
    if from_file is not None:
        try:
            text = sys.stdin.read() if from_file == "-" else Path(from_file).read_text()
        except OSError as error:
            raise click.BadParameter(str(error), param_hint="'--from-file'") from None
        loaded = _parse_document(text, from_file)
        if not isinstance(loaded, dict):
            raise click.BadParameter(
                f"{from_file} holds {type(loaded).__name__}, not a mapping of fields",
                param_hint="'--from-file'",
            )
        body.update(loaded)
    body.update({name: value for name, value in flags.items() if value is not None})
    return body


def _parse_document(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise click.BadParameter(
            f"{source} is neither JSON nor YAML ({error})", param_hint="'--from-file'"
        ) from None


class BodyModel(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


ModelT = TypeVar("ModelT", bound=BodyModel)


def typed_body(model: Callable[[Mapping[str, Any]], ModelT], body: JsonObject, what: str) -> ModelT:
    """`body` as the generated model (`Model.from_dict`), refusing what the model would drop:
    a misspelt field must not vanish on the way to the API."""
    if not body:
        raise click.UsageError(f"nothing to send: give the {what}'s fields as flags or --from-file")
    try:
        parsed = model(body)
    except KeyError as error:
        raise click.UsageError(f"the {what} lacks the field {error}") from None
    except (TypeError, ValueError, AttributeError) as error:
        raise click.UsageError(f"the {what} is not valid: {error}") from None
    dropped = _dropped(body, parsed.to_dict())
    if dropped:
        raise click.UsageError(f"the {what} has unknown fields: {', '.join(dropped)}")
    return parsed


def _dropped(given: Any, kept: Any, path: str = "") -> list[str]:
    """The paths of `given` that `kept` (the model's dict of it) lacks."""
    if isinstance(given, dict) and isinstance(kept, dict):
        found: list[str] = []
        for key, value in given.items():
            where = f"{path}.{key}" if path else str(key)
            found += _dropped(value, kept[key], where) if key in kept else [where]
        return found
    if isinstance(given, list) and isinstance(kept, list) and len(given) == len(kept):
        return [
            missing
            for index, (one, other) in enumerate(zip(given, kept, strict=True))
            for missing in _dropped(one, other, f"{path}[{index}]")
        ]
    return []


def key_values(values: tuple[str, ...], option: str) -> list[dict[str, str]]:
    """`key=value,key=value` option values as mappings."""
    found = []
    for value in values:
        pairs = {}
        for part in value.split(","):
            key, equals, text = part.partition("=")
            if not equals or not key.strip():
                raise click.BadParameter(f"{value!r}: expected key=value,…", param_hint=option)
            pairs[key.strip()] = text.strip()
        found.append(pairs)
    return found


def comma_list(value: str | None) -> list[str] | None:
    return None if value is None else [part.strip() for part in value.split(",") if part.strip()]


def update_if_unchanged(
    ctx: click.Context, read: Any, update: Any, resource_id: str, body: Any, if_match: str | None
) -> Any:
    """Update a resource with If-Match: the ETag given (`--if-match`), else the one read just
    before, so a change someone made in between is refused (412), never overwritten. `read` and
    `update` are the generated operation modules; answers the API's JSON."""
    version = if_match or read.sync_detailed(resource_id, client=client(ctx)).etag
    return answer_json(
        update.sync_detailed(resource_id, client=client(ctx), body=body, if_match=given(version))
    )


def given(value: Any) -> Any:
    """`value`, or the generated client's UNSET when an option was not given (the parameter is
    then not sent)."""
    from gateway_admin_api.types import UNSET

    return UNSET if value is None else value
