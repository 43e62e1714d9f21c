"""Alert delivery: SNS with team and threshold attributes on AWS; log line and webhook locally."""

from __future__ import annotations

import json
import threading
import urllib.error
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from controlplane.alerts import BudgetAlert, LogAlertSink, SnsAlertSink, build_alert_sink
from controlplane.settings import Settings

ALERT = BudgetAlert(
    team_id="tm_01jd2x3y4z5a6b7c8d9e0f1g2h",
    budget_id="bg_01jd2x3y4z5a6b7c8d9e0f1g2h",
    threshold=80,
    period="2026-11",
    amount_usd="100.000000",
    spent_usd="80.500000",
    percent_used="80.50",
    enforcement="hard",
    resets_at="2026-12-01T00:00:00Z",
)


def test_sns_message_carries_team_and_threshold_attributes() -> None:
    client = boto3.client(
        "sns", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    topic = "arn:aws:sns:us-east-1:123456789012:budget-alerts"
    with Stubber(client) as stub:
        stub.add_response(
            "publish",
            {"MessageId": "1"},
            {
                "TopicArn": topic,
                "Subject": f"Budget 80% reached: {ALERT.team_id}",
                "Message": json.dumps(
                    {
                        "type": "budget_alert",
                        **ALERT.__dict__,
                        "message": ALERT.message,
                    }
                ),
                "MessageAttributes": {
                    "team": {"DataType": "String", "StringValue": ALERT.team_id},
                    "threshold": {"DataType": "Number", "StringValue": "80"},
                },
            },
        )
        SnsAlertSink(topic, client).send(ALERT)
        stub.assert_no_pending_responses()


def test_the_sink_follows_the_settings() -> None:
    assert isinstance(build_alert_sink(Settings()), LogAlertSink)
    sns = build_alert_sink(Settings(alert_sns_topic_arn="arn:aws:sns:us-east-1:123456789012:t"))
    assert isinstance(sns, SnsAlertSink)


def test_locally_a_log_line_and_the_webhook(caplog: pytest.LogCaptureFixture) -> None:
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        LogAlertSink(f"http://127.0.0.1:{server.server_port}/alerts").send(ALERT)
    finally:
        server.shutdown()
        thread.join()
    assert received[0]["type"] == "budget_alert"
    assert received[0]["threshold"] == 80
    assert "80.500000" in caplog.text


def test_a_webhook_that_fails_raises_so_the_alert_is_retried() -> None:
    with pytest.raises(urllib.error.URLError):
        LogAlertSink("http://127.0.0.1:9/unreachable", timeout_seconds=1).send(ALERT)
