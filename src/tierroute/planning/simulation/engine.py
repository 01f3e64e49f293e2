"""The discrete-event engine: one replication of a scenario, driving the real router.

One event heap of ``(time, seq, kind, payload)`` tuples holds arrivals (one pending
per stream), abandonments, service completions and agent presence changes; the
sequence number makes the order total, so a seed gives one result. Each event is
handed to the handler its kind indexes in a dispatch table: the run's own for
arrivals, completions and abandonments, the
:class:`~tierroute.planning.simulation.presence.Presence` machine's for shifts,
breaks and logouts. Before an event at time ``t`` is processed, the router's own
timers due by ``t`` (relaxation steps, wrap-up ends) are fired with
``advance(deadline)``.

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
through the trusted entry points of :class:`RouterPort`: the scenario was validated
once, and the event heap only hands it live ids at times in order.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Sequence
from heapq import heappop, heappush
from itertools import count
from typing import Any, Final

import numpy as np

from tierroute.models import ContactSpec, Decisions, Offer
from tierroute.planning.simulation.arrivals import StreamSource
from tierroute.planning.simulation.plan import CHANNELS, Plan, build_plan
from tierroute.planning.simulation.presence import Presence
from tierroute.planning.simulation.recorder import (
    WAITING,
    ContactLog,
    PromiseLog,
    ReplicationData,
    segments,
)
from tierroute.planning.simulation.scenario import Scenario
from tierroute.policy.model import Policy
from tierroute.promises.model import CallbackOffer, EscalationEvent, PromiseEvent, PromisePolicy
from tierroute.promises.tracker import PromiseTracker
from tierroute.routing.router import Router

__all__ = ["RouterPort", "run_replication"]

# Event kinds: indices into the run's dispatch table
_ARRIVAL: Final = 0
_COMPLETE: Final = 1
_ABANDON: Final = 2
_SHIFT_ON: Final = 3
_SHIFT_OFF: Final = 4
_BREAK_ON: Final = 5
_BREAK_OFF: Final = 6
_LOGOUT: Final = 7
_INF: Final = float("inf")

Event = tuple[float, int, int, Any]
"""``(time, seq, kind, payload)``; the payload's type depends on the kind (a stream,
contact or agent number, or a completion's ``(offer id, contact, agent, wrap-up)``),
so it is ``Any`` here and typed in each handler."""
Handler = Callable[[float, Any], None]
"""An event handler: ``handler(time, payload)``."""


class RouterPort:
    """The only door between the engine and :class:`~tierroute.Router`.

    Each attribute is a plain callable the engine binds to a local once, so a
    faster router entry point can be swapped in here without touching the loop.
    The ``*_trusted`` ones skip the checks of the public methods they mirror and
    make the same state changes and decisions; they take positional arguments the
    engine guarantees valid: ``now`` a float never before the router's time, and
    ids that are still valid once the router's timers due by ``now`` fired (the
    engine fires them first, so none are due).
    """

    __slots__ = (
        "abandon",
        "abandon_trusted",
        "accept_callback",
        "add_agent",
        "advance",
        "advance_trusted",
        "complete",
        "complete_trusted",
        "next_deadline",
        "router",
        "set_state",
        "stats",
        "submit",
        "submit_trusted",
        "tiers",
        "tracker",
    )

    def __init__(self, policy: Policy, promises: PromisePolicy | None = None) -> None:
        router = Router(policy, start=0.0)
        self.router = router
        # with promises, a tracker rides along; its events come back on Decisions
        self.tracker = None if promises is None else PromiseTracker(router, promises)
        self.accept_callback: Callable[..., None] | None = (
            None if self.tracker is None else self.tracker.accept_callback
        )
        self.add_agent = router.add_agent
        self.submit = router.submit
        # Arrivals come from a validated scenario: the router's trusted entry point
        # skips the per-call checks and makes the same decisions.
        self.submit_trusted = router._submit_trusted
        self.tiers = router._c.tier_by_name
        self.complete = router.complete
        self.abandon = router.abandon
        self.advance = router.advance
        # Completions, abandonments and timer advances come from the engine's own
        # event heap, in time order, each for a live assignment or waiting contact.
        self.complete_trusted = router._complete_trusted
        self.abandon_trusted = router._abandon_trusted
        self.advance_trusted = router._advance_trusted
        self.next_deadline = router.next_deadline
        self.set_state = router.set_agent_state
        self.stats = router.stats


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
    runs the loop (:meth:`_loop`) and collects the records. ``port`` may be
    replaced between construction and :meth:`run` (the tests drive the checked
    router methods through it).
    """

    __slots__ = (
        "abandon_trusted",
        "agent_index",
        "busyness",
        "callback_waiting",
        "complete_trusted",
        "contacts",
        "handlers",
        "heap",
        "index",
        "live_streams",
        "plan",
        "port",
        "presence",
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
        for si, src in enumerate(self.sources):
            if not src.done:
                heappush(self.heap, (src.times[0], self.seq(), _ARRIVAL, si))
                self.live_streams += 1
        end, events = self._loop()
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
        self.contacts = ContactLog()
        self.promise_log = PromiseLog()
        self.callback_waiting: set[int] = set()  # customers who no longer abandon
        self.live_streams = 0
        presence = self.presence = Presence(
            plan.agents, port.set_state, self._decided, self._logout_at
        )
        self.handlers: list[Handler] = [
            self._arrival,
            self._complete,
            self._abandon,
            presence.shift_on,
            presence.shift_off,
            presence.break_on,
            presence.break_off,
            presence.logout,
        ]
        self.agent_index = {a.spec.agent_id: i for i, a in enumerate(plan.agents)}
        self.stream_ch = [sp.channel for sp in plan.streams]
        self.stream_skills = [
            tuple(sorted(port.router._check_skills(sp.skills, "stream skills").items()))
            for sp in plan.streams
        ]
        self.stream_wrap = [plan.meta.wrap[sp.channel] for sp in plan.streams]
        self.tier_rt = [port.tiers[name] for name in plan.meta.tiers]
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

    def _loop(self) -> tuple[float, int]:
        """Process events until the day is over; returns its end and the events
        processed."""
        plan = self.plan
        port = self.port
        heap = self.heap
        handlers = self.handlers
        contacts = self.contacts
        next_deadline = port.next_deadline
        advance = port.advance_trusted
        take = self._take
        tracked = self.tracked
        stop_at = plan.stop_at
        horizon = plan.horizon
        t = 0.0
        events = 0
        while True:
            # the router's own timers first: relaxation steps, wrap-up ends
            nxt = heap[0][0] if heap else _INF
            d = next_deadline()
            if d is not None and d <= nxt and d <= stop_at:
                if not heap and not port.router._routing_timers_pending():
                    # Only promise timers are left (escalations repeat until a contact
                    # is resolved): nothing can be offered any more, the day is over;
                    # contacts still waiting stay in the records as not answered.
                    break
                offers = advance(d)
                if offers:  # as _decided does, inline: one call fewer per timer
                    take(offers)
                if tracked and offers.events:
                    self._note(offers.events)
                continue
            if not heap:
                break
            if nxt > stop_at:
                return stop_at, events
            t, _, kind, payload = heappop(heap)
            events += 1
            handlers[kind](t, payload)
            if (
                not self.live_streams
                and not contacts.in_system()
                and (not heap or heap[0][0] > horizon)
            ):
                break  # the day ends when the last contact has left (not before the horizon)
        return max(t, horizon), events

    # ------------------------------------------------------------------ handlers

    def _arrival(self, t: float, si: int) -> None:
        """A contact of stream ``si`` arrives: submit it, wait for its patience."""
        src = self.sources[si]
        i = src.pos
        tier = src.tier[i]
        sev = src.sev[i]
        lang = src.lang[i]
        contacts = self.contacts
        ci = contacts.arrive(si, tier, sev, lang, t, src.handle[i])
        offers = self.submit_trusted(
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
            self._note(offers.events)
        if contacts.outcome[ci] == WAITING:  # answered at once needs no abandonment event
            patience = src.patience[i]
            if patience != _INF:
                heappush(self.heap, (t + patience, self.seq(), _ABANDON, ci))
        if src.advance():
            heappush(self.heap, (src.times[src.pos], self.seq(), _ARRIVAL, si))
        else:
            self.live_streams -= 1

    def _complete(self, t: float, payload: tuple[str, int, int, float]) -> None:
        """A service ends: its agent wraps up, then has the capacity back."""
        oid, ci, a, wrap = payload
        offers = self.complete_trusted(oid, t)
        self.contacts.leave(ci, t)
        if offers:  # as _decided does, inline: one call fewer per completion
            self._take(offers)
        if self.tracked and offers.events:
            self._note(offers.events)
        self.presence.release(a, t + wrap)

    def _abandon(self, t: float, ci: int) -> None:
        """Contact ``ci``'s patience ran out: it hangs up if still waiting on the line."""
        contacts = self.contacts
        # a customer waiting for a callback is off the line: no abandonment
        if contacts.outcome[ci] == WAITING and ci not in self.callback_waiting:
            offers = self.abandon_trusted(str(ci), t)
            contacts.abandon(ci, t)
            self._decided(offers)

    def _logout_at(self, t: float, a: int) -> None:
        """Schedule agent ``a``'s logout check at ``t`` (after its wrap-up)."""
        heappush(self.heap, (t, self.seq(), _LOGOUT, a))

    # ------------------------------------------------------------------ decisions

    def _decided(self, offers: Decisions) -> None:
        """Act on what a router call decided: every offer is an accepted assignment
        (record it, schedule its completion); record promise events."""
        if offers:
            self._take(offers)
        if self.tracked and offers.events:
            self._note(offers.events)

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
            done = (o.offer_id, ci, a, stream_wrap[contacts.stream[ci]])
            heappush(heap, (ta + handle, seq(), _COMPLETE, done))

    def _note(self, events: Sequence[Any]) -> None:
        """Record a call's promise events; customers offered a callback take it with
        their stream's acceptance probability."""
        log = self.promise_log
        for e in events:
            cls = type(e)
            if cls is PromiseEvent:
                log.promise(e)
            elif cls is EscalationEvent:
                log.escalation(e)
            elif cls is CallbackOffer:
                ci = int(e.contact_id)
                log.offer(ci, e, self._take_callback(ci, e))

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
