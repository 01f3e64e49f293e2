"""Realistic router workloads and the drivers that time them.

The workload (seeded, reproducible): 40 skills in 8 families, 8 languages drawn with
a Zipf-like skew, 3 seniority levels, the ``prestige`` preset's 3 tiers (Elite starts
with a named-concierge step), voice / chat / email. Agents have 3-6 skills at random
proficiency and 1-3 languages; contacts need one skill (sometimes two from the same
family) and one language.

A *saturated* state is built the way a real center gets there: agents log in, contacts
arrive over ``span`` seconds, every offer is accepted at once, and contacts that no
agent can take wait (relaxing step by step as their timers fire). What is left is a
backlog of ``waiting`` contacts that no free capacity can serve.

Drivers (each returns plain numbers; timings are per call, with :data:`clock_ns`):

- :class:`ArrivalMoment` -- moment (a): ``submit`` of a contact that an idle agent can
  take, while the backlog waits. The idle agents speak only languages the backlog
  never uses, so they are available yet the backlog stays put.
- :class:`FreedMoment` -- moment (b): ``complete`` under a zero wrap-up policy, so the
  agent at once takes the best head among the queues it can serve.
- :class:`MixedStream` -- a steady mixed stream (submit, accept, reject,
  complete, abandon, advance) around a constant backlog.
- :func:`memory_per_contact` -- tracemalloc bytes held per waiting contact.
"""

from __future__ import annotations

import bisect
import gc
import heapq
import itertools
import math
import random
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tierroute import AgentSpec, ContactSpec, ContactState, Offer, Policy, Router, prestige

clock_ns: Callable[[], int] = time.perf_counter_ns
"""The clock around each timed call: wall time by default. ``report.py --clock cpu``
sets ``time.thread_time_ns``, which leaves out time the OS gave other processes (on
a busy machine the wall-clock p99 shows scheduler ticks) but costs ~0.5 us a read."""

SKILLS: tuple[str, ...] = tuple(f"skill{i:02d}" for i in range(40))
FAMILY = 5  # a second required skill comes from the same family of 5
LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "de", "pt", "it", "nl", "ja")
IDLE_LANGUAGES: tuple[str, ...] = LANGUAGES[-2:]
"""Languages only the idle agents of moment (a) speak; the backlog never uses them."""
BACKLOG_LANGUAGES: tuple[str, ...] = LANGUAGES[:-2]
SENIORITY = ("junior", "senior", "expert")

CHANNEL_MIX = (("voice", 0.55), ("chat", 0.30), ("email", 0.15))
TIER_MIX = (("standard", 0.70), ("premium", 0.22), ("elite", 0.08))
SEVERITY_MIX = ((1, 0.05), (2, 0.15), (3, 0.60), (4, 0.20))
AGENT_CHANNELS = (
    ({"voice": 1, "chat": 2, "email": 3}, 0.60),  # blended
    ({"chat": 3, "email": 4}, 0.25),  # digital only
    ({"voice": 1}, 0.15),  # voice only
)
HANDLE_S = {"voice": 300.0, "chat": 600.0, "email": 400.0}
PATIENCE_S = {"voice": 300.0, "chat": 600.0, "email": 7200.0}
VALUE_RANGE = {"standard": (0.0, 0.4), "premium": (0.3, 0.8), "elite": (0.6, 1.0)}


@dataclass(frozen=True)
class Size:
    """A benchmark size: waiting contacts and agents."""

    label: str
    waiting: int
    agents: int

    @property
    def name(self) -> str:
        """``waiting/agents``, e.g. ``10k/2k``."""
        a = self.agents
        return f"{self.label}/{a // 1000}k" if a >= 1000 else f"{self.label}/{a}"


SIZES: dict[str, Size] = {
    "1k": Size("1k", 1_000, 200),
    "10k": Size("10k", 10_000, 2_000),
    "100k": Size("100k", 100_000, 20_000),
}


def zipf_weights(n: int, s: float) -> list[float]:
    """Cumulative Zipf(s) weights over ``n`` ranks, for :meth:`random.Random.choices`."""
    return list(itertools.accumulate(1.0 / (k + 1) ** s for k in range(n)))


