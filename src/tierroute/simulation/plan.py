"""A :class:`~tierroute.simulation.scenario.Scenario` compiled for the engine.

:class:`Plan` holds what one replication needs in plain Python form: the engine
clock's origin, every agent with its presence windows and breaks, every stream as a
:class:`~tierroute.simulation.arrivals.StreamPlan`. :class:`Meta` is the part the
metrics need (names, targets, costs), small and picklable.

Engine time: ``0`` is when the router starts; the day (the scenario's ``start``)
begins at ``base``, the age of the oldest backlog contact, so that every arrival
time the router sees is non-negative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tierroute.models import AgentSpec, Channel
from tierroute.policy import Policy
from tierroute.simulation.arrivals import ScheduledArrivals, StreamPlan, rate_function
from tierroute.simulation.scenario import AgentGroup, Scenario

__all__ = ["CHANNELS", "AgentPlan", "Meta", "Plan", "build_meta", "build_plan"]

CHANNELS: tuple[Channel, ...] = tuple(Channel)
_CH_INDEX = {c: i for i, c in enumerate(CHANNELS)}


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
    names = {st.name: i for i, st in enumerate(s.streams)}
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
        agents=tuple(agents),
        streams=tuple(streams),
        backlog=tuple((names[b.stream], b.count, b.age) for b in s.backlog),
        busyness_cv=s.busyness_cv,
    )
