"""content_scanner: guardrail policies for prompts and completions (`/scanner`)."""

from __future__ import annotations

from typing import Any

from controlplane.adapters.apigw import handle_event
from controlplane.adapters.lambda_entry import lambda_entry
from controlplane.api.context import RequestContext
from controlplane.api.operations import Reply, operation
from controlplane.api.resources import (
    create,
    delete_versioned,
    merged,
    read,
    renaming,
    save_replacement,
)
from controlplane.config_publisher import ConfigChange, check_change, publish
from controlplane.domain.bedrock_guardrails import check_bedrock_guardrail
from controlplane.domain.scanner import RegexSpec, check_policy
from controlplane.ids import new_id
from controlplane.services import Services
from controlplane.store.port import Write
from controlplane.store.repositories import Guarded, taken, unknown
from generated.models import (
    DeleteScannerPolicyParameters,
    GetScannerPolicyParameters,
    ListScannerPoliciesParameters,
    ScannerPolicy,
    ScannerPolicyCreate,
    ScannerPolicyList,
    ScannerPolicyUpdate,
    UpdateScannerPolicyParameters,
)


def _checked(services: Services, policy: ScannerPolicy) -> tuple[ScannerPolicy, list[Guarded]]:
    """The policy, if consistent, and the checks that its teams still exist when it is saved."""
    team_ids = policy.applies_to.team_ids or []
    check_policy(
        policy.applies_to.mode,
        team_ids,
        [rule.detector for rule in policy.detectors],
        [RegexSpec(rule.name, rule.pattern) for rule in policy.custom_rules],
    )
    if policy.bedrock_guardrail is not None:
        check_bedrock_guardrail(
            policy.bedrock_guardrail.identifier, policy.bedrock_guardrail.region
        )
    guards = []
    for index, team_id in enumerate(team_ids):
        no_team = unknown(f"applies_to.team_ids[{index}]", team_id, "team")
        if services.teams.get(team_id) is None:
            raise no_team
        guards.append(Guarded(services.teams.must_exist(team_id), no_team))
    applies_to = policy.applies_to.model_copy(update={"team_ids": team_ids})
    return policy.model_copy(update={"applies_to": applies_to}), guards


@operation("listScannerPolicies")
def list_scanner_policies(ctx: RequestContext, params: ListScannerPoliciesParameters) -> Reply:
    items, cursor = ctx.services.policies.page(params.cursor, params.limit)
    return Reply(ScannerPolicyList(items=items, next_cursor=cursor))


@operation("createScannerPolicy")
def create_scanner_policy(ctx: RequestContext, body: ScannerPolicyCreate) -> Reply:
    services = ctx.services
    name_taken = taken("name", body.name, "scanner policy")
    services.policy_names.ensure_free(body.name, name_taken)
    now = services.now()
    policy, team_checks = _checked(
        services,
        ScannerPolicy(
            policy_id=new_id("sp"),
            name=body.name,
            description=body.description,
            applies_to=body.applies_to,
            phase=body.phase,
            detectors=body.detectors or [],
            custom_rules=body.custom_rules or [],
            bedrock_guardrail=body.bedrock_guardrail,
            enabled=True if body.enabled is None else body.enabled,
            created_at=now,
            updated_at=now,
        ),
    )
    config = check_change(services, ConfigChange(policies={policy.policy_id: policy}))
    reply = create(
        ctx,
        services.policies,
        policy.policy_id,
        policy,
        action="createScannerPolicy",
        location=f"/scanner/{policy.policy_id}",
        also=[
            Guarded(services.policy_names.claim(policy.name, policy.policy_id), name_taken),
            *team_checks,
            config.write,
        ],
    )
    publish(services, config)
    return reply


@operation("getScannerPolicy")
def get_scanner_policy(ctx: RequestContext, params: GetScannerPolicyParameters) -> Reply:
    return read(ctx.services.policies, params.policy_id)


@operation("updateScannerPolicy")
def update_scanner_policy(
    ctx: RequestContext, params: UpdateScannerPolicyParameters, body: ScannerPolicyUpdate
) -> Reply:
    services = ctx.services
    current = services.policies.require(params.policy_id)
    policy, team_checks = _checked(services, merged(current.value, body, updated_at=services.now()))
    config = check_change(services, ConfigChange(policies={policy.policy_id: policy}))
    also: list[Guarded | Write] = [
        *team_checks,
        *renaming(
            services.policy_names,
            current.value.name,
            policy.name,
            policy.policy_id,
            taken("name", policy.name, "scanner policy"),
        ),
        config.write,
    ]
    version = save_replacement(
        ctx,
        services.policies,
        policy.policy_id,
        current,
        policy,
        action="updateScannerPolicy",
        also=also,
    )
    publish(services, config)
    return Reply(policy, etag=version)


@operation("deleteScannerPolicy")
def delete_scanner_policy(ctx: RequestContext, params: DeleteScannerPolicyParameters) -> Reply:
    services = ctx.services
    current = services.policies.require(params.policy_id)
    config = check_change(services, ConfigChange(policies={params.policy_id: None}))
    delete_versioned(
        ctx,
        services.policies,
        params.policy_id,
        current,
        action="deleteScannerPolicy",
        also=[
            services.policy_names.release(current.value.name),
            config.write,
        ],
    )
    publish(services, config)
    return Reply(status=204)


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_event(event, context)
