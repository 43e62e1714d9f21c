from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.enforcement import Enforcement, check_enforcement

if TYPE_CHECKING:
    from ..models.model_limit_utilisation import ModelLimitUtilisation


T = TypeVar("T", bound="BudgetUtilisation")


@_attrs_define
class BudgetUtilisation:
    """Spend against a budget in one period. `remaining_usd` never goes below zero; `spent_usd`
    may exceed `amount_usd` by what requests already in flight cost (see the README).

        Example:
            {'budget_id': 'bg_01jd2x3y4z5a6b7c8d9e0f1g2h', 'period': '2026-11', 'period_start': '2026-11-01T00:00:00Z',
                'period_end': '2026-12-01T00:00:00Z', 'amount_usd': '100.000000', 'spent_usd': '42.500000', 'remaining_usd':
                '57.500000', 'percent_used': '42.50', 'enforcement': 'hard', 'exhausted': False, 'alerted_thresholds': [],
                'model_limits': []}

        Attributes:
            budget_id (str): A budget id, assigned by the control plane. Example: bg_01jd2x3y4z5a6b7c8d9e0f1g2h.
            period (str): A calendar month in UTC, `YYYY-MM` (years 2000 to 2999). Example: 2026-11.
            period_start (datetime.datetime): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
            period_end (datetime.datetime): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
            amount_usd (str): An amount of US dollars as a decimal string with at most 6 decimals. Example: 100.00.
            spent_usd (str): An amount of US dollars as a decimal string with at most 6 decimals. Example: 100.00.
            remaining_usd (str): An amount of US dollars as a decimal string with at most 6 decimals. Example: 100.00.
            percent_used (str): A percentage as a decimal string with 2 decimals (may exceed 100). Example: 42.50.
            enforcement (Enforcement): `hard` blocks requests once the budget is spent; `soft` only alerts. Example: hard.
            exhausted (bool): Spent has reached the amount; a `hard` budget now refuses requests.
            alerted_thresholds (list[int]): Thresholds whose alert was already sent this period, ascending.
            model_limits (list[ModelLimitUtilisation]): Spend against each per-model limit.
    """

    budget_id: str
    period: str
    period_start: datetime.datetime
    period_end: datetime.datetime
    amount_usd: str
    spent_usd: str
    remaining_usd: str
    percent_used: str
    enforcement: Enforcement
    exhausted: bool
    alerted_thresholds: list[int]
    model_limits: list[ModelLimitUtilisation]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        budget_id = self.budget_id

        period = self.period

        period_start = self.period_start.isoformat()

        period_end = self.period_end.isoformat()

        amount_usd = self.amount_usd

        spent_usd = self.spent_usd

        remaining_usd = self.remaining_usd

        percent_used = self.percent_used

        enforcement: str = self.enforcement

        exhausted = self.exhausted

        alerted_thresholds = self.alerted_thresholds

        model_limits = []
        for model_limits_item_data in self.model_limits:
            model_limits_item = model_limits_item_data.to_dict()
            model_limits.append(model_limits_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "budget_id": budget_id,
                "period": period,
                "period_start": period_start,
                "period_end": period_end,
                "amount_usd": amount_usd,
                "spent_usd": spent_usd,
                "remaining_usd": remaining_usd,
                "percent_used": percent_used,
                "enforcement": enforcement,
                "exhausted": exhausted,
                "alerted_thresholds": alerted_thresholds,
                "model_limits": model_limits,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.model_limit_utilisation import ModelLimitUtilisation

        d = dict(src_dict)
        budget_id = d.pop("budget_id")

        period = d.pop("period")

        period_start = datetime.datetime.fromisoformat(d.pop("period_start"))

        period_end = datetime.datetime.fromisoformat(d.pop("period_end"))

        amount_usd = d.pop("amount_usd")

        spent_usd = d.pop("spent_usd")

        remaining_usd = d.pop("remaining_usd")

        percent_used = d.pop("percent_used")

        enforcement = check_enforcement(d.pop("enforcement"))

        exhausted = d.pop("exhausted")

        alerted_thresholds = cast(list[int], d.pop("alerted_thresholds"))

        model_limits = []
        _model_limits = d.pop("model_limits")
        for model_limits_item_data in _model_limits:
            model_limits_item = ModelLimitUtilisation.from_dict(model_limits_item_data)

            model_limits.append(model_limits_item)

        budget_utilisation = cls(
            budget_id=budget_id,
            period=period,
            period_start=period_start,
            period_end=period_end,
            amount_usd=amount_usd,
            spent_usd=spent_usd,
            remaining_usd=remaining_usd,
            percent_used=percent_used,
            enforcement=enforcement,
            exhausted=exhausted,
            alerted_thresholds=alerted_thresholds,
            model_limits=model_limits,
        )

        budget_utilisation.additional_properties = d
        return budget_utilisation

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
