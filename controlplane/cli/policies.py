"""`gatewayctl policies`: guardrail (scanner) policies applied to prompts and completions."""

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
    policy_id,
    team_id,
    typed_body,
    update_if_unchanged,
)
from controlplane.cli.app import main
from controlplane.cli.output import details, emit, grid, output_option

PHASES = ("request", "response", "both")
GUARDRAIL_KEYS = {"identifier", "version", "region", "mode"}


@main.group()
def policies() -> None:
    """Guardrail policies: built-in detectors, custom regexes and Bedrock Guardrails applied to
    prompts (request), completions (response) or both, for all teams or some.

    POLICY arguments are a policy id (sp_…) or the policy's name (unique).

    \b
    Example:
      gatewayctl policies create --name pii-masking --phase both \\
        --detector email=mask --detector credit_card=reject
      gatewayctl policies list
    """


@policies.command("list", cls=ApiCommand)
@page_size_option()
@output_option()
@click.pass_context
def policies_list(ctx: click.Context, output: str) -> None:
    """List every policy, oldest first (all pages).

    \b
    Example:
      gatewayctl policies list
    """
    from gateway_admin_api.api.scanner import list_scanner_policies

    found = items(ctx, list_scanner_policies.sync_detailed)
    emit(output, found, lambda: _policies_table(found))


def _policies_table(found: list[JsonObject]) -> Any:
    return grid(
        [
            "Name",
            "Policy id",
            "Phase",
            "Applies to",
            "Detectors",
            "Custom rules",
            "Guardrail",
            "Enabled",
        ],
        [
            [
                policy["name"],
                policy["policy_id"],
                policy["phase"],
                _applies_to(policy["applies_to"]),
                "\n".join(f"{d['detector']}: {d['action']}" for d in policy["detectors"]),
                "\n".join(f"{r['name']}: {r['action']}" for r in policy["custom_rules"]),
                (policy.get("bedrock_guardrail") or {}).get("identifier"),
                policy["enabled"],
            ]
            for policy in found
        ],
        droppable=["Guardrail", "Custom rules", "Policy id"],
    )


def _applies_to(applies_to: JsonObject) -> str:
    if applies_to["mode"] == "all":
        return "all teams"
    return "\n".join(applies_to.get("team_ids") or [])


@policies.command("get", cls=ApiCommand)
@click.argument("policy")
@output_option()
@click.pass_context
def policies_get(ctx: click.Context, policy: str, output: str) -> None:
    """Show a policy. POLICY is a policy id (sp_…) or its name.

    \b
    Example:
      gatewayctl policies get pii-masking -o yaml
    """
    from gateway_admin_api.api.scanner import get_scanner_policy

    answer = answer_json(
        get_scanner_policy.sync_detailed(policy_id(ctx, policy), client=client(ctx))
    )
    emit(output, answer, lambda: details(answer))


def _applies_to_body(ctx: click.Context, teams: str | None) -> JsonObject | None:
    listed = comma_list(teams)
    if listed is None:
        return None
    if listed == ["all"]:
        return {"mode": "all"}
    return {"mode": "teams", "team_ids": [team_id(ctx, team) for team in listed]}


def _detectors(values: tuple[str, ...]) -> list[JsonObject] | None:
    detectors = []
    for value in values:
        detector, equals, action = value.partition("=")
        if not equals:
            raise click.BadParameter(
                f"{value!r}: expected DETECTOR=ACTION (e.g. email=mask)", param_hint="'--detector'"
            )
        detectors.append({"detector": detector.strip(), "action": action.strip()})
    return detectors or None


def _custom_rules(values: tuple[tuple[str, str, str], ...]) -> list[JsonObject] | None:
    return [
        {"name": name, "action": action, "pattern": pattern} for name, action, pattern in values
    ] or None


def _guardrail(value: str | None) -> JsonObject | None:
    if value is None:
        return None
    (pairs,) = key_values((value,), "'--bedrock-guardrail'")
    unknown = set(pairs) - GUARDRAIL_KEYS
    if unknown:
        raise click.BadParameter(
            f"unknown key {sorted(unknown)[0]!r} (keys: identifier, version, region, mode)",
            param_hint="'--bedrock-guardrail'",
        )
    return dict(pairs)


_TEAMS = click.option(
    "--teams",
    default=None,
    metavar="TEAM,TEAM,…|all",
    help="The teams it applies to (ids or names), or all (default on create: all).",
)
_PHASE = click.option("--phase", type=click.Choice(PHASES), default=None, help="What it scans.")
_DETECTOR = click.option(
    "--detector",
    multiple=True,
    metavar="DETECTOR=ACTION",
    help="A built-in detector (email, phone, credit_card, us_ssn, ip_address, aws_access_key, "
    "aws_secret_key, private_key, jwt, iban, url_credentials) and mask, reject or detect; "
    "repeat for several (replaces the list).",
)
_REGEX = click.option(
    "--regex",
    type=(str, str, str),
    multiple=True,
    metavar="NAME ACTION PATTERN",
    help="A custom rule: its name, mask/reject/detect, and a Rust-syntax regex; repeat for "
    "several (replaces the list).",
)
_GUARDRAIL = click.option(
    "--bedrock-guardrail",
    default=None,
    metavar="identifier=ID,version=V,region=R,mode=block|detect",
    help="An Amazon Bedrock Guardrail to apply.",
)
_DESCRIPTION = click.option("--description", default=None, help="What the policy protects.")
_ENABLED = click.option(
    "--enabled/--disabled", default=None, help="Disabled policies are kept but not rendered."
)


