"""Tests of tierroute.planning.staffing: published values, closed forms, independent references
(exact recursion, brute-force chain, Monte Carlo), properties and input validation."""

from __future__ import annotations

import heapq
import itertools
import math
import warnings
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierroute.errors import InvalidArgument
from tierroute.planning import staffing
from tierroute.planning.staffing import (
    ErlangAResult,
    StaffingResult,
    asa,
    erlang,
    erlang_a,
    erlang_b,
    erlang_c,
    occupancy,
    required_agents,
    required_agents_by_interval,
    requirements,
    service_level,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- reference models


def exact_erlang_b(traffic: float, agents: int) -> float:
    """The textbook recursion B(n) = A B(n-1) / (n + A B(n-1)), O(N)."""
    b = 1.0
    for n in range(1, agents + 1):
        b = traffic * b / (n + traffic * b)
    return b


def exact_erlang_c(traffic: float, agents: int) -> float:
    if traffic >= agents:
        return 1.0
    b = exact_erlang_b(traffic, agents)
    return agents * b / (agents - traffic * (1.0 - b))


def brute_force_erlang_a(
    lam: float, aht: float, patience: float, agents: int, target: float, cap: int = 400
) -> dict[str, float]:
    """M/M/N+M by brute force: the truncated chain, normalised directly, and for every
    queue length k the tagged customer's absorbing chain (k ahead ... head of queue,
    answered, abandoned) solved by uniformisation (P(answered by target)) and by a
    linear solve (E[wait; answered]). Independent of the module's closed forms."""
    mu, theta = 1.0 / aht, 1.0 / patience
    logs = [n * math.log(lam / mu) - math.lgamma(n + 1) for n in range(agents + 1)]
    level = logs[-1]
    for k in range(1, cap + 1):
        level += math.log(lam / (agents * mu + k * theta))
        logs.append(level)
    weights = np.exp(np.array(logs) - max(logs))
    probs = weights / weights.sum()
    queue = probs[agents:]
    ks = np.arange(len(queue))
    answered_no_wait = float(probs[:agents].sum())
    within = answered_no_wait
    wait_answered = 0.0
    answered = answered_no_wait
    for k in range(len(queue)):
        if queue[k] < 1e-18:
            continue
        size = k + 1  # transient states: k, k-1, ..., 0 customers ahead
        gen = np.zeros((size + 2, size + 2))
        for idx in range(size):
            ahead = k - idx
            advance = agents * mu + ahead * theta
            gen[idx, idx + 1 if idx + 1 < size else size] += advance
            gen[idx, size + 1] += theta
            gen[idx, idx] = -(advance + theta)
        # P(answered) and E[time; answered] from the absorbing chain.
        transient = gen[:size, :size]
        to_answer = gen[:size, size]
        h = np.linalg.solve(-transient, to_answer)
        m = np.linalg.solve(-transient, h)
        answered += float(queue[k] * h[0])
        wait_answered += float(queue[k] * m[0])
        # P(answered by target) by uniformisation.
        rate = float(-gen.diagonal().min())
        step = np.eye(size + 2) + gen / rate
        x = rate * target
        state = np.zeros(size + 2)
        state[0] = 1.0
        total = np.zeros(size + 2)
        log_w = -x
        for n in range(int(x + 20 * math.sqrt(x) + 60)):
            if n:
                state = state @ step
                log_w += math.log(x / n)
            total += state * math.exp(log_w)
        within += float(queue[k] * total[size])
    queue_length = float((ks * queue).sum())
    return {
        "wait_probability": float(queue.sum()),
        "abandon_probability": theta * queue_length / lam,
        "mean_wait": queue_length / lam,
        "service_level": within,
        "asa": wait_answered / answered,
        "answered": answered,
    }


def simulate_erlang_a(
    lam: float,
    aht: float,
    patience: float,
    agents: int,
    target: float,
    customers: int,
    seed: int,
    batches: int = 20,
) -> dict[str, tuple[float, float]]:
    """FCFS M/M/N+M simulation by offered waits: an arrival's offered wait is the time
    until the earliest agent frees up; it is answered iff that is within its patience,
    and only answered contacts occupy agents. Returns (mean, 99% half-width) of each
    measure from batch means after a 10% warm-up."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1.0 / lam, customers)).tolist()
    services = rng.exponential(aht, customers).tolist()
    patiences = rng.exponential(patience, customers).tolist()
    free = [0.0] * agents
    waited = np.zeros(customers)
    abandoned = np.zeros(customers)
    wait = np.zeros(customers)
    within = np.zeros(customers)
    for i in range(customers):
        now = arrivals[i]
        offered = free[0] - now
        if offered <= 0.0:
            heapq.heapreplace(free, now + services[i])
            within[i] = 1.0
        elif offered <= patiences[i]:
            heapq.heapreplace(free, free[0] + services[i])
            waited[i] = 1.0
            wait[i] = offered
            within[i] = float(offered <= target)
        else:
            waited[i] = 1.0
            abandoned[i] = 1.0
            wait[i] = patiences[i]
    keep = slice(customers // 10, None)
    answered = 1.0 - abandoned[keep]
    series = {
        "wait_probability": (waited[keep], None),
        "abandon_probability": (abandoned[keep], None),
        "mean_wait": (wait[keep], None),
        "service_level": (within[keep], None),
        "asa": (wait[keep] * answered, answered),
    }
    t99 = 2.861  # Student t, 0.995 quantile, 19 degrees of freedom
    out: dict[str, tuple[float, float]] = {}
    for name, (values, denominators) in series.items():
        num = np.array([chunk.sum() for chunk in np.array_split(values, batches)])
        if denominators is None:
            den = np.array([len(chunk) for chunk in np.array_split(values, batches)], float)
        else:
            den = np.array([chunk.sum() for chunk in np.array_split(denominators, batches)])
        means = num / den
        out[name] = (float(num.sum() / den.sum()), t99 * float(means.std(ddof=1)) / batches**0.5)
    return out


# ------------------------------------------------------------ published / closed form


def test_callcentrehelper_worked_example() -> None:
    traffic = 360 * 240 / 1800
    assert traffic == 48.0
    assert erlang_c(traffic, 55) == pytest.approx(0.2387, abs=5e-5)
    assert asa(traffic, 55, 240) == pytest.approx(8.2, abs=0.05)
    assert service_level(traffic, 55, 240, 20) == pytest.approx(0.867, abs=5e-4)
    assert service_level(traffic, 54, 240, 20) >= 0.8 > service_level(traffic, 53, 240, 20)
    plan = required_agents(traffic, aht=240, target=20, service_level=0.8)
    assert plan.agents == 54
    assert plan.scheduled == 54
    assert plan.traffic == 48.0
    assert plan.service_level == pytest.approx(0.8172, abs=5e-5)
    assert plan.wait_probability == pytest.approx(erlang_c(48, 54), rel=1e-15)
    assert plan.occupancy == pytest.approx(48 / 54)
    assert plan.abandon_probability == 0.0
    assert required_agents(arrival_rate=0.2, aht=240, target=20).agents == 54


@pytest.mark.parametrize(
    ("traffic", "agents", "expected", "tol"),
    [
        (1.0, 1, 0.5, 1e-15),
        (2.0, 3, 4 / 19, 1e-15),
        (10.0, 10, 0.21458, 5e-6),
        (5.0, 10, 0.018385, 5e-7),
        (20.0, 30, 0.0085, 5e-5),
    ],
)
def test_erlang_b_table(traffic: float, agents: int, expected: float, tol: float) -> None:
    assert erlang_b(traffic, agents) == pytest.approx(expected, abs=tol)


def test_erlang_b_exact_rational() -> None:
    # B(2, 3) = (8/6) / (1 + 2 + 2 + 8/6) = 4/19.
    assert Fraction(erlang_b(2, 3)).limit_denominator(1000) == Fraction(4, 19)
    assert erlang_b(0, 0) == 1.0
    assert erlang_b(0, 5) == 0.0
    assert erlang_b(7.5, 0) == 1.0


@given(rho=st.floats(0.0, 0.999))
@FAST
def test_mm1_closed_forms(rho: float) -> None:
    assert erlang_c(rho, 1) == pytest.approx(rho, rel=1e-12, abs=1e-300)
    assert asa(rho, 1, 60.0) == pytest.approx(60.0 * rho / (1 - rho), rel=1e-12, abs=1e-300)


@given(rho=st.floats(0.0, 0.999))
@FAST
def test_mm2_closed_form(rho: float) -> None:
    assert erlang_c(2 * rho, 2) == pytest.approx(2 * rho**2 / (1 + rho), rel=1e-12, abs=1e-300)


def test_occupancy_values() -> None:
    assert occupancy(48, 55) == pytest.approx(48 / 55)
    assert occupancy(60, 55) == 1.0
    assert occupancy(3, 0) == 1.0
    assert occupancy(0, 0) == 0.0
    assert occupancy(0, 4) == 0.0


def test_overload_values() -> None:
    for traffic, agents in [(10, 10), (12.5, 10), (1, 0), (0, 0), (1e5, 99_999)]:
        assert erlang_c(traffic, agents) == 1.0
        assert service_level(traffic, agents, 180, 20) == 0.0
        assert asa(traffic, agents, 180) == math.inf


# ------------------------------------------------------------- fast method accuracy


@given(agents=st.integers(1, 3000), load=st.floats(0.001, 1.3), data=st.data())
@settings(max_examples=200, deadline=None)
def test_fast_erlang_b_matches_recursion(agents: int, load: float, data: st.DataObject) -> None:
    traffic = load * agents
    exact = exact_erlang_b(traffic, agents)
    assert erlang_b(traffic, agents) == pytest.approx(exact, rel=1e-9, abs=1e-290)
    assert erlang_c(traffic, agents) == pytest.approx(
        exact_erlang_c(traffic, agents), rel=1e-9, abs=1e-290
    )


@given(traffic=st.floats(1e-3, 3000.0), agents=st.integers(1, 4000))
@settings(max_examples=200, deadline=None)
def test_fast_erlang_b_matches_recursion_any_load(traffic: float, agents: int) -> None:
    # Covers the O(1) Loader branch (N far above A) as well as the window sum.
    exact = exact_erlang_b(traffic, agents)
    assert erlang_b(traffic, agents) == pytest.approx(exact, rel=1e-9, abs=1e-290)


def test_fast_erlang_b_accuracy_is_about_1e12() -> None:
    rng = np.random.default_rng(20240601)
    worst = 0.0
    for _ in range(400):
        agents = int(rng.integers(1, 4000))
        traffic = float(rng.uniform(0.01, 1.3 * agents))
        exact = exact_erlang_b(traffic, agents)
        if exact > 1e-280:
            worst = max(worst, abs(erlang_b(traffic, agents) - exact) / exact)
    assert worst < 2e-12


def test_extreme_inputs_do_not_overflow() -> None:
    assert erlang_b(1e-20, 20) == 0.0
    assert erlang_b(1e-10, 5) == pytest.approx(1e-50 / 120, rel=1e-12)
    assert erlang_b(1e300, 3) == pytest.approx(1.0)
    assert erlang_b(5.0, 100_000) == 0.0
    assert erlang_c(1e-300, 1) == pytest.approx(1e-300)


# ------------------------------------------------------------------- properties


@given(traffic=st.floats(0.0, 500.0), agents=st.integers(0, 700))
@FAST
def test_probabilities_in_unit_interval(traffic: float, agents: int) -> None:
    b, c = erlang_b(traffic, agents), erlang_c(traffic, agents)
    assert 0.0 <= b <= 1.0
    assert 0.0 <= c <= 1.0
    assert c >= b or c == pytest.approx(b, rel=1e-12)
    assert 0.0 <= service_level(traffic, agents, 100.0, 20.0) <= 1.0
    assert 0.0 <= occupancy(traffic, agents) <= 1.0
    assert asa(traffic, agents, 100.0) >= 0.0


@given(traffic=st.floats(0.01, 2000.0), agents=st.integers(0, 2500))
@FAST
def test_monotone_in_agents(traffic: float, agents: int) -> None:
    def close_or(smaller: float, larger: float) -> bool:
        return smaller <= larger or smaller == pytest.approx(larger, rel=1e-12)

    assert close_or(erlang_b(traffic, agents + 1), erlang_b(traffic, agents))
    assert close_or(erlang_c(traffic, agents + 1), erlang_c(traffic, agents))
    assert close_or(asa(traffic, agents + 1, 60.0), asa(traffic, agents, 60.0))
    assert close_or(
        service_level(traffic, agents, 60.0, 15.0), service_level(traffic, agents + 1, 60.0, 15.0)
    )


@given(
    traffic=st.floats(0.01, 500.0),
    extra=st.integers(1, 100),
    target=st.floats(0.0, 600.0),
    more=st.floats(0.0, 600.0),
)
@FAST
def test_service_level_monotone_in_target(
    traffic: float, extra: int, target: float, more: float
) -> None:
    agents = math.floor(traffic) + extra
    assert service_level(traffic, agents, 120.0, target) <= service_level(
        traffic, agents, 120.0, target + more
    )


@given(traffic=st.floats(0.0, 1000.0), deficit=st.floats(0.0, 1000.0))
@FAST
def test_overload_property(traffic: float, deficit: float) -> None:
    agents = max(0, math.floor(traffic - deficit))
    if traffic >= agents:
        assert erlang_c(traffic, agents) == 1.0
        assert service_level(traffic, agents, 60.0, 20.0) == 0.0
        assert asa(traffic, agents, 60.0) == math.inf
        assert occupancy(traffic, agents) == (1.0 if traffic > 0 or agents > 0 else 0.0) or (
            traffic == 0.0
        )


# --------------------------------------------------------------------- Erlang A


@pytest.mark.parametrize(
    ("lam", "aht", "patience", "agents", "target"),
    [
        (2.0, 1.0, 2.0, 2, 0.5),
        (3.0, 1.0, 0.5, 2, 1.0),  # overloaded
        (1.0, 1.0, 5.0, 3, 0.3),
        (5.0, 1.0, 1.0, 3, 0.7),  # overloaded
        (0.05, 60.0, 45.0, 4, 20.0),
    ],
)
def test_erlang_a_matches_brute_force_chain(
    lam: float, aht: float, patience: float, agents: int, target: float
) -> None:
    got = erlang_a(lam, aht, patience, agents, target)
    ref = brute_force_erlang_a(lam, aht, patience, agents, target, cap=150)
    for name in ("wait_probability", "abandon_probability", "service_level", "asa"):
        assert getattr(got, name) == pytest.approx(ref[name], rel=1e-9, abs=1e-12), name
    assert got.mean_wait == pytest.approx(ref["mean_wait"], rel=1e-9)
    assert got.mean_queue_length == pytest.approx(lam * got.mean_wait, rel=1e-12)
    assert 1 - got.abandon_probability == pytest.approx(ref["answered"], rel=1e-9)


def integral_reference(
    lam: float, aht: float, patience: float, agents: int, target: float
) -> tuple[float, float]:
    """P(wait, answered, wait <= target) / pi_N and E[wait; answered] / pi_N from the
    integral form N mu int exp(r (1 - e^{-theta s}) - (N mu + theta) s) ds."""
    mu, theta = 1 / aht, 1 / patience
    r = lam / theta

    def integrand(s: np.ndarray) -> np.ndarray:
        return np.exp(r * -np.expm1(-theta * s) - (agents * mu + theta) * s)

    nodes, weights = np.polynomial.legendre.leggauss(80)

    def integrate(
        f: Callable[[np.ndarray], np.ndarray], lo: float, hi: float, pieces: int = 400
    ) -> float:
        edges = np.linspace(lo, hi, pieces + 1)
        total = 0.0
        for a, b in itertools.pairwise(edges):
            s = 0.5 * (b - a) * nodes + 0.5 * (a + b)
            total += 0.5 * (b - a) * float(np.dot(weights, f(s)))
        return total

    horizon = 60.0 / (agents * mu + theta) + 80 * patience
    sl = agents * mu * integrate(integrand, 0.0, target)
    mean = agents * mu * integrate(lambda s: s * integrand(s), 0.0, horizon, 4000)
    return sl, mean


def pi_n(lam: float, aht: float, patience: float, agents: int) -> float:
    traffic = lam * aht
    c, r = agents * patience / aht, lam * patience
    u = 1 / exact_erlang_b(traffic, agents) - 1
    s, t, k = 1.0, 1.0, 0
    while t > 1e-18 * s or k < r - c:
        k += 1
        t *= r / (c + k)
        s += t
    return 1 / (u + s)


@pytest.mark.parametrize(
    ("lam", "aht", "patience", "agents", "target"),
    [
        (0.2, 240.0, 120.0, 50, 20.0),
        (0.2, 240.0, 600.0, 45, 60.0),  # overloaded
        (1.0, 30.0, 10.0, 25, 5.0),
    ],
)
def test_erlang_a_matches_integral_form(
    lam: float, aht: float, patience: float, agents: int, target: float
) -> None:
    got = erlang_a(lam, aht, patience, agents, target)
    sl_wait, mean_answered = integral_reference(lam, aht, patience, agents, target)
    p = pi_n(lam, aht, patience, agents)
    no_wait = 1 - got.wait_probability
    assert got.service_level == pytest.approx(no_wait + p * sl_wait, rel=1e-9)
    assert got.asa == pytest.approx(p * mean_answered / (1 - got.abandon_probability), rel=1e-8)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lam", "aht", "patience", "agents", "target", "seed"),
    [
        (6.0, 1.0, 1.5, 5, 0.2, 7),  # overloaded: A = 6 > N = 5
        (6.5, 1.0, 3.0, 8, 0.25, 11),
    ],
)
def test_erlang_a_monte_carlo(
    lam: float, aht: float, patience: float, agents: int, target: float, seed: int
) -> None:
    got = erlang_a(lam, aht, patience, agents, target)
    sim = simulate_erlang_a(lam, aht, patience, agents, target, customers=1_000_000, seed=seed)
    for name, (mean, half_width) in sim.items():
        assert abs(getattr(got, name) - mean) <= half_width, (name, getattr(got, name), mean)


def test_erlang_a_infinite_patience_is_erlang_c() -> None:
    res = erlang_a(0.2, 240, math.inf, 55, 20)
    assert res.wait_probability == erlang_c(48, 55)
    assert res.asa == res.mean_wait == asa(48, 55, 240)
    assert res.service_level == service_level(48, 55, 240, 20)
    assert res.abandon_probability == 0.0
    assert res.occupancy == occupancy(48, 55)
    over = erlang_a(0.25, 240, math.inf, 55, 20)
    assert (over.wait_probability, over.service_level, over.mean_wait) == (1.0, 0.0, math.inf)
    assert over.abandon_probability == 0.0
    assert over.occupancy == 1.0


def test_erlang_a_patience_to_infinity_approaches_erlang_c() -> None:
    res = erlang_a(0.2, 240, 1e9, 55, 20)
    assert res.wait_probability == pytest.approx(erlang_c(48, 55), rel=1e-6)
    assert res.service_level == pytest.approx(service_level(48, 55, 240, 20), rel=1e-6)
    assert res.mean_wait == pytest.approx(asa(48, 55, 240), rel=1e-5)
    assert res.asa == pytest.approx(asa(48, 55, 240), rel=1e-5)
    assert res.abandon_probability < 1e-7


def test_erlang_a_patience_to_zero_approaches_erlang_b() -> None:
    blocked = erlang_b(48, 55)
    small = erlang_a(0.2, 240, 1e-6, 55, 20)
    assert small.abandon_probability == pytest.approx(blocked, rel=1e-6)
    assert small.wait_probability == pytest.approx(blocked, rel=1e-6)
    assert small.service_level == pytest.approx(1 - blocked, rel=1e-6)
    assert small.mean_wait < 1e-6
    zero = erlang_a(0.2, 240, 0.0, 55, 20)
    assert zero.abandon_probability == blocked
    assert zero.service_level == 1 - blocked
    assert zero.occupancy == pytest.approx(48 * (1 - blocked) / 55)


def test_erlang_a_edge_cases() -> None:
    nobody = erlang_a(0.5, 100, 60, 0, 20)
    assert nobody.abandon_probability == nobody.wait_probability == 1.0
    assert nobody.service_level == 0.0
    assert nobody.mean_wait == 60.0
    assert nobody.asa == math.inf
    quiet = erlang_a(0.0, 100, 60, 3, 20)
    assert quiet.wait_probability == quiet.abandon_probability == 0.0
    assert quiet.service_level == 1.0
    no_target = erlang_a(0.2, 240, 120, 50, 0)
    assert no_target.service_level == pytest.approx(1 - no_target.wait_probability)
    long_target = erlang_a(0.2, 240, 120, 50, 1e6)
    assert long_target.service_level == pytest.approx(1 - long_target.abandon_probability)


@given(
    lam=st.floats(0.01, 5.0),
    aht=st.floats(1.0, 600.0),
    patience=st.floats(1.0, 1200.0),
    agents=st.integers(1, 400),
    target=st.floats(0.0, 120.0),
)
@settings(max_examples=120, deadline=None)
def test_erlang_a_properties(
    lam: float, aht: float, patience: float, agents: int, target: float
) -> None:
    res = erlang_a(lam, aht, patience, agents, target)
    for name in ("wait_probability", "abandon_probability", "service_level", "occupancy"):
        assert 0.0 <= getattr(res, name) <= 1.0, name
    assert res.abandon_probability <= res.wait_probability * (1 + 1e-12) + 1e-300
    assert res.service_level <= 1 - res.abandon_probability + 1e-12
    # Occupancy from the chain (mean busy agents) equals carried load / N.
    carried = lam * (1 - res.abandon_probability) * aht / agents
    assert res.occupancy == pytest.approx(carried, rel=1e-9, abs=1e-12)
    assert res.mean_queue_length == pytest.approx(lam * res.mean_wait, rel=1e-12)
    more = erlang_a(lam, aht, patience, agents + 1, target)
    assert more.service_level >= res.service_level - 1e-12
    assert more.abandon_probability <= res.abandon_probability + 1e-12
    assert more.asa <= res.asa * (1 + 1e-9) + 1e-12
    assert more.occupancy <= res.occupancy + 1e-12


def test_erlang_a_windowed_tail_matches_full_sum() -> None:
    # Heavy overload: the tail window starts far from k = 0 (incomplete-beta branch).
    for args in [(15.0, 100.0, 120.0, 1000, 49.0), (12.0, 100.0, 1000.0, 1000, 182.0)]:
        windowed = erlang._erlang_a_chain(*args)
        full = erlang._erlang_a_chain(*args, full_window=True)
        for name in ErlangAResult.__slots__:
            assert getattr(windowed, name) == pytest.approx(
                getattr(full, name), rel=1e-10, abs=1e-12
            ), name


def test_erlang_a_fluid_limit_in_overload() -> None:
    # Large overloaded system: abandonment ~ 1 - N / A and the wait ~ log(lam / N mu) / theta.
    res = erlang_a(15.0, 100.0, 120.0, 1000, 20.0)
    assert res.abandon_probability == pytest.approx(1 / 3, rel=1e-9)
    assert res.asa == pytest.approx(120 * math.log(1.5), rel=5e-3)
    assert res.occupancy == pytest.approx(1.0)


# --------------------------------------------------------------------- stability


def test_large_systems_are_stable() -> None:
    c = erlang_c(99_000, 100_000)
    assert 0.0 < c < 1e-3
    assert c == pytest.approx(exact_erlang_c(99_000, 100_000), rel=1e-9)
    b = erlang_b(1e5, 100_000)
    assert b == pytest.approx(exact_erlang_b(1e5, 100_000), rel=1e-9)
    assert 0.002 < b < 0.003
    res = erlang_a(10_000 / 300 * 0.98, 300.0, 180.0, 10_000, 20.0)
    for value in (res.wait_probability, res.abandon_probability, res.service_level):
        assert 0.0 <= value <= 1.0
    assert math.isfinite(res.mean_wait)
    assert math.isfinite(res.asa)
    over = erlang_a(10_000 / 300 * 1.2, 300.0, 180.0, 10_000, 20.0)
    assert over.abandon_probability == pytest.approx(1 - 1 / 1.2, rel=1e-3)
    plan = required_agents(100_000, aht=300, target=20)
    assert 100_000 < plan.agents < 100_100
    assert plan.service_level >= 0.8 > service_level(100_000, plan.agents - 1, 300, 20)
    plan_a = required_agents(100_000, aht=300, target=20, patience=120, max_abandon=0.01)
    assert plan_a.abandon_probability <= 0.01
    assert plan_a.service_level >= 0.8


HUGE = st.floats(0.0, 1e300)


@given(
    lam=HUGE,
    aht=st.floats(1e-300, 1e300),
    patience=st.one_of(HUGE, st.just(math.inf)),
    agents=st.integers(0, 3000),
    target=HUGE,
)
@settings(max_examples=300, deadline=None)
def test_erlang_a_never_crashes(
    lam: float, aht: float, patience: float, agents: int, target: float
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            res = erlang_a(lam, aht, patience, agents, target)
        except InvalidArgument as exc:  # only for absurd scale combinations
            message = str(exc)
            res = None
    if res is None:
        assert "patience" in message or "arrival_rate * aht" in message
        return
    for name in ("wait_probability", "abandon_probability", "service_level", "occupancy"):
        assert 0.0 <= getattr(res, name) <= 1.0, name
    for name in ("mean_wait", "asa", "mean_queue_length"):
        assert getattr(res, name) >= 0.0, name


@given(traffic=HUGE, agents=st.integers(0, 10**6), aht=st.floats(1e-300, 1e300), target=HUGE)
@settings(max_examples=300, deadline=None)
def test_erlang_c_never_crashes(traffic: float, agents: int, aht: float, target: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = (
            erlang_b(traffic, agents),
            erlang_c(traffic, agents),
            service_level(traffic, agents, aht, target),
            occupancy(traffic, agents),
        )
        assert asa(traffic, agents, aht) >= 0.0
    assert all(0.0 <= v <= 1.0 for v in values)


# ---------------------------------------------------------------- required agents


def meets(plan_metrics: tuple[float, float, float, float], **limits: float | None) -> bool:
    sl, speed, occ, abandon = plan_metrics
    return (
        (limits["service_level"] is None or sl >= limits["service_level"])
        and (limits["max_asa"] is None or speed <= limits["max_asa"])
        and (limits["max_abandon"] is None or abandon <= limits["max_abandon"])
        and (limits["max_occupancy"] is None or occ <= limits["max_occupancy"])
    )


@given(
    traffic=st.floats(0.05, 3000.0),
    aht=st.floats(10.0, 900.0),
    target=st.floats(0.0, 120.0),
    sl=st.one_of(st.none(), st.floats(0.0, 0.99)),
    max_asa=st.one_of(st.none(), st.floats(0.5, 300.0)),
    max_occupancy=st.one_of(st.none(), st.floats(0.5, 1.0)),
)
@settings(max_examples=120, deadline=None)
def test_required_agents_is_minimal_erlang_c(
    traffic: float,
    aht: float,
    target: float,
    sl: float | None,
    max_asa: float | None,
    max_occupancy: float | None,
) -> None:
    limits = {
        "service_level": sl,
        "max_asa": max_asa,
        "max_abandon": None,
        "max_occupancy": max_occupancy,
    }
    plan = required_agents(
        traffic,
        aht=aht,
        target=target,
        service_level=sl,
        max_asa=max_asa,
        max_occupancy=max_occupancy,
    )

    def metrics(n: int) -> tuple[float, float, float, float]:
        return (
            service_level(traffic, n, aht, target),
            asa(traffic, n, aht),
            occupancy(traffic, n),
            0.0,
        )

    assert plan.agents > traffic
    assert meets(metrics(plan.agents), **limits)
    assert plan.agents == math.floor(traffic) + 1 or not meets(metrics(plan.agents - 1), **limits)
    assert (plan.service_level, plan.asa, plan.occupancy) == metrics(plan.agents)[:3]


@given(
    lam=st.floats(0.01, 3.0),
    aht=st.floats(10.0, 600.0),
    patience=st.floats(5.0, 900.0),
    target=st.floats(0.0, 60.0),
    sl=st.one_of(st.none(), st.floats(0.0, 0.95)),
    max_abandon=st.one_of(st.none(), st.floats(0.001, 0.5)),
    max_asa=st.one_of(st.none(), st.floats(0.5, 300.0)),
)
@settings(max_examples=80, deadline=None)
def test_required_agents_is_minimal_erlang_a(
    lam: float,
    aht: float,
    patience: float,
    target: float,
    sl: float | None,
    max_abandon: float | None,
    max_asa: float | None,
) -> None:
    limits = {
        "service_level": sl,
        "max_asa": max_asa,
        "max_abandon": max_abandon,
        "max_occupancy": None,
    }
    plan = required_agents(
        arrival_rate=lam,
        aht=aht,
        target=target,
        service_level=sl,
        max_abandon=max_abandon,
        max_asa=max_asa,
        patience=patience,
    )

    def metrics(n: int) -> tuple[float, float, float, float]:
        res = erlang_a(lam, aht, patience, n, target)
        return res.service_level, res.asa, res.occupancy, res.abandon_probability

    assert plan.agents >= 1
    assert meets(metrics(plan.agents), **limits)
    assert plan.agents == 1 or not meets(metrics(plan.agents - 1), **limits)
    res = erlang_a(lam, aht, patience, plan.agents, target)
    assert plan.abandon_probability == res.abandon_probability
    assert plan.wait_probability == res.wait_probability


def test_required_agents_with_patience_needs_fewer_agents() -> None:
    without = required_agents(48, aht=240, target=20)
    with_patience = required_agents(48, aht=240, target=20, patience=120)
    assert with_patience.agents <= without.agents
    assert 0.0 < with_patience.abandon_probability < 0.1
    same = required_agents(48, aht=240, target=20, patience=math.inf)
    assert same == without


def test_required_agents_other_targets() -> None:
    by_asa = required_agents(48, aht=240, target=20, service_level=None, max_asa=10.0)
    assert asa(48, by_asa.agents, 240) <= 10.0 < asa(48, by_asa.agents - 1, 240)
    by_occ = required_agents(48, aht=240, target=20, service_level=None, max_occupancy=0.85)
    assert by_occ.agents == 57  # ceil(48 / 0.85)
    both = required_agents(48, aht=240, target=20, max_occupancy=0.85)
    assert both.agents == 57
    abandon = required_agents(48, aht=240, target=20, patience=60, max_abandon=0.01)
    assert abandon.abandon_probability <= 0.01
    lax = required_agents(48, aht=240, target=20, service_level=0.0)
    assert lax.agents == 49


def test_required_agents_gross_up() -> None:
    plan = required_agents(48, aht=240, target=20, shrinkage=0.3, surge=0.1)
    assert plan.agents == 54
    assert plan.scheduled == math.ceil(54 * 1.1 / 0.7)
    # 10 * 1.1 is 11.000000000000002 in floating point; still 11 agents.
    assert requirements._gross_up(10, 0.0, 0.1) == 11
    assert requirements._gross_up(7, 0.3, 0.0) == 10


def test_required_agents_zero_traffic() -> None:
    plan = required_agents(0, aht=240, target=20, shrinkage=0.5)
    assert plan == StaffingResult(
        agents=0,
        scheduled=0,
        traffic=0.0,
        service_level=1.0,
        asa=0.0,
        occupancy=0.0,
        abandon_probability=0.0,
        wait_probability=0.0,
    )


def test_required_agents_unreachable_target_raises() -> None:
    with pytest.raises(InvalidArgument, match="no staffing"):
        required_agents(10, aht=60, target=20, max_occupancy=1e-9)


def test_required_agents_by_interval() -> None:
    plans = required_agents_by_interval([0, 360, 180, 360], interval_s=1800, aht=240, target=20)
    assert [p.agents for p in plans] == [0, 54, required_agents(24, aht=240, target=20).agents, 54]
    assert plans[1] == required_agents(48, aht=240, target=20)
    as_rates = required_agents_by_interval(
        np.array([0.2, 0.1]), interval_s=1800, aht=[240, 480], target=20, rates=True
    )
    assert [p.traffic for p in as_rates] == [48.0, 48.0]
    assert as_rates[0] == plans[1]
    with_patience = required_agents_by_interval(
        [360], interval_s=1800, aht=240, target=20, patience=120, shrinkage=0.25
    )
    assert with_patience[0] == required_agents(48, aht=240, target=20, patience=120, shrinkage=0.25)
    assert required_agents_by_interval([], interval_s=900, aht=300, target=20) == []


# ------------------------------------------------------------------ bad arguments

BAD_REALS = [-1.0, math.nan, math.inf, "3", None, True, 1 + 2j]


@pytest.mark.parametrize("bad", BAD_REALS)
def test_bad_traffic(bad: Any) -> None:
    for fn in (erlang_b, erlang_c, occupancy):
        with pytest.raises(InvalidArgument, match="traffic"):
            fn(bad, 5)
    with pytest.raises(InvalidArgument, match="traffic"):
        service_level(bad, 5, 60, 20)
    with pytest.raises(InvalidArgument, match="traffic"):
        required_agents(bad, aht=60, target=20)


@pytest.mark.parametrize("bad", [-1, 2.5, math.nan, math.inf, "3", None, True, np.bool_(True)])
def test_bad_agents(bad: Any) -> None:
    for fn in (erlang_b, erlang_c, occupancy):
        with pytest.raises(InvalidArgument, match="agents"):
            fn(3.0, bad)
    with pytest.raises(InvalidArgument, match="agents"):
        asa(3.0, bad, 60)
    with pytest.raises(InvalidArgument, match="agents"):
        erlang_a(0.1, 60, 30, bad, 20)


@pytest.mark.parametrize("bad", [10**400, Fraction(10**400), np.float32("nan")])
def test_numbers_beyond_floats_are_invalid_arguments(bad: Any) -> None:
    """Integers and fractions too large for a float are refused by name, not with an
    OverflowError."""
    with pytest.raises(InvalidArgument, match="traffic"):
        erlang_c(bad, 5)
    with pytest.raises(InvalidArgument, match="patience"):
        erlang_a(0.1, 60, bad, 5, 20)
    with pytest.raises(InvalidArgument, match="agents"):
        erlang_b(3.0, bad)


def test_real_number_types_accepted() -> None:
    assert erlang_c(Fraction(48), 55) == erlang_c(48, 55)
    assert erlang_c(np.int32(48), 55) == erlang_c(48, 55)
    assert erlang_c(np.float32(48), np.int8(55)) == erlang_c(48, 55)
    assert erlang_a(0.2, 240, np.float64(math.inf), 55, 20) == erlang_a(0.2, 240, math.inf, 55, 20)


def test_integral_agent_types_accepted() -> None:
    numpy_int: Any = np.int64(10)
    integral_float: Any = 10.0
    assert erlang_b(10, numpy_int) == erlang_b(10, 10)
    assert erlang_b(10, integral_float) == erlang_b(10, 10)
    assert erlang_c(np.float64(48), 55) == erlang_c(48, 55)


@pytest.mark.parametrize("bad", [0.0, -5.0, math.nan, math.inf, "60", None, False])
def test_bad_aht(bad: Any) -> None:
    with pytest.raises(InvalidArgument, match="aht"):
        service_level(3.0, 5, bad, 20)
    with pytest.raises(InvalidArgument, match="aht"):
        asa(3.0, 5, bad)
    with pytest.raises(InvalidArgument, match="aht"):
        erlang_a(0.1, bad, 30, 5, 20)
    with pytest.raises(InvalidArgument, match="aht"):
        required_agents(3.0, aht=bad, target=20)


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, "20"])
def test_bad_target(bad: Any) -> None:
    with pytest.raises(InvalidArgument, match="target"):
        service_level(3.0, 5, 60, bad)
    with pytest.raises(InvalidArgument, match="target"):
        erlang_a(0.1, 60, 30, 5, bad)
    with pytest.raises(InvalidArgument, match="target"):
        required_agents(3.0, aht=60, target=bad)


def test_bad_erlang_a_arguments() -> None:
    with pytest.raises(InvalidArgument, match="arrival_rate"):
        erlang_a(-0.1, 60, 30, 5, 20)
    with pytest.raises(InvalidArgument, match="arrival_rate"):
        erlang_a(math.inf, 60, 30, 5, 20)
    with pytest.raises(InvalidArgument, match="patience"):
        erlang_a(0.1, 60, -1, 5, 20)
    with pytest.raises(InvalidArgument, match="patience"):
        erlang_a(0.1, 60, math.nan, 5, 20)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"service_level": 1.5}, "service_level"),
        ({"service_level": math.nan}, "service_level"),
        ({"max_asa": -1.0}, "max_asa"),
        ({"max_abandon": 2.0}, "max_abandon"),
        ({"max_occupancy": 0.0}, "max_occupancy"),
        ({"max_occupancy": 1.5}, "max_occupancy"),
        ({"patience": -3.0}, "patience"),
        ({"shrinkage": 1.0}, "shrinkage"),
        ({"shrinkage": -0.1}, "shrinkage"),
        ({"surge": -0.1}, "surge"),
        ({"surge": math.inf}, "surge"),
        ({"arrival_rate": 0.2}, "exactly one"),
    ],
)
def test_bad_required_agents_arguments(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(InvalidArgument, match=name):
        required_agents(48, aht=240, target=20, **kwargs)


def test_required_agents_needs_a_load() -> None:
    with pytest.raises(InvalidArgument, match="exactly one"):
        required_agents(aht=240, target=20)
    with pytest.raises(InvalidArgument, match="arrival_rate"):
        required_agents(arrival_rate=-1.0, aht=240, target=20)


def test_absurd_patience_near_critical_load_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="patience"):
        erlang_a(55 * (1 - 1e-12) / 240, 240, 1e15, 55, 20)
    # Long but finite patience near critical load still works (and is ~ Erlang C).
    res = erlang_a(54.99 / 240, 240, 1e12, 55, 20)
    assert res.wait_probability == pytest.approx(erlang_c(54.99, 55), rel=1e-3)


def test_bad_forecast() -> None:
    text: Any = "123"
    number: Any = 5
    yes: Any = "yes"
    with pytest.raises(InvalidArgument, match="rates"):
        required_agents_by_interval([1], interval_s=900, aht=300, target=20, rates=yes)
    with pytest.raises(InvalidArgument, match=r"forecast\[1\]"):
        required_agents_by_interval([10, -1], interval_s=900, aht=300, target=20)
    with pytest.raises(InvalidArgument, match="forecast"):
        required_agents_by_interval(text, interval_s=900, aht=300, target=20)
    with pytest.raises(InvalidArgument, match="forecast"):
        required_agents_by_interval(number, interval_s=900, aht=300, target=20)
    with pytest.raises(InvalidArgument, match="interval_s"):
        required_agents_by_interval([10], interval_s=0, aht=300, target=20)
    with pytest.raises(InvalidArgument, match="aht"):
        required_agents_by_interval([10, 20], interval_s=900, aht=[300], target=20)
    with pytest.raises(InvalidArgument, match=r"aht\[0\]"):
        required_agents_by_interval([10], interval_s=900, aht=[0], target=20)


def test_results_are_frozen() -> None:
    res = erlang_a(0.2, 240, 120, 50, 20)
    with pytest.raises(AttributeError):
        res.service_level = 1.0  # type: ignore[misc]
    plan = required_agents(48, aht=240, target=20)
    with pytest.raises(AttributeError):
        plan.agents = 1  # type: ignore[misc]
    assert not hasattr(plan, "__dict__")


def test_public_names() -> None:
    assert staffing.__all__ == sorted(staffing.__all__)
    for name in staffing.__all__:
        assert getattr(staffing, name).__doc__
