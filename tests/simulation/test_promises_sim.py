"""Promises in the simulator: attainment per tier, escalations, VIP callbacks and
service credits, on tiny scenarios whose every figure is counted by hand
(scheduled arrivals, deterministic handle times, one agent, no wrap-up)."""

from __future__ import annotations

import csv
import json
import math
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tierroute import prestige
from tierroute.errors import PolicyError
from tierroute.models import Channel
from tierroute.planning.simulation import Scenario, SimulationResult, simulate
from tierroute.planning.simulation.report import report_text
from tierroute.promises.model import PromiseTarget

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HOUR = 3600.0


def stream(
    name: str,
    channel: str,
    tier: str,
    times: list[float],
    handle: float,
    severity: str = "P3",
    patience: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": name,
        "channel": channel,
        "tiers": {tier: 1},
        "severity": {severity: 1},
        "skills": {"billing": 3},
        "languages": {"en": 1},
        "arrivals": {"times": times},
        "handle_time": {"kind": "deterministic", "value": handle},
        **extra,
    }
    if patience is not None:
        data["patience"] = {"kind": "deterministic", "value": patience}
    return data


def agent(name: str = "ana", channel: str = "voice", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": name,
        "seniority": "senior",
        "skills": {"billing": 5},
        "languages": ["en"],
        "channels": {channel: 1},
        **extra,
    }
    if "shifts" not in data:
        data["count"] = 1
    return data


def scenario(
    streams: list[dict[str, Any]], agents: list[dict[str, Any]] | None = None, **fields: Any
) -> Scenario:
    data: dict[str, Any] = {
        "horizon": 2000,
        "interval": 1000,
        "policy": {
            "preset": "prestige",
            "channels": {"voice": {"wrap_up_s": 0}, "email": {"wrap_up_s": 0}},
        },
        "agents": agents or [agent()],
        "streams": streams,
        "callback_acceptance": 0.0,
        **fields,
    }
    return Scenario.from_mapping(data)


def run(s: Scenario, seed: int = 0) -> SimulationResult:
    return simulate(s, replications=1, seed=seed)


def means(rows: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, float]]:
    return {k: {m: e.mean for m, e in row.items()} for k, row in rows.items()}


# ------------------------------------------------------------------ counted by hand


def three_elite_p1_calls(**fields: Any) -> Scenario:
    """Elite P1 calls at 0, 10, 20 s, 400 s each, one agent: answered at 0, 400,
    800 (waits 0, 390, 780), resolved at 400, 800, 1200."""
    return scenario([stream("calls", "voice", "elite", [0, 10, 20], 400, "P1")], **fields)


def test_breaches_escalations_and_credits_counted_by_hand() -> None:
    r = run(three_elite_p1_calls(accounts={"elite": 1}, monthly_fee={"elite": 1000.0}))
    assert [x["wait"] for x in r.records()] == [0.0, 390.0, 780.0]
    p = means(r.promises)
    # answer within 20 s: the first call only; breaches decided at 30 s and 40 s
    assert p[("elite", "answer", "voice")] == pytest.approx(
        {
            "decided": 3,
            "attained": 1,
            "breached": 2,
            "abandoned": 0,
            "open": 0,
            "attainment": 1 / 3,
            "goal": 0.8,
            "met": 0.0,
        }
    )
    # resolution within 2 h: all three
    assert p[("elite", "resolution", "voice")]["attained"] == 3
    assert p[("elite", "all", "all")]["attainment"] == pytest.approx(4 / 6)
    data = r.replications[0].promises
    assert data is not None
    answer = data.promises["kind"] == 0
    assert data.promises["at"][answer].tolist() == [0.0, 30.0, 40.0]
    # P1 ladder from arrival until resolved: L1 at 5 min for all three (300, 310,
    # 320 s, the first one in service), L2 at 15 min only for the third (920 s,
    # resolved at 1200 s); a post-incident report due 24 h after each resolution
    assert means(r.escalations) == {
        ("elite", "L1 triage"): {"fired": 3},
        ("elite", "L2 ownership"): {"fired": 1},
        ("elite", "post-incident report due"): {"fired": 3},
    }
    service = means(r.service)["elite"]
    assert service["escalations"] == 4
    assert service["post_incident_reports"] == 3
    # callbacks offered 45 s after arrival to the two waiting callers, declined
    assert (service["callbacks_offered"], service["callbacks_accepted"]) == (2, 0)
    assert data.offers["at"].tolist() == [55.0, 65.0]
    # one account, two Elite answer breaches in the month: 5 % of 1000
    assert (service["credit_breaches"], service["accounts_credited"]) == (2, 1)
    assert service["credits_owed"] == pytest.approx(50.0)
    assert r.targets_met() == {"elite": False}
    assert r.lower_tiers_met() is None  # no lower tier with promises here


