"""Tests of tierroute.policy.model and tierroute.policy.presets: defaults, validators, file loading,
JSON Schema, key offsets and the prestige figures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tierroute import (
    BusinessCalendar,
    CallbackRule,
    Channel,
    ChannelPolicy,
    CreditRule,
    OfferPolicy,
    Policy,
    PolicyError,
    RelaxationStep,
    Severity,
    Strategy,
    TierPolicy,
    get_preset,
    prestige,
    prestige_promises,
)
from tierroute.policy.loading import policy_fields, preset_names

HOUR = 3600.0
DAY = 86400.0

# ----------------------------------------------------------------------------- defaults


def test_policy_defaults() -> None:
    p = Policy()
    assert p.name == "custom"
    assert p.tier_names == ("standard",)
    std = p.tier("standard")
    assert (std.targets, std.value_boost, std.strategy, std.relaxation) == (
        {},
        0.0,
        Strategy.LONGEST_IDLE,
        (),
    )
    assert p.default_targets == {
        Channel.VOICE: 60.0,
        Channel.VIDEO: 60.0,
        Channel.CHAT: 60.0,
        Channel.EMAIL: DAY,
        Channel.SMS: DAY,
        Channel.WHATSAPP: DAY,
        Channel.IN_APP: DAY,
    }
    assert p.severity_factor == {
        Severity.P1: 0.25,
        Severity.P2: 0.5,
        Severity.P3: 1.0,
        Severity.P4: 1.5,
    }
    assert p.channels[Channel.VOICE] == ChannelPolicy(cost=100, exclusive=True, wrap_up_s=30.0)
    assert p.channels[Channel.VIDEO] == ChannelPolicy(cost=100, exclusive=True, wrap_up_s=30.0)
    assert p.channels[Channel.CHAT] == ChannelPolicy(cost=33, exclusive=False, wrap_up_s=10.0)
    assert p.channels[Channel.EMAIL] == ChannelPolicy(cost=25, exclusive=False, wrap_up_s=60.0)
    for ch in (Channel.SMS, Channel.WHATSAPP, Channel.IN_APP):
        assert p.channels[ch] == ChannelPolicy(cost=20, exclusive=False, wrap_up_s=10.0)
    assert p.offer == OfferPolicy(
        timeout_s=20.0, auto_accept=False, max_no_answers=3, reject_counts_as_no_answer=False
    )
    assert p.max_proficiency == 5
    assert p.seniority_levels == ("junior", "senior", "expert")
    assert p.explain_history == 1024


def test_sub_model_defaults() -> None:
    assert ChannelPolicy() == ChannelPolicy(cost=25, exclusive=False, wrap_up_s=0.0)
    step = RelaxationStep(name="s")
    assert (step.wait_s, step.concierge, step.skills, step.language) == (
        None,
        False,
        "require",
        "require",
    )
    assert (step.min_proficiency, step.min_seniority, step.strategy) == (None, None, None)


def test_policy_is_frozen() -> None:
    p = Policy()
    with pytest.raises(ValidationError):
        p.name = "other"  # type: ignore[misc]


def test_target_falls_back_to_default_targets() -> None:
    p = Policy(tiers=[TierPolicy(name="vip", targets={"voice": 10.0})])
    assert p.target("vip", "voice") == 10.0
    assert p.target("vip", Channel.CHAT) == 60.0
    assert p.target("vip", "email") == DAY


def test_unknown_tier_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match="'gold'"):
        Policy().tier("gold")
    with pytest.raises(PolicyError, match="'gold'"):
        Policy().key_offset("gold", "voice", 3, 0.5)


@pytest.mark.parametrize(
    ("level", "index"),
    [("junior", 0), ("senior", 1), ("expert", 2), (0, 0), (2, 2)],
)
def test_seniority_index(level: int | str, index: int) -> None:
    assert Policy().seniority_index(level) == index


@pytest.mark.parametrize(
    ("level", "needle"), [(3, "3"), (-1, "-1"), ("boss", "'boss'"), (True, "True")]
)
def test_seniority_index_rejects(level: Any, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        Policy().seniority_index(level)


# ----------------------------------------------------------------------------- validators


def tier_with(*steps: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"name": "t", "relaxation": list(steps), **kw}


@pytest.mark.parametrize(
    ("tier", "needle"),
    [
        (tier_with({"name": "a", "wait_s": 10}), "last relaxation step 'a' must have no wait_s"),
        (tier_with({"name": "a"}, {"name": "b"}), "relaxation step 'a' needs wait_s"),
        (
            tier_with({"name": "a", "wait_s": 5}, {"name": "b", "concierge": True}),
            "cannot be concierge-only",
        ),
        (tier_with({"name": "a", "wait_s": 5}, {"name": "a"}), "step names must be unique"),
        (tier_with({"name": "a", "wait_s": 0}, {"name": "b"}), "greater than 0"),
        (tier_with({"name": "a", "wait_s": float("inf")}, {"name": "b"}), "finite"),
        (tier_with(value_boost=1.0), "less than 1"),
        (tier_with(value_boost=-0.1), "greater than or equal to 0"),
        (tier_with(targets={"voice": 0}), "target for voice must be > 0"),
        (tier_with(targets={"voice": float("inf")}), "target for voice must be > 0"),
        (tier_with({"name": "a", "skills": "maybe"}), "'require' or 'ignore'"),
        (tier_with({"name": "a", "min_proficiency": 0}), "greater than or equal to 1"),
        (tier_with(strategy="random"), "longest_idle"),
    ],
)
def test_tier_validators(tier: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValidationError) as info:
        TierPolicy.model_validate(tier)
    assert needle in str(info.value)
    # the same through the policy loader: a PolicyError naming the tier's path
    with pytest.raises(PolicyError) as info2:
        Policy.from_mapping({"tiers": [{"name": "ok"}, tier]}, source="p.toml")
    assert needle in str(info2.value)
    assert str(info2.value).startswith("p.toml: ")
    assert info2.value.location is not None
    assert info2.value.location.startswith("tiers.1")
    assert "tiers.1" in str(info2.value)


@pytest.mark.parametrize("boost", [0.0, 0.5, 0.999])
def test_value_boost_accepted_in_range(boost: float) -> None:
    assert TierPolicy(name="t", value_boost=boost).value_boost == boost


def test_valid_ladder_accepted() -> None:
    tier = TierPolicy(
        name="t",
        relaxation=(
            RelaxationStep(name="c", wait_s=30, concierge=True),
            RelaxationStep(name="s", wait_s=60, min_proficiency=4, min_seniority="senior"),
            RelaxationStep(name="l", skills="ignore"),
        ),
    )
    assert [s.wait_s for s in tier.relaxation] == [30.0, 60.0, None]


@pytest.mark.parametrize(
    ("data", "needle", "location"),
    [
        ({"tiers": [{"name": "a"}, {"name": "a"}]}, "tier names must be unique", "(top level)"),
        ({"tiers": []}, "at least 1 item", "tiers"),
        ({"severity_factor": {"1": 1, "2": 1, "3": 1}}, "severity_factor lacks ['P4']", None),
        ({"severity_factor": {"1": 0, "2": 1, "3": 1, "4": 1}}, "P1 must be > 0", None),
        ({"default_targets": {"voice": 5}}, "default_targets lacks channels", None),
        ({"channels": {"voice": {"cost": 100}}}, "channels lacks", None),
        (
            {"channels": {**{c.value: {} for c in Channel}, "chat": {"cost": 0}}},
            "greater than",
            None,
        ),
        ({"seniority_levels": ["a", "a"]}, "seniority_levels must be unique", None),
        ({"seniority_levels": []}, "at least 1 item", "seniority_levels"),
        ({"max_proficiency": 0}, "greater than or equal to 1", "max_proficiency"),
        ({"explain_history": -1}, "greater than or equal to 0", "explain_history"),
        ({"offer": {"timeout_s": 0}}, "greater than 0", "offer.timeout_s"),
        ({"offer": {"max_no_answers": -1}}, "greater than or equal to 0", "offer.max_no_answers"),
        (
            {
                "max_proficiency": 3,
                "tiers": [
                    {
                        "name": "t",
                        "relaxation": [
                            {"name": "a", "wait_s": 1, "min_proficiency": 4},
                            {"name": "b"},
                        ],
                    }
                ],
            },
            "min_proficiency 4 exceeds max_proficiency 3",
            None,
        ),
        (
            {"tiers": [{"name": "t", "relaxation": [{"name": "a", "min_seniority": "boss"}]}]},
            "'boss'",
            None,
        ),
    ],
)
def test_policy_validators(data: dict[str, Any], needle: str, location: str | None) -> None:
    with pytest.raises(PolicyError) as info:
        Policy.from_mapping(data)
    assert needle in str(info.value)
    assert isinstance(info.value, ValueError)
    if location is not None:
        assert info.value.location == location
        assert f"{location}:" in str(info.value)


# ----------------------------------------------------------------------------- files

TOML = """
name = "file"
max_proficiency = 7
explain_history = 9

