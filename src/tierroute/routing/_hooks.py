"""The routing engine's seams: where its timers live, and how listeners (the promise
tracker) hear it. Nothing here imports the rest of :mod:`tierroute.routing`; the
engine and its listeners both import this module, so neither imports the other.

Timer host protocol
-------------------
Every timer of the engine (a relaxation step, an offer expiry, a wrap-up end, the
end of a decline's cooldown, a listener's own timer) is a 4-tuple ``(at, kind, obj, ver)``:

- ``at`` — when it is due (seconds, the router's time scale);
- ``kind`` — what it does, one of :data:`T_RELAX`, :data:`T_EXPIRE`, :data:`T_WRAP`,
  :data:`T_EXT`, :data:`T_LAPSE` (opaque to a host);
- ``obj`` — the object it acts on; it carries a stamp ``obj.stamp``;
- ``ver`` — ``obj.stamp`` when the timer was set. The engine cancels a timer by
  bumping ``obj.stamp``: an entry whose ``ver`` differs is stale and does nothing
  (the lazy deletion of :func:`is_live`).

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

Hook protocol
-------------
A :class:`Hook` (one per router; the :class:`~tierroute.promises.tracker.PromiseTracker`)
attaches with :func:`attach` and gets a :class:`HookPort` back. Through the port
it asks for its own timers (``schedule(at, obj)``: kind :data:`T_EXT`, fired as
``obj.fire(at)``, cancelled by bumping ``obj.stamp``), emits events onto the
:class:`~tierroute.models.Decisions` of the call in progress (``emit``), resolves the
time of a call of its own and reads contacts and queues. The engine calls the
hook's ``on_*`` methods as contacts are submitted, queued, answered, completed,
abandoned and transferred, passing the contact as a read-only
:class:`ContactView` (and the queue it joined as a :class:`QueueView`) — the
engine's own objects, so the calls allocate nothing. With no hook attached the
engine pays one attribute test per event.

A hook snapshots its own state (``dump_state``); the router snapshot stores it
under the hook's ``kind``, and :meth:`~tierroute.routing.router.Router.restore`
rebuilds it through the loader registered for that kind with
:func:`register_hook`. :mod:`tierroute.promises.tracker` registers itself when
imported, and :mod:`tierroute` imports it, so importing anything of tierroute
registers it (the package's ``__init__`` runs first).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from heapq import heappop, heappush
from typing import Any, Final, Protocol

from tierroute.errors import InvalidArgument
from tierroute.models import Channel
from tierroute.policy.model import Policy

__all__ = [
    "CHANNELS",
    "IN_SERVICE",
    "OFFERED",
    "T_EXPIRE",
    "T_EXT",
    "T_LAPSE",
    "T_RELAX",
    "T_WRAP",
    "WAITING",
    "Attachable",
    "ContactView",
    "Hook",
    "HookLoader",
    "HookPort",
    "QueueView",
    "TierView",
    "Timed",
    "TimerEntry",
    "TimerHeap",
    "TimerHost",
    "attach",
    "hook_loader",
    "is_live",
    "register_hook",
]

CHANNELS: Final[tuple[Channel, ...]] = tuple(Channel)
"""Channels by index: :attr:`ContactView.ch` indexes this."""

# Contact states (:attr:`ContactView.state`)
WAITING: Final = 0  # in a queue
OFFERED: Final = 1  # an offer is ringing
IN_SERVICE: Final = 2  # an agent accepted it

# Timer kinds
T_RELAX: Final = 0  # a waiting contact moves to its next relaxation step
T_EXPIRE: Final = 1  # a ringing offer expires
T_WRAP: Final = 2  # an agent's wrap-up ends
T_EXT: Final = 3  # a listener's own timer (``obj.fire(at)``; it never makes offers)
T_LAPSE: Final = 4  # the cooldown after an agent declined a contact ends

TimerEntry = tuple[float, int, int, int, Any]
"""An entry of :class:`TimerHeap`: ``(at, seq, kind, ver, obj)``."""


def is_live(entry: tuple[Any, ...]) -> bool:
    """The one lazy-deletion test of the engine's heaps (timers, queues, pools).

    Their entries end with ``(stamp, obj)``; ``obj.stamp`` is bumped by every change
    that makes its entries obsolete (a cancelled timer, a contact leaving its queue,
    an agent's figures or availability changing), so an entry is live while
    ``obj.stamp`` still equals its stamp. Stale entries stay in their heap until
    they reach its head or the heap is compacted. The loops that drop stale heads on
    every call (a pool lookup, a queue removal, the next timer) and the compactions
    inline this test: a call there costs a submit several percent.
    """
    return bool(entry[-2] == entry[-1].stamp)


class TimerHost(Protocol):
    """Where the engine's timers live (see the module docstring)."""

    def schedule(self, at: float, kind: int, obj: Any, ver: int, /) -> None:
        """Keep the timer ``(at, kind, obj, ver)`` until it is due."""


class TimerHeap:
    """The default timer host: a binary heap of :data:`TimerEntry` with lazy
    deletion (stale entries are dropped when they surface).

    >>> class Obj:
    ...     stamp = 1
    >>> h = TimerHeap()
    >>> h.schedule(5.0, T_WRAP, Obj(), 1)
    >>> h.next_at(), h.seq
    (5.0, 1)
    """

    __slots__ = ("foreign", "heap", "seq")

    def __init__(self) -> None:
        self.heap: list[TimerEntry] = []
        self.seq = 0  # timers ever scheduled: the tie-break of equal times
        self.foreign: TimerHost | None = None  # the host holding the timers instead

    def schedule(self, at: float, kind: int, obj: Any, ver: int, /) -> None:
        """Push one timer. Runtime complexity: O(log n)."""
        self.seq += 1
        heappush(self.heap, (at, self.seq, kind, ver, obj))

    def next_at(self) -> float | None:
        """When the next live timer is due (stale heads are dropped), or ``None``."""
        heap = self.heap
        while heap and heap[0][-2] != heap[0][-1].stamp:  # not is_live(head), inlined
            heappop(heap)
        return heap[0][0] if heap else None

    def live(self) -> list[TimerEntry]:
        """The live entries in firing order (slow; for checks and snapshots)."""
        return sorted(e for e in self.heap if is_live(e))


# ---------------------------------------------------------------------- hook protocol


class Timed(Protocol):
    """A hook's timer object: its stamp (bump it to cancel) and what it does."""

    stamp: int

    def fire(self, now: float, /) -> None:
        """The timer is due at ``now``."""


class TierView(Protocol):
    """A tier as hooks see it."""

    @property
    def name(self) -> str:
        """The tier's name."""


class ContactView(Protocol):
    """A live contact as hooks see it (read only)."""

    @property
    def id(self) -> str:
        """The contact id."""

    @property
    def tier(self) -> TierView:
        """Its tier."""

    @property
    def ch(self) -> int:
        """Its channel, an index into :data:`CHANNELS`."""

    @property
    def sev(self) -> int:
        """Its severity, 1 (P1) to 4 (P4)."""

    @property
    def value(self) -> float:
        """Its value in [0, 1]."""

    @property
    def key(self) -> float:
        """Its priority key (smaller first)."""

    @property
    def seq(self) -> int:
        """Its submit order."""

    @property
    def arrived_at(self) -> float:
        """When it arrived."""

    @property
    def attributes(self) -> Mapping[str, Any] | None:
        """The host's attributes of the contact."""

    @property
    def state(self) -> int:
        """:data:`WAITING`, :data:`OFFERED` or :data:`IN_SERVICE`."""


class QueueView(Protocol):
    """The queue of one requirement signature as hooks see it (read only)."""

    @property
    def key(self) -> Hashable:
        """The signature: the same key for the same requirements, for ever."""

    @property
    def live(self) -> int:
        """How many contacts wait in it."""

    def ahead(self, c: ContactView, /) -> int:
        """How many of them are ahead of ``c``. Runtime complexity: O(queue)."""


class HookPort(Protocol):
    """What a hook may ask of the router it is attached to."""

    @property
    def policy(self) -> Policy:
        """The router's policy."""

    @property
    def now(self) -> float:
        """The router's time."""

    def begin(self, now: float | None, /) -> float:
        """Resolve and check the time of a call of the hook's own (``None``: the
        router's clock); raises as the router's calls do. Changes nothing."""

    def contact(self, contact_id: str, /) -> ContactView:
        """A live contact; raises :class:`~tierroute.errors.UnknownContact`."""

    def live_contact(self, contact_id: str, /) -> ContactView | None:
        """A live contact, or ``None``."""

    def queue_of(self, c: ContactView, /) -> QueueView:
        """The queue of ``c``'s requirements at its current relaxation step."""

    def schedule(self, at: float, obj: Timed, /) -> None:
        """Fire ``obj.fire(at)`` at ``at`` unless ``obj.stamp`` changes first (this
        bumps it, cancelling ``obj``'s previous timer)."""

    def emit(self, event: object, /) -> None:
        """Add ``event`` to the events of the call in progress."""

    def timers(self) -> list[tuple[float, int, Timed]]:
        """The hook's live timers as ``(at, seq, obj)`` in firing order (for
        snapshots)."""

    def restore_timer(self, at: float, seq: int, obj: Timed, /) -> None:
        """Put back a timer of a snapshot with its sequence number (for restores)."""


class Hook(Protocol):
    """What a listener hears. ``c`` is read-only, valid during the call only."""

    @property
    def kind(self) -> str:
        """The name its snapshots are stored and registered under."""

    def on_submit(self, c: ContactView, now: float, /) -> None:
        """``c`` was submitted (before it is placed)."""

    def on_queued(self, c: ContactView, queue: QueueView, now: float, /) -> None:
        """``c`` joined ``queue``."""

    def on_answer(self, c: ContactView, now: float, /) -> None:
        """An agent accepted ``c``."""

    def on_complete(self, c: ContactView, now: float, /) -> None:
        """``c`` was completed."""

    def on_abandon(self, c: ContactView, now: float, /) -> None:
        """The customer of ``c`` left."""

    def on_transfer(self, c: ContactView, now: float, /) -> None:
        """``c`` was transferred (its new requirements are set)."""

    def dump_state(self) -> dict[str, Any]:
        """The hook's state as JSON-serialisable data, its timers included."""


class Attachable(Protocol):
    """A router hooks can attach to."""

    @property
    def policy(self) -> Policy:
        """The router's policy."""

    def _attach_hook(self, hook: Hook, /) -> HookPort: ...


HookLoader = Callable[[Attachable, Mapping[str, Any]], Hook]
"""Rebuilds a hook from its ``dump_state`` data and attaches it to a router."""

_LOADERS: dict[str, HookLoader] = {}


def attach(router: Attachable, hook: Hook) -> HookPort:
    """Attach ``hook`` to ``router`` (one hook per router).

    Raises:
        InvalidArgument: The router has a hook already.
    """
    return router._attach_hook(hook)


def register_hook(kind: str, load: HookLoader) -> None:
    """Name the loader of the hooks of ``kind`` for restores (at import)."""
    _LOADERS[kind] = load


def hook_loader(kind: str) -> HookLoader:
    """The loader registered for ``kind``.

    Raises:
        InvalidArgument: No loader is registered for ``kind``.
    """
    try:
        return _LOADERS[kind]
    except (KeyError, TypeError):
        raise InvalidArgument(
            f"the snapshot has a hook of kind {kind!r} and no such kind is registered "
            f"(known: {sorted(_LOADERS)})"
        ) from None
