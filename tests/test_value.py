"""Tests of tierroute.value: the value score, tiers, batch scoring and config loading."""

from __future__ import annotations

import bisect
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tierroute.errors import InvalidArgument, PolicyError
from tierroute.value import (
    BatchScores,
    CustomerProfile,
    ValueModel,
    ValueScore,
    ValueWeights,
)

# Overflow and divide-by-zero are expected inside the kernel and silenced there;
# any warning escaping it is a bug.
pytestmark = pytest.mark.filterwarnings("error")

NUMERIC = (
    "clv_past",
    "clv_predicted",
    "recency_days",
    "frequency",
    "spend",
    "cost_to_serve",
    "connected_value",
)

MODEL = ValueModel()

# A customer at the reference level on every component (see the module docstring).
REFERENCE = CustomerProfile(
    clv_past=4000,
    clv_predicted=1000,
    recency_days=90,
    frequency=12,
    spend=1000,
    cost_to_serve=500,
    connected_value=1000,
)


def with_(profile: CustomerProfile, **changes: Any) -> CustomerProfile:
    return CustomerProfile.model_validate({**profile.model_dump(), **changes})


def score(profile: CustomerProfile, model: ValueModel = MODEL) -> float:
    return model.score(profile).score


def batch_of(
    model: ValueModel, profiles: list[CustomerProfile], *, crm_as_names: bool = False
) -> BatchScores:
    """Score profiles through score_batch, passing every array."""
    arrays: dict[str, Any] = {
        name: np.array([getattr(p, name) for p in profiles], dtype=np.float64)
        for name in NUMERIC
        if name != "recency_days"
    }
    arrays["recency_days"] = np.array(
        [math.nan if p.recency_days is None else p.recency_days for p in profiles]
    )
    arrays["strategic"] = np.array([p.strategic for p in profiles], dtype=bool)
    if crm_as_names:
        arrays["crm_tier"] = [p.crm_tier for p in profiles]
    else:
        arrays["crm_tier"] = np.array(
            [-1 if p.crm_tier is None else model.tiers.index(p.crm_tier) for p in profiles],
            dtype=np.int8,
        )
    return model.score_batch(**arrays)


# --------------------------------------------------------------------- the score


def test_reference_customer_scores_as_documented() -> None:
    vs = MODEL.score(REFERENCE)
    assert isinstance(vs, ValueScore)
    assert vs.score == 0.5625
    assert (vs.tier, vs.tier_index, vs.source) == ("premium", 1, "threshold")
    assert dict(vs.parts) == {"clv": 0.2, "rfm": 0.125, "margin": 0.1875, "connected": 0.05}


def test_empty_profile_scores_neutral_margin_only() -> None:
    vs = MODEL.score(CustomerProfile())
    assert vs.parts["clv"] == vs.parts["rfm"] == vs.parts["connected"] == 0.0
    assert vs.parts["margin"] == 0.125  # break-even: half the margin weight
    assert vs.tier == "standard"


def test_parts_add_up_to_score_exactly() -> None:
    for profile in (REFERENCE, CustomerProfile(spend=10, cost_to_serve=900), CustomerProfile()):
        vs = MODEL.score(profile)
        p = vs.parts
        assert min(1.0, p["clv"] + p["rfm"] + p["margin"] + p["connected"]) == vs.score


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("clv_past", 1000, 20000),
        ("clv_predicted", 1000, 20000),
        ("frequency", 2, 40),
        ("spend", 500, 3000),
        ("connected_value", 0, 5000),
    ],
)
def test_more_of_a_good_thing_scores_higher(field: str, low: float, high: float) -> None:
    assert score(with_(REFERENCE, **{field: high})) > score(with_(REFERENCE, **{field: low}))


def test_higher_cost_to_serve_scores_lower() -> None:
    assert score(with_(REFERENCE, cost_to_serve=3000)) < score(with_(REFERENCE, cost_to_serve=100))


def test_expensive_big_spender_worth_less_than_cheap_one() -> None:
    cheap = CustomerProfile(spend=5000, cost_to_serve=500)
    costly = CustomerProfile(spend=5000, cost_to_serve=9000)
    assert score(costly) < score(cheap)
    assert MODEL.score(costly).parts["margin"] < 0.125 < MODEL.score(cheap).parts["margin"]