[offer]
timeout_s = 12.5
max_no_answers = 2

[[tiers]]
name = "basic"
value_boost = 0.25
targets = { voice = 40.0, email = 7200.0 }

[[tiers]]
name = "vip"
strategy = "most_proficient"
targets = { voice = 10.0 }

[[tiers.relaxation]]
name = "expert"
wait_s = 15.0
min_seniority = "expert"
min_proficiency = 6

[[tiers.relaxation]]
name = "anyone"
skills = "ignore"
language = "ignore"
"""

YAML = """
name: file
max_proficiency: 7
explain_history: 9
offer:
  timeout_s: 12.5
  max_no_answers: 2
tiers:
  - name: basic
    value_boost: 0.25
    targets: {voice: 40.0, email: 7200.0}
  - name: vip
    strategy: most_proficient
    targets: {voice: 10.0}
    relaxation:
      - {name: expert, wait_s: 15.0, min_seniority: expert, min_proficiency: 6}
      - {name: anyone, skills: ignore, language: ignore}
"""

DATA = {
    "name": "file",
    "max_proficiency": 7,
    "explain_history": 9,
    "offer": {"timeout_s": 12.5, "max_no_answers": 2},
    "tiers": [
        {"name": "basic", "value_boost": 0.25, "targets": {"voice": 40.0, "email": 7200.0}},
        {
            "name": "vip",
            "strategy": "most_proficient",
            "targets": {"voice": 10.0},
            "relaxation": [
                {"name": "expert", "wait_s": 15.0, "min_seniority": "expert", "min_proficiency": 6},
                {"name": "anyone", "skills": "ignore", "language": "ignore"},
            ],
        },
    ],
}


def check_file_policy(p: Policy) -> None:
    assert p.name == "file"
    assert p.tier_names == ("basic", "vip")
    assert p.max_proficiency == 7
    assert p.explain_history == 9
    assert p.offer == OfferPolicy(timeout_s=12.5, max_no_answers=2)
    assert p.target("basic", "voice") == 40.0
    assert p.target("basic", "email") == 7200.0
    assert p.target("basic", "chat") == 60.0  # default target
    assert p.tier("basic").value_boost == 0.25
    vip = p.tier("vip")
    assert vip.strategy is Strategy.MOST_PROFICIENT
    assert [s.name for s in vip.relaxation] == ["expert", "anyone"]
    assert vip.relaxation[0].wait_s == 15.0
    assert vip.relaxation[0].min_proficiency == 6
    assert vip.relaxation[1].skills == "ignore"
    assert p.seniority_index(vip.relaxation[0].min_seniority) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        (".toml", TOML),
        (".yaml", YAML),
        (".yml", YAML),
        (".json", json.dumps(DATA)),
        (".TOML", TOML),
    ],
)
def test_from_file(tmp_path: Path, suffix: str, text: str) -> None:
    path = tmp_path / f"policy{suffix}"
    path.write_text(text, encoding="utf-8")
    p = Policy.from_file(path)
    check_file_policy(p)
    assert p == Policy.from_mapping(DATA)
    assert Policy.from_file(str(path)) == p


PRESET_TOML = """
preset = "prestige"
explain_history = 5

