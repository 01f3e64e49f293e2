"""Scenario files: loading from TOML / YAML / JSON, errors naming file, field and
line, the policy preset with deep-merged overrides, units, and the JSON Schema."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tierroute import ChannelPolicy, Policy
from tierroute.errors import InvalidArgument, PolicyError
from tierroute.planning.simulation import Scenario
from tierroute.planning.simulation._units import format_clock, parse_clock, parse_duration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

MINIMAL = """\
name = "mini"
horizon = "2h"
interval = "30m"

[[agents]]
name = "team"
count = 3

[[streams]]
name = "calls"
channel = "voice"
tiers = { standard = 1 }
arrivals = { rate_per_hour = 40 }
handle_time = { kind = "exponential", mean = 180 }
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_examples_load() -> None:
    s = Scenario.from_file(EXAMPLES / "prestige.toml")
    assert s.n_intervals == 24
    assert s.start == 8 * 3600
    assert s.policy.name == "prestige"
    assert s.policy.offer.auto_accept is True
    assert {st.channel.value for st in s.streams} == {"voice", "chat", "email"}
    assert s.policy.target("elite", "voice") == 20.0
    y = Scenario.from_file(EXAMPLES / "two_class.yaml")
    assert y.policy.tier_names == ("basic", "gold")


def test_json_and_mapping_agree(tmp_path: Path) -> None:
    toml = Scenario.from_file(_write(tmp_path, "a.toml", MINIMAL))
    data = toml.model_dump(mode="json", by_alias=True)
    again = Scenario.from_file(_write(tmp_path, "a.json", json.dumps(data)))
    assert again == toml


def test_policy_preset_overrides_are_deep_merged() -> None:
    s = Scenario.from_mapping(
        {
            "horizon": 3600,
            "policy": {
                "preset": "prestige",
                "channels": {"voice": {"wrap_up_s": 5}},
                "tiers": [{"name": "elite", "value_boost": 0.5}],
            },
            "agents": [{"name": "a", "count": 1}],
            "streams": [
                {
                    "name": "s",
                    "channel": "voice",
                    "tiers": {"elite": 1},
                    "arrivals": {"rate_per_hour": 1},
                    "handle_time": {"kind": "deterministic", "value": 60},
                }
            ],
        }
    )
    assert s.policy.channels["voice"].wrap_up_s == 5  # type: ignore[index]
    assert s.policy.channels["chat"].wrap_up_s == 10.0  # type: ignore[index]
    assert s.policy.tier_names == ("standard", "premium", "elite")  # tiers merge by name
    assert s.policy.tier("elite").value_boost == 0.5
    assert s.policy.tier("elite").relaxation[0].concierge
    assert s.policy.offer.auto_accept and s.policy.offer.timeout_s == 20.0


def test_policy_without_preset_overrides_the_default_policy() -> None:
    """Without a preset, tables merge into the default policy key by key, the tiers
    given replace its one 'standard' tier, and explanations are off unless asked."""
    base = tomllib.loads(MINIMAL)
    base["streams"][0]["tiers"] = {"gold": 1}
    s = Scenario.from_mapping(
        {**base, "policy": {"channels": {"voice": {"wrap_up_s": 5}}, "tiers": [{"name": "gold"}]}}
    )
    assert s.policy.tier_names == ("gold",)
    assert s.policy.channels["voice"] == ChannelPolicy(cost=100, exclusive=True, wrap_up_s=5)  # type: ignore[index]
    assert s.policy.channels["chat"] == Policy().channels["chat"]  # type: ignore[index]
    assert (s.policy.explain_history, s.policy.offer.auto_accept) == (0, True)
    asked = {"explain_history": 7, "tiers": [{"name": "gold"}]}
    assert Scenario.from_mapping({**base, "policy": asked}).policy.explain_history == 7


def _error(tmp_path: Path, name: str, text: str) -> PolicyError:
    path = _write(tmp_path, name, text)
    with pytest.raises(PolicyError) as info:
        Scenario.from_file(path)
    assert str(path) in str(info.value)
    assert info.value.source == str(path)
    return info.value


def test_bad_field_names_file_path_and_line(tmp_path: Path) -> None:
    text = MINIMAL.replace("mean = 180 }", "mean = -5 }")
    err = _error(tmp_path, "bad.toml", text)
    assert err.location == "streams.0.handle_time.exponential.mean"
    assert "streams.0.handle_time.exponential.mean (line 14)" in str(err)


