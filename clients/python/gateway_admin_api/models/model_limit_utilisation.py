from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ModelLimitUtilisation")


@_attrs_define
class ModelLimitUtilisation:
    """Spend against one per-model limit of the budget.

    Example:
        {'model': 'claude-opus-4-1-20250805', 'amount_usd': '40.000000', 'spent_usd': '12.500000', 'remaining_usd':
            '27.500000', 'percent_used': '31.25', 'exhausted': False}

    Attributes:
        model (str): A provider's model id; may contain dots, colons, at signs and dashes. Example: anthropic.claude-
            sonnet-4-20250514-v1:0.
        amount_usd (str): An amount of US dollars as a decimal string with at most 6 decimals. Example: 100.00.
        spent_usd (str): An amount of US dollars as a decimal string with at most 6 decimals. Example: 100.00.
        remaining_usd (str): An amount of US dollars as a decimal string with at most 6 decimals. Example: 100.00.
        percent_used (str): A percentage as a decimal string with 2 decimals (may exceed 100). Example: 42.50.
        exhausted (bool): Spent has reached the limit; requests for this model are refused (hard budgets).
    """

    model: str
    amount_usd: str
    spent_usd: str
    remaining_usd: str
    percent_used: str
    exhausted: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model = self.model

        amount_usd = self.amount_usd

        spent_usd = self.spent_usd

        remaining_usd = self.remaining_usd

        percent_used = self.percent_used

        exhausted = self.exhausted

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "amount_usd": amount_usd,
                "spent_usd": spent_usd,
                "remaining_usd": remaining_usd,
                "percent_used": percent_used,
                "exhausted": exhausted,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        model = d.pop("model")

        amount_usd = d.pop("amount_usd")

        spent_usd = d.pop("spent_usd")

        remaining_usd = d.pop("remaining_usd")

        percent_used = d.pop("percent_used")

        exhausted = d.pop("exhausted")

        model_limit_utilisation = cls(
            model=model,
            amount_usd=amount_usd,
            spent_usd=spent_usd,
            remaining_usd=remaining_usd,
            percent_used=percent_used,
            exhausted=exhausted,
        )

        model_limit_utilisation.additional_properties = d
        return model_limit_utilisation

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
