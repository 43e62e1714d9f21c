from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="LongContextPrice")


@_attrs_define
class LongContextPrice:
    """Prices that apply to the whole request when its prompt is longer than `above_tokens`
    (e.g. Claude Sonnet above 200k input tokens).

        Example:
            {'above_tokens': 200000, 'input': '6', 'output': '22.50'}

        Attributes:
            above_tokens (int): Prompt size (input tokens, cached included) above which these prices apply.
            input_ (str): A price in US dollars per 1 million tokens, as a decimal string with at most 6 decimals. Example:
                3.75.
            output (str): A price in US dollars per 1 million tokens, as a decimal string with at most 6 decimals. Example:
                3.75.
            cache_read (str | Unset): A price in US dollars per 1 million tokens, as a decimal string with at most 6
                decimals. Example: 3.75.
            cache_write (str | Unset): A price in US dollars per 1 million tokens, as a decimal string with at most 6
                decimals. Example: 3.75.
    """

    above_tokens: int
    input_: str
    output: str
    cache_read: str | Unset = UNSET
    cache_write: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        above_tokens = self.above_tokens

        input_ = self.input_

        output = self.output

        cache_read = self.cache_read

        cache_write = self.cache_write

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "above_tokens": above_tokens,
                "input": input_,
                "output": output,
            }
        )
        if cache_read is not UNSET:
            field_dict["cache_read"] = cache_read
        if cache_write is not UNSET:
            field_dict["cache_write"] = cache_write

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        above_tokens = d.pop("above_tokens")

        input_ = d.pop("input")

        output = d.pop("output")

        cache_read = d.pop("cache_read", UNSET)

        cache_write = d.pop("cache_write", UNSET)

        long_context_price = cls(
            above_tokens=above_tokens,
            input_=input_,
            output=output,
            cache_read=cache_read,
            cache_write=cache_write,
        )

        return long_context_price
