"""Scenario and policy files are read within bounds (issue #15, defects 5 and 6): a
YAML alias bomb, deep nesting, huge files and files that are not regular files are
refused quickly with a typed error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tierroute.errors import PolicyError
from tierroute.planning.simulation import Scenario
from tierroute.policy import loading
from tierroute.policy.model import Policy

pytest.importorskip("yaml")

MINIMAL_YAML = """\
horizon: 8h
agents: [{name: team, count: 3}]
streams:
  - name: calls
    channel: voice
    tiers: {standard: 1}
    arrivals: {rate_per_hour: 60}
    handle_time: {kind: exponential, mean: 180}
"""

# Run in a child with a memory cap, so that a regression fails instead of taking the
# machine down: the defect was > 12 GB and still running after 4 minutes.
_LIMITED = """\
import resource, sys
cap = 1 << 31
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from tierroute.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_limited(*argv: str, timeout: float = 30.0) -> tuple[int, str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _LIMITED, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return done.returncode, done.stderr, time.perf_counter() - started


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The issue's reproduction: nine nested anchors, and a validation error."""
    lines = ["horizon: -1", "a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    lines += ["agents: [{name: team, count: 1}]", f"streams: *a{levels - 1}"]
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is Linux's")
def test_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb())
    status, err, seconds = run_limited("simulate", str(path))
    assert status == 2
    assert seconds < 15  # interpreter start-up included
    assert "Traceback" not in err
    assert f"{path}: holds more than 1,000,000 values once its aliases are expanded" in err


def test_alias_bomb_in_process_is_refused_before_expansion(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(levels=30, width=2))  # 2**30 values
    started = time.perf_counter()
    with pytest.raises(PolicyError, match="aliases are expanded"):
        Scenario.from_file(path)
    with pytest.raises(PolicyError, match="aliases are expanded"):
        Policy.from_file(path)
    assert time.perf_counter() - started < 2.0


def test_merge_key_bomb_is_refused(tmp_path: Path) -> None:
    # '<<' copies entries when the document is constructed: weighed before that
    lines = ["m0: &m0 {k0: 1, k1: 1}"]
    lines += [f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], x{i}: 1}}" for i in range(1, 40)]
    path = tmp_path / "merge.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(PolicyError, match="aliases are expanded"):
        Scenario.from_file(path)


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text(MINIMAL_YAML + "extra: &x [1, *x]\n")
    with pytest.raises(PolicyError, match=r"alias \*x refers to a node that contains it"):
        Scenario.from_file(path)


def test_small_aliases_still_work_and_errors_under_them_are_located(tmp_path: Path) -> None:
    text = MINIMAL_YAML.replace(
        "    handle_time: {kind: exponential, mean: 180}",
        "    handle_time: &ht {kind: exponential, mean: 180}\n"
        "  - name: chats\n    channel: voice\n    tiers: {standard: 1}\n"
        "    arrivals: {rate_per_hour: 60}\n    handle_time: *ht",
    )
    path = tmp_path / "ok.yaml"
    path.write_text(text)
    s = Scenario.from_file(path)
    assert s.streams[1].handle_time == s.streams[0].handle_time
    path.write_text(text.replace("mean: 180", "mean: -1"))
    with pytest.raises(PolicyError) as info:
        Scenario.from_file(path)
    alias_line = text.splitlines().index("    handle_time: *ht") + 1
    assert f"streams.1.handle_time.exponential.mean (line {alias_line})" in str(info.value)


def test_the_locator_does_not_walk_expanded_aliases(tmp_path: Path) -> None:
    # 2 x 9**4 values: within the bounds, so it loads and fails validation; the
    # locator used to walk every path through every alias
    path = tmp_path / "wide.yaml"
    path.write_text(alias_bomb(levels=5))
    started = time.perf_counter()
    with pytest.raises(PolicyError) as info:
        Scenario.from_file(path)
    assert time.perf_counter() - started < 10.0
    message = str(info.value)
    assert "horizon (line 1)" in message
    assert "a4 (line 6): Extra inputs are not permitted" in message


