"""Run a scenario's replications on any :class:`concurrent.futures.Executor`.

Replication ``i`` is seeded with ``numpy.random.SeedSequence(seed).spawn(n)[i]``
and depends on nothing else, so the results are the same, bit for bit, whether
the replications run in this process, a :class:`~concurrent.futures.ProcessPoolExecutor`
or a Dask cluster (``distributed.Client(...).get_executor()``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, as_completed
from pathlib import Path

import numpy as np

from tierroute.planning.simulation.engine import run_replication
from tierroute.planning.simulation.plan import build_meta
from tierroute.planning.simulation.recorder import ReplicationData
from tierroute.planning.simulation.result import SimulationResult
from tierroute.planning.simulation.scenario import Scenario

__all__ = ["simulate"]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each replication."""


def simulate(
    scenario: Scenario | str | Path,
    *,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> SimulationResult:
    """Run independent replications of ``scenario`` and aggregate them.

    Args:
        scenario: A :class:`Scenario` or the path of a scenario file.
        replications: Overrides the scenario's ``replications``.
        seed: Overrides the scenario's ``seed``.
        executor: Where replications run; ``None`` runs them here, one by one.
        progress: Called after each replication with ``(done, total)``.
        force: Raise the scenario's limits (:meth:`Scenario.check_limits
            <tierroute.planning.simulation.scenario.Scenario.check_limits>`, checked
            before any work) by their ``FORCE_FACTOR``.

    Returns:
        The :class:`SimulationResult`.

    Raises:
        PolicyError: A scenario file is invalid, or the run would be past a limit.
        InvalidArgument: ``replications`` < 1, ``seed`` < 0 or ``force`` not a bool.

    >>> from tierroute.planning.simulation import Scenario
    >>> s = Scenario.from_mapping({
    ...     "horizon": "4h", "agents": [{"name": "team", "count": 4}],
    ...     "streams": [{"name": "calls", "channel": "voice", "tiers": {"standard": 1},
    ...                  "arrivals": {"rate_per_hour": 60},
    ...                  "handle_time": {"kind": "exponential", "mean": 180}}]})
    >>> r = simulate(s, replications=3, seed=1)
    >>> r.n_replications, 0.0 <= r.get("service_level").mean <= 1.0
    (3, True)
    """
    from tierroute.errors import InvalidArgument

    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_file(scenario)
    n = scenario.replications if replications is None else replications
    root = scenario.seed if seed is None else seed
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidArgument(f"replications must be an integer >= 1, got {n!r}")
    if isinstance(root, bool) or not isinstance(root, int) or root < 0:
        raise InvalidArgument(f"seed must be an integer >= 0, got {root!r}")
    scenario.check_limits(n, force=force)
    seeds = np.random.SeedSequence(root).spawn(n)
    results: list[ReplicationData] = []
    if executor is None:
        for i, ss in enumerate(seeds):
            results.append(run_replication(scenario, ss, i))
            if progress is not None:
                progress(i + 1, n)
    else:
        futures: list[Future[ReplicationData]] = [
            executor.submit(run_replication, scenario, ss, i) for i, ss in enumerate(seeds)
        ]
        for done, fut in enumerate(as_completed(futures), start=1):
            results.append(fut.result())
            if progress is not None:
                progress(done, n)
    return SimulationResult.from_replications(build_meta(scenario), results, root)
