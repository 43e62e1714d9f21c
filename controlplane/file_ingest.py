"""Ingesting an access-log file (or stdin) in batches, with a checkpoint and `--follow`.

A file is read from its checkpoint in batches of whole lines (`batch_bytes` at a time, which
bounds memory), and the usage of consecutive batches is summed until it spans `apply_bytes` or
the end of the file: that span is applied to the ledger as one batch. Each (team, model,
month) aggregate is written once per span instead of once per batch read, which is most of the
store writes saved (a 256 MB log of 20 teams: 57k writes applied per 8 MB, 2.7k in one span).
A span's id names the file (device, inode), its byte range and a hash of its bytes, so
re-reading the same byte range of the same file is a no-op in the ledger even without the
checkpoint, while new content at the same offsets after a truncation is new.

The checkpoint (per resolved path) holds the device, inode and offset read to, plus two
fingerprints of what was read: a hash of the file's first bytes and of the bytes just before
the offset. It is written atomically around each span's apply, and never gets ahead of the
ledger: first the span about to be applied is recorded in it (`SpanInFlight`: its end and id,
the offset unchanged), then the ledger applies the span (chunk by chunk, each chunk once), then
the checkpoint moves to the span's end. A run that finds a span in flight (the previous one
stopped or crashed while applying it) applies that same byte range again under the same id
before reading on: chunks already applied are skipped, the rest applied, whatever the file
grew to and whatever `batch_bytes` or `apply_bytes` are now. Without that record a re-run
would read a span ending elsewhere (the file grew, or other sizes), under another id, and count
the committed chunks' lines twice. A file resumes at its checkpoint only if it is the same file
(device, inode), at least that long, and both fingerprints still match; otherwise (rotated,
truncated, truncated and regrown past the offset, rewritten) it is read again from 0.
Checkpoints written before the fingerprints existed are trusted on device, inode and size alone.

Only complete lines are consumed. agentgateway ends every access-log line with a newline, so a
last line without one is a line still being written: it is left, and the checkpoint stays
before it, until its newline arrives, in a one-shot run as with `--follow`. One exception: an
unterminated last line that already parses as a whole JSON object is taken, because a whole
object cannot be the start of a longer valid line (only whitespace may follow it): that is the
last line of a finished file written without a final newline. The newline that may end it
later is then not counted as an extra (empty) line.

Limits: a truncation racing with the read of one batch (between the check after the previous
batch and the read) is seen only after that batch; a file cut back to a point other than its
start and regrown is read again from 0, so lines kept before the cut count again unless their
batches' byte ranges are the same as before (copytruncate and `> file` cut to 0: exact); new
content whose first bytes and bytes before the checkpoint equal the old ones is not noticed
(access-log lines carry their time, so they never are); two runs over one file at once (cron
runs that overlap) can read spans ending at different points of a growing file and count their
common lines twice (they could the last batch before spans): one run at a time, e.g. under
`flock`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

from controlplane.domain.usage import AggregatedUsage
from controlplane.files import write_private
from controlplane.ingest import Ingestor, IngestReport

DEFAULT_BATCH_BYTES = 8 * 1024 * 1024
"""Bytes read (and parsed) at a time: bounds memory."""

DEFAULT_APPLY_BYTES = 256 * 1024 * 1024
"""Bytes of log whose usage is summed before it is applied to the ledger as one batch.

Store writes grow with the number of applies (each writes every team x model x month it saw),
not with lines; the cost of a larger span is what a crash makes the next run read again, and
how long a run waits between applies (and so between progress reports). `--follow` applies
whenever it reaches the end of the file, so live usage is never held back by this."""

FINGERPRINT_BYTES = 4096
"""Bytes hashed at the start of a file and just before its checkpoint, to recognise it."""

log = logging.getLogger("controlplane.ingest")


@dataclass(frozen=True)
class SpanInFlight:
    """The span from a checkpoint's offset whose ledger apply began and may not have finished."""

    end: int
    batch_id: str


@dataclass(frozen=True)
class FilePosition:
    device: int
    inode: int
    offset: int
    head: str | None = None
    """Hash of the file's first min(offset, FINGERPRINT_BYTES) bytes (None: an old checkpoint)."""
    tail: str | None = None
    """Hash of the FINGERPRINT_BYTES (or fewer) bytes just before `offset`."""
    in_flight: SpanInFlight | None = None
    """The span from `offset` being applied when this was written, to be applied again first."""


