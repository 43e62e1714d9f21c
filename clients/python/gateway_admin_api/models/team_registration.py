from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.client_credentials import ClientCredentials
    from ..models.team import Team


T = TypeVar("T", bound="TeamRegistration")


@_attrs_define
class TeamRegistration:
    """A newly registered team and its client credentials.

    Example:
        {'team': {'team_id': 'tm_01jd2x3y4z5a6b7c8d9e0f1g2h', 'name': 'payments-platform', 'contact_email': 'payments-
            oncall@example.com', 'tier': 'standard', 'status': 'active', 'client_id': '5b1n1c2f0kq7v3lq9l7c0s1f8e',
            'created_at': '2026-11-22T14:05:00Z', 'updated_at': '2026-11-22T14:05:00Z'}, 'credentials': {'client_id':
            '5b1n1c2f0kq7v3lq9l7c0s1f8e', 'client_secret': '1l0s8c6u9a4t7m2q3n5b0v8c7x6z5a4s3d2f1g0h9j8k7l6',
            'token_endpoint': 'https://auth.example.com/oauth2/token', 'scopes': ['https://gateway.internal/invoke']},
            'budget_id': 'bg_01jd2x3y4z5a6b7c8d9e0f1g2h'}

    Attributes:
        team (Team): A registered team. Example: {'team_id': 'tm_01jd2x3y4z5a6b7c8d9e0f1g2h', 'name': 'payments-
            platform', 'contact_email': 'payments-oncall@example.com', 'tier': 'standard', 'status': 'active',
            'description': 'Coding agents of the payments team', 'cost_center': 'CC-4410', 'client_id':
            '5b1n1c2f0kq7v3lq9l7c0s1f8e', 'created_at': '2026-11-22T14:05:00Z', 'updated_at': '2026-11-22T14:05:00Z'}.
        credentials (ClientCredentials): A team's OAuth client credentials. The secret is shown only once. Example:
            {'client_id': '5b1n1c2f0kq7v3lq9l7c0s1f8e', 'client_secret': '1l0s8c6u9a4t7m2q3n5b0v8c7x6z5a4s3d2f1g0h9j8k7l6',
            'token_endpoint': 'https://auth.example.com/oauth2/token', 'scopes': ['https://gateway.internal/invoke']}.
        budget_id (str | Unset): A budget id, assigned by the control plane. Example: bg_01jd2x3y4z5a6b7c8d9e0f1g2h.
    """

    team: Team
    credentials: ClientCredentials
    budget_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        team = self.team.to_dict()

        credentials = self.credentials.to_dict()

        budget_id = self.budget_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "team": team,
                "credentials": credentials,
            }
        )
        if budget_id is not UNSET:
            field_dict["budget_id"] = budget_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.client_credentials import ClientCredentials
        from ..models.team import Team

        d = dict(src_dict)
        team = Team.from_dict(d.pop("team"))

        credentials = ClientCredentials.from_dict(d.pop("credentials"))

        budget_id = d.pop("budget_id", UNSET)

        team_registration = cls(
            team=team,
            credentials=credentials,
            budget_id=budget_id,
        )

        team_registration.additional_properties = d
        return team_registration

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
