"""The journaled router: every call on disk before its offers are returned.

:class:`JournaledRouter` owns a :class:`~tierroute.routing.router.Router` and exposes
the same mutating calls. Each builds an :class:`~tierroute.hosting.operations.Operation`
and goes through :meth:`JournaledRouter.apply`: the record is encoded first (a call
that cannot be journaled is refused before it is applied), applied by
:func:`~tierroute.hosting.operations.perform`, and what took effect is appended to the
current segment (and synced, per the policy) before the offers are returned.

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
is measured by ``benchmarks/journal_overhead.py``.

Compaction
----------
:meth:`~JournaledRouter.checkpoint` (and the automatic one after
``checkpoint_records`` records or ``checkpoint_bytes`` bytes) writes the router's
snapshot as the start of a new segment, atomically, continues there and deletes the
older segment.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, NamedTuple

import tierroute.hosting.journal.format as fmt
from tierroute._args import finite_number
from tierroute.errors import (
    InvalidArgument,
    JournalError,
    RoutingStateError,
    TierRouteError,
    TornRecordWarning,
)
from tierroute.hosting.journal.codec import call_args, call_payload
from tierroute.hosting.journal.files import cleanup, lock, write_segment
from tierroute.hosting.journal.recovery import replay
from tierroute.hosting.operations import Operation, perform
from tierroute.models import KEEP, AgentSpec, ContactSpec, Keep, Offer, Presence
from tierroute.routing.router import Router

__all__ = ["JournaledRouter", "SyncPolicy"]

SyncPolicy = Literal["always", "group", "os"]

_SYNC_POLICIES: Final = ("always", "group", "os")
_fdatasync: Callable[[int], None] = getattr(os, "fdatasync", os.fsync)


def _check_options(
    path: str | os.PathLike[str],
    sync: str,
    group_ms: float,
    checkpoint_records: int | None,
    checkpoint_bytes: int | None,
    init: Router | None,
    clock: Callable[[], float] | None,
    timer: Callable[[], float],
) -> None:
    try:  # a str or path-like the file system can name
        named = isinstance(os.fspath(path), str) and bool(os.fsencode(path))
    except (TypeError, UnicodeEncodeError):
        named = False
    if not named:
        raise InvalidArgument(f"path must be a file system path, got {path!r}")
    if sync not in _SYNC_POLICIES:
        raise InvalidArgument(f"sync must be one of {list(_SYNC_POLICIES)}, got {sync!r}")
    if finite_number(group_ms, "group_ms") < 0:
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
    if clock is not None and not callable(clock):
        raise InvalidArgument(f"clock must be callable, got {clock!r}")
    if not callable(timer):
        raise InvalidArgument(f"timer must be callable, got {timer!r}")


class _Start(NamedTuple):
    """Where an opened journal continues."""

    router: Router
    fd: int
    generation: int
    version: int  # format of the segment it continues
    seq: int
    end: int
    replayed: int
    tail: int  # bytes of call records in the segment


def _start(folder: Path, init: Router | None, clock: Callable[[], float] | None) -> _Start:
    """Recover the journal in ``folder`` (truncating a torn last record), or start one
    from ``init``; open its segment for append and remove leftovers."""
    torn = False
    if fmt.segments(folder):
        router, found, seq, replayed = replay(folder, clock)
        seg, gen, version, end = found.path, found.generation, found.version, found.end
        tail = end - found.records[1][0] if len(found.records) > 1 else 0
        if found.torn is not None:
            warnings.warn(
                TornRecordWarning(
                    f"{seg}: truncated a torn last record at byte offset "
                    f"{found.torn} ({found.size - found.torn} bytes)"
                ),
                stacklevel=3,
            )
            os.truncate(seg, end)
            torn = True
    elif init is None:
        raise JournalError(f"{folder}: no journal here and no init router")
    else:
        router, gen, version, seq, replayed, tail = init, 1, fmt.FORMAT_VERSION, 0, 0, 0
        seg = write_segment(folder, gen, init.snapshot(), seq)
        end = seg.stat().st_size
    fd = os.open(seg, os.O_WRONLY | os.O_APPEND)
    try:
        if torn:
            os.fsync(fd)
        cleanup(folder, gen)
    except BaseException:
        os.close(fd)
        raise
    return _Start(router, fd, gen, version, seq, end, replayed, tail)


class JournaledRouter:
    """A router whose every successful call is journaled before it returns.

    Create one with :meth:`open`. The mutating calls are those of
    :class:`~tierroute.routing.router.Router`, with the same arguments, results and errors;
    read the state through the read-only methods here or :attr:`router` (never
    call a mutating method on :attr:`router` directly: it would not be journaled).

    When a call omits ``now``, it is read from ``clock`` (else from the router's
    own clock); the journal records the resolved time either way.

    A call the router refuses (any :class:`~tierroute.errors.TierRouteError`) or the
    journal cannot encode (an argument that is not JSON data or not valid Unicode:
    :class:`~tierroute.errors.InvalidArgument`, checked before the call is applied)
    changes nothing and the journal carries on. Only two failures stop it, each
    raised as a :class:`~tierroute.errors.JournalError` that says which: an *I/O
    failure* (writing or syncing a record failed: the in-memory router is then
    ahead of the journal) and an *invariant failure* (the router raised something
    other than a ``TierRouteError``, a bug: its state is unknown). The journaled
    router then refuses every later call; reopen the journal to continue from what
    is on disk.

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
    _failed: JournalError | None
    _closed: bool
    _staged: Operation | None
    _staged_args: bytes
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

        Opening truncates a torn last record (with a
        :class:`~tierroute.errors.TornRecordWarning`) and removes leftovers of an
        interrupted compaction — only after the newest segment has been read and
        replayed without error. A journal whose segment is of an older format is
        checkpointed at once, so that what is appended is in today's format.

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
        _check_options(
            path, sync, group_ms, checkpoint_records, checkpoint_bytes, init, clock, timer
        )
        folder = Path(path)
        if init is not None:
            folder.mkdir(parents=True, exist_ok=True)
        elif not folder.is_dir():
            raise JournalError(f"{folder}: no journal here and no init router to start one")
        lock_fd = lock(folder)
        try:
            start = _start(folder, init, clock)
        except OSError as exc:
            os.close(lock_fd)
            if isinstance(exc, JournalError):
                raise
            raise JournalError(f"{folder}: cannot open the journal ({exc})") from exc
        except BaseException:
            os.close(lock_fd)
            raise
        self = object.__new__(cls)
        self._folder = folder
        self._router = start.router
        self._clock = clock
        self._sync = sync
        self._group_s = float(group_ms) / 1000.0
        self._timer = timer
        self._max_records = checkpoint_records
        self._max_bytes = checkpoint_bytes
        self._lock_fd = lock_fd
        self._fd = start.fd
        self._gen = start.generation
        self._seq = start.seq
        self._end = start.end
        self._seg_records = start.replayed
        self._seg_bytes = start.tail
        self._next_auto = (checkpoint_records, checkpoint_bytes)
        self._dirty = False
        self._last_sync = timer()
        self._failed = None
        self._closed = False
        self._staged = None
        self._staged_args = b""
        self.replayed = start.replayed
        if start.version != fmt.FORMAT_VERSION:
            try:
                self.checkpoint()
            except BaseException:
                self.close()
                raise
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

    def apply(self, op: Operation) -> list[Offer]:
        """Apply a call record, journaled: what each mutating method here does.

        A record without a time is applied at the journal's clock (else the
        router's own). The record is encoded first; then applied; then what took
        effect is appended (see :func:`~tierroute.hosting.operations.perform`) and
        synced per the policy.

        Returns:
            The offers the call made.

        Raises:
            InvalidArgument: The arguments cannot be journaled (not JSON data, or
                not valid Unicode); nothing was applied.
            TierRouteError: What the router method raises; the journal goes on.
            JournalError: Writing or syncing failed (an I/O failure), the router
                raised something other than a ``TierRouteError`` (an invariant
                failure: a bug), or an earlier call failed so. The message says which.
            RoutingStateError: The journal is closed.
        """
        self._usable()
        if not isinstance(op, Operation):
            raise InvalidArgument(f"op must be an Operation, got {type(op).__name__}")
        if op.now is None and self._clock is not None:
            try:
                op = op.at(self._clock())
            except Exception as exc:  # the host's clock failed: nothing has changed
                raise InvalidArgument(f"the journal's clock() raised {exc!r}") from exc
        self._staged_args = call_args(op)  # refused here, before anything changes
        self._staged = op
        try:
            return perform(self._router, op, self._append)
        except TierRouteError:
            raise  # refused by the router (or a JournalError, already recorded)
        except Exception as exc:  # a bug: the router's state is unknown
            raise self._fail(
                "invariant failure",
                f"the router raised {exc!r} applying {op.name} (a bug in tierroute); "
                "its state is unknown — reopen the journal to continue from what is on disk",
            ) from exc

    def add_agent(
        self,
        spec: AgentSpec,
        *,
        presence: Presence | str = Presence.LOGGED_OUT,
        now: float | None = None,
    ) -> list[Offer]:
        """Journaled :meth:`Router.add_agent`."""
        return self.apply(Operation("add_agent", {"spec": spec, "presence": presence}, now))

    def remove_agent(self, agent_id: str, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.remove_agent`."""
        return self.apply(Operation("remove_agent", {"agent_id": agent_id}, now))

    def update_agent(self, spec: AgentSpec, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.update_agent`."""
        return self.apply(Operation("update_agent", {"spec": spec}, now))

    def set_agent_state(
        self, agent_id: str, presence: Presence | str, *, now: float | None = None
    ) -> list[Offer]:
        """Journaled :meth:`Router.set_agent_state`."""
        args = {"agent_id": agent_id, "presence": presence}
        return self.apply(Operation("set_agent_state", args, now))

    def submit(self, contact: ContactSpec, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.submit`."""
        return self.apply(Operation("submit", {"contact": contact}, now))

    def abandon(self, contact_id: str, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.abandon`."""
        return self.apply(Operation("abandon", {"contact_id": contact_id}, now))

    def transfer(
        self,
        contact_id: str,
        *,
        skills: Mapping[str, int] | Keep = KEEP,
        language: str | Keep | None = KEEP,
        min_seniority: int | str | Keep = KEEP,
        now: float | None = None,
    ) -> list[Offer]:
        """Journaled :meth:`Router.transfer` (arguments left out keep their values)."""
        args = {
            "contact_id": contact_id,
            "skills": skills,
            "language": language,
            "min_seniority": min_seniority,
        }
        return self.apply(Operation("transfer", args, now))

    def accept(self, offer_id: str, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.accept`."""
        return self.apply(Operation("accept", {"offer_id": offer_id}, now))

    def reject(self, offer_id: str, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.reject`."""
        return self.apply(Operation("reject", {"offer_id": offer_id}, now))

    def complete(self, offer_id: str, *, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.complete`."""
        return self.apply(Operation("complete", {"offer_id": offer_id}, now))

    def advance(self, now: float | None = None) -> list[Offer]:
        """Journaled :meth:`Router.advance`."""
        return self.apply(Operation("advance", None, now))

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
            seg = write_segment(self._folder, gen, snap, self._seq)
        except OSError as exc:
            raise JournalError(f"{self._folder}: checkpoint failed ({exc})") from exc
        try:
            fd = os.open(seg, os.O_WRONLY | os.O_APPEND)
            end = os.fstat(fd).st_size
        except OSError as exc:
            raise self._fail(
                "I/O failure",
                f"checkpoint written but cannot be opened ({exc}); reopen the journal",
            ) from exc
        old = self._fd
        self._fd, self._gen, self._end = fd, gen, end
        self._seg_records = self._seg_bytes = 0
        self._next_auto = (self._max_records, self._max_bytes)
        self._dirty = False
        self._last_sync = self._timer()
        os.close(old)
        try:
            cleanup(self._folder, gen)
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
                f"({self._failed}); reopen the journal to continue from what is on disk"
            )

    def _fail(self, kind: str, problem: str) -> JournalError:
        """Stop the journaled router: ``kind`` is ``"I/O failure"`` or ``"invariant
        failure"``. Returns the error to raise, chained by the caller to its cause."""
        err = JournalError(f"{self._folder}: {kind}: {problem}")
        self._failed = err
        return err

    def _append(self, op: Operation, offers: list[Offer]) -> None:
        """Journal what took effect (the sink of :func:`perform`): ``op`` itself,
        encoded before it was applied, or the ``advance`` of timers that fired before
        it was found invalid."""
        args = self._staged_args if op is self._staged else call_args(op)
        seq = self._seq + 1
        buf = fmt.frame(call_payload(seq, op.name, self._router.now, args, offers))
        try:
            view = memoryview(buf)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._end)
            raise self._fail(
                "I/O failure",
                f"journal write failed ({exc}); the call took effect in memory only — "
                "reopen the journal to continue from what is on disk",
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
            raise self._fail(
                "I/O failure",
                f"journal sync failed ({exc}); records may be lost — "
                "reopen the journal to continue from what is on disk",
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