@policies.command("create", cls=ApiCommand)
@click.option("--name", default=None, help="A lowercase slug, unique among policies.")
@_PHASE
@_TEAMS
@_DETECTOR
@_REGEX
@_GUARDRAIL
@_DESCRIPTION
@_ENABLED
@click.option("--idempotency-key", default=None, help="Reuse to retry without a second policy.")
@from_file_option()
@output_option()
@click.pass_context
def policies_create(
    ctx: click.Context,
    name: str | None,
    phase: str | None,
    teams: str | None,
    detector: tuple[str, ...],
    regex: tuple[tuple[str, str, str], ...],
    bedrock_guardrail: str | None,
    description: str | None,
    enabled: bool | None,
    idempotency_key: str | None,
    from_file: str | None,
    output: str,
) -> None:
    """Create a policy; agentgateway's config is re-rendered and published.

    \b
    Example:
      gatewayctl policies create --name pii-masking --phase both \\
        --detector email=mask --detector credit_card=reject \\
        --regex internal-hosts mask '[a-z0-9-]+\\.corp\\.example\\.com'
    """
    from gateway_admin_api.api.scanner import create_scanner_policy
    from gateway_admin_api.models import ScannerPolicyCreate

    body = body_of(
        from_file,
        {
            "name": name,
            "phase": phase,
            "applies_to": _applies_to_body(ctx, teams),
            "detectors": _detectors(detector),
            "custom_rules": _custom_rules(regex),
            "bedrock_guardrail": _guardrail(bedrock_guardrail),
            "description": description,
            "enabled": enabled,
        },
    )
    body.setdefault("applies_to", {"mode": "all"})
    request = typed_body(ScannerPolicyCreate.from_dict, body, "policy")
    answer = answer_json(
        create_scanner_policy.sync_detailed(
            client=client(ctx), body=request, idempotency_key=given(idempotency_key)
        )
    )
    emit(output, answer, lambda: details(answer))


@policies.command("update", cls=ApiCommand)
@click.argument("policy")
@click.option("--name", default=None, help="A new name.")
@_PHASE
@_TEAMS
@_DETECTOR
@_REGEX
@_GUARDRAIL
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
def policies_update(
    ctx: click.Context,
    policy: str,
    name: str | None,
    phase: str | None,
    teams: str | None,
    detector: tuple[str, ...],
    regex: tuple[tuple[str, str, str], ...],
    bedrock_guardrail: str | None,
    description: str | None,
    enabled: bool | None,
    if_match: str | None,
    from_file: str | None,
    output: str,
) -> None:
    """Change the fields given (lists are replaced whole); read first, changed with If-Match.
    POLICY is a policy id (sp_…) or its name.

    \b
    Example:
      gatewayctl policies update pii-masking --disabled
      gatewayctl policies update pii-masking --teams payments,search
    """
    from gateway_admin_api.api.scanner import get_scanner_policy, update_scanner_policy
    from gateway_admin_api.models import ScannerPolicyUpdate

    body = body_of(
        from_file,
        {
            "name": name,
            "phase": phase,
            "applies_to": _applies_to_body(ctx, teams),
            "detectors": _detectors(detector),
            "custom_rules": _custom_rules(regex),
            "bedrock_guardrail": _guardrail(bedrock_guardrail),
            "description": description,
            "enabled": enabled,
        },
    )
    request = typed_body(ScannerPolicyUpdate.from_dict, body, "change")
    found = policy_id(ctx, policy)
    answer = update_if_unchanged(
        ctx, get_scanner_policy, update_scanner_policy, found, request, if_match
    )
    emit(output, answer, lambda: details(answer))


@policies.command("delete", cls=ApiCommand)
@click.argument("policy")
@click.option("--if-match", default=None, metavar="ETAG", help="Only if it is still this version.")
@click.pass_context
def policies_delete(ctx: click.Context, policy: str, if_match: str | None) -> None:
    """Delete a policy. POLICY is a policy id (sp_…) or its name.

    \b
    Example:
      gatewayctl policies delete pii-masking
    """
    from gateway_admin_api.api.scanner import delete_scanner_policy

    found = policy_id(ctx, policy)
    delete_scanner_policy.sync_detailed(found, client=client(ctx), if_match=given(if_match))
    click.echo(f"Deleted policy {policy}" + (f" ({found})" if found != policy else ""))
