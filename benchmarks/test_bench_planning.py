"""Planning benchmarks: value scoring of a customer base and Erlang staffing."""

from __future__ import annotations

import pytest
import workload as wl


@pytest.fixture(scope="module")
def customers():
    return wl.customer_arrays(1_000_000)


@pytest.mark.benchmark(group="value")
def test_score_batch_1m(benchmark, customers):
    from tierroute.value import ValueModel

    model = ValueModel()
    result = benchmark.pedantic(model.score_batch, kwargs=customers, rounds=7, warmup_rounds=1)
    assert len(result) == 1_000_000


def _staffing():
    return pytest.importorskip(
        "tierroute.planning.staffing",
        reason="tierroute.planning.staffing is not there yet; staffing pending",
    )


@pytest.mark.benchmark(group="staffing")
def test_erlang_c_100k_agents(benchmark):
    staffing = _staffing()
    p = benchmark(staffing.erlang_c, 99_000.0, 100_000)
    assert 0.0 <= p <= 1.0


@pytest.mark.benchmark(group="staffing")
def test_required_agents_100k_erlangs(benchmark):
    staffing = _staffing()
    plan = benchmark(staffing.required_agents, 100_000.0, aht=300.0, target=20.0)
    assert plan.agents > 100_000
