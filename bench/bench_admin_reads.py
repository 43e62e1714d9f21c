"""Admin reads on the local server (issue 13): throughput of `GET /teams/{id}` and of a list of 25
teams (`GET /teams`), as ratios to `GET /healthz` on the same server, with 20 concurrent clients.

The server is the real `gatewayctl serve` (a subprocess on a free port, a fresh data dir). 20
clients, each with its own keep-alive connection, send requests back to back for `--seconds` per
endpoint, the endpoints alternating in short slices so that each sees the same machine. Every
admin request carries a real bearer token (the admin client's), so each pays what a real one
pays: the token's verification, the store read, the answer and its log line.

On this 2-core machine the clients (Python too) cannot saturate the server, so the figure that
decides is the server's capacity: its CPU seconds per request (from /proc, the server process
only), and the throughput ratio that follows from it (1 / CPU per request, against /healthz's).
The requests per second the clients saw are printed beside it.
Goals: `GET /teams/{id}` >= 0.5x /healthz; the list of 25 teams >= 0.3x.

Run: `.venv/bin/python bench/bench_admin_reads.py [--seconds S] [--clients N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.server import running_server  # noqa: E402 - after the path is set

GOALS = {"GET /teams/{id}": 0.5, "GET /teams (25)": 0.3}
SLICE_SECONDS = 0.5


async def _hammer(url: str, headers: dict[str, str], clients: int, seconds: float) -> int:
    """Requests completed by `clients` concurrent clients in `seconds`."""
    done = 0
    deadline = time.monotonic() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal done
        while time.monotonic() < deadline:
            answer = await http.get(url, headers=headers)
            if answer.status_code != 200:
                raise RuntimeError(f"{url} answered {answer.status_code}: {answer.text[:200]}")
            done += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return done


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="per endpoint")
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, running_server(Path(folder) / "gw") as server:
        admin = {"Authorization": f"Bearer {server.admin_token()}"}
        base = server.base_url
        team_ids = []
        for number in range(25):
            created = httpx.post(
                f"{base}/teams",
                json={
                    "name": f"team-{number}",
                    "contact_email": "t@example.com",
                    "tier": "sandbox",
                },
                headers=admin,
            )
            created.raise_for_status()
            team_ids.append(created.json()["team"]["team_id"])
        endpoints = {
            "GET /healthz": (f"{base}/healthz", {}),
            "GET /teams/{id}": (f"{base}/teams/{team_ids[0]}", admin),
            "GET /teams (25)": (f"{base}/teams?limit=25", admin),
        }
        counts = dict.fromkeys(endpoints, 0)
        cpu = dict.fromkeys(endpoints, 0.0)
        pid = server.process.pid
        for url, headers in endpoints.values():
            asyncio.run(_hammer(url, headers, args.clients, 0.5))  # warm up
        slices = max(1, int(args.seconds / SLICE_SECONDS))
        for _ in range(slices):
            for name, (url, headers) in endpoints.items():
                before = _cpu_seconds(pid)
                counts[name] += asyncio.run(_hammer(url, headers, args.clients, SLICE_SECONDS))
                cpu[name] += _cpu_seconds(pid) - before

    seconds = slices * SLICE_SECONDS
    per_request = {name: cpu[name] / max(counts[name], 1) for name in endpoints}
    print(f"admin reads, local server, {args.clients} clients, {seconds:.0f} s per endpoint")
    print(f"  {'endpoint':<18} {'seen req/s':>10} {'server CPU/req':>15} {'capacity ratio':>15}")
    for name in endpoints:
        ratio = per_request["GET /healthz"] / per_request[name] if per_request[name] else 0.0
        goal = GOALS.get(name)
        verdict = "" if goal is None else ("meets" if ratio >= goal else "misses") + f" >= {goal}x"
        print(
            f"  {name:<18} {counts[name] / seconds:10.0f} {per_request[name] * 1e6:12.0f} us"
            f" {ratio:14.2f}x  {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
