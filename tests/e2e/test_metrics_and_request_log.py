"""The local server's `/metrics` after real requests, and its log: one JSON line per request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.support.server import ADMIN_SCOPE, ROOT, running_server

pytestmark = pytest.mark.e2e

RULE = {
    "model": "gpt-4o",
    "strategy": "failover",
    "targets": [{"provider": "openai", "model": "gpt-4o-2024-08-06"}],
}


def samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text exposition, parsed by prometheus_client's parser (which
    raises on anything the format does not allow)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def test_metrics_count_real_requests_and_each_request_is_logged_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "gateway"
    sent: dict[str, dict[str, Any]] = {}
    with running_server(data_dir, log_level="info") as server:
        url = server.base_url

        def call(request_id: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
            headers = {"X-Request-Id": request_id, **kwargs.pop("headers", {})}
            answer = httpx.request(method, f"{url}{path}", headers=headers, timeout=10, **kwargs)
            sent[request_id] = {"method": method, "path": path, "status": answer.status_code}
            return answer

        # GIVEN an operator's session: a token, a team, a rule, mistakes, and agentgateway's calls
        admin = server.admin_credentials()
        token = call(
            "req-token",
            "POST",
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": admin["client_id"],
                "client_secret": admin["client_secret"],
                "scope": ADMIN_SCOPE,
            },
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        team = {"name": "payments", "contact_email": "p@example.com", "tier": "standard"}
        created = call("req-create", "POST", "/teams", json=team, headers=auth).json()
        call("req-bad-id", "GET", "/teams/not-an-id", headers=auth)
        call("req-no-token", "GET", "/teams")
        call("req-rule", "POST", "/routing", json=RULE, headers=auth)
        call("req-unknown-path", "GET", "/nothing-here")
        credentials = created["credentials"]
        team_token = server.token(credentials["client_id"], credentials["client_secret"])
        hook = {"x-gateway-model": "gpt-4o", "Authorization": f"Bearer {team_token}"}
        call("req-hook", "POST", "/hooks/budget-check", json={"body": {}}, headers=hook)
        call("req-hook-anonymous", "POST", "/hooks/budget-check", json={"body": {}})

        # WHEN Prometheus scrapes the server
        scraped = call("req-scrape", "GET", "/metrics")

    # THEN the exposition parses, and counts what the operations and the budget check did
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = samples(scraped.text)
    requests = "controlplane_requests_total"
    assert found[(requests, (("operation", "createTeam"), ("status", "201")))] == 1
    assert found[(requests, (("operation", "getTeam"), ("status", "400")))] == 1
    assert found[(requests, (("operation", "createRoutingRule"), ("status", "201")))] == 1
    # refused before any operation ran (no token): logged, not an operation's request
    assert not [key for key in found if key[0] == requests and ("operation", "listTeams") in key[1]]
    duration = "controlplane_request_duration_seconds"
    create = (("operation", "createTeam"), ("status", "201"))
    assert found[(f"{duration}_count", create)] == 1
    assert found[(f"{duration}_bucket", (("le", "+Inf"), *create))] == 1
    assert 0 < found[(f"{duration}_sum", create)] < 10
    decisions = "controlplane_budget_check_decisions_total"
    assert found[(decisions, (("outcome", "pass"),))] == 1
    assert found[(decisions, (("outcome", "401"),))] == 1
    assert found[("controlplane_budget_check_degraded_total", (("mode", "fail_open"),))] == 0
    # published at start and after the rule
    assert found[("controlplane_config_publishes_total", (("result", "published"),))] == 2
    assert found[("controlplane_config_refusals_total", ())] == 0
    # ingestion runs in `gatewayctl usage ingest`, another process: nothing here
    assert found[("controlplane_ingested_lines_total", ())] == 0
    assert ("process_cpu_seconds_total", ()) in found
    # AND /metrics stays out of the admin contract that API Gateway imports
    assert "/metrics" not in yaml.safe_load((ROOT / "openapi.yaml").read_text())["paths"]

    # AND the server logged each request exactly once, as JSON, with its request id
    output = server.log_path.read_text().splitlines()
    logged = [json.loads(line) for line in output if line.startswith("{")]
    assert not [line for line in output if "HTTP/1.1" in line], "uvicorn's access log is on"
    access = [line for line in logged if line["logger"] == "controlplane.access"]
    ours = [line for line in access if line["request_id"] in sent]
    assert sorted(line["request_id"] for line in ours) == sorted(sent)
    # the rest are the launcher's /healthz polls and the team token's request
    assert {(line["method"], line["path"]) for line in access if line not in ours} <= {
        ("GET", "/healthz"),
        ("POST", "/oauth2/token"),
    }
    by_id = {line["request_id"]: line for line in ours}
    for request_id, request in sent.items():
        line = by_id[request_id]
        assert (line["method"], line["path"], line["status"]) == (
            request["method"],
            request["path"],
            request["status"],
        )
        assert line["duration_ms"] >= 0
    assert by_id["req-create"]["operation_id"] == "createTeam"
    assert by_id["req-create"]["client_id"] == admin["client_id"]
    assert by_id["req-token"]["client_id"] == admin["client_id"]
    assert by_id["req-no-token"]["status"] == 401
    assert "client_id" not in by_id["req-no-token"]
    assert (by_id["req-hook"]["outcome"], by_id["req-hook-anonymous"]["outcome"]) == ("pass", "401")
    # the refusal is said by the request's line, not by a second one
    assert not [line for line in logged if "refused client" in line["message"]]
