"""Plausibility limits of a scenario (issue #15, defect 6): a run past them is refused
before any work, naming the field; ``force`` raises them."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import pytest

from tierroute.cli import main
from tierroute.errors import InvalidArgument, PolicyError
from tierroute.planning.simulation import Scenario, simulate
from tierroute.planning.simulation import scenario as sc

BASE: dict[str, Any] = {
    "horizon": "8h",
    "agents": [{"name": "team", "count": 3}],
    "streams": [
        {
            "name": "calls",
            "channel": "voice",
            "tiers": {"standard": 1},
            "arrivals": {"rate_per_hour": 60},
            "handle_time": {"kind": "exponential", "mean": 180},
        }
    ],
    "replications": 2,
}


def scenario(**changes: Any) -> Scenario:
    data = copy.deepcopy(BASE)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target: Any = data
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        target[last] = value
    return Scenario.from_mapping(data)


# Each case of the issue, as written there, and where the error must point.
ISSUE_CASES = [
    ({"streams__0__arrivals": {"rate_per_hour": 1e9}}, "streams.0.arrivals.rate_per_hour"),
    ({"agents__0__count": 1e9}, "agents.0.count"),
    ({"horizon": "365250d"}, "horizon"),  # 1,000 years
    ({"replications": 1e9}, "replications"),
    ({"backlog": [{"stream": "calls", "count": 1e9}]}, "backlog.0.count"),
    ({"interval": 0.000001}, "interval"),
]


@pytest.mark.parametrize(("changes", "field"), ISSUE_CASES)
@pytest.mark.parametrize("force", [False, True])
def test_issue_cases_are_refused_before_any_work(
    changes: dict[str, Any], field: str, force: bool
) -> None:
    s = scenario(**changes)
    started = time.perf_counter()
    with pytest.raises(PolicyError) as info:
        simulate(s, force=force)
    assert time.perf_counter() - started < 2.0
    assert info.value.location == field
    message = str(info.value)
    assert message.startswith(f"{field}: ")
    assert "\n" not in message
    assert ("even with force" in message) == force


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"streams__0__arrivals": {"per_interval": [1e6] * 16}}, "streams.0.arrivals.per_interval"),
        (
            {"streams__0__arrivals": {"peaks": [{"at": "04:00", "per_hour": 1e7, "width": "1h"}]}},
            "streams.0.arrivals.peaks",
        ),
        ({"streams__0__arrivals": {"base_per_hour": 1e6}}, "streams.0.arrivals.base_per_hour"),
        (
            {"agents__0__count": None, "agents__0__count_per_interval": [3] * 15 + [10**6]},
            "agents.0.count_per_interval",
        ),
        (
            {"agents__0__count": None, "agents__0__shifts": [{"start": 0, "count": 60_000}] * 2},
            "agents.0.shifts",
        ),
        ({"max_drain": "400d"}, "max_drain"),
        ({"backlog": [{"stream": "calls", "count": 1, "age": "400d"}]}, "backlog.0.age"),
    ],
)
def test_every_kind_of_work_is_estimated(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(PolicyError) as info:
        scenario(**changes).check_limits()
    assert info.value.location == field


def test_totals_blame_the_largest_contributor() -> None:
    half = sc.MAX_CONTACTS * 0.6 / 8  # per hour over the 8 h horizon
    data = copy.deepcopy(BASE)
    data["streams"].append({**data["streams"][0], "name": "more"})
    data["streams"][0]["arrivals"] = {"rate_per_hour": half}
    data["streams"][1]["arrivals"] = {"rate_per_hour": half * 1.1}
    with pytest.raises(PolicyError, match="all streams and backlogs") as info:
        Scenario.from_mapping(data).check_limits()
    assert info.value.location == "streams.1.arrivals.rate_per_hour"
    # contacts x replications
    per_rep = sc.MAX_TOTAL_CONTACTS / 100 / 8
    s = scenario(streams__0__arrivals={"rate_per_hour": per_rep}, replications=101)
    with pytest.raises(PolicyError, match="all replications") as info:
        s.check_limits()
    assert info.value.location == "replications"
    s.check_limits(replications=100)


def test_force_raises_every_limit_by_the_factor() -> None:
    cases = [
        scenario(streams__0__arrivals={"rate_per_hour": sc.MAX_CONTACTS / 8 * 2}),
        scenario(agents__0__count=sc.MAX_AGENTS + 1),
        scenario(horizon=f"{sc.MAX_DURATION + 86_400:.0f}s", interval="1d"),
        scenario(interval="0.5s"),
        scenario(replications=sc.MAX_REPLICATIONS + 1),
    ]
    for s in cases:
        with pytest.raises(PolicyError, match="--force raises the limits 100-fold"):
            s.check_limits()
        s.check_limits(force=True)
    s = scenario(agents__0__count=sc.MAX_AGENTS * sc.FORCE_FACTOR + 1)
    with pytest.raises(PolicyError, match="even with force"):
        s.check_limits(force=True)


def test_a_forced_run_runs() -> None:
    s = scenario(horizon="400d", interval="1d", streams__0__arrivals={"rate_per_hour": 0.01})
    with pytest.raises(PolicyError, match="horizon: 400 days"):
        simulate(s)
    result = simulate(s, force=True)
    assert result.n_replications == 2


def test_the_replications_argument_counts() -> None:
    s = scenario()
    with pytest.raises(PolicyError) as info:
        simulate(s, replications=sc.MAX_REPLICATIONS + 1)
    assert info.value.location == "replications"
    with pytest.raises(InvalidArgument, match="force must be True or False"):
        simulate(s, force="yes")  # type: ignore[arg-type]


def test_the_limits_are_documented() -> None:
    doc = sc.__doc__ or ""
    for name in (
        "MAX_CONTACTS",
        "MAX_TOTAL_CONTACTS",
        "MAX_REPLICATIONS",
        "MAX_AGENTS",
        "MAX_DURATION",
        "MAX_INTERVALS",
        "FORCE_FACTOR",
    ):
        assert f":data:`{name}`" in doc
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"{sc.MAX_CONTACTS:,} expected" in readme
    assert f"{sc.MAX_TOTAL_CONTACTS:,} over all replications" in readme
    assert f"{sc.MAX_AGENTS:,} agents" in readme
    assert f"{sc.FORCE_FACTOR}-fold" in readme


def test_cli_names_the_file_field_and_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(
        "horizon: 8h\nagents: [{name: team, count: 3}]\n"
        "streams: [{name: calls, channel: voice, tiers: {standard: 1},\n"
        "  arrivals: {rate_per_hour: 1e9}, handle_time: {kind: exponential, mean: 180}}]\n"
    )
    for extra in ([], ["--force"]):
        assert main(["simulate", str(path), "--quiet", *extra]) == 2
        err = capsys.readouterr().err
        assert f"{path}: streams.0.arrivals.rate_per_hour: " in err
        assert "Traceback" not in err
    small = tmp_path / "small.yaml"
    small.write_text(path.read_text().replace("1e9", "60"))
    long = tmp_path / "long.yaml"
    long.write_text(small.read_text().replace("horizon: 8h", "horizon: 400d\ninterval: 1d"))
    long.write_text(long.read_text().replace("rate_per_hour: 60", "rate_per_hour: 0.01"))
    assert main(["simulate", str(long), "--quiet", "--replications", "1"]) == 2
    assert f"{long}: horizon: 400 days is past the limit of 366 days" in capsys.readouterr().err
    assert main(["simulate", str(long), "--quiet", "--replications", "1", "--force"]) == 0
    assert main(["simulate", str(small), "--quiet", "--replications", "1000000000"]) == 2
    err = capsys.readouterr().err
    assert "--replications 1000000000: replications: " in err