def test_older_recency_scores_lower() -> None:
    assert score(with_(REFERENCE, recency_days=400)) < score(with_(REFERENCE, recency_days=5))


def test_recency_half_life_halves_the_factor() -> None:
    fresh = MODEL.score(with_(REFERENCE, recency_days=0)).parts["rfm"]
    half = MODEL.score(with_(REFERENCE, recency_days=90)).parts["rfm"]
    # rfm weight 0.25 split in three; recency goes from 1 to 0.5.
    assert fresh - half == pytest.approx(0.25 / 3 * 0.5)


def test_unknown_recency_uses_configured_factor() -> None:
    unknown = with_(REFERENCE, recency_days=None)
    assert score(unknown) < score(with_(REFERENCE, recency_days=10_000))
    generous = ValueModel(unknown_recency=0.5)
    assert score(unknown, generous) == score(REFERENCE, generous)  # 90 days = half-life


def test_weights_are_normalised() -> None:
    doubled = ValueModel(weights=ValueWeights(clv=0.8, rfm=0.5, margin=0.5, connected=0.2))
    assert doubled.score(REFERENCE) == MODEL.score(REFERENCE)


def test_zero_weight_switches_component_off() -> None:
    model = ValueModel(weights=ValueWeights(connected=0))
    assert score(REFERENCE, model) == score(with_(REFERENCE, connected_value=10**9), model)
    assert model.score(REFERENCE).parts["connected"] == 0.0


def test_score_saturates_at_one() -> None:
    huge = CustomerProfile(
        clv_past=1e300,
        clv_predicted=1e300,
        recency_days=0,
        frequency=1e300,
        spend=1e300,
        connected_value=1e300,
    )
    assert MODEL.score(huge).score == 1.0
    assert MODEL.score(huge).tier == "elite"


def test_score_clipped_when_normalised_weights_overshoot() -> None:
    # These weights, normalised, add up to one ulp over 1 when every factor is 1.
    model = ValueModel(weights=ValueWeights(clv=1.4, rfm=1.2, margin=0.8, connected=0.6))
    top = CustomerProfile(
        clv_past=1e300, recency_days=0, frequency=1e300, spend=1e300, connected_value=1e300
    )
    vs = model.score(top)
    p = vs.parts
    assert p["clv"] + p["rfm"] + p["margin"] + p["connected"] > 1.0
    assert vs.score == 1.0
    assert batch_of(model, [top]).scores[0] == 1.0


# --------------------------------------------------------------------- tiers


def test_threshold_tiers() -> None:
    assert MODEL.tier_for(0.0) == "standard"
    assert MODEL.tier_for(0.49) == "standard"
    assert MODEL.tier_for(0.6) == "premium"
    assert MODEL.tier_for(0.9) == "elite"
    assert MODEL.tier_for(1.0) == "elite"


def test_score_exactly_at_threshold_enters_tier() -> None:
    assert MODEL.tier_for(0.5) == "premium"
    assert MODEL.tier_for(np.nextafter(0.5, 0.0)) == "standard"
    assert MODEL.tier_for(0.75) == "elite"
    s = MODEL.score(REFERENCE).score
    at = ValueModel(thresholds=(s, 0.99))
    assert at.score(REFERENCE).tier == "premium"
    b = batch_of(at, [REFERENCE])
    assert b.tier_index[0] == 1
    above = ValueModel(thresholds=(float(np.nextafter(s, 1.0)), 0.99))
    assert above.score(REFERENCE).tier == "standard"
    assert batch_of(above, [REFERENCE]).tier_index[0] == 0


@pytest.mark.parametrize(("crm", "expected"), [("standard", 0), ("elite", 2), ("premium", 1)])
def test_crm_tier_wins_up_and_down(crm: str, expected: int) -> None:
    low = CustomerProfile(spend=10, crm_tier=crm)
    high = with_(REFERENCE, clv_past=10**7, frequency=100, crm_tier=crm, strategic=True)
    assert MODEL.score(high).score > 0.75
    for profile in (low, high):
        vs = MODEL.score(profile)
        assert (vs.tier_index, vs.tier, vs.source) == (expected, crm, "crm")
        assert MODEL.tier_for(vs.score, crm_tier=crm, strategic=profile.strategic) == crm


def test_crm_tier_wins_over_strategic_floor() -> None:
    vs = MODEL.score(CustomerProfile(strategic=True, crm_tier="standard"))
    assert (vs.tier, vs.source) == ("standard", "crm")


