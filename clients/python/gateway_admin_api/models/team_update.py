from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.team_status import TeamStatus, check_team_status
from ..models.tier import Tier, check_tier
from ..types import UNSET, Unset

T = TypeVar("T", bound="TeamUpdate")


@_attrs_define
class TeamUpdate:
    """Fields of a team to change; fields not named are left as they are.

    Example:
        {'status': 'suspended'}

    Attributes:
        contact_email (str | Unset): A contact email address. Example: payments-oncall@example.com.
        tier (Tier | Unset): The team's tier; it sets the default monthly budget at registration
            (sandbox 25, standard 100, premium 1000 USD; unlimited none).
             Example: standard.
        status (TeamStatus | Unset): Whether the team may use the gateway. Example: active.
        description (str | Unset): What the team does with the gateway.
        cost_center (str | Unset): The cost centre spend is charged to.
    """

    contact_email: str | Unset = UNSET
    tier: Tier | Unset = UNSET
    status: TeamStatus | Unset = UNSET
    description: str | Unset = UNSET
    cost_center: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        contact_email = self.contact_email

        tier: str | Unset = UNSET
        if not isinstance(self.tier, Unset):
            tier = self.tier

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status

        description = self.description

        cost_center = self.cost_center

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if contact_email is not UNSET:
            field_dict["contact_email"] = contact_email
        if tier is not UNSET:
            field_dict["tier"] = tier
        if status is not UNSET:
            field_dict["status"] = status
        if description is not UNSET:
            field_dict["description"] = description
        if cost_center is not UNSET:
            field_dict["cost_center"] = cost_center

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        contact_email = d.pop("contact_email", UNSET)

        _tier = d.pop("tier", UNSET)
        tier: Tier | Unset
        if isinstance(_tier, Unset):
            tier = UNSET
        else:
            tier = check_tier(_tier)

        _status = d.pop("status", UNSET)
        status: TeamStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = check_team_status(_status)

        description = d.pop("description", UNSET)

        cost_center = d.pop("cost_center", UNSET)

        team_update = cls(
            contact_email=contact_email,
            tier=tier,
            status=status,
            description=description,
            cost_center=cost_center,
        )

        return team_update
