"""`gatewayctl routes`: routing rules, from the model names clients ask for to provider models."""

from __future__ import annotations

from typing import Any

import click

from controlplane.cli.api import (
    ApiCommand,
    JsonObject,
    answer_json,
    body_of,
    client,
    comma_list,
    from_file_option,
    given,
    items,
    key_values,
    page_size_option,
    rule_id,
    typed_body,
    update_if_unchanged,
)
from controlplane.cli.app import main
from controlplane.cli.output import details, emit, grid, output_option

STRATEGIES = ("failover", "weighted")
TARGET_KEYS = {"provider", "model", "region", "weight"}


@main.group()
def routes() -> None:
    """Routing rules: a client-facing model name (exact, or a glob with * and ?) routed to
    provider models, in order (failover) or by weight.

    RULE arguments are a rule id (rt_…) or the rule's client-facing model name (unique).

    \b
    Example:
      gatewayctl routes create --model claude-sonnet-4 --strategy failover \\
        --target provider=bedrock,model=anthropic.claude-sonnet-4-20250514-v1:0,region=us-east-1 \\
        --target provider=anthropic,model=claude-sonnet-4-20250514 --retry-attempts 2
      gatewayctl routes list
    """


@routes.command("list", cls=ApiCommand)
@page_size_option()
@output_option()
@click.pass_context
def routes_list(ctx: click.Context, output: str) -> None:
    """List every routing rule, oldest first (all pages).

    \b
    Example:
      gatewayctl routes list
      gatewayctl routes list -o yaml
    """
    from gateway_admin_api.api.routing import list_routing_rules

    found = items(ctx, list_routing_rules.sync_detailed)
    emit(output, found, lambda: _rules_table(found))


def _rules_table(found: list[JsonObject]) -> Any:
    return grid(
        ["Model", "Rule id", "Strategy", "Targets", "Retries", "Enabled"],
        [
            [
                rule["model"],
                rule["rule_id"],
                rule["strategy"],
                "\n".join(_target(target) for target in rule["targets"]),
                _retry(rule["retry"]),
                rule["enabled"],
            ]
            for rule in found
        ],
        droppable=["Retries", "Rule id"],
    )


def _target(target: JsonObject) -> str:
    where = f" ({target['region']})" if target.get("region") else ""
    weight = f" weight {target['weight']}" if target.get("weight") else ""
    return f"{target['provider']}/{target['model']}{where}{weight}"


def _retry(retry: JsonObject) -> str:
    statuses = retry.get("on_status")
    return f"{retry['attempts']}" + (f" on {','.join(map(str, statuses))}" if statuses else "")


@routes.command("get", cls=ApiCommand)
@click.argument("rule")
@output_option()
@click.pass_context
def routes_get(ctx: click.Context, rule: str, output: str) -> None:
    """Show a routing rule. RULE is a rule id (rt_…) or its client-facing model name.

    \b
    Example:
      gatewayctl routes get claude-sonnet-4
    """
    from gateway_admin_api.api.routing import get_routing_rule

    answer = answer_json(get_routing_rule.sync_detailed(rule_id(ctx, rule), client=client(ctx)))
    emit(output, answer, lambda: details(answer))


def _targets(values: tuple[str, ...]) -> list[JsonObject] | None:
    targets: list[JsonObject] = []
    for pairs in key_values(values, "'--target'"):
        unknown = set(pairs) - TARGET_KEYS
        if unknown:
            raise click.BadParameter(
                f"unknown key {sorted(unknown)[0]!r} (keys: provider, model, region, weight)",
                param_hint="'--target'",
            )
        target: JsonObject = dict(pairs)
        if "weight" in target:
            try:
                target["weight"] = int(target["weight"])
            except ValueError:
                raise click.BadParameter(
                    f"weight {target['weight']!r} is not a whole number", param_hint="'--target'"
                ) from None
        targets.append(target)
    return targets or None


def _retry_body(attempts: int | None, on_status: str | None) -> JsonObject | None:
    if attempts is None and on_status is None:
        return None
    retry: JsonObject = {}
    if attempts is not None:
        retry["attempts"] = attempts
    statuses = comma_list(on_status)
    if statuses is not None:
        try:
            retry["on_status"] = [int(status) for status in statuses]
        except ValueError:
            raise click.BadParameter(
                f"{on_status!r}: expected statuses such as 429,503", param_hint="'--retry-on'"
            ) from None
    return retry


_TARGET = click.option(
    "--target",
    multiple=True,
    metavar="provider=P,model=M[,region=R][,weight=W]",
    help="A target, in priority order for failover; repeat for several (replaces the list).",
)
_RETRY_ATTEMPTS = click.option(
    "--retry-attempts",
    type=click.IntRange(0, 5),
    default=None,
    help="Retries after the first call (a failover over several targets needs at least 1).",
)
_RETRY_ON = click.option(
    "--retry-on", default=None, metavar="S,S,…", help="Upstream statuses retried (e.g. 429,503)."
)
_DESCRIPTION = click.option("--description", default=None, help="What the rule is for.")
_ENABLED = click.option(
    "--enabled/--disabled", default=None, help="Disabled rules are kept but not rendered."
)


