"""Journal and recovery: every routing call is on disk before its offers leave.

:class:`JournaledRouter` owns a :class:`~tierroute.routing.router.Router` and exposes the
same mutating calls. A call that succeeds is appended to the journal *before* its
offers are returned; a call that raises records nothing (unless timers due at its
time fired before it was found invalid: the router then stands as ``advance(now)``
would leave it, and that ``advance`` is recorded). Each record carries the
resolved ``now``, so replay never reads a clock, and because the router is
deterministic, replaying the recorded calls on the snapshot they follow rebuilds
the state exactly. :func:`recover` does that read-only;
:meth:`JournaledRouter.open` does it and then carries on appending.

Storage format — why an append-only file and not SQLite
-------------------------------------------------------
A journal is a directory holding one *segment* file (two for a moment during
compaction) and a ``lock`` file. A segment is a 24-byte header followed by
records; its first record is the snapshot of the router the segment starts from,
every later record one call::

    header  magic b"\\x89TRJ\\r\\n\\x1a\\n" | format version u16 | flags u16
            | generation u64 | crc32 of the previous 20 bytes u32
    record  payload length u32 | crc32(payload) u32 | crc32 of those 8 bytes u32
            | payload: UTF-8 JSON

(all integers little-endian). SQLite in WAL mode was the alternative. The file
was chosen because

- the durability policies map one to one onto ``os.write`` and ``fdatasync``: one
  write and at most one sync per call, group sync without threads, nothing else
  on the hot path (SQLite adds a transaction, page writes and WAL frame headers
  per insert, and its ``synchronous`` levels do not express "at most every N ms");
- a torn tail is detectable and repairable by design (length plus two checksums,
  truncate at the offset), and damage anywhere else can be reported by file and
  byte offset; SQLite would either hide it or report "database disk image is
  malformed";
- compaction is a whole-file ``os.replace``, which is atomic, and recovery never
  needs to reconcile two stores (the snapshot lives in the segment it starts);
- it needs nothing but the standard library and is easy to inspect.

The cost: no ad-hoc queries over the history (use :func:`journal_records`).

Durability
----------
``sync="always"`` syncs every record (``fdatasync``) before the call returns:
nothing returned is lost, even on power failure. ``"group"`` syncs at most every
``group_ms`` milliseconds — a record is synced by the first later append, or the
:meth:`~JournaledRouter.flush`, :meth:`~JournaledRouter.sync_if_due` or
:meth:`~JournaledRouter.close` call, at least ``group_ms`` after the last sync —
so a power failure may lose the records of the last ``group_ms`` ms (more if the
host never calls ``sync_if_due`` while idle; the asyncio driver does). ``"os"``
only writes: records survive the process being killed (they are in the kernel's
page cache) but not a power failure or kernel crash. Each policy's cost per call
can be measured with :func:`measure_journal_overhead`.

>>> import tempfile, pathlib
>>> from tierroute import AgentSpec, ContactSpec, Router
>>> tmp = tempfile.TemporaryDirectory()
>>> folder = pathlib.Path(tmp.name) / "journal"
>>> with JournaledRouter.open(folder, init=Router()) as jr:
...     _ = jr.add_agent(AgentSpec("ana"), presence="ready", now=0.0)
...     [offer] = jr.submit(ContactSpec("c1", "voice", "standard"), now=1.0)
>>> offer.agent_id
'ana'
>>> recover(folder).contact_status("c1").state.value
'offered'
>>> tmp.cleanup()
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import time
import warnings
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, NamedTuple

from tierroute.errors import InvalidArgument, RoutingStateError, TierRouteError
from tierroute.models import AgentSpec, Channel, ContactSpec, Offer, Presence
from tierroute.routing.router import Router

try:  # POSIX advisory locks; on other systems the journal is not locked.
    import fcntl as _fcntl
except ImportError:  # pragma: no cover - Windows
    _fcntl = None  # type: ignore[assignment]

__all__ = [
    "FORMAT_VERSION",
    "JournalCorrupt",
    "JournalError",
    "JournalRecord",
    "JournalReplayError",
    "JournalVersionError",
    "JournaledRouter",
    "SyncPolicy",
    "TornRecordWarning",
    "journal_records",
    "load_snapshot",
    "measure_journal_overhead",
    "recover",
    "save_snapshot",
]

FORMAT_VERSION = 1
"""The journal format this module writes and the newest it reads."""

SyncPolicy = Literal["always", "group", "os"]

_MAGIC = b"\x89TRJ\r\n\x1a\n"
_FILE_HDR = struct.Struct("<8sHHQI")
_REC_HDR = struct.Struct("<III")
_LEN_CRC = struct.Struct("<II")
_SEGMENT_PREFIX, _SEGMENT_SUFFIX = "segment-", ".trj"
_TMP_PREFIX = ".tmp-"
_LOCK = "lock"
_SYNC_POLICIES = ("always", "group", "os")
_KEEP: Any = object()
_fdatasync: Callable[[int], None] = getattr(os, "fdatasync", os.fsync)


# ---------------------------------------------------------------------- errors


class JournalError(TierRouteError, OSError):
    """The journal cannot be used: missing, locked by another process, a write or
    sync failed, or (subclasses) its content is damaged, newer or inconsistent."""


class JournalCorrupt(JournalError):
    """A journal file is damaged somewhere other than a torn last record.

    Nothing on disk was changed.

    Attributes:
        path: The damaged file.
        offset: Byte offset of the damaged header or record.
    """

    def __init__(self, path: str | os.PathLike[str], offset: int, problem: str) -> None:
        super().__init__(f"{os.fspath(path)}: {problem} at byte offset {offset}")
        self.path = os.fspath(path)
        self.offset = offset


class JournalVersionError(JournalError, ValueError):
    """A journal segment was written in a newer format than this tierroute reads.

    Attributes:
        path: The segment file.
        version: Its format version.
        supported: The newest version this tierroute reads.
    """

    def __init__(self, path: str | os.PathLike[str], version: int) -> None:
        super().__init__(
            f"{os.fspath(path)}: journal format version {version} is newer than this "
            f"tierroute reads ({FORMAT_VERSION}); upgrade tierroute to recover it"
        )
        self.path = os.fspath(path)
        self.version = version
        self.supported = FORMAT_VERSION


class JournalReplayError(JournalError):
    """Replaying a record did not do what it did when it was recorded: the router
    raised, or made other offers. Usually the journal was written by a tierroute
    whose routing rules differ; recover it with that version and checkpoint.

    Attributes:
        path: The segment file.
        offset: Byte offset of the record.
    """

    def __init__(self, path: str | os.PathLike[str], offset: int, problem: str) -> None:
        super().__init__(
            f"{os.fspath(path)}: replay of the record at byte offset {offset} {problem}"
        )
        self.path = os.fspath(path)
        self.offset = offset


class TornRecordWarning(RuntimeWarning):
    """The last record of the journal was cut short (the process died while writing
    it) and is dropped. The call it held never returned to its caller."""


# ---------------------------------------------------------------------- records


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


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _frame(payload: bytes) -> bytes:
    head = _LEN_CRC.pack(len(payload), zlib.crc32(payload))
    return head + struct.pack("<I", zlib.crc32(head)) + payload


def _file_header(generation: int) -> bytes:
    head = _FILE_HDR.pack(_MAGIC, FORMAT_VERSION, 0, generation, 0)[:-4]
    return head + struct.pack("<I", zlib.crc32(head))


def _segment_name(generation: int) -> str:
    return f"{_SEGMENT_PREFIX}{generation:010d}{_SEGMENT_SUFFIX}"


def _segments(folder: Path) -> list[tuple[int, Path]]:
    found = []
    for p in folder.iterdir():
        name = p.name
        if name.startswith(_SEGMENT_PREFIX) and name.endswith(_SEGMENT_SUFFIX):
            digits = name[len(_SEGMENT_PREFIX) : -len(_SEGMENT_SUFFIX)]
            if digits.isdigit():
                found.append((int(digits), p))
    return sorted(found)


class _Scan(NamedTuple):
    path: Path
    generation: int
    records: list[tuple[int, dict[str, Any]]]
    end: int  # end of the last good record
    size: int
    torn: int | None  # offset of a torn last record


def _scan(path: Path) -> _Scan:
    """Read and check a segment; never changes the file."""
    data = path.read_bytes()
    size = len(data)
    if size < _FILE_HDR.size:
        raise JournalCorrupt(path, 0, f"segment header is cut short ({size} bytes)")
    magic, version, _flags, generation, crc = _FILE_HDR.unpack_from(data, 0)
    if magic != _MAGIC:
        raise JournalCorrupt(path, 0, "not a tierroute journal segment (bad magic)")
    if version > FORMAT_VERSION:
        raise JournalVersionError(path, version)
    if version < 1:
        raise JournalCorrupt(path, 0, f"invalid format version {version}")
    if zlib.crc32(data[: _FILE_HDR.size - 4]) != crc:
        raise JournalCorrupt(path, 0, "segment header checksum mismatch")
    records: list[tuple[int, dict[str, Any]]] = []
    off = _FILE_HDR.size
    torn: int | None = None
    while off < size:
        if size - off < _REC_HDR.size:
            torn = off
            break
        length, pcrc, hcrc = _REC_HDR.unpack_from(data, off)
        if zlib.crc32(data[off : off + _LEN_CRC.size]) != hcrc:
            if not data[off:].strip(b"\x00"):  # zero-filled tail of a lost write
                torn = off
                break
            raise JournalCorrupt(path, off, "record header checksum mismatch")
        end = off + _REC_HDR.size + length
        if end > size:
            torn = off
            break
        payload = data[off + _REC_HDR.size : end]
        if zlib.crc32(payload) != pcrc:
            if end == size:
                torn = off
                break
            raise JournalCorrupt(path, off, "record checksum mismatch")
        try:
            rec = json.loads(payload)
        except ValueError:
            raise JournalCorrupt(path, off, "record is not valid JSON") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("op"), str):
            raise JournalCorrupt(path, off, "record is not a journal entry")
        records.append((off, rec))
        off = end
    if not records or records[0][1]["op"] != "snapshot":
        raise JournalCorrupt(path, _FILE_HDR.size, "segment does not start with a snapshot")
    return _Scan(path, generation, records, off if torn is None else torn, size, torn)


# ---------------------------------------------------------------------- encoding


def _plain(mapping: Any) -> Any:
    return dict(mapping) if isinstance(mapping, Mapping) else mapping


def _enc_langs(langs: Any) -> Any:
    if isinstance(langs, frozenset | set):
        return sorted(langs, key=str)
    if isinstance(langs, tuple):
        return list(langs)
    return langs


def _enc_agent(spec: AgentSpec) -> dict[str, Any]:
    if not isinstance(spec, AgentSpec):
        raise InvalidArgument(f"spec must be an AgentSpec, got {type(spec).__name__}")
    channels = spec.channels
    if isinstance(channels, Mapping):
        channels = {(k.value if isinstance(k, Channel) else k): n for k, n in channels.items()}
    return {
        "agent_id": spec.agent_id,
        "skills": _plain(spec.skills),
        "languages": _enc_langs(spec.languages),
        "seniority": spec.seniority,
        "channels": channels,
        "capacity": spec.capacity,
        "attributes": _plain(spec.attributes),
    }


def _dec_agent(d: Mapping[str, Any]) -> AgentSpec:
    langs = d["languages"]
    return AgentSpec(
        d["agent_id"],
        skills=d["skills"],
        languages=tuple(langs) if isinstance(langs, list) else langs,
        seniority=d["seniority"],
        channels=d["channels"],
        capacity=d["capacity"],
        attributes=d["attributes"],
    )


def _enc_contact(spec: ContactSpec) -> dict[str, Any]:
    if not isinstance(spec, ContactSpec):
        raise InvalidArgument(f"contact must be a ContactSpec, got {type(spec).__name__}")
    ch = spec.channel
    sev = spec.severity
    return {
        "contact_id": spec.contact_id,
        "channel": ch.value if isinstance(ch, Channel) else ch,
        "tier": spec.tier,
        "value": spec.value,
        "severity": int(sev) if isinstance(sev, int) and not isinstance(sev, bool) else sev,
        "skills": _plain(spec.skills),
        "language": spec.language,
        "min_seniority": spec.min_seniority,
        "concierge": spec.concierge,
        "arrived_at": spec.arrived_at,
        "attributes": _plain(spec.attributes),
    }


def _dec_contact(d: Mapping[str, Any]) -> ContactSpec:
    return ContactSpec(**d)


def _enc_presence(presence: Presence | str) -> Any:
    return presence.value if isinstance(presence, Presence) else presence


def _apply(router: Router, op: str, args: Mapping[str, Any], now: float) -> list[Offer]:
    """Replay one recorded call."""
    if op == "submit":
        return router.submit(_dec_contact(args["contact"]), now=now)
    if op in ("accept", "reject", "complete"):
        return getattr(router, op)(args["offer_id"], now=now)  # type: ignore[no-any-return]
    if op == "advance":
        return router.advance(now)
    if op == "abandon":
        return router.abandon(args["contact_id"], now=now)
    if op == "set_agent_state":
        return router.set_agent_state(args["agent_id"], args["presence"], now=now)
    if op == "add_agent":
        return router.add_agent(_dec_agent(args["spec"]), presence=args["presence"], now=now)
    if op == "update_agent":
        return router.update_agent(_dec_agent(args["spec"]), now=now)
    if op == "remove_agent":
        return router.remove_agent(args["agent_id"], now=now)
    if op == "transfer":
        changes = {k: args[k] for k in ("skills", "language", "min_seniority") if k in args}
        return router.transfer(args["contact_id"], now=now, **changes)
    raise KeyError(op)


def _digest(offers: list[Offer]) -> list[list[str]]:
    return [[o.offer_id, o.contact_id, o.agent_id] for o in offers]


# ---------------------------------------------------------------------- file helpers


def _fsync_dir(folder: Path) -> None:
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


def _atomic_write(path: Path, data: bytes) -> None:
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


_VERSION: str | None = None


def _tierroute_version() -> str:
    global _VERSION  # noqa: PLW0603 - computed once
    if _VERSION is None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            _VERSION = version("tierroute")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            _VERSION = "unknown"
    return _VERSION


def _write_segment(folder: Path, generation: int, snapshot: Mapping[str, Any], seq: int) -> Path:
    payload = _dumps(
        {
            "seq": seq,
            "op": "snapshot",
            "now": snapshot["now"],
            "tierroute": _tierroute_version(),
            "args": snapshot,
            "offers": [],
        }
    ).encode()
    path = folder / _segment_name(generation)
    _atomic_write(path, _file_header(generation) + _frame(payload))
    return path


def _lock(folder: Path) -> int:
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


# ---------------------------------------------------------------------- recovery


class _Recovered(NamedTuple):
    router: Router
    scan: _Scan
    seq: int
    replayed: int


def _recover(folder: Path, clock: Callable[[], float] | None) -> _Recovered:
    """Rebuild the router from the newest segment (read-only)."""
    if not folder.is_dir():
        raise JournalError(f"{folder}: no journal here (not a directory)")
    segs = _segments(folder)
    if not segs:
        raise JournalError(f"{folder}: no journal here (no segment file)")
    gen, path = segs[-1]
    scan = _scan(path)
    if scan.generation != gen:
        raise JournalCorrupt(
            path, 0, f"segment header says generation {scan.generation}, its name {gen}"
        )
    off, head = scan.records[0]
    try:
        router = Router.restore(head["args"], clock=clock)
        seq = int(head["seq"])
    except (TierRouteError, KeyError, TypeError, ValueError) as exc:
        raise JournalCorrupt(path, off, f"snapshot cannot be restored ({exc})") from None
    for off, rec in scan.records[1:]:
        try:
            rseq, op, now, args = rec["seq"], rec["op"], rec["now"], rec["args"]
            recorded = rec["offers"]
        except KeyError as exc:
            raise JournalCorrupt(path, off, f"record lacks field {exc}") from None
        if rseq != seq + 1:
            raise JournalCorrupt(path, off, f"record #{rseq} follows #{seq}")
        try:
            offers = _apply(router, op, args, now)
        except TierRouteError as exc:
            raise JournalReplayError(path, off, f"({op} #{rseq}) raised {exc!r}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise JournalCorrupt(
                path, off, f"record #{rseq} ({op}) is malformed ({exc!r})"
            ) from None
        if _digest(offers) != recorded:
            raise JournalReplayError(
                path,
                off,
                f"({op} #{rseq}) made offers {_digest(offers)} where the journal "
                f"recorded {recorded}",
            )
        seq = rseq
    return _Recovered(router, scan, seq, len(scan.records) - 1)


def recover(path: str | os.PathLike[str], *, clock: Callable[[], float] | None = None) -> Router:
    """Rebuild the router from a journal: its latest snapshot plus the calls after it.

    Read-only: it takes no lock and changes nothing on disk. A torn last record is
    dropped with a :class:`TornRecordWarning` (it is truncated the next time the
    journal is opened for append).

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
    got = _recover(Path(path), clock)
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
    """The records of a journal's current segment, snapshot first (read-only).

    A torn last record is left out (with a :class:`TornRecordWarning`).

    Raises:
        JournalError: No journal at ``path`` (or a subclass: damaged, newer format).
    """
    folder = Path(path)
    if not folder.is_dir() or not (segs := _segments(folder)):
        raise JournalError(f"{folder}: no journal here")
    scan = _scan(segs[-1][1])
    if scan.torn is not None:
        warnings.warn(
            TornRecordWarning(f"{scan.path}: torn last record at byte offset {scan.torn}"),
            stacklevel=2,
        )
    return [
        JournalRecord(
            int(r["seq"]),
            r["op"],
            float(r["now"]),
            r["args"],
            [(a, b, c) for a, b, c in r["offers"]],
            str(scan.path),
            off,
        )
        for off, r in scan.records
    ]


