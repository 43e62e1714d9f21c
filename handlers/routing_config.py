"""routing_config: routing rules from client-facing model names to provider targets (`/routing`)."""

from __future__ import annotations

from typing import Any

from controlplane.adapters.apigw import handle_event
from controlplane.adapters.lambda_entry import lambda_entry
from controlplane.api.context import RequestContext, etag_matches
from controlplane.api.operations import Reply, operation
from controlplane.api.resources import (
    create,
    delete_versioned,
    merged,
    read,
    renaming,
    save_replacement,
)
from controlplane.config_publisher import (
    ConfigChange,
    check_change,
    config_json,
    publish,
    render_current,
)
from controlplane.domain.routing import DEFAULT_RETRY_STATUSES, TargetSpec, check_rule
from controlplane.ids import new_id
from controlplane.store.repositories import Guarded, taken
from generated.models import (
    DeleteRoutingRuleParameters,
    GetRoutingConfigParameters,
    GetRoutingRuleParameters,
    ListRoutingRulesParameters,
    RetryPolicy,
    RoutingRule,
    RoutingRuleCreate,
    RoutingRuleList,
    RoutingRuleUpdate,
    UpdateRoutingRuleParameters,
)


def _checked(rule: RoutingRule) -> RoutingRule:
    check_rule(
        rule.strategy,
        [TargetSpec(t.provider, t.model, t.region, t.weight) for t in rule.targets],
        rule.retry.on_status or [],
        rule.retry.attempts,
    )
    return rule


@operation("listRoutingRules")
def list_routing_rules(ctx: RequestContext, params: ListRoutingRulesParameters) -> Reply:
    items, cursor = ctx.services.routes.page(params.cursor, params.limit)
    return Reply(RoutingRuleList(items=items, next_cursor=cursor))


@operation("createRoutingRule")
def create_routing_rule(ctx: RequestContext, body: RoutingRuleCreate) -> Reply:
    services = ctx.services
    name_taken = taken("model", body.model, "routing rule for model")
    services.route_models.ensure_free(body.model, name_taken)
    now = services.now()
    rule = _checked(
        RoutingRule(
            rule_id=new_id("rt"),
            model=body.model,
            strategy=body.strategy,
            targets=body.targets,
            retry=body.retry or RetryPolicy(attempts=1, on_status=list(DEFAULT_RETRY_STATUSES)),
            description=body.description,
            enabled=True if body.enabled is None else body.enabled,
            created_at=now,
            updated_at=now,
        )
    )
    config = check_change(services, ConfigChange(rules={rule.rule_id: rule}))
    reply = create(
        ctx,
        services.routes,
        rule.rule_id,
        rule,
        action="createRoutingRule",
        location=f"/routing/{rule.rule_id}",
        also=[
            Guarded(services.route_models.claim(rule.model, rule.rule_id), name_taken),
            config.write,
        ],
    )
    publish(services, config)
    return reply


@operation("getRoutingRule")
def get_routing_rule(ctx: RequestContext, params: GetRoutingRuleParameters) -> Reply:
    return read(ctx.services.routes, params.rule_id)


@operation("updateRoutingRule")
def update_routing_rule(
    ctx: RequestContext, params: UpdateRoutingRuleParameters, body: RoutingRuleUpdate
) -> Reply:
    services = ctx.services
    current = services.routes.require(params.rule_id)
    rule = _checked(merged(current.value, body, updated_at=services.now()))
    also = renaming(
        services.route_models,
        current.value.model,
        rule.model,
        rule.rule_id,
        taken("model", rule.model, "routing rule for model"),
    )
    config = check_change(services, ConfigChange(rules={rule.rule_id: rule}))
    also.append(config.write)
    version = save_replacement(
        ctx, services.routes, rule.rule_id, current, rule, action="updateRoutingRule", also=also
    )
    publish(services, config)
    return Reply(rule, etag=version)


@operation("deleteRoutingRule")
def delete_routing_rule(ctx: RequestContext, params: DeleteRoutingRuleParameters) -> Reply:
    services = ctx.services
    current = services.routes.require(params.rule_id)
    config = check_change(services, ConfigChange(rules={params.rule_id: None}))
    delete_versioned(
        ctx,
        services.routes,
        params.rule_id,
        current,
        action="deleteRoutingRule",
        also=[
            services.route_models.release(current.value.model),
            config.write,
        ],
    )
    publish(services, config)
    return Reply(status=204)


@operation("getRoutingConfig")
def get_routing_config(ctx: RequestContext, params: GetRoutingConfigParameters) -> Reply:
    rendered = render_current(ctx.services)
    if ctx.if_none_match is not None and etag_matches(ctx.if_none_match, rendered.etag):
        return Reply(status=304, etag=rendered.etag)
    if params.format == "json":
        content = config_json(ctx.services, rendered)
        return Reply(content=content, content_type="application/json", etag=rendered.etag)
    return Reply(
        content=rendered.text.encode(), content_type="application/yaml", etag=rendered.etag
    )


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_event(event, context)
