"""`gatewayctl` for every admin operation, run as users run it against the real local server
(no mocks): each command group's happy path, `-o json` parsed back and compared with what the API
answers, `-o yaml`, error exits (an API error is one line and exit 1, a bad flag exit 2), every
page of a list, the profiles (local, the environment, a profile file) and the token kept on disk
across invocations. One server for the module; commands run in-process through click's runner
(the real `main`), except where separate processes are the point.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
import yaml
from click.testing import CliRunner, Result

from controlplane.cli import main
from tests.support.server import ROOT, RunningServer, running_server

pytestmark = pytest.mark.e2e

MISSING_TEAM = "tm_" + "0" * 26
SONNET_ON_BEDROCK = "anthropic.claude-sonnet-4-20250514-v1:0"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("gatewayctl") / "gateway") as running:
        yield running


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user's config and cache folders (XDG_CONFIG_HOME, XDG_CACHE_HOME) of these runs."""
    return tmp_path_factory.mktemp("home")


def environment(home: Path, **overrides: str | None) -> dict[str, str | None]:
    """Hermetic: no GATEWAY_* of the caller's shell, config and cache under `home`."""
    env: dict[str, str | None] = {name: None for name in os.environ if name.startswith("GATEWAY_")}
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["XDG_CACHE_HOME"] = str(home / "cache")
    # Tables at the CLI's fixed width for output that is not a terminal, whatever runs the tests.
    env["COLUMNS"] = env["LINES"] = None
    env.update(overrides)
    return env


class Gatewayctl:
    """`gatewayctl ARGS --data-dir <the server's>`, through click's runner."""

    def __init__(self, server: RunningServer, home: Path) -> None:
        self.server = server
        self.home = home

    def __call__(
        self, *args: str, input: str | None = None, env: Mapping[str, str | None] | None = None
    ) -> Result:
        return CliRunner().invoke(
            main,
            [*args, "--data-dir", str(self.server.data_dir)],
            input=input,
            env={**environment(self.home), **(env or {})},
            prog_name="gatewayctl",
        )

    def ok(self, *args: str, **options: Any) -> Result:
        result = self(*args, **options)
        assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
        return result

    def json(self, *args: str, **options: Any) -> Any:
        return json.loads(self.ok(*args, "-o", "json", **options).stdout)


@pytest.fixture(scope="module")
def gatewayctl(server: RunningServer, home: Path) -> Gatewayctl:
    return Gatewayctl(server, home)


