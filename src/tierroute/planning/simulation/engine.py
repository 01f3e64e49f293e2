"""The discrete-event engine: one replication of a scenario, driving the real router.

One event heap of ``(time, seq, kind, payload)`` tuples holds arrivals (one pending
per stream), abandonments, service completions and agent presence changes. Before
an event at time ``t`` is processed, the router's own timers due by ``t``
(relaxation steps, wrap-up ends) are fired with ``advance(deadline)`` and the
offers they produce are taken. Every offer is an accepted assignment (the policy
auto-accepts): the engine draws nothing more, it already holds the contact's
handle time, and schedules the completion. No routing decision is made here.

When the scenario tracks the policy's promises, a
:class:`~tierroute.promises.tracker.PromiseTracker` is attached to the router; the events it
raises ride on the :class:`~tierroute.models.Decisions` of every router call and are
appended to event columns (looked at only when a call's ``events`` is non-empty).
A customer offered a VIP callback accepts it with the stream's
``callback_acceptance`` probability (a seeded RNG of its own per stream): the
engine calls :meth:`~tierroute.promises.tracker.PromiseTracker.accept_callback` and drops
the contact's abandonment, since the customer now waits off the line.

Hot path rules: plain tuples and lists, no pydantic, no f-strings, no closures
made per event; per-contact facts are appended to columns that
:mod:`~tierroute.planning.simulation.metrics` aggregates with numpy at the end. The router
is called through the trusted entry points of :class:`RouterPort`: the scenario
was validated once, and the event heap only hands it live ids at times in order.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from heapq import heappop, heappush
from itertools import count
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tierroute.models import ContactSpec, Offer
from tierroute.planning.simulation.arrivals import StreamSource
from tierroute.planning.simulation.plan import (
    CHANNELS,
    PROMISE_KINDS,
    PROMISE_OUTCOMES,
    Plan,
    build_plan,
)
from tierroute.planning.simulation.scenario import Scenario
from tierroute.policy.model import Policy
from tierroute.promises.model import CallbackOffer, EscalationEvent, PromiseEvent, PromisePolicy
from tierroute.promises.tracker import PromiseTracker
from tierroute.routing.router import Router

__all__ = ["PromiseData", "ReplicationData", "RouterPort", "run_replication"]

# Event kinds
_ARRIVAL, _COMPLETE, _ABANDON, _SHIFT_ON, _SHIFT_OFF, _BREAK_ON, _BREAK_OFF, _LOGOUT = range(8)
# Contact outcomes
WAITING, ANSWERED, ABANDONED = 0, 1, 2
_INF = float("inf")


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


@dataclass
class PromiseData:
    """The promise events of one replication, as columns (clock times).

    Attributes:
        promises: One row per promise: ``contact``, ``kind`` (code into
            :data:`~tierroute.planning.simulation.plan.PROMISE_KINDS`), ``outcome`` (code into
            :data:`~tierroute.planning.simulation.plan.PROMISE_OUTCOMES`; ``open`` when the
            run stopped before it was decided), ``due``, ``at`` (NaN when open).
        escalations: One row per escalation event: ``contact``, ``step`` (code into
            :attr:`steps`), ``at`` (the due time of a post-incident report).
        steps: Step names of the escalation codes.
        offers: One row per VIP-callback offer: ``contact``, ``at``, ``expected``
            (the estimated wait that triggered it, NaN when the actual wait did),
            ``accepted`` (bool).
        account: Account number of each contact within its tier (-1: its own).
    """

    promises: dict[str, NDArray[Any]]
    escalations: dict[str, NDArray[Any]]
    steps: tuple[str, ...]
    offers: dict[str, NDArray[Any]]
    account: NDArray[np.int64]


@dataclass
class ReplicationData:
    """What one replication produced: per-contact columns and agent presence.

    Times are clock times (seconds since midnight of the scenario's day). Codes
    index the :class:`~tierroute.planning.simulation.plan.Meta` tables.

    Attributes:
        index: Replication number.
        busyness: The day's busyness factor.
        end: When the day ended (the last contact left, or the stop time).
        columns: ``stream, tier, channel, severity, language, step, group, agent,
            outcome`` (ints), ``arrived, answered, left, handle`` (floats, NaN when
            not reached), ``backlog`` (bool).
        login: Presence segments ``(group, start, end)`` as three arrays.
        breaks: Break segments taken while logged in, same form.
        agent_ids: Agent id by agent code.
        stats: The router's final :meth:`~tierroute.Router.stats`.
        events: Engine events processed.
        elapsed: Wall time in seconds (not part of the results).
        promises: The promise events, when promises are tracked.
    """

    index: int
    busyness: float
    end: float
    columns: dict[str, NDArray[Any]]
    login: tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]
    breaks: tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]
    agent_ids: tuple[str, ...]
    stats: dict[str, int] = field(default_factory=dict)
    events: int = 0
    elapsed: float = 0.0
    promises: PromiseData | None = None


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
    """One replication's state; :meth:`run` is the event loop."""

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
        plan = self.plan
        meta = plan.meta
        port = self.port
        agents = plan.agents
        n_agents = len(agents)
        agent_index = {a.spec.agent_id: i for i, a in enumerate(agents)}
        agent_group = [a.group for a in agents]
        wrap = meta.wrap
        ch_names = [c.value for c in CHANNELS]
        tier_names = meta.tiers
        lang_code = {lang: i for i, lang in enumerate(meta.languages)}
        step_code = {s: i for i, s in enumerate(meta.steps)}

        heap: list[tuple[float, int, int, Any]] = []
        seq = count().__next__

        # agents: registered logged out; presence windows and breaks are events
        for i, ap in enumerate(agents):
            port.add_agent(ap.spec, now=0.0)
            for on, off in ap.windows:
                heappush(heap, (on, seq(), _SHIFT_ON, i))
                if off is not None:
                    heappush(heap, (off, seq(), _SHIFT_OFF, i))
            for b_on, b_off in ap.breaks:
                heappush(heap, (b_on, seq(), _BREAK_ON, i))
                heappush(heap, (b_off, seq(), _BREAK_OFF, i))
        on_shift = [False] * n_agents
        on_break = [False] * n_agents
        logged = [False] * n_agents
        presence = [0] * n_agents  # 0 logged out, 1 ready, 2 not ready
        active = [0] * n_agents
        wrap_until = [0.0] * n_agents
        login_at = [0.0] * n_agents
        break_at = [0.0] * n_agents
        seg_login: list[tuple[int, float, float]] = []
        seg_break: list[tuple[int, float, float]] = []

        # per-contact columns, indexed by contact number (= int(contact_id))
        c_stream: list[int] = []
        c_tier: list[int] = []
        c_sev: list[int] = []
        c_lang: list[str | None] = []
        c_arr: list[float] = []
        c_handle: list[float] = []
        c_out: list[int] = []
        c_ans: list[float] = []
        c_left: list[float] = []
        c_agent: list[int] = []
        c_step: list[str] = []
        nan = float("nan")

        submit = port.submit
        complete = port.complete_trusted
        abandon = port.abandon_trusted
        advance = port.advance_trusted
        next_deadline = port.next_deadline
        set_state = port.set_state

        # promise events (only with a tracker): columns, and customers waiting for a
        # callback, who no longer abandon
        tracked = port.tracker is not None
        p_ci: list[int] = []
        p_kind: list[int] = []
        p_out: list[int] = []
        p_due: list[float] = []
        p_at: list[float] = []
        e_ci: list[int] = []
        e_step: list[int] = []
        e_at: list[float] = []
        o_ci: list[int] = []
        o_at: list[float] = []
        o_exp: list[float] = []
        o_acc: list[bool] = []
        cb_wait: set[int] = set()
        kind_code = {k: i for i, k in enumerate(PROMISE_KINDS)}
        out_code = {k: i for i, k in enumerate(PROMISE_OUTCOMES)}
        esc_code: dict[str, int] = {}
        accept_share = plan.callback_acceptance
        rng_callback = self.rng_callback
        accept_callback = port.accept_callback
        router = port.router

        def note(events: Sequence[Any]) -> None:
            """Record a call's promise events; customers offered a callback take it
            with their stream's acceptance probability."""
            for e in events:
                cls = type(e)
                if cls is PromiseEvent:
                    p_ci.append(int(e.contact_id))
                    p_kind.append(kind_code[e.promise])
                    p_out.append(out_code[e.outcome])
                    p_due.append(e.due)
                    p_at.append(e.at)
                elif cls is EscalationEvent:
                    code = esc_code.get(e.step)
                    if code is None:
                        code = esc_code[e.step] = len(esc_code)
                    e_ci.append(int(e.contact_id))
                    e_step.append(code)
                    e_at.append(e.at)
                elif cls is CallbackOffer:
                    ci = int(e.contact_id)
                    si = c_stream[ci]
                    share = accept_share[si]
                    took = False
                    if (
                        accept_callback is not None
                        and c_out[ci] == WAITING  # not offered to an agent in the same call
                        and share > 0.0
                        and (share >= 1.0 or rng_callback[si].random() < share)
                    ):
                        accept_callback(e.contact_id, now=router.now)
                        cb_wait.add(ci)
                        took = True
                    o_ci.append(ci)
                    o_at.append(e.at)
                    o_exp.append(nan if e.expected_wait is None else e.expected_wait)
                    o_acc.append(took)

        def take(offers: list[Offer]) -> None:
            """Every offer is an accepted assignment: schedule its completion."""
            for o in offers:
                ci = int(o.contact_id)
                a = agent_index[o.agent_id]
                ta = o.offered_at
                c_out[ci] = ANSWERED
                c_ans[ci] = ta
                c_agent[ci] = a
                c_step[ci] = o.step
                active[a] += 1
                heappush(heap, (ta + c_handle[ci], seq(), _COMPLETE, (o.offer_id, ci, a)))

        def sync(a: int, t: float) -> None:
            """Bring agent ``a``'s presence in line with its shift and break."""
            if on_shift[a]:
                want = 2 if on_break[a] else 1
            elif active[a] or (logged[a] and wrap_until[a] > t):
                want = 2
            else:
                want = 0
            if want == presence[a]:
                return
            aid = agents[a].spec.agent_id
            g = agent_group[a]
            if want == 0:
                if on_break[a]:
                    seg_break.append((g, break_at[a], t))
                seg_login.append((g, login_at[a], t))
                logged[a] = False
                offers = set_state(aid, "logged_out", now=t)
            else:
                if not logged[a]:
                    logged[a] = True
                    login_at[a] = t
                    if on_break[a]:
                        break_at[a] = t
                offers = set_state(aid, "ready" if want == 1 else "not_ready", now=t)
            presence[a] = want
            if offers:
                take(offers)
            if tracked and offers.events:
                note(offers.events)

        # initial backlog: waiting at the day's start, no abandonment
        t0 = plan.base
        for si, n, age in plan.backlog:
            if n == 0:
                continue
            src = self.sources[si]
            u = np.sort(self.rng_backlog.uniform(-age, 0.0, n)) if age > 0 else np.zeros(n)
            tiers, sevs, langs, values, sens, handles, _, concs = src.plan.attributes(
                self.rng_backlog, u
            )
            sp = src.plan
            for k in range(n):
                ci = len(c_arr)
                arrived = t0 + float(u[k])
                c_stream.append(si)
                c_tier.append(tiers[k])
                c_sev.append(sevs[k])
                c_lang.append(langs[k])
                c_arr.append(arrived)
                c_handle.append(handles[k])
                c_out.append(WAITING)
                c_ans.append(nan)
                c_left.append(nan)
                c_agent.append(-1)
                c_step.append("")
                spec = ContactSpec(
                    str(ci),
                    ch_names[sp.channel],
                    tier_names[tiers[k]],
                    values[k],
                    sevs[k],
                    sp.skills,
                    langs[k],
                    sens[k],
                    concs[k],
                    arrived,
                )
                offers = submit(spec, now=t0)
                take(offers)
                if tracked and offers.events:
                    note(offers.events)
        n_backlog = len(c_arr)
        in_system = n_backlog

        live_streams = 0
        for si, src in enumerate(self.sources):
            if not src.done:
                heappush(heap, (src.times[0], seq(), _ARRIVAL, si))
                live_streams += 1
        stream_ch = [sp.channel for sp in plan.streams]
        stream_skills = [
            tuple(sorted(port.router._check_skills(sp.skills, "stream skills").items()))
            for sp in plan.streams
        ]
        tier_rt = [port.tiers[name] for name in tier_names]
        submit_trusted = port.submit_trusted
        stream_wrap = [wrap[sp.channel] for sp in plan.streams]
        sources = self.sources
        stop_at = plan.stop_at
        horizon = plan.horizon
        t = 0.0
        events = 0
        stopped = False

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
                if offers:
                    take(offers)
                if tracked and offers.events:
                    note(offers.events)
                continue
            if not heap:
                break
            if nxt > stop_at:
                stopped = True
                break
            t, _, kind, payload = heappop(heap)
            events += 1
            if kind == _ARRIVAL:
                src = sources[payload]
                i = src.pos
                ci = len(c_arr)
                tier = src.tier[i]
                sev = src.sev[i]
                lang = src.lang[i]
                c_stream.append(payload)
                c_tier.append(tier)
                c_sev.append(sev)
                c_lang.append(lang)
                c_arr.append(t)
                c_handle.append(src.handle[i])
                c_out.append(WAITING)
                c_ans.append(nan)
                c_left.append(nan)
                c_agent.append(-1)
                c_step.append("")
                in_system += 1
                offers = submit_trusted(
                    str(ci),
                    stream_ch[payload],
                    tier_rt[tier],
                    src.value[i],
                    sev,
                    stream_skills[payload],
                    lang,
                    src.min_sen[i],
                    src.concierge[i],
                    t,
                )
                if offers:
                    take(offers)
                if tracked and offers.events:
                    note(offers.events)
                if c_out[ci] == WAITING:  # answered at once needs no abandonment event
                    patience = src.patience[i]
                    if patience != _INF:
                        heappush(heap, (t + patience, seq(), _ABANDON, ci))
                if src.advance():
                    heappush(heap, (src.times[src.pos], seq(), _ARRIVAL, payload))
                else:
                    live_streams -= 1
            elif kind == _COMPLETE:
                oid, ci, a = payload
                offers = complete(oid, t)
                c_left[ci] = t
                in_system -= 1
                active[a] -= 1
                if offers:
                    take(offers)
                if tracked and offers.events:
                    note(offers.events)
                end = t + stream_wrap[c_stream[ci]]
                if end > wrap_until[a]:  # noqa: PLR1730 - a compare is cheaper than max()
                    wrap_until[a] = end
                if not on_shift[a] and not active[a]:
                    # finishing after the shift: log out once the wrap-up is done
                    heappush(heap, (wrap_until[a], seq(), _LOGOUT, a))
            elif kind == _ABANDON:
                # a customer waiting for a callback is off the line: no abandonment
                if c_out[payload] == WAITING and payload not in cb_wait:
                    offers = abandon(str(payload), t)
                    c_out[payload] = ABANDONED
                    c_left[payload] = t
                    in_system -= 1
                    if offers:
                        take(offers)
                    if tracked and offers.events:
                        note(offers.events)
            elif kind == _SHIFT_ON:
                on_shift[payload] = True
                sync(payload, t)
            elif kind == _SHIFT_OFF:
                on_shift[payload] = False
                sync(payload, t)
                if not active[payload] and wrap_until[payload] > t:
                    heappush(heap, (wrap_until[payload], seq(), _LOGOUT, payload))
            elif kind == _BREAK_ON:
                on_break[payload] = True
                if logged[payload]:
                    break_at[payload] = t
                sync(payload, t)
            elif kind == _BREAK_OFF:
                if on_break[payload] and logged[payload]:
                    seg_break.append((agent_group[payload], break_at[payload], t))
                on_break[payload] = False
                sync(payload, t)
            else:  # _LOGOUT
                sync(payload, t)
            if not in_system and not live_streams and (not heap or heap[0][0] > horizon):
                break  # the day ends when the last contact has left (not before the horizon)

        end = stop_at if stopped else max(t, plan.horizon)
        for k in range(n_agents):
            if logged[k]:
                if on_break[k]:
                    seg_break.append((agent_group[k], break_at[k], end))
                seg_login.append((agent_group[k], login_at[k], end))
        data = self._collect(
            end,
            events,
            n_backlog,
            (c_stream, c_tier, c_sev, c_lang, c_arr, c_handle, c_out, c_ans, c_left),
            (c_agent, c_step),
            agent_group,
            lang_code,
            step_code,
            seg_login,
            seg_break,
        )
        if port.tracker is not None:
            # promises still undecided when the run stopped (drain off or capped)
            for cid, promises in port.tracker._open.items():
                for p in promises:
                    if not p.done:
                        p_ci.append(int(cid))
                        p_kind.append(kind_code[p.kind])
                        p_out.append(out_code["open"])
                        p_due.append(p.due)
                        p_at.append(nan)
            data.promises = self._promise_data(
                c_tier,
                (p_ci, p_kind, p_out, p_due, p_at),
                (e_ci, e_step, e_at),
                tuple(sorted(esc_code, key=esc_code.__getitem__)),
                (o_ci, o_at, o_exp, o_acc),
            )
        return data

    def _promise_data(
        self,
        c_tier: list[int],
        promises: tuple[list[int], list[int], list[int], list[float], list[float]],
        escalations: tuple[list[int], list[int], list[float]],
        steps: tuple[str, ...],
        offers: tuple[list[int], list[float], list[float], list[bool]],
    ) -> PromiseData:
        """The promise columns on the scenario's clock, with each contact's account."""
        plan = self.plan
        shift = plan.meta.start - plan.base
        meta = plan.meta.promises
        assert meta is not None
        assert self.rng_account is not None
        p_ci, p_kind, p_out, p_due, p_at = promises
        e_ci, e_step, e_at = escalations
        o_ci, o_at, o_exp, o_acc = offers
        n_accounts = np.asarray(meta.accounts, dtype=np.int64)[np.asarray(c_tier, dtype=np.int64)]
        drawn = np.floor(self.rng_account.random(len(c_tier)) * n_accounts).astype(np.int64)
        account = np.where(n_accounts > 0, drawn, -1)

        def ints(x: list[int]) -> NDArray[np.int64]:
            return np.asarray(x, dtype=np.int64)

        def times(x: list[float]) -> NDArray[np.float64]:
            return np.asarray(x, dtype=float) + shift

        return PromiseData(
            promises={
                "contact": ints(p_ci),
                "kind": ints(p_kind),
                "outcome": ints(p_out),
                "due": times(p_due),
                "at": times(p_at),
            },
            escalations={"contact": ints(e_ci), "step": ints(e_step), "at": times(e_at)},
            steps=steps,
            offers={
                "contact": ints(o_ci),
                "at": times(o_at),
                "expected": np.asarray(o_exp, dtype=float),
                "accepted": np.asarray(o_acc, dtype=bool),
            },
            account=account,
        )

    def _collect(
        self,
        end: float,
        events: int,
        n_backlog: int,
        cols: tuple[list[Any], ...],
        assigned: tuple[list[int], list[str]],
        agent_group: list[int],
        lang_code: dict[str, int],
        step_code: dict[str, int],
        seg_login: list[tuple[int, float, float]],
        seg_break: list[tuple[int, float, float]],
    ) -> ReplicationData:
        """Turn the run's lists into numpy columns on the scenario's clock."""
        plan = self.plan
        shift = plan.meta.start - plan.base
        c_stream, c_tier, c_sev, c_lang, c_arr, c_handle, c_out, c_ans, c_left = cols
        c_agent, c_step = assigned
        stream = np.asarray(c_stream, dtype=np.int64)
        agent = np.asarray(c_agent, dtype=np.int64)
        groups = np.asarray([*agent_group, -1], dtype=np.int64)
        channel_of = np.asarray(plan.meta.stream_channel, dtype=np.int64)
        n = len(c_arr)
        backlog = np.zeros(n, dtype=bool)
        backlog[:n_backlog] = True
        columns: dict[str, NDArray[Any]] = {
            "stream": stream,
            "tier": np.asarray(c_tier, dtype=np.int64),
            "channel": channel_of[stream] if n else np.zeros(0, dtype=np.int64),
            "severity": np.asarray(c_sev, dtype=np.int64),
            "language": np.asarray(
                [-1 if x is None else lang_code[x] for x in c_lang], dtype=np.int64
            ),
            "step": np.asarray([step_code.get(x, -1) for x in c_step], dtype=np.int64),
            "group": groups[agent] if n else np.zeros(0, dtype=np.int64),
            "agent": agent,
            "outcome": np.asarray(c_out, dtype=np.int64),
            "arrived": np.asarray(c_arr, dtype=float) + shift,
            "answered": np.asarray(c_ans, dtype=float) + shift,
            "left": np.asarray(c_left, dtype=float) + shift,
            "handle": np.asarray(c_handle, dtype=float),
            "backlog": backlog,
        }

        def segments(
            segs: list[tuple[int, float, float]],
        ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
            arr = np.asarray(segs, dtype=float).reshape(-1, 3)
            return arr[:, 0].astype(np.int64), arr[:, 1] + shift, arr[:, 2] + shift

        return ReplicationData(
            index=self.index,
            busyness=self.busyness,
            end=end + shift,
            columns=columns,
            login=segments(seg_login),
            breaks=segments(seg_break),
            agent_ids=tuple(a.spec.agent_id for a in plan.agents),
            stats=self.port.stats(),
            events=events,
        )
