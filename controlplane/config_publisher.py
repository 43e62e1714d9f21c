"""The agentgateway config as the control plane delivers it: gathered, checked, published.

Every change to routing rules, scanner policies or prices goes through `check_change` before it
is committed (a change whose config would not validate is refused with 422 and the schema error,
so the published config stays the previous one) and `publish` after: locally the file
`<data-dir>/agentgateway.yaml`, replaced atomically so agentgateway never reads half a file; on
AWS an S3 object with the ETag as metadata. Rendering itself is pure
(`controlplane.domain.agentgateway`); this module does the I/O around it.

A change costs about the same at 1,000 rules as at 10
------------------------------------------------------
Each change is rendered and validated once: the config `check_change` validated is the one
`publish` publishes, when nothing else changed in between. Each process keeps, per store:
- the render inputs of the store's state as of a version of the `CONFIG/inputs` marker, the item
  every change writes in its own transaction (so its version grows by exactly one per committed
  change, whichever instance made it). A state is used only while the marker still has its
  version, so a change made by another Lambda instance is never missed: the marker moved, the
  state is read again. No time-based expiry anywhere;
- the child routes already rendered, by rule content (`RouteCache`), so a render builds and
  writes as YAML only the routes of rules that changed; validation results are cached by route
  content (`controlplane.agentgateway`), so it validates only those routes too.

Why the published config is the store's state: `check_change` reads the marker's version `v`
and renders `state(v) + change`; its write puts a new id into the marker. `publish` runs after the
commit and reads the marker again. If it has version `v + 1` and that id, exactly one change
committed since `v` (each adds one) and it is this request's, so the store's state is the checked
one. Otherwise (another change came in between) `publish` renders the store's state at that
moment, as it always did. A state read whole is trusted for `v` only if the marker had version
`v` both before and after the reads (each change is one transaction, and reads are strongly
consistent). Teams are the one input written without the marker (registering a
team changes no config): a state holds the clients of the teams its policies name, and a team a
policy newly names is read when the change is applied (a team's client never changes, and
deleting a team is a change).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple, TypeGuard

from controlplane.agentgateway import validate_config
from controlplane.clock import isoformat
from controlplane.domain.agentgateway import (
    RenderedConfig,
    RenderInputs,
    RenderSettings,
    RouteCache,
    render_config,
)
from controlplane.domain.pricing import PriceKey, effective_prices
from controlplane.errors import FieldProblem, Unprocessable
from controlplane.files import write_atomically
from controlplane.metrics import record_config_publish, record_config_refusal
from controlplane.pricing import default_prices, override_table
from controlplane.services import Services
from controlplane.settings import Settings
from controlplane.store.port import Put
from generated.models import Price, RoutingRule, ScannerPolicy

log = logging.getLogger("controlplane.config")

_INPUTS_PK, _INPUTS_SK = "CONFIG", "inputs"
_CONSISTENT_READ_TRIES = 3


@dataclass(frozen=True)
class ConfigChange:
    """A change about to be committed: items replaced (a value) or removed (None), by key."""

    rules: Mapping[str, RoutingRule | None] = field(default_factory=dict)
    policies: Mapping[str, ScannerPolicy | None] = field(default_factory=dict)
    prices: Mapping[PriceKey, Mapping[str, Any] | None] = field(default_factory=dict)
    teams_removed: frozenset[str] = frozenset()
    """Teams deleted by the change (their clients leave the policies that name them)."""


@dataclass(frozen=True)
class _State:
    """Everything the render reads from the store, at one version of the inputs marker."""

    version: int | None
    """The marker's version this is the store's state at; None when not known to be any."""
    change_id: str | None
    """The marker's change id at that version (a version alone could repeat in a new table)."""
    rules: Mapping[str, RoutingRule]
    policies: Mapping[str, ScannerPolicy]
    overrides: Mapping[PriceKey, Mapping[str, Any]]
    prices: tuple[Price, ...]
    team_clients: Mapping[str, tuple[str, ...]]
    changed_at: datetime | None

    def inputs(self, reuse: RouteCache | None = None) -> RenderInputs:
        return RenderInputs(
            rules=list(self.rules.values()),
            policies=list(self.policies.values()),
            prices=self.prices,
            team_clients=self.team_clients,
            inputs_changed_at=self.changed_at,
            reuse=reuse,
        )


