"""The simulator loop's named parts on their own: the presence state machine, the
per-contact recorder, the one event heap the run keeps for itself and its router,
and the end of the day once no stream has arrivals left."""

from __future__ import annotations

from heapq import heappop
from typing import Any

import numpy as np
import pytest

from tierroute.models import AgentSpec, Decisions
from tierroute.planning.simulation import Scenario, simulate
from tierroute.planning.simulation.engine import _LOGOUT, _TIMER, _Run
from tierroute.planning.simulation.plan import AgentPlan, build_plan
from tierroute.planning.simulation.presence import Presence
from tierroute.planning.simulation.recorder import ABANDONED, ANSWERED, WAITING, ContactLog


class FakeRouter:
    """Records what the presence machine tells the router; schedules logouts."""

    def __init__(self) -> None:
        self.told: list[tuple[str, str, float]] = []
        self.logouts: list[tuple[float, int]] = []
        self.decided = 0

    def set_state(self, agent_id: str, state: str, *, now: float) -> Decisions:
        self.told.append((agent_id, state, now))
        return Decisions()

    def decide(self, decisions: Decisions) -> None:
        self.decided += 1

    def logout_at(self, t: float, a: int) -> None:
        self.logouts.append((t, a))


def presence(n: int = 1) -> tuple[Presence, FakeRouter]:
    agents = tuple(AgentPlan(AgentSpec(f"a{i}"), 0, ((0.0, None),), ()) for i in range(n))
    fake = FakeRouter()
    return Presence(agents, fake.set_state, fake.decide, fake.logout_at), fake


def test_presence_follows_shift_and_break() -> None:
    p, fake = presence()
    p.shift_on(0.0, 0)
    p.break_on(50.0, 0)
    p.break_off(80.0, 0)
    p.shift_off(100.0, 0)
    assert fake.told == [
        ("a0", "ready", 0.0),
        ("a0", "not_ready", 50.0),
        ("a0", "ready", 80.0),
        ("a0", "logged_out", 100.0),
    ]
    assert fake.decided == 4
    assert p.seg_login == [(0, 0.0, 100.0)]
    assert p.seg_break == [(0, 50.0, 80.0)]


def test_a_busy_agent_finishes_then_wraps_up_then_leaves() -> None:
    p, fake = presence()
    p.shift_on(0.0, 0)
    p.active[0] += 1  # the engine counts an assignment in
    p.shift_off(100.0, 0)
    assert fake.told[-1] == ("a0", "not_ready", 100.0)  # still serving: not out yet
    assert fake.logouts == []
    p.release(0, 130.0)  # contact done at 120, wrap-up to 130
    assert fake.logouts == [(130.0, 0)]
    p.logout(130.0, 0)
    assert fake.told[-1] == ("a0", "logged_out", 130.0)
    assert p.seg_login == [(0, 0.0, 130.0)]


def test_an_idle_agent_wrapping_up_leaves_after_the_wrap_up() -> None:
    p, fake = presence()
    p.shift_on(0.0, 0)
    p.active[0] += 1
    p.release(0, 110.0)  # on shift: no logout scheduled
    assert fake.logouts == []
    p.shift_off(100.0, 0)  # wrapping up until 110
    assert fake.told[-1] == ("a0", "not_ready", 100.0)
    assert fake.logouts == [(110.0, 0)]


def test_presence_closes_open_segments_at_the_end() -> None:
    p, _ = presence(2)
    p.shift_on(0.0, 0)
    p.break_on(10.0, 0)
    p.close(60.0)
    assert p.seg_login == [(0, 0.0, 60.0)]
    assert p.seg_break == [(0, 10.0, 60.0)]


