from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.routing_strategy import RoutingStrategy, check_routing_strategy
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.retry_policy import RetryPolicy
    from ..models.routing_target import RoutingTarget


T = TypeVar("T", bound="RoutingRule")


@_attrs_define
class RoutingRule:
    """A routing rule.

    Example:
        {'rule_id': 'rt_01jd2x3y4z5a6b7c8d9e0f1g2h', 'model': 'claude-sonnet-4', 'strategy': 'failover', 'targets':
            [{'provider': 'bedrock', 'model': 'anthropic.claude-sonnet-4-20250514-v1:0', 'region': 'us-east-1'},
            {'provider': 'anthropic', 'model': 'claude-sonnet-4-20250514'}], 'retry': {'attempts': 2, 'on_status': [429,
            503]}, 'enabled': True, 'created_at': '2026-11-22T14:05:00Z', 'updated_at': '2026-11-22T14:05:00Z'}

    Attributes:
        rule_id (str): A routing rule id, assigned by the control plane. Example: rt_01jd2x3y4z5a6b7c8d9e0f1g2h.
        model (str): The model name clients ask for: exact, or a glob with `*` (any run of characters) and `?`
            (one character). Unique among routing rules.
             Example: claude-sonnet-4.
        strategy (RoutingStrategy): `failover` tries targets in order; `weighted` splits traffic by weight. Example:
            failover.
        targets (list[RoutingTarget]): The targets, in priority order for `failover`.
        retry (RetryPolicy): How often a failed upstream call is retried, and on which statuses. Example: {'attempts':
            2, 'on_status': [429, 503]}.
        enabled (bool): Disabled rules are kept but not rendered.
        created_at (datetime.datetime): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
        updated_at (datetime.datetime): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
        description (str | Unset): What the rule is for.
    """

    rule_id: str
    model: str
    strategy: RoutingStrategy
    targets: list[RoutingTarget]
    retry: RetryPolicy
    enabled: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    description: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        rule_id = self.rule_id

        model = self.model

        strategy: str = self.strategy

        targets = []
        for targets_item_data in self.targets:
            targets_item = targets_item_data.to_dict()
            targets.append(targets_item)

        retry = self.retry.to_dict()

        enabled = self.enabled

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "rule_id": rule_id,
                "model": model,
                "strategy": strategy,
                "targets": targets,
                "retry": retry,
                "enabled": enabled,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.retry_policy import RetryPolicy
        from ..models.routing_target import RoutingTarget

        d = dict(src_dict)
        rule_id = d.pop("rule_id")

        model = d.pop("model")

        strategy = check_routing_strategy(d.pop("strategy"))

        targets = []
        _targets = d.pop("targets")
        for targets_item_data in _targets:
            targets_item = RoutingTarget.from_dict(targets_item_data)

            targets.append(targets_item)

        retry = RetryPolicy.from_dict(d.pop("retry"))

        enabled = d.pop("enabled")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        description = d.pop("description", UNSET)

        routing_rule = cls(
            rule_id=rule_id,
            model=model,
            strategy=strategy,
            targets=targets,
            retry=retry,
            enabled=enabled,
            created_at=created_at,
            updated_at=updated_at,
            description=description,
        )

        routing_rule.additional_properties = d
        return routing_rule

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
