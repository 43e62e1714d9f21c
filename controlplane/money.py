"""The one money type: `Decimal` US dollars, carried as decimal strings, never floats."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

USD_QUANTUM = Decimal("0.000001")
_DECIMAL_STRING = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,6})?$")


def parse_usd(text: str) -> Decimal:
    """An exact amount from a decimal string such as `"12.5"`; raises ValueError otherwise."""
    if not isinstance(text, str) or not _DECIMAL_STRING.match(text):
        raise ValueError(f"not a decimal string with at most 6 decimals: {text!r}")
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid decimals
        raise ValueError(str(exc)) from exc


def format_usd(amount: Decimal) -> str:
    """The API form of an amount: fixed point, 6 decimals (`"12.500000"`)."""
    if isinstance(amount, float):
        raise TypeError("money must never be a float")
    return str(amount.quantize(USD_QUANTUM, rounding=ROUND_HALF_EVEN))


def normalise_usd(text: str) -> str:
    """Parse then format: the stored and answered form of a decimal string."""
    return format_usd(parse_usd(text))
