"""The journal's files: atomic writes, folder syncs, the writer's lock, new segments
and the removal of old ones.

Every file that must appear whole (a new segment, a snapshot file) is written to a
temporary name in the same folder, synced, renamed over its final name with
``os.replace`` (atomic) and the folder synced, so a crash leaves either the old file
or the new one, and at worst a temporary file that the next open removes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from tierroute.errors import JournalError
from tierroute.hosting.journal.codec import snapshot_payload
from tierroute.hosting.journal.format import file_header, frame, segment_name, segments

try:  # POSIX advisory locks; on other systems the journal is not locked.
    import fcntl as _fcntl
except ImportError:  # pragma: no cover - Windows
    _fcntl = None  # type: ignore[assignment]

__all__ = ["atomic_write", "cleanup", "lock", "write_segment"]

_TMP_PREFIX: Final = ".tmp-"
_LOCK: Final = "lock"


def _fsync_dir(folder: Path) -> None:
    """Make a rename or removal in ``folder`` durable."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms that cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse directory fsync
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync,
    ``os.replace``, fsync the folder."""
    tmp = path.with_name(f"{_TMP_PREFIX}{path.name}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_segment(folder: Path, generation: int, snapshot: Mapping[str, Any], seq: int) -> Path:
    """Install segment ``generation`` (atomically), starting from ``snapshot`` after
    ``seq`` calls."""
    path = folder / segment_name(generation)
    atomic_write(path, file_header(generation) + frame(snapshot_payload(snapshot, seq)))
    return path


def lock(folder: Path) -> int:
    """Take the journal's writer lock; returns its file descriptor.

    Raises:
        JournalError: Another process holds it.
    """
    fd = os.open(folder / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    if _fcntl is not None:
        try:
            _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise JournalError(
                f"{folder}: the journal is open for writing in another process"
            ) from None
    return fd


def cleanup(folder: Path, keep: int) -> None:
    """Delete segments older than ``keep`` and temp files left by a crash."""
    removed = False
    for gen, p in segments(folder):
        if gen < keep:
            p.unlink(missing_ok=True)
            removed = True
    for p in folder.glob(f"{_TMP_PREFIX}*"):
        p.unlink(missing_ok=True)
        removed = True
    if removed:
        _fsync_dir(folder)