@dataclass
class FileIngestReport(IngestReport):
    """An `IngestReport` of a file, with what was left at its end and whether it restarted."""

    partial_line_bytes: int = 0
    """Bytes at the end of the file without a newline yet, left for the next run."""
    restarted: bool = False
    """The file no longer held what was read before its checkpoint: it was read from 0."""

    def __iadd__(self, other: IngestReport) -> FileIngestReport:
        super().__iadd__(other)
        return self


class Checkpoints:
    """Per-file read positions, kept as JSON in one file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        loaded: dict[str, dict[str, Any]] = json.loads(self.path.read_text())
        return loaded

    def get(self, log_path: Path) -> FilePosition | None:
        entry = self._load().get(str(log_path.resolve()))
        if not entry:
            return None
        in_flight = entry.get("in_flight")
        return FilePosition(
            device=int(entry["device"]),
            inode=int(entry["inode"]),
            offset=int(entry["offset"]),
            head=entry.get("head"),
            tail=entry.get("tail"),
            in_flight=(
                SpanInFlight(int(in_flight["end"]), str(in_flight["batch_id"]))
                if in_flight
                else None
            ),
        )

    def set(self, log_path: Path, position: FilePosition) -> None:
        entries = self._load()
        entry: dict[str, Any] = {
            "device": position.device,
            "inode": position.inode,
            "offset": position.offset,
        }
        if position.head is not None and position.tail is not None:
            entry["head"] = position.head
            entry["tail"] = position.tail
        if position.in_flight is not None:
            entry["in_flight"] = {
                "end": position.in_flight.end,
                "batch_id": position.in_flight.batch_id,
            }
        entries[str(log_path.resolve())] = entry
        write_private(self.path, json.dumps(entries, indent=2, sort_keys=True).encode())


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass
class _Read:
    """The bytes fingerprinted: the file's first and the last read (each FINGERPRINT_BYTES)."""

    head: bytes
    tail: bytes

    @classmethod
    def of(cls, fd: int, offset: int) -> _Read:
        head_bytes = min(offset, FINGERPRINT_BYTES)
        tail_start = max(0, offset - FINGERPRINT_BYTES)
        return cls(os.pread(fd, head_bytes, 0), os.pread(fd, offset - tail_start, tail_start))

    def then(self, content: bytes) -> None:
        if len(self.head) < FINGERPRINT_BYTES:
            self.head = (self.head + content)[:FINGERPRINT_BYTES]
        recent = content if len(content) >= FINGERPRINT_BYTES else self.tail + content
        self.tail = recent[-FINGERPRINT_BYTES:]

    def position(self, device: int, inode: int, offset: int) -> FilePosition:
        return FilePosition(device, inode, offset, _hash(self.head), _hash(self.tail))

    def still_in(self, fd: int, offset: int) -> bool:
        """Whether the open file still starts with the same bytes and reaches `offset`."""
        return os.fstat(fd).st_size >= offset and os.pread(fd, len(self.head), 0) == self.head


def resume_position(fd: int, saved: FilePosition | None) -> tuple[FilePosition, bool, _Read]:
    """Where to read the open file `fd` from, whether a checkpoint of it was discarded, and
    the bytes fingerprinted there.

    The checkpoint if it is this file (device, inode), not past its end, and the bytes before
    it are still the ones read (fingerprints); else 0.
    """
    stat = os.fstat(fd)
    start = FilePosition(stat.st_dev, stat.st_ino, 0)
    if saved is None or (saved.device, saved.inode) != (stat.st_dev, stat.st_ino):
        return start, False, _Read(b"", b"")  # never read, or a new file at this path (rotated)
    if saved.offset > stat.st_size:
        return start, True, _Read(b"", b"")  # truncated
    read = _Read.of(fd, saved.offset)
    if saved.head is None or saved.tail is None:
        return saved, False, read  # an old checkpoint: nothing to verify
    if (_hash(read.head), _hash(read.tail)) != (saved.head, saved.tail):
        return start, True, _Read(b"", b"")  # truncated and regrown, or rewritten in place
    return saved, False, read


def start_position(log_path: Path, checkpoints: Checkpoints) -> FilePosition:
    """Where an ingest of `log_path` would resume (see `resume_position`)."""
    with log_path.open("rb") as handle:
        return resume_position(handle.fileno(), checkpoints.get(log_path))[0]


