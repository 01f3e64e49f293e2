"""Fidelity: the simulator, driving the real router, reproduces queueing theory.

Each test runs independent replications of a long stationary day (warm-up left out)
and asks that the theoretical value lie inside the simulator's own Student-t 95 %
confidence interval across replications. The tolerance is that interval and nothing
else; a relative half-width bound makes sure the interval is tight enough to mean
something. Theory comes from :mod:`tierroute.planning.staffing` (Erlang C and A) and, for
priorities, from Cobham's formula written out here.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from tierroute.planning import staffing
from tierroute.planning.simulation import Scenario, SimulationResult, simulate

pytestmark = pytest.mark.slow

AHT = 180.0
AGENTS = 10


def _scenario(
    streams: list[dict[str, Any]],
    *,
    tiers: list[dict[str, Any]] | None = None,
    horizon: str = "150h",
    warmup: str = "3h",
) -> Scenario:
    policy: dict[str, Any] = {"channels": {"voice": {"wrap_up_s": 0}}}
    if tiers is not None:
        policy["tiers"] = tiers
    return Scenario.from_mapping(
        {
            "horizon": horizon,
            "interval": horizon,
            "warmup": warmup,
            "policy": policy,
            "agents": [{"name": "team", "count": AGENTS}],
            "streams": streams,
        }
    )


def _check(
    result: SimulationResult, metric: str, theory: float, tier: str = "all", max_rel: float = 0.1
) -> None:
    est = result.get(metric, tier, "voice")
    assert est.n == result.n_replications
    assert est.half_width <= max_rel * max(abs(theory), 1e-9), (metric, est, theory)
    assert est.contains(theory), (
        f"{metric} ({tier}): theory {theory:.5g} outside the simulator's 95% CI "
        f"{est.mean:.5g} ± {est.half_width:.3g}"
    )


def test_mmc_matches_erlang_c() -> None:
    rho = 0.85
    lam_h = rho * AGENTS / AHT * 3600.0
    s = _scenario(
        [
            {
                "name": "calls",
                "channel": "voice",
                "tiers": {"standard": 1},
                "arrivals": {"rate_per_hour": lam_h},
                "handle_time": {"kind": "exponential", "mean": AHT},
            }
        ]
    )
    result = simulate(s, replications=12, seed=11)
    traffic = rho * AGENTS
    target = 60.0  # the default policy's voice target
    _check(result, "wait_probability", staffing.erlang_c(traffic, AGENTS))
    _check(result, "mean_queue_time", staffing.asa(traffic, AGENTS, AHT))
    _check(result, "service_level", staffing.service_level(traffic, AGENTS, AHT, target))
    _check(result, "abandon_rate", 0.0, max_rel=math.inf)


def test_mmc_plus_m_matches_erlang_a() -> None:
    patience = 300.0
    lam = 1.0 * AGENTS / AHT  # offered load equals the agents: only abandonment keeps it stable
    s = _scenario(
        [
            {
                "name": "calls",
                "channel": "voice",
                "tiers": {"standard": 1},
                "arrivals": {"rate_per_hour": lam * 3600.0},
                "handle_time": {"kind": "exponential", "mean": AHT},
                "patience": {"kind": "exponential", "mean": patience},
            }
        ]
    )
    result = simulate(s, replications=12, seed=12)
    theory = staffing.erlang_a(lam, AHT, patience, AGENTS, 60.0)
    _check(result, "wait_probability", theory.wait_probability)
    _check(result, "abandon_rate", theory.abandon_probability)
    _check(result, "mean_queue_time", theory.mean_wait)
    _check(result, "mean_wait", theory.asa)
    _check(result, "service_level", theory.service_level)


def cobham_waits(lams: list[float], mu: float, c: int) -> list[float]:
    """Mean waits per class of a non-preemptive priority M/M/c queue, class 0 first,
    all classes with service rate ``mu`` (Cobham 1954):
    ``W_k = [C(A, c) / (c mu)] / ((1 - s_{k-1}) (1 - s_k))``, ``s_k = sum_{i<=k} lam_i / (c mu)``.
    """
    traffic = sum(lams) / mu
    w0 = staffing.erlang_c(traffic, c) / (c * mu)
    out, sigma = [], 0.0
    for lam in lams:
        before = sigma
        sigma += lam / (c * mu)
        out.append(w0 / ((1.0 - before) * (1.0 - sigma)))
    return out


def test_two_class_priority_matches_cobham() -> None:
    """Strict priority through the policy alone: the "high" tier's voice target is
    1 s and the "low" tier's 10^6 s. The priority key is arrival + target, so a low
    contact could overtake a high one only by having arrived 10^6 - 1 s earlier,
    far more than any wait here (the queue is FIFO within a class): the router
    serves the classes in strict non-preemptive priority."""
    rho = 0.85
    share_high = 0.3
    lam = rho * AGENTS / AHT
    lams = [share_high * lam, (1 - share_high) * lam]
    tiers = [
        {"name": "low", "targets": {"voice": 1e6}},
        {"name": "high", "targets": {"voice": 1.0}},
    ]
    s = _scenario(
        [
            {
                "name": "calls",
                "channel": "voice",
                "tiers": {"high": share_high, "low": 1 - share_high},
                "arrivals": {"rate_per_hour": lam * 3600.0},
                "handle_time": {"kind": "exponential", "mean": AHT},
            }
        ],
        tiers=tiers,
    )
    result = simulate(s, replications=12, seed=13)
    w_high, w_low = cobham_waits(lams, 1.0 / AHT, AGENTS)
    assert w_low > 5 * w_high
    _check(result, "mean_queue_time", w_high, tier="high", max_rel=0.15)
    _check(result, "mean_queue_time", w_low, tier="low")
    _check(result, "mean_queue_time", staffing.asa(rho * AGENTS, AGENTS, AHT), tier="all")
