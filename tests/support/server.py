"""Run `gatewayctl serve` as a real subprocess on a free port: the one launcher of the end-to-end
and contract tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
ADMIN_SCOPE = "https://gateway.internal/admin"
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
LOG_TAIL_CHARS = 4000


class ServerFailed(RuntimeError):
    """The server exited, or never became ready; the message ends with its output."""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    base_url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    killed: bool = False

    def kill(self) -> None:
        """kill -9, as a crash would (the server gets no chance to clean up)."""
        self.killed = True
        self.process.kill()
        self.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def log_tail(self) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"<no server log: {exc}>"
        return text[-LOG_TAIL_CHARS:] or "<empty>"

    def admin_credentials(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.data_dir / "admin-client.json").read_text())
        return loaded

    def token(self, client_id: str, client_secret: str, scope: str | None = None) -> str:
        """The curl of the docs: a form-encoded client-credentials request."""
        form = {"grant_type": "client_credentials", "client_id": client_id}
        form["client_secret"] = client_secret
        if scope:
            form["scope"] = scope
        answer = httpx.post(f"{self.base_url}/oauth2/token", data=form, timeout=10)
        if answer.status_code != 200:
            raise ServerFailed(f"token request failed: {answer.status_code} {answer.text}")
        issued = answer.json()
        assert issued["token_type"] == "Bearer", issued
        return str(issued["access_token"])

    def admin_token(self) -> str:
        saved = self.admin_credentials()
        return self.token(saved["client_id"], saved["client_secret"], ADMIN_SCOPE)


def _wait_until_ready(server: RunningServer) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    last_error = "no attempt yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerFailed(
                f"the server exited with code {server.process.returncode} before it was ready; "
                f"its output:\n{server.log_tail()}"
            )
        try:
            answer = httpx.get(f"{server.base_url}/healthz", timeout=1.0)
        except httpx.HTTPError as exc:
            last_error = repr(exc)
        else:
            if answer.status_code == 200:
                return
            last_error = f"/healthz answered {answer.status_code}"
        time.sleep(0.1)
    raise ServerFailed(
        f"the server was not ready within {READY_TIMEOUT_SECONDS:.0f}s ({last_error}); "
        f"its output:\n{server.log_tail()}"
    )


@contextmanager
def running_server(
    data_dir: Path,
    port: int | None = None,
    settings: Mapping[str, str] | None = None,
    log_level: str = "warning",
) -> Iterator[RunningServer]:
    """Start the server, wait for /healthz, and stop it afterwards (terminate, then kill).
    `settings` are GATEWAY_* variables for it; `log_level` "info" logs every request. Raises
    ServerFailed if it dies while in use."""
    port = port or free_port()
    # Hermetic: no GATEWAY_* from the caller's shell, so the server uses its local defaults.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(settings or {})
    env["PYTHONUNBUFFERED"] = "1"
    log_path = data_dir.parent / f"{data_dir.name}-server-{port}.log"
    command = [sys.executable, "-m", "controlplane.cli", "--data-dir", str(data_dir), "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", log_level]
    with log_path.open("wb") as log:
        # One file for stdout and stderr: a pipe nobody reads would block the server once full.
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
    server = RunningServer(f"http://127.0.0.1:{port}", data_dir, log_path, process)
    try:
        _wait_until_ready(server)
        yield server
        if process.poll() is not None and not server.killed:
            raise ServerFailed(
                f"the server died while in use (exit code {process.returncode}); "
                f"its output:\n{server.log_tail()}"
            )
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