def is_whole_record(line: bytes) -> bool:
    """A line without its newline that is nonetheless complete: a whole JSON object."""
    if not line.rstrip().endswith(b"}"):
        return False
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


def complete_lines(handle: BinaryIO, max_bytes: int) -> tuple[bytes, int]:
    """Up to `max_bytes` of whole lines from the handle's position: (bytes, bytes consumed).

    A last line without its newline is left for later (a writer may be mid-line) unless it is
    a whole JSON object (`is_whole_record`).
    """
    start = handle.tell()
    chunk = handle.read(max_bytes)
    if not chunk:
        return b"", 0
    if len(chunk) < max_bytes:  # the end of the file, as far as it is written now
        cut = chunk.rfind(b"\n") + 1
        if cut < len(chunk) and is_whole_record(chunk[cut:]):
            cut = len(chunk)
    else:
        cut = chunk.rfind(b"\n") + 1
        if cut == 0:  # one line longer than a batch: take it whole rather than stall on it
            chunk += handle.readline()
            cut = len(chunk) if chunk.endswith(b"\n") or is_whole_record(chunk) else 0
    handle.seek(start + cut)
    return chunk[:cut], cut


def batch_id(position: FilePosition, end: int, digest: str) -> str:
    """The id of the span from `position` to `end` whose bytes hash (sha256, hex) to `digest`."""
    return f"file:{position.device}:{position.inode}:{position.offset}-{end}:{digest[:16]}"


Progress = Callable[[int, IngestReport], None]
"""Called after each batch applied to the ledger with the bytes it consumed and its report."""


