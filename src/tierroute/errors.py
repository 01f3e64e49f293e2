"""The one exception tree of tierroute.

Every error raised on purpose by tierroute derives from :class:`TierRouteError`,
and also from the builtin exception a caller would naturally catch:

=========================  =============================  ================================
class                      also a                         raised when
=========================  =============================  ================================
``InvalidArgument``        ``ValueError``                 an argument has a bad value
``PolicyError``            ``ValueError``                 a policy or scenario is invalid
``DuplicateId``            ``ValueError``                 an id is already in use
``TimeWentBackwards``      ``ValueError``                 ``now`` is before the router's
``UnknownId``              ``KeyError``                   an id is not known
``UnknownAgent``           ``KeyError``                   an agent id is not known
``UnknownContact``         ``KeyError``                   a contact id is not known
``UnknownOffer``           ``KeyError``                   an offer id is not known
``RoutingStateError``      ``RuntimeError``               a call is not valid in the
                                                          current state (e.g. accepting
                                                          an expired offer)
``JournalError``           ``OSError``                    a journal cannot be used (none
                                                          there, locked by another
                                                          process, a write or sync failed,
                                                          the router failed an invariant)
``JournalCorrupt``         ``OSError``                    a journal file is damaged other
                                                          than by a torn last record
``JournalVersionError``    ``OSError``, ``ValueError``    a journal was written in a
                                                          newer format than this release
                                                          reads
``JournalReplayError``     ``OSError``                    a replayed journal record did
                                                          not decide as it did when it
                                                          was recorded
=========================  =============================  ================================

Subclasses: ``PolicyError``, ``DuplicateId`` and ``TimeWentBackwards`` are
``InvalidArgument`` errors; ``UnknownAgent``, ``UnknownContact`` and ``UnknownOffer``
are ``UnknownId`` errors; ``JournalCorrupt``, ``JournalVersionError`` and
``JournalReplayError`` are ``JournalError`` errors. One warning sits beside the tree:
``TornRecordWarning`` (a ``RuntimeWarning``), when a journal's torn last record (the
process died while writing it) is dropped.

A router call that raises leaves the router exactly as it was (unless timers due at
its ``now`` fired first: see ``TierRouteError.offers``). A journaled router or a
driver goes on after any ``TierRouteError`` but a ``JournalError``; anything else the
router raises is a bug, which stops them.

>>> from tierroute.errors import UnknownAgent
>>> try:
...     raise UnknownAgent("agent 'a9' is not registered")
... except KeyError as exc:
...     print(exc)
agent 'a9' is not registered
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "DuplicateId",
    "InvalidArgument",
    "JournalCorrupt",
    "JournalError",
    "JournalReplayError",
    "JournalVersionError",
    "PolicyError",
    "RoutingStateError",
    "TierRouteError",
    "TimeWentBackwards",
    "TornRecordWarning",
    "UnknownAgent",
    "UnknownContact",
    "UnknownId",
    "UnknownOffer",
]


class TierRouteError(Exception):
    """Base class of every error tierroute raises on purpose.

    Attributes:
        offers: Offers made by timers that fired (because they were due at the call's
            ``now``) before the call was found invalid; empty otherwise. The host
            must act on them as on any returned offers.
        events: The promise and escalation events those timers raised (see
            :class:`~tierroute.models.Decisions`).
    """

    offers: tuple[Any, ...] = ()
    events: tuple[Any, ...] = ()


class InvalidArgument(TierRouteError, ValueError):
    """An argument has a value the call cannot accept; the message names it."""


class PolicyError(InvalidArgument):
    """A policy, scenario or configuration file is invalid.

    Attributes:
        source: The file or object the bad value came from, if known.
        location: The path of the bad field (e.g. ``tiers.2.targets.voice``).
    """

    def __init__(self, message: str, *, source: str | None = None, location: str | None = None):
        super().__init__(message)
        self.source = source
        self.location = location


class DuplicateId(InvalidArgument):
    """An id is already in use by a live agent, contact or offer."""


class TimeWentBackwards(InvalidArgument):
    """``now`` is earlier than the time the router has already reached."""


class UnknownId(TierRouteError, KeyError):
    """An id does not name anything the router knows.

    ``KeyError`` quotes its message when printed; this class prints it as written.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownAgent(UnknownId):
    """No agent with this id is registered."""


class UnknownContact(UnknownId):
    """No live contact has this id."""


class UnknownOffer(UnknownId):
    """No live offer or assignment has this id."""


class RoutingStateError(TierRouteError, RuntimeError):
    """The call is valid in general but not in the current state."""


class JournalError(TierRouteError, OSError):
    """The journal cannot be used: missing, locked by another process, a write or
    sync failed (an *I/O failure*), the router raised something other than a
    :class:`TierRouteError` (an *invariant failure*), or (subclasses) its content is
    damaged, newer or inconsistent. The message says which."""


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

    def __init__(self, path: str | os.PathLike[str], version: int, supported: int) -> None:
        super().__init__(
            f"{os.fspath(path)}: journal format version {version} is newer than this "
            f"tierroute reads ({supported}); upgrade tierroute to recover it"
        )
        self.path = os.fspath(path)
        self.version = version
        self.supported = supported


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
