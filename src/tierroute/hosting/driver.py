"""An asyncio driver: one task owns the router, other tasks send it events.

:class:`~tierroute.routing.router.Router` is not thread-safe and not reentrant: every call
must run to completion before the next starts. :class:`RouterDriver` is the
supported way to share one router (journaled or not) in an asyncio program. It
owns the router in a single task; other tasks ``await driver.submit(spec)``,
``await driver.accept(offer_id)``, … and get the offers their event made, or the
router's exception. Between events the task sleeps until the router's next
deadline (:meth:`Router.next_deadline`) — no polling — then advances the router
and hands the offers to the host's ``on_offers`` callback.

Time: the driver stamps each event with the router time read from ``clock`` when
the event is applied (callers do not pass ``now``), never earlier than the
router's time. By default router time is the loop's clock scaled by ``rate``
router seconds per loop second, starting at the router's time when the driver
starts; a host with its own time base (wall-clock epoch seconds, a simulation)
injects ``clock`` and gives the matching ``rate``, which the driver uses to turn
a router-time delay into a loop sleep.

Other threads must not call the router; from another thread, send events with
``asyncio.run_coroutine_threadsafe(driver.submit(spec), loop)``. Tasks on the
driver's loop may *read* through :attr:`RouterDriver.router` (``explain``,
``contact_status``, …): reads run between events and see a consistent state.

>>> import asyncio
>>> from tierroute import AgentSpec, ContactSpec, Router
>>> async def main() -> None:
...     async with RouterDriver(Router()) as driver:
...         await driver.add_agent(AgentSpec("ana"), presence="ready")
...         [offer] = await driver.submit(ContactSpec("c1", "voice", "standard"))
...         print(offer.agent_id, offer.contact_id)
>>> asyncio.run(main())
ana c1
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Final, NamedTuple

from tierroute._args import finite_number
from tierroute.errors import InvalidArgument, JournalError, RoutingStateError, TierRouteError
from tierroute.hosting.journal import JournaledRouter, save_snapshot
from tierroute.hosting.operations import Operation, perform
from tierroute.models import KEEP, AgentSpec, ContactSpec, Keep, Offer, Presence
from tierroute.routing.router import Router

__all__ = ["Applied", "OffersCallback", "RouterDriver"]

OffersCallback = Callable[[list[Offer]], Awaitable[None]]
"""``async def on_offers(offers)``: called with the offers of each applied event."""

_STOP: Final[Any] = object()  # ends the driver's queues; never a router argument


class Applied(NamedTuple):
    """An event as the driver applied it (see ``on_applied``).

    Replaying ``getattr(router, op)(*args, **kwargs, now=now)`` for each, in
    order, on a router in the driver's initial state makes the same offers.

    Attributes:
        op: The router method (``"submit"``, ``"advance"``, …).
        args: Its positional arguments (after ``now`` for ``advance``: none).
        kwargs: Its keyword arguments other than ``now``.
        now: The time it was applied at.
        offers: The offers it made.
    """

    op: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    now: float
    offers: list[Offer]


class _Event(NamedTuple):
    op: Operation
    future: asyncio.Future[list[Offer]]


class RouterDriver:
    """Owns one router in one asyncio task and serialises every call to it.

    Args:
        router: A :class:`~tierroute.routing.router.Router` or a
            :class:`~tierroute.hosting.journal.JournaledRouter`. The driver owns it while
            running: do not call its mutating methods directly.
        on_offers: ``async`` callback receiving, in order, the non-empty list of
            offers of every applied event — callers' events and the driver's own
            ``advance`` at deadlines alike. Act on offers here (ring the agent),
            not on the lists returned to callers, or you would act twice. It runs
            in its own task, so it may await driver calls; an exception it raises
            is reported to the loop's exception handler and the driver goes on.
        clock: Router time now; default: the loop's clock times ``rate``, from
            the router's time at :meth:`start`.
        rate: Router seconds per loop second (> 0), to convert the wait for the
            next deadline into a loop sleep. Must match ``clock`` if given.
        on_applied: Synchronous callback receiving each :class:`Applied` event,
            in order (an audit trail; also how tests replay the driver's run).
        snapshot_path: For a bare router, where :meth:`stop` writes the final
            snapshot (JSON, atomically). A journaled router checkpoints instead.

    Raises:
        InvalidArgument: A bad argument.
    """

    def __init__(
        self,
        router: Router | JournaledRouter,
        *,
        on_offers: OffersCallback | None = None,
        clock: Callable[[], float] | None = None,
        rate: float = 1.0,
        on_applied: Callable[[Applied], None] | None = None,
        snapshot_path: str | os.PathLike[str] | None = None,
    ) -> None:
        if not isinstance(router, Router | JournaledRouter):
            raise InvalidArgument(
                f"router must be a Router or JournaledRouter, got {type(router).__name__}"
            )
        if finite_number(rate, "rate") <= 0:
            raise InvalidArgument(f"rate must be a finite number > 0, got {rate!r}")
        for name, fn in (("on_offers", on_offers), ("clock", clock), ("on_applied", on_applied)):
            if fn is not None and not callable(fn):
                raise InvalidArgument(f"{name} must be callable, got {fn!r}")
        if snapshot_path is not None and not isinstance(snapshot_path, str | os.PathLike):
            raise InvalidArgument(f"snapshot_path must be a path or None, got {snapshot_path!r}")
        self._router = router
        self._journal = router if isinstance(router, JournaledRouter) else None
        # How an event is applied: through the journal, or on the bare router.
        self._via = None if self._journal is None else self._journal.apply
        self._effect: Applied | None = None  # logged once the caller's future is settled
        self._on_offers = on_offers
        self._clock = clock
        self._rate = float(rate)
        self._on_applied = on_applied
        self._snapshot_path = snapshot_path
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[Any] | None = None
        self._outbox: asyncio.Queue[Any] | None = None
        self._task: asyncio.Task[None] | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._stopping: asyncio.Task[dict[str, Any]] | None = None
        self._accepting = False
        self._failure: BaseException | None = None
        self._applied = 0

    # ------------------------------------------------------------------ reading

    @property
    def router(self) -> Router:
        """The router, for reading between events (never for mutating calls)."""
        r = self._router
        return r.router if isinstance(r, JournaledRouter) else r

    @property
    def running(self) -> bool:
        """True while the driver accepts events."""
        return self._accepting

    @property
    def applied(self) -> int:
        """Number of events applied so far (the driver's ``advance`` calls included)."""
        return self._applied

    def current_time(self) -> float:
        """The router time the driver would stamp an event with now."""
        clock = self._clock
        t = clock() if clock is not None else self._router.now
        return max(t, self._router.now)

    # ------------------------------------------------------------------ life cycle

    async def start(self) -> None:
        """Start the driver's task (and the ``on_offers`` task) on the running loop.

        Raises:
            RoutingStateError: Already started.
        """
        if self._task is not None:
            raise RoutingStateError("the driver was already started")
        loop = asyncio.get_running_loop()
        if self._clock is None:
            base, t0, rate = self._router.now, loop.time(), self._rate
            self._clock = lambda: base + (loop.time() - t0) * rate
        self._loop = loop
        self._queue = asyncio.Queue()
        self._accepting = True
        self._task = loop.create_task(self._run(), name="tierroute-driver")
        if self._on_offers is not None:
            self._outbox = asyncio.Queue()
            self._dispatcher = loop.create_task(self._dispatch(), name="tierroute-offers")

    async def stop(self, *, checkpoint: bool = True) -> dict[str, Any]:
        """Stop cleanly: refuse new events, apply those already queued, deliver
        their offers, then write a snapshot.

        Args:
            checkpoint: Write the snapshot — a journal checkpoint for a journaled
                router (else only a sync), the ``snapshot_path`` file for a bare
                one. ``False`` leaves the journal as a crash would (it is synced
                all the same).

        Returns:
            The router's final snapshot.

        Raises:
            RoutingStateError: Not started, or the driver had stopped after an
                error (chained to it).
        """
        if self._task is None:
            raise RoutingStateError("the driver was not started")
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._shutdown(checkpoint))
        return await asyncio.shield(self._stopping)

    async def __aenter__(self) -> RouterDriver:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ events

    async def apply(self, op: Operation) -> list[Offer]:
        """Apply a call record, serialised with every other event: what each
        mutating method here does.

        Args:
            op: The call, without a time: the driver stamps it when applying it.

        Returns:
            The offers the call made.

        Raises:
            InvalidArgument: ``op`` is not an :class:`Operation` or carries a time.
            RoutingStateError: The driver is not running.
            TierRouteError: What the router method raises: that call fails, the
                driver goes on. A :class:`~tierroute.errors.JournalError` (an I/O or
                invariant failure of the journal) stops the driver, and so does
                anything else the router raises (a bug: its state is unknown).

        A caller cancelled before its event is applied withdraws it; once applied,
        the event stands (its offers still go to ``on_offers``).
        """
        if not isinstance(op, Operation):
            raise InvalidArgument(f"op must be an Operation, got {type(op).__name__}")
        if op.now is not None:
            raise InvalidArgument(f"the driver sets the time of a call; got now={op.now!r}")
        if not self._accepting or self._queue is None or self._loop is None:
            raise RoutingStateError(self._not_running())
        future: asyncio.Future[list[Offer]] = self._loop.create_future()
        self._queue.put_nowait(_Event(op, future))
        return await future

    async def add_agent(
        self, spec: AgentSpec, *, presence: Presence | str = Presence.LOGGED_OUT
    ) -> list[Offer]:
        """:meth:`Router.add_agent`, applied by the driver."""
        return await self.apply(Operation("add_agent", {"spec": spec, "presence": presence}))

    async def remove_agent(self, agent_id: str) -> list[Offer]:
        """:meth:`Router.remove_agent`, applied by the driver."""
        return await self.apply(Operation("remove_agent", {"agent_id": agent_id}))

    async def update_agent(self, spec: AgentSpec) -> list[Offer]:
        """:meth:`Router.update_agent`, applied by the driver."""
        return await self.apply(Operation("update_agent", {"spec": spec}))

    async def set_agent_state(self, agent_id: str, presence: Presence | str) -> list[Offer]:
        """:meth:`Router.set_agent_state`, applied by the driver."""
        args = {"agent_id": agent_id, "presence": presence}
        return await self.apply(Operation("set_agent_state", args))

    async def submit(self, contact: ContactSpec) -> list[Offer]:
        """:meth:`Router.submit`, applied by the driver."""
        return await self.apply(Operation("submit", {"contact": contact}))

    async def abandon(self, contact_id: str) -> list[Offer]:
        """:meth:`Router.abandon`, applied by the driver."""
        return await self.apply(Operation("abandon", {"contact_id": contact_id}))

    async def transfer(
        self,
        contact_id: str,
        *,
        skills: Mapping[str, int] | Keep = KEEP,
        language: str | Keep | None = KEEP,
        min_seniority: int | str | Keep = KEEP,
    ) -> list[Offer]:
        """:meth:`Router.transfer`, applied by the driver (arguments left out keep
        their values)."""
        args = {
            "contact_id": contact_id,
            "skills": skills,
            "language": language,
            "min_seniority": min_seniority,
        }
        return await self.apply(Operation("transfer", args))

    async def accept(self, offer_id: str) -> list[Offer]:
        """:meth:`Router.accept`, applied by the driver."""
        return await self.apply(Operation("accept", {"offer_id": offer_id}))

    async def reject(self, offer_id: str) -> list[Offer]:
        """:meth:`Router.reject`, applied by the driver."""
        return await self.apply(Operation("reject", {"offer_id": offer_id}))

    async def complete(self, offer_id: str) -> list[Offer]:
        """:meth:`Router.complete`, applied by the driver."""
        return await self.apply(Operation("complete", {"offer_id": offer_id}))

    async def advance(self) -> list[Offer]:
        """Advance the router to the current time now (the driver does this on its
        own at every deadline)."""
        return await self.apply(Operation("advance"))

    # ------------------------------------------------------------------ internals

    def _not_running(self) -> str:
        if self._failure is not None:
            return f"the router driver stopped after an error: {self._failure!r}"
        if self._task is None:
            return "the router driver is not started (call start() or use 'async with')"
        return "the router driver is stopped"

    async def _run(self) -> None:
        queue = self._queue
        assert queue is not None
        try:
            while True:
                event: Any = None
                if queue.empty():
                    delay = self._delay()
                    if delay is None or delay > 0:
                        try:
                            async with asyncio.timeout(delay):
                                event = await queue.get()
                        except TimeoutError:
                            pass
                else:
                    event = queue.get_nowait()
                if event is _STOP:
                    return
                now = self.current_time()
                self._tick(now)
                if event is not None:
                    self._apply(event, now)
        except Exception as exc:  # the router or journal failed outside any caller's event
            self._failure = exc
            assert self._loop is not None
            self._loop.call_exception_handler(
                {"message": "tierroute: the router driver stopped after an error", "exception": exc}
            )
        finally:
            self._accepting = False
            while not queue.empty():
                left = queue.get_nowait()
                if left is not _STOP and not left.future.done():
                    left.future.set_exception(RoutingStateError(self._not_running()))

    def _delay(self) -> float | None:
        """Loop seconds until the next deadline or due group sync, if any."""
        delay: float | None = None
        deadline = self._router.next_deadline()
        if deadline is not None:
            delay = max(0.0, (deadline - self.current_time()) / self._rate)
        if self._journal is not None:
            sync = self._journal.next_sync_in()
            if sync is not None and (delay is None or sync < delay):
                delay = sync
        return delay

    def _tick(self, now: float) -> None:
        """Fire the timers due by ``now`` (so that an event never does), and a due
        group sync."""
        deadline = self._router.next_deadline()
        if deadline is not None and deadline <= now:
            perform(self.router, Operation("advance", None, now), self._took_effect, self._via)
            self._log_effect()
        if self._journal is not None:
            self._journal.sync_if_due()

    def _apply(self, event: _Event, now: float) -> None:
        future = event.future
        if future.done():  # cancelled by its caller: withdrawn
            return
        try:
            offers = perform(self.router, event.op.at(now), self._took_effect, self._via)
        except TierRouteError as exc:
            future.set_exception(exc)
            if isinstance(exc, JournalError):
                raise  # the journal is unusable: stop rather than run unjournaled
            # A refused call fails its caller only. Due timers may have fired before
            # it was found invalid (not expected: _tick fires them first); perform()
            # reported that advance.
            self._log_effect()
            return
        except Exception as exc:
            future.set_exception(exc)
            raise  # an invariant failure: the router's state is unknown, stop
        future.set_result(offers)
        self._log_effect()

    def _took_effect(self, op: Operation, offers: list[Offer]) -> None:
        """The sink of :func:`perform`: held until the caller's future is settled (an
        ``on_applied`` callback may cancel the caller)."""
        args, kwargs = op.call_args()
        self._effect = Applied(op.name, args, kwargs, self.router.now, offers)

    def _log_effect(self) -> None:
        applied, self._effect = self._effect, None
        if applied is not None:
            self._record(applied)

    def _record(self, applied: Applied) -> None:
        self._applied += 1
        if self._on_applied is not None:
            try:
                self._on_applied(applied)
            except Exception as exc:
                assert self._loop is not None
                self._loop.call_exception_handler(
                    {"message": "tierroute: on_applied raised", "exception": exc}
                )
        if applied.offers and self._outbox is not None:
            self._outbox.put_nowait(applied.offers)

    async def _dispatch(self) -> None:
        outbox, callback = self._outbox, self._on_offers
        assert outbox is not None
        assert callback is not None
        assert self._loop is not None
        while True:
            offers = await outbox.get()
            if offers is _STOP:
                return
            try:
                await callback(offers)
            except Exception as exc:
                self._loop.call_exception_handler(
                    {"message": "tierroute: on_offers raised", "exception": exc}
                )

    async def _shutdown(self, checkpoint: bool) -> dict[str, Any]:
        task, queue = self._task, self._queue
        assert task is not None
        assert queue is not None
        self._accepting = False
        if not task.done():
            queue.put_nowait(_STOP)
        try:
            await task
        except asyncio.CancelledError:
            if not task.cancelled():
                raise
        if self._dispatcher is not None and self._outbox is not None:
            self._outbox.put_nowait(_STOP)
            try:
                await self._dispatcher
            except asyncio.CancelledError:
                if not self._dispatcher.cancelled():
                    raise
        if self._failure is not None:
            raise RoutingStateError(self._not_running()) from self._failure
        jr = self._journal
        if jr is not None:
            if checkpoint:
                return jr.checkpoint()
            jr.flush()
            return jr.snapshot()
        snap = self.router.snapshot()
        if checkpoint and self._snapshot_path is not None:
            save_snapshot(self._snapshot_path, snap)
        return snap
