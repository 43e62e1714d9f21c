from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.long_context_price import LongContextPrice


T = TypeVar("T", bound="PriceOverride")


@_attrs_define
class PriceOverride:
    """An operator's price for one model, in USD per 1M tokens.

    Example:
        {'input': '3', 'output': '15', 'cache_read': '0.30', 'cache_write': '3.75', 'long_context': {'above_tokens':
            200000, 'input': '6', 'output': '22.50'}}

    Attributes:
        input_ (str): A price in US dollars per 1 million tokens, as a decimal string with at most 6 decimals. Example:
            3.75.
        output (str): A price in US dollars per 1 million tokens, as a decimal string with at most 6 decimals. Example:
            3.75.
        cache_read (str | Unset): A price in US dollars per 1 million tokens, as a decimal string with at most 6
            decimals. Example: 3.75.
        cache_write (str | Unset): A price in US dollars per 1 million tokens, as a decimal string with at most 6
            decimals. Example: 3.75.
        long_context (LongContextPrice | Unset): Prices that apply to the whole request when its prompt is longer than
            `above_tokens`
            (e.g. Claude Sonnet above 200k input tokens).
             Example: {'above_tokens': 200000, 'input': '6', 'output': '22.50'}.
    """

    input_: str
    output: str
    cache_read: str | Unset = UNSET
    cache_write: str | Unset = UNSET
    long_context: LongContextPrice | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        input_ = self.input_

        output = self.output

        cache_read = self.cache_read

        cache_write = self.cache_write

        long_context: dict[str, Any] | Unset = UNSET
        if not isinstance(self.long_context, Unset):
            long_context = self.long_context.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "input": input_,
                "output": output,
            }
        )
        if cache_read is not UNSET:
            field_dict["cache_read"] = cache_read
        if cache_write is not UNSET:
            field_dict["cache_write"] = cache_write
        if long_context is not UNSET:
            field_dict["long_context"] = long_context

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.long_context_price import LongContextPrice

        d = dict(src_dict)
        input_ = d.pop("input")

        output = d.pop("output")

        cache_read = d.pop("cache_read", UNSET)

        cache_write = d.pop("cache_write", UNSET)

        _long_context = d.pop("long_context", UNSET)
        long_context: LongContextPrice | Unset
        if isinstance(_long_context, Unset):
            long_context = UNSET
        else:
            long_context = LongContextPrice.from_dict(_long_context)

        price_override = cls(
            input_=input_,
            output=output,
            cache_read=cache_read,
            cache_write=cache_write,
            long_context=long_context,
        )

        return price_override
