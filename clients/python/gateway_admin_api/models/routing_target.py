from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RoutingTarget")


@_attrs_define
class RoutingTarget:
    """One provider model that a rule routes to.

    Example:
        {'provider': 'bedrock', 'model': 'anthropic.claude-sonnet-4-20250514-v1:0', 'region': 'us-east-1'}

    Attributes:
        provider (str): An LLM provider: one of `bedrock`, `anthropic`, `openai`, `gemini`, `vertex`, `azure`.
            Another name is refused with 422.
             Example: bedrock.
        model (str): A provider's model id; may contain dots, colons, at signs and dashes. Example: anthropic.claude-
            sonnet-4-20250514-v1:0.
        region (str | Unset): The provider region; required for `bedrock` and `vertex`. Example: us-east-1.
        weight (int | Unset): Share of traffic for `weighted` rules (required there, refused for `failover`).
    """

    provider: str
    model: str
    region: str | Unset = UNSET
    weight: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider

        model = self.model

        region = self.region

        weight = self.weight

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "provider": provider,
                "model": model,
            }
        )
        if region is not UNSET:
            field_dict["region"] = region
        if weight is not UNSET:
            field_dict["weight"] = weight

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        provider = d.pop("provider")

        model = d.pop("model")

        region = d.pop("region", UNSET)

        weight = d.pop("weight", UNSET)

        routing_target = cls(
            provider=provider,
            model=model,
            region=region,
            weight=weight,
        )

        return routing_target
