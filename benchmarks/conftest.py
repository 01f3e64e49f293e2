"""pytest-benchmark suites for tierroute (outside the default test run).

Run::

    .venv/bin/python -m pytest benchmarks -p no:cacheprovider --benchmark-enable

``--bench-sizes`` picks the router sizes (default ``1k,10k``; add ``100k`` for the
full set, whose state takes about a minute to build). Without ``--benchmark-enable``
(the project's default ``--benchmark-disable``) each benchmark body runs once, as a
smoke test. Per-call percentiles (p50 / p99 / max in microseconds) go to each
benchmark's ``extra_info``, shown by ``--benchmark-json``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import pytest

collect_ignore: list[str] = []
if importlib.util.find_spec("simpy") is None:
    # modules that import simpy at the top; test_bench_sim.py skips with a message
    collect_ignore += ["simpy_model.py", "report.py"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--bench-sizes",
        default="1k,10k",
        help="comma-separated router benchmark sizes among 1k, 10k, 100k (default 1k,10k)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "size" in metafunc.fixturenames:
        sizes = [s.strip() for s in metafunc.config.getoption("--bench-sizes").split(",")]
        metafunc.parametrize("size", [s for s in sizes if s])


@pytest.fixture(scope="session")
def saturated() -> Callable[[str], Any]:
    """``saturated(label)``: the size's saturated state under the zero wrap-up policy,
    with idle agents and moment (a) warmed up, built once per session."""
    import workload as wl

    cache: dict[str, tuple[Any, Any]] = {}

    def get(label: str) -> tuple[Any, Any]:
        if label not in cache:
            size = wl.SIZES[label]
            state = wl.build_saturated(
                size, policy=wl.nowrap_prestige(), idle_agents=max(20, size.agents // 20)
            )
            cache[label] = (state, wl.ArrivalMoment(state))
        return cache[label]

    return get


@pytest.fixture
def record_percentiles() -> Callable[[Any], None]:
    """``record_percentiles(benchmark)`` after a ``pedantic`` run."""
    return _record_percentiles


def _record_percentiles(benchmark: Any) -> None:
    """Put p50 / p99 / max (microseconds) of the per-round timings into extra_info."""
    stats = getattr(getattr(benchmark, "stats", None), "stats", None)
    data = sorted(getattr(stats, "data", None) or [])
    if not data:
        return
    from workload import nearest_rank

    for name, q in (("p50_us", 0.50), ("p99_us", 0.99)):
        benchmark.extra_info[name] = nearest_rank(data, q) * 1e6
    benchmark.extra_info["max_us"] = data[-1] * 1e6
