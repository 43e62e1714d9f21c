from typing import Literal

AppliesToMode = Literal["all", "teams"]

APPLIES_TO_MODE_VALUES: set[AppliesToMode] = {
    "all",
    "teams",
}


def check_applies_to_mode(value: str) -> AppliesToMode:
    if value in APPLIES_TO_MODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {APPLIES_TO_MODE_VALUES!r}")
