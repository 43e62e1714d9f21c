from typing import Literal

ScannerAction = Literal["detect", "mask", "reject"]

SCANNER_ACTION_VALUES: set[ScannerAction] = {
    "detect",
    "mask",
    "reject",
}


def check_scanner_action(value: str) -> ScannerAction:
    if value in SCANNER_ACTION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SCANNER_ACTION_VALUES!r}")
