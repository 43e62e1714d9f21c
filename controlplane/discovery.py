"""Where the local server of a data dir listens: `<data-dir>/server.json`.

`gatewayctl serve` writes the file once its socket is bound and listening, and removes it when it
stops cleanly. A server that was killed leaves it behind, so `discover_server` also checks that
the recorded process still exists. CLI commands that talk to the local server find it here rather
than through a URL saved at an earlier start (after a restart on another port that URL is wrong).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from controlplane.files import exclusive_lock, write_private
from controlplane.processes import pid_running

SERVER_FILE = "server.json"
SERVER_LOCK_FILE = ".server.lock"
"""Held while the record is written or removed, so that a stopping server never removes the
record a newer server has just written."""


@dataclass(frozen=True)
class ServerRecord:
    url: str
    """Where the server listens, e.g. `http://127.0.0.1:8080`."""
    token_endpoint: str
    pid: int
    started_at: str
    """RFC 3339, UTC."""


class NoRunningServer(Exception):
    """No server of the data dir is running; the message says why and how to start one."""


def record_server(data_dir: Path, record: ServerRecord) -> None:
    """Publish where this server listens (owner-only, replaced atomically)."""
    with exclusive_lock(data_dir / SERVER_LOCK_FILE):
        write_private(
            data_dir / SERVER_FILE, (json.dumps(asdict(record), indent=2) + "\n").encode()
        )


def forget_server(data_dir: Path, pid: int) -> None:
    """Remove the record if it is still the one of process `pid`."""
    path = data_dir / SERVER_FILE
    with exclusive_lock(data_dir / SERVER_LOCK_FILE):
        try:
            recorded = _read(path)
        except (FileNotFoundError, ValueError):
            return
        if recorded.pid == pid:
            path.unlink(missing_ok=True)


def discover_server(data_dir: Path) -> ServerRecord:
    """The running local server of `data_dir`, or NoRunningServer saying what to do.

    A record whose process is gone (the server was killed) is stale and refused. The process
    existing does not prove that it still answers (its pid may have been reused): callers report
    a refused connection with the URL they tried.
    """
    path = data_dir / SERVER_FILE
    start = f"start it with `gatewayctl serve --data-dir {data_dir}`"
    try:
        record = _read(path)
    except FileNotFoundError:
        raise NoRunningServer(
            f"no local server is running for {data_dir} ({path} does not exist): {start}"
        ) from None
    except ValueError as error:
        raise NoRunningServer(f"{path} is not a server record ({error}): {start}") from None
    if not pid_running(record.pid):
        raise NoRunningServer(
            f"the server recorded in {path} ({record.url}, pid {record.pid}) is no longer "
            f"running: {start}"
        )
    return record


def _read(path: Path) -> ServerRecord:
    """The record in `path`; ValueError when it is not one."""
    text = path.read_text()
    try:
        loaded = json.loads(text)
        return ServerRecord(
            url=str(loaded["url"]),
            token_endpoint=str(loaded["token_endpoint"]),
            pid=int(loaded["pid"]),
            started_at=str(loaded["started_at"]),
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"missing or malformed field {error}") from error
