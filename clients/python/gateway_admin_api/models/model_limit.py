from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ModelLimit")


@_attrs_define
class ModelLimit:
    """A spend limit for one model within the team's budget.

    Example:
        {'model': 'claude-opus-4-1-20250805', 'amount_usd': '40.00'}

    Attributes:
        model (str): A provider's model id; may contain dots, colons, at signs and dashes. Example: anthropic.claude-
            sonnet-4-20250514-v1:0.
        amount_usd (str): An amount of US dollars as a decimal string with at most 6 decimals. Example: 100.00.
    """

    model: str
    amount_usd: str

    def to_dict(self) -> dict[str, Any]:
        model = self.model

        amount_usd = self.amount_usd

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model": model,
                "amount_usd": amount_usd,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        model = d.pop("model")

        amount_usd = d.pop("amount_usd")

        model_limit = cls(
            model=model,
            amount_usd=amount_usd,
        )

        return model_limit