def test_contact_log_scatters_answers_and_exits() -> None:
    log = ContactLog()
    a = log.arrive(0, 1, 2, "en", 5.0, 100.0)
    b = log.arrive(0, 0, 3, None, 6.0, 50.0)
    c = log.arrive(0, 0, 3, None, 7.0, 70.0)
    assert (a, b, c) == (0, 1, 2)
    assert log.in_system() == 3
    assert log.answer(b, 8.0, 1, "requested") == 50.0
    log.abandon(c, 9.0)
    log.leave(b, 58.0)
    assert log.outcome == [WAITING, ANSWERED, ABANDONED]
    assert log.in_system() == 1
    scenario = Scenario.from_mapping(
        {
            "horizon": 100,
            "interval": 100,
            "agents": [{"name": "g", "count": 2}],
            "streams": [
                {
                    "name": "s",
                    "channel": "voice",
                    "tiers": {"standard": 1},
                    "languages": {"en": 1},
                    "arrivals": {"rate_per_hour": 1},
                    "handle_time": {"kind": "deterministic", "value": 1},
                }
            ],
        }
    )
    cols = log.columns(build_plan(scenario), 1, [0, 0])
    assert cols["agent"].tolist() == [-1, 1, -1]
    assert cols["group"].tolist() == [-1, 0, -1]
    assert cols["step"].tolist() == [-1, 0, -1]
    assert cols["language"].tolist() == [0, -1, -1]
    assert cols["backlog"].tolist() == [True, False, False]
    assert np.isnan(cols["answered"][[0, 2]]).all() and cols["answered"][1] == 8.0
    assert np.isnan(cols["left"][0]) and cols["left"][1:].tolist() == [58.0, 9.0]


def _center(**fields: Any) -> Scenario:
    data: dict[str, Any] = {
        "horizon": 1800,
        "interval": 1800,
        "policy": {
            "tiers": [
                {
                    "name": "gold",
                    "targets": {"voice": 10},
                    "relaxation": [
                        {"name": "senior", "wait_s": 5, "min_seniority": "senior"},
                        {"name": "any", "min_seniority": 0},
                    ],
                },
            ],
            "channels": {"voice": {"wrap_up_s": 15}},
        },
        "agents": [{"name": "team", "count": 3, "seniority": "senior"}],
        "streams": [
            {
                "name": "calls",
                "channel": "voice",
                "tiers": {"gold": 1},
                "arrivals": {"rate_per_hour": 120},
                "handle_time": {"kind": "exponential", "mean": 90},
                "patience": {"kind": "exponential", "mean": 60},
            }
        ],
        **fields,
    }
    return Scenario.from_mapping(data)


def test_the_run_keeps_its_routers_timers_on_its_own_heap() -> None:
    run = _Run(build_plan(_center()), np.random.SeedSequence(1), 0)
    data = run.run()
    assert run.timers_set > 40  # relaxation steps and wrap-up ends
    assert run.port.router.next_deadline() is None  # nothing left on the router's heap
    assert data.events > 2 * len(data.columns["arrived"])  # engine events only
    # the day drained: what is left of the engine's events is due after the horizon
    left = [e for e in run.heap if e[2] != _TIMER]
    assert all(e[0] > run.plan.horizon for e in left)


def test_router_timers_come_before_engine_events_at_the_same_time() -> None:
    run = _Run(build_plan(_center()), np.random.SeedSequence(1), 0)
    run._start()

    class Obj:
        stamp = 1

    run.heap.clear()
    run._logout_at(50.0, 0)  # an engine event first ...
    run.schedule(50.0, 0, Obj(), 1)  # ... then a router timer at the same time
    run.schedule(50.0, 2, Obj(), 1)
    order = [heappop(run.heap) for _ in range(3)]
    assert [e[2] for e in order] == [_TIMER, _TIMER, _LOGOUT]
    assert [e[3] for e in order[:2]] == [0, 2]  # timers in the order they were set


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_day_ends_at_the_horizon_once_the_last_contact_left(seed: int) -> None:
    """Arrivals stop early; the agents' breaks before the horizon are still played,
    their shift ends after it are not: the day ends at the horizon."""
    s = _center(
        horizon=3600,
        interval=1800,
        agents=[
            {
                "name": "team",
                "seniority": "senior",
                "shifts": [
                    {
                        "start": 0,
                        "end": 5000,
                        "count": 3,
                        "breaks": [{"start": 3000, "duration": 60}],
                    }
                ],
            }
        ],
        streams=[
            {
                "name": "calls",
                "channel": "voice",
                "tiers": {"gold": 1},
                "arrivals": {"times": [10.0 * i for i in range(20)]},
                "handle_time": {"kind": "exponential", "mean": 90},
                "patience": {"kind": "exponential", "mean": 600},
            }
        ],
    )
    result = simulate(s, replications=1, seed=seed)
    rep = result.replications[0]
    assert max(np.nanmax(rep.columns["left"]), 0.0) < 3000.0  # everyone gone early
    assert rep.end == 3600.0
    assert rep.breaks[1].tolist() == [3000.0] * 3  # the breaks before the horizon
    assert rep.login[2].tolist() == [3600.0] * 3  # shifts cut at the day's end
