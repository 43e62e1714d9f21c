from typing import Literal

TeamStatus = Literal["active", "suspended"]

TEAM_STATUS_VALUES: set[TeamStatus] = {
    "active",
    "suspended",
}


def check_team_status(value: str) -> TeamStatus:
    if value in TEAM_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TEAM_STATUS_VALUES!r}")
