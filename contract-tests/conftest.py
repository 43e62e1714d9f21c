"""Fixtures of the contract tests: the real local control plane, started once per session.

`gateway` starts `gatewayctl serve` as a subprocess on a free port with a throw-away data dir, waits
for `/healthz`, reads the admin client that the first start writes to `admin-client.json`, and
fetches an admin access token from the server's own OAuth2 token endpoint (client credentials).
The server is stopped at the end of the session: terminate, then kill.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
LOG_TAIL_CHARS = 4000


@dataclass(frozen=True)
class Gateway:
    """The running local server and an admin access token for it."""

    base_url: str
    token: str
    data_dir: Path
    log_path: Path

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def log_tail(self) -> str:
        return _tail(self.log_path)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<no server log: {exc}>"
    return text[-LOG_TAIL_CHARS:] or "<empty>"


def _server_command(data_dir: Path, port: int) -> list[str]:
    # `--data-dir` is a global option of the CLI: it goes before the subcommand.
    options = ["--data-dir", str(data_dir), "serve", "--host", "127.0.0.1", "--port", str(port)]
    # Access logs of thousands of generated requests would only bury the errors.
    options += ["--log-level", "warning"]
    script = shutil.which("gatewayctl", path=str(Path(sys.executable).parent))
    if script:
        return [script, *options]
    return [sys.executable, "-m", "controlplane.cli", *options]


def _server_env() -> dict[str, str]:
    # Hermetic: no GATEWAY_* from the caller's shell (GATEWAY_ISSUER, GATEWAY_STORE, ...), so the
    # server uses its local defaults: SQLite in the data dir, issuer http://127.0.0.1:<port>.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    last_error = "no attempt yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"the server exited with code {process.returncode} before it was ready; "
                f"its output:\n{_tail(log_path)}",
                pytrace=False,
            )
        try:
            response = httpx.get(f"{base_url}/healthz", timeout=1.0)
        except httpx.HTTPError as exc:
            last_error = repr(exc)
        else:
            if response.status_code == 200:
                return
            last_error = f"/healthz answered {response.status_code}: {response.text[:200]}"
        time.sleep(0.1)
    pytest.fail(
        f"the server was not ready within {READY_TIMEOUT_SECONDS:.0f}s ({last_error}); "
        f"its output:\n{_tail(log_path)}",
        pytrace=False,
    )


def _admin_token(data_dir: Path, base_url: str) -> str:
    client = json.loads((data_dir / "admin-client.json").read_text())
    token_endpoint = client["token_endpoint"]
    assert token_endpoint == f"{base_url}/oauth2/token", (
        f"admin-client.json names the token endpoint {token_endpoint}, not this server's"
    )
    response = httpx.post(
        token_endpoint,
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
            "scope": client["scope"],
        },
        timeout=10.0,
    )
    assert response.status_code == 200, (
        f"token request failed: {response.status_code} {response.text}"
    )
    issued = response.json()
    assert issued["token_type"] == "Bearer", issued
    token: str = issued["access_token"]
    return token


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each operation's test its own node id, `test_api[POST /teams]`.

    pytest 9.2 derives a parametrized node id from the callspec's ids, which Schemathesis 4.32
    does not fill: every operation would be `test_api` (ambiguous reports, `--lf` and node-id
    selection broken). A no-op where the node id already carries the parameters.
    """
    for item in items:
        _, bracket, params = item.name.partition("[")
        with_params = getattr(getattr(item, "_id", None), "with_params", None)
        if bracket and "[" not in item.nodeid and with_params is not None:
            item._id = with_params(params.removesuffix("]"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing test's report ends with the last lines the server logged (errors, tracebacks)."""
    report = yield
    gateway = getattr(item, "funcargs", {}).get("gateway")
    if report.when == "call" and report.failed and isinstance(gateway, Gateway):
        report.sections.append(("local server log (last lines)", gateway.log_tail()))
    return report


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """The local control plane on a free port, with a fresh data dir, and an admin token."""
    data_dir = tmp_path_factory.mktemp("gateway-data")
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        # One file for stdout and stderr: a pipe nobody reads would block the server once full.
        process = subprocess.Popen(
            _server_command(data_dir, port),
            cwd=ROOT,
            env=_server_env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(process, base_url, log_path)
        token = _admin_token(data_dir, base_url)
        yield Gateway(base_url=base_url, token=token, data_dir=data_dir, log_path=log_path)
        if process.poll() is not None:
            pytest.fail(
                f"the server died during the run (exit code {process.returncode}); "
                f"its output:\n{_tail(log_path)}",
                pytrace=False,
            )
    finally:
        _stop(process)
