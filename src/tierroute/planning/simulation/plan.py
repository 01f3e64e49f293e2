"""A :class:`~tierroute.planning.simulation.scenario.Scenario` compiled for the engine.

:class:`Plan` holds what one replication needs in plain Python form: the engine
clock's origin, every agent with its presence windows and breaks, every stream as a
:class:`~tierroute.planning.simulation.arrivals.StreamPlan`. :class:`Meta` is the part the
metrics need (names, targets, costs), small and picklable.

Engine time: ``0`` is when the router starts; the day (the scenario's ``start``)
begins at ``base``, the age of the oldest backlog contact, so that every arrival
time the router sees is non-negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from tierroute.models import AgentSpec, Channel, Severity
from tierroute.planning.simulation.arrivals import ScheduledArrivals, StreamPlan, rate_function
from tierroute.planning.simulation.scenario import AgentGroup, Scenario
from tierroute.policy.model import Policy
from tierroute.promises.model import PromisePolicy

__all__ = [
    "CHANNELS",
    "POST_INCIDENT",
    "PROMISE_KINDS",
    "PROMISE_OUTCOMES",
    "AgentPlan",
    "Meta",
    "Plan",
    "PromiseMeta",
    "build_meta",
    "build_plan",
]

CHANNELS: tuple[Channel, ...] = tuple(Channel)
_CH_INDEX = {c: i for i, c in enumerate(CHANNELS)}
SEVERITIES: tuple[Severity, ...] = tuple(Severity)

PROMISE_KINDS = ("answer", "first_response", "resolution", "callback")
"""Promise kinds, in code order (the first three are the policy's targets)."""
PROMISE_OUTCOMES = ("attained", "breached", "abandoned", "open")
"""Promise outcomes, in code order; ``open`` is still undecided when the run stopped."""
POST_INCIDENT = "post-incident report due"
"""The step name of the tracker's post-incident report event."""


@dataclass(frozen=True)
class AgentPlan:
    """One agent: its spec, group and when it is present.

    ``windows`` are ``(on, off)`` engine times, ``off`` ``None`` for "until the end";
    ``breaks`` are ``(start, end)`` engine times.
    """

    spec: AgentSpec
    group: int
    windows: tuple[tuple[float, float | None], ...]
    breaks: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class PromiseMeta:
    """What the metrics need to know about the policy's promises (picklable).

    Attributes:
        goal: ``[tier, channel, severity - 1, kind]`` the goal (share to keep) of the
            promise a contact gets, NaN when it gets none; kinds as in
            :data:`PROMISE_KINDS` without ``callback``.
        within: Same shape: the seconds promised.
        steps: Escalation step names, in ladder order.
        callback_due: Seconds an accepted callback is due within (``None``: no rule).
        callback_tiers: Tiers offered a callback.
        credit_rule: The credit rule's fields (``CreditRule(**credit_rule)``), or
            ``None`` when the policy has none.
        monthly_fee: Monthly fee per account, by tier.
        accounts: Accounts per tier, 0 when every contact is its own account.
        epoch: The instant of clock time 0 (midnight of the scenario's date).
        attainment_goal: The policy's overall ``attainment_goal``.
    """

    goal: NDArray[np.float64]
    within: NDArray[np.float64]
    steps: tuple[str, ...]
    callback_due: float | None
    callback_tiers: tuple[str, ...]
    credit_rule: dict[str, Any] | None
    monthly_fee: tuple[float, ...]
    accounts: tuple[int, ...]
    epoch: datetime
    attainment_goal: float


@dataclass(frozen=True)
class Meta:
    """What the metrics need to know about a scenario (picklable, no pydantic)."""

    name: str
    start: float
    horizon: float
    interval: float
    n_intervals: int
    warmup: float
    tiers: tuple[str, ...]
    channels: tuple[str, ...]
    streams: tuple[str, ...]
    stream_channel: tuple[int, ...]
    groups: tuple[str, ...]
    group_capacity: tuple[int, ...]
    group_cost_per_hour: tuple[float, ...]
    languages: tuple[str, ...]
    steps: tuple[str, ...]
    targets: NDArray[np.float64]  # [tier, channel] seconds
    channel_cost: tuple[int, ...]  # capacity units per contact, by channel
    wrap: tuple[float, ...]  # wrap-up seconds, by channel
    per_contact: tuple[float, ...]  # money per handled contact, by channel
    per_busy_hour: tuple[float, ...]  # money per busy agent-hour, by channel
    promises: PromiseMeta | None = None  # when promises are tracked


@dataclass(frozen=True)
class Plan:
    """Everything a replication needs (built inside the worker: it holds closures)."""

    meta: Meta
    policy: Policy
    base: float
    horizon: float  # engine time arrivals stop
    stop_at: float  # engine time the run stops at the latest
    agents: tuple[AgentPlan, ...]
    streams: tuple[StreamPlan, ...]
    backlog: tuple[tuple[int, int, float], ...]  # (stream, count, age)
    busyness_cv: float
    promises: PromisePolicy | None = None  # tracked promises, epoch set to engine time 0
    callback_acceptance: tuple[float, ...] = ()  # by stream


def build_meta(s: Scenario) -> Meta:
    """The metrics' view of ``s``."""
    policy = s.policy
    tiers = policy.tier_names
    languages = sorted({lang for st in s.streams for lang in st.languages})
    steps: list[str] = ["requested"]
    for t in policy.tiers:
        steps += [st.name for st in t.relaxation if st.name not in steps]
    targets = np.array([[policy.target(t, c) for c in CHANNELS] for t in tiers], dtype=float)
    costs = [s.costs.get(c) for c in CHANNELS]
    return Meta(
        name=s.name,
        start=s.start,
        horizon=s.horizon,
        interval=s.interval,
        n_intervals=s.n_intervals,
        warmup=s.warmup,
        tiers=tiers,
        channels=tuple(c.value for c in CHANNELS),
        streams=tuple(st.name for st in s.streams),
        stream_channel=tuple(_CH_INDEX[st.channel] for st in s.streams),
        groups=tuple(g.name for g in s.agents),
        group_capacity=tuple(g.capacity for g in s.agents),
        group_cost_per_hour=tuple(g.cost_per_hour for g in s.agents),
        languages=tuple(languages),
        steps=tuple(steps),
        targets=targets,
        channel_cost=tuple(policy.channels[c].cost for c in CHANNELS),
        wrap=tuple(policy.channels[c].wrap_up_s for c in CHANNELS),
        per_contact=tuple(0.0 if c is None else c.per_contact for c in costs),
        per_busy_hour=tuple(0.0 if c is None else c.per_busy_hour for c in costs),
        promises=_promise_meta(s),
    )


def clock_epoch(s: Scenario) -> datetime:
    """The instant (UTC) of clock time 0: midnight of the scenario's date in its
    time zone."""
    midnight = datetime.combine(s.date, time(0), tzinfo=ZoneInfo(s.timezone))
    return midnight.astimezone(UTC)


def _promise_meta(s: Scenario) -> PromiseMeta | None:
    """The promise tables of ``s``, or ``None`` when no promise is tracked."""
    pp = s.policy.promises
    if pp is None or not s.track_promises:
        return None
    from tierroute.promises.targets import promise_targets

    # the tracker's own matching of targets to contacts
    tiers = s.policy.tier_names
    targets = promise_targets(pp, tiers)
    shape = (len(tiers), len(CHANNELS), len(SEVERITIES), 3)
    goal = np.full(shape, np.nan)
    within = np.full(shape, np.nan)
    for ti, tier in enumerate(tiers):
        for ci, ch in enumerate(CHANNELS):
            for si, sev in enumerate(SEVERITIES):
                for target in targets[tier, ch, sev]:
                    k = PROMISE_KINDS.index(target.kind)
                    goal[ti, ci, si, k] = target.goal
                    within[ti, ci, si, k] = target.within_s
    steps: list[str] = []
    for ladder in pp.escalation:
        steps += [st.name for st in ladder.steps if st.name not in steps]
    rule = pp.callback
    return PromiseMeta(
        goal=goal,
        within=within,
        steps=tuple(steps),
        callback_due=None if rule is None else rule.due_s,
        callback_tiers=() if rule is None else tuple(rule.tiers),
        credit_rule=None if pp.credits is None else pp.credits.model_dump(),
        monthly_fee=tuple(s.monthly_fee.get(t, 0.0) for t in tiers),
        accounts=tuple(s.accounts.get(t, 0) for t in tiers),
        epoch=clock_epoch(s),
        attainment_goal=pp.attainment_goal,
    )


def _count_windows(
    counts: tuple[int, ...], k: int, interval: float, base: float, last_open: bool
) -> tuple[tuple[float, float | None], ...]:
    """Windows when agent number ``k`` is present under a staffing-by-interval list."""
    out: list[tuple[float, float | None]] = []
    on: float | None = None
    for i, n in enumerate(counts):
        if n > k and on is None:
            on = base + i * interval
        elif n <= k and on is not None:
            out.append((on, base + i * interval))
            on = None
    if on is not None:
        out.append((on, None if last_open else base + len(counts) * interval))
    return tuple(out)


def _agent_spec(g: AgentGroup, k: int) -> AgentSpec:
    return AgentSpec(
        g.name + "-" + str(k),
        skills=dict(g.skills),
        languages=tuple(g.languages),
        seniority=g.seniority,
        channels={c.value: n for c, n in g.channels.items()},
        capacity=g.capacity,
    )


def build_plan(s: Scenario) -> Plan:
    """Compile ``s`` for the engine."""
    meta = build_meta(s)
    policy = s.policy
    base = max((b.age for b in s.backlog), default=0.0)
    agents, concierge_ids = _agents(s, base)
    names = {st.name: i for i, st in enumerate(s.streams)}
    promises = None
    if meta.promises is not None and policy.promises is not None:
        # router time 0 is clock time start - base of the scenario's date
        epoch = clock_epoch(s) + timedelta(seconds=s.start - base)
        promises = policy.promises.model_copy(update={"epoch": epoch})
    horizon = base + s.horizon
    if not s.drain:
        stop_at = horizon
    elif s.max_drain is not None:
        stop_at = horizon + s.max_drain
    else:
        stop_at = float("inf")
    return Plan(
        meta=meta,
        policy=policy,
        base=base,
        horizon=horizon,
        stop_at=stop_at,
        agents=agents,
        streams=_streams(s, meta, concierge_ids),
        backlog=tuple((names[b.stream], b.count, b.age) for b in s.backlog),
        busyness_cv=s.busyness_cv,
        promises=promises,
        callback_acceptance=tuple(
            s.callback_acceptance if st.callback_acceptance is None else st.callback_acceptance
            for st in s.streams
        ),
    )


def _agents(s: Scenario, base: float) -> tuple[tuple[AgentPlan, ...], list[str]]:
    """Every agent of ``s`` with its presence windows and breaks (engine times), and
    the ids of the concierge agents."""
    start = s.start

    def eng(clock: float) -> float:
        return clock - start + base

    agents: list[AgentPlan] = []
    concierge_ids: list[str] = []
    for gi, g in enumerate(s.agents):
        if g.count is not None:
            always = ((base, None),)
            agents += [AgentPlan(_agent_spec(g, k), gi, always, ()) for k in range(g.count)]
        elif g.count_per_interval is not None:
            for k in range(max(g.count_per_interval, default=0)):
                windows = _count_windows(g.count_per_interval, k, s.interval, base, True)
                agents.append(AgentPlan(_agent_spec(g, k), gi, windows, ()))
        else:
            k = 0
            for shift in g.shifts:
                for j in range(shift.count):
                    breaks = tuple(
                        (
                            eng(b.start) + b.stagger * j / shift.count,
                            eng(b.start) + b.stagger * j / shift.count + b.duration,
                        )
                        for b in shift.breaks
                    )
                    window = (eng(shift.start), None if shift.end is None else eng(shift.end))
                    agents.append(AgentPlan(_agent_spec(g, k), gi, (window,), breaks))
                    k += 1
        if g.concierge:
            concierge_ids += [a.spec.agent_id for a in agents if a.group == gi]
    return tuple(agents), concierge_ids


def _streams(s: Scenario, meta: Meta, concierge_ids: list[str]) -> tuple[StreamPlan, ...]:
    """Every contact stream of ``s``, its mixes as code tables of ``meta``."""
    policy = s.policy
    start = s.start
    tier_index = {t: i for i, t in enumerate(meta.tiers)}
    concierge_tiers = frozenset(
        i for i, t in enumerate(policy.tiers) if t.relaxation and t.relaxation[0].concierge
    )
    streams: list[StreamPlan] = []
    for si, st in enumerate(s.streams):
        rate, peak = rate_function(st.arrivals, start, s.interval)
        tiers = [tier_index[t] for t in st.tiers]
        values = [0.0] * len(meta.tiers)
        min_sen = [0] * len(meta.tiers)
        for t, v in st.value.items():
            values[tier_index[t]] = v
        for t, level in st.min_seniority.items():
            min_sen[tier_index[t]] = policy.seniority_index(level)
        langs: list[str | None] = list(st.languages) or [None]
        lang_p = list(st.languages.values()) or [1.0]
        streams.append(
            StreamPlan(
                index=si,
                name=st.name,
                channel=_CH_INDEX[st.channel],
                rate=rate,
                peak=peak,
                tiers=tiers,
                tier_p=list(st.tiers.values()),
                severities=[int(k) for k in st.severity],
                sev_p=list(st.severity.values()),
                languages=langs,
                lang_p=lang_p,
                skills=dict(st.skills),
                values=values,
                min_seniority=min_sen,
                handle=st.handle_time,
                patience=st.patience,
                periods=[
                    (p.start - start, p.end - start, p.handle_time, p.patience) for p in st.periods
                ],
                concierge_share=st.concierge_share,
                concierge_tiers=concierge_tiers,
                concierge_ids=concierge_ids,
                scheduled=(
                    [x - start for x in st.arrivals.times]
                    if isinstance(st.arrivals, ScheduledArrivals)
                    else None
                ),
            )
        )
    return tuple(streams)
