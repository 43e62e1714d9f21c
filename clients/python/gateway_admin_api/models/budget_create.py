from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.budget_period import BudgetPeriod, check_budget_period
from ..models.enforcement import Enforcement, check_enforcement
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.model_limit import ModelLimit


T = TypeVar("T", bound="BudgetCreate")


@_attrs_define
class BudgetCreate:
    """A team's budget to create.

    Example:
        {'team_id': 'tm_01jd2x3y4z5a6b7c8d9e0f1g2h', 'amount_usd': '250.00', 'period': 'monthly', 'model_limits':
            [{'model': 'claude-opus-4-1-20250805', 'amount_usd': '100.00'}], 'alert_thresholds': [50, 80, 100],
            'enforcement': 'hard'}

    Attributes:
        team_id (str): A team id, assigned by the control plane. Example: tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
        amount_usd (str): An amount of US dollars as a decimal string with at most 6 decimals. Example: 100.00.
        period (BudgetPeriod | Unset): The budget period; `monthly` is the calendar month in UTC. Example: monthly.
        model_limits (list[ModelLimit] | Unset): Per-model limits; each model at most once.
        alert_thresholds (list[int] | Unset): Percentages of the budget at which alerts are sent (default 50, 80, 100).
        enforcement (Enforcement | Unset): `hard` blocks requests once the budget is spent; `soft` only alerts. Example:
            hard.
    """

    team_id: str
    amount_usd: str
    period: BudgetPeriod | Unset = UNSET
    model_limits: list[ModelLimit] | Unset = UNSET
    alert_thresholds: list[int] | Unset = UNSET
    enforcement: Enforcement | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        team_id = self.team_id

        amount_usd = self.amount_usd

        period: str | Unset = UNSET
        if not isinstance(self.period, Unset):
            period = self.period

        model_limits: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.model_limits, Unset):
            model_limits = []
            for model_limits_item_data in self.model_limits:
                model_limits_item = model_limits_item_data.to_dict()
                model_limits.append(model_limits_item)

        alert_thresholds: list[int] | Unset = UNSET
        if not isinstance(self.alert_thresholds, Unset):
            alert_thresholds = self.alert_thresholds

        enforcement: str | Unset = UNSET
        if not isinstance(self.enforcement, Unset):
            enforcement = self.enforcement

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "team_id": team_id,
                "amount_usd": amount_usd,
            }
        )
        if period is not UNSET:
            field_dict["period"] = period
        if model_limits is not UNSET:
            field_dict["model_limits"] = model_limits
        if alert_thresholds is not UNSET:
            field_dict["alert_thresholds"] = alert_thresholds
        if enforcement is not UNSET:
            field_dict["enforcement"] = enforcement

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.model_limit import ModelLimit

        d = dict(src_dict)
        team_id = d.pop("team_id")

        amount_usd = d.pop("amount_usd")

        _period = d.pop("period", UNSET)
        period: BudgetPeriod | Unset
        if isinstance(_period, Unset):
            period = UNSET
        else:
            period = check_budget_period(_period)

        _model_limits = d.pop("model_limits", UNSET)
        model_limits: list[ModelLimit] | Unset = UNSET
        if _model_limits is not UNSET:
            model_limits = []
            for model_limits_item_data in _model_limits:
                model_limits_item = ModelLimit.from_dict(model_limits_item_data)

                model_limits.append(model_limits_item)

        alert_thresholds = cast(list[int], d.pop("alert_thresholds", UNSET))

        _enforcement = d.pop("enforcement", UNSET)
        enforcement: Enforcement | Unset
        if isinstance(_enforcement, Unset):
            enforcement = UNSET
        else:
            enforcement = check_enforcement(_enforcement)

        budget_create = cls(
            team_id=team_id,
            amount_usd=amount_usd,
            period=period,
            model_limits=model_limits,
            alert_thresholds=alert_thresholds,
            enforcement=enforcement,
        )

        return budget_create
