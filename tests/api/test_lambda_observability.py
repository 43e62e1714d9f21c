"""The Lambdas' metrics and logs, through their `lambda_handler`s: one EMF line per invocation on
stdout with what that invocation did, and one JSON log line per request through the runtime's own
handler."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from controlplane import config_publisher
from controlplane.adapters import apigw, lambda_entry
from controlplane.domain.agentgateway import RenderedConfig
from controlplane.logs import JsonFormatter
from controlplane.metrics import REGISTRY
from handlers import budget_check, routing_config, team_registration, usage_ingest
from tests.events import apigw_event, cloudwatch_logs_event, load_event
from tests.support.emf import check_emf

RULE = {
    "model": "gpt-4o",
    "strategy": "failover",
    "targets": [{"provider": "openai", "model": "gpt-4o-2024-08-06"}],
}
COLD_STARTS = (
    apigw.default_dispatcher,
    usage_ingest._services,
    budget_check.default_check,
    lambda_entry.emf_target,
)


@pytest.fixture
def on_lambda(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A function's environment (SQLite in a temp dir), a cold start, and nothing recorded yet."""
    for name in [n for n in os.environ if n.startswith("GATEWAY_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GATEWAY_STORE", "sqlite")
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GATEWAY_METRICS_NAMESPACE", "Test/ControlPlane")
    monkeypatch.setenv("GATEWAY_METRICS_SERVICE", "gw-test")
    for cached in COLD_STARTS:
        cached.cache_clear()
    config_publisher.forget_cached_state()
    REGISTRY.drain()  # what earlier tests in this process recorded is not this function's
    yield tmp_path
    for cached in COLD_STARTS:
        cached.cache_clear()
    config_publisher.forget_cached_state()
    REGISTRY.drain()


def emf_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The EMF documents the invocation wrote on stdout, each checked against the spec; stdout
    holds nothing else."""
    lines = capsys.readouterr().out.splitlines()
    documents = [json.loads(line) for line in lines]
    for document in documents:
        check_emf(document)
        assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Test/ControlPlane"
        assert document["service"] == "gw-test"
    return documents


def register(name: str) -> dict[str, Any]:
    body = json.dumps({"name": name, "contact_email": f"{name}@example.com", "tier": "standard"})
    return apigw_event("POST", "/teams", "/teams", body=body)


@pytest.mark.usefixtures("on_lambda")
def test_each_invocation_writes_one_emf_line_of_its_own_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # WHEN a registration is handled, then the same one again (a conflict)
    created = team_registration.lambda_handler(register("payments"), None)
    [first] = emf_lines(capsys)
    conflict = team_registration.lambda_handler(register("payments"), None)
    [second] = emf_lines(capsys)

    # THEN each line counts its own request, by operation and status, with its latency
    assert (created["statusCode"], conflict["statusCode"]) == (201, 409)
    assert (first["operation"], first["status"], first["Requests"]) == ("createTeam", "201", 1)
    assert (second["operation"], second["status"], second["Requests"]) == ("createTeam", "409", 1)
    assert len(first["RequestLatency"]) == len(second["RequestLatency"]) == 1
    assert first["RequestLatency"][0] > 0


@pytest.mark.usefixtures("on_lambda")
def test_a_rule_change_counts_its_publish_and_a_refused_one_its_refusal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a rule created (its config published to the data dir)
    create = apigw_event("POST", "/routing", "/routing", body=json.dumps(RULE))
    assert routing_config.lambda_handler(create, None)["statusCode"] == 201
    [published] = emf_lines(capsys)
    assert (published["result"], published["ConfigPublishes"]) == ("published", 1)

    # WHEN a change whose config would not validate is sent (a renderer bug, simulated)
    real_render = config_publisher.render_config

    def broken(inputs: Any, settings: Any) -> RenderedConfig:
        rendered = real_render(inputs, settings)
        rendered.document["binds"] = "not a list"
        return rendered

    monkeypatch.setattr(config_publisher, "render_config", broken)
    bad = apigw_event("POST", "/routing", "/routing", body=json.dumps({**RULE, "model": "bad"}))
    assert routing_config.lambda_handler(bad, None)["statusCode"] == 422

    # THEN its line counts the refusal and the 422, and no publish
    [refused] = emf_lines(capsys)
    assert (refused["ConfigRefusals"], refused["status"], refused["Requests"]) == (1, "422", 1)
    assert "ConfigPublishes" not in refused


def test_a_failed_publish_is_counted(
    on_lambda: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a config path the function cannot write (a file stands where its folder should be)
    (on_lambda / "blocked").write_text("a file")
    monkeypatch.setenv("GATEWAY_AGENTGATEWAY_CONFIG_PATH", str(on_lambda / "blocked" / "agw.yaml"))
    create = apigw_event("POST", "/routing", "/routing", body=json.dumps(RULE))
    # WHEN a rule is created: committed, but not published
    assert routing_config.lambda_handler(create, None)["statusCode"] == 201
    [document] = emf_lines(capsys)
    assert (document["result"], document["ConfigPublishes"]) == ("failed", 1)


@pytest.mark.usefixtures("on_lambda")
def test_ingestion_counts_lines_and_cost_once(capsys: pytest.CaptureFixture[str]) -> None:
    team = team_registration.lambda_handler(register("search"), None)
    capsys.readouterr()
    client_id = json.loads(team["body"])["credentials"]["client_id"]
    event = cloudwatch_logs_event(replace_client_id=client_id)

    # WHEN a subscription batch is delivered, then redelivered
    usage_ingest.lambda_handler(event, None)
    [first] = emf_lines(capsys)
    usage_ingest.lambda_handler(event, None)
    [again] = emf_lines(capsys)

    # THEN its lines and cost are counted once; the redelivery is counted as such
    assert (first["IngestedLines"], first["IngestedCostUSD"]) == (3, 0.0111)
    assert (first["result"], first["IngestBatches"]) == ("applied", 1)
    assert (again["result"], again["IngestBatches"]) == ("already_applied", 1)
    assert "IngestedLines" not in again


def test_a_budget_check_without_its_keys_is_a_counted_degraded_decision(
    on_lambda: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a budget check whose issuer keys cannot be fetched, failing closed
    monkeypatch.setenv("GATEWAY_JWKS_URL", (on_lambda / "missing.json").as_uri())
    monkeypatch.setenv("GATEWAY_BUDGET_CHECK_FAIL_MODE", "closed")
    # WHEN agentgateway calls it
    answer = budget_check.lambda_handler(load_event("budget_check_function_url"), None)
    # THEN it answers the fail mode's 503, counted as a decision and as degraded
    assert json.loads(answer["body"])["action"]["status_code"] == 503
    [document] = emf_lines(capsys)
    assert (document["outcome"], document["BudgetCheckDecisions"]) == ("503", 1)
    assert (document["mode"], document["BudgetCheckDegraded"]) == ("fail_closed", 1)


@pytest.mark.usefixtures("on_lambda")
def test_on_lambda_each_request_is_one_json_line_through_the_runtimes_handler(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the root logger as Lambda's Python runtime leaves it: its one handler, text format
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "gw-test-team-registration")
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, [(h, h.formatter) for h in root.handlers])
    runtime_output = StringIO()
    runtime_handler = logging.StreamHandler(runtime_output)
    runtime_handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(message)s\n"))
    root.handlers[:] = [runtime_handler]
    root.setLevel(logging.INFO)
    try:
        # WHEN two requests are handled
        for name in ("payments", "search"):
            assert team_registration.lambda_handler(register(name), None)["statusCode"] == 201
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for handler, formatter in saved[2]:
            handler.setFormatter(formatter)

    # THEN the runtime's handler is still the only one, now with our format
    assert root.handlers == saved[0]
    assert isinstance(runtime_handler.formatter, JsonFormatter)
    # AND each request is exactly one line, JSON, with API Gateway's request id
    logged = [json.loads(line) for line in runtime_output.getvalue().splitlines()]
    requests = [line for line in logged if line["logger"] == "controlplane.access"]
    assert len(requests) == 2, logged
    for line in requests:
        assert line["request_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
        assert (line["operation_id"], line["status"], line["method"]) == ("createTeam", 201, "POST")
        assert line["client_id"] == "5b1n1c2f0kq7v3lq9l7c0s1f8e"
        assert line["duration_ms"] > 0
    assert len(emf_lines(capsys)) == 2
