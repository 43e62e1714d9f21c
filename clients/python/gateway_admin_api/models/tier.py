from typing import Literal

Tier = Literal["premium", "sandbox", "standard", "unlimited"]

TIER_VALUES: set[Tier] = {
    "premium",
    "sandbox",
    "standard",
    "unlimited",
}


def check_tier(value: str) -> Tier:
    if value in TIER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TIER_VALUES!r}")