def test_credits_need_two_breaches_of_one_account() -> None:
    # every contact its own account (no accounts given): no account reaches two
    service = means(run(three_elite_p1_calls(monthly_fee={"elite": 1000.0})).service)["elite"]
    assert (service["credit_breaches"], service["accounts_credited"]) == (2, 0)
    assert service["credits_owed"] == 0.0
    # one account but no fee: the breaches that would count are still reported
    service = means(run(three_elite_p1_calls(accounts={"elite": 1})).service)["elite"]
    assert (service["credit_breaches"], service["accounts_credited"]) == (2, 1)
    assert service["credits_owed"] == 0.0


def test_only_the_credit_rules_tier_and_promises_count() -> None:
    """Premium breaches (answer) and Elite resolution breaches earn no credit."""
    s = scenario(
        [
            stream("prem", "voice", "premium", [0, 10, 20], 400),
            stream("vip", "voice", "elite", [5000], 2 * HOUR + 60),
        ],
        accounts={"premium": 1, "elite": 1},
        monthly_fee={"premium": 500.0, "elite": 1000.0},
        horizon=6000,
    )
    r = run(s)
    p = means(r.promises)
    assert p[("premium", "answer", "voice")]["breached"] == 2
    assert p[("elite", "resolution", "voice")]["breached"] == 1
    service = means(r.service)
    for tier in ("premium", "elite", "all"):
        assert service[tier]["credit_breaches"] == 0
        assert service[tier]["credits_owed"] == 0


def test_a_goal_met_exactly_counts_as_met() -> None:
    """Five Elite calls, 30 s each: four answered at once, the fifth waits 29 s:
    4/5 = 80 % answered in 20 s, the goal exactly."""
    s = scenario([stream("calls", "voice", "elite", [0, 100, 200, 300, 301], 30)])
    r = run(s)
    row = means(r.promises)[("elite", "answer", "voice")]
    assert (row["attainment"], row["goal"]) == pytest.approx((0.8, 0.8))
    assert row["met"] == 1.0
    assert r.targets_met() == {"elite": True}


def test_callback_acceptance_is_drawn_with_the_given_share() -> None:
    """400 Elite callers a minute apart, 10 min each, one agent: nearly all wait
    past 45 s and are offered a callback; 30 % accept (binomial, 4 sigma)."""
    times = [60.0 * i for i in range(400)]
    s = scenario(
        [stream("calls", "voice", "elite", times, 600, patience=50)],
        horizon=24 * HOUR,
        interval=HOUR,
        callback_acceptance=0.3,
    )
    service = means(run(s, seed=5).service)["elite"]
    n, k = service["callbacks_offered"], service["callbacks_accepted"]
    assert n > 300
    assert abs(k - 0.3 * n) < 4 * math.sqrt(n * 0.3 * 0.7)


def callers(acceptance: float, **stream_fields: Any) -> Scenario:
    """Elite calls at 0, 10, 20 s, 200 s each, patience 60 s: answered at 0, then
    the agent is free at 200 and 400."""
    return scenario(
        [stream("calls", "voice", "elite", [0, 10, 20], 200, patience=60, **stream_fields)],
        callback_acceptance=acceptance,
    )


