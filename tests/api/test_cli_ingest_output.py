"""What `gatewayctl usage ingest` prints: the progress, a summary, and each alert once; never the
internal batch ids (they broke the progress bar's line)."""

from __future__ import annotations

import io
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from controlplane.adapters.local import create_app, open_control_plane
from controlplane.alerts import ALERT_LOG_FIELD
from controlplane.cli import log_to_terminal
from controlplane.ingest import UNPRICED_LOG_FIELD
from controlplane.settings import ADMIN_SCOPE, Settings

ROOT = Path(__file__).resolve().parents[2]
BATCH_ID = re.compile(r"file:[0-9]+:[0-9]+:[0-9]+-[0-9]+:[0-9a-f]+")
THRESHOLDS = (50, 80, 100)


def gatewayctl(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "controlplane.cli", *args, "--data-dir", str(data_dir)]


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}


@pytest.fixture
def team_log(settings: Settings, tmp_path: Path) -> Path:
    """A 3-batch access log of a registered team whose 1 USD budget it exceeds."""
    plane = open_control_plane(settings)
    try:
        client = TestClient(create_app(plane))
        issued = client.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": plane.admin.client_id,
                "client_secret": plane.admin.client_secret,
                "scope": ADMIN_SCOPE,
            },
        )
        admin = {"Authorization": f"Bearer {issued.json()['access_token']}"}
        team = client.post(
            "/teams",
            json={"name": "payments", "contact_email": "p@example.com", "tier": "sandbox"},
            headers=admin,
        ).json()["team"]
        budget = client.get(f"/budgets?team_id={team['team_id']}", headers=admin).json()
        changed = client.put(
            f"/budgets/{budget['items'][0]['budget_id']}", json={"amount_usd": "1"}, headers=admin
        )
        assert changed.status_code == 200, changed.text
    finally:
        plane.services.store.close()
    log = tmp_path / "access.log"
    subprocess.run(
        gatewayctl(
            settings.data_dir,
            "dev",
            "generate-logs",
            "-n",
            "3000",
            "--teams-from-store",
            "-o",
            str(log),
        ),
        cwd=ROOT,
        env=_environment(),
        check=True,
        capture_output=True,
    )
    return log


def _alert_lines(output: str, threshold: int) -> list[str]:
    return [line for line in output.splitlines() if f"threshold {threshold} %" in line]


def test_ingest_prints_no_batch_ids_and_each_alert_once(settings: Settings, team_log: Path) -> None:
    answer = subprocess.run(
        gatewayctl(settings.data_dir, "usage", "ingest", "--batch-mb", "1", str(team_log)),
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
    output = answer.stdout + answer.stderr
    # No batch ids: the per-batch "unpriced models in batch <id>" warnings are not printed...
    assert BATCH_ID.search(output) is None, output
    assert answer.stderr.strip() == f"Ingesting {team_log.name}"
    # ...the summary names the unpriced models once
    assert answer.stdout.count("Unpriced models:") == 1
    # AND each alert appears once (it was logged as delivered, then listed by the summary)
    for threshold in THRESHOLDS:
        assert len(_alert_lines(output, threshold)) == 1, output
        assert _alert_lines(answer.stdout, threshold)[0].startswith("Alert sent:")


def test_follow_prints_each_alert_once_as_it_is_sent_and_no_batch_ids(
    settings: Settings, team_log: Path
) -> None:
    process = subprocess.Popen(
        gatewayctl(
            settings.data_dir, "usage", "ingest", "--follow", "--batch-mb", "1", str(team_log)
        ),
        cwd=ROOT,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        # A progress line per apply (the three batches read are applied together): wait until
        # they account for the whole file.
        while _lines_reported(lines) < 3000 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        reader.join(timeout=10)
    output = "".join(lines)
    assert _lines_reported(lines) == 3000, output
    assert BATCH_ID.search(output) is None, output
    for threshold in THRESHOLDS:
        shown = _alert_lines(output, threshold)
        assert len(shown) == 1, output
        assert shown[0].startswith("Alert sent: Team ")


def _lines_reported(output_lines: list[str]) -> int:
    """Log lines counted by the progress lines of `--follow` (`   1,234 lines  ... requests`)."""
    progress = re.compile(r"^\s*([\d,]+) lines\s+[\d,]+ requests ")
    return sum(
        int(found.group(1).replace(",", ""))
        for found in map(progress.match, list(output_lines))
        if found
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_other_warnings_get_a_line_of_their_own_beside_the_progress_bar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    terminal.write("Ingesting access.log  [####------]   40%")  # the bar, drawn without a newline
    with log_to_terminal():
        logging.getLogger("controlplane.ingest").warning("access.log was truncated")
        logging.getLogger("controlplane.alerts").warning("spent", extra={ALERT_LOG_FIELD: {}})
        logging.getLogger("controlplane.ingest").warning(
            "unpriced models in batch b", extra={UNPRICED_LOG_FIELD: ["openai/x"]}
        )
    # The bar's line is cleared (it is redrawn on its next update); what the summary reports
    # (delivered alerts, unpriced models) is not repeated.
    assert terminal.getvalue().endswith("40%\r\x1b[Kwarning: access.log was truncated\n")


def test_follow_serves_its_ingestion_metrics_for_prometheus(
    settings: Settings, team_log: Path
) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    from tests.support.server import free_port

    port = free_port()
    command = gatewayctl(
        settings.data_dir,
        "usage",
        "ingest",
        "--follow",
        "--quiet",
        "--metrics-port",
        str(port),
        str(team_log),
    )
    process = subprocess.Popen(
        command, cwd=ROOT, env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def ingested_lines() -> float:
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
        except httpx.HTTPError:
            return -1
        for family in text_string_to_metric_families(text):
            if family.name == "controlplane_ingested_lines":
                return sum(sample.value for sample in family.samples)
        return 0

    try:
        deadline = time.monotonic() + 60
        while ingested_lines() < 3000 and time.monotonic() < deadline:
            time.sleep(0.1)
        # THEN the scrape counts every line of the file, as the summary would
        assert ingested_lines() == 3000
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