def test_strategic_floor_raises_low_score() -> None:
    vs = MODEL.score(CustomerProfile(spend=10, strategic=True))
    assert vs.score < 0.5
    assert (vs.tier, vs.tier_index, vs.source) == ("premium", 1, "strategic_floor")
    assert MODEL.tier_for(0.1, strategic=True) == "premium"


def test_strategic_floor_never_lowers() -> None:
    elite = with_(REFERENCE, clv_past=10**7, frequency=100, recency_days=1, strategic=True)
    vs = MODEL.score(elite)
    assert (vs.tier, vs.source) == ("elite", "threshold")
    premium = MODEL.score(with_(REFERENCE, strategic=True))
    assert (premium.tier, premium.source) == ("premium", "threshold")


def test_strategic_floor_can_be_elite_or_none() -> None:
    assert ValueModel(strategic_floor="elite").tier_for(0.0, strategic=True) == "elite"
    nofloor = ValueModel(strategic_floor=None)
    vs = nofloor.score(CustomerProfile(strategic=True))
    assert (vs.tier, vs.source) == ("standard", "threshold")


def test_two_tiers() -> None:
    model = ValueModel(tiers=("basic", "vip"), thresholds=(0.4,), strategic_floor="vip")
    assert model.tier_for(0.39) == "basic"
    assert model.tier_for(0.4) == "vip"
    assert model.score(CustomerProfile(strategic=True)).tier == "vip"
    b = model.score_batch(spend=[0.0, 1e9], clv_past=[0.0, 1e9], frequency=[0.0, 1e9])
    assert b.tier_names().tolist() == ["basic", "vip"]
    assert b.tiers == ("basic", "vip")


def test_four_tiers() -> None:
    model = ValueModel(
        tiers=("bronze", "silver", "gold", "platinum"),
        thresholds=(0.3, 0.5, 0.7),
        strategic_floor="gold",
    )
    assert [model.tier_for(s) for s in (0.0, 0.3, 0.5, 0.69, 0.7)] == [
        "bronze",
        "silver",
        "gold",
        "gold",
        "platinum",
    ]
    assert model.score(CustomerProfile(strategic=True)).tier == "gold"
    assert model.score(CustomerProfile(crm_tier="platinum")).tier_index == 3


def test_custom_tiers_need_explicit_floor() -> None:
    with pytest.raises(ValidationError, match="strategic_floor"):
        ValueModel(tiers=("basic", "vip"), thresholds=(0.4,))


def test_single_tier() -> None:
    model = ValueModel(tiers=("everyone",), thresholds=(), strategic_floor=None)
    assert model.score(REFERENCE).tier == "everyone"
    assert model.score_batch(spend=[1.0, 2.0]).tier_index.tolist() == [0, 0]


def test_many_tiers_use_searchsorted_with_same_semantics() -> None:
    names = tuple(f"t{i}" for i in range(20))
    thresholds = tuple(i / 20 for i in range(1, 20))
    model = ValueModel(tiers=names, thresholds=thresholds, strategic_floor="t3")
    grid = np.concatenate([np.array(thresholds), np.nextafter(np.array(thresholds), 0.0)])
    for s in grid:
        assert model.tier_for(float(s)) == names[bisect.bisect_right(thresholds, s)]
    rng = np.random.default_rng(7)
    profiles = [
        CustomerProfile(
            clv_past=float(rng.lognormal(8, 2)),
            spend=float(rng.lognormal(6, 2)),
            frequency=float(rng.exponential(10)),
            recency_days=float(rng.exponential(60)),
            strategic=bool(rng.random() < 0.3),
        )
        for _ in range(200)
    ]
    b = batch_of(model, profiles)
    for i, p in enumerate(profiles):
        vs = model.score(p)
        assert b.tier_index[i] == vs.tier_index
        expected = bisect.bisect_right(thresholds, vs.score)
        if p.strategic:
            expected = max(expected, 3)
        assert vs.tier_index == expected


# --------------------------------------------------------------------- batch


