"""The engine on tiny scenarios whose every wait can be checked by hand:
scheduled arrivals, deterministic handle times and patience, one or two agents."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tierroute.planning.simulation import Scenario, SimulationResult, simulate


def _scenario(
    times: list[float],
    *,
    handle: float = 100.0,
    patience: float | None = None,
    agents: list[dict[str, Any]] | None = None,
    wrap: float = 0.0,
    extra: dict[str, Any] | None = None,
    stream: dict[str, Any] | None = None,
) -> Scenario:
    data: dict[str, Any] = {
        "horizon": 1000,
        "interval": 500,
        "policy": {"channels": {"voice": {"wrap_up_s": wrap}}},
        "agents": agents or [{"name": "solo", "count": 1}],
        "streams": [
            {
                "name": "calls",
                "channel": "voice",
                "tiers": {"standard": 1},
                "arrivals": {"times": times},
                "handle_time": {"kind": "deterministic", "value": handle},
                **(
                    {}
                    if patience is None
                    else {"patience": {"kind": "deterministic", "value": patience}}
                ),
                **(stream or {}),
            }
        ],
        **(extra or {}),
    }
    return Scenario.from_mapping(data)


def _run(s: Scenario) -> tuple[SimulationResult, list[dict[str, Any]]]:
    r = simulate(s, replications=1, seed=0)
    return r, r.records()


def test_fifo_waits_are_exact() -> None:
    r, rec = _run(_scenario([0, 10, 20, 300]))
    assert [x["wait"] for x in rec] == [0.0, 90.0, 180.0, 0.0]
    assert [x["answered"] for x in rec] == [0.0, 100.0, 200.0, 300.0]
    assert [x["left"] for x in rec] == [100.0, 200.0, 300.0, 400.0]
    assert all(x["outcome"] == "answered" for x in rec)
    assert r.get("mean_wait").mean == pytest.approx(67.5)
    assert r.get("wait_probability").mean == 0.5
    # default voice target 60 s: two of four within
    assert r.get("service_level").mean == 0.5
    # the day ends when the last contact leaves, after the horizon
    assert r.replications[0].end == 1000.0
    occ = r.occupancy["solo"]
    assert occ["busy_hours"].mean == pytest.approx(400 / 3600)
    assert occ["occupancy"].mean == pytest.approx(0.4)


def test_wrap_up_delays_the_next_contact() -> None:
    _, rec = _run(_scenario([0, 10], wrap=30.0))
    assert [x["answered"] for x in rec] == [0.0, 130.0]


def test_patience_abandons_exactly() -> None:
    r, rec = _run(_scenario([0, 10, 20], patience=150.0))
    assert [x["outcome"] for x in rec] == ["answered", "answered", "abandoned"]
    assert rec[2]["left"] == 170.0
    assert r.get("abandon_rate").mean == pytest.approx(1 / 3)
    assert r.get("mean_queue_time").mean == pytest.approx((0 + 90 + 150) / 3)


def test_drain_runs_past_the_horizon() -> None:
    r, rec = _run(_scenario([990], handle=500.0))
    assert rec[0]["left"] == 1490.0
    assert r.replications[0].end == 1490.0
    r, rec = _run(_scenario([990], handle=500.0, extra={"drain": False}))
    assert r.replications[0].end == 1000.0
    assert np.isnan(rec[0]["left"])


def test_busy_agent_finishes_its_contact_after_the_shift() -> None:
    agents = [{"name": "day", "shifts": [{"start": 0, "end": 150, "count": 1}]}]
    r, rec = _run(_scenario([0, 120, 200], agents=agents))
    assert [x["answered"] for x in rec[:2]] == [0.0, 120.0]
    assert rec[1]["left"] == 220.0
    assert rec[2]["outcome"] == "unanswered"  # nobody left to answer it
    occ = r.occupancy["day"]
    assert occ["paid_hours"].mean == pytest.approx(220 / 3600)  # logged out at 220


def test_shift_end_waits_for_the_wrap_up() -> None:
    agents = [{"name": "day", "shifts": [{"start": 0, "end": 120, "count": 1}]}]
    r, _ = _run(_scenario([0], agents=agents, wrap=30.0))
    # handle 0-100, wrap-up to 130, shift over at 120: logged out at 130
    assert r.occupancy["day"]["paid_hours"].mean == pytest.approx(130 / 3600)


def test_break_makes_contacts_wait() -> None:
    agents = [
        {
            "name": "day",
            "shifts": [
                {"start": 0, "count": 1, "breaks": [{"start": 50, "duration": 100}]},
            ],
        }
    ]
    r, rec = _run(_scenario([0, 60], agents=agents))
    # busy at the break's start: finishes at 100, then on break until 150
    assert [x["answered"] for x in rec] == [0.0, 150.0]
    # logged in for the whole day (to the horizon, 1000 s) less the 100 s break
    assert r.occupancy["day"]["available_hours"].mean == pytest.approx(900 / 3600)


def test_staffing_by_interval_adds_and_removes_agents() -> None:
    agents = [{"name": "team", "count_per_interval": [1, 2]}]
    _, rec = _run(_scenario([0, 10, 490], handle=600.0, agents=agents))
    # the second agent arrives at 500 and takes the oldest waiting contact at once
    assert [x["answered"] for x in rec] == [0.0, 500.0, 600.0]
    assert [x["agent"] for x in rec] == ["team-0", "team-1", "team-0"]


def test_backlog_waits_at_the_start() -> None:
    s = _scenario([], extra={"backlog": [{"stream": "calls", "count": 2, "age": 100}]})
    r, rec = _run(s)
    assert [x["backlog"] for x in rec] == [True, True]
    assert all(-100 <= x["arrived"] < 0 for x in rec)
    assert [x["answered"] for x in rec] == [0.0, 100.0]
    assert "all" not in {k[0] for k in r.summary} or r.summary == {}


def test_priority_by_tier_and_relaxation_through_the_router() -> None:
    # one agent busy until 100; a standard contact at 10 and a premium one at 20:
    # the premium key (20 + 20) beats the standard key (10 + 60)
    s = Scenario.from_mapping(
        {
            "horizon": 1000,
            "policy": {"preset": "prestige", "channels": {"voice": {"wrap_up_s": 0}}},
            "agents": [
                {
                    "name": "a",
                    "count": 1,
                    "seniority": "senior",
                    "skills": {"billing": 5},
                    "languages": ["en"],
                }
            ],
            "streams": [
                {
                    "name": "std",
                    "channel": "voice",
                    "tiers": {"standard": 1},
                    "skills": {"billing": 1},
                    "languages": {"en": 1},
                    "arrivals": {"times": [0, 10]},
                    "handle_time": {"kind": "deterministic", "value": 100},
                },
                {
                    "name": "prem",
                    "channel": "voice",
                    "tiers": {"premium": 1},
                    "skills": {"billing": 1},
                    "languages": {"en": 1},
                    "arrivals": {"times": [20]},
                    "handle_time": {"kind": "deterministic", "value": 100},
                },
            ],
        }
    )
    r = simulate(s, replications=1)
    rec = sorted(r.records(), key=lambda x: x["arrived"])
    assert [(x["tier"], x["answered"]) for x in rec] == [
        ("standard", 0.0),
        ("standard", 200.0),
        ("premium", 100.0),
    ]
    assert rec[2]["step"] == "skilled"  # relaxed from "senior" (30 s) to "skilled"