@routes.command("create", cls=ApiCommand)
@click.option("--model", default=None, help="The model name clients ask for (or a glob).")
@click.option("--strategy", type=click.Choice(STRATEGIES), default=None)
@_TARGET
@_RETRY_ATTEMPTS
@_RETRY_ON
@_DESCRIPTION
@_ENABLED
@click.option("--idempotency-key", default=None, help="Reuse to retry without a second rule.")
@from_file_option()
@output_option()
@click.pass_context
def routes_create(
    ctx: click.Context,
    model: str | None,
    strategy: str | None,
    target: tuple[str, ...],
    retry_attempts: int | None,
    retry_on: str | None,
    description: str | None,
    enabled: bool | None,
    idempotency_key: str | None,
    from_file: str | None,
    output: str,
) -> None:
    """Create a routing rule; agentgateway's config is re-rendered and published.

    \b
    Example:
      gatewayctl routes create --model claude-sonnet-4 --strategy failover \\
        --target provider=bedrock,model=anthropic.claude-sonnet-4-20250514-v1:0,region=us-east-1 \\
        --target provider=anthropic,model=claude-sonnet-4-20250514 \\
        --retry-attempts 2 --retry-on 429,503
      gatewayctl routes create --from-file rule.yaml
    """
    from gateway_admin_api.api.routing import create_routing_rule
    from gateway_admin_api.models import RoutingRuleCreate

    body = body_of(
        from_file,
        {
            "model": model,
            "strategy": strategy,
            "targets": _targets(target),
            "retry": _retry_body(retry_attempts, retry_on),
            "description": description,
            "enabled": enabled,
        },
    )
    request = typed_body(RoutingRuleCreate.from_dict, body, "rule")
    answer = answer_json(
        create_routing_rule.sync_detailed(
            client=client(ctx), body=request, idempotency_key=given(idempotency_key)
        )
    )
    emit(output, answer, lambda: details(answer))


@routes.command("update", cls=ApiCommand)
@click.argument("rule")
@click.option("--model", default=None, help="A new client-facing model name.")
@click.option("--strategy", type=click.Choice(STRATEGIES), default=None)
@_TARGET
@_RETRY_ATTEMPTS
@_RETRY_ON
@_DESCRIPTION
@_ENABLED
@click.option(
    "--if-match",
    default=None,
    metavar="ETAG",
    help="Change it only if it is still this version (default: the ETag read just before).",
)
@from_file_option()
@output_option()
@click.pass_context
def routes_update(
    ctx: click.Context,
    rule: str,
    model: str | None,
    strategy: str | None,
    target: tuple[str, ...],
    retry_attempts: int | None,
    retry_on: str | None,
    description: str | None,
    enabled: bool | None,
    if_match: str | None,
    from_file: str | None,
    output: str,
) -> None:
    """Change the fields given (targets and retry are replaced whole); read first, changed with
    If-Match. RULE is a rule id (rt_…) or its client-facing model name.

    \b
    Example:
      gatewayctl routes update claude-sonnet-4 --disabled
      gatewayctl routes update claude-sonnet-4 --retry-attempts 3 --retry-on 429,500,503
    """
    from gateway_admin_api.api.routing import get_routing_rule, update_routing_rule
    from gateway_admin_api.models import RoutingRuleUpdate

    body = body_of(
        from_file,
        {
            "model": model,
            "strategy": strategy,
            "targets": _targets(target),
            "retry": _retry_body(retry_attempts, retry_on),
            "description": description,
            "enabled": enabled,
        },
    )
    request = typed_body(RoutingRuleUpdate.from_dict, body, "change")
    found = rule_id(ctx, rule)
    answer = update_if_unchanged(
        ctx, get_routing_rule, update_routing_rule, found, request, if_match
    )
    emit(output, answer, lambda: details(answer))


@routes.command("delete", cls=ApiCommand)
@click.argument("rule")
@click.option("--if-match", default=None, metavar="ETAG", help="Only if it is still this version.")
@click.pass_context
def routes_delete(ctx: click.Context, rule: str, if_match: str | None) -> None:
    """Delete a routing rule: its model name is no longer routed. RULE is a rule id or its model
    name.

    \b
    Example:
      gatewayctl routes delete claude-sonnet-4
    """
    from gateway_admin_api.api.routing import delete_routing_rule

    found = rule_id(ctx, rule)
    delete_routing_rule.sync_detailed(found, client=client(ctx), if_match=given(if_match))
    click.echo(f"Deleted routing rule {rule}" + (f" ({found})" if found != rule else ""))
