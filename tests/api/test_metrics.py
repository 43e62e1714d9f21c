"""The metrics registry, its EMF documents (checked against CloudWatch's specification) and the
JSON log format."""

from __future__ import annotations

import json
import logging
import sys
import threading
from decimal import Decimal
from io import StringIO
from typing import Any

import jsonschema
import pytest

from controlplane.logs import JsonFormatter
from controlplane.metrics import (
    CONFIG_PUBLISHES,
    INGESTED_COST,
    REQUEST_DURATION,
    REQUESTS,
    Delta,
    Metric,
    Registry,
    emf_documents,
    flush_emf,
)
from tests.support.emf import check_emf


def values(registry: Registry) -> dict[tuple[str, tuple[str, ...]], Any]:
    return {(s.metric.name, s.labels): s.value for s in registry.samples()}


def test_counters_and_histograms_keep_a_series_per_label_values() -> None:
    registry = Registry()
    registry.inc(REQUESTS, ("getTeam", "200"))
    registry.inc(REQUESTS, ("getTeam", "200"))
    registry.inc(REQUESTS, ("getTeam", "404"))
    for seconds in (0.004, 0.005, 0.02, 11.0):
        registry.observe(REQUEST_DURATION, ("getTeam", "200"), seconds)

    counted = values(registry)
    assert counted[("controlplane_requests", ("getTeam", "200"))] == 2
    assert counted[("controlplane_requests", ("getTeam", "404"))] == 1
    [histogram] = [s for s in registry.samples() if s.metric is REQUEST_DURATION]
    assert histogram.observations == 4
    assert histogram.value == pytest.approx(11.029)
    # `le` buckets are cumulative and inclusive: 0.005 falls in the 0.005 bucket, 11 s in +Inf only
    bounds = [*REQUEST_DURATION.buckets, float("inf")]
    by_bound = dict(zip(bounds, histogram.cumulative_buckets, strict=True))
    assert [by_bound[b] for b in (0.005, 0.025, 10.0, float("inf"))] == [2, 3, 3, 4]


def test_known_label_values_exist_at_zero_before_any_event() -> None:
    counted = values(Registry())
    assert counted[("controlplane_budget_check_decisions", ("429",))] == 0
    assert counted[("controlplane_config_publishes", ("failed",))] == 0
    assert counted[("controlplane_ingested_cost_usd", ())] == 0
    assert not [key for key in counted if key[0] == "controlplane_requests"]


def test_money_is_summed_exactly_and_becomes_a_float_only_in_the_document() -> None:
    registry = Registry()
    for _ in range(3):
        registry.inc(INGESTED_COST, (), Decimal("0.1"))
    # exact in the registry (three floats 0.1 would sum to 0.30000000000000004)
    assert values(registry)[("controlplane_ingested_cost_usd", ())] == Decimal("0.3")
    [document] = emf_documents(registry.drain(), namespace="N", service="s", timestamp_ms=1)
    assert document["IngestedCostUSD"] == 0.3


def test_each_drain_reports_what_happened_since_the_previous_one() -> None:
    registry = Registry()
    registry.inc(REQUESTS, ("listTeams", "200"))
    registry.observe(REQUEST_DURATION, ("listTeams", "200"), 0.01)
    # without keep_observations (the local server) a histogram keeps buckets only
    assert registry.drain() == [Delta(REQUESTS, ("listTeams", "200"), value=1)]
    assert registry.drain() == []
    registry.keep_observations = True
    registry.observe(REQUEST_DURATION, ("listTeams", "200"), 0.02)
    registry.inc(REQUESTS, ("listTeams", "200"), 2)
    assert sorted(registry.drain(), key=lambda d: d.metric.name) == [
        Delta(REQUEST_DURATION, ("listTeams", "200"), values=(0.02,)),
        Delta(REQUESTS, ("listTeams", "200"), value=2),
    ]
    assert values(registry)[("controlplane_requests", ("listTeams", "200"))] == 3


