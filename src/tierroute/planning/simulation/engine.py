"""The discrete-event engine: one replication of a scenario, driving the real router.

One event heap of ``(time, seq, kind, ...)`` tuples holds arrivals (one pending
per stream), abandonments, service completions, agent presence changes and the
router's own timers (relaxation steps, wrap-up ends, promise checks): the run is the
router's timer host (:mod:`tierroute.routing._hooks`), so no deadline is polled per
event. The sequence number makes the order total, so a seed gives one result;
router timers take theirs from a range below every engine event's, so at equal
times they fire first, as they did when the router held them and was advanced
before each event. Each entry is handed to the handler its kind indexes in a
dispatch table: the run's own for arrivals, completions, abandonments and router
timers, the :class:`~tierroute.planning.simulation.presence.Presence` machine's for
shifts, breaks and logouts.

Every offer is an accepted assignment (the policy auto-accepts): the engine draws
nothing more, it already holds the contact's handle time, and schedules the
completion. No routing decision is made here. What happens to each contact is
recorded by a :class:`~tierroute.planning.simulation.recorder.ContactLog`.

When the scenario tracks the policy's promises, a
:class:`~tierroute.promises.tracker.PromiseTracker` is attached to the router; the events it
raises ride on the :class:`~tierroute.models.Decisions` of every router call and are
recorded by a :class:`~tierroute.planning.simulation.recorder.PromiseLog` (looked at only
when a call's ``events`` is non-empty). A customer offered a VIP callback accepts it
with the stream's ``callback_acceptance`` probability (a seeded RNG of its own per
stream): the engine calls :meth:`~tierroute.promises.tracker.PromiseTracker.accept_callback`
and drops the contact's abandonment, since the customer now waits off the line.

Hot path rules: plain tuples and lists, no pydantic, no f-strings, no closures
made per event, handlers bound once into the dispatch table. The router is called
through the trusted entry points of
:class:`~tierroute.planning.simulation.port.RouterPort`: the scenario was validated
once, and the event heap only hands it live ids at times in order.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from heapq import heappop, heappush
from itertools import count
from typing import Any, Final

import numpy as np

from tierroute.models import ContactSpec, Decisions, Offer
from tierroute.planning.simulation.arrivals import StreamSource
from tierroute.planning.simulation.plan import CHANNELS, Plan, build_plan
from tierroute.planning.simulation.port import RouterPort
from tierroute.planning.simulation.presence import Presence
from tierroute.planning.simulation.recorder import (
    WAITING,
    ContactLog,
    PromiseLog,
    ReplicationData,
    segments,
)
from tierroute.planning.simulation.scenario import Scenario
from tierroute.promises.model import CallbackOffer
from tierroute.routing._hooks import T_EXT

__all__ = ["run_replication"]

# Event kinds: indices into the run's dispatch table
_ARRIVAL: Final = 0
_COMPLETE: Final = 1
_ABANDON: Final = 2
_SHIFT_ON: Final = 3
_SHIFT_OFF: Final = 4
_BREAK_ON: Final = 5
_BREAK_OFF: Final = 6
_LOGOUT: Final = 7
_TIMER: Final = 8  # a router timer
# Router timers' seqs count up from here, below engine events' (which count up from 0):
# a replication sets far fewer than 2**30 timers, and ints this small add and compare
# on CPython's fast path.
_TIMER_SEQ0: Final = 1 - (1 << 30)
_INF: Final = float("inf")

Event = tuple[Any, ...]
"""A heap entry, ``(time, seq, kind, ...)``, flat so that no event allocates more
than its entry: ``(t, seq, _ARRIVAL, stream)``, ``(t, seq, _ABANDON, contact)``,
``(t, seq, _COMPLETE, offer id, contact, agent, wrap-up)``, ``(t, seq, presence kind,
agent)``, and a router timer ``(at, seq, _TIMER, kind, ver, obj)``, which ends with
``(stamp, obj)`` as the router's own entries do."""
Handler = Callable[[Event], None]
"""An event handler: ``handler(entry)``."""


def _live(timer: Event) -> bool:
    """Whether router timer entry ``timer`` still stands: the router cancels a timer
    by bumping its object's stamp (:mod:`tierroute.routing._hooks`). The hot path
    (:meth:`_Run._fire_due`) inlines this test."""
    return bool(timer[5].stamp == timer[4])


