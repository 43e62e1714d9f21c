"""The static default price table shipped with the control plane (see PRICES.md)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from controlplane.domain.pricing import PriceKey, normalise_price
from controlplane.store.repositories import Collection
from generated.models import Price


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


def override_table(overrides: Collection[Price]) -> dict[PriceKey, dict[str, Any]]:
    """Every operator override in the store, keyed by (provider, model)."""
    return {
        PriceKey(price.provider, price.model): price.model_dump(
            exclude_none=True, exclude={"provider", "model", "source"}
        )
        for price in overrides.all()
    }


def effective_table(overrides: Collection[Price]) -> dict[PriceKey, dict[str, Any]]:
    """The price of every known model: the override where there is one, else the default."""
    return {**default_prices(), **override_table(overrides)}
