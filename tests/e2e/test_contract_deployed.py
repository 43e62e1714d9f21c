"""`make contract-test-deployed`, offline: the contract tests pointed at the local server as if it
were a deployed stage (its own token endpoint and admin client), with a small example budget.

A deployed run starts no server, gets its admin token with the client-credentials grant (HTTP
Basic), and deletes what it created; it refuses a stage that already holds data unless told to
keep it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import ROOT, RunningServer, running_server

pytestmark = pytest.mark.e2e

# Creating teams and budgets, and a few stateful scenarios (their reset creates teams, a routing
# rule and a scanner policy; their links lead to budgets, price overrides, updates and deletes).
CREATING = "test_api and POST and (teams or budgets) and not secret or test_stateful"
SMALL_BUDGET = {"CONTRACT_TESTS_MAX_EXAMPLES": "3", "CONTRACT_TESTS_STATEFUL_SCENARIOS": "4"}


def deployed_env(server: RunningServer, **extra: str) -> dict[str, str]:
    admin = server.admin_credentials()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "CONTRACT_TESTS_"))}
    env.update(
        GATEWAY_API_URL=server.base_url,
        GATEWAY_TOKEN_ENDPOINT=admin["token_endpoint"],
        GATEWAY_CLIENT_ID=admin["client_id"],
        GATEWAY_CLIENT_SECRET=admin["client_secret"],
        **extra,
    )
    return env


def run_deployed(env: dict[str, str], select: str) -> subprocess.CompletedProcess[str]:
    """What `make contract-test-deployed ARGS='-k ...'` runs."""
    command = [sys.executable, "-m", "pytest", "contract-tests", "--deployed", "-q"]
    command += ["-p", "no:cacheprovider", "-k", select]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False
    )


def everything(server: RunningServer) -> dict[str, list[Any]]:
    headers = {"Authorization": f"Bearer {server.admin_token()}"}
    found: dict[str, list[Any]] = {}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as api:
        for path in ("/teams", "/budgets", "/routing", "/scanner", "/pricing"):
            items = api.get(path, params={"limit": "100"}).raise_for_status().json()["items"]
            if path == "/pricing":
                items = [i for i in items if i["source"] == "override"]
            found[path] = items
    return found


def test_a_deployed_run_leaves_nothing_behind(tmp_path: Path) -> None:
    # GIVEN an empty control plane standing in for a deployed stage
    with running_server(tmp_path / "stage") as server:
        # WHEN the contract tests run against it in deployed mode
        result = run_deployed(deployed_env(server, **SMALL_BUDGET), CREATING)
        output = result.stdout + result.stderr
        # THEN they pass, and say what they deleted
        assert result.returncode == 0, output[-6000:]
        assert "deployed stage: clean-up" in output, output[-3000:]
        summary = output.split("deployed stage: clean-up", 1)[1]
        teams_line = next(line for line in summary.splitlines() if line.startswith("teams:"))
        assert int(teams_line.split("deleted ", 1)[1].split()[0]) > 0, summary
        # (found from the 201 answers it recorded, not only by listing what is new)
        assert "found only by listing" not in summary, summary
        assert "LEFT BEHIND" not in summary, summary
        assert "FAILED" not in summary, summary
        # AND no team (nor its Cognito client), budget, rule, policy or override is left
        assert everything(server) == {
            "/teams": [],
            "/budgets": [],
            "/routing": [],
            "/scanner": [],
            "/pricing": [],
        }


def test_a_stage_with_data_is_refused_unless_kept(tmp_path: Path) -> None:
    with running_server(tmp_path / "stage") as server:
        # GIVEN a stage that already has a team
        headers = {"Authorization": f"Bearer {server.admin_token()}"}
        body = {"name": "keep-me", "contact_email": "ops@example.com", "tier": "standard"}
        kept = httpx.post(f"{server.base_url}/teams", json=body, headers=headers, timeout=10)
        kept_id = kept.raise_for_status().json()["team"]["team_id"]
        select = "test_api and GET and teams and not team_id"
        # WHEN a deployed run starts THEN it refuses, naming what is there
        refused = run_deployed(deployed_env(server), select)
        assert refused.returncode == 2, refused.stdout[-3000:]
        assert "already holds 1 teams" in refused.stdout + refused.stderr
        # WHEN it is told to keep existing data THEN it runs, and leaves that data alone
        allowed = run_deployed(
            deployed_env(server, CONTRACT_TESTS_ALLOW_EXISTING_DATA="1", **SMALL_BUDGET), select
        )
        assert allowed.returncode == 0, allowed.stdout[-6000:]
        assert [team["team_id"] for team in everything(server)["/teams"]] == [kept_id]


def test_missing_settings_exit_2_naming_them() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_API_URL"] = "https://example.execute-api.us-east-1.amazonaws.com/dev"
    result = run_deployed(env, "test_api")
    assert result.returncode == 2
    output = result.stdout + result.stderr
    for name in ("GATEWAY_TOKEN_ENDPOINT", "GATEWAY_CLIENT_ID", "GATEWAY_CLIENT_SECRET"):
        assert name in output
    assert "GATEWAY_API_URL:" not in output
