"""Results: confidence intervals, records, pandas, JSON and CSV."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from tierroute.planning.simulation import Scenario, SimulationResult, simulate
from tierroute.planning.simulation.metrics import estimate, t_quantile_975

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return simulate(Scenario.from_file(EXAMPLES / "prestige.toml"), replications=3, seed=3)


def test_student_t_interval() -> None:
    assert t_quantile_975(1) == 12.7062
    assert abs(t_quantile_975(40) - 2.0211) < 1e-4
    assert abs(t_quantile_975(120) - 1.9799) < 1e-4
    e = estimate(np.array([10.0, 12.0, 11.0, np.nan]))
    assert e.n == 3 and e.mean == 11.0
    assert e.half_width == pytest.approx(4.3027 * 1.0 / math.sqrt(3))
    assert e.contains(11.5) and not e.contains(20.0)
    assert math.isnan(estimate(np.array([1.0])).half_width)
    assert estimate(np.array([])).n == 0


def test_summary_is_consistent(result: SimulationResult) -> None:
    s = result.summary
    total = s[("all", "all")]
    parts = [row for (t, c), row in s.items() if t != "all" and c != "all"]
    assert total["offered"].mean == pytest.approx(sum(r["offered"].mean for r in parts))
    for row in parts:
        off, ans, ab, un = (row[m].mean for m in ("offered", "answered", "abandoned", "unanswered"))
        assert off == pytest.approx(ans + ab + un)
        assert 0.0 <= row["service_level"].mean <= 1.0
    elite_voice = s[("elite", "voice")]
    assert elite_voice["p95_wait"].mean >= elite_voice["p90_wait"].mean
    occ = result.occupancy
    assert 0.0 < occ["all"]["occupancy"].mean < 1.0
    assert set(occ) == {"junior", "senior", "tech-desk", "concierge", "email-desk", "all"}
    assert result.get("cost_per_contact", "all", "voice").mean > 0


def test_intervals_add_up(result: SimulationResult) -> None:
    by_int = result.by_interval
    n = result.meta.n_intervals
    offered = sum(by_int[("all", "all", k)]["offered"].mean for k in range(n))
    assert offered == pytest.approx(result.get("offered").mean)
    assert result.interval_label(4) == "10:00"
    assert ("senior", 4) in result.occupancy_by_interval


def test_records_and_columns(result: SimulationResult) -> None:
    cols = result.columns()
    rec = result.records()
    assert len(rec) == len(cols["tier"]) == sum(len(r.columns["tier"]) for r in result.replications)
    first = rec[0]
    assert set(first) >= {"replication", "tier", "channel", "wait", "outcome", "agent", "step"}
    answered = [r for r in rec if r["outcome"] == "answered"]
    assert all(r["wait"] >= 0 and r["agent"] for r in answered)
    backlog = [r for r in rec if r["backlog"]]
    assert len(backlog) == 3 * 60
    assert all(r["channel"] == "email" for r in backlog)


def test_to_pandas(result: SimulationResult) -> None:
    pytest.importorskip("pandas")
    df = result.to_pandas()
    assert len(df) == len(result.records())
    summary = result.to_pandas("summary")
    assert {"tier", "channel", "service_level", "service_level_low"} <= set(summary.columns)
    assert len(result.to_pandas("intervals")) == len(result.interval_rows())
    with pytest.raises(ValueError, match="table must be"):
        result.to_pandas("nope")


def test_json_and_csv(result: SimulationResult, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    result.to_json(path, records=True)
    data = json.loads(path.read_text())
    assert data["confidence"] == 0.95
    assert len(data["records"]) == len(result.records())
    written = result.to_csv(tmp_path / "out")
    assert sorted(p.name for p in written) == [
        "escalations.csv",
        "intervals.csv",
        "occupancy.csv",
        "promises.csv",
        "records.csv",
        "service.csv",
        "summary.csv",
    ]
    with (tmp_path / "out" / "summary.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(result.summary_rows())