@dataclass(frozen=True)
class ConfigCheck:
    """A change whose config validates: the write its transaction must carry (`write`), and the
    config itself, which `publish(services, check)` publishes if no other change came between."""

    write: Put
    base_version: int | None
    """The marker's version the change was applied to."""
    change_id: str
    """Written into the marker by `write`: the marker names the last change committed."""
    state: _State
    settings: RenderSettings
    rendered: RenderedConfig


class _Cache:
    """What one process knows of one store's config inputs (see the module docstring)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state: _State | None = None
        self.rendered: tuple[_State, RenderSettings, RenderedConfig] | None = None
        self.routes = RouteCache()
        self.published_version = -1
        self.json_routes: dict[int, tuple[Any, str]] = {}
        self.json: tuple[RenderedConfig, bytes] | None = None

    def remember(self, state: _State) -> None:
        if state.version is None:
            return
        with self.lock:
            if (
                self.state is None
                or self.state.version is None
                or (state.version >= self.state.version)
            ):
                self.state = state


_caches: weakref.WeakKeyDictionary[Any, _Cache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache_of(services: Services) -> _Cache:
    with _caches_lock:
        try:
            found = _caches.get(services.store)
            if found is None:
                found = _caches[services.store] = _Cache()
        except TypeError:  # a store that cannot be weakly referenced: nothing is kept
            return _Cache()
        return found


def forget_cached_state() -> None:
    """Forget what this process knows of every store (as a new Lambda instance would)."""
    with _caches_lock:
        _caches.clear()


def render_settings(services: Services) -> RenderSettings:
    settings = services.settings
    return RenderSettings(
        listen_port=settings.agentgateway_port,
        budget_check_url=settings.effective_budget_check_url,
        budget_check_fail_mode=settings.budget_check_fail_mode,
        issuer=settings.issuer,
        jwks_url=settings.effective_jwks_url,
        include_cost_catalog=settings.cost_catalog,
    )


# Reading the state ------------------------------------------------------------------------------


class _Marker(NamedTuple):
    version: int
    """0 before the first change."""
    changed_at: datetime | None
    change_id: str | None
    """Which check's change wrote it."""


def _marker(services: Services) -> _Marker:
    """The inputs marker as it is in the store now."""
    marker = services.store.get(_INPUTS_PK, _INPUTS_SK)
    if marker is None:
        return _Marker(0, None, None)
    changed_at = datetime.fromisoformat(marker.data["changed_at"])
    return _Marker(marker.version, changed_at, marker.data.get("change_id"))


def _prices(overrides: Mapping[PriceKey, Mapping[str, Any]]) -> tuple[Price, ...]:
    return tuple(
        Price.model_validate({**price, "provider": key.provider, "model": key.model, "source": src})
        for key, price, src in effective_prices(
            default_prices(), {k: dict(v) for k, v in overrides.items()}
        )
    )


def _read_state(services: Services, marker: _Marker) -> _State:
    """The store's state read whole, with the marker's version if it held still meanwhile."""
    for _ in range(_CONSISTENT_READ_TRIES):
        team_clients: dict[str, list[str]] = {}
        for team in services.teams.all():
            team_clients.setdefault(team.team_id, []).append(team.client_id)
        overrides = override_table(services.price_overrides)
        state = _State(
            version=None,
            change_id=marker.change_id,
            rules={r.rule_id: r for r in services.routes.all()},
            policies={p.policy_id: p for p in services.policies.all()},
            overrides=overrides,
            prices=_prices(overrides),
            team_clients={team: tuple(clients) for team, clients in team_clients.items()},
            changed_at=marker.changed_at,
        )
        after = _marker(services)
        if (after.version, after.change_id) == (marker.version, marker.change_id):
            return replace(state, version=marker.version)
        marker = after
    return replace(state, changed_at=marker.changed_at)