def test_batch_matches_scalar_on_examples() -> None:
    profiles = [
        REFERENCE,
        CustomerProfile(),
        CustomerProfile(spend=10, strategic=True),
        CustomerProfile(clv_past=1e6, crm_tier="standard"),
        with_(REFERENCE, recency_days=None, crm_tier="elite"),
    ]
    for as_names in (False, True):
        b = batch_of(MODEL, profiles, crm_as_names=as_names)
        scalar = [MODEL.score(p) for p in profiles]
        assert np.array_equal(b.scores, np.array([v.score for v in scalar]))
        assert b.tier_index.tolist() == [v.tier_index for v in scalar]
        assert b.tier_names().tolist() == [v.tier for v in scalar]


def test_batch_types_and_read_only() -> None:
    b = MODEL.score_batch(spend=np.arange(5, dtype=np.int64), strategic=np.zeros(5, bool))
    assert b.scores.dtype == np.float64
    assert b.tier_index.dtype == np.int8
    assert b.tier_names().dtype == object
    assert len(b) == 5
    with pytest.raises(ValueError, match="read-only"):
        b.scores[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        b.tier_index[0] = 1


def test_batch_omitted_arrays_take_profile_defaults() -> None:
    b = MODEL.score_batch(clv_past=[4000.0])
    assert b.scores[0] == MODEL.score(CustomerProfile(clv_past=4000)).score


def test_batch_accepts_strided_and_integer_input() -> None:
    spend = np.arange(20, dtype=np.float64)[::2] * 100
    b = MODEL.score_batch(spend=spend, frequency=np.arange(10))
    for i in range(10):
        assert b.scores[i] == score(CustomerProfile(spend=spend[i], frequency=i))


def test_empty_batch() -> None:
    b = MODEL.score_batch(spend=np.array([]), crm_tier=np.array([], dtype=np.int8))
    assert b.scores.shape == (0,)
    assert b.tier_index.shape == (0,)
    assert b.tier_names().shape == (0,)


def test_one_million_rows_match_scalar_on_sample() -> None:
    n = 1_000_000
    rng = np.random.default_rng(2024)
    recency = rng.exponential(90, n)
    recency[rng.random(n) < 0.1] = np.nan
    arrays: dict[str, Any] = {
        "clv_past": rng.lognormal(7, 1.5, n),
        "clv_predicted": rng.lognormal(7, 1.5, n),
        "recency_days": recency,
        "frequency": rng.exponential(6, n),
        "spend": rng.lognormal(6, 1.2, n),
        "cost_to_serve": rng.lognormal(5, 1, n),
        "connected_value": rng.exponential(300, n),
        "strategic": rng.random(n) < 0.05,
        "crm_tier": np.where(rng.random(n) < 0.1, rng.integers(0, 3, n), -1).astype(np.int8),
    }
    b = MODEL.score_batch(**arrays)
    assert b.scores.shape == (n,)
    assert b.tier_index.shape == (n,)
    assert 0.0 <= b.scores.min() <= b.scores.max() <= 1.0
    assert set(np.unique(b.tier_index).tolist()) == {0, 1, 2}
    for i in rng.choice(n, size=300, replace=False):
        rec = arrays["recency_days"][i]
        crm = int(arrays["crm_tier"][i])
        vs = MODEL.score(
            CustomerProfile(
                clv_past=arrays["clv_past"][i],
                clv_predicted=arrays["clv_predicted"][i],
                recency_days=None if math.isnan(rec) else rec,
                frequency=arrays["frequency"][i],
                spend=arrays["spend"][i],
                cost_to_serve=arrays["cost_to_serve"][i],
                connected_value=arrays["connected_value"][i],
                strategic=bool(arrays["strategic"][i]),
                crm_tier=None if crm < 0 else MODEL.tiers[crm],
            )
        )
        assert b.scores[i] == vs.score
        assert b.tier_index[i] == vs.tier_index


# --------------------------------------------------------------------- properties

amounts = st.one_of(
    st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 5e-324, 1.0, 500.0, 1000.0, 5000.0, 1.7976931348623157e308]),
)

profiles = st.builds(
    CustomerProfile,
    clv_past=amounts,
    clv_predicted=amounts,
    recency_days=st.none() | amounts,
    frequency=amounts,
    spend=amounts,
    cost_to_serve=amounts,
    connected_value=amounts,
    strategic=st.booleans(),
    crm_tier=st.none() | st.sampled_from(MODEL.tiers),
)

positive = st.floats(min_value=1e-3, max_value=1e7, allow_nan=False, allow_infinity=False)