def run_replication(
    scenario: Scenario, seed: np.random.SeedSequence, index: int = 0
) -> ReplicationData:
    """Run one replication of ``scenario`` from ``seed``.

    Pure function of its arguments: the same scenario and seed give bit-for-bit
    the same data in any process.
    """
    clock0 = _time.perf_counter()
    plan = build_plan(scenario)
    data = _Run(plan, seed, index).run()
    data.elapsed = _time.perf_counter() - clock0
    return data


class _Run:
    """One replication: its random streams, its router, its records, the event loop.

    :meth:`run` sets up the agents and the first arrivals, submits the backlog,
    runs the loop (:meth:`_loop`, then :meth:`_drain`) and collects the records.
    ``port`` may be replaced between construction and :meth:`run` (the tests drive
    the checked router methods through it). The run is its router's timer host
    (:meth:`schedule`).
    """

    __slots__ = (
        "abandon_trusted",
        "agent_index",
        "busyness",
        "callback_waiting",
        "complete_trusted",
        "contacts",
        "due_by_horizon",
        "fire_timer",
        "handlers",
        "heap",
        "index",
        "live_streams",
        "plan",
        "port",
        "presence",
        "presence_events",
        "promise_log",
        "rng_account",
        "rng_backlog",
        "rng_callback",
        "seq",
        "sources",
        "stream_ch",
        "stream_skills",
        "stream_wrap",
        "submit_trusted",
        "tier_rt",
        "timers_popped",
        "timers_set",
        "tracked",
    )

    def __init__(self, plan: Plan, seed: np.random.SeedSequence, index: int) -> None:
        self.plan = plan
        self.index = index
        meta = plan.meta
        n_streams = len(plan.streams)
        # children 0 .. 2 + 2n - 1 are the same with or without the promise streams
        s_busy, s_backlog, *rest = seed.spawn(2 + 3 * n_streams + 1)
        s_streams = rest[: 2 * n_streams]
        cv = plan.busyness_cv
        if cv > 0:
            shape = 1.0 / (cv * cv)
            self.busyness = float(np.random.default_rng(s_busy).gamma(shape, 1.0 / shape))
        else:
            self.busyness = 1.0
        self.sources = [
            StreamSource(
                sp,
                np.random.default_rng(s_streams[2 * i]),
                np.random.default_rng(s_streams[2 * i + 1]),
                horizon=meta.horizon,
                busyness=self.busyness,
                offset=plan.base,
            )
            for i, sp in enumerate(plan.streams)
        ]
        self.rng_backlog = np.random.default_rng(s_backlog)
        self.port = RouterPort(plan.policy, plan.promises)
        # with promises: callback acceptance per stream, accounts drawn after the run
        tracked = plan.promises is not None
        self.rng_callback = (
            [np.random.default_rng(x) for x in rest[2 * n_streams : -1]] if tracked else []
        )
        self.rng_account = np.random.default_rng(rest[-1]) if tracked else None

    def run(self) -> ReplicationData:
        """Play the day; returns what it produced."""
        self._start()
        n_backlog = self._backlog()
        seq = self.seq
        for si, src in enumerate(self.sources):
            if not src.done:
                heappush(self.heap, (src.times[0], seq(), _ARRIVAL, si))
                self.live_streams += 1
        end = self._loop()
        # every engine event pushed took one seq; those not on the heap were processed
        events = seq() - (len(self.heap) - (self.timers_set - self.timers_popped))
        return self._collect(end, events, n_backlog)

    def _start(self) -> None:
        """Bind the router's doors, build the state and the dispatch table, and put
        every agent's presence events on the heap (agents start logged out)."""
        plan = self.plan
        port = self.port
        self.submit_trusted = port.submit_trusted
        self.complete_trusted = port.complete_trusted
        self.abandon_trusted = port.abandon_trusted
        self.tracked = port.tracker is not None
        self.heap: list[Event] = []
        self.seq = count().__next__
        self.timers_set = 0  # router timers put on the heap
        self.timers_popped = 0  # and taken off it
        self.due_by_horizon = 0  # see _drain
        self.fire_timer = port.fire_timer
        port.set_timer_host(self)
        self.contacts = ContactLog()
        self.promise_log = PromiseLog(self._take_callback)
        self.callback_waiting: set[int] = set()  # customers who no longer abandon
        self.live_streams = 0
        presence = self.presence = Presence(
            plan.agents, port.set_state, self._decided, self._logout_at
        )
        self.handlers: list[Handler] = [
            self._arrival,
            self._complete,
            self._abandon,
            self._presence,
            self._presence,
            self._presence,
            self._presence,
            self._presence,
            self._fire_due,
        ]
        # by kind - _SHIFT_ON
        self.presence_events = (
            presence.shift_on,
            presence.shift_off,
            presence.break_on,
            presence.break_off,
            presence.logout,
        )
        self.agent_index = {a.spec.agent_id: i for i, a in enumerate(plan.agents)}
        self.stream_ch = [sp.channel for sp in plan.streams]
        self.stream_skills = [port.skills(sp.skills, "stream skills") for sp in plan.streams]
        self.stream_wrap = [plan.meta.wrap[sp.channel] for sp in plan.streams]
        self.tier_rt = [port.tier(name) for name in plan.meta.tiers]
        heap = self.heap
        seq = self.seq
        for i, ap in enumerate(plan.agents):
            port.add_agent(ap.spec, now=0.0)
            for on, off in ap.windows:
                heappush(heap, (on, seq(), _SHIFT_ON, i))
                if off is not None:
                    heappush(heap, (off, seq(), _SHIFT_OFF, i))
            for b_on, b_off in ap.breaks:
                heappush(heap, (b_on, seq(), _BREAK_ON, i))
                heappush(heap, (b_off, seq(), _BREAK_OFF, i))

    def _backlog(self) -> int:
        """Submit the contacts waiting at the day's start (no abandonment); returns
        how many."""
        plan = self.plan
        t0 = plan.base
        contacts = self.contacts
        tier_names = plan.meta.tiers
        for si, n, age in plan.backlog:
            if n == 0:
                continue
            sp = self.sources[si].plan
            rng = self.rng_backlog
            u = np.sort(rng.uniform(-age, 0.0, n)) if age > 0 else np.zeros(n)
            tiers, sevs, langs, values, sens, handles, _, concs = sp.attributes(rng, u)
            for k in range(n):
                arrived = t0 + float(u[k])
                ci = contacts.arrive(si, tiers[k], sevs[k], langs[k], arrived, handles[k])
                spec = ContactSpec(
                    str(ci),
                    CHANNELS[sp.channel].value,
                    tier_names[tiers[k]],
                    values[k],
                    sevs[k],
                    sp.skills,
                    langs[k],
                    sens[k],
                    concs[k],
                    arrived,
                )
                self._decided(self.port.submit(spec, now=t0))
        return len(contacts)

    def _loop(self) -> float:
        """Process the heap until the day is over; returns its end.

        While a stream has arrivals left, one of them is on the heap, due before the
        horizon (so before the stop), and a contact can still come: the day cannot
        end, and each entry goes straight to its handler. The rest of the day is
        :meth:`_drain`'s.
        """
        heap = self.heap
        handlers = self.handlers
        e: Event = (0.0,)
        after_event = self.live_streams > 0  # the last entry popped is the last arrival
        while self.live_streams:
            e = heappop(heap)
            handlers[e[2]](e)
        return self._drain(e[0], after_event)

    def _drain(self, t: float, after_event: bool) -> float:
        """Process the heap once no stream has arrivals left; returns the day's end.

        The day ends at the first of:

        - after an engine event, no contact is in the system and no engine event is
          due by the horizon (the day ends when the last contact has left, not
          before the horizon);
        - no engine event is left, nor a router timer due by the stop but promise
          timers (escalations repeat while a contact waits; nothing can be offered
          any more, so contacts still waiting stay in the records as not answered);
        - what is left is due after the stop: the run is cut there.

        ``t`` is the time of the last engine event and ``after_event`` whether there
        was one; router timers do not move the day's end. Once no contact is in the
        system it stays so, and the only engine events still pushed are logouts
        (contacts bring every other kind), which :meth:`_logout_at` counts into
        :attr:`due_by_horizon`: counted once here, it is exact from then on.
        """
        heap = self.heap
        handlers = self.handlers
        contacts = self.contacts
        stop_at = self.plan.stop_at
        horizon = self.plan.horizon
        counting = False  # due_by_horizon is exact
        while True:
            if after_event and not contacts.in_system():
                if not counting:
                    counting = True
                    self.due_by_horizon = sum(1 for e in heap if e[2] != _TIMER and e[0] <= horizon)
                if not self.due_by_horizon:
                    return max(t, horizon)
            if not heap:
                return max(t, horizon)
            e = heap[0]
            at = e[0]
            kind = e[2]
            if kind == _TIMER:
                # A cancelled timer at the head decides nothing here: what follows it
                # is due no earlier, and the day's end comes out the same.
                if at > stop_at:
                    return stop_at if self._engine_events_left() else max(t, horizon)
                if (
                    e[3] == T_EXT
                    and not self._engine_events_left()
                    and not self._routing_timers_left()
                ):
                    return max(t, horizon)
            elif at > stop_at:
                return stop_at
            else:
                t = at
                if counting and at <= horizon:
                    self.due_by_horizon -= 1
            heappop(heap)
            handlers[kind](e)
            after_event = kind != _TIMER

    def _engine_events_left(self) -> bool:
        """Whether an engine event (not a router timer) is on the heap."""
        return len(self.heap) > self.timers_set - self.timers_popped

    def _routing_timers_left(self) -> bool:
        """Whether a live router timer that can make offers (a relaxation, expiry or
        wrap-up end, not a promise timer) is on the heap. O(heap); end of day only."""
        return any(e[2] == _TIMER and e[3] != T_EXT and _live(e) for e in self.heap)

    # ------------------------------------------------------------------ router timers

    def schedule(self, at: float, kind: int, obj: Any, ver: int, /) -> None:
        """Keep router timer ``(at, kind, obj, ver)`` on the event heap (the run is
        the router's :class:`~tierroute.routing._hooks.TimerHost`). Its seq is below
        every engine event's: at equal times it fires first, in the order set."""
        n = self.timers_set = self.timers_set + 1
        heappush(self.heap, (at, _TIMER_SEQ0 + n, _TIMER, kind, ver, obj))

    def _fire_due(self, timer: Event) -> None:
        """Fire router timer entry ``timer`` and every other one due by its time, as
        one decision, as the router's own ``advance(at)`` would (stale timers do
        nothing)."""
        if timer[5].stamp != timer[4]:  # cancelled: most are steps of contacts answered since
            self.timers_popped += 1
            return  # a live timer due at the same time is next, and fires those after it
        at, _, _, kind, ver, obj = timer
        heap = self.heap
        fire = self.fire_timer
        out = Decisions()
        fire(at, kind, obj, ver, out)
        n = 1
        while heap:
            top = heap[0]
            if top[2] != _TIMER or top[0] > at:
                break
            heappop(heap)
            n += 1
            fire(top[0], top[3], top[5], top[4], out)
        self.timers_popped += n
        if out:  # as _decided does, inline: one call fewer per timer
            self._take(out)
        if self.tracked and out.events:
            self.promise_log.note(out.events)

    # ------------------------------------------------------------------ handlers
    # A callable kept in a slot (the router's doors, ``seq``) is loaded into a local
    # before it is called: ``self.f(...)`` compiles to a method lookup, which CPython
    # 3.11 cannot specialize for an attribute that is not a method, so it would walk
    # the type on every call.

    def _arrival(self, e: Event) -> None:
        """A contact of stream ``e[3]`` arrives: submit it, wait for its patience."""
        t = e[0]
        si = e[3]
        src = self.sources[si]
        i = src.pos
        tier = src.tier[i]
        sev = src.sev[i]
        lang = src.lang[i]
        contacts = self.contacts
        ci = contacts.arrive(si, tier, sev, lang, t, src.handle[i])
        submit = self.submit_trusted
        offers = submit(
            str(ci),
            self.stream_ch[si],
            self.tier_rt[tier],
            src.value[i],
            sev,
            self.stream_skills[si],
            lang,
            src.min_sen[i],
            src.concierge[i],
            t,
        )
        # as _decided does, inline: one call fewer per arrival
        if offers:
            self._take(offers)
        if self.tracked and offers.events:
            self.promise_log.note(offers.events)
        seq = self.seq
        if contacts.outcome[ci] == WAITING:  # answered at once needs no abandonment event
            patience = src.patience[i]
            if patience != _INF:
                heappush(self.heap, (t + patience, seq(), _ABANDON, ci))
        if src.advance():
            heappush(self.heap, (src.times[src.pos], seq(), _ARRIVAL, si))
        else:
            self.live_streams -= 1

    def _complete(self, e: Event) -> None:
        """A service ends: its agent wraps up, then has the capacity back."""
        t, _, _, oid, ci, a, wrap = e
        complete = self.complete_trusted
        offers = complete(oid, t)
        self.contacts.leave(ci, t)
        if offers:  # as _decided does, inline: one call fewer per completion
            self._take(offers)
        if self.tracked and offers.events:
            self.promise_log.note(offers.events)
        self.presence.release(a, t + wrap)

    def _abandon(self, e: Event) -> None:
        """A contact's patience ran out: it hangs up if still waiting on the line."""
        t = e[0]
        ci = e[3]
        contacts = self.contacts
        # a customer waiting for a callback is off the line: no abandonment
        if contacts.outcome[ci] == WAITING and ci not in self.callback_waiting:
            abandon = self.abandon_trusted
            offers = abandon(str(ci), t)
            contacts.abandon(ci, t)
            self._decided(offers)

    def _presence(self, e: Event) -> None:
        """A shift, break or logout event of an agent: the presence machine's."""
        self.presence_events[e[2] - _SHIFT_ON](e[0], e[3])

    def _logout_at(self, t: float, a: int) -> None:
        """Schedule agent ``a``'s logout check at ``t`` (after its wrap-up)."""
        seq = self.seq
        heappush(self.heap, (t, seq(), _LOGOUT, a))
        if t <= self.plan.horizon:
            self.due_by_horizon += 1  # exact only once counted (see _drain)

    # ------------------------------------------------------------------ decisions

    def _decided(self, offers: Decisions) -> None:
        """Act on what a router call decided: every offer is an accepted assignment
        (record it, schedule its completion); record promise events."""
        if offers:
            self._take(offers)
        if self.tracked and offers.events:
            self.promise_log.note(offers.events)

    def _take(self, offers: list[Offer]) -> None:
        """Answer each offered contact and schedule the end of its service."""
        contacts = self.contacts
        agent_index = self.agent_index
        active = self.presence.active
        stream_wrap = self.stream_wrap
        heap = self.heap
        seq = self.seq
        for o in offers:
            ci = int(o.contact_id)
            a = agent_index[o.agent_id]
            ta = o.offered_at
            handle = contacts.answer(ci, ta, a, o.step)
            active[a] += 1
            wrap = stream_wrap[contacts.stream[ci]]
            heappush(heap, (ta + handle, seq(), _COMPLETE, o.offer_id, ci, a, wrap))

    def _take_callback(self, ci: int, e: CallbackOffer) -> bool:
        """Whether contact ``ci``'s customer accepts the callback offer ``e`` (then
        the tracker is told, and the customer no longer abandons)."""
        si = self.contacts.stream[ci]
        share = self.plan.callback_acceptance[si]
        accept_callback = self.port.accept_callback
        if (
            accept_callback is not None
            and self.contacts.outcome[ci] == WAITING  # not offered to an agent in the same call
            and share > 0.0
            and (share >= 1.0 or self.rng_callback[si].random() < share)
        ):
            accept_callback(e.contact_id, now=self.port.router.now)
            self.callback_waiting.add(ci)
            return True
        return False

    # ------------------------------------------------------------------ results

    def _collect(self, end: float, events: int, n_backlog: int) -> ReplicationData:
        """The run's records as numpy columns on the scenario's clock."""
        plan = self.plan
        shift = plan.meta.start - plan.base
        presence = self.presence
        presence.close(end)
        columns = self.contacts.columns(plan, n_backlog, presence.group)
        data = ReplicationData(
            index=self.index,
            busyness=self.busyness,
            end=end + shift,
            columns=columns,
            login=segments(presence.seg_login, shift),
            breaks=segments(presence.seg_break, shift),
            agent_ids=tuple(presence.ids),
            stats=self.port.stats(),
            events=events,
        )
        tracker = self.port.tracker
        if tracker is not None:
            assert self.rng_account is not None
            self.promise_log.close(tracker)
            data.promises = self.promise_log.data(plan, columns["tier"], self.rng_account)
        return data
