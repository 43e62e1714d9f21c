"""The static default price table shipped with the control plane (see PRICES.md)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from controlplane.domain.pricing import PriceKey, normalise_price


@cache
def default_prices() -> dict[PriceKey, dict[str, Any]]:
    """The static table, keyed by (provider, model), values normalised; read once."""
    raw = resources.files(__package__).joinpath("default_prices.json").read_text()
    table: dict[PriceKey, dict[str, Any]] = {}
    for entry in json.loads(raw)["prices"]:
        key = PriceKey(entry["provider"], entry["model"])
        if key in table:
            raise ValueError(f"the default price table lists {key} twice")
        table[key] = normalise_price(entry)
    return table