def test_unknown_tier_is_located(tmp_path: Path) -> None:
    err = _error(tmp_path, "tier.toml", MINIMAL.replace("standard = 1", "gold = 1"))
    assert err.location == "streams.0.tiers.gold"
    assert "unknown tier 'gold'" in str(err)
    assert "(line 12)" in str(err)


def test_interval_count_must_match_horizon(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "arrivals = { rate_per_hour = 40 }", "arrivals = { per_interval = [1, 2, 3] }"
    )
    err = _error(tmp_path, "n.toml", text)
    assert err.location == "streams.0.arrivals.per_interval"
    assert "has 3 values; the horizon has 4 intervals" in str(err)


def test_agent_group_needs_exactly_one_staffing(tmp_path: Path) -> None:
    text = MINIMAL.replace("count = 3", "count = 3\ncount_per_interval = [1, 1, 1, 1]")
    err = _error(tmp_path, "g.toml", text)
    assert err.location == "agents.0"
    assert "exactly one of count, count_per_interval or shifts" in str(err)


def test_yaml_error_has_line(tmp_path: Path) -> None:
    text = (EXAMPLES / "two_class.yaml").read_text().replace("mean: 300", "mean: zero")
    err = _error(tmp_path, "bad.yaml", text)
    assert err.location is not None
    assert err.location.startswith("streams.0.patience")
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "mean: zero" in x)
    assert f"(line {line})" in str(err)


def test_syntax_error_names_line(tmp_path: Path) -> None:
    err = _error(tmp_path, "syntax.toml", MINIMAL.replace('name = "team"', "name = team"))
    assert "syntax error" in str(err)
    assert "line 6" in str(err)


def test_unknown_preset_and_unknown_key(tmp_path: Path) -> None:
    err = _error(tmp_path, "p.toml", MINIMAL + '\n[policy]\npreset = "luxury"\n')
    assert err.location == "policy"
    assert "unknown preset 'luxury'" in str(err)
    err = _error(tmp_path, "k.toml", MINIMAL.replace('name = "mini"', 'name = "mini"\nhorizn = 1'))
    assert err.location == "horizn"
    assert "Extra inputs are not permitted" in str(err)


def test_shift_end_before_start(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "count = 3",
        '[[agents.shifts]]\nstart = "10:00"\nend = "09:00"\ncount = 2',
    )
    err = _error(tmp_path, "shift.toml", text)
    assert err.location == "agents.0.shifts.0.end"


def test_units() -> None:
    assert parse_clock("08:30") == 30600.0
    assert parse_clock("25:00:30") == 90030.0
    assert parse_duration("1h30m") == 5400.0
    assert parse_duration("250ms") == 0.25
    assert parse_duration(12) == 12.0
    assert format_clock(8 * 3600 + 90) == "08:01:30"
    for bad in ("8h30", "soon", -1, True):
        with pytest.raises(ValueError, match=r"expected|must be"):
            parse_duration(bad)


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("horizon", 10**400, "duration must be a finite number of seconds"),
        ("horizon", "1" + "0" * 400 + "s", "duration must be a finite number of seconds"),
        ("interval", True, "duration must be a finite number of seconds, got True"),
        ("start", -60, "time of day must be >= 0, got -60"),
        ("start", math.nan, "time of day must be a finite number of seconds"),
    ],
)
def test_times_follow_the_shared_rule(field: str, value: Any, needle: str) -> None:
    data = tomllib.loads(MINIMAL)
    with pytest.raises(PolicyError) as info:
        Scenario.from_mapping({**data, field: value})
    assert info.value.location == field
    assert needle in str(info.value)


def test_units_name_what_they_parse() -> None:
    with pytest.raises(InvalidArgument, match="--interval must be written like '30m'"):
        parse_duration("soon", "--interval")
    with pytest.raises(InvalidArgument, match="--start must be written like '08:30'"):
        parse_clock("8h", "--start")


def test_json_schema_documents_the_file() -> None:
    schema: dict[str, Any] = Scenario.json_schema()
    props = schema["properties"]
    for key in ("agents", "streams", "policy", "horizon", "busyness_cv", "backlog"):
        assert key in props
    assert props["policy"]["properties"]["preset"]["enum"] == ["prestige"]
    json.dumps(schema)