@pytest.fixture(scope="module")
def api(server: RunningServer) -> Iterator[httpx.Client]:
    """The admin API without the CLI, to compare with what the CLI prints."""
    headers = {"Authorization": f"Bearer {server.admin_token()}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
        yield client


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def register(gatewayctl: Gatewayctl, tier: str = "standard") -> dict[str, Any]:
    name = unique("team")
    registration: dict[str, Any] = gatewayctl.json(
        "teams", "create", "--name", name, "--contact-email", f"{name}@example.com", "--tier", tier
    )
    return registration


def one_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# teams -------------------------------------------------------------------------------------------


def test_teams_create_get_update_rotate_and_delete(
    gatewayctl: Gatewayctl, api: httpx.Client
) -> None:
    name = unique("payments")
    # The fixed point: flags, and a table for people with the secret and a warning to keep it.
    created = gatewayctl.ok(
        "teams", "create", "--name", name, "--contact-email", "p@example.com", "--tier", "standard"
    )
    assert name in created.stdout
    assert "client_secret" in created.stdout
    assert "shown only now" in created.stderr
    (team,) = [
        t for t in api.get("/teams", params={"limit": 100}).json()["items"] if t["name"] == name
    ]
    team_id = team["team_id"]

    # `teams get ID -o json` is the API's JSON of the team; by name, the same team.
    assert gatewayctl.json("teams", "get", team_id) == api.get(f"/teams/{team_id}").json()
    assert gatewayctl.json("teams", "get", name)["team_id"] == team_id
    shown = gatewayctl.ok("teams", "get", name).stdout
    assert "contact_email" in shown
    assert "p@example.com" in shown

    # An update reads the ETag just before and sends it: the change lands.
    updated = gatewayctl.json("teams", "update", name, "--cost-center", "CC-4410")
    assert updated["cost_center"] == "CC-4410"
    assert api.get(f"/teams/{team_id}").json()["cost_center"] == "CC-4410"
    # With a stale --if-match the API refuses it (412): one line, exit 1, nothing changed.
    stale = gatewayctl("teams", "update", name, "--status", "suspended", "--if-match", '"1"')
    assert stale.exit_code == 1
    assert one_line(stale).startswith("Error: 412 Precondition Failed")
    assert api.get(f"/teams/{team_id}").json()["status"] == "active"

    # rotate-secret, as YAML: a new secret for the same client.
    rotated = yaml.safe_load(gatewayctl.ok("teams", "rotate-secret", name, "-o", "yaml").stdout)
    assert rotated["client_id"] == team["client_id"]
    assert len(rotated["client_secret"]) >= 32

    deleted = gatewayctl.ok("teams", "delete", name)
    assert f"Deregistered team {name} ({team_id})" in deleted.stdout
    gone = gatewayctl("teams", "get", team_id)
    assert gone.exit_code == 1
    assert one_line(gone).startswith(f"Error: 404 Not Found: no team {team_id}")
    unknown_name = gatewayctl("teams", "get", name)
    assert unknown_name.exit_code == 1
    assert f"no team named '{name}'" in one_line(unknown_name)


def test_teams_create_from_a_yaml_file_with_an_idempotency_key(
    gatewayctl: Gatewayctl, tmp_path: Path
) -> None:
    name = unique("from-file")
    body = tmp_path / "team.yaml"
    body.write_text(f"name: {name}\ncontact_email: x@example.com\ntier: sandbox\n")
    first = gatewayctl.json(
        "teams", "create", "--from-file", str(body), "--description", "flags win",
        "--idempotency-key", f"key-{name}",
    )  # fmt: skip
    assert first["team"]["tier"] == "sandbox"
    assert first["team"]["description"] == "flags win"
    # The same key and body again: the first answer, not a second team (nor a 409).
    again = gatewayctl.json(
        "teams", "create", "--from-file", str(body), "--description", "flags win",
        "--idempotency-key", f"key-{name}",
    )  # fmt: skip
    assert again == first
    # From stdin, as JSON.
    other = unique("stdin")
    piped = gatewayctl.json(
        "teams", "create", "--from-file", "-",
        input=json.dumps({"name": other, "contact_email": "y@example.com", "tier": "premium"}),
    )  # fmt: skip
    assert piped["team"]["name"] == other


def test_teams_list_follows_every_page(gatewayctl: Gatewayctl, api: httpx.Client) -> None:
    names = {register(gatewayctl, tier="unlimited")["team"]["name"] for _ in range(5)}
    every = []
    cursor = None
    while True:
        page = api.get("/teams", params={"limit": 100, **({"cursor": cursor} if cursor else {})})
        every += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    # Two teams a request: several pages, all of them read, in order, each team once.
    listed = gatewayctl.json("teams", "list", "--page-size", "2")
    assert len(every) > 4
    assert listed == every
    assert names <= {team["name"] for team in listed}
    assert gatewayctl.json("teams", "list") == every
    table = gatewayctl.ok("teams", "list").stdout
    assert all(name in table for name in names)
    suspended = gatewayctl.json("teams", "list", "--status", "suspended")
    assert all(team["status"] == "suspended" for team in suspended)


# budgets -----------------------------------------------------------------------------------------


def test_budgets_list_get_update_delete_and_create(
    gatewayctl: Gatewayctl, api: httpx.Client
) -> None:
    registration = register(gatewayctl)
    name, team_id = registration["team"]["name"], registration["team"]["team_id"]
    budget_id = registration["budget_id"]

    listed = gatewayctl.json("budgets", "list", "--team", name)
    assert [budget["budget_id"] for budget in listed] == [budget_id]
    assert gatewayctl.json("budgets", "get", name) == api.get(f"/budgets/{budget_id}").json()
    assert name in gatewayctl.ok("budgets", "list").stdout  # the table names the team

    changed = gatewayctl.json(
        "budgets", "update", name, "--amount", "250", "--enforcement", "soft",
        "--alert-at", "50,90", "--model-limit", "claude-opus-4-1-20250805=100",
    )  # fmt: skip
    assert changed["amount_usd"] == "250.000000"
    assert changed["enforcement"] == "soft"
    assert changed["alert_thresholds"] == [50, 90]
    assert changed["model_limits"] == [
        {"model": "claude-opus-4-1-20250805", "amount_usd": "100.000000"}
    ]
    cleared = gatewayctl.json("budgets", "update", budget_id, "--no-model-limits")
    assert cleared["model_limits"] == []

    assert f"Deleted budget {budget_id}" in gatewayctl.ok("budgets", "delete", name).stdout
    assert gatewayctl.json("budgets", "list", "--team", team_id) == []
    recreated = gatewayctl.json(
        "budgets", "create", "--team", name, "--amount", "75.5", "--enforcement", "hard"
    )
    assert (recreated["team_id"], recreated["amount_usd"]) == (team_id, "75.500000")


def test_api_field_errors_are_shown_under_the_one_line(gatewayctl: Gatewayctl) -> None:
    name = register(gatewayctl)["team"]["name"]
    refused = gatewayctl("budgets", "update", name, "--amount", "10.1234567")
    assert refused.exit_code == 1
    first, *fields = refused.stderr.strip().splitlines()
    assert first.startswith("Error: 400 Bad Request: 1 invalid field: amount_usd")
    assert len(fields) == 1
    assert fields[0].startswith("  amount_usd: ")
    assert refused.stdout == ""


# prices ------------------------------------------------------------------------------------------


def test_prices_list_get_set_and_reset(gatewayctl: Gatewayctl, api: httpx.Client) -> None:
    bedrock = gatewayctl.json("prices", "list", "--provider", "bedrock")
    assert bedrock
    assert {price["provider"] for price in bedrock} == {"bedrock"}
    assert SONNET_ON_BEDROCK in {price["model"] for price in bedrock}

    set_ = gatewayctl.json(
        "prices", "set", "bedrock", SONNET_ON_BEDROCK, "--input", "2.70", "--output-price",
        "13.50", "--cache-read", "0.27", "--cache-write", "3.375",
    )  # fmt: skip
    assert (set_["input"], set_["output"], set_["source"]) == ("2.700000", "13.500000", "override")
    read = yaml.safe_load(
        gatewayctl.ok("prices", "get", "bedrock", SONNET_ON_BEDROCK, "-o", "yaml").stdout
    )
    assert read == api.get(f"/pricing/bedrock/{SONNET_ON_BEDROCK}").json()
    # Set again: the ETag read just before makes it an If-Match update of the override.
    again = gatewayctl.json(
        "prices", "set", "bedrock", SONNET_ON_BEDROCK, "--input", "3", "--output-price", "15"
    )
    assert again["input"] == "3.000000"

    reset = gatewayctl.ok("prices", "reset", "bedrock", SONNET_ON_BEDROCK)
    assert "default price" in reset.stdout
    assert gatewayctl.json("prices", "get", "bedrock", SONNET_ON_BEDROCK)["source"] == "default"
    nothing = gatewayctl("prices", "reset", "bedrock", SONNET_ON_BEDROCK)
    assert nothing.exit_code == 1
    assert one_line(nothing).startswith("Error: 404 Not Found")


# routes and policies -----------------------------------------------------------------------------


def test_routes_create_list_get_update_delete(gatewayctl: Gatewayctl, api: httpx.Client) -> None:
    model = unique("claude-sonnet")
    created = gatewayctl.json(
        "routes", "create", "--model", model, "--strategy", "failover",
        "--target", f"provider=bedrock,model={SONNET_ON_BEDROCK},region=us-east-1",
        "--target", "provider=anthropic,model=claude-sonnet-4-20250514",
        "--retry-attempts", "2", "--retry-on", "429,503",
    )  # fmt: skip
    assert created["targets"] == [
        {"provider": "bedrock", "model": SONNET_ON_BEDROCK, "region": "us-east-1"},
        {"provider": "anthropic", "model": "claude-sonnet-4-20250514"},
    ]
    assert created["retry"] == {"attempts": 2, "on_status": [429, 503]}
    rule_id = created["rule_id"]

    assert rule_id in {rule["rule_id"] for rule in gatewayctl.json("routes", "list")}
    table = gatewayctl.ok("routes", "list").stdout
    assert f"bedrock/{SONNET_ON_BEDROCK} (us-east-1)" in table
    assert gatewayctl.json("routes", "get", model) == api.get(f"/routing/{rule_id}").json()

    disabled = gatewayctl.json("routes", "update", model, "--disabled")
    assert disabled["enabled"] is False
    assert "Deleted routing rule" in gatewayctl.ok("routes", "delete", model).stdout
    assert api.get(f"/routing/{rule_id}").status_code == 404


def test_policies_create_list_get_update_delete(gatewayctl: Gatewayctl, api: httpx.Client) -> None:
    name = unique("pii")
    team = register(gatewayctl)["team"]
    pattern = r"[a-z0-9-]+\.corp\.example\.com"
    created = gatewayctl.json(
        "policies", "create", "--name", name, "--phase", "both",
        "--detector", "email=mask", "--detector", "credit_card=reject",
        "--regex", "internal-hosts", "mask", pattern, "--teams", team["name"],
    )  # fmt: skip
    assert created["applies_to"] == {"mode": "teams", "team_ids": [team["team_id"]]}
    assert created["custom_rules"] == [
        {"name": "internal-hosts", "pattern": pattern, "action": "mask"}
    ]
    # Tables print text, never rich markup: the regex shows as written.
    assert pattern in gatewayctl.ok("policies", "get", name).stdout
    assert name in gatewayctl.ok("policies", "list").stdout
    assert (
        gatewayctl.json("policies", "get", name)
        == api.get(f"/scanner/{created['policy_id']}").json()
    )
    everyone = gatewayctl.json("policies", "update", name, "--teams", "all", "--disabled")
    assert everyone["applies_to"]["mode"] == "all"
    assert everyone["enabled"] is False
    assert "Deleted policy" in gatewayctl.ok("policies", "delete", created["policy_id"]).stdout


def test_a_misspelt_field_of_a_body_file_is_a_usage_error(
    gatewayctl: Gatewayctl, tmp_path: Path
) -> None:
    body = tmp_path / "rule.json"
    body.write_text(
        json.dumps(
            {
                "model": unique("m"),
                "strategy": "failover",
                "targets": [
                    {"provider": "anthropic", "model": "claude-sonnet-4-20250514", "wieght": 1}
                ],
            }
        )
    )
    refused = gatewayctl("routes", "create", "--from-file", str(body))
    assert refused.exit_code == 2
    assert "unknown fields: targets[0].wieght" in refused.stderr


# usage -------------------------------------------------------------------------------------------


def test_usage_show_totals_budget_bar_and_models(
    gatewayctl: Gatewayctl, api: httpx.Client, server: RunningServer, tmp_path: Path
) -> None:
    team = register(gatewayctl)["team"]
    log = tmp_path / "access.log"
    gatewayctl.ok("dev", "generate-logs", "--lines", "400", "--teams-from-store", "-o", str(log))
    gatewayctl.ok("usage", "ingest", str(log), "--quiet")

    answer = gatewayctl.json("usage", "show", team["name"])
    assert answer == api.get(f"/usage/{team['team_id']}").json()
    assert answer["totals"]["requests"] > 0
    shown = gatewayctl.ok("usage", "show", team["team_id"], "--top", "2").stdout
    assert f"Usage of {team['team_id']} in {answer['period']}" in shown
    budget = answer["budget"]
    assert f"{budget['percent_used']} %" in shown
    assert "█" in shown or "░" in shown
    assert "Totals" in shown
    assert f"{answer['totals']['requests']:,}" in shown
    top = answer["models"][0]
    assert top["model"] in shown
    if len(answer["models"]) > 2:
        assert f"and {len(answer['models']) - 2} more models" in shown
    november = gatewayctl.json("usage", "show", team["name"], "--period", "2026-11")
    assert november["period"] == "2026-11"
    bad = gatewayctl("usage", "show", team["name"], "--period", "2026-13")
    assert bad.exit_code == 2


# audit -------------------------------------------------------------------------------------------


def test_audit_list_reads_the_trail_with_its_filters(gatewayctl: Gatewayctl) -> None:
    registration = register(gatewayctl)
    name, team_id = registration["team"]["name"], registration["team"]["team_id"]
    gatewayctl.ok("teams", "update", name, "--description", "audited")

    records = gatewayctl.json("audit", "list")
    assert records
    assert [r["at"] for r in records] == sorted((r["at"] for r in records), reverse=True)
    of_team = gatewayctl.json("audit", "list", "--resource-type", "teams", "--resource-id", name)
    assert [r["action"] for r in of_team] == ["updateTeam", "createTeam"]
    assert {r["resource_id"] for r in of_team} == {team_id}
    updates = gatewayctl.json("audit", "list", "--action", "updateTeam", "--since", "1h")
    assert team_id in {r["resource_id"] for r in updates}
    assert gatewayctl.json("audit", "list", "--until", "2026-11-01") == []

    newest = gatewayctl("audit", "list", "--limit", "1", "-o", "json")
    assert newest.exit_code == 0
    assert len(json.loads(newest.stdout)) == 1
    assert "--limit N or --all" in newest.stderr
    table = gatewayctl.ok("audit", "list", "--resource-type", "teams", "--resource-id", team_id)
    assert "description: — → audited" in table.stdout
    assert "created" in table.stdout
    assert gatewayctl("audit", "list", "--since", "yesterday").exit_code == 2


# config ------------------------------------------------------------------------------------------


def test_config_show_is_the_served_config_and_diff_says_what_would_change(
    gatewayctl: Gatewayctl, api: httpx.Client, server: RunningServer, tmp_path: Path
) -> None:
    assert gatewayctl.ok("config", "show").stdout == api.get("/routing/config").text
    document = gatewayctl.json("config", "show")
    assert document == api.get("/routing/config", params={"format": "json"}).json()

    # The file the local server publishes is the served config.
    same = gatewayctl.ok("config", "diff", "--exit-code")
    assert f"No change: {server.data_dir / 'agentgateway.yaml'}" in same.stdout

    # A copy from before a change: the diff shows the new rule's route as added lines.
    before = tmp_path / "agentgateway.yaml"
    before.write_text(api.get("/routing/config").text)
    model = unique("diffed")
    gatewayctl.ok(
        "routes", "create", "--model", model, "--strategy", "failover",
        "--target", "provider=anthropic,model=claude-sonnet-4-20250514",
    )  # fmt: skip
    changed = gatewayctl("config", "diff", str(before), "--exit-code")
    assert changed.exit_code == 1
    lines = changed.stdout.splitlines()
    assert lines[0] == f"--- {before} (agentgateway's)"
    assert lines[1] == f"+++ {server.base_url}/routing/config (served)"
    assert any(line.startswith("+") and model in line for line in lines)
    assert not any(line.startswith("-") and model in line for line in lines)
    assert "lines would be added" in changed.stderr
    # Without --exit-code a difference is still a success.
    assert gatewayctl("config", "diff", str(before)).exit_code == 0
    gatewayctl.ok("routes", "delete", model)


# profiles and the token --------------------------------------------------------------------------


def run_gatewayctl(
    *args: str, env: Mapping[str, str | None], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """A separate `gatewayctl` process (the token must outlive one)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    for name, value in env.items():
        if value is None:
            full.pop(name, None)
        else:
            full[name] = value
    return subprocess.run(
        [sys.executable, "-m", "controlplane.cli", *args],
        cwd=cwd,
        env={**full, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_environment_profile_and_its_token_kept_across_invocations(
    server: RunningServer, tmp_path: Path
) -> None:
    admin = server.admin_credentials()
    home = tmp_path / "home"
    deployment = environment(
        home,
        GATEWAY_API_URL=server.base_url,
        GATEWAY_TOKEN_ENDPOINT=admin["token_endpoint"],
        GATEWAY_CLIENT_ID=admin["client_id"],
        GATEWAY_CLIENT_SECRET=admin["client_secret"],
    )
    # No data dir here: it is the environment that names the control plane.
    first = run_gatewayctl("teams", "list", "-o", "json", env=deployment, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert isinstance(json.loads(first.stdout), list)
    cached = home / "cache" / "gatewayctl" / "tokens" / "env.json"
    assert cached.stat().st_mode & 0o777 == 0o600
    assert cached.parent.stat().st_mode & 0o777 == 0o700

    # The next invocation uses the kept token: with a wrong secret it still works, since it
    # never asks the token endpoint.
    wrong_secret = {**deployment, "GATEWAY_CLIENT_SECRET": "wrong"}
    second = run_gatewayctl("teams", "list", "-o", "json", env=wrong_secret, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    # Once the token is due for refresh, a new one is asked for: the wrong secret now fails,
    # in one line naming the token endpoint.
    stored = json.loads(cached.read_text())
    cached.write_text(json.dumps({**stored, "refresh_at": time.time() - 1}))
    third = run_gatewayctl("teams", "list", env=wrong_secret, cwd=tmp_path)
    assert third.returncode == 1
    (line,) = third.stderr.strip().splitlines()
    assert line.startswith(f"Error: token request to {admin['token_endpoint']} failed: 401 ")
    # An incomplete environment says what is missing.
    partial = run_gatewayctl(
        "teams", "list", env={**deployment, "GATEWAY_CLIENT_ID": None}, cwd=tmp_path
    )
    assert partial.returncode == 1
    assert "not set: GATEWAY_CLIENT_ID" in partial.stderr


def test_the_local_profile_keeps_its_token_in_the_data_dir(gatewayctl: Gatewayctl) -> None:
    token = gatewayctl.ok("token").stdout.strip()
    kept = gatewayctl.server.data_dir / "gatewayctl-token.json"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert json.loads(kept.read_text())["access_token"] == token
    assert gatewayctl.ok("token").stdout.strip() == token


def test_a_profile_file_is_used_only_when_others_cannot_read_it(
    gatewayctl: Gatewayctl, server: RunningServer, tmp_path: Path
) -> None:
    admin = server.admin_credentials()
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(
        "[staging]\n"
        f'api_url = "{server.base_url}"\n'
        f'token_endpoint = "{admin["token_endpoint"]}"\n'
        f'client_id = "{admin["client_id"]}"\n'
        f'client_secret = "{admin["client_secret"]}"\n'
    )
    env = {"GATEWAY_PROFILES_FILE": str(profiles)}
    profiles.chmod(0o644)
    refused = gatewayctl("--profile", "staging", "teams", "list", env=env)
    assert refused.exit_code == 1
    assert f"`chmod 600 {profiles}`" in one_line(refused)

    profiles.chmod(0o600)
    listed = gatewayctl("teams", "list", "--profile", "staging", "-o", "json", env=env)
    assert listed.exit_code == 0, listed.stderr
    assert isinstance(json.loads(listed.stdout), list)
    kept = gatewayctl.home / "cache" / "gatewayctl" / "tokens" / "staging.json"
    assert kept.stat().st_mode & 0o777 == 0o600
    # GATEWAY_PROFILE chooses it too; an unknown profile is a usage error naming the known ones.
    assert gatewayctl("teams", "list", env={**env, "GATEWAY_PROFILE": "staging"}).exit_code == 0
    unknown = gatewayctl("teams", "list", "--profile", "prod", env=env)
    assert unknown.exit_code == 2
    assert "no profile 'prod'" in unknown.stderr
    assert "it has: staging" in unknown.stderr


def test_a_stopped_local_server_is_one_line_saying_how_to_start_it(
    home: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "never-started"
    data_dir.mkdir()
    (data_dir / "admin-client.json").write_text(
        json.dumps({"client_id": "c", "client_secret": "s", "scope": "x"})
    )
    result = CliRunner().invoke(
        main, ["teams", "list", "--data-dir", str(data_dir)], env=environment(home)
    )
    assert result.exit_code == 1
    assert f"start it with `gatewayctl serve --data-dir {data_dir}`" in one_line(result)


# the command line itself -------------------------------------------------------------------------


def test_a_bad_flag_is_a_usage_error(gatewayctl: Gatewayctl) -> None:
    for args in (
        ["teams", "list", "--bogus"],
        ["teams", "create", "--tier", "gold"],
        ["teams", "list", "-o", "xml"],
        ["budgets", "update", "x", "--model-limit", "no-amount"],
    ):
        result = gatewayctl(*args)
        assert result.exit_code == 2, args
        assert "Usage:" in result.stderr


def test_version_and_shell_completion(home: Path) -> None:
    runner = CliRunner()
    version = runner.invoke(main, ["--version"], prog_name="gatewayctl")
    assert version.exit_code == 0
    assert version.stdout.strip().startswith("gatewayctl 0.")
    for shell in ("bash", "zsh", "fish"):
        script = runner.invoke(main, ["completion", shell], env=environment(home))
        assert script.exit_code == 0
        assert "_GATEWAYCTL_COMPLETE" in script.stdout
    # What the bash script asks, answered: the groups and the choices of an option.
    completions = {
        words: runner.invoke(
            main,
            [],
            env={
                **environment(home),
                "_GATEWAYCTL_COMPLETE": "bash_complete",
                "COMP_WORDS": words,
                "COMP_CWORD": str(len(words.split()) - 1),
            },
            prog_name="gatewayctl",
        ).stdout
        for words in ("gatewayctl te", "gatewayctl teams create --tier s")
    }
    assert completions["gatewayctl te"].split() == ["plain,teams"]
    assert set(completions["gatewayctl teams create --tier s"].split()) == {
        "plain,sandbox",
        "plain,standard",
    }


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


@pytest.mark.parametrize("path", _commands(main), ids=lambda path: " ".join(path) or "gatewayctl")
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    answer = CliRunner().invoke(main, [*path, "--help"])
    assert answer.exit_code == 0
    assert re.search(r"Example:\n +.*gatewayctl ", answer.stdout), answer.stdout