@st.composite
def models(draw: st.DrawFn) -> ValueModel:
    weights = draw(
        st.lists(st.floats(min_value=0, max_value=10), min_size=4, max_size=4).filter(
            lambda w: sum(w) > 0
        )
    )
    t1 = draw(st.floats(min_value=0.01, max_value=0.98))
    t2 = draw(st.floats(min_value=t1, max_value=0.99).filter(lambda t: t > t1))
    return ValueModel(
        weights=ValueWeights(
            clv=weights[0], rfm=weights[1], margin=weights[2], connected=weights[3]
        ),
        clv_reference=draw(positive),
        recency_half_life_days=draw(positive),
        unknown_recency=draw(st.floats(min_value=0, max_value=1)),
        frequency_reference=draw(positive),
        spend_reference=draw(positive),
        margin_reference=draw(positive),
        connected_reference=draw(positive),
        thresholds=(t1, t2),
        strategic_floor=draw(st.sampled_from([None, "standard", "premium", "elite"])),
    )


@given(profiles, models())
def test_score_in_unit_interval_and_consistent(profile: CustomerProfile, model: ValueModel) -> None:
    vs = model.score(profile)
    assert 0.0 <= vs.score <= 1.0
    assert all(0.0 <= v <= 1.0 for v in vs.parts.values())
    assert vs.tier == model.tiers[vs.tier_index]
    assert vs.tier == model.tier_for(
        vs.score, crm_tier=profile.crm_tier, strategic=profile.strategic
    )
    if profile.crm_tier is not None:
        assert (vs.tier, vs.source) == (profile.crm_tier, "crm")
    elif vs.source == "strategic_floor":
        assert profile.strategic
        assert vs.tier == model.strategic_floor
    else:
        assert vs.tier_index == bisect.bisect_right(model.thresholds, vs.score)


@pytest.mark.parametrize("field", NUMERIC)
@given(data=st.data())
def test_score_is_exactly_monotone(field: str, data: st.DataObject) -> None:
    model = data.draw(models())
    profile = data.draw(profiles)
    a, b = sorted((data.draw(amounts), data.draw(amounts)))
    lo = model.score(with_(profile, **{field: a})).score
    hi = model.score(with_(profile, **{field: b})).score
    if field in {"cost_to_serve", "recency_days"}:
        assert lo >= hi
    else:
        assert lo <= hi


@given(st.lists(profiles, min_size=1, max_size=40), models(), st.booleans())
@settings(max_examples=150)
def test_batch_equals_scalar_exactly(
    batch: list[CustomerProfile], model: ValueModel, as_names: bool
) -> None:
    b = batch_of(model, batch, crm_as_names=as_names)
    scalar = [model.score(p) for p in batch]
    assert np.array_equal(b.scores, np.array([v.score for v in scalar], dtype=np.float64))
    assert np.array_equal(b.tier_index, np.array([v.tier_index for v in scalar]))


@given(st.floats(min_value=0, max_value=1), st.booleans())
def test_tier_for_is_monotone_in_score(s: float, strategic: bool) -> None:
    higher = MODEL.tier_for(min(1.0, s + 0.1), strategic=strategic)
    assert MODEL.tiers.index(higher) >= MODEL.tiers.index(MODEL.tier_for(s, strategic=strategic))


# --------------------------------------------------------------------- bad input


@pytest.mark.parametrize("field", NUMERIC)
@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_profile_rejects_bad_numbers(field: str, bad: float) -> None:
    with pytest.raises(ValidationError, match=field):
        CustomerProfile.model_validate({field: bad})


def test_profile_is_frozen_and_strict_about_fields() -> None:
    with pytest.raises(ValidationError):
        REFERENCE.spend = 5.0
    with pytest.raises(ValidationError, match="tier"):
        CustomerProfile(tier="elite")  # type: ignore[call-arg]


def test_unknown_crm_tier_in_profile() -> None:
    with pytest.raises(InvalidArgument, match=r"crm_tier 'gold'"):
        MODEL.score(CustomerProfile(crm_tier="gold"))
    with pytest.raises(InvalidArgument, match=r"crm_tier 'Elite'"):
        MODEL.tier_for(0.5, crm_tier="Elite")


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan, math.inf])
def test_tier_for_rejects_bad_score(bad: float) -> None:
    with pytest.raises(InvalidArgument, match="score"):
        MODEL.tier_for(bad)


