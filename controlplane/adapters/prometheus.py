"""`GET /metrics` of the local server: the registry in Prometheus' text format.

prometheus_client (local extra only; the Lambdas never import it) writes the exposition: the
format's escaping, `+Inf` buckets and OpenMetrics negotiation are its job, and it adds the
process's own figures (CPU, memory, open files, garbage collection) for free. The values are
`controlplane.metrics.REGISTRY`'s, read at each scrape; a Decimal (the ingested cost) becomes a
float here, at the edge.

Not part of the admin contract (`openapi.yaml`, which API Gateway imports): on AWS the same
figures are EMF lines in CloudWatch. No token either: the server listens on 127.0.0.1 unless told
otherwise, Prometheus scrapers rarely hold OAuth tokens, and the figures name operations, statuses
and outcomes, never a team, a client or a price. Bind `--host` wider only behind a firewall, as for
`/healthz`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from decimal import Decimal
from typing import Any

from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.utils import floatToGoString
from starlette.requests import Request
from starlette.responses import Response

from controlplane.metrics import REGISTRY, Registry, Sample
from controlplane.metrics import Metric as Figure


class RegistryCollector:
    """prometheus_client's view of our registry: its families, built at each scrape."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def describe(self) -> list[Metric]:
        # The names, so that prometheus_client refuses a clash; samples are read at scrape time.
        return [_family(metric) for metric in self.registry.metrics]

    def collect(self) -> Iterator[Metric]:
        families = {metric: _family(metric) for metric in self.registry.metrics}
        for sample in self.registry.samples():
            family = families[sample.metric]
            if isinstance(family, HistogramMetricFamily):
                family.add_metric(list(sample.labels), _buckets(sample), float(sample.value))
            elif isinstance(family, CounterMetricFamily):
                family.add_metric(list(sample.labels), _float(sample.value))
        yield from families.values()


def _family(metric: Figure) -> Metric:
    if metric.kind == "histogram":
        return HistogramMetricFamily(metric.name, metric.help, labels=list(metric.labels))
    return CounterMetricFamily(metric.name, metric.help, labels=list(metric.labels))


def _buckets(sample: Sample) -> list[tuple[str, float]]:
    # `le` as prometheus_client's own histograms write it ("0.005", "1.0", "+Inf").
    bounds = [floatToGoString(b) for b in sample.metric.buckets] + ["+Inf"]  # type: ignore[no-untyped-call]
    return [
        (bound, float(count))
        for bound, count in zip(bounds, sample.cumulative_buckets, strict=True)
    ]


def _float(value: int | float | Decimal) -> float:
    # The edge where money (a Decimal) becomes a float: Prometheus values are doubles.
    return float(value)


def exposition_registry(registry: Registry = REGISTRY) -> CollectorRegistry:
    """Our figures and the process's, as one prometheus_client registry."""
    exposed = CollectorRegistry(auto_describe=True)
    exposed.register(RegistryCollector(registry))
    ProcessCollector(registry=exposed)
    PlatformCollector(registry=exposed)
    GCCollector(registry=exposed)
    return exposed


def metrics_endpoint(
    registry: Registry = REGISTRY,
) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    exposed = exposition_registry(registry)

    async def metrics(req: Request) -> Response:
        # A scrape reads a few hundred values and /proc/self: microseconds, on the event loop.
        encode, content_type = choose_encoder(req.headers.get("accept", ""))
        return Response(encode(exposed), headers={"Content-Type": content_type})

    return metrics
