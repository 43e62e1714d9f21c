"""Ingesting access-log files and stdin: checkpoints, partial lines, rotation, `--follow`, CLI."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner

from controlplane.cli import main
from controlplane.file_ingest import (
    Checkpoints,
    FilePosition,
    ingest_file,
    ingest_stream,
    is_whole_record,
)
from controlplane.ingest import Ingestor, IngestReport
from controlplane.services import Services, build_services
from controlplane.settings import Settings
from controlplane.store.port import Write
from controlplane.store.sqlite import SqliteStore
from controlplane.store.usage import MonthUsage
from tests.conftest import LambdaApi
from tests.handlers.test_usage_api import log_line

CLIENT = "client-of-nobody"  # lines of unknown clients land in `unattributed`


def requests_counted(services: Services) -> int:
    """Requests in the ledger's `unattributed` month totals, all months."""
    items = services.store.query("USAGE#unattributed").items
    return sum(int(item.counters.get("requests", 0)) for item in items)


def lines(count: int) -> bytes:
    return b"".join(log_line(CLIENT).encode() + b"\n" for _ in range(count))


def test_rerunning_a_file_counts_nothing_twice(services: Services, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(lines(5))
    checkpoints = Checkpoints(tmp_path / "checkpoints.json")

    first = ingest_file(Ingestor(services), log, checkpoints, batch_bytes=700, apply_bytes=700)
    again = ingest_file(Ingestor(services), log, checkpoints, batch_bytes=700, apply_bytes=700)

    assert first.requests == 5
    assert first.chunks_applied > 1  # small batches applied one by one: several transactions
    assert again.lines == 0
    assert requests_counted(services) == 5


def test_without_its_checkpoint_a_rerun_is_still_counted_once(
    services: Services, tmp_path: Path
) -> None:
    # The batch ids (file, byte range, content hash) are the second line of defence.
    log = tmp_path / "access.log"
    log.write_bytes(lines(4))
    ingest_file(Ingestor(services), log, Checkpoints(tmp_path / "a.json"), batch_bytes=1000)
    rerun = ingest_file(Ingestor(services), log, Checkpoints(tmp_path / "b.json"), batch_bytes=1000)
    assert rerun.chunks_already_applied == rerun.chunks > 0
    assert requests_counted(services) == 4


def test_appended_lines_and_a_partial_last_line(services: Services, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    checkpoints = Checkpoints(tmp_path / "checkpoints.json")
    half = log_line(CLIENT).encode()
    log.write_bytes(lines(2) + half[:40])

    # A follower leaves the half-written line for later...
    stop_after_one_pass = iter([False, True]).__next__
    followed = ingest_file(
        Ingestor(services),
        log,
        checkpoints,
        follow=True,
        poll_seconds=0,
        should_stop=stop_after_one_pass,
    )
    assert followed.requests == 2
    # ...and reads it once the writer finishes it, with the lines appended after it.
    with log.open("ab") as out:
        out.write(half[40:] + b"\n" + lines(1))
    later = ingest_file(Ingestor(services), log, checkpoints)
    assert later.requests == 2
    assert requests_counted(services) == 4


def test_a_truncated_or_rotated_file_starts_again(services: Services, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    checkpoints = Checkpoints(tmp_path / "checkpoints.json")
    log.write_bytes(lines(3))
    ingest_file(Ingestor(services), log, checkpoints)
    # GIVEN the file is rotated: a new, shorter file at the same path
    log.rename(tmp_path / "access.log.1")
    log.write_bytes(lines(1))
    # THEN the new file is read from its start
    assert ingest_file(Ingestor(services), log, checkpoints).requests == 1
    assert requests_counted(services) == 4


def test_follow_picks_up_lines_as_they_are_written(services: Services, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(b"")
    stop = threading.Event()
    result: list[int] = []

    def follow() -> None:
        report = ingest_file(
            Ingestor(services),
            log,
            Checkpoints(tmp_path / "c.json"),
            follow=True,
            poll_seconds=0.01,
            should_stop=stop.is_set,
        )
        result.append(report.requests)

    follower = threading.Thread(target=follow)
    follower.start()
    for _ in range(3):
        with log.open("ab") as out:
            out.write(lines(2))
        time.sleep(0.05)
    deadline = time.monotonic() + 5
    while requests_counted(services) < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    follower.join(timeout=5)
    assert result == [6]


def test_stdin_in_batches(services: Services) -> None:
    report = ingest_stream(Ingestor(services), io.BytesIO(lines(7) + b"garbage"), batch_bytes=500)
    assert report.requests == 7
    assert report.skipped == {"malformed": 1}


def test_the_cli_prints_a_summary_and_remembers_where_it_stopped(
    settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(lines(3) + b"not json\n" + json.dumps({"http.path": "/healthz"}).encode())
    runner = CliRunner()
    args = ["--data-dir", str(settings.data_dir), "usage", "ingest", str(log)]

    first = runner.invoke(main, args)
    again = runner.invoke(main, args)

    assert first.exit_code == 0, first.output
    assert "Requests counted:    3" in first.stdout
    assert "Unattributed:        3 requests" in first.stdout
    assert "malformed 1" in first.stdout
    assert "not_llm 1" in first.stdout
    assert "Nothing new to ingest" in again.stdout
    assert settings.checkpoint_path.exists()


def test_the_cli_generates_logs(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "generated.log"
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(settings.data_dir), "dev", "generate-logs", "-n", "50", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 50


# Every complete line once (issue 10) ----------------------------------------------------------


def test_a_one_shot_ingest_leaves_a_line_still_being_written(
    services: Services, tmp_path: Path
) -> None:
    # GIVEN a log whose writer is mid-line
    log = tmp_path / "access.log"
    checkpoints = Checkpoints(tmp_path / "checkpoints.json")
    half = log_line(CLIENT).encode()
    log.write_bytes(lines(2) + half[:40])
    # WHEN it is ingested once (no --follow)
    first = ingest_file(Ingestor(services), log, checkpoints)
    # THEN the two whole lines count, the partial one is left (not malformed) and said so
    assert (first.requests, dict(first.skipped)) == (2, {})
    assert first.partial_line_bytes == 40
    # AND once the writer finishes the line, the next run bills it
    with log.open("ab") as out:
        out.write(half[40:] + b"\n")
    later = ingest_file(Ingestor(services), log, checkpoints)
    assert (later.requests, dict(later.skipped), later.partial_line_bytes) == (1, {}, 0)
    assert requests_counted(services) == 3


def test_a_complete_last_record_without_its_newline_is_counted_once(
    services: Services, tmp_path: Path
) -> None:
    # A whole JSON object cannot be the start of a longer valid line, so it is taken now...
    log = tmp_path / "access.log"
    checkpoints = Checkpoints(tmp_path / "checkpoints.json")
    log.write_bytes(lines(2) + log_line(CLIENT).encode())
    first = ingest_file(Ingestor(services), log, checkpoints)
    assert (first.requests, first.partial_line_bytes) == (3, 0)
    # ...and the newline that ends it later is not an extra (empty) line.
    with log.open("ab") as out:
        out.write(b"\n" + lines(1))
    later = ingest_file(Ingestor(services), log, checkpoints)
    assert (later.requests, dict(later.skipped)) == (1, {})
    assert requests_counted(services) == 4


def test_the_cli_says_a_partial_line_was_left(settings: Settings, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(lines(1) + log_line(CLIENT).encode()[:30])
    args = ["--data-dir", str(settings.data_dir), "usage", "ingest", str(log)]
    first = CliRunner().invoke(main, args)
    again = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "Requests counted:    1" in first.stdout
    assert "Partial last line:   30 bytes without a newline" in first.stdout
    assert "Partial last line:   30 bytes without a newline" in again.stdout


def test_a_file_truncated_and_regrown_past_the_checkpoint_is_read_from_its_start(
    services: Services, tmp_path: Path
) -> None:
    log = tmp_path / "access.log"
    checkpoints = Checkpoints(tmp_path / "checkpoints.json")
    log.write_bytes(lines(3))
    ingest_file(Ingestor(services), log, checkpoints)
    inode = log.stat().st_ino
    # GIVEN the file is truncated in place (copytruncate, `> file`) and regrows past the offset
    with log.open("r+b") as out:
        out.truncate(0)
        out.write(lines(5))
    assert log.stat().st_ino == inode
    # THEN all of its new lines count
    regrown = ingest_file(Ingestor(services), log, checkpoints)
    assert regrown.requests == 5
    assert regrown.restarted
    assert requests_counted(services) == 8
    # AND re-reading it (even without the checkpoint) is still a no-op
    assert ingest_file(Ingestor(services), log, checkpoints).lines == 0
    rerun = ingest_file(Ingestor(services), log, Checkpoints(tmp_path / "other.json"))
    assert rerun.chunks_already_applied == rerun.chunks > 0
    assert requests_counted(services) == 8


@pytest.mark.parametrize("at_call", [2, 3], ids=["while-reading", "between-polls"])
def test_follow_notices_a_truncation_that_regrew(
    services: Services, tmp_path: Path, at_call: int
) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(lines(2))
    calls = 0

    def truncate_and_regrow_once() -> bool:
        # should_stop is called before each pass (1, 3) and after each batch (2, 4)
        nonlocal calls
        calls += 1
        if calls == at_call:
            with log.open("r+b") as out:
                out.truncate(0)
                out.write(lines(4))
        return calls >= 4  # stop after the second pass's batch

    report = ingest_file(
        Ingestor(services),
        log,
        Checkpoints(tmp_path / "c.json"),
        follow=True,
        poll_seconds=0,
        should_stop=truncate_and_regrow_once,
    )
    assert report.requests == 6
    assert requests_counted(services) == 6


def test_a_checkpoint_without_fingerprints_still_resumes(
    services: Services, tmp_path: Path
) -> None:
    # Checkpoints written before fingerprints existed: device, inode and offset are trusted.
    log = tmp_path / "access.log"
    log.write_bytes(lines(2))
    ingest_file(Ingestor(services), log, Checkpoints(tmp_path / "c.json"))
    saved = json.loads((tmp_path / "c.json").read_text())
    for entry in saved.values():
        entry.pop("head", None)
        entry.pop("tail", None)
    (tmp_path / "c.json").write_text(json.dumps(saved))
    with log.open("ab") as out:
        out.write(lines(1))
    assert ingest_file(Ingestor(services), log, Checkpoints(tmp_path / "c.json")).requests == 1
    assert requests_counted(services) == 3


def test_what_counts_as_a_whole_last_record() -> None:
    whole = log_line(CLIENT).encode()
    assert is_whole_record(whole)
    assert is_whole_record(whole + b"  \r")
    assert not any(is_whole_record(whole[:cut]) for cut in range(len(whole)))
    assert not is_whole_record(b"[1, 2]")
    assert not is_whole_record(b"not json }")
    assert not is_whole_record(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)  # too deep: no crash


# Several reads applied as one span, exactly once across crashes (issue 13) -------------------


def test_the_usage_of_several_reads_is_written_once(services: Services, tmp_path: Path) -> None:
    # GIVEN a log of two models, read 1,000 bytes at a time
    log = tmp_path / "access.log"
    log.write_bytes(
        b"".join(
            log_line(CLIENT, model=model).encode() + b"\n"
            for model in ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"] * 20
        )
    )
    reads: list[int] = []
    applies: list[int] = []

    report = ingest_file(
        Ingestor(services),
        log,
        Checkpoints(tmp_path / "checkpoints.json"),
        batch_bytes=1000,
        on_read=reads.append,
        on_batch=lambda consumed, _report: applies.append(consumed),
    )

    # THEN the reads are many, the apply one: two models and the month's totals, and a marker
    size = log.stat().st_size
    assert len(reads) > 10
    assert sum(reads) == size
    assert applies == [size]
    assert (report.requests, report.writes, report.chunks_applied) == (40, 4, 1)
    assert requests_counted(services) == 40


class _Killed(BaseException):
    """The process dies here: nothing after it runs, no `except Exception` sees it."""


class _DurableSteps:
    """Counts what a run makes durable (store transactions, checkpoint writes) and dies just
    before the one numbered `die_before`: what a kill between two durable steps leaves."""

    def __init__(self, die_before: int | None = None) -> None:
        self.taken = 0
        self.die_before = die_before

    def take(self) -> None:
        if self.taken + 1 == self.die_before:
            raise _Killed(f"killed before durable step {self.die_before}")
        self.taken += 1


class _DyingStore(SqliteStore):
    def __init__(self, path: Path, steps: _DurableSteps) -> None:
        super().__init__(path)
        self.steps = steps

    def transact(self, ops: Sequence[Write]) -> None:  # `write` goes through here too
        self.steps.take()
        super().transact(ops)


class _DyingCheckpoints(Checkpoints):
    def __init__(self, path: Path, steps: _DurableSteps) -> None:
        super().__init__(path)
        self.steps = steps

    def set(self, log_path: Path, position: FilePosition) -> None:
        self.steps.take()
        super().set(log_path, position)


NOVEMBER = datetime(2026, 11, 20, 12, tzinfo=UTC)
DECEMBER = datetime(2026, 12, 3, 12, tzinfo=UTC)


def usage_log(team_client: str, first: int, count: int) -> bytes:
    """Priced lines of the team and of nobody, and (half of them) the team's lines of 250
    unpriced models, over two months: a span of more than 220 lines has more than 99 aggregates,
    so its apply takes several transactions."""
    lines = []
    for index in range(first, first + count):
        at = NOVEMBER if index // 4 % 2 else DECEMBER
        kind = index % 4
        if kind == 0:
            lines.append(log_line(team_client, input_tokens=900 + index, at=at))
        elif kind == 1:
            lines.append(log_line(None, model="gpt-4o", provider="openai", at=at, cache_read=0))
        else:
            lines.append(log_line(team_client, model=f"experimental-{index % 250}", at=at))
    return "".join(line + "\n" for line in lines).encode()


class _World:
    """Data dirs that each start as a copy of one registered team with a budget (same ids)."""

    def __init__(self, api: LambdaApi, services: Services, tmp_path: Path) -> None:
        registration = api.register_team(name="payments", tier="unlimited")
        self.team_id = registration["team"]["team_id"]
        self.client_id = registration["credentials"]["client_id"]
        budget = {"team_id": self.team_id, "amount_usd": "0.3"}  # alerts in the first span
        assert api.post("/budgets", budget).status == 201
        self.root = tmp_path
        self.template = tmp_path / "template.sqlite3"
        _copy_database(services.settings.sqlite_path, self.template)

    def data_dir(self, name: str) -> Settings:
        settings = Settings(
            data_dir=self.root / name,
            issuer="http://testserver",
            token_endpoint="http://testserver/oauth2/token",
        )
        settings.data_dir.mkdir()
        _copy_database(self.template, settings.sqlite_path)
        return settings

    def open(self, settings: Settings, steps: _DurableSteps) -> tuple[Services, Checkpoints]:
        """A process over the data dir: its own store connection and checkpoints."""
        services = build_services(settings, store=_DyingStore(settings.sqlite_path, steps))
        return services, _DyingCheckpoints(settings.checkpoint_path, steps)

    def usage(self, services: Services) -> list[MonthUsage]:
        return [
            services.ledger.month(team, month)
            for team in (self.team_id, "unattributed")
            for month in ("2026-11", "2026-12")
        ]


def _copy_database(source_path: Path, target_path: Path) -> None:
    with sqlite3.connect(source_path) as source, sqlite3.connect(target_path) as target:
        source.backup(target)
    source.close()
    target.close()


class Sizes(NamedTuple):
    batch_bytes: int
    apply_bytes: int


KILLED_RUN_SIZES = Sizes(batch_bytes=16_000, apply_bytes=80_000)
OTHER_SIZES = Sizes(batch_bytes=12_000, apply_bytes=110_000)


def ingest(services: Services, log: Path, checkpoints: Checkpoints, sizes: Sizes) -> IngestReport:
    return ingest_file(
        Ingestor(services),
        log,
        checkpoints,
        batch_bytes=sizes.batch_bytes,
        apply_bytes=sizes.apply_bytes,
    )


@pytest.mark.parametrize("grown", [False, True], ids=["same-file", "grown-file-other-sizes"])
def test_a_kill_at_any_durable_step_then_a_rerun_counts_every_line_once(
    api: LambdaApi, services: Services, tmp_path: Path, grown: bool
) -> None:
    world = _World(api, services, tmp_path)
    first_part = usage_log(world.client_id, 0, 700)
    # Appended between the kill and the rerun: the span being applied ended at the end of the
    # file, so a rerun reading on from the checkpoint would read a longer span (another id).
    appended = usage_log(world.client_id, 700, 150) if grown else b""
    rerun_sizes = OTHER_SIZES if grown else KILLED_RUN_SIZES
    # The reference: one clean run over everything the log ends up holding.
    clean, clean_checkpoints = world.open(world.data_dir("clean"), _DurableSteps())
    (tmp_path / "clean.log").write_bytes(first_part + appended)
    ingest_file(Ingestor(clean), tmp_path / "clean.log", clean_checkpoints)
    expected = world.usage(clean)
    clean.store.close()
    assert expected[0].totals.cost_usd > 0
    assert len(expected[0].models) > 100
    # Every durable step of the run to kill: spans in flight, chunks, alert claims, checkpoints.
    counted = _DurableSteps()
    counting, counting_checkpoints = world.open(world.data_dir("counting"), counted)
    (tmp_path / "counting.log").write_bytes(first_part)
    report = ingest(counting, tmp_path / "counting.log", counting_checkpoints, KILLED_RUN_SIZES)
    counting.store.close()
    assert report.chunks_applied >= 3 * 2  # several spans of several transactions each
    assert report.alerts

    for step in range(1, counted.taken + 1):
        # GIVEN a run killed just before its step-th durable step
        settings = world.data_dir(f"killed-{step}")
        log = tmp_path / f"killed-{step}.log"
        log.write_bytes(first_part)
        killed, checkpoints = world.open(settings, _DurableSteps(die_before=step))
        with pytest.raises(_Killed):
            ingest(killed, log, checkpoints, KILLED_RUN_SIZES)
        killed.store.close()
        # WHEN it runs again in a new process
        with log.open("ab") as out:
            out.write(appended)
        rerun, checkpoints = world.open(settings, _DurableSteps())
        ingest(rerun, log, checkpoints, rerun_sizes)
        # THEN the ledger holds what one clean run counts, to the Decimal
        assert world.usage(rerun) == expected, f"killed before durable step {step}"
        position = checkpoints.get(log)
        assert position is not None
        assert (position.offset, position.in_flight) == (log.stat().st_size, None)
        assert ingest_file(Ingestor(rerun), log, checkpoints).lines == 0
        rerun.store.close()


def test_a_span_in_flight_that_was_rewritten_since_is_not_applied_again(
    api: LambdaApi, services: Services, tmp_path: Path
) -> None:
    # GIVEN a run killed once its first span is recorded in flight, before the ledger saw it
    world = _World(api, services, tmp_path)
    settings = world.data_dir("killed")
    log = tmp_path / "access.log"
    log.write_bytes(usage_log(world.client_id, 0, 300))
    killed, checkpoints = world.open(settings, _DurableSteps(die_before=2))
    with pytest.raises(_Killed):
        ingest(killed, log, checkpoints, KILLED_RUN_SIZES)
    killed.store.close()
    position = checkpoints.get(log)
    assert position is not None
    assert position.in_flight is not None
    assert position.offset == 0
    # AND the file is rewritten in place before the rerun (same inode, other lines)
    with log.open("r+b") as out:
        out.truncate(0)
        out.write(usage_log(world.client_id, 1_000, 300))
    # WHEN it runs again
    rerun, checkpoints = world.open(settings, _DurableSteps())
    ingest(rerun, log, checkpoints, KILLED_RUN_SIZES)
    # THEN what the file holds now is counted, as a clean run counts it
    clean, clean_checkpoints = world.open(world.data_dir("clean"), _DurableSteps())
    ingest_file(Ingestor(clean), log, clean_checkpoints)
    assert world.usage(rerun) == world.usage(clean)
    rerun.store.close()
    clean.store.close()
