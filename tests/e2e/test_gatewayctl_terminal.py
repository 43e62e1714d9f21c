"""`gatewayctl usage history` as a person sees it: the real command in a pseudo-terminal of 80
columns against the real server, with usage ingested in three different months. What is checked
is the screen: the month labels, bars whose lengths follow the costs, the amounts and requests."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner

from controlplane.cli import main
from tests.support.server import ROOT, RunningServer, running_server

pytestmark = pytest.mark.e2e

COLUMNS, ROWS = 80, 24
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PARTIAL = " ▏▎▍▌▋▊▉"
MONTH_LINE = re.compile(
    r"^(?P<period>[0-9]{4}-[0-9]{2})  (?P<bar>[█▏▎▍▌▋▊▉]*) *  +(?P<amount>[0-9,.<]+) USD +"
    r"(?P<requests>[0-9,]+) requests"
)
SESSION_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Team:
    name: str
    team_id: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("terminal") / "gateway") as running:
        yield running


def gatewayctl(server: RunningServer, *args: str) -> str:
    env = {name: None for name in os.environ if name.startswith("GATEWAY_")}
    result = CliRunner().invoke(main, [*args, "--data-dir", str(server.data_dir)], env=env)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout


def months_ago(count: int) -> datetime:
    now = datetime.now(UTC)
    year, month = divmod(now.year * 12 + now.month - 1 - count, 12)
    return datetime(year, month + 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def team(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Team:
    """The only team of the server, with usage two months ago, last month and this month (none
    three months ago), of clearly different sizes."""
    created = gatewayctl(
        server, "teams", "create", "--name", "charted", "--contact-email", "c@example.com",
        "--tier", "premium", "-o", "json",
    )  # fmt: skip
    registered = json.loads(created)
    logs = tmp_path_factory.mktemp("logs")
    for ago, lines in ((2, 150), (1, 600), (0, 300)):
        log = logs / f"{ago}.log"
        gatewayctl(
            server, "dev", "generate-logs", "--lines", str(lines), "--seed", str(ago),
            "--teams-from-store", "--start", months_ago(ago).strftime("%Y-%m-%d"), "-o", str(log),
        )  # fmt: skip
        gatewayctl(server, "usage", "ingest", str(log), "--quiet")
    return Team("charted", registered["team"]["team_id"])


def in_terminal(*args: str, columns: int = COLUMNS) -> tuple[str, int]:
    """Run `gatewayctl ARGS` with a pseudo-terminal of `columns` by ROWS as its stdin, stdout and
    stderr, as a shell would; answer what it wrote to the screen and its exit code."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(TERM="xterm-256color", PYTHONPATH=str(ROOT))
    for name in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "controlplane.cli", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    screen = bytearray()
    deadline = time.monotonic() + SESSION_TIMEOUT_SECONDS
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the command exited and closed the terminal
                break
            if not chunk:
                break
            screen += chunk
        else:
            process.kill()
            pytest.fail(f"the session did not end within {SESSION_TIMEOUT_SECONDS}s: {screen!r}")
    finally:
        os.close(master)
    return screen.decode(), process.wait(timeout=10)


def eighths(bar: str) -> int:
    """A bar's length in eighths of a cell."""
    full = bar.count("█")
    partial = bar[full:]
    assert len(partial) <= 1, bar
    return full * 8 + (PARTIAL.index(partial) if partial else 0)


def test_usage_history_draws_a_monthly_bar_chart_for_a_person(
    server: RunningServer, team: Team
) -> None:
    history: dict[str, Any] = json.loads(
        gatewayctl(server, "usage", "history", team.name, "--months", "4", "-o", "json")
    )
    months = history["months"]
    expected_periods = [months_ago(ago).strftime("%Y-%m") for ago in (3, 2, 1, 0)]
    assert [month["period"] for month in months] == expected_periods
    costs = [Decimal(month["cost_usd"]) for month in months]
    assert costs[0] == 0
    assert all(cost > 0 for cost in costs[1:])

    raw, code = in_terminal(
        "usage", "history", team.name, "--months", "4", "--data-dir", str(server.data_dir)
    )
    assert code == 0, raw
    assert "\x1b[" in raw  # on a terminal rich colours the bars
    lines = [ANSI.sub("", line).rstrip() for line in raw.replace("\r\n", "\n").split("\n")]
    assert all(len(line) <= COLUMNS for line in lines), lines

    assert lines[0] == f"Monthly cost of {team.name} ({team.team_id})"
    charted = [match for line in lines if (match := MONTH_LINE.match(line))]
    assert [match["period"] for match in charted] == expected_periods
    for match, month in zip(charted, months, strict=True):
        assert match["amount"] == f"{Decimal(month['cost_usd']):,.2f}"
        assert match["requests"] == f"{month['requests']:,}"

    # The chart takes the terminal's width (its bars at most 60 cells: here fewer), the
    # costliest month's bar the longest, every other bar that long times its share of the
    # costliest cost, to an eighth of a cell.
    assert max(len(match.string) for match in charted) == COLUMNS
    widest = max(eighths(match["bar"]) for match in charted)
    assert 0 < widest < 8 * 60
    largest = max(costs)
    costliest = charted[costs.index(largest)]
    assert eighths(costliest["bar"]) == widest
    # ... and it fills its room: nothing but the two spaces before the (widest) amount.
    assert f"{costliest['bar']}  {costliest['amount']} USD" in costliest.string
    for match, cost in zip(charted, costs, strict=True):
        assert abs(eighths(match["bar"]) - cost / largest * widest) <= 1, (match.string, cost)
    assert charted[0]["bar"] == ""  # no usage, no bar
    total = sum(costs, Decimal(0))
    requests = sum(month["requests"] for month in months)
    assert f"Total: {total:,.2f} USD, {requests:,} requests in 4 months" in lines


def test_a_narrower_terminal_gets_shorter_bars_in_the_same_proportions(
    server: RunningServer, team: Team
) -> None:
    def chart(columns: int) -> list[re.Match[str]]:
        raw, code = in_terminal(
            "usage", "history", team.name, "--months", "3", "--data-dir", str(server.data_dir),
            columns=columns,
        )  # fmt: skip
        assert code == 0, raw
        lines = [ANSI.sub("", line).rstrip() for line in raw.replace("\r\n", "\n").split("\n")]
        return [match for line in lines if (match := MONTH_LINE.match(line))]

    wide, narrow = chart(COLUMNS), chart(COLUMNS - 16)
    assert max(len(match.string) for match in narrow) == COLUMNS - 16
    # 16 columns fewer: the longest bar is 16 cells shorter, the others in proportion.
    widest = [max(eighths(match["bar"]) for match in matches) for matches in (wide, narrow)]
    assert widest[0] - widest[1] == 16 * 8
    for one, other in zip(wide, narrow, strict=True):
        assert one["amount"] == other["amount"]
        share = eighths(one["bar"]) / widest[0]
        assert abs(eighths(other["bar"]) - share * widest[1]) <= 1
