"""The ``tierroute`` command line (demo and schema) and the demo workload."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tierroute import Policy
from tierroute.cli import main
from tierroute.demo import run_demo

OFFER_LINE = re.compile(
    r"^t=\s*\d+\.\ds\s+c\d+ \((standard|premium|elite)\s+(voice|chat|email)\s*\) -> agent-\d "
    r"at step '\w+'$"
)


def test_demo_prints_offers_and_one_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--contacts", "15", "--show", "1"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    offers = [line for line in lines if OFFER_LINE.match(line)]
    assert len(offers) >= 5
    explanations = [line for line in lines if re.match(r"^offer o\d+: contact c\d+ -> agent", line)]
    assert len(explanations) == 1
    assert "  why this contact: smallest priority key" in out
    assert "  why this agent: strategy" in out
    assert "  matched at step" in out
    assert lines[-1].startswith("after 15 contacts at t=")
    assert "submitted=15" in lines[-1]


def test_demo_summary_adds_up(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--contacts", "30", "--show", "0"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    stats = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", last)}
    assert stats["submitted"] == 30
    assert stats["submitted"] == (
        stats["waiting"]
        + stats["offered"]
        + stats["in_service"]
        + stats["finished"]
        + stats["abandoned"]
    )
    assert stats["agents"] == 8


def test_demo_show_zero_prints_no_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--contacts", "10", "--show", "0"]) == 0
    assert "why this contact" not in capsys.readouterr().out


def test_demo_is_deterministic_per_seed(capsys: pytest.CaptureFixture[str]) -> None:
    main(["demo", "--contacts", "12", "--show", "2"])
    first = capsys.readouterr().out
    main(["demo", "--contacts", "12", "--show", "2"])
    assert capsys.readouterr().out == first
    main(["demo", "--contacts", "12", "--show", "2", "--seed", "8"])
    assert capsys.readouterr().out != first


def test_run_demo_returns_a_consistent_router() -> None:
    lines: list[str] = []
    router = run_demo(seed=3, contacts=25, show=2, echo=lines.append)
    stats = router.stats()
    assert stats["submitted"] == 25
    assert stats["agents"] == 8
    router._check()
    assert sum(1 for line in lines if line.startswith("offer o")) == 2


def test_schema_prints_the_policy_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == Policy.json_schema()
    assert "TierPolicy" in schema["$defs"]


def test_schema_all_is_keyed_by_file_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "all"]) == 0
    schemas = json.loads(capsys.readouterr().out)
    assert schemas["policy"] == Policy.json_schema()
    assert all(isinstance(s, dict) and "properties" in s for s in schemas.values())


@pytest.mark.parametrize(
    "argv",
    [[], ["nonsense"], ["demo", "--contacts", "many"], ["schema", "everything"]],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage: tierroute" in capsys.readouterr().err


def test_module_runs_as_a_script() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tierroute.cli", "demo", "--contacts", "5"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("after 5 contacts at t=")
    assert " -> agent-" in result.stdout
    assert result.stderr == ""


def test_installed_console_script() -> None:
    script = Path(sys.executable).parent / "tierroute"
    path = str(script) if script.exists() else shutil.which("tierroute")
    if path is None:
        pytest.skip("the tierroute console script is not installed")
    result = subprocess.run(
        [path, "schema"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == Policy.json_schema()