def test_error_lists_are_capped(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    groups = "".join(f"  - {{name: g{i}, count: -1}}\n" for i in range(30))
    path.write_text(
        MINIMAL_YAML.replace("agents: [{name: team, count: 3}]\n", "agents:\n" + groups)
    )
    with pytest.raises(PolicyError) as info:
        Scenario.from_file(path)
    lines = str(info.value).splitlines()
    assert len(lines) == 1 + loading.MAX_PROBLEMS + 1
    assert (
        lines[1] == "  agents.0.count (line 3): Input should be greater than or equal to 0 (got -1)"
    )
    # 30 bad counts, and the agents list left with none
    assert lines[-1] == f"  ... and {31 - loading.MAX_PROBLEMS} more"


@pytest.mark.parametrize("suffix", [".yaml", ".toml", ".json"])
def test_deep_nesting_is_refused(tmp_path: Path, suffix: str) -> None:
    depth = 5000
    path = tmp_path / f"deep{suffix}"
    if suffix == ".toml":
        path.write_text("x = " + "[" * depth + "]" * depth + "\n")
    else:
        path.write_text('{"x": ' + "[" * depth + "]" * depth + "}\n")
    with pytest.raises(PolicyError) as info:
        Scenario.from_file(path)
    message = str(info.value)
    # libyaml refuses 1,000 flow levels itself, before our bound sees them
    ours = f"nests deeper than {loading.MAX_NESTING} levels"
    assert ours in message or "exceeded maximum nesting depth" in message


def test_deep_block_nesting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("".join("  " * i + "a:\n" for i in range(100)) + "  " * 100 + "b: 1\n")
    with pytest.raises(PolicyError, match=f"nests deeper than {loading.MAX_NESTING} levels"):
        Scenario.from_file(path)
    deep, deeper = "[" * 40 + "]" * 40, "[" * 25 + "*x" + "]" * 25
    path.write_text(MINIMAL_YAML + f"x: &x {deep}\ny: {deeper}\n")
    with pytest.raises(PolicyError, match=r"levels once alias \*x is expanded"):
        Scenario.from_file(path)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_too_many_values_are_refused(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"many{suffix}"
    path.write_text(json.dumps({"x": [0] * (loading.MAX_VALUES + 1)}, separators=(",", ":")))
    with pytest.raises(PolicyError, match="holds more than 1,000,000 values"):
        Scenario.from_file(path)


def test_files_past_the_size_limit_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text(MINIMAL_YAML.replace(":", " =") + "#" * loading.MAX_INPUT_BYTES)
    with pytest.raises(PolicyError, match=f"larger than the limit of {loading.MAX_INPUT_BYTES:,}"):
        Scenario.from_file(path)


def test_files_that_are_not_regular_are_refused(tmp_path: Path) -> None:
    cases = [tmp_path]
    if os.path.exists("/dev/zero"):
        cases.append(Path("/dev/zero"))
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.yaml"
        os.mkfifo(fifo)  # nobody writes to it: opening it must not wait
        cases.append(fifo)
    for path in cases:
        for load in (Scenario.from_file, Policy.from_file):
            with pytest.raises(PolicyError, match="not a regular file"):
                load(path)


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is Linux's")
def test_dev_zero_scenario_and_forecast_end_with_exit_2() -> None:
    for argv in (
        ("simulate", "/dev/zero"),
        ("staff", "--forecast", "/dev/zero", "--aht", "4m"),
    ):
        status, err, _ = run_limited(*argv)
        assert status == 2, err
        assert "/dev/zero: cannot read file: not a regular file (a character device)" in err
        assert "Traceback" not in err


def test_text_durations_need_a_unit_in_files(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(MINIMAL_YAML.replace("horizon: 8h", 'horizon: "28800"'))
    with pytest.raises(PolicyError, match=r"horizon .*needs a unit: write '28800s'"):
        Scenario.from_file(path)
    path.write_text(MINIMAL_YAML.replace("horizon: 8h", "horizon: 28800"))
    assert Scenario.from_file(path).horizon == 28800.0  # a number is seconds
