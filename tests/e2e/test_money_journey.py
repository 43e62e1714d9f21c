"""Money end to end: a generated access log, ingested with the CLI, read back through the API,
and the budget check flipping from pass to 429 once the budget is spent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from controlplane.gateway_protocol import BUDGET_CHECK_PATH, HEADER_MODEL
from tests.support.server import ROOT, RunningServer, running_server

pytestmark = pytest.mark.e2e


def gatewayctl(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    return subprocess.run(
        [sys.executable, "-m", "controlplane.cli", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def budget_check(server: RunningServer, token: str) -> dict[str, Any]:
    answer = httpx.post(
        f"{server.base_url}{BUDGET_CHECK_PATH}",
        json={"body": {"messages": [{"role": "user", "content": "hello"}]}},
        headers={"Authorization": f"Bearer {token}", HEADER_MODEL: "claude-sonnet-4"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    action: dict[str, Any] = answer.json()["action"]
    return action


def test_generate_ingest_read_and_enforce(tmp_path: Path) -> None:
    data_dir = tmp_path / "gateway"
    with running_server(
        data_dir, settings={"GATEWAY_BUDGET_CHECK_CACHE_TTL_SECONDS": "0"}
    ) as server:
        admin = {"Authorization": f"Bearer {server.admin_token()}"}
        # GIVEN a team with a hard budget of 1 USD, and its own invoke token
        created = httpx.post(
            f"{server.base_url}/teams",
            json={"name": "search", "contact_email": "s@example.com", "tier": "unlimited"},
            headers=admin,
        ).json()
        team_id = created["team"]["team_id"]
        credentials = created["credentials"]
        budget = httpx.post(
            f"{server.base_url}/budgets",
            json={"team_id": team_id, "amount_usd": "1", "enforcement": "hard"},
            headers=admin,
        )
        assert budget.status_code == 201, budget.text
        invoke = server.token(credentials["client_id"], credentials["client_secret"])
        # AND the budget check lets its requests through
        assert "status_code" not in budget_check(server, invoke)

        # WHEN a generated access log of its traffic is ingested with the CLI
        log = tmp_path / "access.log"
        gatewayctl(
            data_dir, "dev", "generate-logs", "-n", "3000", "--teams-from-store", "-o", str(log)
        )
        first = gatewayctl(data_dir, "usage", "ingest", str(log))
        again = gatewayctl(data_dir, "usage", "ingest", str(log))

        # THEN the summary says what was counted, and re-running counts nothing twice
        assert "Requests counted:" in first.stdout
        assert "Nothing new to ingest" in again.stdout
        usage = httpx.get(f"{server.base_url}/usage/{team_id}", headers=admin).json()
        assert usage["totals"]["requests"] > 0
        assert usage["models"], usage
        spent = usage["budget"]["spent_usd"]
        assert usage["budget"]["exhausted"] is True, spent
        # AND the team reads the same with its own token, and its history ends with this month
        own = {"Authorization": f"Bearer {invoke}"}
        assert httpx.get(f"{server.base_url}/usage/{team_id}", headers=own).json() == usage
        history = httpx.get(f"{server.base_url}/usage/{team_id}/history", headers=own).json()
        assert history["months"][-1]["period"] == usage["period"]
        assert history["months"][-1]["cost_usd"] == usage["totals"]["cost_usd"]

        # AND the budget check now refuses with 429, saying which budget and when it resets
        refused = budget_check(server, invoke)
        assert refused["status_code"] == 429
        error = json.loads(refused["body"])["error"]
        assert error["budget_id"] == budget.json()["budget_id"]
        assert error["spent_usd"] == spent
        assert error["limit_usd"] == "1.000000"
        assert error["resets_at"] == usage["period_end"]
