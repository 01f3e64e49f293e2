"""Discrete-event simulation of a contact center driving the real router.

A :class:`Scenario` (agent groups and shifts, contact streams with arrival
profiles, handle-time and patience distributions, a routing policy) is run for
independent replications by :func:`simulate`, on any
:class:`concurrent.futures.Executor`; the :class:`SimulationResult` has per tier ×
channel × interval figures with 95 % confidence intervals and flat per-contact
records.

The modules: :mod:`~tierroute.planning.simulation.scenario` (the input model),
:mod:`~tierroute.planning.simulation.distributions`, :mod:`~tierroute.planning.simulation.arrivals`
(rate profiles and thinning), :mod:`~tierroute.planning.simulation.plan` (the scenario
compiled), :mod:`~tierroute.planning.simulation.engine` (the event loop) with
:mod:`~tierroute.planning.simulation.presence` (agents' shifts and breaks) and
:mod:`~tierroute.planning.simulation.recorder` (what happened to each contact),
driving the router through :mod:`~tierroute.planning.simulation.port`;
:mod:`~tierroute.planning.simulation.metrics`,
:mod:`~tierroute.planning.simulation.promise_metrics` and
:mod:`~tierroute.planning.simulation.result` (statistics),
:mod:`~tierroute.planning.simulation.runner` (replications) and
:mod:`~tierroute.planning.simulation.report` (tables and plots).

When the policy carries service promises (the ``prestige`` preset does), each
replication's router has a :class:`~tierroute.promises.tracker.PromiseTracker` and the result
reports, per tier, the attainment of every promise against its goal, escalations,
VIP callbacks (offered, accepted, kept) and service credits, and whether the lower
tiers still met their own promises.
"""

from tierroute.planning.simulation.arrivals import (
    ConstantArrivals,
    IntervalArrivals,
    Peak,
    ScheduledArrivals,
    SmoothArrivals,
)
from tierroute.planning.simulation.distributions import (
    Deterministic,
    Empirical,
    Exponential,
    Gamma,
    LogNormal,
)
from tierroute.planning.simulation.engine import run_replication
from tierroute.planning.simulation.metrics import Estimate
from tierroute.planning.simulation.port import RouterPort
from tierroute.planning.simulation.recorder import PromiseData, ReplicationData
from tierroute.planning.simulation.result import SimulationResult
from tierroute.planning.simulation.runner import simulate
from tierroute.planning.simulation.scenario import (
    AgentGroup,
    Backlog,
    Break,
    ChannelCost,
    ContactStream,
    Period,
    Scenario,
    Shift,
)

__all__ = [
    "AgentGroup",
    "Backlog",
    "Break",
    "ChannelCost",
    "ConstantArrivals",
    "ContactStream",
    "Deterministic",
    "Empirical",
    "Estimate",
    "Exponential",
    "Gamma",
    "IntervalArrivals",
    "LogNormal",
    "Peak",
    "Period",
    "PromiseData",
    "ReplicationData",
    "RouterPort",
    "Scenario",
    "ScheduledArrivals",
    "Shift",
    "SimulationResult",
    "SmoothArrivals",
    "run_replication",
    "simulate",
]