def _current_state(services: Services, cached: _Cache) -> _State:
    """The store's state now: the cached one while the marker has not moved, else read anew."""
    marker = _marker(services)
    state = cached.state
    if state is not None and (state.version, state.change_id) == (
        marker.version,
        marker.change_id,
    ):
        return state
    state = _read_state(services, marker)
    cached.remember(state)
    return state


def _apply(services: Services, base: _State, change: ConfigChange, at: datetime | None) -> _State:
    """`base` with `change` applied, changed at `at`."""
    rules = _replaced(base.rules, change.rules)
    policies = _replaced(base.policies, change.policies)
    overrides, prices = base.overrides, base.prices
    if change.prices:
        overrides = {
            key: value
            for key, value in _replaced(base.overrides, change.prices).items()
            if value is not None
        }
        prices = _prices(overrides)
    team_clients = {
        team: clients
        for team, clients in base.team_clients.items()
        if team not in change.teams_removed
    }
    named = {
        team
        for policy in policies.values()
        if policy.applies_to.mode == "teams"
        for team in policy.applies_to.team_ids or ()
    }
    for team_id in sorted(named - team_clients.keys() - change.teams_removed):
        team = services.teams.get(team_id)
        if team is not None:
            team_clients[team_id] = (team.value.client_id,)
    return _State(None, None, rules, policies, overrides, prices, team_clients, at)


def _replaced(items: Mapping[Any, Any], changes: Mapping[Any, Any]) -> dict[Any, Any]:
    result = dict(items)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def gather_inputs(services: Services, change: ConfigChange | None = None) -> RenderInputs:
    """Everything the render reads from the store, read now (no cache), with `change` applied."""
    state = _read_state(services, _marker(services))
    if change is not None:
        state = _apply(services, state, change, state.changed_at)
    return state.inputs()


# Rendering, checking, publishing ---------------------------------------------------------------


def _render(
    services: Services, state: _State, cached: _Cache, settings: RenderSettings | None = None
) -> RenderedConfig:
    """The config of `state`, validated; 422 if it does not validate."""
    settings = settings or render_settings(services)
    known = cached.rendered
    if known is not None and known[0] is state and known[1] == settings:
        return known[2]
    rendered = render_config(state.inputs(cached.routes), settings)
    problems = validate_config(rendered.document, known_text=rendered.known_text)
    if problems:
        raise Unprocessable(
            detail="the change would make an agentgateway config that does not validate: "
            f"{problems[0].path}: {problems[0].message}",
            errors=[FieldProblem(f"config.{p.path}", p.message) for p in problems[:10]],
        )
    if state.version is not None:
        cached.rendered = (state, settings, rendered)
    return rendered


def render_current(services: Services, change: ConfigChange | None = None) -> RenderedConfig:
    """The config of the store's state (with `change` applied), validated; 422 if invalid."""
    if change is not None:
        return check_change(services, change).rendered
    cached = _cache_of(services)
    return _render(services, _current_state(services, cached), cached)


def check_change(services: Services, change: ConfigChange) -> ConfigCheck:
    """Refuse (422) a change whose config would not validate; else the write that records, in
    the change's own transaction, that the config's inputs changed (the config's header), and
    the config to publish once the change is committed."""
    cached = _cache_of(services)
    base = _current_state(services, cached)
    changed_at = isoformat(services.now())
    state = _apply(services, base, change, datetime.fromisoformat(changed_at))
    settings = render_settings(services)
    try:
        rendered = _render(services, state, cached, settings)
    except Unprocessable:
        record_config_refusal()
        raise
    change_id = uuid.uuid4().hex
    write = Put(_INPUTS_PK, _INPUTS_SK, {"changed_at": changed_at, "change_id": change_id})
    return ConfigCheck(write, base.version, change_id, state, settings, rendered)


