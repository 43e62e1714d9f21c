"""Ingesting an access-log file (or stdin) in batches, with a checkpoint and `--follow`.

A file is read from its checkpoint in batches of whole lines. Each batch's id names the file
(device, inode), its byte range and a hash of its bytes, so re-reading the same bytes is a no-op
in the ledger even without the checkpoint, while new content at the same offsets after a
truncation is new. The checkpoint (per resolved path: device, inode, offset) is written after
each batch, atomically; a rotated (new inode) or truncated file starts again at 0.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from controlplane.files import write_atomically
from controlplane.ingest import Ingestor, IngestReport

DEFAULT_BATCH_BYTES = 8 * 1024 * 1024
"""Bytes read per batch: bounded memory, and few store writes (aggregates) per batch."""


@dataclass(frozen=True)
class FilePosition:
    device: int
    inode: int
    offset: int


class Checkpoints:
    """Per-file read positions, kept as JSON in one file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, dict[str, int]]:
        if not self.path.exists():
            return {}
        loaded: dict[str, dict[str, int]] = json.loads(self.path.read_text())
        return loaded

    def get(self, log_path: Path) -> FilePosition | None:
        entry = self._load().get(str(log_path.resolve()))
        return FilePosition(**entry) if entry else None

    def set(self, log_path: Path, position: FilePosition) -> None:
        entries = self._load()
        entries[str(log_path.resolve())] = {
            "device": position.device,
            "inode": position.inode,
            "offset": position.offset,
        }
        write_atomically(self.path, json.dumps(entries, indent=2, sort_keys=True).encode())


def start_position(log_path: Path, checkpoints: Checkpoints) -> FilePosition:
    """Where to resume: the checkpoint if it is the same file and not past its end, else 0."""
    stat = log_path.stat()
    saved = checkpoints.get(log_path)
    if (
        saved is not None
        and (saved.device, saved.inode) == (stat.st_dev, stat.st_ino)
        and saved.offset <= stat.st_size
    ):
        return saved
    return FilePosition(stat.st_dev, stat.st_ino, 0)


def complete_lines(
    handle: BinaryIO, max_bytes: int, *, at_end_take_partial: bool
) -> tuple[bytes, int]:
    """Up to `max_bytes` of whole lines from the handle's position: (bytes, bytes consumed).

    A last line without its newline is left for later (a writer may be mid-line) unless
    `at_end_take_partial` and the file ends there.
    """
    start = handle.tell()
    chunk = handle.read(max_bytes)
    if not chunk:
        return b"", 0
    if len(chunk) < max_bytes:  # the end of the file, as far as it is written now
        ends_whole = chunk.endswith(b"\n") or at_end_take_partial
        cut = len(chunk) if ends_whole else chunk.rfind(b"\n") + 1
    else:
        cut = chunk.rfind(b"\n") + 1
        if cut == 0:  # one line longer than a batch: take it whole rather than stall on it
            chunk += handle.readline()
            cut = len(chunk) if chunk.endswith(b"\n") or at_end_take_partial else 0
    handle.seek(start + cut)
    return chunk[:cut], cut


def batch_id(position: FilePosition, end: int, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:16]
    return f"file:{position.device}:{position.inode}:{position.offset}-{end}:{digest}"


Progress = Callable[[int, IngestReport], None]
"""Called after each batch with the bytes it consumed and its report."""


def ingest_file(
    ingestor: Ingestor,
    log_path: Path,
    checkpoints: Checkpoints,
    *,
    follow: bool = False,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    poll_seconds: float = 1.0,
    on_batch: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> IngestReport:
    """Ingest `log_path` from its checkpoint to its end (and, with `follow`, as it grows)."""
    total = IngestReport(batch_id=f"file:{log_path}")
    position = start_position(log_path, checkpoints)
    while not should_stop():
        with log_path.open("rb") as handle:
            handle.seek(position.offset)
            for content, consumed in _batches(handle, batch_bytes, take_partial=not follow):
                end = position.offset + consumed
                report = ingestor.ingest_batch(batch_id(position, end, content), _lines(content))
                position = FilePosition(position.device, position.inode, end)
                checkpoints.set(log_path, position)
                total += report
                if on_batch:
                    on_batch(consumed, report)
                if should_stop():
                    return total
        if not follow:
            return total
        time.sleep(poll_seconds)
        if log_path.exists():
            resumed = start_position(log_path, checkpoints)
            if (resumed.device, resumed.inode) != (position.device, position.inode):
                position = resumed  # rotated: a new file at the same path
            elif resumed.offset < position.offset or os.path.getsize(log_path) < position.offset:
                position = FilePosition(position.device, position.inode, 0)  # truncated
    return total


def ingest_stream(
    ingestor: Ingestor,
    stream: BinaryIO,
    *,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    on_batch: Progress | None = None,
) -> IngestReport:
    """Ingest a stream (stdin) to its end; batch ids are hashes of the content (no offsets)."""
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


def _batches(
    handle: BinaryIO, batch_bytes: int, *, take_partial: bool
) -> Iterator[tuple[bytes, int]]:
    while True:
        content, consumed = complete_lines(handle, batch_bytes, at_end_take_partial=take_partial)
        if consumed == 0:
            return
        yield content, consumed


def _lines(content: bytes) -> list[bytes]:
    return content.splitlines()
