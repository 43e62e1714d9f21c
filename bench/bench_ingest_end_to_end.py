"""Benchmark: `gatewayctl usage ingest FILE` end to end, store writes included (issue 13).

Usage: .venv/bin/python bench/bench_ingest_end_to_end.py [--lines 300000] [--teams 20] [--seed 7]
       [--profile FILE]

In a fresh data dir (a temporary directory): registers the teams through the API's Lambda
adapter (`createTeam`, default budgets from the tier), writes the log with the real
`gatewayctl dev generate-logs --teams-from-store`, then times in this process

- a bare `for line in f: json.loads(line)` loop over the file, opened as `open()` opens it (text,
  UTF-8), run before and after the ingest: the faster run is the baseline, so the ratio is not
  flattered by a slow baseline;
- `gatewayctl usage ingest FILE --quiet`, through the click command `controlplane.cli:main`
  (the console script's entry point) in this process: the same code as the installed command
  without the interpreter's start-up, which is not ingestion and would only add noise.

Prints lines/s of each, the ratio, the same ratio in CPU seconds of this process (steadier when
other processes share the cores), store writes and transactions (from the ingest summary) and
the goal: ratio >= 0.5 (wall clock). Exits 1 when the goal is missed. `--profile FILE` also
writes a cProfile of the ingest (read it with `python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import re
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_config_change import Api  # API Gateway events through the Lambda adapter

from controlplane.api.contract import load_contract
from controlplane.api.dispatch import Dispatcher
from controlplane.api.operations import bind
from controlplane.cli import main as gatewayctl
from controlplane.services import build_services
from controlplane.settings import Settings

GOAL_RATIO = 0.5


def register_teams(data_dir: Path, count: int) -> None:
    settings = Settings(
        data_dir=data_dir, issuer="http://testserver", token_endpoint="http://testserver/t"
    )
    services = build_services(settings)
    contract = load_contract()
    api = Api(Dispatcher(contract, bind(contract), services))
    for index in range(count):
        body = {
            "name": f"team-{index:02d}",
            "contact_email": f"team-{index:02d}@example.com",
            "tier": "standard",
        }
        api.call("POST", "/teams", body, 201)
    services.store.close()


def run_gatewayctl(data_dir: Path, *args: str) -> str:
    """The click command in this process, as the console script runs it; its stdout."""
    out = io.StringIO()
    with redirect_stdout(out):
        gatewayctl.main(
            ["--data-dir", str(data_dir), *args], prog_name="gatewayctl", standalone_mode=False
        )
    return out.getvalue()


class Timed:
    """Wall-clock and CPU seconds of this process over a `with` block."""

    def __enter__(self) -> Timed:
        gc.collect()
        self.started, self.cpu_started = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.started
        self.cpu_seconds = time.process_time() - self.cpu_started


def bare_loop(path: Path) -> tuple[Timed, int]:
    count = 0
    loads = json.loads
    with Timed() as timed, path.open(encoding="utf-8") as handle:  # `for line in f`: text
        for line in handle:
            count += 1
            # Not contextlib.suppress: the baseline must be as fast as a plain loop can be.
            try:  # noqa: SIM105
                loads(line)
            except ValueError:
                pass
    return timed, count


def summary_number(summary: str, pattern: str) -> int:
    found = re.search(pattern, summary)
    if found is None:
        raise AssertionError(f"{pattern!r} not in the ingest summary:\n{summary}")
    return int(found.group(1).replace(",", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=300_000)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the ingest here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-ingest-e2e-") as tmp:
        data_dir = Path(tmp) / "gateway"
        log = Path(tmp) / "access.log"
        started = time.perf_counter()
        register_teams(data_dir, args.teams)
        run_gatewayctl(
            data_dir,
            "dev",
            "generate-logs",
            "--lines",
            str(args.lines),
            "--seed",
            str(args.seed),
            "--teams-from-store",
            "--output",
            str(log),
        )
        print(
            f"setup: {args.teams} teams registered, {args.lines:,} lines generated "
            f"({log.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s"
        )

        bare_before, lines = bare_loop(log)
        profiler = cProfile.Profile() if args.profile else None
        with Timed() as ingest:
            if profiler:
                profiler.enable()
            summary = run_gatewayctl(data_dir, "usage", "ingest", str(log), "--quiet")
            if profiler:
                profiler.disable()
        bare_after, _ = bare_loop(log)
        if profiler:
            profiler.dump_stats(args.profile)

    bare = min(bare_before, bare_after, key=lambda timed: timed.seconds)
    bare_rate = lines / bare.seconds
    ingest_rate = lines / ingest.seconds
    ratio = ingest_rate / bare_rate
    cpu_ratio = min(bare_before.cpu_seconds, bare_after.cpu_seconds) / ingest.cpu_seconds
    counted = summary_number(summary, r"Lines read:\s+([\d,]+)")
    if counted != lines:
        raise AssertionError(f"the ingest read {counted:,} lines of {lines:,}")
    writes = summary_number(summary, r"Store writes:\s+([\d,]+)")
    transactions = summary_number(summary, r"Batches:\s+([\d,]+) applied")
    print(f"lines:                {lines:,}")
    print(
        f"bare json.loads loop: {bare_rate:,.0f} lines/s ({bare.seconds:.2f} s; runs "
        f"{bare_before.seconds:.2f} s before, {bare_after.seconds:.2f} s after the ingest)"
    )
    print(f"gatewayctl ingest:    {ingest_rate:,.0f} lines/s ({ingest.seconds:.2f} s)")
    print(f"ratio:                {ratio:.2f}")
    print(
        f"CPU seconds:          bare {bare_before.cpu_seconds:.2f} / {bare_after.cpu_seconds:.2f}, "
        f"ingest {ingest.cpu_seconds:.2f}: ratio {cpu_ratio:.2f} (steadier on a busy machine)"
    )
    print(f"store writes:         {writes:,} in {transactions:,} transactions")
    print(f"goal ratio >= {GOAL_RATIO}:    {'met' if ratio >= GOAL_RATIO else 'NOT met'}")
    return 0 if ratio >= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
