from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.price_source import PriceSource, check_price_source
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.long_context_price import LongContextPrice


T = TypeVar("T", bound="Price")


@_attrs_define
class Price:
    """The effective price of one model, in USD per 1M tokens.

    Example:
        {'provider': 'anthropic', 'model': 'claude-sonnet-4-5-20250929', 'input': '3', 'output': '15', 'cache_read':
            '0.3', 'cache_write': '3.75', 'long_context': {'above_tokens': 200000, 'input': '6', 'output': '22.5'},
            'source': 'default'}

    Attributes:
        provider (str): An LLM provider: one of `bedrock`, `anthropic`, `openai`, `gemini`, `vertex`, `azure`.
            Another name is refused with 422.
             Example: bedrock.
        model (str): A provider's model id; may contain dots, colons, at signs and dashes. Example: anthropic.claude-
            sonnet-4-20250514-v1:0.
        input_ (str): A price in US dollars per 1 million tokens, as a decimal string with at most 6 decimals. Example:
            3.75.
        output (str): A price in US dollars per 1 million tokens, as a decimal string with at most 6 decimals. Example:
            3.75.
        source (PriceSource): `default` from the static table shipped with the control plane, `override` set by an
            operator. Example: override.
        cache_read (str | Unset): A price in US dollars per 1 million tokens, as a decimal string with at most 6
            decimals. Example: 3.75.
        cache_write (str | Unset): A price in US dollars per 1 million tokens, as a decimal string with at most 6
            decimals. Example: 3.75.
        long_context (LongContextPrice | Unset): Prices that apply to the whole request when its prompt is longer than
            `above_tokens`
            (e.g. Claude Sonnet above 200k input tokens).
             Example: {'above_tokens': 200000, 'input': '6', 'output': '22.50'}.
        updated_at (datetime.datetime | Unset): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
    """

    provider: str
    model: str
    input_: str
    output: str
    source: PriceSource
    cache_read: str | Unset = UNSET
    cache_write: str | Unset = UNSET
    long_context: LongContextPrice | Unset = UNSET
    updated_at: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider

        model = self.model

        input_ = self.input_

        output = self.output

        source: str = self.source

        cache_read = self.cache_read

        cache_write = self.cache_write

        long_context: dict[str, Any] | Unset = UNSET
        if not isinstance(self.long_context, Unset):
            long_context = self.long_context.to_dict()

        updated_at: str | Unset = UNSET
        if not isinstance(self.updated_at, Unset):
            updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "provider": provider,
                "model": model,
                "input": input_,
                "output": output,
                "source": source,
            }
        )
        if cache_read is not UNSET:
            field_dict["cache_read"] = cache_read
        if cache_write is not UNSET:
            field_dict["cache_write"] = cache_write
        if long_context is not UNSET:
            field_dict["long_context"] = long_context
        if updated_at is not UNSET:
            field_dict["updated_at"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.long_context_price import LongContextPrice

        d = dict(src_dict)
        provider = d.pop("provider")

        model = d.pop("model")

        input_ = d.pop("input")

        output = d.pop("output")

        source = check_price_source(d.pop("source"))

        cache_read = d.pop("cache_read", UNSET)

        cache_write = d.pop("cache_write", UNSET)

        _long_context = d.pop("long_context", UNSET)
        long_context: LongContextPrice | Unset
        if isinstance(_long_context, Unset):
            long_context = UNSET
        else:
            long_context = LongContextPrice.from_dict(_long_context)

        _updated_at = d.pop("updated_at", UNSET)
        updated_at: datetime.datetime | Unset
        if isinstance(_updated_at, Unset):
            updated_at = UNSET
        else:
            updated_at = datetime.datetime.fromisoformat(_updated_at)

        price = cls(
            provider=provider,
            model=model,
            input_=input_,
            output=output,
            source=source,
            cache_read=cache_read,
            cache_write=cache_write,
            long_context=long_context,
            updated_at=updated_at,
        )

        price.additional_properties = d
        return price

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
