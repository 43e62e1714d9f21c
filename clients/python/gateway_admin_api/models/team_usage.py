from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.budget_utilisation import BudgetUtilisation
    from ..models.model_usage import ModelUsage
    from ..models.usage_totals import UsageTotals


T = TypeVar("T", bound="TeamUsage")


@_attrs_define
class TeamUsage:
    """A team's usage in one period, its budget's utilisation (absent when the team has no
    budget) and the per-model breakdown.

        Example:
            {'team_id': 'tm_01jd2x3y4z5a6b7c8d9e0f1g2h', 'period': '2026-11', 'period_start': '2026-11-01T00:00:00Z',
                'period_end': '2026-12-01T00:00:00Z', 'totals': {'requests': 0, 'input_tokens': 0, 'output_tokens': 0,
                'cache_read_tokens': 0, 'cache_write_tokens': 0, 'cost_usd': '0.000000', 'unpriced_requests': 0}, 'models': []}

        Attributes:
            team_id (str): A team id, or `unattributed` for usage whose client matched no team. Example:
                tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
            period (str): A calendar month in UTC, `YYYY-MM` (years 2000 to 2999). Example: 2026-11.
            period_start (datetime.datetime): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
            period_end (datetime.datetime): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
            totals (UsageTotals): Requests, tokens and cost. `input_tokens` are fresh (uncached) prompt tokens; cache reads
                and writes are counted apart, so no token is counted twice. `unpriced_requests` were
                served by a model without a price: their tokens are counted, their cost is not.
                 Example: {'requests': 120, 'input_tokens': 48000, 'output_tokens': 9100, 'cache_read_tokens': 310000,
                'cache_write_tokens': 12000, 'cost_usd': '0.474000', 'unpriced_requests': 0}.
            models (list[ModelUsage]): Usage per model, highest cost first.
            budget (BudgetUtilisation | Unset): Spend against a budget in one period. `remaining_usd` never goes below zero;
                `spent_usd`
                may exceed `amount_usd` by what requests already in flight cost (see the README).
                 Example: {'budget_id': 'bg_01jd2x3y4z5a6b7c8d9e0f1g2h', 'period': '2026-11', 'period_start':
                '2026-11-01T00:00:00Z', 'period_end': '2026-12-01T00:00:00Z', 'amount_usd': '100.000000', 'spent_usd':
                '42.500000', 'remaining_usd': '57.500000', 'percent_used': '42.50', 'enforcement': 'hard', 'exhausted': False,
                'alerted_thresholds': [], 'model_limits': []}.
    """

    team_id: str
    period: str
    period_start: datetime.datetime
    period_end: datetime.datetime
    totals: UsageTotals
    models: list[ModelUsage]
    budget: BudgetUtilisation | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        team_id = self.team_id

        period = self.period

        period_start = self.period_start.isoformat()

        period_end = self.period_end.isoformat()

        totals = self.totals.to_dict()

        models = []
        for models_item_data in self.models:
            models_item = models_item_data.to_dict()
            models.append(models_item)

        budget: dict[str, Any] | Unset = UNSET
        if not isinstance(self.budget, Unset):
            budget = self.budget.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "team_id": team_id,
                "period": period,
                "period_start": period_start,
                "period_end": period_end,
                "totals": totals,
                "models": models,
            }
        )
        if budget is not UNSET:
            field_dict["budget"] = budget

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.budget_utilisation import BudgetUtilisation
        from ..models.model_usage import ModelUsage
        from ..models.usage_totals import UsageTotals

        d = dict(src_dict)
        team_id = d.pop("team_id")

        period = d.pop("period")

        period_start = datetime.datetime.fromisoformat(d.pop("period_start"))

        period_end = datetime.datetime.fromisoformat(d.pop("period_end"))

        totals = UsageTotals.from_dict(d.pop("totals"))

        models = []
        _models = d.pop("models")
        for models_item_data in _models:
            models_item = ModelUsage.from_dict(models_item_data)

            models.append(models_item)

        _budget = d.pop("budget", UNSET)
        budget: BudgetUtilisation | Unset
        if isinstance(_budget, Unset):
            budget = UNSET
        else:
            budget = BudgetUtilisation.from_dict(_budget)

        team_usage = cls(
            team_id=team_id,
            period=period,
            period_start=period_start,
            period_end=period_end,
            totals=totals,
            models=models,
            budget=budget,
        )

        team_usage.additional_properties = d
        return team_usage

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
