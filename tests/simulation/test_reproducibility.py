"""Replications are independent and bit-for-bit reproducible: the same seed gives
the same results in this process, a process pool or a Dask cluster."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from tierroute.planning.simulation import Scenario, SimulationResult, simulate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _same(a: SimulationResult, b: SimulationResult) -> None:
    assert a.n_replications == b.n_replications
    for ra, rb in zip(a.replications, b.replications, strict=True):
        assert ra.index == rb.index
        assert ra.busyness == rb.busyness
        assert ra.end == rb.end
        assert ra.columns.keys() == rb.columns.keys()
        for name in ra.columns:
            np.testing.assert_array_equal(ra.columns[name], rb.columns[name], err_msg=name)
        for x, y in zip(ra.login + ra.breaks, rb.login + rb.breaks, strict=True):
            np.testing.assert_array_equal(x, y)
    assert a.summary_rows() == b.summary_rows() or _nan_equal(a, b)


def _nan_equal(a: SimulationResult, b: SimulationResult) -> bool:
    for x, y in zip(a.summary_rows(), b.summary_rows(), strict=True):
        for k in x:
            if x[k] != y[k] and not (np.isnan(x[k]) and np.isnan(y[k])):
                return False
    return True


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario.from_file(EXAMPLES / "prestige.toml")


@pytest.fixture(scope="module")
def serial(scenario: Scenario) -> SimulationResult:
    return simulate(scenario, replications=4, seed=99)


def test_same_seed_same_result(scenario: Scenario, serial: SimulationResult) -> None:
    _same(serial, simulate(scenario, replications=4, seed=99))


def test_different_seed_differs(scenario: Scenario, serial: SimulationResult) -> None:
    other = simulate(scenario, replications=4, seed=100)
    assert not np.array_equal(
        serial.replications[0].columns["arrived"], other.replications[0].columns["arrived"]
    )


def test_replication_i_does_not_depend_on_n(scenario: Scenario, serial: SimulationResult) -> None:
    two = simulate(scenario, replications=2, seed=99)
    for name, col in two.replications[1].columns.items():
        np.testing.assert_array_equal(col, serial.replications[1].columns[name])


def test_process_pool_same_result(scenario: Scenario, serial: SimulationResult) -> None:
    with ProcessPoolExecutor(max_workers=2) as pool:
        _same(serial, simulate(scenario, replications=4, seed=99, executor=pool))


@pytest.mark.slow
def test_dask_cluster_same_result(scenario: Scenario, serial: SimulationResult) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        result = simulate(scenario, replications=4, seed=99, executor=client.get_executor())
    _same(serial, result)