def test_accepted_callbacks_wait_off_the_line_and_are_kept_or_late() -> None:
    r = run(callers(1.0))
    rec = r.records()
    # nobody abandons: the second and third callers took the callback offered at
    # 55 s and 65 s, due at 355 s and 365 s; answered at 200 s (kept) and 400 s (late)
    assert [(x["outcome"], x["wait"]) for x in rec] == [
        ("answered", 0.0),
        ("answered", 190.0),
        ("answered", 380.0),
    ]
    service = means(r.service)["elite"]
    assert {k: service[k] for k in service if k.startswith("callback")} == {
        "callbacks_offered": 2,
        "callbacks_accepted": 2,
        "callbacks_kept": 1,
        "callbacks_late": 1,
        "callback_kept_share": 0.5,
    }
    data = r.replications[0].promises
    assert data is not None
    late = (data.promises["kind"] == 3) & (data.promises["outcome"] == 1)
    assert data.promises["at"][late].tolist() == [365.0]  # decided at its due time
    # the answer promises were breached at 30 s and 40 s, before the offers
    assert means(r.promises)[("elite", "answer", "voice")]["breached"] == 2


def test_declined_callbacks_leave_the_callers_to_abandon() -> None:
    r = run(callers(0.0))
    assert [x["outcome"] for x in r.records()] == ["answered", "abandoned", "abandoned"]
    p = means(r.promises)
    assert p[("elite", "answer", "voice")]["breached"] == 2
    assert p[("elite", "resolution", "voice")]["abandoned"] == 2
    service = means(r.service)["elite"]
    assert (service["callbacks_offered"], service["callbacks_accepted"]) == (2, 0)


def test_stream_callback_acceptance_overrides_the_scenario() -> None:
    r = run(callers(0.0, callback_acceptance=1.0))
    assert means(r.service)["elite"]["callbacks_accepted"] == 2


def test_promises_still_open_when_the_run_stops() -> None:
    s = scenario([stream("calls", "voice", "elite", [0, 10], 5000)], horizon=1000, drain=False)
    p = means(run(s).promises)
    assert p[("elite", "answer", "voice")]["breached"] == 1  # the second, at 30 s
    assert p[("elite", "resolution", "voice")]["open"] == 2
    assert p[("elite", "resolution", "voice")]["decided"] == 0
    assert math.isnan(p[("elite", "resolution", "voice")]["attainment"])


# ------------------------------------------------------------------ calendar and date


@pytest.mark.parametrize(
    ("date", "timezone", "arrival", "outcome", "due"),
    [
        # Friday 16:30 UTC, business hours: 30 min Friday + 30 min Monday
        ("2026-01-16", "UTC", "16:30", "attained", None),
        # Saturday: after hours, 4 h wall clock, breached before the 22:00 shift
        ("2026-01-17", "UTC", "16:30", "breached", "20:30"),
        # Friday 17:30 UTC: after hours
        ("2026-01-16", "UTC", "17:30", "breached", "21:30"),
        # 17:30 in Paris is 16:30 UTC: business hours of the (UTC) calendar
        ("2026-01-16", "Europe/Paris", "17:30", "attained", None),
    ],
)
def test_first_response_reads_the_scenario_date_and_timezone(
    date: str, timezone: str, arrival: str, outcome: str, due: str | None
) -> None:
    h, m = map(int, arrival.split(":"))
    s = scenario(
        [stream("mail", "email", "premium", [h * HOUR + m * 60], 600)],
        agents=[agent("desk", "email", shifts=[{"start": "22:00", "count": 1}])],
        start="16:00",
        horizon="7h",
        interval="1h",
        date=date,
        timezone=timezone,
    )
    r = run(s)
    row = means(r.promises)[("premium", "first_response", "email")]
    assert row[outcome] == 1 and row["decided"] == 1
    data = r.replications[0].promises
    assert data is not None
    first = data.promises["kind"] == 1
    if due is not None:
        hh, mm = map(int, due.split(":"))
        assert data.promises["due"][first].tolist() == [hh * HOUR + mm * 60]
        assert data.promises["at"][first].tolist() == [hh * HOUR + mm * 60]
    else:
        assert data.promises["due"][first][0] > 24 * HOUR  # Monday


# ------------------------------------------------------------------ lower tiers


