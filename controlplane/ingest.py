"""Usage ingestion: agentgateway access-log lines → priced aggregates → the ledger, exactly once.

One `ingest_batch` call is one batch: parse, price and aggregate the lines in memory
(`domain.usage`), then apply one atomic increment per (team, model, month) aggregate with the
batch id recorded in the same transaction (`store.usage.UsageLedger.apply`), then send the
budget alerts the new spend makes due. Both sources use it: the CloudWatch Logs subscription
Lambda (`handlers/usage_ingest.py`) and `gatewayctl usage ingest`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from controlplane.alerts import BudgetAlert, send_due_alerts
from controlplane.clock import isoformat
from controlplane.domain.costs import Rates, rates_from_price
from controlplane.domain.pricing import PriceKey
from controlplane.domain.usage import UNATTRIBUTED, AggregatedUsage, UsageAggregator
from controlplane.metrics import record_ingested_batch
from controlplane.money import parse_usd
from controlplane.pricing import effective_table
from controlplane.services import Services
from controlplane.store.usage import ApplyResult, UsageIncrement

log = logging.getLogger("controlplane.ingest")

UNPRICED_LOG_FIELD = "unpriced_models"
"""The log record attribute of a batch's unpriced-models warning (the CLI reports them itself)."""


@dataclass
class IngestReport:
    """What a batch did; `writes` counts store items written (markers included)."""

    batch_id: str
    lines: int = 0
    requests: int = 0
    cost_usd: Decimal = Decimal(0)
    skipped: Counter[str] = field(default_factory=Counter)
    unattributed_requests: int = 0
    unpriced_requests: int = 0
    unpriced_models: set[tuple[str, str]] = field(default_factory=set)
    aggregates: int = 0
    chunks: int = 0
    chunks_applied: int = 0
    chunks_already_applied: int = 0
    writes: int = 0
    alerts: list[BudgetAlert] = field(default_factory=list)

    @property
    def already_applied(self) -> bool:
        return self.chunks > 0 and self.chunks_already_applied == self.chunks

    def __iadd__(self, other: IngestReport) -> IngestReport:
        for name in (
            "lines",
            "requests",
            "cost_usd",
            "unattributed_requests",
            "unpriced_requests",
            "aggregates",
            "chunks",
            "chunks_applied",
            "chunks_already_applied",
            "writes",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped += other.skipped
        self.unpriced_models |= other.unpriced_models
        self.alerts += other.alerts
        return self


def parse_fallback_price(text: str | None) -> Rates | None:
    """The `input:output` setting (USD per 1M tokens) as rates, or None."""
    if not text:
        return None
    input_price, sep, output_price = text.partition(":")
    if not sep:
        raise ValueError(f"GATEWAY_FALLBACK_PRICE must be input:output, not {text!r}")
    return rates_from_price(
        {
            "input": str(parse_usd(input_price.strip())),
            "output": str(parse_usd(output_price.strip())),
        }
    )


class Ingestor:
    """Ingests batches with one services instance; team and price lookups are cached per
    ingestor, so build one per invocation (Lambda) or run (CLI) to see current prices."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.fallback = parse_fallback_price(services.settings.fallback_price)

    @cached_property
    def _prices(self) -> dict[PriceKey, Rates]:
        table = effective_table(self.services.price_overrides)
        return {key: rates_from_price(price) for key, price in table.items()}

    def _price_of(self, provider: str, model: str) -> Rates | None:
        return self._prices.get(PriceKey(provider, model))

    def aggregator(self) -> UsageAggregator:
        return UsageAggregator(
            self.services.client_teams.lookup, self._price_of, fallback=self.fallback
        )

    def ingest_batch(
        self,
        batch_id: str,
        lines: Iterable[str | bytes],
        default_time: datetime | None = None,
    ) -> IngestReport:
        aggregator = self.aggregator()
        aggregator.add_lines(lines, default_time)
        return self.apply(batch_id, aggregator.result())

    def apply(self, batch_id: str, usage: AggregatedUsage) -> IngestReport:
        services = self.services
        increments = [
            UsageIncrement(key.team_id, key.provider, key.model, key.month, totals)
            for key, totals in usage.totals.items()
        ]
        applied = (
            services.ledger.apply(batch_id, increments, isoformat(services.now()))
            if increments
            else ApplyResult()
        )
        report = _report(batch_id, usage, applied)
        record_ingested_batch(report.lines, report.cost_usd, already_applied=report.already_applied)
        if applied.touched:
            report.alerts = send_due_alerts(services, applied.touched)
        _log_report(report)
        return report


def _report(batch_id: str, usage: AggregatedUsage, applied: ApplyResult) -> IngestReport:
    totals = usage.totals.values()
    return IngestReport(
        batch_id=batch_id,
        lines=usage.lines,
        requests=sum(t.requests for t in totals),
        cost_usd=sum((t.cost_usd for t in totals), Decimal(0)),
        skipped=Counter(usage.skipped),
        unattributed_requests=sum(
            t.requests for k, t in usage.totals.items() if k.team_id == UNATTRIBUTED
        ),
        unpriced_requests=sum(t.unpriced_requests for t in totals),
        unpriced_models=set(usage.unpriced_models),
        aggregates=len(usage.totals),
        chunks=applied.chunks,
        chunks_applied=applied.chunks_applied,
        chunks_already_applied=applied.chunks_already_applied,
        writes=applied.writes,
    )


def _log_report(report: IngestReport) -> None:
    fields = {
        "batch_id": report.batch_id,
        "lines": report.lines,
        "requests": report.requests,
        "skipped": dict(report.skipped),
        "aggregates": report.aggregates,
        "writes": report.writes,
        "chunks_already_applied": report.chunks_already_applied,
        "unattributed_requests": report.unattributed_requests,
        "unpriced_requests": report.unpriced_requests,
    }
    log.info("ingested batch %s", report.batch_id, extra={"ingest": fields})
    if report.unpriced_models:
        # Never silently free: say which models had no price (a metric filter can count these).
        log.warning(
            "unpriced models in batch %s: %s",
            report.batch_id,
            ", ".join(f"{p}/{m}" for p, m in sorted(report.unpriced_models)),
            extra={
                "unpriced_requests": report.unpriced_requests,
                UNPRICED_LOG_FIELD: sorted(f"{p}/{m}" for p, m in report.unpriced_models),
            },
        )
