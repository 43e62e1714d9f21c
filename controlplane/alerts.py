"""Budget alerts: once per (team, threshold, month), after the usage that crossed the threshold.

A conditional marker in the ledger (`claim_alert`) makes "exactly one alert" race-free across
concurrent ingestions; a delivery that fails releases its marker so the next batch retries.
Delivery is SNS on AWS (topic ARN setting; message attributes `team` and `threshold`), locally a
structured log line plus an optional webhook POST.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

from controlplane.clock import isoformat
from controlplane.domain.budgets import crossed_thresholds, utilisation
from controlplane.domain.periods import month_end
from controlplane.money import format_usd, parse_usd
from controlplane.settings import Settings

if TYPE_CHECKING:
    from controlplane.services import Services

log = logging.getLogger("controlplane.alerts")

ALERT_LOG_FIELD = "alert"
"""The log record attribute holding a locally delivered alert (the CLI reports alerts itself)."""


@dataclass(frozen=True)
class BudgetAlert:
    team_id: str
    budget_id: str
    threshold: int
    period: str
    amount_usd: str
    spent_usd: str
    percent_used: str
    enforcement: str
    resets_at: str

    @property
    def message(self) -> str:
        return (
            f"Team {self.team_id} has spent {self.spent_usd} USD of its {self.amount_usd} USD "
            f"{self.enforcement} budget for {self.period} ({self.percent_used} %, threshold "
            f"{self.threshold} %)."
        )


class AlertSink(Protocol):
    def send(self, alert: BudgetAlert) -> None:
        """Deliver the alert or raise."""
        ...


class LogAlertSink:
    """Locally: a structured log line, and a JSON POST to a webhook when one is configured."""

    def __init__(self, webhook_url: str | None = None, timeout_seconds: float = 5.0) -> None:
        self.webhook_url = webhook_url
        self.timeout_seconds = timeout_seconds

    def send(self, alert: BudgetAlert) -> None:
        log.warning(alert.message, extra={ALERT_LOG_FIELD: asdict(alert)})
        if self.webhook_url:
            # Imported here: urllib.request (http.client, email) is only for local webhooks, never
            # on a Lambda's cold start.
            import urllib.request

            request = urllib.request.Request(  # noqa: S310 - an operator-configured http(s) URL
                self.webhook_url,
                data=json.dumps({"type": "budget_alert", **asdict(alert)}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=self.timeout_seconds):  # noqa: S310
                pass


class SnsAlertSink:
    """On AWS: one SNS message per alert, with `team` and `threshold` message attributes."""

    def __init__(self, topic_arn: str, client: Any) -> None:
        self.topic_arn = topic_arn
        self.client = client

    def send(self, alert: BudgetAlert) -> None:
        self.client.publish(
            TopicArn=self.topic_arn,
            Subject=f"Budget {alert.threshold}% reached: {alert.team_id}"[:100],
            Message=json.dumps({"type": "budget_alert", **asdict(alert), "message": alert.message}),
            MessageAttributes={
                "team": {"DataType": "String", "StringValue": alert.team_id},
                "threshold": {"DataType": "Number", "StringValue": str(alert.threshold)},
            },
        )


def build_alert_sink(settings: Settings) -> AlertSink:
    if settings.alert_sns_topic_arn:
        import boto3

        client = boto3.client("sns", region_name=settings.aws_region)
        return SnsAlertSink(settings.alert_sns_topic_arn, client)
    return LogAlertSink(settings.alert_webhook_url)


def send_due_alerts(services: Services, touched: Iterable[tuple[str, str]]) -> list[BudgetAlert]:
    """Send every alert due for the (team, month) pairs whose spend just changed."""
    sent = []
    for team_id, month in sorted(set(touched)):
        budget_id = services.team_budgets.lookup(team_id)
        found = services.budgets.get(budget_id) if budget_id else None
        if found is None:
            continue
        budget = found.value
        amount = parse_usd(budget.amount_usd)
        spent = services.ledger.totals(team_id, month).cost_usd
        due = crossed_thresholds(budget.alert_thresholds, amount, spent)
        if not due:
            continue
        already = set(services.ledger.alerted_thresholds(team_id, month))
        used = utilisation(amount, spent)
        for threshold in (t for t in due if t not in already):
            alert = BudgetAlert(
                team_id=team_id,
                budget_id=budget.budget_id,
                threshold=threshold,
                period=month,
                amount_usd=format_usd(amount),
                spent_usd=format_usd(spent),
                percent_used=str(used.percent),
                enforcement=budget.enforcement,
                resets_at=isoformat(month_end(month)),
            )
            marker = {"sent_at": isoformat(services.now()), "spent_usd": alert.spent_usd}
            if not services.ledger.claim_alert(team_id, month, threshold, marker):
                continue  # another ingestion sent it
            try:
                services.alert_sink.send(alert)
            except Exception:
                log.exception("could not deliver the budget alert; it will be retried")
                services.ledger.release_alert(team_id, month, threshold)
                continue
            sent.append(alert)
    return sent
