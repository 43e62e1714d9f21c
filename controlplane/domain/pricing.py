"""Prices: static defaults shipped with the code, overridden by operators.

A price is USD per 1M tokens for input, output and (where charged) cache read and cache write,
with an optional long-context tier. Values are decimal strings normalised to 6 decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from controlplane.money import normalise_usd

PRICE_FIELDS = ("input", "output", "cache_read", "cache_write")


@dataclass(frozen=True, order=True)
class PriceKey:
    provider: str
    model: str

    @property
    def sort_key(self) -> str:
        return f"{self.provider}#{self.model}"


def normalise_price(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A price entry with its money fields normalised (`"3"` → `"3.000000"`)."""
    out: dict[str, Any] = {}
    for name in PRICE_FIELDS:
        if entry.get(name) is not None:
            out[name] = normalise_usd(entry[name])
    if entry.get("long_context") is not None:
        tier = entry["long_context"]
        out["long_context"] = {"above_tokens": int(tier["above_tokens"])} | {
            name: normalise_usd(tier[name]) for name in PRICE_FIELDS if tier.get(name) is not None
        }
    return out


def effective_prices(
    defaults: Mapping[PriceKey, dict[str, Any]],
    overrides: Mapping[PriceKey, dict[str, Any]],
) -> list[tuple[PriceKey, dict[str, Any], str]]:
    """Every price, override winning over default, as (key, price, source), sorted by key."""
    merged: dict[PriceKey, tuple[dict[str, Any], str]] = {
        key: (price, "default") for key, price in defaults.items()
    }
    for key, price in overrides.items():
        merged[key] = (price, "override")
    return [(key, price, source) for key, (price, source) in sorted(merged.items())]