def save_snapshot(path: str | os.PathLike[str], snapshot: Mapping[str, Any]) -> None:
    """Write router snapshot data to a JSON file atomically (temp file, fsync,
    ``os.replace``, fsync of the folder)."""
    _atomic_write(Path(path), _dumps(snapshot).encode())


def load_snapshot(
    path: str | os.PathLike[str], *, clock: Callable[[], float] | None = None
) -> Router:
    """Rebuild a router from a file written by :func:`save_snapshot`.

    Raises:
        InvalidArgument: The file is not a router snapshot of a known version.
    """
    try:
        data = json.loads(Path(path).read_bytes())
    except ValueError as exc:
        raise InvalidArgument(f"{os.fspath(path)}: not a JSON snapshot ({exc})") from None
    return Router.restore(data, clock=clock)


# ---------------------------------------------------------------------- the wrapper


class JournaledRouter:
    """A router whose every successful call is journaled before it returns.

    Create one with :meth:`open`. The mutating calls are those of
    :class:`~tierroute.routing.router.Router`, with the same arguments, results and errors;
    read the state through the read-only methods here or :attr:`router` (never
    call a mutating method on :attr:`router` directly: it would not be journaled).

    When a call omits ``now``, it is read from ``clock`` (else from the router's
    own clock); the journal records the resolved time either way.

    If writing or syncing a record fails, the call raises :class:`JournalError`
    and the journaled router refuses every later call: the in-memory router is
    then ahead of the journal. Reopen the journal to continue from what is on disk.
    The same happens if the router raises something other than a
    :class:`~tierroute.errors.TierRouteError` (a bug), since its state is then
    unknown.

    Not thread-safe, like the router; see :class:`tierroute.hosting.driver.RouterDriver`.
    """

    _folder: Path
    _router: Router
    _clock: Callable[[], float] | None
    _sync: SyncPolicy
    _group_s: float
    _timer: Callable[[], float]
    _max_records: int | None
    _max_bytes: int | None
    _lock_fd: int
    _fd: int
    _gen: int
    _seq: int
    _end: int
    _seg_records: int
    _seg_bytes: int
    _next_auto: tuple[int | None, int | None]
    _dirty: bool
    _last_sync: float
    _failed: BaseException | None
    _closed: bool
    replayed: int
    """Number of records replayed on top of the snapshot when the journal was opened."""

    def __init__(self) -> None:
        raise TypeError("use JournaledRouter.open(path, init=...) to create one")

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        init: Router | None = None,
        clock: Callable[[], float] | None = None,
        sync: SyncPolicy = "always",
        group_ms: float = 5.0,
        checkpoint_records: int | None = 50_000,
        checkpoint_bytes: int | None = 64 << 20,
        timer: Callable[[], float] = time.monotonic,
    ) -> JournaledRouter:
        """Open the journal at ``path`` for append, recovering its router; or start a
        new journal from ``init`` if there is none.

        Opening truncates a torn last record (with a :class:`TornRecordWarning`)
        and removes leftovers of an interrupted compaction — only after the newest
        segment has been read and replayed without error.

        Args:
            path: The journal folder (created if needed when ``init`` is given).
            init: The router to start from when there is no journal yet; it is
                owned by the journal from then on. Ignored if a journal exists.
            clock: Clock for calls without ``now``; also the recovered router's.
            sync: ``"always"``, ``"group"`` or ``"os"`` (see the module docs).
            group_ms: Longest time between syncs under ``sync="group"``.
            checkpoint_records: Compact after this many records (``None``: never).
            checkpoint_bytes: Compact after this many bytes of records (``None``:
                never).
            timer: Monotonic seconds for ``"group"`` (injectable for tests).

        Raises:
            JournalError: No journal and no ``init``; the journal is locked by
                another process; or a subclass: damaged, newer format, replay
                diverged.
            InvalidArgument: A bad option.
        """
        if sync not in _SYNC_POLICIES:
            raise InvalidArgument(f"sync must be one of {list(_SYNC_POLICIES)}, got {sync!r}")
        if isinstance(group_ms, bool) or not isinstance(group_ms, int | float) or group_ms < 0:
            raise InvalidArgument(f"group_ms must be a number >= 0, got {group_ms!r}")
        for name, limit in (
            ("checkpoint_records", checkpoint_records),
            ("checkpoint_bytes", checkpoint_bytes),
        ):
            if limit is not None and (
                isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
            ):
                raise InvalidArgument(f"{name} must be an integer >= 1 or None, got {limit!r}")
        if init is not None and not isinstance(init, Router):
            raise InvalidArgument(f"init must be a Router, got {type(init).__name__}")
        folder = Path(path)
        if init is not None:
            folder.mkdir(parents=True, exist_ok=True)
        elif not folder.is_dir():
            raise JournalError(f"{folder}: no journal here and no init router to start one")
        lock = _lock(folder)
        try:
            segs = _segments(folder)
            replayed = 0
            if segs:
                got = _recover(folder, clock)
                router, scan, seq, replayed = got
                if scan.torn is not None:
                    warnings.warn(
                        TornRecordWarning(
                            f"{scan.path}: truncated a torn last record at byte offset "
                            f"{scan.torn} ({scan.size - scan.torn} bytes)"
                        ),
                        stacklevel=2,
                    )
                    os.truncate(scan.path, scan.end)
                gen, seg, end = scan.generation, scan.path, scan.end
                tail = end - scan.records[1][0] if len(scan.records) > 1 else 0
            else:
                if init is None:
                    raise JournalError(f"{folder}: no journal here and no init router")
                router, gen, seq, tail = init, 1, 0, 0
                seg = _write_segment(folder, gen, init.snapshot(), seq)
                end = seg.stat().st_size
            fd = os.open(seg, os.O_WRONLY | os.O_APPEND)
            try:
                if segs and scan.torn is not None:
                    os.fsync(fd)
                _cleanup(folder, gen)
            except BaseException:
                os.close(fd)
                raise
        except OSError as exc:
            os.close(lock)
            if isinstance(exc, JournalError):
                raise
            raise JournalError(f"{folder}: cannot open the journal ({exc})") from exc
        except BaseException:
            os.close(lock)
            raise
        self = object.__new__(cls)
        self._folder = folder
        self._router = router
        self._clock = clock
        self._sync = sync
        self._group_s = float(group_ms) / 1000.0
        self._timer = timer
        self._max_records = checkpoint_records
        self._max_bytes = checkpoint_bytes
        self._lock_fd = lock
        self._fd = fd
        self._gen = gen
        self._seq = seq
        self._end = end
        self._seg_records = replayed
        self._seg_bytes = tail
        self._next_auto = (checkpoint_records, checkpoint_bytes)
        self._dirty = False
        self._last_sync = timer()
        self._failed = None
        self._closed = False
        self.replayed = replayed
        return self

    # ------------------------------------------------------------------ reading

    @property
    def router(self) -> Router:
        """The router, for reading (``explain``, ``stats``, statuses, ``snapshot``).
        Do not call its mutating methods: they would not be journaled."""
        return self._router

    @property
    def path(self) -> Path:
        """The journal folder."""
        return self._folder

    @property
    def now(self) -> float:
        """The router's time."""
        return self._router.now

    @property
    def seq(self) -> int:
        """Number of calls journaled since the journal was created."""
        return self._seq

    @property
    def generation(self) -> int:
        """Number of the current segment (one more after each checkpoint)."""
        return self._gen

    @property
    def sync(self) -> SyncPolicy:
        """The durability policy."""
        return self._sync

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    def snapshot(self) -> dict[str, Any]:
        """The router's snapshot (see :meth:`Router.snapshot`)."""
        return self._router.snapshot()

    def next_deadline(self) -> float | None:
        """The router's next timer (see :meth:`Router.next_deadline`)."""
        return self._router.next_deadline()

    def stats(self) -> dict[str, int]:
        """The router's counts (see :meth:`Router.stats`)."""
        return self._router.stats()

    # ------------------------------------------------------------------ mutating calls

    def add_agent(
        self,
        spec: AgentSpec,
        *,
        presence: Presence | str = Presence.LOGGED_OUT,
        now: float | None = None,
    ) -> list[Offer]:
        """Journaled :meth:`Router.add_agent`."""
        args = self._encode({"spec": _enc_agent(spec), "presence": _enc_presence(presence)})
        t = self._time(now)
        return self._do(
            "add_agent", args, lambda: self._router.add_agent(spec, presence=presence, now=t)
        )

    def remove_agent(self, agent_id: str, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.remove_agent`."""
        args = self._encode({"agent_id": agent_id})
        t = self._time(now)
        return self._do("remove_agent", args, lambda: self._router.remove_agent(agent_id, now=t))

    def update_agent(self, spec: AgentSpec, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.update_agent`."""
        args = self._encode({"spec": _enc_agent(spec)})
        t = self._time(now)
        return self._do("update_agent", args, lambda: self._router.update_agent(spec, now=t))

    def set_agent_state(
        self, agent_id: str, presence: Presence | str, *, now: float | None = None
    ) -> list[Offer]:
        """Journaled :meth:`Router.set_agent_state`."""
        args = self._encode({"agent_id": agent_id, "presence": _enc_presence(presence)})
        t = self._time(now)
        return self._do(
            "set_agent_state", args, lambda: self._router.set_agent_state(agent_id, presence, now=t)
        )

    def submit(self, contact: ContactSpec, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.submit`."""
        args = self._encode({"contact": _enc_contact(contact)})
        t = self._time(now)
        return self._do("submit", args, lambda: self._router.submit(contact, now=t))

    def abandon(self, contact_id: str, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.abandon`."""
        args = self._encode({"contact_id": contact_id})
        t = self._time(now)
        return self._do("abandon", args, lambda: self._router.abandon(contact_id, now=t))

    def transfer(
        self,
        contact_id: str,
        *,
        skills: Mapping[str, int] = _KEEP,
        language: str | None = _KEEP,
        min_seniority: int | str = _KEEP,
        now: float | None = None,
    ) -> list[Offer]:
        """Journaled :meth:`Router.transfer` (arguments left out keep their values)."""
        changes: dict[str, Any] = {}
        if skills is not _KEEP:
            changes["skills"] = skills
        if language is not _KEEP:
            changes["language"] = language
        if min_seniority is not _KEEP:
            changes["min_seniority"] = min_seniority
        args = self._encode(
            {"contact_id": contact_id, **{k: _plain(v) for k, v in changes.items()}}
        )
        t = self._time(now)
        return self._do(
            "transfer", args, lambda: self._router.transfer(contact_id, now=t, **changes)
        )

    def accept(self, offer_id: str, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.accept`."""
        args = self._encode({"offer_id": offer_id})
        t = self._time(now)
        return self._do("accept", args, lambda: self._router.accept(offer_id, now=t))

    def reject(self, offer_id: str, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.reject`."""
        args = self._encode({"offer_id": offer_id})
        t = self._time(now)
        return self._do("reject", args, lambda: self._router.reject(offer_id, now=t))

    def complete(self, offer_id: str, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.complete`."""
        args = self._encode({"offer_id": offer_id})
        t = self._time(now)
        return self._do("complete", args, lambda: self._router.complete(offer_id, now=t))

    def advance(self, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.advance`."""
        self._usable()
        t = self._time(now)
        return self._do("advance", "{}", lambda: self._router.advance(t))

    # ------------------------------------------------------------------ durability

    def flush(self) -> None:
        """Sync every record written so far (whatever the policy).

        Raises:
            JournalError: The sync failed (the journaled router is then unusable).
        """
        self._usable()
        if self._dirty:
            self._fsync()

    def next_sync_in(self) -> float | None:
        """Seconds until unsynced records are due for a ``"group"`` sync (0 when
        overdue), or ``None`` if nothing waits for one. Always ``None`` under
        ``"always"`` and ``"os"``."""
        if not self._dirty or self._sync != "group" or self._closed or self._failed:
            return None
        return max(0.0, self._last_sync + self._group_s - self._timer())

    def sync_if_due(self) -> bool:
        """Under ``"group"``, sync if unsynced records are at least ``group_ms`` old
        (call it when idle). Returns whether it synced."""
        wait = self.next_sync_in()
        if wait is None or wait > 0:
            return False
        self._fsync()
        return True

    def checkpoint(self) -> dict[str, Any]:
        """Compact: write the router's snapshot as the start of a new segment
        (atomically), continue there, and delete the older segment.

        Returns:
            The snapshot written.

        Raises:
            JournalError: Writing failed. If the new segment was not installed the
                journal continues in the old one; otherwise it is unusable.
        """
        self._usable()
        snap = self._router.snapshot()
        gen = self._gen + 1
        try:
            seg = _write_segment(self._folder, gen, snap, self._seq)
        except OSError as exc:
            raise JournalError(f"{self._folder}: checkpoint failed ({exc})") from exc
        try:
            fd = os.open(seg, os.O_WRONLY | os.O_APPEND)
            end = os.fstat(fd).st_size
        except OSError as exc:
            self._failed = exc
            raise JournalError(
                f"{self._folder}: checkpoint written but cannot be opened ({exc}); "
                "reopen the journal"
            ) from exc
        old = self._fd
        self._fd, self._gen, self._end = fd, gen, end
        self._seg_records = self._seg_bytes = 0
        self._next_auto = (self._max_records, self._max_bytes)
        self._dirty = False
        self._last_sync = self._timer()
        os.close(old)
        try:
            _cleanup(self._folder, gen)
        except OSError as exc:  # leftovers are removed on the next open
            warnings.warn(f"{self._folder}: could not remove an old segment ({exc})", stacklevel=2)
        return snap

    def close(self) -> None:
        """Sync (whatever the policy) and close. Idempotent. No checkpoint is
        written: call :meth:`checkpoint` first for a fast next open."""
        if self._closed:
            return
        try:
            if self._dirty and self._failed is None:
                self._fsync()
        finally:
            self._closed = True
            os.close(self._fd)
            os.close(self._lock_fd)

    def __enter__(self) -> JournaledRouter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _usable(self) -> None:
        if self._closed:
            raise RoutingStateError(f"the journal {self._folder} is closed")
        if self._failed is not None:
            raise JournalError(
                f"{self._folder}: the journaled router stopped after an earlier failure "
                f"({self._failed!r}); reopen the journal to continue from what is on disk"
            )

    def _encode(self, args: dict[str, Any]) -> str:
        self._usable()
        try:
            return _dumps(args)
        except (TypeError, ValueError) as exc:
            raise InvalidArgument(
                f"the call cannot be journaled: its arguments (attributes included) must "
                f"be JSON data ({exc})"
            ) from None

    def _time(self, now: float | None) -> float | None:
        """The call's time: ``now``, else the journal's clock, else ``None`` (the
        router reads its own clock)."""
        if now is None and self._clock is not None:
            return self._clock()
        return now

    def _do(self, op: str, args: str, call: Callable[[], list[Offer]]) -> list[Offer]:
        before = self._router.now
        try:
            offers = call()
        except TierRouteError as exc:
            if self._router.now != before:
                # Timers due at the call's time fired before the call was found
                # invalid: the router stands as advance(now) alone leaves it (the
                # error carries their offers). Journal exactly that.
                self._append("advance", "{}", list(exc.offers))
            raise
        except Exception as exc:
            self._failed = exc
            raise
        self._append(op, args, offers)
        return offers

    def _append(self, op: str, args: str, offers: list[Offer]) -> None:
        seq = self._seq + 1
        payload = (
            f'{{"seq":{seq},"op":"{op}","now":{_dumps(self._router.now)},'
            f'"args":{args},"offers":{_dumps(_digest(offers))}}}'
        ).encode()
        buf = _frame(payload)
        try:
            view = memoryview(buf)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
        except OSError as exc:
            self._failed = exc
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._end)
            raise JournalError(
                f"{self._folder}: journal write failed ({exc}); the call took effect in "
                "memory only — reopen the journal to continue from what is on disk"
            ) from exc
        self._seq = seq
        self._end += len(buf)
        self._seg_records += 1
        self._seg_bytes += len(buf)
        self._dirty = True
        if self._sync == "always" or (
            self._sync == "group" and self._timer() - self._last_sync >= self._group_s
        ):
            self._fsync()
        max_records, max_bytes = self._next_auto
        if (max_records is not None and self._seg_records >= max_records) or (
            max_bytes is not None and self._seg_bytes >= max_bytes
        ):
            self._auto_checkpoint()

    def _fsync(self) -> None:
        try:
            _fdatasync(self._fd)
        except OSError as exc:
            self._failed = exc
            raise JournalError(
                f"{self._folder}: journal sync failed ({exc}); records may be lost — "
                "reopen the journal to continue from what is on disk"
            ) from exc
        self._dirty = False
        self._last_sync = self._timer()

    def _auto_checkpoint(self) -> None:
        try:
            self.checkpoint()
        except JournalError as exc:
            if self._failed is not None:
                raise
            # The record is safe in the current segment; try again a threshold later.
            max_records, max_bytes = self._next_auto
            self._next_auto = (
                None if max_records is None else self._seg_records + max_records,
                None if max_bytes is None else self._seg_bytes + max_bytes,
            )
            warnings.warn(f"automatic checkpoint failed: {exc}", stacklevel=3)


def _cleanup(folder: Path, keep: int) -> None:
    """Delete segments older than ``keep`` and temp files left by a crash."""
    removed = False
    for gen, p in _segments(folder):
        if gen < keep:
            p.unlink(missing_ok=True)
            removed = True
    for p in folder.glob(f"{_TMP_PREFIX}*"):
        p.unlink(missing_ok=True)
        removed = True
    if removed:
        _fsync_dir(folder)


# ---------------------------------------------------------------------- measuring


def measure_journal_overhead(
    events: int = 3000,
    *,
    directory: str | os.PathLike[str] | None = None,
    policies: tuple[SyncPolicy, ...] = ("os", "group", "always"),
    group_ms: float = 5.0,
) -> dict[str, float]:
    """Measure what journaling costs per routing call, for each sync policy.

    Runs the same deterministic workload (agents on voice and chat; contacts
    submitted, accepted, completed; time advanced) on a bare router and on a
    journaled one per policy, in a temporary folder under ``directory`` (default:
    the system's temp folder — measure on the disk you will use).

    Returns:
        Microseconds per call: ``"bare"`` for the plain router, then for each
        policy its total per call and ``"<policy>_overhead"`` (total minus bare).

    Command::

        python -c "from tierroute.hosting.journal import measure_journal_overhead as m; print(m())"
    """
    import tempfile

    def run(target: Router | JournaledRouter) -> int:
        calls = 0
        active: list[str] = []

        def handle(offers: list[Offer], now: float) -> None:
            nonlocal calls
            for offer in offers:
                target.accept(offer.offer_id, now=now)
                active.append(offer.offer_id)
                calls += 1

        for i in range(events // 3):
            now = 1.0 + i * 0.5
            contact = ContactSpec(
                f"c{i}", "chat" if i % 3 else "voice", "standard", value=(i % 10) / 10
            )
            handle(target.submit(contact, now=now), now)
            calls += 1
            if len(active) > 20:
                handle(target.complete(active.pop(0), now=now), now)
                calls += 1
            if i % 10 == 0:
                handle(target.advance(now + 0.1), now + 0.1)
                calls += 1
        return calls

    def fresh() -> Router:
        r = Router(start=0.0)
        for k in range(12):
            r.add_agent(
                AgentSpec(f"a{k}", channels={"voice": 1, "chat": 3}), presence="ready", now=0.0
            )
        return r

    result: dict[str, float] = {}
    t0 = time.perf_counter()
    calls = run(fresh())
    result["bare"] = (time.perf_counter() - t0) / calls * 1e6
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        for policy in policies:
            with JournaledRouter.open(
                Path(tmp) / policy,
                init=fresh(),
                sync=policy,
                group_ms=group_ms,
                checkpoint_records=None,
                checkpoint_bytes=None,
            ) as jr:
                t0 = time.perf_counter()
                calls = run(jr)
                total = (time.perf_counter() - t0) / calls * 1e6
            result[policy] = total
            result[f"{policy}_overhead"] = total - result["bare"]
    return result
