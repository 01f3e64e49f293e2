"""Reading a journal back: the router it holds, its records, and snapshot files.

Replay restores the snapshot a segment starts from (:meth:`Router.restore
<tierroute.routing.router.Router.restore>` migrates older snapshots), then decodes
each later record (upgraded first if the segment is of an older format, see
:mod:`.migrations`) and applies it. The router is deterministic and every record
carries its resolved time, so replay reads no clock and rebuilds the state exactly;
it checks that each call makes the offers recorded.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from tierroute.errors import (
    InvalidArgument,
    JournalCorrupt,
    JournalError,
    JournalReplayError,
    TierRouteError,
    TornRecordWarning,
)
from tierroute.hosting.journal.codec import digest, dumps
from tierroute.hosting.journal.files import atomic_write
from tierroute.hosting.journal.format import Scan, scan, segments
from tierroute.hosting.journal.migrations import upgrade
from tierroute.hosting.operations import Operation
from tierroute.routing.router import Router

__all__ = [
    "JournalRecord",
    "Recovered",
    "journal_records",
    "load_snapshot",
    "recover",
    "replay",
    "save_snapshot",
]

# What a malformed record raises when it is read or applied (besides TierRouteError).
_MALFORMED = (LookupError, TypeError, ValueError, AttributeError)


class JournalRecord(NamedTuple):
    """One record of a journal segment, as read back by :func:`journal_records`.

    Attributes:
        seq: Number of calls journaled since the journal was created, this one
            included (the snapshot record carries the count it follows).
        op: The router method (``"submit"``, ``"advance"``, …) or ``"snapshot"``.
        now: The call's resolved time (the router's time for a snapshot).
        args: The call's arguments as JSON data (the router snapshot for a snapshot).
        offers: ``(offer_id, contact_id, agent_id)`` of each offer the call made.
        path: The segment file.
        offset: Byte offset of the record in it.
    """

    seq: int
    op: str
    now: float
    args: dict[str, Any]
    offers: list[tuple[str, str, str]]
    path: str
    offset: int


def _current(found: Scan) -> list[tuple[int, dict[str, Any]]]:
    """The segment's records in today's format."""
    out = []
    for off, rec in found.records:
        try:
            out.append((off, upgrade(rec, found.version)))
        except _MALFORMED as exc:
            raise JournalCorrupt(
                found.path, off, f"record cannot be upgraded from format {found.version} ({exc})"
            ) from None
    return out


def _newest(folder: Path) -> Scan:
    """The newest segment of the journal in ``folder``, scanned."""
    if not folder.is_dir():
        raise JournalError(f"{folder}: no journal here (not a directory)")
    segs = segments(folder)
    if not segs:
        raise JournalError(f"{folder}: no journal here (no segment file)")
    gen, path = segs[-1]
    found = scan(path)
    if found.generation != gen:
        raise JournalCorrupt(
            path, 0, f"segment header says generation {found.generation}, its name {gen}"
        )
    return found


class Recovered(NamedTuple):
    """What :func:`replay` rebuilt."""

    router: Router
    scan: Scan
    seq: int
    """Number of calls journaled up to the last record replayed."""
    replayed: int
    """Number of call records replayed on top of the snapshot."""


def replay(folder: Path, clock: Callable[[], float] | None) -> Recovered:
    """Rebuild the router from the newest segment (read-only).

    Raises:
        JournalError: No journal in ``folder`` (or a subclass: damaged, newer
            format, replay diverged).
    """
    found = _newest(folder)
    path = found.path
    records = _current(found)
    off, head = records[0]
    try:
        router = Router.restore(head["args"], clock=clock)
        seq = int(head["seq"])
    except (TierRouteError, *_MALFORMED) as exc:
        raise JournalCorrupt(path, off, f"snapshot cannot be restored ({exc})") from None
    for off, rec in records[1:]:
        try:
            rseq, name, now, args, recorded = (
                rec["seq"],
                rec["op"],
                rec["now"],
                rec["args"],
                rec["offers"],
            )
        except KeyError as exc:
            raise JournalCorrupt(path, off, f"record lacks field {exc}") from None
        if rseq != seq + 1:
            raise JournalCorrupt(path, off, f"record #{rseq} follows #{seq}")
        try:
            op = Operation.decode(name, args, now)
        except (TierRouteError, *_MALFORMED) as exc:
            raise JournalCorrupt(
                path, off, f"record #{rseq} ({name}) is malformed ({exc!r})"
            ) from None
        try:
            offers = op.apply(router)
        except TierRouteError as exc:
            raise JournalReplayError(path, off, f"({name} #{rseq}) raised {exc!r}") from None
        except _MALFORMED as exc:
            raise JournalCorrupt(
                path, off, f"record #{rseq} ({name}) is malformed ({exc!r})"
            ) from None
        if digest(offers) != recorded:
            raise JournalReplayError(
                path,
                off,
                f"({name} #{rseq}) made offers {digest(offers)} where the journal "
                f"recorded {recorded}",
            )
        seq = rseq
    return Recovered(router, found, seq, len(records) - 1)


def recover(path: str | os.PathLike[str], *, clock: Callable[[], float] | None = None) -> Router:
    """Rebuild the router from a journal: its latest snapshot plus the calls after it.

    Read-only: it takes no lock and changes nothing on disk. A torn last record is
    dropped with a :class:`~tierroute.errors.TornRecordWarning` (it is truncated the
    next time the journal is opened for append).

    Args:
        path: The journal folder.
        clock: Clock of the recovered router, for later calls without ``now``.

    Returns:
        A router in the state of the last call whose offers were returned.

    Raises:
        JournalError: No journal at ``path``.
        JournalCorrupt: A file is damaged other than by a torn last record.
        JournalVersionError: The journal was written in a newer format.
        JournalReplayError: Replay diverged from the record.
    """
    got = replay(Path(path), clock)
    if got.scan.torn is not None:
        warnings.warn(
            TornRecordWarning(
                f"{got.scan.path}: dropped a torn last record at byte offset {got.scan.torn} "
                f"({got.scan.size - got.scan.torn} bytes)"
            ),
            stacklevel=2,
        )
    return got.router


def journal_records(path: str | os.PathLike[str]) -> list[JournalRecord]:
    """The records of a journal's current segment, snapshot first (read-only), in
    today's format.

    A torn last record is left out (with a :class:`~tierroute.errors.TornRecordWarning`).

    Raises:
        JournalError: No journal at ``path`` (or a subclass: damaged, newer format).
    """
    found = _newest(Path(path))
    if found.torn is not None:
        warnings.warn(
            TornRecordWarning(f"{found.path}: torn last record at byte offset {found.torn}"),
            stacklevel=2,
        )
    return [
        JournalRecord(
            int(r["seq"]),
            r["op"],
            float(r["now"]),
            r["args"],
            [(a, b, c) for a, b, c in r["offers"]],
            str(found.path),
            off,
        )
        for off, r in _current(found)
    ]


def save_snapshot(path: str | os.PathLike[str], snapshot: Mapping[str, Any]) -> None:
    """Write router snapshot data to a JSON file atomically (temp file, fsync,
    ``os.replace``, fsync of the folder)."""
    atomic_write(Path(path), dumps(snapshot).encode())


def load_snapshot(
    path: str | os.PathLike[str], *, clock: Callable[[], float] | None = None
) -> Router:
    """Rebuild a router from a file written by :func:`save_snapshot` (a snapshot of
    an older version is migrated by :meth:`Router.restore
    <tierroute.routing.router.Router.restore>`).

    Raises:
        InvalidArgument: The file is not a router snapshot of a known version.
    """
    try:
        data = json.loads(Path(path).read_bytes())
    except ValueError as exc:
        raise InvalidArgument(f"{os.fspath(path)}: not a JSON snapshot ({exc})") from None
    return Router.restore(data, clock=clock)
