from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.routing_strategy import RoutingStrategy, check_routing_strategy
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.retry_policy import RetryPolicy
    from ..models.routing_target import RoutingTarget


T = TypeVar("T", bound="RoutingRuleUpdate")


@_attrs_define
class RoutingRuleUpdate:
    """Fields of a routing rule to change; fields not named are left as they are.

    Example:
        {'enabled': False}

    Attributes:
        model (str | Unset): The model name clients ask for: exact, or a glob with `*` (any run of characters) and `?`
            (one character). Unique among routing rules.
             Example: claude-sonnet-4.
        strategy (RoutingStrategy | Unset): `failover` tries targets in order; `weighted` splits traffic by weight.
            Example: failover.
        targets (list[RoutingTarget] | Unset): The targets (replaces the whole list).
        retry (RetryPolicy | Unset): How often a failed upstream call is retried, and on which statuses. Example:
            {'attempts': 2, 'on_status': [429, 503]}.
        description (str | Unset): What the rule is for.
        enabled (bool | Unset): Disabled rules are kept but not rendered.
    """

    model: str | Unset = UNSET
    strategy: RoutingStrategy | Unset = UNSET
    targets: list[RoutingTarget] | Unset = UNSET
    retry: RetryPolicy | Unset = UNSET
    description: str | Unset = UNSET
    enabled: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        model = self.model

        strategy: str | Unset = UNSET
        if not isinstance(self.strategy, Unset):
            strategy = self.strategy

        targets: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.targets, Unset):
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

        field_dict.update({})
        if model is not UNSET:
            field_dict["model"] = model
        if strategy is not UNSET:
            field_dict["strategy"] = strategy
        if targets is not UNSET:
            field_dict["targets"] = targets
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
        model = d.pop("model", UNSET)

        _strategy = d.pop("strategy", UNSET)
        strategy: RoutingStrategy | Unset
        if isinstance(_strategy, Unset):
            strategy = UNSET
        else:
            strategy = check_routing_strategy(_strategy)

        _targets = d.pop("targets", UNSET)
        targets: list[RoutingTarget] | Unset = UNSET
        if _targets is not UNSET:
            targets = []
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

        routing_rule_update = cls(
            model=model,
            strategy=strategy,
            targets=targets,
            retry=retry,
            description=description,
            enabled=enabled,
        )

        return routing_rule_update