def _cum(mix: tuple[tuple[Any, float], ...]) -> tuple[list[Any], list[float]]:
    return [v for v, _ in mix], list(itertools.accumulate(w for _, w in mix))


def nowrap_prestige() -> Policy:
    """``prestige`` with zero wrap-up on every channel: capacity returns at ``complete``."""
    p = prestige()
    channels = {ch: cp.model_copy(update={"wrap_up_s": 0.0}) for ch, cp in p.channels.items()}
    return p.model_copy(update={"channels": channels, "name": "prestige-nowrap"})


class Generator:
    """Seeded generator of agent and contact specs."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self._skill_cum = zipf_weights(len(SKILLS), 0.8)
        self._lang_cum = {
            langs: zipf_weights(len(langs), 1.2)
            for langs in (LANGUAGES, BACKLOG_LANGUAGES, IDLE_LANGUAGES)
        }
        self._channels = _cum(CHANNEL_MIX)
        self._tiers = _cum(TIER_MIX)
        self._sev = _cum(SEVERITY_MIX)
        self._agent_channels = _cum(AGENT_CHANNELS)
        self._agent_seq = itertools.count()
        self._contact_seq = itertools.count()
        # named concierges by the language pool they serve
        self.concierges: dict[tuple[str, ...], list[str]] = {}

    def _pick(self, cum: tuple[list[Any], list[float]]) -> Any:
        values, weights = cum
        return values[bisect.bisect(weights, self.rng.random() * weights[-1])]

    def _languages(self, pool: tuple[str, ...], k: int) -> list[str]:
        cum = self._lang_cum[pool]
        out: list[str] = []
        while len(out) < min(k, len(pool)):
            lang = self.rng.choices(pool, cum_weights=cum)[0]
            if lang not in out:
                out.append(lang)
        return out

    def agent(self, languages: tuple[str, ...] = BACKLOG_LANGUAGES) -> AgentSpec:
        """An agent with 3-6 skills at proficiency 1-5 and 1-3 languages from ``languages``."""
        rng = self.rng
        n = rng.randint(3, 6)
        skills: dict[str, int] = {}
        while len(skills) < n:
            s = rng.choices(SKILLS, cum_weights=self._skill_cum)[0]
            skills[s] = rng.randint(1, 5)
        langs = self._languages(languages, rng.choice((1, 1, 2, 2, 3)))
        seniority = rng.choices(SENIORITY, cum_weights=(0.5, 0.85, 1.0))[0]
        aid = f"a{next(self._agent_seq)}"
        if seniority != "junior" and rng.random() < 0.1:
            self.concierges.setdefault(languages, []).append(aid)
        return AgentSpec(
            aid,
            skills=skills,
            languages=tuple(langs),
            seniority=seniority,
            channels=dict(self._pick(self._agent_channels)),
        )

    def contact(
        self, languages: tuple[str, ...] = BACKLOG_LANGUAGES, channel: str | None = None
    ) -> ContactSpec:
        """A contact needing one skill (15 %: two of one family) and one language,
        on ``channel`` or one drawn from the mix."""
        rng = self.rng
        first = rng.choices(range(len(SKILLS)), cum_weights=self._skill_cum)[0]
        skills = {SKILLS[first]: rng.choices((1, 2, 3), cum_weights=(0.4, 0.8, 1.0))[0]}
        if rng.random() < 0.15:
            family = first - first % FAMILY
            second = family + rng.randrange(FAMILY)
            if second != first:
                skills[SKILLS[second]] = rng.choices((1, 2, 3), cum_weights=(0.4, 0.8, 1.0))[0]
        tier = self._pick(self._tiers)
        lo, hi = VALUE_RANGE[tier]
        concierge = None
        named = self.concierges.get(languages)
        if tier == "elite" and named and rng.random() < 0.6:
            concierge = rng.choice(named)
        return ContactSpec(
            f"c{next(self._contact_seq)}",
            channel or self._pick(self._channels),
            tier,
            value=lo + (hi - lo) * rng.random(),
            severity=self._pick(self._sev),
            skills=skills,
            language=self._languages(languages, 1)[0],
            min_seniority="senior" if rng.random() < 0.1 else 0,
            concierge=concierge,
        )


@dataclass
class State:
    """A router in a saturated state and what the driver knows about it."""

    router: Router
    gen: Generator
    now: float
    waiting: dict[str, str]  # contact id -> channel
    active: list[Offer]  # accepted assignments
    idle: list[AgentSpec] = field(default_factory=list)
    build_s: float = 0.0


def build_saturated(
    size: Size,
    *,
    policy: Policy | None = None,
    seed: int = 1,
    idle_agents: int = 0,
    span: float = 600.0,
) -> State:
    """Log ``size.agents`` agents in and feed contacts until ``size.waiting`` wait.

    Contacts arrive evenly over about ``span`` seconds; every offer is accepted at once
    and nothing completes, so the backlog relaxes step by step like a real one.
    ``idle_agents`` more agents then log in, speaking only :data:`IDLE_LANGUAGES`.
    """
    started = time.perf_counter()
    router = Router(policy or prestige(), start=0.0)
    gen = Generator(seed)
    for _ in range(size.agents):
        router.add_agent(gen.agent(), presence="ready", now=0.0)
    waiting: dict[str, str] = {}
    active: list[Offer] = []
    dt = span / (size.waiting + 2 * size.agents)
    t = 0.0
    while len(waiting) < size.waiting:
        t += dt
        spec = gen.contact()
        waiting[spec.contact_id] = str(spec.channel)
        for offer in router.submit(spec, now=t):
            router.accept(offer.offer_id, now=t)
            del waiting[offer.contact_id]
            active.append(offer)
    idle = [gen.agent(IDLE_LANGUAGES) for _ in range(idle_agents)]
    for spec in idle:
        if router.add_agent(spec, presence="ready", now=t):
            raise AssertionError("an idle agent took backlog work")
    return State(router, gen, t, waiting, active, idle, time.perf_counter() - started)


def nearest_rank(data: list[Any], q: float) -> Any:
    """The ``q`` quantile (0..1) of sorted ``data`` by the nearest-rank rule."""
    return data[min(len(data) - 1, max(0, math.ceil(q * len(data)) - 1))]


@dataclass
class Latency:
    """Per-call timings in nanoseconds, and what the calls did."""

    ns: list[int]
    offers: int  # offers made by the timed calls

    def pct(self, q: float) -> float:
        """The ``q`` quantile (0..1) in microseconds."""
        return nearest_rank(sorted(self.ns), q) / 1000.0

    def summary(self) -> dict[str, float]:
        """p50 / p99 / max in microseconds, and call count."""
        return {
            "p50_us": self.pct(0.50),
            "p99_us": self.pct(0.99),
            "max_us": max(self.ns) / 1000.0,
            "calls": len(self.ns),
            "offers": self.offers,
        }


_TICK = 1e-6  # seconds between calls: time moves, but no backlog timer falls due


def _signatures(router: Router) -> int | None:
    """How many signatures the router holds (internals; ``None`` if they changed)."""
    try:
        return len(router._sigs)
    except (AttributeError, TypeError):
        return None


class ArrivalMoment:
    """Moment (a): ``submit`` of a contact that an idle agent can take at once.

    Warm-up: ``warmup`` (default: as many as the backlog) contacts in the idle agents'
    languages, drawn like any other, are submitted and abandoned at once. This gives
    the idle side about as many signatures and pools per agent as the busy side has
    (a running center has them already), and picks as templates the contacts that
    got an offer. Each timed ``submit`` is followed by an untimed ``abandon`` that
    gives the agent back, so every call meets the same state.
    """

    def __init__(self, state: State, *, warmup: int | None = None, templates: int = 2000) -> None:
        self.state = state
        router, gen = state.router, state.gen
        t = state.now
        keep: list[ContactSpec] = []
        self.new_signature_ns: list[int] = []  # warm-up submits that made a signature
        clock = clock_ns
        sigs = _signatures(router)
        for _ in range(len(state.waiting) if warmup is None else warmup):
            spec = gen.contact(IDLE_LANGUAGES)
            t += _TICK
            t0 = clock()
            out = router.submit(spec, now=t)
            t1 = clock()
            if sigs is not None:
                now_sigs = _signatures(router) or 0
                if now_sigs > sigs:
                    self.new_signature_ns.append(t1 - t0)
                sigs = now_sigs
            t += _TICK
            router.abandon(spec.contact_id, now=t)
            if len(keep) < templates and any(o.contact_id == spec.contact_id for o in out):
                keep.append(spec)
        if not keep:
            raise AssertionError("no warm-up contact was served by an idle agent")
        state.now = t
        self.templates = keep
        self._cycle = itertools.cycle(keep)  # one cycle: calls take the templates in turn
        self._serial = itertools.count()
        self._pending: str | None = None
        self.offered = 0  # pedantic form: submits that got an offer

    def specs(self, n: int) -> list[ContactSpec]:
        """The next ``n`` contacts, cycling through the templates, with fresh ids."""
        return [
            ContactSpec(
                f"t{next(self._serial)}",
                s.channel,
                s.tier,
                value=s.value,
                severity=s.severity,
                skills=s.skills,
                language=s.language,
                min_seniority=s.min_seniority,
                concierge=s.concierge,
            )
            for s in itertools.islice(self._cycle, n)
        ]

    def run(self, calls: int) -> Latency:
        """Time ``calls`` submits (tight loop, :data:`clock_ns` around each)."""
        state = self.state
        submit, abandon, clock = state.router.submit, state.router.abandon, clock_ns
        specs = self.specs(calls)
        ns: list[int] = []
        record = ns.append
        offers = 0
        t = state.now
        gc.collect()
        for spec in specs:
            t += _TICK
            t0 = clock()
            out = submit(spec, now=t)
            t1 = clock()
            record(t1 - t0)
            offers += len(out)
            t += _TICK
            abandon(spec.contact_id, now=t)
        state.now = t
        return Latency(ns, offers)

    # pytest-benchmark's pedantic(target, setup=...) form of the same steps
    def setup(self) -> tuple[tuple[ContactSpec], dict[str, float]]:
        """Untimed: give back the previous contact's agent; the next call's arguments."""
        self.finish()
        spec = self.specs(1)[0]
        self._pending = spec.contact_id
        self.state.now += _TICK
        return (spec,), {"now": self.state.now}

    def finish(self) -> None:
        """Abandon the last submitted contact, if any, counting it if it was offered."""
        if self._pending is not None:
            router = self.state.router
            if router.contact_status(self._pending).state is ContactState.OFFERED:
                self.offered += 1
            self.state.now += _TICK
            router.abandon(self._pending, now=self.state.now)
            self._pending = None


class FreedMoment:
    """Moment (b): ``complete`` under a zero wrap-up policy.

    The agent frees capacity while the backlog waits and takes the best head among
    its queues. Around each timed call, untimed, the center lives on so that every
    call meets the same kind of state:

    - time moves as in a real center (``dt`` per completion: the mean handle time
      over the number of assignments) and ``advance`` fires the relaxations that fall
      due *before* the timed call;
    - after it, the new offers are accepted, one new contact arrives on the channel
      just completed (so each channel's demand keeps pace with its capacity), and
      the backlog is held at its size by abandoning random waiting contacts (or
      topping it up). Otherwise the backlog would silt up with contacts that nobody
      free can serve, and the freed agents would find less and less to take.
    """

    def __init__(self, state: State, *, dt: float | None = None) -> None:
        wraps = {cp.wrap_up_s for cp in state.router.policy.channels.values()}
        if wraps != {0.0}:
            raise ValueError("FreedMoment needs a zero wrap-up policy (see nowrap_prestige)")
        self.state = state
        self.target = len(state.waiting)
        self.dt = 400.0 / max(1, len(state.active)) if dt is None else dt
        self.last: list[Offer] = []
        self.channel: str | None = None  # of the last assignment picked
        self._ids = list(state.waiting)  # for random picks; may hold departed ids

    def pick(self) -> Offer:
        """Take a random assignment out of the active list."""
        active, rng = self.state.active, self.state.gen.rng
        j = rng.randrange(len(active))
        active[j], active[-1] = active[-1], active[j]
        done = active.pop()
        self.channel = str(done.channel)
        return done

    def tick(self) -> float:
        """Untimed: move time on by ``dt`` and fire what falls due."""
        state = self.state
        state.now += self.dt
        self._accept(state.router.advance(state.now))
        return state.now

    def _accept(self, out: list[Offer]) -> None:
        state = self.state
        for offer in out:
            state.router.accept(offer.offer_id, now=state.now)
            state.waiting.pop(offer.contact_id, None)
            state.active.append(offer)

    def _arrive(self, channel: str | None = None) -> None:
        state = self.state
        spec = state.gen.contact(channel=channel)
        state.waiting[spec.contact_id] = str(spec.channel)
        self._ids.append(spec.contact_id)
        self._accept(state.router.submit(spec, now=state.now))

    def restore(self, out: list[Offer]) -> None:
        """Accept ``out``, one arrival, and hold the backlog's size (untimed)."""
        state = self.state
        waiting, ids, rng = state.waiting, self._ids, state.gen.rng
        self._accept(out)
        self._arrive(self.channel)
        while len(waiting) > self.target:
            j = rng.randrange(len(ids))
            ids[j], ids[-1] = ids[-1], ids[j]
            cid = ids.pop()
            if cid in waiting:
                del waiting[cid]
                state.router.abandon(cid, now=state.now)
        while len(waiting) < self.target:
            self._arrive()

    def run(self, calls: int) -> Latency:
        """Time ``calls`` completes (tight loop, :data:`clock_ns` around each)."""
        complete, clock = self.state.router.complete, clock_ns
        ns: list[int] = []
        record = ns.append
        offers = 0
        gc.collect()
        for _ in range(calls):
            t = self.tick()
            done = self.pick()
            t0 = clock()
            out = complete(done.offer_id, now=t)
            t1 = clock()
            record(t1 - t0)
            offers += len(out)
            self.restore(out)
        return Latency(ns, offers)

    # pytest-benchmark's pedantic(target, setup=...) form of the same steps
    def setup(self) -> tuple[tuple[str, float], dict[str, Any]]:
        """Untimed: restore after the previous call; the next call's arguments."""
        self.finish()
        t = self.tick()
        return (self.pick().offer_id, t), {}

    def call(self, offer_id: str, now: float) -> None:
        """The timed call."""
        self.last = self.state.router.complete(offer_id, now=now)

    def finish(self) -> None:
        """Restore after the last call."""
        out, self.last = self.last, []
        self.restore(out)


def agent_shape(state: State) -> dict[str, float] | None:
    """Mean signatures and pools per agent, idle side and busy side (diagnostic).

    Reads router internals, so it returns ``None`` if they have changed shape.
    """
    try:
        idle = {a.agent_id for a in state.idle}
        sides: dict[str, list[tuple[int, int]]] = {"idle": [], "busy": []}
        for a in state.router._agents.values():
            pools = sum(len(p) for p in a.pools)
            sigs = sum(len(b.sigs) for buckets in a.buckets for b in buckets)
            sides["idle" if a.id in idle else "busy"].append((sigs, pools))
        return {
            f"{side}_{what}": sum(x[i] for x in rows) / len(rows)
            for side, rows in sides.items()
            if rows
            for i, what in enumerate(("signatures", "pools"))
        }
    except (AttributeError, TypeError):
        return None


@dataclass
class Throughput:
    """Result of :meth:`MixedStream.run`."""

    calls: int
    router_s: float
    loop_s: float
    counts: dict[str, int]
    mean_us: dict[str, float]  # mean time per call, by kind
    waiting_min: int
    waiting_max: int
    simulated_s: float
    new_signatures: int | None  # signatures created during the run (None: unknown)

    @property
    def events_per_s(self) -> float:
        """Router calls per second of time spent inside the router."""
        return self.calls / self.router_s


_ARRIVE, _ACCEPT, _REJECT, _COMPLETE, _ABANDON, _TICK_EV, _STEER = range(7)
_IN_SERVICE = "S"
_CALLS = ("submit", "accept", "reject", "complete", "abandon", "advance")


class MixedStream:
    """A steady mixed stream of routing calls around the built backlog.

    Poisson arrivals (rate steered every 10 s to hold the backlog), offers accepted
    after 1-6 s (3 % rejected), exponential handle times, exponential patience for
    waiting and ringing contacts, and ``advance`` every simulated second (wrap-up
    ends, relaxations). The stream takes the state over; :meth:`run` can be called
    again to go on.
    """

    def __init__(self, state: State) -> None:
        self.state = state
        self.target = len(state.waiting)
        rng = state.gen.rng
        t = state.now
        heap: list[tuple[float, int, int, Any]] = []
        seq = itertools.count()
        # contact id -> None (waiting), offer id (ringing) or _IN_SERVICE
        self.where: dict[str, str | None] = dict.fromkeys(state.waiting)
        for cid, ch in state.waiting.items():
            due = t + rng.expovariate(1 / PATIENCE_S[ch])
            heapq.heappush(heap, (due, next(seq), _ABANDON, cid))
        for offer in state.active:
            self.where[offer.contact_id] = _IN_SERVICE
            due = t + rng.expovariate(1 / HANDLE_S[str(offer.channel)])
            heapq.heappush(heap, (due, next(seq), _COMPLETE, offer))
        self.n_wait = len(state.waiting)
        self.departures = 0
        self.rate = self.n_wait / 400.0
        heapq.heappush(heap, (t + rng.expovariate(self.rate), next(seq), _ARRIVE, None))
        heapq.heappush(heap, (t + 1.0, next(seq), _TICK_EV, None))
        heapq.heappush(heap, (t + 10.0, next(seq), _STEER, None))
        self.heap, self.seq = heap, seq
        state.waiting, state.active = {}, []  # now kept by the stream

    def _offers(self, out: list[Offer], now: float) -> None:
        rng, where, heap, seq = self.state.gen.rng, self.where, self.heap, self.seq
        for o in out:
            if where.get(o.contact_id, _IN_SERVICE) is None:
                self.n_wait -= 1
            where[o.contact_id] = o.offer_id
            kind = _REJECT if rng.random() < 0.03 else _ACCEPT
            heapq.heappush(heap, (now + rng.uniform(1.0, 6.0), next(seq), kind, o))

    def run(self, calls: int) -> Throughput:
        """Make ``calls`` router calls; time each one."""
        state = self.state
        router, gen, rng = state.router, state.gen, state.gen.rng
        heap, seq, where = self.heap, self.seq, self.where
        push, pop = heapq.heappush, heapq.heappop
        counts = dict.fromkeys(_CALLS, 0)
        kind_ns = dict.fromkeys(_CALLS, 0)
        clock = clock_ns
        router_ns = 0
        lo = hi = self.n_wait
        t = t_start = state.now
        sigs = _signatures(router)
        gc.collect()
        loop_start = clock()
        done = 0
        while done < calls:
            t, _, kind, obj = pop(heap)
            if kind == _ARRIVE:
                spec = gen.contact()
                where[spec.contact_id] = None
                self.n_wait += 1
                t0 = clock()
                out = router.submit(spec, now=t)
                spent = clock() - t0
                name = "submit"
                patience = rng.expovariate(1 / PATIENCE_S[str(spec.channel)])
                push(heap, (t + patience, next(seq), _ABANDON, spec.contact_id))
                push(heap, (t + rng.expovariate(self.rate), next(seq), _ARRIVE, None))
            elif kind in (_ACCEPT, _REJECT):
                if where.get(obj.contact_id) != obj.offer_id:
                    continue  # the contact abandoned while ringing
                t0 = clock()
                if kind == _ACCEPT:
                    out = router.accept(obj.offer_id, now=t)
                    spent = clock() - t0
                    name = "accept"
                    where[obj.contact_id] = _IN_SERVICE
                    due = t + rng.expovariate(1 / HANDLE_S[str(obj.channel)])
                    push(heap, (due, next(seq), _COMPLETE, obj))
                else:
                    out = router.reject(obj.offer_id, now=t)
                    spent = clock() - t0
                    name = "reject"
                    where[obj.contact_id] = None
                    self.n_wait += 1
            elif kind == _COMPLETE:
                t0 = clock()
                out = router.complete(obj.offer_id, now=t)
                spent = clock() - t0
                name = "complete"
                del where[obj.contact_id]
                self.departures += 1
            elif kind == _ABANDON:
                status = where.get(obj, _IN_SERVICE)
                if status == _IN_SERVICE:
                    continue
                t0 = clock()
                out = router.abandon(obj, now=t)
                spent = clock() - t0
                name = "abandon"
                # a relaxation due before the abandon can offer this very contact; the
                # returned list then holds that offer, already withdrawn
                out = [o for o in out if o.contact_id != obj]
                del where[obj]
                if status is None:
                    self.n_wait -= 1
                self.departures += 1
            elif kind == _TICK_EV:
                t0 = clock()
                out = router.advance(t)
                spent = clock() - t0
                name = "advance"
                push(heap, (t + 1.0, next(seq), _TICK_EV, None))
            else:  # steer the arrival rate towards the target backlog
                self.rate = max(0.5, (self.departures + 0.5 * (self.target - self.n_wait)) / 10.0)
                self.departures = 0
                push(heap, (t + 10.0, next(seq), _STEER, None))
                continue
            counts[name] += 1
            kind_ns[name] += spent
            router_ns += spent
            done += 1
            if out:
                self._offers(out, t)
            lo = min(lo, self.n_wait)
            hi = max(hi, self.n_wait)
        loop_s = (clock() - loop_start) / 1e9
        state.now = t
        after = _signatures(router)
        new = None if sigs is None or after is None else after - sigs
        mean_us = {k: kind_ns[k] / counts[k] / 1e3 for k in _CALLS if counts[k]}
        return Throughput(calls, router_ns / 1e9, loop_s, counts, mean_us, lo, hi, t - t_start, new)


@dataclass
class Memory:
    """Result of :func:`memory_per_contact`."""

    contacts: int
    bytes_total: int
    bytes_marginal: float  # per contact, second half only (signatures already made)
    signatures: int

    @property
    def per_contact(self) -> float:
        """Bytes held per waiting contact, everything included."""
        return self.bytes_total / self.contacts


def memory_per_contact(size: Size, *, seed: int = 1) -> Memory:
    """tracemalloc bytes held by the router per waiting contact.

    ``size.agents`` agents are logged in but not ready (so signatures compute their
    eligible agents, yet nobody takes work); then ``size.waiting`` contacts are
    submitted within 10 s (no relaxation timer falls due). Everything the router
    keeps counts: contact records, queue and timer entries, id strings, and the
    signatures the contacts create.
    """
    router = Router(prestige(), start=0.0)
    gen = Generator(seed)
    for _ in range(size.agents):
        router.add_agent(gen.agent(), presence="not_ready", now=0.0)
    n = size.waiting
    dt = 10.0 / n
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        half = 0
        for i in range(n):
            router.submit(gen.contact(), now=(i + 1) * dt)
            if i + 1 == n // 2:
                gc.collect()
                half = tracemalloc.get_traced_memory()[0]
        gc.collect()
        end = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    if router.waiting_count() != n:
        raise AssertionError("a contact was served in the memory benchmark")
    return Memory(n, end - base, (end - half) / (n - n // 2), router.stats()["signatures"])


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls of ``fn`` in seconds, and its last result."""
    best = math.inf
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def customer_arrays(n: int, seed: int = 1) -> dict[str, Any]:
    """A customer base of ``n`` rows for ``ValueModel().score_batch`` (numpy arrays)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    recency = rng.exponential(60.0, n)
    recency[rng.random(n) < 0.05] = np.nan  # unknown recency
    crm = np.full(n, -1, dtype=np.int64)
    has_crm = rng.random(n) < 0.1
    crm[has_crm] = rng.integers(0, 3, int(has_crm.sum()))
    return {
        "clv_past": rng.lognormal(7.0, 1.2, n),
        "clv_predicted": rng.lognormal(6.5, 1.2, n),
        "recency_days": recency,
        "frequency": rng.poisson(6.0, n).astype(np.float64),
        "spend": rng.lognormal(6.0, 1.0, n),
        "cost_to_serve": rng.lognormal(5.0, 1.0, n),
        "connected_value": rng.lognormal(5.0, 1.5, n),
        "strategic": rng.random(n) < 0.01,
        "crm_tier": crm,
    }
