"""Budget periods: calendar months in UTC, named `YYYY-MM`."""

from __future__ import annotations

from datetime import UTC, datetime


def month_of(moment: datetime) -> str:
    """The `YYYY-MM` month (UTC) of an aware datetime."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def month_start(month: str) -> datetime:
    return datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=UTC)


def next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + 1:04d}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"


def month_end(month: str) -> datetime:
    """The first instant of the next month (periods are half-open)."""
    return month_start(next_month(month))


def months_ending(month: str, count: int) -> list[str]:
    """`count` consecutive months ending with `month`, oldest first."""
    year, number = int(month[:4]), int(month[5:7])
    index = year * 12 + number - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]