[offer]
auto_accept = true

[channels.chat]
wrap_up_s = 5.0

[[tiers]]
name = "elite"
value_boost = 0.5

[[tiers]]
name = "vip"
targets = { voice = 5.0 }
"""

PRESET_YAML = """
preset: prestige
explain_history: 5
offer: {auto_accept: true}
channels:
  chat: {wrap_up_s: 5.0}
tiers:
  - {name: elite, value_boost: 0.5}
  - {name: vip, targets: {voice: 5.0}}
"""

PRESET_DATA = {
    "preset": "prestige",
    "explain_history": 5,
    "offer": {"auto_accept": True},
    "channels": {"chat": {"wrap_up_s": 5.0}},
    "tiers": [{"name": "elite", "value_boost": 0.5}, {"name": "vip", "targets": {"voice": 5.0}}],
}


@pytest.mark.parametrize(
    ("suffix", "text"),
    [(".toml", PRESET_TOML), (".yaml", PRESET_YAML), (".json", json.dumps(PRESET_DATA))],
)
def test_from_file_preset_with_overrides(tmp_path: Path, suffix: str, text: str) -> None:
    """Overrides deep-merge into the preset: tables key by key, tiers by name."""
    path = tmp_path / f"p{suffix}"
    path.write_text(text, encoding="utf-8")
    p = Policy.from_file(path)
    base = prestige()
    assert p.name == "prestige"
    assert p.explain_history == 5
    # offer: auto_accept set, the preset's timeout and no-answer rule kept
    assert p.offer == OfferPolicy(timeout_s=20.0, auto_accept=True, max_no_answers=3)
    # chat: wrap-up replaced, the preset's cost 33 kept (ChannelPolicy's default is 25)
    assert p.channels[Channel.CHAT] == ChannelPolicy(cost=33, wrap_up_s=5.0)
    assert {c: v for c, v in p.channels.items() if c != Channel.CHAT} == {
        c: v for c, v in base.channels.items() if c != Channel.CHAT
    }
    # tiers: elite merged by name, vip appended, the others untouched
    assert p.tier_names == ("standard", "premium", "elite", "vip")
    assert p.tier("standard") == base.tier("standard")
    assert p.tier("premium") == base.tier("premium")
    elite = p.tier("elite")
    assert elite.value_boost == 0.5
    assert elite.relaxation == base.tier("elite").relaxation
    assert elite.targets == base.tier("elite").targets
    assert p.target("vip", "voice") == 5.0
    assert p.tier("vip").relaxation == ()
    assert p.key_offset("elite", "voice", 3, 1.0) == pytest.approx(20.0 * 0.5)
    assert p.severity_factor == base.severity_factor
    assert Policy.from_mapping(PRESET_DATA) == p


def test_preset_alone_is_the_preset(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('preset = "prestige"\n', encoding="utf-8")
    assert Policy.from_file(path) == prestige()


@pytest.mark.parametrize(
    ("name", "text", "needles", "location"),
    [
        ("syntax.toml", "name = \n", ("syntax error", "line 1"), None),
        ("syntax.yaml", "a: [1,\n", ("syntax error", "line 2"), None),
        ("syntax.json", '{"name": }', ("syntax error", "line 1"), None),
        (
            "type.toml",
            'max_proficiency = "high"\n',
            ("max_proficiency", "'high'"),
            "max_proficiency",
        ),
        (
            "nested.toml",
            '[offer]\ntimeout_s = "soon"\n',
            ("offer.timeout_s", "'soon'"),
            "offer.timeout_s",
        ),
        (
            "deep.yaml",
            "tiers:\n  - name: a\n  - name: b\n    relaxation:\n"
            "      - {name: x, wait_s: -1}\n      - {name: y}\n",
            ("tiers.1.relaxation.0.wait_s", "-1"),
            "tiers.1.relaxation.0.wait_s",
        ),
        (
            "boost.json",
            '{"tiers": [{"name": "a", "value_boost": 2}]}',
            ("tiers.0.value_boost", "2"),
            "tiers.0.value_boost",
        ),
        ("unknown.toml", "bogus = 1\n", ("bogus", "Extra inputs"), "bogus"),
        ("unknown_nested.json", '{"offer": {"ring_s": 3}}', ("offer.ring_s",), "offer.ring_s"),
        ("preset.toml", 'preset = "gold"\n', ("'gold'", "prestige"), "preset"),
        ("list.json", "[1, 2]", ("table/mapping",), None),
        ("scalar.yaml", "just text\n", ("table/mapping",), None),
        ("empty.yaml", "", ("table/mapping",), None),
        ("policy.ini", "name = x\n", ("unknown file type", "'.ini'"), None),
        ("policy", "name = 'x'\n", ("unknown file type",), None),
    ],
)
def test_malformed_files(
    tmp_path: Path, name: str, text: str, needles: tuple[str, ...], location: str | None
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        Policy.from_file(path)
    message = str(info.value)
    assert str(path) in message, message  # the message names the file
    for needle in needles:
        assert needle in message, (needle, message)
    assert info.value.source == str(path)
    assert info.value.location == location
    assert isinstance(info.value, ValueError)


def test_file_errors_give_the_line(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('name = "x"\n\n[offer]\ntimeout_s = -1\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=r"offer\.timeout_s \(line 4\): ") as info:
        Policy.from_file(path)
    assert info.value.location == "offer.timeout_s"
    path.write_text('[[tiers]]\nname = "a"\nrelaxation = [{name = "x"}, {name = "y"}]\n')
    with pytest.raises(PolicyError) as info:
        Policy.from_file(path)
    # a validator's message, without pydantic's "Value error, " prefix
    assert "tiers.0 (line 1): relaxation step 'x' needs wait_s" in str(info.value)


def test_unreadable_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(PolicyError) as info:
        Policy.from_file(missing)
    assert str(missing) in str(info.value)
    assert "cannot read" in str(info.value)
    # a directory cannot be read either
    with pytest.raises(PolicyError, match="cannot read"):
        Policy.from_file(tmp_path)


def test_binary_file_is_a_policy_error(tmp_path: Path) -> None:
    path = tmp_path / "bin.toml"
    path.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(PolicyError) as info:
        Policy.from_file(path)
    assert str(path) in str(info.value)


def test_from_mapping_does_not_modify_its_input() -> None:
    data = {"preset": "prestige", "explain_history": 3}
    Policy.from_mapping(data)
    assert data == {"preset": "prestige", "explain_history": 3}


# ----------------------------------------------------------------------------- schema


def test_json_schema_is_serialisable_and_describes_tiers() -> None:
    schema = Policy.json_schema()
    assert isinstance(schema, dict)
    assert json.loads(json.dumps(schema)) == schema
    assert schema["type"] == "object"
    assert {"name", "tiers", "default_targets", "severity_factor", "channels", "offer"} <= set(
        schema["properties"]
    )
    assert schema["additionalProperties"] is False
    tier = schema["$defs"]["TierPolicy"]
    assert set(tier["properties"]) == {"name", "targets", "value_boost", "strategy", "relaxation"}
    assert tier["required"] == ["name"]
    boost = tier["properties"]["value_boost"]
    assert (boost["minimum"], boost["exclusiveMaximum"]) == (0.0, 1.0)
    step = schema["$defs"]["RelaxationStep"]
    assert {"wait_s", "concierge", "skills", "min_proficiency", "language"} <= set(
        step["properties"]
    )
    assert set(schema["$defs"]["Strategy"]["enum"]) == {s.value for s in Strategy}


def test_policy_round_trips_through_json() -> None:
    for p in (Policy(), prestige()):
        data = json.loads(json.dumps(p.model_dump(mode="json")))
        assert Policy.model_validate(data) == p
        assert Policy.from_mapping(data) == p


# ----------------------------------------------------------------------------- key offsets


@pytest.mark.parametrize(
    ("tier", "channel", "severity", "value", "offset"),
    [
        ("standard", "voice", 3, 0.0, 60.0),
        ("standard", "voice", 1, 1.0, 60 * 0.25 * 0.9),  # 13.5
        ("standard", "email", 4, 0.5, DAY * 1.5 * 0.95),  # 123120
        ("premium", "chat", 2, 0.5, 15 * 0.5 * 0.9),  # 6.75
        ("elite", "voice", 1, 1.0, 20 * 0.25 * 0.7),  # 3.5
        ("elite", "email", 3, 0.0, HOUR),
        ("elite", "whatsapp", 4, 0.2, HOUR * 1.5 * 0.94),
        ("elite", "voice", 3, 2.0, 20 * 0.7),  # value clamped to 1
        ("elite", "voice", 3, -1.0, 20.0),  # value clamped to 0
    ],
)
def test_key_offset(tier: str, channel: str, severity: int, value: float, offset: float) -> None:
    assert prestige().key_offset(tier, channel, severity, value) == pytest.approx(offset, rel=1e-12)


def test_key_offset_default_policy() -> None:
    assert Policy().key_offset("standard", "voice", 3, 0.0) == 60.0
    assert Policy().key_offset("standard", "chat", 1, 1.0) == 15.0  # value_boost 0


@pytest.mark.parametrize(
    ("policy", "channel", "bounds"),
    [
        (Policy(), "voice", (15.0, 90.0)),
        (Policy(), "email", (DAY * 0.25, DAY * 1.5)),
        # prestige voice: elite 20 * 0.25 * 0.7 = 3.5 ... standard 60 * 1.5 = 90
        (prestige(), "voice", (3.5, 90.0)),
        (prestige(), "chat", (15 * 0.25 * 0.7, 90.0)),
        # prestige email: elite 3600 * 0.25 * 0.7 = 630 ... standard 86400 * 1.5
        (prestige(), "email", (630.0, 129_600.0)),
    ],
)
def test_key_offset_bounds(policy: Policy, channel: str, bounds: tuple[float, float]) -> None:
    low, high = policy.key_offset_bounds(channel)
    assert low == pytest.approx(bounds[0], rel=1e-12)
    assert high == pytest.approx(bounds[1], rel=1e-12)


def test_key_offset_bounds_contain_every_offset() -> None:
    p = prestige()
    for channel in Channel:
        low, high = p.key_offset_bounds(channel)
        for tier in p.tier_names:
            for sev in Severity:
                for value in (0.0, 0.3, 1.0):
                    assert low <= p.key_offset(tier, channel, int(sev), value) <= high


# ----------------------------------------------------------------------------- prestige


def test_prestige_targets() -> None:
    p = prestige()
    assert p.name == "prestige"
    assert p.tier_names == ("standard", "premium", "elite")
    for tier in ("premium", "elite"):
        assert p.target(tier, "voice") == 20.0
        assert p.target(tier, "video") == 20.0
        assert p.target(tier, "chat") == 15.0
        for ch in ("email", "in_app", "sms", "whatsapp"):
            assert p.target(tier, ch) == HOUR
    for ch in ("email", "in_app", "sms", "whatsapp"):
        assert p.target("standard", ch) == DAY
    for ch in ("voice", "video", "chat"):
        assert p.target("standard", ch) == 60.0


def test_prestige_levels_boosts_strategies_and_offers() -> None:
    p = prestige()
    assert p.seniority_levels == ("junior", "senior", "expert")
    assert [p.tier(t).value_boost for t in p.tier_names] == [0.1, 0.2, 0.3]
    assert [p.tier(t).strategy for t in p.tier_names] == [
        Strategy.LONGEST_IDLE,
        Strategy.MOST_PROFICIENT,
        Strategy.MOST_PROFICIENT,
    ]
    assert p.offer == OfferPolicy(timeout_s=20.0, auto_accept=False, max_no_answers=3)
    assert p.channels[Channel.VOICE] == ChannelPolicy(cost=100, exclusive=True, wrap_up_s=30.0)
    assert p.channels[Channel.CHAT] == ChannelPolicy(cost=33, wrap_up_s=10.0)
    assert p.channels[Channel.EMAIL] == ChannelPolicy(cost=25, wrap_up_s=60.0)


def test_prestige_ladders() -> None:
    p = prestige()
    elite = p.tier("elite").relaxation
    assert [(s.name, s.wait_s) for s in elite] == [
        ("concierge", 30.0),
        ("senior", 60.0),
        ("skilled", 120.0),
        ("language", None),
    ]
    assert elite[0].concierge
    assert (elite[1].min_proficiency, p.seniority_index(elite[1].min_seniority)) == (4, 1)  # type: ignore[arg-type]
    assert elite[2].skills == "require" and elite[2].min_proficiency is None
    assert (elite[3].skills, elite[3].language) == ("ignore", "require")
    premium = p.tier("premium").relaxation
    assert [(s.name, s.wait_s) for s in premium] == [
        ("senior", 30.0),
        ("skilled", 60.0),
        ("language", None),
    ]
    assert premium[0].min_proficiency == 3
    assert not any(s.concierge for s in premium)
    standard = p.tier("standard").relaxation
    assert [(s.name, s.wait_s) for s in standard] == [
        ("requested", 60.0),
        ("skilled", 120.0),
        ("language", None),
    ]


def test_get_preset() -> None:
    assert get_preset("prestige") == prestige()
    assert prestige() is not prestige()  # a fresh object each call
    with pytest.raises(PolicyError, match="'gold'") as info:
        get_preset("gold")
    assert "['prestige']" in str(info.value)  # the known presets are listed
    assert info.value.location == "preset"
    assert isinstance(info.value, ValueError)


def test_prestige_promises() -> None:
    p = prestige_promises()
    assert p == prestige().promises
    assert p.calendars == {
        "always": BusinessCalendar.always(),
        "business": BusinessCalendar.nine_to_five("UTC"),
    }
    live, text = (
        (Channel.VOICE, Channel.VIDEO),
        (
            Channel.EMAIL,
            Channel.IN_APP,
            Channel.SMS,
            Channel.WHATSAPP,
        ),
    )
    assert [
        (t.tier, t.kind, t.within_s, t.channels, t.calendar, t.after_hours_s, t.goal)
        for t in p.targets
    ] == [
        ("premium", "answer", 20.0, live, "always", None, 0.8),
        ("premium", "answer", 15.0, (Channel.CHAT,), "always", None, 0.9),
        ("elite", "answer", 20.0, live, "always", None, 0.8),
        ("elite", "answer", 15.0, (Channel.CHAT,), "always", None, 0.9),
        ("premium", "first_response", HOUR, text, "business", 4 * HOUR, 0.97),
        ("premium", "resolution", 4 * HOUR, (), "always", None, 0.5),
        ("elite", "first_response", HOUR, text, "always", None, 0.97),
        ("elite", "resolution", 2 * HOUR, (), "always", None, 0.5),
        ("standard", "first_response", DAY, text, "always", None, 0.8),
    ]
    p1 = [(300.0, None, "always"), (900.0, None, "always"), (1800.0, None, "always")]
    p1 += [(HOUR, None, "always"), (8 * HOUR, 8 * HOUR, "business")]
    p2 = [(2 * a, r, c) for a, r, c in p1[:4]] + p1[4:]  # every P1 figure doubled
    assert [
        (ladder.severity, [(s.after_s, s.repeat_s, s.calendar) for s in ladder.steps])
        for ladder in p.escalation
    ] == [(Severity.P1, p1), (Severity.P2, p2), (Severity.P3, [(DAY, DAY, "always")])]
    assert [s.name for s in p.escalation[0].steps] == [
        "L1 triage",
        "L2 ownership",
        "engineering on the bridge",
        "executive notified",
        "status update",
    ]
    assert p.callback == CallbackRule(
        tiers=("premium", "elite"), channels=(Channel.VOICE,), threshold_s=45.0, due_s=300.0
    )
    assert p.credits == CreditRule(tier="elite", min_breaches=2, rate=0.05)
    assert (p.post_incident_report_s, p.post_incident_tiers, p.post_incident_severities) == (
        DAY,
        ("premium", "elite"),
        (Severity.P1,),
    )
    assert p.attainment_goal == 0.97


def _one_key_overrides(node: Any, path: tuple[str, ...] = ()) -> Iterator[dict[str, Any]]:
    """Overrides setting one key of one table of a policy's fields to the value it has.

    Tables are walked key by key and tiers by name (as overrides merge); other lists
    are replaced whole by an override, so nothing inside them merges.
    """
    for key, value in node.items():
        if path == () and key == "tiers":
            for tier in value:
                for over in _one_key_overrides(tier, ("tiers",)):
                    yield {"tiers": [{"name": tier["name"], **over["tiers"]}]}
            continue
        over: dict[str, Any] = {key: value}
        for part in reversed(path):
            over = {part: over}
        yield over
        if isinstance(value, dict):
            yield from _one_key_overrides(value, (*path, key))


def test_preset_file_merges_like_the_whole_preset() -> None:
    """An override merges into the preset file as it would into every field of the
    preset: the file spells out each table whose default is not empty."""
    full = prestige().model_dump(mode="json")
    overrides = list(_one_key_overrides(full))
    assert len(overrides) > 100
    for over in overrides:
        assert Policy.from_mapping({"preset": "prestige", **over}) == prestige(), over


def test_policy_fields_merge_without_a_preset() -> None:
    data = {"name": "x", "offer": {"auto_accept": True}, "tiers": [{"name": "t"}]}
    defaults = {"offer": {"timeout_s": 5.0}, "explain_history": 0}
    assert policy_fields(data, defaults=defaults) == {
        "name": "x",
        "offer": {"timeout_s": 5.0, "auto_accept": True},
        "explain_history": 0,
        "tiers": [{"name": "t"}],
    }
    assert data == {"name": "x", "offer": {"auto_accept": True}, "tiers": [{"name": "t"}]}
    assert policy_fields(data) == data  # no preset and no defaults: the mapping alone
    assert preset_names() == ("prestige",)
