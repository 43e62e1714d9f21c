"""Benchmark: parse + price + aggregate agentgateway access-log lines against bare json.loads.

Usage: .venv/bin/python bench/bench_ingest.py [--lines 1000000] [--seed 7] [--cache-dir DIR]

Generates the log once (cached under the temp dir, keyed by line count, seed and generator
version), then times, over the same in-memory lines, a bare `json.loads` loop and the full
`UsageAggregator` pipeline with the default price table. Targets: at least 100,000 lines/s and
at least half the speed of the bare loop. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from controlplane.domain.costs import Rates, rates_from_price
from controlplane.domain.pricing import PriceKey
from controlplane.domain.usage import UsageAggregator
from controlplane.loggen import FORMAT_VERSION, generated_teams, write_access_log
from controlplane.money import format_usd
from controlplane.pricing import default_prices

TARGET_LINES_PER_SECOND = 100_000
TARGET_RATIO = 0.5


def log_file(lines: int, seed: int, cache_dir: Path) -> Path:
    """The generated log for (lines, seed), written once and reused."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"access-{lines}-seed{seed}-v{FORMAT_VERSION}.jsonl"
    if path.exists():
        print(f"reusing {path}")
        return path
    started = time.perf_counter()
    partial = path.with_suffix(f".{os.getpid()}.partial")
    write_access_log(partial, lines, seed)
    partial.replace(path)  # atomic: a crash never leaves a truncated cache
    print(f"generated {path} ({lines:,} lines) in {time.perf_counter() - started:.1f} s")
    return path


def price_lookup() -> Callable[[str, str], Rates | None]:
    """Default price table lookups, as ingestion does them (rates built on first use)."""
    table = default_prices()

    def price_of(provider: str, model: str) -> Rates | None:
        entry = table.get(PriceKey(provider, model))
        return None if entry is None else rates_from_price(entry)

    return price_of


def timed(run: Callable[[], object]) -> float:
    gc.collect()
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "llm-gateway-bench"
    )
    args = parser.parse_args()

    path = log_file(args.lines, args.seed, args.cache_dir)
    lines = path.read_text(encoding="utf-8").splitlines()
    teams = {client: team for team, clients in generated_teams() for client in clients}

    def bare() -> None:
        loads = json.loads
        for line in lines:
            # Not contextlib.suppress: the baseline must be as fast as a plain loop can be.
            try:  # noqa: SIM105
                loads(line)
            except ValueError:
                pass

    result = None

    def full() -> None:
        nonlocal result
        aggregator = UsageAggregator(teams.get, price_lookup())
        aggregator.add_lines(lines)
        result = aggregator.result()

    bare_seconds = timed(bare)
    full_seconds = timed(full)
    assert result is not None
    bare_rate = len(lines) / bare_seconds
    full_rate = len(lines) / full_seconds
    ratio = full_rate / bare_rate
    cost = sum((totals.cost_usd for totals in result.totals.values()), Decimal(0))
    requests = sum(totals.requests for totals in result.totals.values())

    print(f"lines:                     {len(lines):,}")
    print(f"bare json.loads:           {bare_rate:,.0f} lines/s ({bare_seconds:.2f} s)")
    print(f"parse + price + aggregate: {full_rate:,.0f} lines/s ({full_seconds:.2f} s)")
    print(f"ratio:                     {ratio:.2f}")
    print(f"aggregates (store writes): {len(result.totals):,}")
    print(f"requests billed:           {requests:,} for {format_usd(cost)} USD")
    print(f"skipped:                   {dict(sorted(result.skipped.items()))}")
    print(f"unpriced models:           {len(result.unpriced_models)}")
    rate_met = full_rate >= TARGET_LINES_PER_SECOND
    ratio_met = ratio >= TARGET_RATIO
    print(f"target >= {TARGET_LINES_PER_SECOND:,} lines/s:    {'met' if rate_met else 'NOT met'}")
    print(f"target ratio >= {TARGET_RATIO}:         {'met' if ratio_met else 'NOT met'}")
    return 0 if rate_met and ratio_met else 1


if __name__ == "__main__":
    sys.exit(main())
