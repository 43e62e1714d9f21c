from typing import Literal

PriceSource = Literal["default", "override"]

PRICE_SOURCE_VALUES: set[PriceSource] = {
    "default",
    "override",
}


def check_price_source(value: str) -> PriceSource:
    if value in PRICE_SOURCE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PRICE_SOURCE_VALUES!r}")
