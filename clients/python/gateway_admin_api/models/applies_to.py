from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.applies_to_mode import AppliesToMode, check_applies_to_mode
from ..types import UNSET, Unset

T = TypeVar("T", bound="AppliesTo")


@_attrs_define
class AppliesTo:
    """Which teams a policy applies to.

    Example:
        {'mode': 'teams', 'team_ids': ['tm_01jd2x3y4z5a6b7c8d9e0f1g2h']}

    Attributes:
        mode (AppliesToMode): `all` teams, or only the `teams` listed. Example: teams.
        team_ids (list[str] | Unset): The teams, when `mode` is `teams` (at least one); empty when `mode` is `all`.
    """

    mode: AppliesToMode
    team_ids: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        mode: str = self.mode

        team_ids: list[str] | Unset = UNSET
        if not isinstance(self.team_ids, Unset):
            team_ids = self.team_ids

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "mode": mode,
            }
        )
        if team_ids is not UNSET:
            field_dict["team_ids"] = team_ids

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        mode = check_applies_to_mode(d.pop("mode"))

        team_ids = cast(list[str], d.pop("team_ids", UNSET))

        applies_to = cls(
            mode=mode,
            team_ids=team_ids,
        )

        return applies_to
