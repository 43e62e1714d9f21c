"""The control plane's figures: one registry, read as Prometheus text locally, as EMF on Lambda.

Each figure is recorded once, where it happens (the dispatcher, the budget check's decision, the
ingestion service, the config publisher), into `REGISTRY`, a process-wide registry of the few
metrics below. Two edges read it:
- the local server's `/metrics` (`controlplane/adapters/prometheus.py`): cumulative values in
  Prometheus' text format, scraped whenever Prometheus likes;
- each Lambda invocation (`controlplane/adapters/lambda_entry.py`): what this invocation
  recorded, written at its end as CloudWatch embedded-metric-format (EMF) lines on stdout, which
  CloudWatch Logs turns into metrics. No agent, no API call, no IAM permission.

EMF follows AWS Lambda Powertools' conventions without the library (its import would add to every
cold start, `bench/bench_cold_start.py`): one namespace (`GATEWAY_METRICS_NAMESPACE`), a `service`
dimension (`GATEWAY_METRICS_SERVICE`) on every metric, PascalCase metric names with a CloudWatch
unit, one document per invocation flushed at its end, at most 100 metrics per document.

Money stays `Decimal`: the ingested cost is summed exactly here, and becomes a float only where it
leaves for a metrics system (the exposition and the EMF document), never on a path that charges.

Recording is a dictionary update under a lock held for microseconds; it adds no I/O to a request.
"""

from __future__ import annotations

import bisect
import json
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Literal, NamedTuple, TextIO

MetricKind = Literal["counter", "histogram"]
Number = int | float | Decimal

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds: Prometheus' default buckets, which span an admin request (~1 ms warm on SQLite) to
API Gateway's 29 s timeout's neighbourhood."""

EMF_MAX_METRICS = 100
"""CloudWatch's limit of metric definitions per EMF document."""
EMF_MAX_VALUES = 100
"""CloudWatch's limit of values in one metric's array."""


class Metric:
    """One metric family. Compared by identity: it is a key of the registry on every record.

    (Plain classes here rather than dataclasses: building a dataclass costs most of a millisecond
    at import, and this module is imported at every Lambda cold start.)
    """

    __slots__ = (
        "buckets",
        "emf_name",
        "emf_scale",
        "emf_unit",
        "help",
        "initial",
        "kind",
        "labels",
        "name",
    )

    def __init__(
        self,
        name: str,
        kind: MetricKind,
        help: str,
        labels: tuple[str, ...],
        emf_name: str,
        emf_unit: str,
        *,
        emf_scale: float = 1.0,
        buckets: tuple[float, ...] = (),
        initial: tuple[tuple[str, ...], ...] = (),
    ) -> None:
        self.name = name
        """The Prometheus name (a counter's is exposed with `_total`)."""
        self.kind = kind
        self.help = help
        self.labels = labels
        """Prometheus labels, and the EMF dimensions besides `service`."""
        self.emf_name = emf_name
        self.emf_unit = emf_unit
        """A CloudWatch unit: Count, Milliseconds, None…"""
        self.emf_scale = emf_scale
        """Recorded value times this is the value in `emf_unit` (seconds to milliseconds: 1000)."""
        self.buckets = buckets
        self.initial = initial
        """Label values exposed at 0 from the start, so that a rate over them exists before the
        first event (Prometheus' advice for known label values)."""

    def __repr__(self) -> str:
        return f"Metric({self.name!r})"


REQUESTS = Metric(
    "controlplane_requests",
    "counter",
    "Admin API requests handled by an operation, by operationId and HTTP status.",
    ("operation", "status"),
    "Requests",
    "Count",
)
REQUEST_DURATION = Metric(
    "controlplane_request_duration_seconds",
    "histogram",
    "Time the shared dispatcher took to answer an admin API request, by operationId and status.",
    ("operation", "status"),
    "RequestLatency",
    "Milliseconds",
    emf_scale=1000.0,
    buckets=LATENCY_BUCKETS,
)
BUDGET_CHECK_DECISIONS = Metric(
    "controlplane_budget_check_decisions",
    "counter",
    "Budget-check decisions by outcome: pass, or the status of the refusal (401, 403, 429, 503).",
    ("outcome",),
    "BudgetCheckDecisions",
    "Count",
    initial=(("pass",), ("401",), ("403",), ("429",), ("503",)),
)
BUDGET_CHECK_DEGRADED = Metric(
    "controlplane_budget_check_degraded",
    "counter",
    "Budget-check decisions made without the store: from the last known state, or by the fail "
    "mode (fail_open passes, fail_closed answers 503) when nothing was known.",
    ("mode",),
    "BudgetCheckDegraded",
    "Count",
    initial=(("last_known_state",), ("fail_open",), ("fail_closed",)),
)
INGESTED_LINES = Metric(
    "controlplane_ingested_lines",
    "counter",
    "agentgateway access-log lines read by usage ingestion in batches applied now (a batch "
    "already applied before is not counted again).",
    (),
    "IngestedLines",
    "Count",
    initial=((),),
)
INGESTED_COST = Metric(
    "controlplane_ingested_cost_usd",
    "counter",
    "USD charged to teams by usage ingestion in batches applied now (the ledger is the exact "
    "figure; this is a float for monitoring).",
    (),
    "IngestedCostUSD",
    "None",
    initial=((),),
)
INGEST_BATCHES = Metric(
    "controlplane_ingest_batches",
    "counter",
    "Usage ingestion batches: applied now, or already applied before (a redelivery).",
    ("result",),
    "IngestBatches",
    "Count",
    initial=(("applied",), ("already_applied",)),
)
CONFIG_PUBLISHES = Metric(
    "controlplane_config_publishes",
    "counter",
    "agentgateway config publications (file locally, S3 on AWS) after a change or at start: "
    "published, or failed (the change is committed; the next change publishes again).",
    ("result",),
    "ConfigPublishes",
    "Count",
    initial=(("published",), ("failed",)),
)
CONFIG_REFUSALS = Metric(
    "controlplane_config_refusals",
    "counter",
    "Changes refused (422) because the agentgateway config they would make does not validate.",
    (),
    "ConfigRefusals",
    "Count",
    initial=((),),
)

