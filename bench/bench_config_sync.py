"""Config sync: from a change of the published S3 object to agentgateway's file replaced.

The sync loop (`controlplane.config_sync.sync_config`, as the ECS sidecar runs it) polls moto's
S3 every `--interval` seconds while the benchmark publishes a new config at random moments
between rounds; for each change it records the time from the PutObject to the file holding the
new bytes (polled every millisecond). Goal (issue 12): at most interval + 1 s. Then the round
that carries a change, with configs of 10, 100 and 1,000 rules (bench/bench_render.py's workload),
once cold (validation cache empty, as in a new sidecar) and once warm (one rule changed: only
its route is validated again).

Run: `.venv/bin/python bench/bench_config_sync.py [--interval S] [--changes N]`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import boto3  # noqa: E402
from bench_render import inputs, rule  # noqa: E402
from moto import mock_aws  # noqa: E402

from controlplane.agentgateway import forget_validations  # noqa: E402
from controlplane.config_sync import ConfigSync, S3Source, SyncResult, sync_config  # noqa: E402
from controlplane.domain.agentgateway import RenderSettings, render_config  # noqa: E402

BUCKET, KEY = "gw-config", "agentgateway/config.yaml"
GOLDEN = ROOT / "tests" / "golden" / "agentgateway"
SLACK_SECONDS = 1.0


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def change_to_file(s3: Any, interval: float, changes: int, folder: Path) -> list[float]:
    """Seconds from each PutObject to the file holding that object's bytes."""
    versions = [path.read_bytes() for path in sorted(GOLDEN.glob("*.yaml"))]
    destination = folder / "config.yaml"
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=versions[0])
    stop = threading.Event()
    rounds: list[SyncResult] = []
    loop = threading.Thread(
        target=sync_config,
        args=(f"s3://{BUCKET}/{KEY}", destination),
        kwargs={"interval": interval, "stop": stop, "on_round": rounds.append},
    )
    loop.start()
    latencies = []
    try:
        while not destination.exists():
            time.sleep(0.001)
        for n in range(1, changes + 1):
            # A change lands anywhere in the interval, as operators' changes do.
            time.sleep(random.uniform(0, interval))
            body = versions[n % len(versions)]
            put_at = time.monotonic()
            s3.put_object(Bucket=BUCKET, Key=KEY, Body=body)
            while destination.read_bytes() != body:
                if time.monotonic() - put_at > interval + 30:
                    raise RuntimeError("the change never reached the file")
                time.sleep(0.001)
            latencies.append(time.monotonic() - put_at)
    finally:
        stop.set()
        loop.join()
    failed = [r for r in rounds if not r.ok]
    if failed:
        raise RuntimeError(f"rounds failed: {failed[0]}")
    return latencies


def change_round(s3: Any, size: int, folder: Path) -> dict[str, float]:
    """Seconds of the round that carries a change, at `size` rules: cold, then one rule changed."""
    base = inputs(size)
    settings = RenderSettings()
    first = render_config(base, settings).text.encode()
    rules = list(base.rules)
    rules[0] = rule(0)  # a new rule: one route more
    second = render_config(replace(base, rules=rules), settings).text.encode()
    sync = ConfigSync(S3Source(BUCKET, KEY, s3), folder / f"config-{size}.yaml")
    figures = {}
    for label, body, cold in (("cold", first, True), ("warm", second, False)):
        if cold:
            forget_validations()
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=body)
        result = sync.round()
        if result.outcome != "replaced":
            raise RuntimeError(f"{size} rules, {label}: {result}")
        figures[label] = result.seconds
    figures["bytes"] = float(len(second))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[name] = "testing"
    os.environ.pop("AWS_PROFILE", None)
    random.seed(12)
    with mock_aws(), tempfile.TemporaryDirectory(prefix="bench-config-sync-") as tmp:
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        import controlplane.config_sync as config_sync

        config_sync._s3_client = lambda region: s3  # type: ignore[assignment]
        latencies = change_to_file(s3, args.interval, args.changes, Path(tmp))
        rounds = {size: change_round(s3, size, Path(tmp)) for size in (10, 100, 1_000)}

    goal = args.interval + SLACK_SECONDS
    print()
    print(f"S3 change -> file replaced, interval {args.interval:g} s, {len(latencies)} changes")
    print(f"{'':<28} {'p50':>8} {'p99':>8} {'max':>8} {'goal':>10}")
    print(
        f"{'seconds':<28} {statistics.median(latencies):>8.3f} "
        f"{percentile(latencies, 0.99):>8.3f} {max(latencies):>8.3f} {f'<= {goal:g}':>10}"
    )
    print()
    print("the round that carries a change (fetch, parse, validate, write)")
    print(f"{'rules':>6} {'bytes':>10} {'cold s':>8} {'warm s':>8}")
    for size, figures in rounds.items():
        size_bytes, cold, warm = int(figures["bytes"]), figures["cold"], figures["warm"]
        print(f"{size:>6} {size_bytes:>10,} {cold:>8.3f} {warm:>8.3f}")
    met = max(latencies) <= goal
    print(f"\ngoal {'met' if met else 'NOT met'}: every change reached the file within {goal:g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
