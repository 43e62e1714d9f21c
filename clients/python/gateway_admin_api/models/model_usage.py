from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ModelUsage")


@_attrs_define
class ModelUsage:
    """The usage of one model, with the provider that served it.

    Example:
        {'provider': 'bedrock', 'model': 'anthropic.claude-sonnet-4-20250514-v1:0', 'requests': 120, 'input_tokens':
            48000, 'output_tokens': 9100, 'cache_read_tokens': 310000, 'cache_write_tokens': 12000, 'cost_usd': '0.474000',
            'unpriced_requests': 0}

    Attributes:
        provider (str): The provider that served the requests.
        model (str): The provider's model id that served (and priced) the requests.
        requests (int): A number of tokens or requests. Example: 1200.
        input_tokens (int): A number of tokens or requests. Example: 1200.
        output_tokens (int): A number of tokens or requests. Example: 1200.
        cache_read_tokens (int): A number of tokens or requests. Example: 1200.
        cache_write_tokens (int): A number of tokens or requests. Example: 1200.
        cost_usd (str): An amount of US dollars as a decimal string with at most 6 decimals. Example: 100.00.
        unpriced_requests (int): A number of tokens or requests. Example: 1200.
    """

    provider: str
    model: str
    requests: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: str
    unpriced_requests: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider

        model = self.model

        requests = self.requests

        input_tokens = self.input_tokens

        output_tokens = self.output_tokens

        cache_read_tokens = self.cache_read_tokens

        cache_write_tokens = self.cache_write_tokens

        cost_usd = self.cost_usd

        unpriced_requests = self.unpriced_requests

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "provider": provider,
                "model": model,
                "requests": requests,
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "cache_read_tokens": cache_read_tokens,
                "cache_write_tokens": cache_write_tokens,
                "cost_usd": cost_usd,
                "unpriced_requests": unpriced_requests,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        provider = d.pop("provider")

        model = d.pop("model")

        requests = d.pop("requests")

        input_tokens = d.pop("input_tokens")

        output_tokens = d.pop("output_tokens")

        cache_read_tokens = d.pop("cache_read_tokens")

        cache_write_tokens = d.pop("cache_write_tokens")

        cost_usd = d.pop("cost_usd")

        unpriced_requests = d.pop("unpriced_requests")

        model_usage = cls(
            provider=provider,
            model=model,
            requests=requests,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cache_read_tokens=cache_read_tokens,
            cache_write_tokens=cache_write_tokens,
            cost_usd=cost_usd,
            unpriced_requests=unpriced_requests,
        )

        model_usage.additional_properties = d
        return model_usage

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
