"""The agentgateway config as the control plane delivers it: gathered, checked, published.

Every change to routing rules, scanner policies or prices goes through `check_change` before it
is committed (a change whose config would not validate is refused with 422 and the schema error,
so the published config stays the previous one) and `publish` after: locally the file
`<data-dir>/agentgateway.yaml`, replaced atomically so agentgateway never reads half a file; on
AWS an S3 object with the ETag as metadata. Rendering itself is pure
(`controlplane.domain.agentgateway`); this module does the I/O around it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from controlplane.agentgateway import validate_config
from controlplane.clock import isoformat
from controlplane.domain.agentgateway import (
    RenderedConfig,
    RenderInputs,
    RenderSettings,
    render_config,
)
from controlplane.domain.pricing import PriceKey, effective_prices
from controlplane.errors import FieldProblem, Unprocessable
from controlplane.files import write_atomically
from controlplane.pricing import default_prices, override_table
from controlplane.services import Services
from controlplane.settings import Settings
from controlplane.store.port import Put
from generated.models import Price, RoutingRule, ScannerPolicy

log = logging.getLogger("controlplane.config")

_INPUTS_PK, _INPUTS_SK = "CONFIG", "inputs"


@dataclass(frozen=True)
class ConfigChange:
    """A change about to be committed: items replaced (a value) or removed (None), by key."""

    rules: Mapping[str, RoutingRule | None] = field(default_factory=dict)
    policies: Mapping[str, ScannerPolicy | None] = field(default_factory=dict)
    prices: Mapping[PriceKey, Mapping[str, Any] | None] = field(default_factory=dict)


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


def gather_inputs(services: Services, change: ConfigChange | None = None) -> RenderInputs:
    """Everything the render reads from the store, with `change` applied on top."""
    change = change or ConfigChange()
    rules = {r.rule_id: r for r in services.routes.all()} | dict(change.rules)
    policies = {p.policy_id: p for p in services.policies.all()} | dict(change.policies)
    overrides: dict[PriceKey, Mapping[str, Any] | None] = {
        **override_table(services.price_overrides),
        **change.prices,
    }
    prices = [
        Price.model_validate({**price, "provider": key.provider, "model": key.model, "source": src})
        for key, price, src in effective_prices(
            default_prices(), {k: dict(v) for k, v in overrides.items() if v is not None}
        )
    ]
    team_clients: dict[str, list[str]] = {}
    for team in services.teams.all():
        team_clients.setdefault(team.team_id, []).append(team.client_id)
    marker = services.store.get(_INPUTS_PK, _INPUTS_SK)
    changed_at = datetime.fromisoformat(marker.data["changed_at"]) if marker else None
    return RenderInputs(
        rules=[r for r in rules.values() if r is not None],
        policies=[p for p in policies.values() if p is not None],
        prices=prices,
        team_clients=team_clients,
        inputs_changed_at=changed_at,
    )


def render_current(services: Services, change: ConfigChange | None = None) -> RenderedConfig:
    """The config of the store's state (with `change` applied), validated; 422 if invalid."""
    rendered = render_config(gather_inputs(services, change), render_settings(services))
    problems = validate_config(rendered.document)
    if problems:
        raise Unprocessable(
            detail="the change would make an agentgateway config that does not validate: "
            f"{problems[0].path}: {problems[0].message}",
            errors=[FieldProblem(f"config.{p.path}", p.message) for p in problems[:10]],
        )
    return rendered


def check_change(services: Services, change: ConfigChange) -> Put:
    """Refuse (422) a change whose config would not validate; else the write that records, in
    the change's own transaction, that the config's inputs changed (the config's header)."""
    render_current(services, change)
    return Put(_INPUTS_PK, _INPUTS_SK, {"changed_at": isoformat(services.now())})


def publish(services: Services, *, s3_client: Any | None = None) -> RenderedConfig | None:
    """Render the committed state and publish it; a failure is logged, never raised, since the
    change is committed and the next change (or `gatewayctl config render`) publishes again."""
    try:
        rendered = render_current(services)
        settings = services.settings
        if settings.config_s3_bucket:
            _publish_s3(settings, rendered, s3_client or _s3_client(settings.aws_region))
        else:
            write_atomically(settings.config_path, rendered.text.encode())
    except Exception:
        log.exception("could not publish the agentgateway config")
        return None
    log.info("published agentgateway config", extra={"etag": rendered.etag})
    return rendered


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
