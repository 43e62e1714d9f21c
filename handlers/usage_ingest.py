"""usage_ingest: a CloudWatch Logs subscription of agentgateway's access log → the usage ledger.

The event's `awslogs.data` is base64 of gzip of JSON (`logGroup`, `logStream`, `messageType`,
`logEvents[{id, timestamp, message}]`). The batch id is derived from the log event ids, so a
redelivered event (Lambda retries, or a replayed subscription) changes nothing.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from controlplane.adapters.lambda_entry import lambda_entry
from controlplane.ingest import Ingestor, IngestReport
from controlplane.services import Services, build_services
from controlplane.settings import Settings


@cache
def _services() -> Services:
    """Built once per cold start."""
    return build_services(Settings.from_env())


def decode_subscription_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """The decoded payload of a CloudWatch Logs subscription event."""
    payload: dict[str, Any] = json.loads(
        gzip.decompress(base64.b64decode(event["awslogs"]["data"]))
    )
    return payload


def batch_id_of(payload: Mapping[str, Any]) -> str:
    """`cwl:` + a hash of the log group, stream and every event id of the batch."""
    digest = hashlib.sha256()
    digest.update(f"{payload.get('logGroup')}\0{payload.get('logStream')}".encode())
    for log_event in payload.get("logEvents", []):
        digest.update(b"\0" + str(log_event["id"]).encode())
    return f"cwl:{digest.hexdigest()[:40]}"


def ingest_subscription_event(services: Services, event: Mapping[str, Any]) -> IngestReport | None:
    payload = decode_subscription_event(event)
    if payload.get("messageType") != "DATA_MESSAGE":
        return None  # CONTROL_MESSAGE: CloudWatch checking that the destination is reachable
    events = payload.get("logEvents", [])
    ingestor = Ingestor(services)
    aggregator = ingestor.aggregator()
    for log_event in events:
        # Lines without their own time are dated by CloudWatch's event timestamp (ms).
        at = datetime.fromtimestamp(int(log_event["timestamp"]) / 1000, UTC)
        aggregator.add_line(log_event["message"], default_time=at)
    return ingestor.apply(batch_id_of(payload), aggregator.result())


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    report = ingest_subscription_event(_services(), event)
    if report is None:
        return {"batch_id": None, "lines": 0}
    return {
        "batch_id": report.batch_id,
        "lines": report.lines,
        "requests": report.requests,
        "writes": report.writes,
        "already_applied": report.already_applied,
    }
