"""Files the control plane writes: replaced atomically, so no reader ever sees half a file.

What holds secrets or state (the data dir, the SQLite file, signing key, admin client,
checkpoints) is owner-only: folders 0700, files 0600.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def write_atomically(path: Path, content: bytes, *, mode: int = 0o644) -> None:
    """Replace `path` with `content`: readers see the old file or the new one, never a part.

    The temporary file is unique (two writers never share it) and fsynced before the rename,
    so a crash leaves the old file, not an empty one.
    """
    temporary = _write_temporary(path, content, mode)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write_temporary(path: Path, content: bytes, mode: int) -> Path:
    """`content` in a new, unique, fsynced file beside `path` (the folder made if missing,
    0700 when the file is private)."""
    path.parent.mkdir(mode=0o777 if mode & 0o077 else 0o700, parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def write_private(path: Path, content: bytes) -> None:
    """Secrets on disk (signing key, admin credentials): atomic, owner-only (0600)."""
    write_atomically(path, content, mode=0o600)


def create_exclusively(path: Path, content: bytes, *, mode: int = 0o600) -> bool:
    """Create `path` with `content` unless it exists: True if this call created it.

    The content goes to a unique temporary file (fsynced), which is then hard-linked to `path`;
    the link fails when `path` exists, so of concurrent creators exactly one wins, and nobody
    ever sees the file partly written. The losers read the winner's file.
    """
    temporary = _write_temporary(path, content, mode)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_directory(path.parent)
    return True


def _fsync_directory(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def private_dir(path: Path) -> None:
    """Create `path` owner-only (0700), or make it so if it exists, is ours and is wider."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    make_private(path, 0o700)


def make_private(path: Path, mode: int = 0o600) -> None:
    """Remove group and other permissions from an existing file or folder of ours."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_mode & 0o077 and info.st_uid == os.getuid():
        os.chmod(path, mode)


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive `flock` on `path` (created 0600): one holder across processes and
    threads (each holder opens its own file description); released on exit or process death."""
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)
