"""`budget-check serve` (controlplane/budget_check_server.py): the check beside agentgateway.

The server runs for real (uvicorn on a free loopback port) and is called over HTTP as
agentgateway calls it; its decisions are compared with the Lambda's for the same calls, since
both must be `BudgetCheck`'s.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import uvicorn

from controlplane.agentgateway import validate_config
from controlplane.budget_check import BudgetCheck
from controlplane.budget_check_server import (
    CHECK_PATHS,
    KEEP_ALIVE_SECONDS,
    BudgetCheckApp,
    create_budget_check_app,
)
from controlplane.clock import isoformat
from controlplane.config_publisher import render_current
from controlplane.domain.periods import month_of
from controlplane.gateway_protocol import (
    BUDGET_CHECK_PATH,
    HEADER_AUTHORIZATION,
    HEADER_CLIENT_ID,
    HEADER_MODEL,
)
from controlplane.identity.tokens import TokenIssuer, TokenVerifier, load_or_create_signing_key
from controlplane.services import Services
from controlplane.settings import INVOKE_SCOPE, Settings
from controlplane.store.usage import Counters, UsageIncrement
from handlers.budget_check import handle_event
from tests.conftest import LambdaApi
from tests.events import load_event

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_CALL = {"body": {"messages": [{"role": "user", "content": "Add a test for the parser."}]}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def issuer(settings: Settings, services: Services) -> TokenIssuer:
    key = load_or_create_signing_key(settings.data_dir / "signing-key.pem")
    return TokenIssuer(key, settings.issuer, 3600, services.clock)


@pytest.fixture
def check(settings: Settings, services: Services, issuer: TokenIssuer) -> BudgetCheck:
    # As build_budget_check makes it: the issuer's keys, any client (the store decides).
    verifier = TokenVerifier(issuer.jwks(), settings.issuer, services.clock, lambda _c: True)
    return BudgetCheck(services, verifier)


def running(app: BudgetCheckApp) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="on", access_log=False, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "the server stopped"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def served(check: BudgetCheck) -> Iterator[str]:
    yield from running(BudgetCheckApp(lambda: check, "open"))


@pytest.fixture
def team(api: LambdaApi, issuer: TokenIssuer) -> dict[str, str]:
    registration = api.register_team("payments", tier="standard")
    client_id = registration["credentials"]["client_id"]
    return {
        "client_id": client_id,
        "budget_id": registration["budget_id"],
        "token": issuer.mint(client_id, [INVOKE_SCOPE]),
    }


def webhook_headers(team: dict[str, str], model: str = "claude-sonnet-4") -> dict[str, str]:
    """What agentgateway sends (rendered config): the validated token, client id and model."""
    return {
        HEADER_AUTHORIZATION: f"Bearer {team['token']}",
        HEADER_CLIENT_ID: team["client_id"],
        HEADER_MODEL: model,
    }


def test_the_webhook_answers_as_agentgateway_expects(served: str, team: dict[str, str]) -> None:
    with httpx.Client(base_url=served) as http:
        for path in sorted(CHECK_PATHS):
            answer = http.post(path, json=WEBHOOK_CALL, headers=webhook_headers(team))
            assert answer.status_code == 200, answer.text
            assert answer.headers["content-type"] == "application/json"
            assert answer.json() == {"action": {"reason": f"within budget {team['budget_id']}"}}
        # No token: still HTTP 200, the rejection (401) inside the reply
        refused = http.post(BUDGET_CHECK_PATH, json=WEBHOOK_CALL).json()
        assert refused["action"]["status_code"] == 401
        assert json.loads(refused["action"]["body"])["error"]["type"] == "authentication_error"
        assert http.post("/hooks/noop", json=WEBHOOK_CALL).json() == {"action": {"reason": "noop"}}
        wrong = http.get(BUDGET_CHECK_PATH)
        assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
        assert http.post("/v1/messages", json=WEBHOOK_CALL).status_code == 404
        health = http.get("/healthz").json()
        assert health["ready"] is True
        assert health["stats"]["decisions"] == {"pass": 2, "401": 1}


def test_the_server_decides_as_the_lambda_does(
    served: str, check: BudgetCheck, api: LambdaApi, team: dict[str, str], services: Services
) -> None:
    # GIVEN a team that spent more than its hard budget, and calls of every kind
    budget = api.get(f"/budgets/{team['budget_id']}")
    changed = api.put(
        f"/budgets/{team['budget_id']}",
        {"amount_usd": "1.00"},
        headers={"If-Match": budget.headers["ETag"]},
    )
    assert changed.status == 200
    now = services.now()
    services.ledger.apply(
        "batch-over-budget",
        [
            UsageIncrement(
                budget.body["team_id"],
                "anthropic",
                "claude-sonnet-4-20250514",
                month_of(now),
                Counters(requests=1, input_tokens=10, output_tokens=10, cost_usd=Decimal("1.5")),
            )
        ],
        at=isoformat(now),
    )
    cases = {
        "over budget": webhook_headers(team),
        "no token": {HEADER_MODEL: "claude-sonnet-4"},
        "not a token": {HEADER_AUTHORIZATION: "Bearer not-a-jwt"},
        "another client's header": webhook_headers(team) | {HEADER_CLIENT_ID: "someone-else"},
    }
    # The Lambda's check on the same store and keys (its own cache, so both read the store)
    lambda_check = BudgetCheck(services, check._verifier)  # the same keys
    statuses = {}
    with httpx.Client(base_url=served) as http:
        for name, headers in cases.items():
            over_http = http.post(BUDGET_CHECK_PATH, json=WEBHOOK_CALL, headers=headers).json()
            event = load_event("budget_check_function_url")
            event["headers"] = {k.lower(): v for k, v in headers.items()}
            by_lambda = json.loads(handle_event(event, None, lambda_check)["body"])
            # THEN the sidecar and the Lambda give the same reply, byte for byte
            assert over_http == by_lambda, name
            statuses[name] = over_http["action"].get("status_code")
    assert statuses == {
        "over budget": 429,
        "no token": 401,
        "not a token": 401,
        "another client's header": 401,
    }


def test_without_a_check_it_answers_the_fail_mode_and_retries_the_build(
    check: BudgetCheck, team: dict[str, str]
) -> None:
    # GIVEN a check that cannot be built (the JWKS or the store unreachable at start)
    attempts: list[float] = []
    now = [100.0]

    def build() -> BudgetCheck:
        attempts.append(now[0])
        if len(attempts) < 3:
            raise ConnectionError("JWKS unreachable (test)")
        return check

    app = BudgetCheckApp(build, "closed", retry_seconds=5.0, clock=lambda: now[0])
    for base_url in running(app):
        with httpx.Client(base_url=base_url) as http:
            # THEN calls get the fail mode's answer (closed: 503), and the build is not retried
            # on every call (a failed start is tried again after retry_seconds)
            for _ in range(3):
                reply = http.post(BUDGET_CHECK_PATH, headers=webhook_headers(team)).json()
                assert reply["action"]["status_code"] == 503
            assert attempts == [100.0]  # at startup only
            assert http.get("/healthz").json()["ready"] is False
            now[0] += 5.0
            reply = http.post(BUDGET_CHECK_PATH, headers=webhook_headers(team)).json()
            assert reply["action"]["status_code"] == 503
            assert len(attempts) == 2
            now[0] += 5.0
            # AND once it builds, calls are decided
            reply = http.post(BUDGET_CHECK_PATH, headers=webhook_headers(team)).json()
            assert reply == {"action": {"reason": f"within budget {team['budget_id']}"}}
            assert http.get("/healthz").json()["build_failures"] == 2


def test_keep_alive_outlasts_agentgateways_connection_pool() -> None:
    # agentgateway v1.4.1 keeps an idle backend connection 90 s (crates/agentgateway/src/lib.rs,
    # defaults::pool_idle_timeout): the server must not close one it may still send a call on.
    assert KEEP_ALIVE_SECONDS > 90


def test_gatewayctl_budget_check_serve_runs_from_the_environment_and_stops_on_sigterm(
    settings: Settings, issuer: TokenIssuer, team: dict[str, str], tmp_path: Path
) -> None:
    # GIVEN the environment the sidecar gets (here on SQLite), the issuer's JWKS at a URL
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(issuer.jwks()))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {
        "GATEWAY_STORE": "sqlite",
        "GATEWAY_DATA_DIR": str(settings.data_dir),
        "GATEWAY_ISSUER": settings.issuer,
        "GATEWAY_JWKS_URL": jwks.as_uri(),
    }
    command = ["-m", "controlplane.cli", "budget-check", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.communicate()[0]
            try:
                if httpx.get(f"{url}/healthz", timeout=1).json()["ready"]:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the sidecar never got ready"
            time.sleep(0.1)
        # WHEN agentgateway calls it THEN it decides from the store
        reply = httpx.post(
            f"{url}{BUDGET_CHECK_PATH}", json=WEBHOOK_CALL, headers=webhook_headers(team)
        ).json()
        assert reply == {"action": {"reason": f"within budget {team['budget_id']}"}}
        # AND SIGTERM (ECS stopping the task) ends it cleanly
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, output


def test_the_render_points_agentgateway_at_the_sidecar(services: Services) -> None:
    # GIVEN the setting the ECS deployment gives the functions that render the config
    port = 8181
    services.settings = services.settings.with_(
        budget_check_url=f"http://127.0.0.1:{port}{BUDGET_CHECK_PATH}"
    )
    document = render_current(services).document
    # THEN agentgateway calls the sidecar over plain HTTP on loopback at the check's path, no
    # TLS backend (that is the Function URL's), and the config is valid for agentgateway
    guards = [
        guard
        for route in document["routes"]
        for guard in route.get("policies", {})
        .get("ai", {})
        .get("promptGuard", {})
        .get("request", [])
        if "webhook" in guard
    ]
    assert guards
    for guard in guards:
        webhook = guard["webhook"]
        assert webhook["target"] == {"host": f"127.0.0.1:{port}"}
        assert webhook["headers"][":path"] == json.dumps(BUDGET_CHECK_PATH)  # a CEL string
    assert "backends" not in document
    assert validate_config(document) == []


def test_the_app_builds_the_check_from_settings_and_fails_as_they_say(
    settings: Settings, team: dict[str, str], tmp_path: Path
) -> None:
    # GIVEN settings whose JWKS cannot be read, failing closed
    broken = settings.with_(
        jwks_url=(tmp_path / "missing-jwks.json").as_uri(), budget_check_fail_mode="closed"
    )
    for base_url in running(create_budget_check_app(broken)):
        reply = httpx.post(f"{base_url}{BUDGET_CHECK_PATH}", headers=webhook_headers(team)).json()
        # THEN calls are refused with the fail mode's 503, saying the check is unavailable
        assert reply["action"]["status_code"] == 503
        error = json.loads(reply["action"]["body"])["error"]
        assert error["code"] == "budget_check_unavailable"