def two_tier_policy() -> Any:
    """Prestige with a Standard voice promise: 90 % answered in 20 s."""
    policy = prestige()
    assert policy.promises is not None
    extra = PromiseTarget(
        tier="standard", kind="answer", within_s=20.0, channels=(Channel.VOICE,), goal=0.9
    )
    promises = policy.promises.model_copy(update={"targets": (*policy.promises.targets, extra)})
    channels = {ch: cp.model_copy(update={"wrap_up_s": 0.0}) for ch, cp in policy.channels.items()}
    return policy.model_copy(update={"promises": promises, "channels": channels})


@pytest.mark.parametrize(("standard_at", "met"), [(1.0, False), (40.0, True)])
def test_lower_tiers_met_their_own_promises(standard_at: float, met: bool) -> None:
    """Elite calls at 0, 100, 200 s take the agent for 30 s; Standard calls
    ``standard_at`` later wait 29 s (breached) or not at all (kept)."""
    times = [0.0, 100.0, 200.0]
    s = scenario(
        [
            stream("vip", "voice", "elite", times, 30),
            stream("mass", "voice", "standard", [t + standard_at for t in times], 30),
        ],
        policy=two_tier_policy(),
    )
    r = run(s)
    p = means(r.promises)
    assert p[("standard", "answer", "voice")]["attainment"] == (0.0 if not met else 1.0)
    assert p[("elite", "answer", "voice")]["attainment"] == 1.0
    assert r.targets_met() == {"standard": met, "elite": True}  # no premium contact
    assert r.lower_tiers_met() is met
    text = report_text(r)
    assert f"lower tiers met their own promises: {'yes' if met else 'no'}" in text


# ------------------------------------------------------------------ reproducibility


@pytest.fixture(scope="module")
def prestige_day() -> Scenario:
    return Scenario.from_file(EXAMPLES / "prestige.toml")


def _same_promises(a: SimulationResult, b: SimulationResult) -> None:
    for ra, rb in zip(a.replications, b.replications, strict=True):
        pa, pb = ra.promises, rb.promises
        assert pa is not None and pb is not None
        assert pa.steps == pb.steps
        for x, y in (
            (pa.promises, pb.promises),
            (pa.escalations, pb.escalations),
            (pa.offers, pb.offers),
        ):
            assert x.keys() == y.keys()
            for k in x:
                np.testing.assert_array_equal(x[k], y[k], err_msg=k)
        np.testing.assert_array_equal(pa.account, pb.account)
    assert json.dumps(a.to_dict()["promises"]) == json.dumps(b.to_dict()["promises"])


def test_same_seed_same_promises(prestige_day: Scenario) -> None:
    s = prestige_day.model_copy(update={"accounts": {"elite": 40}, "monthly_fee": {"elite": 900}})
    a = simulate(s, replications=2, seed=11)
    b = simulate(s, replications=2, seed=11)
    _same_promises(a, b)
    with ProcessPoolExecutor(max_workers=2) as pool:
        _same_promises(a, simulate(s, replications=2, seed=11, executor=pool))
    c = simulate(s, replications=2, seed=12)
    pa, pc = a.replications[0].promises, c.replications[0].promises
    assert pa is not None and pc is not None
    assert not np.array_equal(pa.offers["contact"], pc.offers["contact"])
    # the example exercises every part of the tables
    service = means(a.service)["all"]
    assert service["callbacks_offered"] > 0 and service["callbacks_accepted"] > 0
    assert service["escalations"] > 0 and service["credit_breaches"] > 0


def test_tracking_does_not_change_routing_when_callbacks_are_declined(
    prestige_day: Scenario,
) -> None:
    on = prestige_day.model_copy(update={"callback_acceptance": 0.0})
    off = prestige_day.model_copy(update={"track_promises": False})
    a, b = simulate(on, replications=1, seed=3), simulate(off, replications=1, seed=3)
    assert a.has_promises and not b.has_promises
    assert b.replications[0].promises is None and b.promises == {}
    for name, col in a.replications[0].columns.items():
        np.testing.assert_array_equal(col, b.replications[0].columns[name], err_msg=name)


