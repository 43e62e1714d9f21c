"""Run `gatewayctl serve` as a real subprocess on a free port, for end-to-end and contract tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ADMIN_SCOPE = "https://gateway.internal/admin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    base_url: str
    data_dir: Path
    process: subprocess.Popen[bytes]

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
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def admin_token(self) -> str:
        saved = self.admin_credentials()
        return self.token(saved["client_id"], saved["client_secret"], ADMIN_SCOPE)


@contextmanager
def running_server(data_dir: Path, port: int | None = None) -> Iterator[RunningServer]:
    """Start the server, wait until /healthz answers, stop it (SIGTERM, then SIGKILL) afterwards."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["PYTHONUNBUFFERED"] = "1"
    log = (data_dir.parent / f"server-{port}.log").open("wb")
    command = [
        sys.executable,
        "-m",
        "controlplane.cli",
        "--data-dir",
        str(data_dir),
        "serve",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {Path(log.name).read_text()}")
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {Path(log.name).read_text()}")
            time.sleep(0.1)
        yield RunningServer(base_url=base_url, data_dir=data_dir, process=process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
