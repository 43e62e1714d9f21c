from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.budget_period import BudgetPeriod, check_budget_period
from ..models.enforcement import Enforcement, check_enforcement
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.budget_utilisation import BudgetUtilisation
    from ..models.model_limit import ModelLimit


T = TypeVar("T", bound="Budget")


@_attrs_define
class Budget:
    """A team's monthly spend budget, with the current period's utilisation in every answer.

    Example:
        {'budget_id': 'bg_01jd2x3y4z5a6b7c8d9e0f1g2h', 'team_id': 'tm_01jd2x3y4z5a6b7c8d9e0f1g2h', 'amount_usd':
            '100.000000', 'period': 'monthly', 'model_limits': [], 'alert_thresholds': [50, 80, 100], 'enforcement': 'hard',
            'created_at': '2026-11-22T14:05:00Z', 'updated_at': '2026-11-22T14:05:00Z'}

    Attributes:
        budget_id (str): A budget id, assigned by the control plane. Example: bg_01jd2x3y4z5a6b7c8d9e0f1g2h.
        team_id (str): A team id, assigned by the control plane. Example: tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
        amount_usd (str): An amount of US dollars as a decimal string with at most 6 decimals. Example: 100.00.
        period (BudgetPeriod): The budget period; `monthly` is the calendar month in UTC. Example: monthly.
        model_limits (list[ModelLimit]): Per-model limits.
        alert_thresholds (list[int]): Percentages of the budget at which alerts are sent, ascending.
        enforcement (Enforcement): `hard` blocks requests once the budget is spent; `soft` only alerts. Example: hard.
        created_at (datetime.datetime): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
        updated_at (datetime.datetime): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
        utilisation (BudgetUtilisation | Unset): Spend against a budget in one period. `remaining_usd` never goes below
            zero; `spent_usd`
            may exceed `amount_usd` by what requests already in flight cost (see the README).
             Example: {'budget_id': 'bg_01jd2x3y4z5a6b7c8d9e0f1g2h', 'period': '2026-11', 'period_start':
            '2026-11-01T00:00:00Z', 'period_end': '2026-12-01T00:00:00Z', 'amount_usd': '100.000000', 'spent_usd':
            '42.500000', 'remaining_usd': '57.500000', 'percent_used': '42.50', 'enforcement': 'hard', 'exhausted': False,
            'alerted_thresholds': [], 'model_limits': []}.
    """

    budget_id: str
    team_id: str
    amount_usd: str
    period: BudgetPeriod
    model_limits: list[ModelLimit]
    alert_thresholds: list[int]
    enforcement: Enforcement
    created_at: datetime.datetime
    updated_at: datetime.datetime
    utilisation: BudgetUtilisation | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        budget_id = self.budget_id

        team_id = self.team_id

        amount_usd = self.amount_usd

        period: str = self.period

        model_limits = []
        for model_limits_item_data in self.model_limits:
            model_limits_item = model_limits_item_data.to_dict()
            model_limits.append(model_limits_item)

        alert_thresholds = self.alert_thresholds

        enforcement: str = self.enforcement

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        utilisation: dict[str, Any] | Unset = UNSET
        if not isinstance(self.utilisation, Unset):
            utilisation = self.utilisation.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "budget_id": budget_id,
                "team_id": team_id,
                "amount_usd": amount_usd,
                "period": period,
                "model_limits": model_limits,
                "alert_thresholds": alert_thresholds,
                "enforcement": enforcement,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if utilisation is not UNSET:
            field_dict["utilisation"] = utilisation

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.budget_utilisation import BudgetUtilisation
        from ..models.model_limit import ModelLimit

        d = dict(src_dict)
        budget_id = d.pop("budget_id")

        team_id = d.pop("team_id")

        amount_usd = d.pop("amount_usd")

        period = check_budget_period(d.pop("period"))

        model_limits = []
        _model_limits = d.pop("model_limits")
        for model_limits_item_data in _model_limits:
            model_limits_item = ModelLimit.from_dict(model_limits_item_data)

            model_limits.append(model_limits_item)

        alert_thresholds = cast(list[int], d.pop("alert_thresholds"))

        enforcement = check_enforcement(d.pop("enforcement"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        _utilisation = d.pop("utilisation", UNSET)
        utilisation: BudgetUtilisation | Unset
        if isinstance(_utilisation, Unset):
            utilisation = UNSET
        else:
            utilisation = BudgetUtilisation.from_dict(_utilisation)

        budget = cls(
            budget_id=budget_id,
            team_id=team_id,
            amount_usd=amount_usd,
            period=period,
            model_limits=model_limits,
            alert_thresholds=alert_thresholds,
            enforcement=enforcement,
            created_at=created_at,
            updated_at=updated_at,
            utilisation=utilisation,
        )

        budget.additional_properties = d
        return budget

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
