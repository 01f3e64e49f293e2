r"""Erlang staffing: the queueing formulas tierroute uses to size a team, and the
agent requirements built on them.

- :mod:`~tierroute.planning.staffing.erlang`: Erlang B, C and A as pure functions
  (how likely a contact is to wait, how long it waits, how many abandon), stable to
  100,000 agents and safe under overload;
- :mod:`~tierroute.planning.staffing.requirements`: the fewest agents meeting a
  target (:func:`required_agents`), by interval of a forecast, with shrinkage,
  occupancy cap and surge.

Everything here is a pure function of its arguments (no state, no I/O). Units:
traffic in erlangs, rates per second, times in seconds. The package imports only
numpy, :mod:`tierroute.errors` and :mod:`tierroute._args`; the simulator's tests
check it against these formulas.

The classic worked example (callcentrehelper.com, "Erlang C formula - made simple"):
360 calls per 30 minutes with a 240 s handle time is 48 erlangs.

>>> traffic = 360 * 240 / 1800
>>> traffic
48.0
>>> round(erlang_c(traffic, 55), 4)
0.2387
>>> round(asa(traffic, 55, aht=240), 1)
8.2
>>> round(service_level(traffic, 55, aht=240, target=20), 3)
0.867
>>> plan = required_agents(traffic, aht=240, target=20, service_level=0.8)
>>> plan.agents, round(plan.service_level, 3)
(54, 0.817)
"""

from tierroute.planning.staffing.erlang import (
    ErlangAResult,
    asa,
    erlang_a,
    erlang_b,
    erlang_c,
    occupancy,
    service_level,
)
from tierroute.planning.staffing.requirements import (
    StaffingResult,
    required_agents,
    required_agents_by_interval,
)

__all__ = [
    "ErlangAResult",
    "StaffingResult",
    "asa",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "required_agents",
    "required_agents_by_interval",
    "service_level",
]
