"""Ingesting access-log files and stdin: checkpoints, partial lines, rotation, `--follow`, CLI."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from controlplane.cli import main
from controlplane.file_ingest import Checkpoints, ingest_file, ingest_stream, is_whole_record
from controlplane.ingest import Ingestor
from controlplane.services import Services
from controlplane.settings import Settings
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

    first = ingest_file(Ingestor(services), log, checkpoints, batch_bytes=700)
    again = ingest_file(Ingestor(services), log, checkpoints, batch_bytes=700)

    assert first.requests == 5
    assert first.chunks_applied > 1  # small batches: several transactions
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
