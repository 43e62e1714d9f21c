"""usage_ingest: CloudWatch Logs subscription events into the ledger, exactly once."""

from __future__ import annotations

import base64
import gzip
import json
from decimal import Decimal

import pytest

from controlplane.services import Services
from handlers import usage_ingest
from handlers.usage_ingest import batch_id_of, decode_subscription_event, ingest_subscription_event
from tests.conftest import LambdaApi
from tests.events import cloudwatch_logs_event


def test_the_committed_event_decodes_to_its_readable_payload() -> None:
    payload = decode_subscription_event(cloudwatch_logs_event())
    assert payload["messageType"] == "DATA_MESSAGE"
    assert len(payload["logEvents"]) == 3


def test_a_subscription_event_is_ingested_once(api: LambdaApi, services: Services) -> None:
    # GIVEN a registered team whose client made one LLM request among other log lines
    team = api.register_team(tier="unlimited")
    client_id = team["credentials"]["client_id"]
    event = cloudwatch_logs_event(replace_client_id=client_id)

    # WHEN the event is delivered, then redelivered
    first = ingest_subscription_event(services, event)
    again = ingest_subscription_event(services, event)

    # THEN the request is counted once; the health check and the garbage line are skipped
    assert first is not None
    assert again is not None
    assert (first.lines, first.requests) == (3, 1)
    assert first.skipped == {"not_llm": 1, "malformed": 1}
    assert again.already_applied
    assert again.writes == 0
    usage = services.ledger.month(team["team"]["team_id"], "2026-11")
    assert usage.totals.requests == 1
    assert usage.totals.cost_usd == Decimal("0.0111")


def test_the_batch_id_is_derived_from_the_event_ids() -> None:
    payload = decode_subscription_event(cloudwatch_logs_event())
    same = batch_id_of(payload)
    payload["logEvents"] = payload["logEvents"][:2]
    assert same.startswith("cwl:")
    assert batch_id_of(payload) != same


def test_control_messages_are_ignored(services: Services) -> None:
    control = {"messageType": "CONTROL_MESSAGE", "logEvents": []}
    data = base64.b64encode(gzip.compress(json.dumps(control).encode())).decode()
    assert ingest_subscription_event(services, {"awslogs": {"data": data}}) is None


def test_lambda_handler(monkeypatch: pytest.MonkeyPatch, services: Services) -> None:
    monkeypatch.setattr(usage_ingest, "_services", lambda: services)
    answer = usage_ingest.lambda_handler(cloudwatch_logs_event(), None)
    assert answer["lines"] == 3
    assert answer["requests"] == 1
