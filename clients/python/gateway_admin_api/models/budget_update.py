from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.enforcement import Enforcement, check_enforcement
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.model_limit import ModelLimit


T = TypeVar("T", bound="BudgetUpdate")


@_attrs_define
class BudgetUpdate:
    """Fields of a budget to change; fields not named are left as they are.

    Example:
        {'amount_usd': '500.00'}

    Attributes:
        amount_usd (str | Unset): An amount of US dollars as a decimal string with at most 6 decimals. Example: 100.00.
        model_limits (list[ModelLimit] | Unset): Per-model limits (replaces the whole list); each model at most once.
        alert_thresholds (list[int] | Unset): Percentages of the budget at which alerts are sent (replaces the whole
            list).
        enforcement (Enforcement | Unset): `hard` blocks requests once the budget is spent; `soft` only alerts. Example:
            hard.
    """

    amount_usd: str | Unset = UNSET
    model_limits: list[ModelLimit] | Unset = UNSET
    alert_thresholds: list[int] | Unset = UNSET
    enforcement: Enforcement | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        amount_usd = self.amount_usd

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

        field_dict.update({})
        if amount_usd is not UNSET:
            field_dict["amount_usd"] = amount_usd
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
        amount_usd = d.pop("amount_usd", UNSET)

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

        budget_update = cls(
            amount_usd=amount_usd,
            model_limits=model_limits,
            alert_thresholds=alert_thresholds,
            enforcement=enforcement,
        )

        return budget_update
