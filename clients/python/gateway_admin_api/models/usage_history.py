from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.month_usage import MonthUsage


T = TypeVar("T", bound="UsageHistory")


@_attrs_define
class UsageHistory:
    """A team's monthly totals, oldest first, months without usage as zeros.

    Example:
        {'team_id': 'tm_01jd2x3y4z5a6b7c8d9e0f1g2h', 'months': []}

    Attributes:
        team_id (str): A team id, or `unattributed` for usage whose client matched no team. Example:
            tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
        months (list[MonthUsage]): One entry per month, oldest first, ending with the current month.
    """

    team_id: str
    months: list[MonthUsage]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        team_id = self.team_id

        months = []
        for months_item_data in self.months:
            months_item = months_item_data.to_dict()
            months.append(months_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "team_id": team_id,
                "months": months,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.month_usage import MonthUsage

        d = dict(src_dict)
        team_id = d.pop("team_id")

        months = []
        _months = d.pop("months")
        for months_item_data in _months:
            months_item = MonthUsage.from_dict(months_item_data)

            months.append(months_item)

        usage_history = cls(
            team_id=team_id,
            months=months,
        )

        usage_history.additional_properties = d
        return usage_history

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
