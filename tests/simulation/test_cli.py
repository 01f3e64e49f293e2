"""The ``tierroute simulate``, ``schema`` and ``staff`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tierroute.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_simulate_prints_a_table_per_tier_and_writes_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_json, out_csv, out_png = tmp_path / "r.json", tmp_path / "csv", tmp_path / "p.png"
    status = main(
        [
            "simulate",
            str(EXAMPLES / "prestige.toml"),
            "--replications",
            "3",
            "--seed",
            "5",
            "--plain",
            "--json",
            str(out_json),
            "--csv",
            str(out_csv),
            "--plot",
            str(out_png),
        ]
    )
    assert status == 0
    text = capsys.readouterr().out
    for tier in ("standard", "premium", "elite"):
        assert f"tier {tier}" in text
    assert "agent groups" in text
    data = json.loads(out_json.read_text())
    assert data["replications"] == 3 and data["seed"] == 5
    row = next(r for r in data["summary"] if r["tier"] == "elite" and r["channel"] == "voice")
    assert 0 <= row["service_level_low"] <= row["service_level"] <= row["service_level_high"] <= 1
    assert sorted(p.name for p in out_csv.iterdir()) == [
        "escalations.csv",
        "intervals.csv",
        "occupancy.csv",
        "promises.csv",
        "records.csv",
        "service.csv",
        "summary.csv",
    ]
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_simulate_with_workers_and_rich(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("rich")
    path = str(EXAMPLES / "two_class.yaml")
    assert main(["simulate", path, "--replications", "2", "--workers", "2"]) == 0
    assert "tier gold" in capsys.readouterr().out


def test_quiet_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.json"
    path = str(EXAMPLES / "two_class.yaml")
    assert main(["simulate", path, "--replications", "2", "--quiet", "--json", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert out.exists()


def test_bad_scenario_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    text = (EXAMPLES / "prestige.toml").read_text().replace("count = 6", "count = -6")
    bad.write_text(text)
    assert main(["simulate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err
    assert "agents.2.count" in err
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "count = -6" in x)
    assert f"line {line}" in err
    assert "Traceback" not in err
    assert main(["simulate", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read file" in capsys.readouterr().err


def test_schema_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "scenario"]) == 0
    scenario = json.loads(capsys.readouterr().out)
    assert "streams" in scenario["properties"]
    assert main(["schema"]) == 0
    assert "tiers" in json.loads(capsys.readouterr().out)["properties"]
    assert main(["schema", "all"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"policy", "scenario"}


def test_staff_from_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "--calls", "360,180", "--aht", "240s", "--target", "20s"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[1].split()[:4] == ["08:00", "360", "54", "54"]
    assert lines[2].split()[:3] == ["08:30", "180", "29"]


def test_staff_from_forecast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "f.csv"
    f.write_text("start,calls,aht\n09:00,360,240\n09:30,0,240\n")
    status = main(
        ["staff", "--forecast", str(f), "--patience", "2m", "--shrinkage", "0.3", "--sl", "80%"]
    )
    assert status == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[0] == "09:00"
    assert lines[2].split()[:3] == ["09:30", "0", "0"]
    f.write_text("start,volume\n09:00,many\n")
    assert main(["staff", "--forecast", str(f), "--aht", "200s"]) == 2
    assert "line 2" in capsys.readouterr().err
    assert main(["staff", "--aht", "200s"]) == 2


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--calls", "360,lots"], "--calls"),
        (["--calls", "360", "--interval", "soon"], "--interval"),
        (["--calls", "360", "--interval", "1" + "0" * 400], "--interval"),
        (["--calls", "360", "--interval", "-5"], "--interval"),
        (["--calls", "360", "--start", "8h"], "--start"),
        (["--calls", "360,nan"], "forecast[1]"),
        (["--calls", "360", "--shrinkage", "1"], "shrinkage"),
    ],
)
def test_staff_bad_values_exit_2_naming_the_option(
    flags: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["staff", "--aht", "240s", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tierroute staff: error: ")
    assert needle in err
    assert "Traceback" not in err


def test_demo_still_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--contacts", "5", "--show", "0"]) == 0
    assert "after 5 contacts" in capsys.readouterr().out