METRICS = (
    REQUESTS,
    REQUEST_DURATION,
    BUDGET_CHECK_DECISIONS,
    BUDGET_CHECK_DEGRADED,
    INGESTED_LINES,
    INGESTED_COST,
    INGEST_BATCHES,
    CONFIG_PUBLISHES,
    CONFIG_REFUSALS,
)


class _Series:
    __slots__ = ("buckets", "count", "drained", "pending", "total")

    def __init__(self, buckets: int = 0) -> None:
        self.total: Number = 0
        """A counter's value; a histogram's sum of observations."""
        self.drained: Number = 0
        """`total` when `Registry.drain` last ran."""
        self.count = 0
        """A histogram's number of observations."""
        self.buckets = [0] * buckets
        """A histogram's observations per bucket (not cumulative; the last one is +Inf)."""
        self.pending: list[float] = []
        """A histogram's observations since the last drain, kept while `keep_observations`."""


class Sample(NamedTuple):
    """A series' cumulative state: a counter's value, or a histogram's buckets, sum and count."""

    metric: Metric
    labels: tuple[str, ...]
    value: Number
    observations: int = 0
    """A histogram's number of observations."""
    cumulative_buckets: tuple[int, ...] = ()
    """Observations ≤ each of `metric.buckets`, then the total (+Inf)."""


class Delta(NamedTuple):
    """What a series recorded since the last drain: a counter's increase, or a histogram's
    observations (in `values`)."""

    metric: Metric
    labels: tuple[str, ...]
    value: Number = 0
    values: tuple[float, ...] = ()


class Registry:
    """The values of `metrics`, per label values; safe to record into from many threads."""

    def __init__(self, metrics: Sequence[Metric] = METRICS) -> None:
        self.metrics = tuple(metrics)
        self.keep_observations = False
        """Keep each histogram observation until `drain` (the EMF sink's need; the Prometheus
        exposition reads buckets only, so the local server leaves this off)."""
        self._lock = threading.Lock()
        self._series: dict[tuple[Metric, tuple[str, ...]], _Series] = {}
        for metric in self.metrics:
            for labels in metric.initial:
                self._series[(metric, labels)] = self._new(metric)

    @staticmethod
    def _new(metric: Metric) -> _Series:
        return _Series(len(metric.buckets) + 1 if metric.kind == "histogram" else 0)

    def inc(self, metric: Metric, labels: tuple[str, ...] = (), amount: Number = 1) -> None:
        """Add `amount` (an int, or a Decimal kept exact) to a counter."""
        key = (metric, labels)
        with self._lock:
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = self._new(metric)
            series.total += amount  # type: ignore[operator]

    def observe(self, metric: Metric, labels: tuple[str, ...], value: float) -> None:
        """Add an observation to a histogram."""
        key = (metric, labels)
        index = bisect.bisect_left(metric.buckets, value)
        with self._lock:
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = self._new(metric)
            series.total += value  # type: ignore[operator]
            series.count += 1
            series.buckets[index] += 1
            if self.keep_observations:
                series.pending.append(value)

    def samples(self) -> list[Sample]:
        """Every series' cumulative state, grouped by metric in registry order."""
        with self._lock:
            items = list(self._series.items())
        order = {metric: position for position, metric in enumerate(self.metrics)}
        items.sort(key=lambda item: (order.get(item[0][0], len(order)), item[0][1]))
        samples = []
        for (metric, labels), series in items:
            running, cumulative = 0, []
            for in_bucket in series.buckets:
                running += in_bucket
                cumulative.append(running)
            samples.append(Sample(metric, labels, series.total, series.count, tuple(cumulative)))
        return samples

    def drain(self) -> list[Delta]:
        """What was recorded since the previous drain (series that recorded nothing are left
        out), and start the next interval."""
        deltas = []
        with self._lock:
            for (metric, labels), series in self._series.items():
                if metric.kind == "histogram":
                    if series.pending:
                        deltas.append(Delta(metric, labels, values=tuple(series.pending)))
                        series.pending.clear()
                    continue
                increase = series.total - series.drained  # type: ignore[operator]
                series.drained = series.total
                if increase:
                    deltas.append(Delta(metric, labels, value=increase))
        return deltas


