"""Hostile values for every flag of the ``tierroute`` command (issue #15, defect 7):
each ends with a message naming the flag, a non-zero exit status and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tierroute.cli import build_parser, main

SCENARIO = """\
horizon = "1h"
replications = 1
[[agents]]
name = "team"
count = 2
[[streams]]
name = "calls"
channel = "voice"
tiers = { standard = 1 }
arrivals = { rate_per_hour = 20 }
handle_time = { kind = "exponential", mean = 120 }
"""

STAFF = ["staff", "--calls", "100,120", "--aht", "4m"]

# (command, flag, hostile values); the flag (or, for a positional, what names it)
# must appear in the message.
TABLE: list[tuple[str, str, list[str]]] = [
    ("demo", "--seed", ["-1", "abc", "1.5", ""]),
    ("demo", "--contacts", ["-1", "1000000000", "many", "1e3"]),
    ("demo", "--show", ["-1", "all"]),
    ("schema", "which", ["everything", ""]),
    ("simulate", "--replications", ["0", "-1", "1000000000", "abc", "1e3"]),
    ("simulate", "--seed", ["-1", "abc"]),
    ("simulate", "--workers", ["0", "-1", "100000", "abc"]),
    ("simulate", "--json", ["{dir}", "{dir}/missing/r.json", "x" * 5000]),
    ("simulate", "--csv", ["{file}"]),
    ("simulate", "--plot", ["{dir}", "{dir}/missing/p.png"]),
    ("staff", "--calls", ["abc", "1,,2", "", "-1", "nan", "inf", "1e400", "1e300", "1,2,x"]),
    ("staff", "--interval", ["15", "0s", "-5m", "soon", "1e308", "", "1" + "0" * 400 + "s"]),
    ("staff", "--start", ["8h", "99:99", "", "-1"]),
    ("staff", "--aht", ["1e308", "240", "0s", "abc", "-4m", "1" + "0" * 400 + "s"]),
    ("staff", "--target", ["20", "-1s", "abc"]),
    ("staff", "--sl", ["1.5", "80", "0", "150%", "abc", "nan", "-0.5", "%", "1e308"]),
    ("staff", "--patience", ["120", "abc", "-1m"]),
    ("staff", "--max-abandon", ["2", "abc", "-1%", "inf"]),
    ("staff", "--shrinkage", ["1", "100%", "abc", "-0.1"]),
    ("staff", "--surge", ["1e308", "11", "abc", "-1", "nan"]),
    ("staff", "--forecast", ["{missing}", "{dir}", "{binary}", "{empty}", "{nocalls}",
                             "{badrow}", "{nul}", "{huge}", "{negative}", "{badaht}"]),
]  # fmt: skip

CASES = [(cmd, flag, value) for cmd, flag, values in TABLE for value in values]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO)
    made = {
        "dir": tmp_path,
        "file": scenario,
        "scenario": scenario,
        "missing": tmp_path / "missing.csv",
        "binary": tmp_path / "binary.csv",
        "empty": tmp_path / "empty.csv",
        "nocalls": tmp_path / "nocalls.csv",
        "badrow": tmp_path / "badrow.csv",
        "nul": tmp_path / "nul.csv",
        "huge": tmp_path / "huge.csv",
        "negative": tmp_path / "negative.csv",
        "badaht": tmp_path / "badaht.csv",
    }
    made["binary"].write_bytes(bytes(range(256)) * 8)
    made["empty"].write_text("")
    made["nocalls"].write_text("start,aht\n08:00,240\n")
    made["badrow"].write_text("start,calls\n08:00,many\n")
    made["nul"].write_text("start,calls\n08:00,1\x0000\n")
    made["huge"].write_text("calls\n1e300\n")
    made["negative"].write_text("calls,aht\n100,240\n-5,240\n")
    made["badaht"].write_text("calls,aht\n100,nan\n")
    return {k: str(v) for k, v in made.items()}


def argv_for(command: str, flag: str, value: str, files: dict[str, str]) -> list[str]:
    value = value.format(**files) if value.startswith("{") else value
    if command == "schema":
        return ["schema", value]
    option = f"{flag}={value}"  # so that values starting with "-" reach the command
    if command == "demo":
        return ["demo", "--contacts", "3", "--show", "0", option]
    if command == "simulate":
        return ["simulate", files["scenario"], "--quiet", option]
    return [*STAFF, option]


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        return exc.code if isinstance(exc.code, int) else 1


@pytest.mark.parametrize(("command", "flag", "value"), CASES)
def test_hostile_values_name_the_flag(
    command: str,
    flag: str,
    value: str,
    files: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = run(argv_for(command, flag, value, files))
    out, err = capsys.readouterr()
    assert status == 2, (out, err)
    assert "Traceback" not in err
    assert flag in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"tierroute {command}: error: "), err


def test_the_table_covers_every_flag() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, type(parser._subparsers._actions[-1])))
    covered = {(cmd, flag) for cmd, flag, _ in TABLE}
    for command, sub_parser in sub.choices.items():
        for action in sub_parser._actions:
            if action.help == "show this help message and exit":
                continue
            if action.option_strings and action.nargs == 0:
                continue  # switches (--quiet, --force, ...) take no value
            name = action.option_strings[0] if action.option_strings else action.dest
            if command == "simulate" and name == "scenario":
                continue  # the scenario file: tests/simulation/test_scenario_files.py
            assert (command, name) in covered, (command, name)


@pytest.mark.parametrize(
    "argv",
    [
        ["staff", "--calls", "abc", "--aht", "4m"],
        ["staff", "--calls", "1,,2", "--aht", "4m"],
        ["staff", "--calls", "100", "--aht", "1e308"],
        ["staff", "--calls", "100", "--aht", "4m", "--surge", "1e308"],
        ["staff", "--forecast", "{binary}", "--aht", "4m"],
        ["staff", "--calls", "100", "--aht", "4m", "--sl", "1.5"],
        ["staff", "--calls", "100", "--aht", "4m", "--interval", "15"],
    ],
)
def test_issue_cases_in_a_real_process(argv: list[str], files: dict[str, str]) -> None:
    """The reproductions of the issue, run as a user would."""
    argv = [a.format(**files) if a.startswith("{") else a for a in argv]
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    done = subprocess.run(
        [sys.executable, "-m", "tierroute.cli", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("tierroute staff: error: ")


def test_sl_and_durations_take_their_documented_forms(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*STAFF, "--sl", "80%", "--interval", "15m", "--target", "0.5m"]) == 0
    by_percent = capsys.readouterr().out
    assert main([*STAFF, "--sl", "0.8", "--interval", "900s", "--target", "30s"]) == 0
    assert capsys.readouterr().out == by_percent
    assert main([*STAFF, "--sl", "1"]) == 0
    assert main([*STAFF, "--sl", "100%"]) == 0
    capsys.readouterr()
    assert main([*STAFF, "--interval", "15"]) == 2
    assert "--interval needs a unit: write '15s', '15m' or '15h'" in capsys.readouterr().err
    assert main([*STAFF, "--sl", "80"]) == 2
    err = capsys.readouterr().err
    assert "--sl must be in (0, 1], got 80.0" in err
    assert "'80%'" in err
