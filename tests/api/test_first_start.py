"""First start of the local control plane: atomic (one key, one admin client) and private."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from controlplane.adapters.local import (
    ADMIN_CLIENT_FILE,
    SIGNING_KEY_FILE,
    LocalControlPlane,
    create_app,
    open_control_plane,
)
from controlplane.file_ingest import Checkpoints, FilePosition
from controlplane.identity.tokens import load_or_create_signing_key
from controlplane.settings import Settings
from controlplane.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[2]

_START = """
import json, os, sys, time
from pathlib import Path
from starlette.testclient import TestClient
from controlplane.adapters.local import create_app, open_control_plane
from controlplane.settings import Settings

data_dir, go = Path(sys.argv[1]), Path(sys.argv[2])
(go.parent / f"ready-{os.getpid()}").touch()
while not go.exists():
    time.sleep(0.001)
plane = open_control_plane(
    Settings(data_dir=data_dir, issuer="http://testserver",
             token_endpoint="http://testserver/oauth2/token")
)
jwks = TestClient(create_app(plane)).get("/.well-known/jwks.json").json()
print(json.dumps({"kid": plane.issuer.kid, "jwks": jwks, "admin": plane.admin.client_id,
                  "secret": plane.admin.client_secret}))
"""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _oauth_clients(settings: Settings) -> list[str]:
    store = SqliteStore(settings.sqlite_path)
    try:
        return [item.sk for item in store.query("OAUTH_CLIENT", limit=1000).items]
    finally:
        store.close()


def _assert_one_winner(settings: Settings, started: list[dict[str, Any]]) -> None:
    on_disk = load_or_create_signing_key(settings.data_dir / SIGNING_KEY_FILE)
    assert {start["kid"] for start in started} == {on_disk.kid}
    for start in started:
        assert start["jwks"] == {"keys": [on_disk.public_jwk]}
    saved = json.loads((settings.data_dir / ADMIN_CLIENT_FILE).read_text())
    assert {start["admin"] for start in started} == {saved["client_id"]}
    assert {start["secret"] for start in started} == {saved["client_secret"]}
    assert _oauth_clients(settings) == [saved["client_id"]]
    leftovers = [p.name for p in settings.data_dir.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_concurrent_first_starts_in_processes_have_one_winner(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", _START, str(data_dir), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        for _ in range(5)
    ]
    deadline = time.monotonic() + 60  # let every interpreter import, then start them at once
    while len(list(tmp_path.glob("ready-*"))) < len(starts) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    started = []
    for process in starts:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
        started.append(json.loads(out.decode().strip().splitlines()[-1]))
    _assert_one_winner(Settings(data_dir=data_dir), started)


def test_concurrent_first_starts_in_threads_have_one_winner(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        issuer="http://testserver",
        token_endpoint="http://testserver/oauth2/token",
    )
    barrier = threading.Barrier(6)
    planes: list[LocalControlPlane] = []
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            planes.append(open_control_plane(settings))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    started = [
        {
            "kid": plane.issuer.kid,
            "jwks": TestClient(create_app(plane)).get("/.well-known/jwks.json").json(),
            "admin": plane.admin.client_id,
            "secret": plane.admin.client_secret,
        }
        for plane in planes
    ]
    assert len(started) == 6
    _assert_one_winner(settings, started)
    for plane in planes:
        plane.services.store.close()


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("umask_022")
def test_data_dir_files_are_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    plane = open_control_plane(settings)
    try:
        plane.identity.create_client("team", ["https://gateway.internal/invoke"])
        log = tmp_path / "access.log"
        log.write_text("")
        Checkpoints(settings.checkpoint_path).set(log, FilePosition(1, 2, 0))
        assert _mode(settings.data_dir) == 0o700
        private = [
            settings.sqlite_path,
            Path(f"{settings.sqlite_path}-wal"),
            Path(f"{settings.sqlite_path}-shm"),
            settings.data_dir / SIGNING_KEY_FILE,
            settings.data_dir / ADMIN_CLIENT_FILE,
            settings.checkpoint_path,
        ]
        assert {path.name: _mode(path) for path in private} == {p.name: 0o600 for p in private}
        others = {
            path.name: _mode(path)
            for path in settings.data_dir.iterdir()
            if path.name != "agentgateway.yaml"
        }
        assert all(mode & 0o077 == 0 for mode in others.values()), others
    finally:
        plane.services.store.close()


@pytest.mark.usefixtures("umask_022")
def test_an_older_data_dir_is_made_private_on_start(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    settings.data_dir.mkdir(mode=0o755)
    os.chmod(settings.data_dir, 0o755)
    SqliteStore(settings.sqlite_path).close()
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{settings.sqlite_path}{suffix}")
        if path.exists():
            os.chmod(path, 0o644)
    plane = open_control_plane(settings)
    try:
        assert _mode(settings.data_dir) == 0o700
        assert _mode(settings.sqlite_path) == 0o600
        for suffix in ("-wal", "-shm"):
            path = Path(f"{settings.sqlite_path}{suffix}")
            if path.exists():
                assert _mode(path) == 0o600
    finally:
        plane.services.store.close()
