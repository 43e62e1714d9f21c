from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.tier import Tier, check_tier
from ..types import UNSET, Unset

T = TypeVar("T", bound="TeamCreate")


@_attrs_define
class TeamCreate:
    """A team to register.

    Example:
        {'name': 'payments-platform', 'contact_email': 'payments-oncall@example.com', 'tier': 'standard', 'description':
            'Coding agents of the payments team', 'cost_center': 'CC-4410'}

    Attributes:
        name (str): A lowercase slug, unique among teams. Example: payments-platform.
        contact_email (str): A contact email address. Example: payments-oncall@example.com.
        tier (Tier): The team's tier; it sets the default monthly budget at registration
            (sandbox 25, standard 100, premium 1000 USD; unlimited none).
             Example: standard.
        description (str | Unset): What the team does with the gateway.
        cost_center (str | Unset): The cost centre spend is charged to.
    """

    name: str
    contact_email: str
    tier: Tier
    description: str | Unset = UNSET
    cost_center: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        contact_email = self.contact_email

        tier: str = self.tier

        description = self.description

        cost_center = self.cost_center

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "contact_email": contact_email,
                "tier": tier,
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
        name = d.pop("name")

        contact_email = d.pop("contact_email")

        tier = check_tier(d.pop("tier"))

        description = d.pop("description", UNSET)

        cost_center = d.pop("cost_center", UNSET)

        team_create = cls(
            name=name,
            contact_email=contact_email,
            tier=tier,
            description=description,
            cost_center=cost_center,
        )

        return team_create