def publish(
    services: Services, check: ConfigCheck | None = None, *, s3_client: Any | None = None
) -> RenderedConfig | None:
    """Publish the committed state's config: the one `check` validated if its change is the only
    one since (see the module docstring), else rendered now. A failure is logged, never raised,
    since the change is committed and the next change (or `gatewayctl config render`) publishes
    again."""
    try:
        cached = _cache_of(services)
        marker = _marker(services)
        if _only_change_since(check, marker) and check.settings == render_settings(services):
            state = replace(check.state, version=marker.version, change_id=check.change_id)
            cached.remember(state)
            rendered = check.rendered
            cached.rendered = (state, check.settings, rendered)
        else:
            state = _current_state(services, cached)
            rendered = _render(services, state, cached)
        with cached.lock:
            if state.version is not None and state.version < cached.published_version:
                # This process already published a later state (two changes in two threads).
                return rendered
            settings = services.settings
            if settings.config_s3_bucket:
                _publish_s3(settings, rendered, s3_client or _s3_client(settings.aws_region))
            else:
                write_atomically(settings.config_path, rendered.text.encode())
            if state.version is not None:
                cached.published_version = state.version
    except Exception:
        log.exception("could not publish the agentgateway config")
        record_config_publish(published=False)
        return None
    log.info("published agentgateway config", extra={"etag": rendered.etag})
    record_config_publish(published=True)
    return rendered


def _only_change_since(check: ConfigCheck | None, marker: _Marker) -> TypeGuard[ConfigCheck]:
    """Whether the store's state is `check`'s: its change was committed (the marker names it) and
    is the one change since the state it was applied to (each change adds one to the version)."""
    return (
        check is not None
        and check.base_version is not None
        and marker.version == check.base_version + 1
        and marker.change_id == check.change_id
    )


def config_json(services: Services, rendered: RenderedConfig) -> bytes:
    """`rendered.document` as `json.dumps(document, indent=2, sort_keys=True)` writes it, with each
    child route serialised once per route rather than once per request (the indenting encoder is
    pure Python: 0.1-0.3 s for a document of 1,000 rules)."""
    cached = _cache_of(services)
    known = cached.json
    if known is not None and known[0] is rendered:
        return known[1]
    text = _json_text(rendered.document, cached)
    cached.json = (rendered, text.encode())
    return cached.json[1]


_ROUTES_PLACEHOLDER = "\x00child routes\x00"
_ROUTE_INDENT = " " * 8
"""Where `json.dumps(indent=2)` puts the items of `routeGroups[0].routes`."""


def _json_text(document: Mapping[str, Any], cached: _Cache) -> str:
    groups = document.get("routeGroups")
    group = groups[0] if isinstance(groups, list) and len(groups) == 1 else None
    routes = group.get("routes") if isinstance(group, dict) else None
    if not isinstance(group, dict) or not isinstance(routes, list) or not routes:
        return json.dumps(document, indent=2, sort_keys=True)
    shell = {**document, "routeGroups": [{**group, "routes": _ROUTES_PLACEHOLDER}]}
    text = json.dumps(shell, indent=2, sort_keys=True)
    placeholder = json.dumps(_ROUTES_PLACEHOLDER)
    if text.count(placeholder) != 1:
        return json.dumps(document, indent=2, sort_keys=True)
    known, kept, items = cached.json_routes, {}, []
    for route in routes:
        part = known.get(id(route))
        if part is None or part[0] is not route:
            indented = json.dumps(route, indent=2, sort_keys=True)
            part = (route, _ROUTE_INDENT + indented.replace("\n", "\n" + _ROUTE_INDENT))
        kept[id(route)] = part
        items.append(part[1])
    cached.json_routes = kept  # this document's routes only
    return text.replace(placeholder, "[\n" + ",\n".join(items) + "\n" + " " * 6 + "]")


@cache
def _s3_client(region: str) -> Any:
    """One client per process (cold start), made on first use."""
    import boto3

    return boto3.client("s3", region_name=region)


def _publish_s3(settings: Settings, rendered: RenderedConfig, s3: Any) -> None:
    s3.put_object(
        Bucket=settings.config_s3_bucket,
        Key=settings.config_s3_key,
        Body=rendered.text.encode(),
        ContentType="application/yaml",
        Metadata={"config-etag": rendered.etag.strip('"')},
    )
