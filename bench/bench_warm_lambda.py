"""The warm Lambda path (issue 13): `GET /teams/{id}` through `lambda_handler`, on DynamoDB (moto),
beside the bare `GetItem` the operation needs through the same moto.

A warm container has built its dispatcher (settings, boto3 clients, bindings) at the first call;
what is measured is every call after that: the API Gateway event in, the item read, the answer
out. The bare call is `dynamodb.get_item` of the same item with the same client configuration.
Both run in process, alternating in slices so they see the same machine. moto's own cost is in
both figures; the ratio is the handler's overhead over the read it cannot avoid. Goal: <= 2x.

Run: `.venv/bin/python bench/bench_warm_lambda.py [--calls N]`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL = 2.0
TABLE = "gw-bench-warm"
REGION = "us-east-1"


def _timed(call: Callable[[], Any], calls: int) -> list[float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000, help="calls of each kind")
    args = parser.parse_args()

    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }
    )
    from moto import mock_aws

    with mock_aws(), tempfile.TemporaryDirectory() as data_dir:
        import boto3

        from controlplane.adapters import apigw
        from controlplane.settings import Settings
        from controlplane.store.dynamodb import create_table
        from handlers import team_registration
        from tests.events import apigw_event

        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_table(dynamodb, TABLE)
        # The environment lambda.tf gives the functions, on SQLite-free settings.
        os.environ.update(
            {
                "GATEWAY_STORE": "dynamodb",
                "GATEWAY_TABLE_NAME": TABLE,
                "GATEWAY_DATA_DIR": data_dir,
                "GATEWAY_IDENTITY": "local",
            }
        )
        assert Settings.from_env().store == "dynamodb"
        apigw.default_dispatcher.cache_clear()
        created = team_registration.lambda_handler(
            apigw_event(
                "POST",
                "/teams",
                "/teams",
                body='{"name": "payments", "contact_email": "p@example.com", "tier": "standard"}',
            ),
            None,
        )
        assert created["statusCode"] == 201, created
        team_id = json.loads(created["body"])["team"]["team_id"]
        event = apigw_event(
            "GET", "/teams/{team_id}", f"/teams/{team_id}", path_params={"team_id": team_id}
        )
        key = {"pk": {"S": "TEAM"}, "sk": {"S": team_id}}
        client = apigw.default_dispatcher().services.store.client  # type: ignore[attr-defined]

        def through_the_handler() -> None:
            answer = team_registration.lambda_handler(event, None)
            assert answer["statusCode"] == 200

        def bare_get_item() -> None:
            assert "Item" in client.get_item(TableName=TABLE, Key=key, ConsistentRead=True)

        # The metrics lines a function prints (EMF) still cost their write, to /dev/null here.
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            for call in (through_the_handler, bare_get_item):
                _timed(call, 200)  # warm: first-use model builds, boto3 caches
            handler: list[float] = []
            bare: list[float] = []
            slice_calls = 100
            for _ in range(max(1, args.calls // slice_calls)):
                handler += _timed(through_the_handler, slice_calls)
                bare += _timed(bare_get_item, slice_calls)

    def row(name: str, samples: list[float]) -> str:
        ordered = sorted(samples)
        p50 = statistics.median(ordered) * 1e6
        p99 = ordered[int(len(ordered) * 0.99) - 1] * 1e6
        return f"  {name:<34} p50 {p50:8.1f} us   p99 {p99:8.1f} us"

    print(f"warm Lambda path, {len(handler)} calls each (moto DynamoDB, in process)")
    print(row("GET /teams/{id} via lambda_handler", handler))
    print(row("bare GetItem (same moto)", bare))
    overhead = (statistics.median(handler) - statistics.median(bare)) * 1e6
    print(f"  the handler's own cost (p50 difference): {overhead:.0f} us")
    ratio = statistics.median(handler) / statistics.median(bare)
    verdict = "meets" if ratio <= GOAL else "misses"
    print(f"  ratio (p50): {ratio:.2f}x  -> {verdict} the goal of <= {GOAL:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
