"""`gatewayctl serve` and `gatewayctl token` as users run them: real processes, real ports.

The server records where it listens in `<data-dir>/server.json`; `token` finds it there (not in
the URL saved at the first start), and says in one line what failed when there is no server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from controlplane.discovery import (
    SERVER_FILE,
    NoRunningServer,
    ServerRecord,
    discover_server,
    record_server,
)
from tests.support.server import READY_TIMEOUT_SECONDS, ROOT, STOP_TIMEOUT_SECONDS, free_port

pytestmark = pytest.mark.e2e


def _environment() -> dict[str, str]:
    # Hermetic: no GATEWAY_* from the caller's shell.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def gatewayctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "controlplane.cli", *args],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@contextmanager
def serving(data_dir: Path, *args: str) -> Iterator[tuple[subprocess.Popen[bytes], ServerRecord]]:
    """`gatewayctl serve --data-dir DATA_DIR ARGS` (the option after the command, where users
    write it), ready once its own record names it and /healthz answers; stopped with SIGTERM."""
    log_path = data_dir.parent / f"{data_dir.name}-serve-{time.monotonic_ns()}.log"
    command = [sys.executable, "-m", "controlplane.cli", "serve", "--data-dir", str(data_dir)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--log-level", "warning", *args],
            cwd=ROOT,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    try:
        yield process, _wait_for_record(data_dir, process, log_path)
    finally:
        _stop(process, signal.SIGTERM)


def _wait_for_record(
    data_dir: Path, process: subprocess.Popen[bytes], log_path: Path
) -> ServerRecord:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            record = discover_server(data_dir)
        except NoRunningServer:
            record = None
        if record is not None and record.pid == process.pid:
            try:
                if httpx.get(f"{record.url}/healthz", timeout=1).status_code == 200:
                    return record
            except httpx.HTTPError:
                pass
        time.sleep(0.1)
    pytest.fail(f"serve did not record itself in time:\n{log_path.read_text()}")


def _stop(process: subprocess.Popen[bytes], how: signal.Signals) -> None:
    if process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_SECONDS)


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_serve_takes_data_dir_after_the_command_and_token_follows_it_across_restarts(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "gateway"
    # GIVEN `gatewayctl serve --data-dir DIR`, on a port the system picks
    with serving(data_dir, "--port", "0") as (process, first):
        # THEN it records where it listens, owner-only, with its pid and start time
        path = data_dir / SERVER_FILE
        assert path.stat().st_mode & 0o777 == 0o600
        saved = json.loads(path.read_text())
        assert saved["url"] == first.url
        assert saved["token_endpoint"] == f"{first.url}/oauth2/token"
        assert saved["pid"] == process.pid
        assert datetime.fromisoformat(saved["started_at"]).tzinfo is not None
        # AND `gatewayctl token --data-dir DIR` gets a token the API accepts
        issued = gatewayctl("token", "--data-dir", str(data_dir))
        assert issued.returncode == 0, issued.stderr
        teams = httpx.get(
            f"{first.url}/teams", headers={"Authorization": f"Bearer {issued.stdout.strip()}"}
        )
        assert teams.status_code == 200, teams.text
    # WHEN it stops cleanly, THEN its record is gone
    assert process.returncode is not None
    assert not (data_dir / SERVER_FILE).exists()

    # WHEN it restarts on another port
    other_port = free_port()
    assert f":{other_port}" not in first.url
    with serving(data_dir, "--port", str(other_port)) as (_, second):
        assert second.url == f"http://127.0.0.1:{other_port}"
        # (the endpoint saved at the first start names the old port)
        saved_endpoint = json.loads((data_dir / "admin-client.json").read_text())["token_endpoint"]
        assert saved_endpoint.startswith(first.url)
        # THEN `token`, the banner's own hint, still works: it asks the running server
        again = gatewayctl("--data-dir", str(data_dir), "token")
        assert again.returncode == 0, again.stderr
        assert again.stdout.count(".") == 2  # a JWT

    # AND with no server, `token` says so in one line and exits 1
    stopped = gatewayctl("token", "--data-dir", str(data_dir))
    assert stopped.returncode == 1
    line = _one_line(stopped.stderr)
    assert str(data_dir / SERVER_FILE) in line
    assert f"gatewayctl serve --data-dir {data_dir}" in line


def test_the_record_of_a_killed_server_is_detected_as_stale(tmp_path: Path) -> None:
    data_dir = tmp_path / "gateway"
    with serving(data_dir, "--port", "0") as (process, record):
        _stop(process, signal.SIGKILL)
    # GIVEN the record a killed server left behind
    assert (data_dir / SERVER_FILE).exists()
    # WHEN asking for a token, THEN one line names the dead server and how to start one
    answer = gatewayctl("token", "--data-dir", str(data_dir))
    assert answer.returncode == 1
    line = _one_line(answer.stderr)
    assert "no longer running" in line
    assert record.url in line
    assert f"gatewayctl serve --data-dir {data_dir}" in line


def test_token_says_which_url_it_could_not_reach(tmp_path: Path) -> None:
    # GIVEN credentials, and a record naming a live process (this one) on a port nobody serves
    data_dir = tmp_path / "gateway"
    data_dir.mkdir()
    closed = f"http://127.0.0.1:{free_port()}"
    (data_dir / "admin-client.json").write_text(
        json.dumps(
            {
                "client_id": "c",
                "client_secret": "s",
                "token_endpoint": f"{closed}/oauth2/token",
                "scope": "https://gateway.internal/admin",
            }
        )
    )
    record_server(data_dir, ServerRecord(closed, f"{closed}/oauth2/token", os.getpid(), "now"))
    # WHEN asking for a token
    answer = gatewayctl("token", "--data-dir", str(data_dir))
    # THEN one readable line: what failed, the URL, what to do; no traceback
    assert answer.returncode == 1
    line = _one_line(answer.stderr)
    assert f"could not reach {closed}/oauth2/token" in line
    assert "Connection refused" in line
    assert f"gatewayctl serve --data-dir {data_dir}" in line
    assert "Traceback" not in answer.stderr


def test_a_second_serve_on_a_busy_port_fails_without_touching_any_data_dir(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "gateway"
    with serving(data_dir, "--port", "0") as (_, live):
        published = data_dir / "agentgateway.yaml"
        before = {
            name: ((data_dir / name).read_bytes(), (data_dir / name).stat().st_mtime_ns)
            for name in ("agentgateway.yaml", SERVER_FILE, "admin-client.json")
        }
        port = live.url.rsplit(":", 1)[1]
        # WHEN another serve of the same data dir, and one of a new data dir, take that port
        for target in (data_dir, tmp_path / "fresh"):
            second = gatewayctl("serve", "--data-dir", str(target), "--port", port)
            # THEN each fails with one clear line and no banner
            assert second.returncode != 0
            line = _one_line(second.stderr)
            assert f"127.0.0.1:{port}" in line
            assert "already in use" in line
            assert "Control plane on" not in second.stdout + second.stderr
        # AND the live instance's published config and record are untouched, the new dir unmade
        after = {
            name: ((data_dir / name).read_bytes(), (data_dir / name).stat().st_mtime_ns)
            for name in before
        }
        assert after == before
        assert published.exists()
        assert not (tmp_path / "fresh").exists()
        assert httpx.get(f"{live.url}/healthz", timeout=5).status_code == 200


def test_swagger_ui_of_the_running_server_names_its_url(tmp_path: Path) -> None:
    with serving(tmp_path / "gateway", "--port", "0") as (_, record):
        document = httpx.get(f"{record.url}/openapi.json", timeout=10).json()
        assert document["servers"][0]["url"] == record.url
        flows = document["components"]["securitySchemes"]["CognitoAuth"]["flows"]
        assert flows["clientCredentials"]["tokenUrl"] == record.token_endpoint
        hooks = httpx.get(f"{record.url}/hooks.openapi.json", timeout=10).json()
        assert hooks["servers"][0]["url"] == record.url