def test_tier_for_rejects_non_number() -> None:
    with pytest.raises(InvalidArgument, match="score"):
        MODEL.tier_for("0.5")  # type: ignore[arg-type]


def test_score_rejects_non_profile() -> None:
    with pytest.raises(InvalidArgument, match="profile"):
        MODEL.score({"spend": 5})  # type: ignore[arg-type]


@pytest.mark.parametrize("field", [f for f in NUMERIC if f != "recency_days"])
@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, -math.inf])
def test_batch_rejects_bad_values_naming_array(field: str, bad: float) -> None:
    values = np.array([1.0, 2.0, bad, 3.0])
    with pytest.raises(InvalidArgument, match=rf"^{field}\[2\] is"):
        MODEL.score_batch(**{field: values})


@pytest.mark.parametrize("bad", [-1.0, math.inf, -math.inf])
def test_batch_recency_allows_nan_only(bad: float) -> None:
    assert len(MODEL.score_batch(recency_days=np.array([math.nan, 1.0]))) == 2
    assert len(MODEL.score_batch(recency_days=np.array([math.nan, math.nan]))) == 2
    with pytest.raises(InvalidArgument, match=r"^recency_days\[1\] is"):
        MODEL.score_batch(recency_days=np.array([math.nan, bad]))


def test_batch_rejects_mismatched_lengths() -> None:
    with pytest.raises(InvalidArgument, match=r"cost_to_serve has 2 rows but spend has 3"):
        MODEL.score_batch(spend=np.ones(3), cost_to_serve=np.ones(2))
    with pytest.raises(InvalidArgument, match=r"strategic has 2 rows"):
        MODEL.score_batch(spend=np.ones(3), strategic=np.ones(2, bool))
    with pytest.raises(InvalidArgument, match=r"crm_tier has 4 rows"):
        MODEL.score_batch(spend=np.ones(3), crm_tier=np.zeros(4, np.int8))


def test_batch_rejects_bad_shapes_and_dtypes() -> None:
    with pytest.raises(InvalidArgument, match=r"^spend must be 1-D"):
        MODEL.score_batch(spend=np.ones((2, 2)))
    with pytest.raises(InvalidArgument, match=r"^spend must be 1-D"):
        MODEL.score_batch(spend=5.0)
    with pytest.raises(InvalidArgument, match=r"^frequency must be a numeric array"):
        MODEL.score_batch(frequency=np.array(["a", "b"]))
    with pytest.raises(InvalidArgument, match=r"^frequency must be a numeric array"):
        MODEL.score_batch(frequency=np.array([True, False]))
    with pytest.raises(InvalidArgument, match=r"^strategic must be a bool array"):
        MODEL.score_batch(spend=np.ones(2), strategic=np.array([0, 1]))
    with pytest.raises(InvalidArgument, match="at least one array"):
        MODEL.score_batch()


