from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.routing_strategy import RoutingStrategy, check_routing_strategy
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.retry_policy import RetryPolicy
    from ..models.routing_target import RoutingTarget


T = TypeVar("T", bound="RoutingRuleCreate")


@_attrs_define
class RoutingRuleCreate:
    """A routing rule to create.

    Example:
        {'model': 'claude-sonnet-4', 'strategy': 'failover', 'targets': [{'provider': 'bedrock', 'model':
            'anthropic.claude-sonnet-4-20250514-v1:0', 'region': 'us-east-1'}, {'provider': 'anthropic', 'model': 'claude-
            sonnet-4-20250514'}], 'retry': {'attempts': 2, 'on_status': [429, 503]}, 'description': 'Sonnet on Bedrock,
            Anthropic API as fallback', 'enabled': True}

    Attributes:
        model (str): The model name clients ask for: exact, or a glob with `*` (any run of characters) and `?`
            (one character). Unique among routing rules.
             Example: claude-sonnet-4.
        strategy (RoutingStrategy): `failover` tries targets in order; `weighted` splits traffic by weight. Example:
            failover.
        targets (list[RoutingTarget]): The targets, in priority order for `failover`.
        retry (RetryPolicy | Unset): How often a failed upstream call is retried, and on which statuses. Example:
            {'attempts': 2, 'on_status': [429, 503]}.
        description (str | Unset): What the rule is for.
        enabled (bool | Unset): Disabled rules are kept but not rendered (default true).
    """

    model: str
    strategy: RoutingStrategy
    targets: list[RoutingTarget]
    retry: RetryPolicy | Unset = UNSET
    description: str | Unset = UNSET
    enabled: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        model = self.model

        strategy: str = self.strategy

        targets = []
        for targets_item_data in self.targets:
            targets_item = targets_item_data.to_dict()
            targets.append(targets_item)

        retry: dict[str, Any] | Unset = UNSET
        if not isinstance(self.retry, Unset):
            retry = self.retry.to_dict()

        description = self.description

        enabled = self.enabled

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model": model,
                "strategy": strategy,
                "targets": targets,
            }
        )
        if retry is not UNSET:
            field_dict["retry"] = retry
        if description is not UNSET:
            field_dict["description"] = description
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.retry_policy import RetryPolicy
        from ..models.routing_target import RoutingTarget

        d = dict(src_dict)
        model = d.pop("model")

        strategy = check_routing_strategy(d.pop("strategy"))

        targets = []
        _targets = d.pop("targets")
        for targets_item_data in _targets:
            targets_item = RoutingTarget.from_dict(targets_item_data)

            targets.append(targets_item)

        _retry = d.pop("retry", UNSET)
        retry: RetryPolicy | Unset
        if isinstance(_retry, Unset):
            retry = UNSET
        else:
            retry = RetryPolicy.from_dict(_retry)

        description = d.pop("description", UNSET)

        enabled = d.pop("enabled", UNSET)

        routing_rule_create = cls(
            model=model,
            strategy=strategy,
            targets=targets,
            retry=retry,
            description=description,
            enabled=enabled,
        )

        return routing_rule_create
