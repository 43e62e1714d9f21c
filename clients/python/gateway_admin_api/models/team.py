from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.team_status import TeamStatus, check_team_status
from ..models.tier import Tier, check_tier
from ..types import UNSET, Unset

T = TypeVar("T", bound="Team")


@_attrs_define
class Team:
    """A registered team.

    Example:
        {'team_id': 'tm_01jd2x3y4z5a6b7c8d9e0f1g2h', 'name': 'payments-platform', 'contact_email': 'payments-
            oncall@example.com', 'tier': 'standard', 'status': 'active', 'description': 'Coding agents of the payments
            team', 'cost_center': 'CC-4410', 'client_id': '5b1n1c2f0kq7v3lq9l7c0s1f8e', 'created_at':
            '2026-11-22T14:05:00Z', 'updated_at': '2026-11-22T14:05:00Z'}

    Attributes:
        team_id (str): A team id, assigned by the control plane. Example: tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
        name (str): A lowercase slug, unique among teams. Example: payments-platform.
        contact_email (str): A contact email address. Example: payments-oncall@example.com.
        tier (Tier): The team's tier; it sets the default monthly budget at registration
            (sandbox 25, standard 100, premium 1000 USD; unlimited none).
             Example: standard.
        status (TeamStatus): Whether the team may use the gateway. Example: active.
        client_id (str): The team's OAuth client id.
        created_at (datetime.datetime): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
        updated_at (datetime.datetime): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
        description (str | Unset): What the team does with the gateway.
        cost_center (str | Unset): The cost centre spend is charged to.
    """

    team_id: str
    name: str
    contact_email: str
    tier: Tier
    status: TeamStatus
    client_id: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    description: str | Unset = UNSET
    cost_center: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        team_id = self.team_id

        name = self.name

        contact_email = self.contact_email

        tier: str = self.tier

        status: str = self.status

        client_id = self.client_id

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        description = self.description

        cost_center = self.cost_center

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "team_id": team_id,
                "name": name,
                "contact_email": contact_email,
                "tier": tier,
                "status": status,
                "client_id": client_id,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if cost_center is not UNSET:
            field_dict["cost_center"] = cost_center

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        team_id = d.pop("team_id")

        name = d.pop("name")

        contact_email = d.pop("contact_email")

        tier = check_tier(d.pop("tier"))

        status = check_team_status(d.pop("status"))

        client_id = d.pop("client_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        description = d.pop("description", UNSET)

        cost_center = d.pop("cost_center", UNSET)

        team = cls(
            team_id=team_id,
            name=name,
            contact_email=contact_email,
            tier=tier,
            status=status,
            client_id=client_id,
            created_at=created_at,
            updated_at=updated_at,
            description=description,
            cost_center=cost_center,
        )

        team.additional_properties = d
        return team

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
