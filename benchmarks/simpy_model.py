"""The two-class priority M/M/c+M center, three ways, on the same parameters.

- :func:`run_simpy` -- idiomatic SimPy: a ``PriorityResource`` for the agents,
  ``env.timeout`` for service, ``yield req | env.timeout(patience)`` for abandonment.
- :func:`run_tierroute` -- tierroute's simulator (``tierroute.planning.simulation``) driving
  the real :class:`~tierroute.Router`: two tiers whose priority keys make class 1
  strictly first (target 1 s against 10^9 s), no relaxation, no wrap-up.
- :func:`run_heapq` -- a bare ``heapq`` event loop with no routing logic at all, the
  floor any engine could reach (the design's reference point).

Class 1 has strict, non-preemptive priority over class 2; each class is served first
come, first served. Handle times and patience are exponential. Arrivals stop at the
horizon and the day runs until the last contact has left. A replication reports,
for contacts arriving after the warm-up, each class's mean wait of answered
contacts (ASA) and abandonment share.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import simpy

clock_s: Callable[[], float] = time.perf_counter
"""The clock a replication's ``elapsed`` is read from (``report.py --clock cpu``:
``time.thread_time``)."""


@dataclass(frozen=True)
class CenterParams:
    """The model: ``agents`` servers, two Poisson classes (index 0 is class 1)."""

    agents: int = 50
    rates: tuple[float, float] = (0.05, 0.12)  # arrivals per second
    handle: float = 300.0  # mean handle time, s
    patience: tuple[float, float] = (300.0, 180.0)  # mean patience, s
    horizon: float = 8 * 3600.0
    warmup: float = 1800.0

    @property
    def expected_arrivals(self) -> float:
        """Mean arrivals per replication."""
        return sum(self.rates) * self.horizon


@dataclass
class Outcome:
    """One replication: per class (index 0 = class 1) after the warm-up."""

    arrivals: int  # all arrivals, warm-up included (the work done)
    answered: list[int]
    abandoned: list[int]
    wait_sum: list[float]  # waits of answered contacts
    elapsed: float  # wall seconds

    def mean_wait(self, k: int) -> float:
        """Mean wait of answered class-``k`` contacts (NaN if none)."""
        return self.wait_sum[k] / self.answered[k] if self.answered[k] else math.nan

    def abandon_share(self, k: int) -> float:
        """Abandoned / (answered + abandoned) for class ``k``."""
        n = self.answered[k] + self.abandoned[k]
        return self.abandoned[k] / n if n else math.nan


# ---------------------------------------------------------------------- SimPy


def run_simpy(p: CenterParams, seed: int) -> Outcome:
    """One replication in idiomatic SimPy."""
    started = clock_s()
    rng = random.Random(seed)
    env = simpy.Environment()
    agents = simpy.PriorityResource(env, capacity=p.agents)
    out = Outcome(0, [0, 0], [0, 0], [0.0, 0.0], 0.0)
    service_rate = 1.0 / p.handle

    def customer(k: int) -> Any:
        arrived = env.now
        with agents.request(priority=k) as req:
            result = yield req | env.timeout(rng.expovariate(1.0 / p.patience[k]))
            counted = arrived >= p.warmup
            if req in result:
                if counted:
                    out.answered[k] += 1
                    out.wait_sum[k] += env.now - arrived
                yield env.timeout(rng.expovariate(service_rate))
            elif counted:
                out.abandoned[k] += 1

    def source(k: int) -> Any:
        rate = p.rates[k]
        while True:
            yield env.timeout(rng.expovariate(rate))
            if env.now >= p.horizon:
                return
            out.arrivals += 1
            env.process(customer(k))

    for k in (0, 1):
        env.process(source(k))
    env.run()
    out.elapsed = clock_s() - started
    return out


# ---------------------------------------------------------------------- bare heapq

_ARRIVE, _DONE, _GIVE_UP = 0, 1, 2


def run_heapq(p: CenterParams, seed: int) -> Outcome:
    """One replication as a bare ``heapq`` loop: two FIFO deques, lazy abandonment."""
    started = clock_s()
    rng = random.Random(seed)
    expo = rng.expovariate
    out = Outcome(0, [0, 0], [0, 0], [0.0, 0.0], 0.0)
    seq = itertools.count()
    heap: list[tuple[float, int, int, Any]] = []
    push, pop = heapq.heappush, heapq.heappop
    queues: tuple[deque[list[Any]], deque[list[Any]]] = (deque(), deque())
    free = p.agents
    mu = 1.0 / p.handle
    theta = (1.0 / p.patience[0], 1.0 / p.patience[1])
    warmup, horizon = p.warmup, p.horizon
    for k in (0, 1):
        push(heap, (expo(p.rates[k]), next(seq), _ARRIVE, k))
    while heap:
        t, _, kind, obj = pop(heap)
        if kind == _ARRIVE:
            k = obj
            nxt = t + expo(p.rates[k])
            if nxt < horizon:
                push(heap, (nxt, next(seq), _ARRIVE, k))
            out.arrivals += 1
            if free:  # then nobody is waiting
                free -= 1
                if t >= warmup:
                    out.answered[k] += 1
                push(heap, (t + expo(mu), next(seq), _DONE, None))
            else:
                c = [t, k, True]  # arrived, class, waiting
                queues[k].append(c)
                push(heap, (t + expo(theta[k]), next(seq), _GIVE_UP, c))
        elif kind == _DONE:
            for q in queues:
                while q and not q[0][2]:
                    q.popleft()
                if q:
                    c = q.popleft()
                    c[2] = False
                    if c[0] >= warmup:
                        out.answered[c[1]] += 1
                        out.wait_sum[c[1]] += t - c[0]
                    push(heap, (t + expo(mu), next(seq), _DONE, None))
                    break
            else:
                free += 1
        elif obj[2]:
            obj[2] = False
            if obj[0] >= warmup:
                out.abandoned[obj[1]] += 1
    out.elapsed = clock_s() - started
    return out


# ---------------------------------------------------------------------- tierroute


def scenario_mapping(p: CenterParams, seed: int) -> dict[str, Any]:
    """The model as a tierroute scenario mapping (one replication)."""

    def stream(k: int) -> dict[str, Any]:
        return {
            "name": f"class{k + 1}",
            "channel": "voice",
            "tiers": {f"class{k + 1}": 1.0},
            "arrivals": {"rate_per_hour": p.rates[k] * 3600.0},
            "handle_time": {"kind": "exponential", "mean": p.handle},
            "patience": {"kind": "exponential", "mean": p.patience[k]},
        }

    return {
        "name": "two-class M/M/c+M",
        "horizon": p.horizon,
        "interval": p.horizon,
        "warmup": p.warmup,
        "replications": 1,
        "seed": seed,
        "drain": True,
        "policy": {
            # strict priority: class 1's key is its arrival + 1 s, class 2's + 1e9 s
            "tiers": [
                {"name": "class1", "targets": {"voice": 1.0}},
                {"name": "class2", "targets": {"voice": 1e9}},
            ],
            "channels": {"voice": {"wrap_up_s": 0.0}},
        },
        "agents": [{"name": "agents", "count": p.agents, "channels": {"voice": 1}}],
        "streams": [stream(0), stream(1)],
    }


def tierroute_simulator() -> tuple[Any, Any] | str:
    """``(Scenario, simulate)`` from ``tierroute.planning.simulation``, or why it is unusable."""
    try:
        from tierroute import Scenario, simulate
    except ImportError as exc:
        return f"tierroute.planning.simulation is not usable yet ({exc}); tierroute side pending"
    return Scenario, simulate


def run_tierroute(p: CenterParams, seed: int) -> Outcome:
    """One replication with tierroute's simulator (sequential, in this process).

    Raises:
        RuntimeError: ``tierroute.planning.simulation`` does not offer ``Scenario`` and
            ``simulate`` yet.
    """
    found = tierroute_simulator()
    if isinstance(found, str):
        raise RuntimeError(found)
    scenario_cls, simulate = found
    scenario = scenario_cls.from_mapping(scenario_mapping(p, seed))
    started = clock_s()
    result = simulate(scenario)
    elapsed = clock_s() - started
    out = Outcome(0, [0, 0], [0, 0], [0.0, 0.0], elapsed)
    for rep in result.replications:
        out.arrivals += len(rep.columns["arrived"])
    summary = result.summary
    for k in (0, 1):
        cell = summary[(f"class{k + 1}", "voice")]
        answered = round(cell["answered"].mean)
        out.answered[k] = answered
        out.abandoned[k] = round(cell["abandoned"].mean)
        out.wait_sum[k] = cell["mean_wait"].mean * answered
    return out


# ---------------------------------------------------------------------- statistics

# Student t 0.995 quantiles (two-sided 99 %) for df = 1..30; beyond, the normal's.
_T995 = (
    63.657, 9.925, 5.841, 4.604, 4.032, 3.707, 3.499, 3.355, 3.250, 3.169,
    3.106, 3.055, 3.012, 2.977, 2.947, 2.921, 2.898, 2.878, 2.861, 2.845,
    2.831, 2.819, 2.807, 2.797, 2.787, 2.779, 2.771, 2.763, 2.756, 2.750,
)  # fmt: skip


def t995(df: float) -> float:
    """Two-sided 99 % Student t quantile (``df`` rounded down, at least 1)."""
    d = max(1, int(df))
    return _T995[d - 1] if d <= len(_T995) else 2.576


def mean_sd(xs: list[float]) -> tuple[float, float]:
    """Sample mean and standard deviation."""
    n = len(xs)
    m = sum(xs) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1)) if n > 1 else math.nan
    return m, sd


@dataclass(frozen=True)
class Agreement:
    """Welch comparison of two engines' replication means of one statistic."""

    mean_a: float
    mean_b: float
    diff: float
    half_width: float  # of the 99 % CI of the difference

    @property
    def agree(self) -> bool:
        """Whether 0 lies in the 99 % CI of the difference."""
        return abs(self.diff) <= self.half_width


def agreement(a: list[float], b: list[float]) -> Agreement:
    """Compare replication values ``a`` and ``b`` (independent samples, Welch's t)."""
    ma, sa = mean_sd(a)
    mb, sb = mean_sd(b)
    va, vb = sa * sa / len(a), sb * sb / len(b)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va * va / (len(a) - 1) + vb * vb / (len(b) - 1)) if se else 1.0
    return Agreement(ma, mb, ma - mb, t995(df) * se)