REGISTRY = Registry()
"""The process's registry: what the local server exposes, what a Lambda invocation flushes."""


# Recording: one function per event, called where the event happens -----------------------------


def record_request(operation_id: str, status: int, seconds: float) -> None:
    labels = (operation_id, str(status))
    REGISTRY.inc(REQUESTS, labels)
    REGISTRY.observe(REQUEST_DURATION, labels, seconds)


def record_budget_decision(outcome: str, degraded_mode: str | None) -> None:
    """`degraded_mode`: None, `last_known_state`, `fail_open` or `fail_closed`."""
    REGISTRY.inc(BUDGET_CHECK_DECISIONS, (outcome,))
    if degraded_mode is not None:
        REGISTRY.inc(BUDGET_CHECK_DEGRADED, (degraded_mode,))


def record_ingested_batch(lines: int, cost_usd: Decimal, *, already_applied: bool) -> None:
    if already_applied:
        REGISTRY.inc(INGEST_BATCHES, ("already_applied",))
        return
    REGISTRY.inc(INGEST_BATCHES, ("applied",))
    REGISTRY.inc(INGESTED_LINES, (), lines)
    REGISTRY.inc(INGESTED_COST, (), cost_usd)


def record_config_publish(*, published: bool) -> None:
    REGISTRY.inc(CONFIG_PUBLISHES, ("published" if published else "failed",))


def record_config_refusal() -> None:
    REGISTRY.inc(CONFIG_REFUSALS)


# CloudWatch embedded metric format -------------------------------------------------------------


class _Document:
    def __init__(self) -> None:
        self.dimensions: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        """Metric name → value (a number, or an array of at most EMF_MAX_VALUES numbers)."""
        self.directives: dict[tuple[str, ...], list[dict[str, str]]] = {}
        """Dimension names → the metric definitions reported with them."""

    def fits(self, name: str, dimensions: dict[str, str]) -> bool:
        return (
            name not in self.values
            and len(self.values) < EMF_MAX_METRICS
            and all(self.dimensions.get(key, value) == value for key, value in dimensions.items())
        )


def emf_documents(
    deltas: Iterable[Delta], *, namespace: str, service: str, timestamp_ms: int
) -> list[dict[str, Any]]:
    """The EMF documents reporting `deltas`: as few as the format allows, usually one.

    A document gives each dimension one value and each metric one entry, so series that disagree
    on a dimension's value (two statuses in one Lambda invocation) go to separate documents, and
    so do more than 100 metrics or more than 100 values of one metric.
    """
    documents: list[_Document] = []
    for delta in deltas:
        metric = delta.metric
        dimensions = {"service": service, **dict(zip(metric.labels, delta.labels, strict=True))}
        if metric.kind == "histogram":
            scaled = [value * metric.emf_scale for value in delta.values]
            parts: list[Any] = [
                scaled[i : i + EMF_MAX_VALUES] for i in range(0, len(scaled), EMF_MAX_VALUES)
            ]
        else:
            # The edge where a Decimal (money) becomes a float: EMF numbers are doubles.
            parts = [float(delta.value) if isinstance(delta.value, Decimal) else delta.value]
        for part in parts:
            document = next((d for d in documents if d.fits(metric.emf_name, dimensions)), None)
            if document is None:
                document = _Document()
                documents.append(document)
            document.dimensions.update(dimensions)
            document.values[metric.emf_name] = part
            definition = {"Name": metric.emf_name, "Unit": metric.emf_unit}
            document.directives.setdefault(tuple(dimensions), []).append(definition)
    return [
        {
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [
                    {"Namespace": namespace, "Dimensions": [list(names)], "Metrics": metrics}
                    for names, metrics in document.directives.items()
                ],
            },
            **document.dimensions,
            **document.values,
        }
        for document in documents
    ]


def flush_emf(
    namespace: str,
    service: str,
    registry: Registry = REGISTRY,
    out: TextIO | None = None,
) -> int:
    """Write what `registry` recorded since the last flush as EMF lines (stdout by default, which
    Lambda sends to CloudWatch Logs); returns the number of lines."""
    documents = emf_documents(
        registry.drain(),
        namespace=namespace,
        service=service,
        timestamp_ms=int(time.time() * 1000),
    )
    if documents:
        stream = out or sys.stdout
        stream.write("".join(json.dumps(d, separators=(",", ":")) + "\n" for d in documents))
        stream.flush()
    return len(documents)