# ------------------------------------------------------------------ exports and report


def test_export_includes_the_promise_tables(tmp_path: Path) -> None:
    r = run(three_elite_p1_calls(accounts={"elite": 1}, monthly_fee={"elite": 1000.0}))
    out = r.to_dict()["promises"]
    assert set(out) == {"promises", "service", "escalations", "targets_met", "lower_tiers_met"}
    answer = next(x for x in out["promises"] if x["promise"] == "answer")
    assert (answer["tier"], answer["channel"], answer["decided"], answer["breached"]) == (
        "elite",
        "voice",
        3.0,
        2.0,
    )
    assert {"attainment", "attainment_low", "attainment_high", "goal", "met"} <= set(answer)
    elite = next(x for x in out["service"] if x["tier"] == "elite")
    assert (elite["credits_owed"], elite["targets_met"]) == (50.0, False)
    assert out["targets_met"] == {"elite": False}
    r.to_json(tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())["promises"] == json.loads(json.dumps(out))
    names = {p.name for p in r.to_csv(tmp_path / "csv")}
    assert {"promises.csv", "service.csv", "escalations.csv"} <= names
    with (tmp_path / "csv" / "escalations.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [(x["step"], float(x["fired"])) for x in rows] == [
        ("L1 triage", 3.0),
        ("L2 ownership", 1.0),
        ("post-incident report due", 3.0),
    ]
    pd = pytest.importorskip("pandas")
    frame = r.to_pandas("promises")
    assert isinstance(frame, pd.DataFrame) and len(frame) == 3
    assert list(r.to_pandas("service")["tier"]) == ["elite", "all"]


def test_no_promise_tables_without_promises(tmp_path: Path) -> None:
    r = run(three_elite_p1_calls(track_promises=False))
    assert not r.has_promises and r.promise_rows() == [] and r.service_rows() == []
    assert "promises" not in r.to_dict()
    names = {p.name for p in r.to_csv(tmp_path)}
    assert names == {"summary.csv", "intervals.csv", "occupancy.csv", "records.csv"}
    assert "promise" not in report_text(r)


def test_report_has_a_promises_table_per_tier() -> None:
    r = run(three_elite_p1_calls(accounts={"elite": 1}, monthly_fee={"elite": 1000.0}))
    text = report_text(r)
    assert "attained (goal)" in text
    line = next(x for x in text.splitlines() if x.strip().startswith("answer voice"))
    assert "33.3% (80%)" in line and "no, 0/1 days" in line
    assert "escalations fired 4.0 (post-incident reports due 3.0)" in text
    assert "callbacks offered 2.0, accepted 0.0, kept 0.0" in text
    assert "service credits owed 50.00: 1.0 accounts with >= 2 breaches" in text
    assert "own promises met: no" in text
    assert "lower tiers met their own promises: –" in text


# ------------------------------------------------------------------ scenario fields


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"accounts": {"gold": 3}}, "accounts.gold"),
        ({"monthly_fee": {"gold": 3.0}}, "monthly_fee.gold"),
        ({"accounts": {"elite": 0}}, "accounts.elite"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"callback_acceptance": 1.5}, "callback_acceptance"),
    ],
)
def test_bad_promise_fields_name_their_path(fields: dict[str, Any], where: str) -> None:
    with pytest.raises(PolicyError, match=where.replace(".", r"\.")):
        three_elite_p1_calls(**fields)


def test_a_contact_nobody_can_ever_serve_ends_the_day() -> None:
    """Regression: an Elite P2 call arriving after the only agent's shift has ended is
    never answered; its status-update escalation repeats until it is resolved, which
    used to keep the run advancing the router's clock forever. The day now ends when
    only promise timers are left, with the call recorded as not answered."""
    s = scenario(
        [stream("late", "voice", "elite", [1500.0], 300, "P2")],
        agents=[agent(shifts=[{"start": 0, "end": 1000, "count": 1}])],
    )
    result = run(s)
    records = result.records()
    assert [r["outcome"] for r in records] == ["unanswered"]
    assert result.replications[0].end < 10 * 86_400  # ended, not years later
