"""Router benchmarks: decision latency at the two matching moments, the mixed
stream's throughput, and memory per waiting contact.

Latency benchmarks time one router call per round (``pedantic`` with an untimed
setup and teardown), so pytest-benchmark's statistics are per call; p50 / p99 / max
go to ``extra_info``. ``benchmarks/report.py`` measures the same steps in a tight
loop with less timer overhead and checks them against the targets.
"""

from __future__ import annotations

import pytest
import workload as wl

ROUNDS = 2000


@pytest.mark.benchmark(group="router (a) submit, agent available")
def test_submit_latency(benchmark, saturated, size, record_percentiles):
    state, moment = saturated(size)
    before = moment.offered
    benchmark.pedantic(
        state.router.submit,
        setup=moment.setup,
        teardown=lambda *a, **k: moment.finish(),
        rounds=ROUNDS,
        warmup_rounds=50,
    )
    moment.finish()
    record_percentiles(benchmark)
    made = moment.offered - before
    benchmark.extra_info["offered_share"] = made / max(1, ROUNDS + 50)
    assert made >= 1, "timed submits should be offered to an idle agent"


@pytest.mark.benchmark(group="router (b) complete, backlog waiting")
def test_complete_latency(benchmark, saturated, size, record_percentiles):
    state, _ = saturated(size)
    moment = wl.FreedMoment(state)
    benchmark.pedantic(
        moment.call,
        setup=moment.setup,
        teardown=lambda *a, **k: moment.finish(),
        rounds=ROUNDS,
        warmup_rounds=50,
    )
    moment.finish()
    record_percentiles(benchmark)
    assert len(state.waiting) == moment.target


def test_latency_tight_loop(saturated, size):
    """The report's tight-loop measurement: every timed submit makes one offer."""
    _, moment = saturated(size)
    lat = moment.run(500)
    assert lat.offers == 500
    assert lat.pct(0.5) <= lat.pct(0.99) <= max(lat.ns) / 1000


@pytest.mark.benchmark(group="router mixed stream 10k/2k")
def test_mixed_stream(benchmark):
    state = wl.build_saturated(wl.SIZES["10k"], seed=2)
    stream = wl.MixedStream(state)
    stream.run(5000)
    result = benchmark.pedantic(stream.run, args=(20_000,), rounds=1)
    benchmark.extra_info["events_per_s"] = result.events_per_s
    benchmark.extra_info["counts"] = result.counts
    assert 9_000 <= result.waiting_min <= result.waiting_max <= 11_000


@pytest.mark.benchmark(group="router memory")
def test_memory_per_contact(benchmark):
    mem = benchmark.pedantic(wl.memory_per_contact, args=(wl.SIZES["10k"],), rounds=1)
    benchmark.extra_info["bytes_per_contact"] = mem.per_contact
    benchmark.extra_info["bytes_marginal"] = mem.bytes_marginal
    assert mem.per_contact > 0
