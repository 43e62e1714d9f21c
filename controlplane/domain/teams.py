"""Team rules: the default budget a tier brings."""

from __future__ import annotations

from decimal import Decimal

TIER_MONTHLY_BUDGET_USD: dict[str, Decimal | None] = {
    "sandbox": Decimal(25),
    "standard": Decimal(100),
    "premium": Decimal(1000),
    "unlimited": None,
}

DEFAULT_ALERT_THRESHOLDS = (50, 80, 100)


def default_budget_usd(tier: str) -> Decimal | None:
    """The monthly budget a team of this tier starts with; None for no budget."""
    return TIER_MONTHLY_BUDGET_USD[tier]