def test_records_from_many_threads_are_all_counted() -> None:
    registry = Registry()
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [
            threading.Thread(
                target=lambda: [registry.inc(REQUESTS, ("getTeam", "200")) for _ in range(2000)]
            )
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    assert values(registry)[("controlplane_requests", ("getTeam", "200"))] == 16_000


def test_an_invocations_figures_make_one_document_of_the_specification() -> None:
    # GIVEN what a Lambda invocation that created a routing rule recorded
    registry = Registry()
    registry.keep_observations = True
    registry.inc(REQUESTS, ("createRoutingRule", "201"))
    registry.observe(REQUEST_DURATION, ("createRoutingRule", "201"), 0.0125)
    registry.inc(CONFIG_PUBLISHES, ("published",))
    # WHEN it is flushed
    out = StringIO()
    written = flush_emf("LLMGateway/ControlPlane", "gw-prod", registry, out)
    # THEN one line, one valid EMF document, with the service dimension on every metric
    lines = out.getvalue().splitlines()
    assert written == len(lines) == 1
    document = json.loads(lines[0])
    check_emf(document)
    assert document["service"] == "gw-prod"
    assert (document["operation"], document["status"], document["result"]) == (
        "createRoutingRule",
        "201",
        "published",
    )
    assert (document["Requests"], document["RequestLatency"], document["ConfigPublishes"]) == (
        1,
        [12.5],
        1,
    )
    assert sorted(
        (tuple(dimensions), tuple(m["Name"] for m in directive["Metrics"]))
        for directive in document["_aws"]["CloudWatchMetrics"]
        for dimensions in directive["Dimensions"]
    ) == [
        (("service", "operation", "status"), ("Requests", "RequestLatency")),
        (("service", "result"), ("ConfigPublishes",)),
    ]
    assert {d["Namespace"] for d in document["_aws"]["CloudWatchMetrics"]} == {
        "LLMGateway/ControlPlane"
    }
    assert {m["Unit"] for d in document["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]} == {
        "Count",
        "Milliseconds",
    }
    # AND nothing is written for an interval that recorded nothing
    assert flush_emf("LLMGateway/ControlPlane", "gw-prod", registry, out) == 0


def test_what_one_document_cannot_hold_is_split_into_valid_documents() -> None:
    # Two statuses of one operation: a dimension has one value per document
    two_statuses = [
        Delta(REQUESTS, ("getTeam", "200"), value=1),
        Delta(REQUESTS, ("getTeam", "404"), value=1),
    ]
    split = emf_documents(two_statuses, namespace="N", service="s", timestamp_ms=1)
    assert sorted(d["status"] for d in split) == ["200", "404"]
    # 150 observations: at most 100 values per metric and document
    many = [Delta(REQUEST_DURATION, ("getTeam", "200"), values=tuple([0.001] * 150))]
    split += emf_documents(many, namespace="N", service="s", timestamp_ms=1)
    assert [len(d["RequestLatency"]) for d in split[2:]] == [100, 50]
    # 150 metrics: at most 100 per document
    metrics = [Metric(f"m{i}", "counter", "", (), f"Metric{i}", "Count") for i in range(150)]
    wide = emf_documents(
        [Delta(m, (), value=1) for m in metrics], namespace="N", service="s", timestamp_ms=1
    )
    assert [len(d["_aws"]["CloudWatchMetrics"][0]["Metrics"]) for d in wide] == [100, 50]
    for document in split + wide:
        check_emf(document)


def test_the_emf_check_fails_on_what_cloudwatch_would_refuse() -> None:
    [good] = emf_documents(
        [Delta(REQUESTS, ("getTeam", "200"), value=1)], namespace="N", service="s", timestamp_ms=1
    )
    check_emf(good)
    missing_dimension = {**good}
    del missing_dimension["operation"]
    not_a_number = {**good, "Requests": "1"}
    bad_unit = json.loads(json.dumps(good))
    bad_unit["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = "Requests"
    for broken in (missing_dimension, not_a_number, bad_unit, {"Requests": 1}):
        with pytest.raises((AssertionError, jsonschema.ValidationError)):
            check_emf(broken)


def test_a_log_record_is_one_json_object_with_its_extra_fields() -> None:
    formatter = JsonFormatter()
    record = logging.LogRecord("controlplane.api", logging.INFO, "", 0, "%s -> %d", ("x", 2), None)
    record.__dict__.update(request_id="r-1", status=201, cost=Decimal("1.50"), tenant_id=None)
    record.created = 1767225600.25  # 2026-01-01T00:00:00.250Z
    line = formatter.format(record)
    assert "\n" not in line
    assert json.loads(line) == {
        "timestamp": "2026-01-01T00:00:00.250Z",
        "level": "INFO",
        "logger": "controlplane.api",
        "message": "x -> 2",
        "request_id": "r-1",
        "status": 201,
        "cost": "1.50",
    }
    try:
        raise ValueError("boom")
    except ValueError:
        failed = logging.LogRecord("x", logging.ERROR, "", 0, "failed", None, sys.exc_info())
    document = json.loads(formatter.format(failed))
    assert document["level"] == "ERROR"
    assert "ValueError: boom" in document["exception"]
