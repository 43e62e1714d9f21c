"""Routing rule rules: known providers, regions where needed, weights that fit the strategy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from controlplane.domain.providers import (
    REGIONAL_PROVIDERS,
    is_known_provider,
    unknown_provider_message,
)
from controlplane.errors import FieldProblem, Unprocessable

DEFAULT_RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class TargetSpec:
    provider: str
    model: str
    region: str | None
    weight: int | None


def check_rule(
    strategy: str,
    targets: Sequence[TargetSpec],
    retry_statuses: Sequence[int],
    retry_attempts: int,
) -> None:
    """Raise 422 naming every field that does not fit."""
    problems: list[FieldProblem] = []
    seen: set[tuple[str, str, str | None]] = set()
    for index, target in enumerate(targets):
        at = f"targets[{index}]"
        if not is_known_provider(target.provider):
            problems.append(
                FieldProblem(f"{at}.provider", unknown_provider_message(target.provider))
            )
        if target.provider in REGIONAL_PROVIDERS and not target.region:
            problems.append(FieldProblem(f"{at}.region", f"is required for {target.provider}"))
        if strategy == "weighted" and target.weight is None:
            problems.append(FieldProblem(f"{at}.weight", "is required when strategy is weighted"))
        if strategy == "failover" and target.weight is not None:
            problems.append(
                FieldProblem(f"{at}.weight", "is only for weighted rules (failover uses order)")
            )
        key = (target.provider, target.model, target.region)
        if key in seen:
            problems.append(FieldProblem(at, "repeats an earlier target"))
        seen.add(key)
    if len(set(retry_statuses)) != len(retry_statuses):
        problems.append(FieldProblem("retry.on_status", "has a status twice"))
    if strategy == "failover" and len(targets) > 1 and retry_attempts < 1:
        # In agentgateway a priority group is left once its provider is evicted, and the request
        # that trips the eviction has already failed: only a retry re-sends it, to the next group
        # (v1.4.1 proxy/httpproxy.rs, its test
        # llm_retry_evicts_failed_priority_group_before_next_attempt). Without one, failover
        # would fail the very request that triggered it.
        problems.append(
            FieldProblem(
                "retry.attempts",
                "must be at least 1 for a failover rule with several targets: without a retry,"
                " the request that makes a target fail over fails",
            )
        )
    if problems:
        first = problems[0]
        raise Unprocessable(detail=f"{first.field}: {first.message}", errors=problems)
