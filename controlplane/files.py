"""Files the control plane writes: replaced atomically, so no reader ever sees half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, content: bytes, *, mode: int = 0o644) -> None:
    """Replace `path` with `content`: readers see the old file or the new one, never a part.

    The temporary file is unique (two writers never share it) and fsynced before the rename,
    so a crash leaves the old file, not an empty one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_private(path: Path, content: bytes) -> None:
    """Secrets on disk (signing key, admin credentials): atomic, owner-only (0600)."""
    write_atomically(path, content, mode=0o600)