def test_batch_rejects_bad_crm_tiers() -> None:
    with pytest.raises(InvalidArgument, match=r"crm_tier\[1\] is 3"):
        MODEL.score_batch(spend=np.ones(2), crm_tier=np.array([0, 3]))
    with pytest.raises(InvalidArgument, match=r"crm_tier\[0\] is -2"):
        MODEL.score_batch(spend=np.ones(2), crm_tier=np.array([-2, 0]))
    with pytest.raises(InvalidArgument, match=r"crm_tier\[2\] is 'gold'"):
        MODEL.score_batch(spend=np.ones(3), crm_tier=["elite", None, "gold"])
    with pytest.raises(InvalidArgument, match=r"crm_tier\[0\] is \['elite'\]"):
        MODEL.score_batch(spend=np.ones(1), crm_tier=[["elite"]])
    with pytest.raises(InvalidArgument, match=r"^crm_tier must be"):
        MODEL.score_batch(spend=np.ones(1), crm_tier="elite")
    with pytest.raises(InvalidArgument, match=r"^crm_tier must be 1-D"):
        MODEL.score_batch(spend=np.ones(1), crm_tier=np.zeros((1, 1), np.int8))
    names = np.array(["elite", "standard"])
    assert MODEL.score_batch(spend=np.ones(2), crm_tier=names).tier_index.tolist() == [2, 0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"thresholds": (0.6, 0.6)}, "thresholds"),
        ({"thresholds": (0.8, 0.5)}, "thresholds"),
        ({"thresholds": (0.0, 0.5)}, "thresholds"),
        ({"thresholds": (0.5, 1.0)}, "thresholds"),
        ({"thresholds": (0.5,)}, "thresholds"),
        ({"thresholds": (0.5, math.nan)}, "thresholds"),
        ({"tiers": ("a", "a", "b"), "strategic_floor": None}, "tiers"),
        ({"tiers": ("a", "", "b"), "strategic_floor": None}, "tiers"),
        ({"tiers": (), "thresholds": ()}, "tiers"),
        ({"strategic_floor": "gold"}, "strategic_floor"),
        ({"clv_reference": 0}, "clv_reference"),
        ({"recency_half_life_days": -5}, "recency_half_life_days"),
        ({"spend_reference": math.inf}, "spend_reference"),
        ({"unknown_recency": 1.5}, "unknown_recency"),
        ({"weights": {"clv": -1}}, "weights"),
        ({"weights": {"clv": 0, "rfm": 0, "margin": 0, "connected": 0}}, "weights"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_model_config(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        ValueModel.model_validate(kwargs)
    with pytest.raises(PolicyError, match=rf"^cfg\.toml: {field}") as info:
        ValueModel.from_mapping(kwargs, source="cfg.toml")
    assert info.value.source == "cfg.toml"
    assert info.value.location is not None
    assert info.value.location.split(".")[0] == field
    assert isinstance(info.value, ValueError)


def test_from_mapping_names_threshold_item_and_default_source() -> None:
    with pytest.raises(PolicyError, match=r"^value model: thresholds\.1: ") as info:
        ValueModel.from_mapping({"thresholds": [0.5, "x"]})
    assert info.value.location == "thresholds.1"
    assert info.value.source is None
    with pytest.raises(PolicyError, match="expected a table"):
        ValueModel.from_mapping([1, 2])  # type: ignore[arg-type]


# --------------------------------------------------------------------- TOML


def test_from_toml_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "value.toml"
    path.write_text(
        'clv_reference = 8000.0\ntiers = ["standard", "premium", "elite", "platinum"]\n'
        "thresholds = [0.45, 0.65, 0.85]\n\n[weights]\nclv = 0.5\nconnected = 0\n"
    )
    model = ValueModel.from_toml(path)
    assert model.clv_reference == 8000.0
    assert model.tiers[-1] == "platinum"
    assert model.thresholds == (0.45, 0.65, 0.85)
    assert model.weights == ValueWeights(clv=0.5, connected=0.0)
    assert model.strategic_floor == "premium"


def test_from_toml_table(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[routing]\nx = 1\n\n[routing.value]\nthresholds = [0.4, 0.6]\n")
    assert ValueModel.from_toml(path, table="routing.value").thresholds == (0.4, 0.6)
    with pytest.raises(PolicyError, match=r"no table \[routing.values\]") as info:
        ValueModel.from_toml(path, table="routing.values")
    assert info.value.location == "routing.values"
    with pytest.raises(PolicyError, match=r"routing\.x must be a table"):
        ValueModel.from_toml(path, table="routing.x")
    path.write_text("[value]\nthresholds = [0.6, 0.4]\n")
    with pytest.raises(PolicyError, match="strictly increasing") as info:
        ValueModel.from_toml(path, table="value")
    assert info.value.location == "value.thresholds"
    assert info.value.source == str(path)


def test_from_toml_malformed(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("thresholds = [0.5, 0.75\ntiers = 3\n")
    with pytest.raises(PolicyError, match=r"broken\.toml: invalid TOML") as info:
        ValueModel.from_toml(path)
    assert info.value.source == str(path)


def test_from_toml_bad_value_names_field_and_file(tmp_path: Path) -> None:
    path = tmp_path / "value.toml"
    path.write_text('strategic_floor = "gold"\n')
    with pytest.raises(PolicyError, match=r"value\.toml: strategic_floor: .*'gold'") as info:
        ValueModel.from_toml(path)
    assert (info.value.source, info.value.location) == (str(path), "strategic_floor")
    path.write_text("[weights]\nclv = -1.0\n")
    with pytest.raises(PolicyError, match=r"weights\.clv") as info:
        ValueModel.from_toml(path)
    assert info.value.location == "weights.clv"


def test_from_toml_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(PolicyError, match=r"nope\.toml: cannot read") as info:
        ValueModel.from_toml(path)
    assert info.value.source == str(path)
