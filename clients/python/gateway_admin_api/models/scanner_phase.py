from typing import Literal

ScannerPhase = Literal["both", "request", "response"]

SCANNER_PHASE_VALUES: set[ScannerPhase] = {
    "both",
    "request",
    "response",
}


def check_scanner_phase(value: str) -> ScannerPhase:
    if value in SCANNER_PHASE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SCANNER_PHASE_VALUES!r}")
