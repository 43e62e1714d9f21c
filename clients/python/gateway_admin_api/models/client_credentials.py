from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ClientCredentials")


@_attrs_define
class ClientCredentials:
    """A team's OAuth client credentials. The secret is shown only once.

    Example:
        {'client_id': '5b1n1c2f0kq7v3lq9l7c0s1f8e', 'client_secret': '1l0s8c6u9a4t7m2q3n5b0v8c7x6z5a4s3d2f1g0h9j8k7l6',
            'token_endpoint': 'https://auth.example.com/oauth2/token', 'scopes': ['https://gateway.internal/invoke']}

    Attributes:
        client_id (str): The OAuth client id.
        client_secret (str): The OAuth client secret; store it now, it is not shown again.
        token_endpoint (str): Where to exchange the credentials for an access token (client-credentials grant).
        scopes (list[str]): The scopes the client may request.
    """

    client_id: str
    client_secret: str
    token_endpoint: str
    scopes: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        client_id = self.client_id

        client_secret = self.client_secret

        token_endpoint = self.token_endpoint

        scopes = self.scopes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "token_endpoint": token_endpoint,
                "scopes": scopes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        client_id = d.pop("client_id")

        client_secret = d.pop("client_secret")

        token_endpoint = d.pop("token_endpoint")

        scopes = cast(list[str], d.pop("scopes"))

        client_credentials = cls(
            client_id=client_id,
            client_secret=client_secret,
            token_endpoint=token_endpoint,
            scopes=scopes,
        )

        client_credentials.additional_properties = d
        return client_credentials

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
