"""kill -9 during mixed writes, again and again; then restart and check what must hold.

The real `gatewayctl serve` is killed at a random moment while several clients register teams
(with Idempotency-Keys), update and deregister them. After the last round a fresh server starts
(its start-up reconciles) and:
- no OAuth client exists that is neither the admin's nor a team's (no orphan);
- every team agrees with its indexes and its budget (no half-written team; `gatewayctl doctor`);
- every registration key replays: its answer if the registration committed, a new registration
  if it did not, and either way a secret that gets a token.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from controlplane.settings import Settings
from controlplane.store.sqlite import SqliteStore
from tests.support.server import ROOT, RunningServer, running_server

pytestmark = pytest.mark.e2e

ROUNDS = 5
WRITERS = 4
SEED = 10


@dataclass
class Registration:
    key: str
    body: dict[str, Any]
    answer: dict[str, Any] | None = None
    """The 201 answer, when the caller got one before the crash."""
    deregistration_sent: bool = False
    """Its team may be gone: a DELETE was sent (whether or not it got an answer)."""


@dataclass
class Ledger:
    registrations: list[Registration] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _writer(
    server: RunningServer, token: str, ledger: Ledger, name: str, stop: threading.Event
) -> None:
    """Register, update and deregister teams until the server dies under it."""
    rng = random.Random(name)
    headers = {"Authorization": f"Bearer {token}"}
    mine: list[Registration] = []
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=5) as http:
        for step in range(10_000):
            if stop.is_set():
                return
            try:
                if mine and rng.random() < 0.2:
                    leaving = mine.pop(rng.randrange(len(mine)))
                    leaving.deregistration_sent = True
                    http.delete(f"/teams/{_team_id(leaving)}")
                elif mine and rng.random() < 0.2:
                    http.put(
                        f"/teams/{_team_id(rng.choice(mine))}",
                        json={"description": f"step {step}"},
                    )
                else:
                    registration = Registration(
                        key=f"{name}-{step}",
                        body={
                            "name": f"{name}-{step}",
                            "contact_email": "crash@example.com",
                            "tier": rng.choice(["sandbox", "standard", "unlimited"]),
                        },
                    )
                    with ledger.lock:
                        ledger.registrations.append(registration)
                    answer = http.post(
                        "/teams",
                        json=registration.body,
                        headers={"Idempotency-Key": registration.key},
                    )
                    if answer.status_code == 201:
                        registration.answer = answer.json()
                        mine.append(registration)
            except httpx.HTTPError:
                return  # the server was killed


@contextmanager
def _killed_at_random(server: RunningServer, rng: random.Random) -> Iterator[None]:
    yield
    time.sleep(rng.uniform(0.2, 0.9))
    server.kill()


def test_kill_9_during_mixed_writes_leaves_nothing_half_done(tmp_path: Path) -> None:
    data_dir = tmp_path / "gateway"
    rng = random.Random(SEED)
    ledger = Ledger()
    for round_number in range(ROUNDS):
        with running_server(data_dir) as server:
            token = server.admin_token()
            stop = threading.Event()
            writers = [
                threading.Thread(
                    target=_writer, args=(server, token, ledger, f"r{round_number}w{i}", stop)
                )
                for i in range(WRITERS)
            ]
            with _killed_at_random(server, rng):
                for writer in writers:
                    writer.start()
            stop.set()
            for writer in writers:
                writer.join(timeout=10)
    assert len(ledger.registrations) > ROUNDS * WRITERS, "the workload barely ran"

    with running_server(data_dir) as server:
        token = server.admin_token()
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as http:
            # Every registration key replays (or, never committed, registers now).
            replayed = {}
            for registration in ledger.registrations:
                again = http.post(
                    "/teams", json=registration.body, headers={"Idempotency-Key": registration.key}
                )
                assert again.status_code == 201, (registration.key, again.text)
                if registration.answer is not None:
                    assert again.json() == registration.answer
                replayed[registration.key] = (registration, again.json())
            teams = _all_teams(http)
            # Every team that exists has the secret its registration answered, and it works;
            # only teams whose deregistration was sent may be gone.
            existing = {team["team_id"] for team in teams}
            for registration, answer in replayed.values():
                if answer["team"]["team_id"] in existing:
                    credentials = answer["credentials"]
                    server.token(credentials["client_id"], credentials["client_secret"])
                else:
                    assert registration.deregistration_sent, registration.key
        admin = server.admin_credentials()["client_id"]

    # No orphan client: each is the admin's or a team's.
    store = SqliteStore(Settings(data_dir=data_dir).sqlite_path)
    try:
        clients = {item.sk for item in _every(store, "OAUTH_CLIENT")}
        pending = [item.sk for item in _every(store, "CLIENT_PENDING")]
    finally:
        store.close()
    assert clients == {admin} | {team["client_id"] for team in teams}
    assert pending == []
    # No half-written team: doctor finds the store and the clients in agreement.
    doctor = subprocess.run(
        [
            sys.executable,
            "-m",
            "controlplane.cli",
            "--data-dir",
            str(data_dir),
            "doctor",
            "--check",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr


def _team_id(registration: Registration) -> str:
    assert registration.answer is not None
    return str(registration.answer["team"]["team_id"])


def _all_teams(http: httpx.Client) -> list[dict[str, Any]]:
    teams: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = http.get("/teams", params={"limit": 100, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        teams += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return teams


def _every(store: SqliteStore, partition: str) -> list[Any]:
    from controlplane.store.repositories import every_item

    return list(every_item(store, partition))
