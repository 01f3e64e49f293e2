"""The routing engine's seams: where its timers live.

Timer host protocol
-------------------
Every timer of the engine (a relaxation step, an offer expiry, a wrap-up end, a
listener's own timer) is a 4-tuple ``(at, kind, obj, ver)``:

- ``at`` — when it is due (seconds, the router's time scale);
- ``kind`` — what it does, one of :data:`T_RELAX`, :data:`T_EXPIRE`, :data:`T_WRAP`,
  :data:`T_EXT` (opaque to a host);
- ``obj`` — the object it acts on; it carries a version ``obj.tver``;
- ``ver`` — ``obj.tver`` when the timer was set. The engine cancels a timer by
  bumping ``obj.tver``: an entry whose ``ver`` differs is stale and does nothing.

The engine hands each new timer to a :class:`TimerHost` through one bound method,
``host.schedule(at, kind, obj, ver)``, looked up once, so a timer costs the same
single call whichever host holds it. A host must give the entries back in
``(at, order of scheduling)`` order — a binary heap of ``(at, seq, ...)`` with a
running ``seq``, as SimPy keeps its ``(time, priority, seq, event)`` heap, does
that — and never early.

- The default host is :class:`TimerHeap`, the engine's own heap: the engine fires
  its due entries itself at the start of every call (``advance(now)`` and every
  mutating call fire what is due by their ``now``), ``next_deadline()`` reads it, and
  snapshots store its live entries.
- A foreign host (the simulator, which runs one event heap for everything) is
  installed with ``engine.set_timer_host(host)``; the engine's live timers move to it
  and every later one is scheduled there. When an entry comes due the host hands it
  back with ``engine.fire_timer(at, kind, obj, ver, out)``, which skips stale entries
  (returns ``False``) and otherwise applies exactly what the engine's own loop
  applies, appending the offers made to ``out`` (a
  :class:`~tierroute.models.Decisions`, which also receives the events raised). The
  host must fire every entry before it makes any router call at a later time.
  Under a foreign host the engine's own heap stays empty, so ``next_deadline()`` is
  ``None`` and snapshots are refused: the host owns the deadlines.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any, Final, Protocol

__all__ = [
    "T_EXPIRE",
    "T_EXT",
    "T_RELAX",
    "T_WRAP",
    "TimerEntry",
    "TimerHeap",
    "TimerHost",
]

# Timer kinds
T_RELAX: Final = 0  # a waiting contact moves to its next relaxation step
T_EXPIRE: Final = 1  # a ringing offer expires
T_WRAP: Final = 2  # an agent's wrap-up ends
T_EXT: Final = 3  # a listener's own timer (``obj.fire(at)``; it never makes offers)

TimerEntry = tuple[float, int, int, Any, int]
"""An entry of :class:`TimerHeap`: ``(at, seq, kind, obj, ver)``."""


class TimerHost(Protocol):
    """Where the engine's timers live (see the module docstring)."""

    def schedule(self, at: float, kind: int, obj: Any, ver: int, /) -> None:
        """Keep the timer ``(at, kind, obj, ver)`` until it is due."""


class TimerHeap:
    """The default timer host: a binary heap of :data:`TimerEntry` with lazy
    deletion (stale entries are dropped when they surface).

    >>> class Obj:
    ...     tver = 1
    >>> h = TimerHeap()
    >>> h.schedule(5.0, T_WRAP, Obj(), 1)
    >>> h.next_at(), h.seq
    (5.0, 1)
    """

    __slots__ = ("heap", "seq")

    def __init__(self) -> None:
        self.heap: list[TimerEntry] = []
        self.seq = 0  # timers ever scheduled: the tie-break of equal times

    def schedule(self, at: float, kind: int, obj: Any, ver: int, /) -> None:
        """Push one timer. Runtime complexity: O(log n)."""
        self.seq += 1
        heappush(self.heap, (at, self.seq, kind, obj, ver))

    def next_at(self) -> float | None:
        """When the next live timer is due (stale heads are dropped), or ``None``."""
        heap = self.heap
        while heap and heap[0][4] != heap[0][3].tver:
            heappop(heap)
        return heap[0][0] if heap else None

    def live(self) -> list[TimerEntry]:
        """The live entries in firing order (slow; for checks and snapshots)."""
        return sorted(e for e in self.heap if e[4] == e[3].tver)
