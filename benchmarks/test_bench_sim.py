"""Simulator against SimPy on the two-class priority M/M/c+M center.

The speed benchmarks time one replication of each engine. The agreement test runs
both engines side by side and checks that each class's mean wait and abandonment
agree within the 99 % confidence interval of the difference (from replications),
so the speed comparison is of equal work.
"""

from __future__ import annotations

import pytest

pytest.importorskip("simpy", reason="SimPy is not installed (pip install -e '.[bench]')")

import simpy_model as sm

PARAMS = sm.CenterParams(horizon=4 * 3600.0)


def _tierroute():
    found = sm.tierroute_simulator()
    if isinstance(found, str):
        pytest.skip(found)


@pytest.mark.benchmark(group="simulation 2-class M/M/50+M")
def test_simpy_replication(benchmark):
    out = benchmark.pedantic(sm.run_simpy, args=(PARAMS, 1), rounds=3)
    benchmark.extra_info["arrivals_per_s"] = out.arrivals / out.elapsed


@pytest.mark.benchmark(group="simulation 2-class M/M/50+M")
def test_heapq_replication(benchmark):
    out = benchmark.pedantic(sm.run_heapq, args=(PARAMS, 1), rounds=3)
    benchmark.extra_info["arrivals_per_s"] = out.arrivals / out.elapsed


@pytest.mark.benchmark(group="simulation 2-class M/M/50+M")
def test_tierroute_replication(benchmark):
    _tierroute()
    out = benchmark.pedantic(sm.run_tierroute, args=(PARAMS, 1), rounds=3)
    benchmark.extra_info["arrivals_per_s"] = out.arrivals / out.elapsed


def test_engines_agree():
    _tierroute()
    runs = {"simpy": [], "tierroute": [], "heapq": []}
    for i in range(8):
        runs["simpy"].append(sm.run_simpy(PARAMS, 100 + i))
        runs["tierroute"].append(sm.run_tierroute(PARAMS, 100 + i))
        runs["heapq"].append(sm.run_heapq(PARAMS, 100 + i))
    for other in ("tierroute", "heapq"):
        for k in (0, 1):
            for fn in (sm.Outcome.mean_wait, sm.Outcome.abandon_share):
                ag = sm.agreement(
                    [fn(o, k) for o in runs[other]], [fn(o, k) for o in runs["simpy"]]
                )
                assert ag.agree, (other, k, fn.__name__, ag)
