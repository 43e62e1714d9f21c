"""Time, in one place, so tests can pin it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC, to the second (timestamps in the API have no fractions)."""
    return datetime.now(UTC).replace(microsecond=0)


def isoformat(moment: datetime) -> str:
    """RFC 3339 with a `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