def ingest_file(
    ingestor: Ingestor,
    log_path: Path,
    checkpoints: Checkpoints,
    *,
    follow: bool = False,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    apply_bytes: int = DEFAULT_APPLY_BYTES,
    poll_seconds: float = 1.0,
    on_batch: Progress | None = None,
    on_read: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> FileIngestReport:
    """Ingest `log_path`'s complete lines from its checkpoint to its end (and, with `follow`,
    as it grows, is rotated or truncated). Each pass checks the file against its checkpoint.

    Lines are read `batch_bytes` at a time (`on_read` gets the bytes of each read, for a
    progress display); their usage is applied to the ledger once per `apply_bytes` of them and
    at the end of the file (`on_batch` gets each apply's report; see the module's docstring).
    """
    total = FileIngestReport(batch_id=f"file:{log_path}")
    reading = _Reading(batch_bytes, apply_bytes, on_read)
    while not should_stop():
        try:
            handle = log_path.open("rb")
        except FileNotFoundError:
            if not follow:
                raise
            time.sleep(poll_seconds)  # rotated away, not yet recreated
            continue
        with handle:
            stopped, changed = _one_pass(
                ingestor, handle, log_path, checkpoints, total, reading, on_batch, should_stop
            )
        if stopped or (not follow and not changed):
            return total
        if not changed:
            time.sleep(poll_seconds)
    return total


@dataclass(frozen=True)
class _Reading:
    batch_bytes: int
    apply_bytes: int
    on_read: Callable[[int], None] | None


@dataclass(frozen=True)
class _Span:
    """Whole lines read from a position, their summed usage and the id they are applied under."""

    end: int
    batch_id: str
    usage: AggregatedUsage


def _one_pass(
    ingestor: Ingestor,
    handle: BinaryIO,
    log_path: Path,
    checkpoints: Checkpoints,
    total: FileIngestReport,
    reading: _Reading,
    on_batch: Progress | None,
    should_stop: Callable[[], bool],
) -> tuple[bool, bool]:
    """Read the open file from its checkpoint to its end: (stopped, the file changed under it)."""
    fd = handle.fileno()
    saved = checkpoints.get(log_path)
    position, restarted, read = resume_position(fd, saved)
    if restarted:
        total.restarted = True
        log.warning(
            "%s no longer holds what was read up to its checkpoint (truncated or rewritten): "
            "reading it again from the start",
            log_path,
        )
    in_flight = saved.in_flight if saved is not None and position == saved else None
    handle.seek(position.offset)
    while True:
        read_before = replace(read)
        span = _read_span(ingestor, handle, position, read, reading, in_flight)
        if span is None:
            break
        if in_flight is not None:
            if span.batch_id != in_flight.batch_id:
                # Those bytes changed since (rewritten in place): read on from the checkpoint.
                log.warning(
                    "%s no longer holds the bytes of %s, whose apply was interrupted: reading "
                    "on from the checkpoint",
                    log_path,
                    in_flight.batch_id,
                )
                in_flight = None
                read = read_before
                handle.seek(position.offset)
                continue
            if reading.on_read:
                reading.on_read(span.end - position.offset)
        else:
            # Recorded before the ledger is touched: a run that stops or crashes from here on
            # leaves the next one this exact span to apply again, under the same id.
            checkpoints.set(
                log_path, replace(position, in_flight=SpanInFlight(span.end, span.batch_id))
            )
        report = ingestor.apply(span.batch_id, span.usage)
        consumed = span.end - position.offset
        position = read.position(position.device, position.inode, span.end)
        checkpoints.set(log_path, position)
        in_flight = None
        total += report
        if on_batch:
            on_batch(consumed, report)
        if should_stop():
            return True, False
        if not read.still_in(fd, span.end):  # truncated (and maybe regrown) while being read
            return False, True
    total.partial_line_bytes = max(0, os.fstat(fd).st_size - position.offset)
    return False, False


def _read_span(
    ingestor: Ingestor,
    handle: BinaryIO,
    position: FilePosition,
    read: _Read,
    reading: _Reading,
    in_flight: SpanInFlight | None,
) -> _Span | None:
    """The next span from `position` (the handle is there): up to `apply_bytes` of whole lines
    read `batch_bytes` at a time, or exactly the span in flight. None when nothing is left."""
    pieces = (
        _whole_lines_of_range(handle, in_flight.end - position.offset, reading.batch_bytes)
        if in_flight is not None
        else _batches(handle, reading.batch_bytes)
    )
    # A span in flight is reported read once it is known to be the same bytes (_one_pass).
    on_read = reading.on_read if in_flight is None else None
    # After a whole record taken without its newline, the next bytes continue that line.
    continues_line = position.offset > 0 and not read.tail.endswith(b"\n")
    aggregator = ingestor.aggregator()
    digest = hashlib.sha256()
    consumed = 0
    for content, size in pieces:
        lines = _lines(content)
        if continues_line and lines and not lines[0].strip():
            lines = lines[1:]  # the newline (and spaces) ending that record
        continues_line = False
        aggregator.add_lines(lines)
        digest.update(content)
        read.then(content)
        consumed += size
        if on_read:
            on_read(size)
        if in_flight is None and consumed >= reading.apply_bytes:
            break
    if consumed == 0:
        return None
    end = position.offset + consumed
    return _Span(end, batch_id(position, end, digest.hexdigest()), aggregator.result())


def ingest_stream(
    ingestor: Ingestor,
    stream: BinaryIO,
    *,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    on_batch: Progress | None = None,
) -> IngestReport:
    """Ingest a stream (stdin) to its end; batch ids are hashes of the content (no offsets).

    At the end of the stream a last line without its newline is taken: nothing will complete it.
    """
    total = IngestReport(batch_id="stdin")
    pending = b""
    while True:
        chunk = stream.read(batch_bytes)
        data = pending + chunk
        cut = len(data) if not chunk else data.rfind(b"\n") + 1
        content, pending = data[:cut], data[cut:]
        if content:
            digest = hashlib.sha256(content).hexdigest()[:32]
            report = ingestor.ingest_batch(f"stream:{digest}", _lines(content))
            total += report
            if on_batch:
                on_batch(len(content), report)
        if not chunk:
            return total


def _batches(handle: BinaryIO, batch_bytes: int) -> Iterator[tuple[bytes, int]]:
    while True:
        content, consumed = complete_lines(handle, batch_bytes)
        if consumed == 0:
            return
        yield content, consumed


def _whole_lines_of_range(
    handle: BinaryIO, length: int, batch_bytes: int
) -> Iterator[tuple[bytes, int]]:
    """The next `length` bytes (or fewer, if the file ends first), about `batch_bytes` at a
    time, each piece cut after a newline but the last: a span read before ends with a whole
    line, and its lines are the same however it is cut into pieces."""
    carry = b""
    remaining = length
    while remaining > 0:
        chunk = handle.read(min(batch_bytes, remaining))
        if not chunk:
            break
        remaining -= len(chunk)
        data = carry + chunk
        cut = len(data) if remaining == 0 else data.rfind(b"\n") + 1
        if cut:
            yield data[:cut], cut
        carry = data[cut:]
    if carry:
        yield carry, len(carry)


def _lines(content: bytes) -> list[bytes]:
    return content.splitlines()
