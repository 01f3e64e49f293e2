"""Tests of tierroute.promises.credits: credit rules, billing periods and compute_credits."""

from __future__ import annotations

import random
from dataclasses import FrozenInstanceError, dataclass
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierroute.errors import InvalidArgument, PolicyError
from tierroute.promises.calendar import BusinessCalendar, from_local
from tierroute.promises.credits import (
    BillingPeriod,
    Breach,
    Credit,
    CreditRule,
    compute_credits,
    period_key,
)

NY = "America/New_York"
FEES = {"acme": 1000.0, "globex": 400.0}


def when(tz: str, *args: int) -> float:
    return from_local(datetime(*args), tz)  # type: ignore[misc]


def elite(account: str, t: float, kind: str = "answer") -> Breach:
    return Breach(account, "elite", kind, t)


NOV_10 = when("UTC", 2026, 11, 10, 12, 0)
NOV_20 = when("UTC", 2026, 11, 20, 12, 0)


# --------------------------------------------------------------------------- basics


def test_two_elite_breaches_in_a_month_earn_five_percent() -> None:
    credits = compute_credits([elite("acme", NOV_10), elite("acme", NOV_20)], FEES, CreditRule())
    assert credits == [Credit("acme", "2026-11", 2, 0.05, 1000.0, 50.0)]


def test_one_breach_earns_nothing() -> None:
    assert compute_credits([elite("acme", NOV_10)], FEES) == []
    assert compute_credits([], FEES) == []


def test_default_rule_counts_response_promises_only() -> None:
    breaches = [
        elite("acme", NOV_10, "first_response"),
        elite("acme", NOV_20, "resolution"),
        elite("acme", NOV_20, "callback"),
    ]
    assert compute_credits(breaches, FEES) == []
    breaches.append(elite("acme", NOV_20, "answer"))
    [credit] = compute_credits(breaches, FEES)
    assert credit.breaches == 2


def test_premium_breaches_ignored_under_default_rule() -> None:
    premium = [Breach("acme", "premium", "answer", NOV_10 + i) for i in range(5)]
    assert compute_credits(premium, FEES) == []
    mixed = [*premium, elite("acme", NOV_20)]
    assert compute_credits(mixed, FEES) == []
    # tier names compare exactly
    assert compute_credits([Breach("acme", "Elite", "answer", NOV_10)] * 3, FEES) == []
    assert compute_credits(premium, FEES, CreditRule(tier="premium"))[0].breaches == 5


def test_breaches_in_two_months_counted_separately() -> None:
    oct_ = when("UTC", 2026, 10, 15, 12, 0)
    breaches = [elite("acme", oct_), elite("acme", NOV_10)]
    assert compute_credits(breaches, FEES) == []
    breaches += [elite("acme", oct_ + 60), elite("acme", NOV_20), elite("acme", NOV_20 + 1)]
    credits = compute_credits(breaches, FEES)
    assert [(c.period, c.breaches, c.amount) for c in credits] == [
        ("2026-10", 2, 50.0),
        ("2026-11", 3, 50.0),
    ]


def test_month_boundary_in_the_accounts_time_zone() -> None:
    # 23:30 on 31 October in New York is 03:30 UTC on 1 November.
    late = when(NY, 2026, 10, 31, 23, 30)
    assert period_key(late, "UTC") == "2026-11"
    assert period_key(late, NY) == "2026-10"
    early_oct = when(NY, 2026, 10, 5, 12, 0)
    breaches = [elite("acme", early_oct), elite("acme", late)]
    assert compute_credits(breaches, FEES, timezone="UTC") == []
    assert compute_credits(breaches, FEES, timezone=NY)[0].period == "2026-10"
    # a calendar can name the zone, for all accounts or per account
    cal = BusinessCalendar.nine_to_five(NY)
    assert compute_credits(breaches, FEES, timezone=cal)[0].period == "2026-10"
    per_account = {"acme": NY, "globex": "UTC"}
    both = [*breaches, elite("globex", early_oct), elite("globex", late)]
    credits = compute_credits(both, FEES, timezone=per_account)
    assert [(c.account, c.period) for c in credits] == [("acme", "2026-10")]
    with pytest.raises(InvalidArgument, match="globex"):
        compute_credits(both, FEES, timezone={"acme": NY})


def test_custom_epoch_moves_periods() -> None:
    epoch = datetime(2026, 10, 31, 12, 0, tzinfo=ZoneInfo("UTC"))
    breaches = [elite("acme", 0.0), elite("acme", 13 * 3600.0)]  # 31 Oct 12:00 and 1 Nov 01:00
    assert compute_credits(breaches, FEES, epoch=epoch) == []
    breaches.append(elite("acme", 60.0))
    assert compute_credits(breaches, FEES, epoch=epoch)[0].period == "2026-10"


def test_sorted_by_period_then_account_and_deterministic() -> None:
    oct_ = when("UTC", 2026, 10, 15, 12, 0)
    breaches = [
        elite(account, t + i)
        for account in ("zeta", "acme", "globex")
        for t in (oct_, NOV_10)
        for i in range(2)
    ]
    fees = {"zeta": 10.0, "acme": 20.0, "globex": 30.0}
    expected = compute_credits(breaches, fees)
    assert [(c.period, c.account) for c in expected] == [
        ("2026-10", "acme"),
        ("2026-10", "globex"),
        ("2026-10", "zeta"),
        ("2026-11", "acme"),
        ("2026-11", "globex"),
        ("2026-11", "zeta"),
    ]
    rng = random.Random(7)
    for _ in range(5):
        shuffled = breaches[:]
        rng.shuffle(shuffled)
        assert compute_credits(iter(shuffled), fees) == expected


def test_credit_is_frozen() -> None:
    credit = Credit("acme", "2026-11", 2, 0.05, 1000.0, 50.0)
    with pytest.raises(FrozenInstanceError):
        credit.amount = 0.0  # type: ignore[misc]


# --------------------------------------------------------------------------- rates


def test_tiered_rates() -> None:
    rule = CreditRule(rate_by_breaches={4: 0.10, 2: 0.05})
    assert list(rule.rate_by_breaches or {}) == [2, 4]
    for n, rate in [(1, None), (2, 0.05), (3, 0.05), (4, 0.10), (7, 0.10)]:
        breaches = [elite("acme", NOV_10 + i) for i in range(n)]
        credits = compute_credits(breaches, FEES, rule)
        if rate is None:
            assert credits == []
        else:
            assert credits == [Credit("acme", "2026-11", n, rate, 1000.0, 1000.0 * rate)]


def test_rate_precedence() -> None:
    # rate_by_breaches wins from its smallest key up; rate below that
    rule = CreditRule(rate=0.05, rate_by_breaches={4: 0.10})
    assert [rule.rate_for(n) for n in range(1, 6)] == [0.0, 0.05, 0.05, 0.10, 0.10]
    # min_breaches gates every rate
    gated = CreditRule(min_breaches=3, rate=0.07, rate_by_breaches={1: 0.02, 5: 0.09})
    assert [gated.rate_for(n) for n in range(1, 7)] == [0.0, 0.0, 0.02, 0.02, 0.09, 0.09]
    assert CreditRule(min_breaches=1).rate_for(1) == 0.05
    assert CreditRule(rate=0.08).rate_for(2) == 0.08


def test_rule_defaults_and_counts() -> None:
    rule = CreditRule()
    assert (rule.tier, rule.min_breaches, rule.rate, rule.rate_by_breaches) == (
        "elite",
        2,
        0.05,
        None,
    )
    assert rule.promises == ("answer", "first_response")
    assert rule.counts("elite", "first_response")
    assert not rule.counts("elite", "resolution")
    assert not rule.counts("premium", "answer")
    custom = CreditRule(promises=["resolution"])
    assert custom.counts("elite", "resolution")
    assert not custom.counts("elite", "answer")


def test_rule_round_trips_through_json() -> None:
    rule = CreditRule(rate_by_breaches={2: 0.05, 4: 0.1}, promises=["answer"])
    assert CreditRule.model_validate_json(rule.model_dump_json()) == rule
    assert CreditRule.model_validate(rule.model_dump(mode="json")) == rule


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class EventLike:
    """Shaped like tierroute.promises.model.PromiseEvent: the kind is named ``promise``."""

    outcome: str
    promise: str
    account: str | None
    tier: str
    at: float


def test_accepts_mappings_objects_and_event_like_records() -> None:
    breaches: list[object] = [
        {"account": "acme", "tier": "elite", "kind": "answer", "at": NOV_10},
        SimpleNamespace(account="acme", tier="elite", kind="first_response", at=NOV_20),
        EventLike("breached", "answer", "acme", "elite", NOV_20 + 1),
        # not billable: no account, or not a breach
        EventLike("breached", "answer", None, "elite", NOV_20 + 2),
        EventLike("attained", "answer", "acme", "elite", NOV_20 + 3),
        {
            "account": "acme",
            "tier": "elite",
            "kind": "answer",
            "at": NOV_20 + 4,
            "outcome": "abandoned",
        },
    ]
    assert compute_credits(breaches, FEES) == [Credit("acme", "2026-11", 3, 0.05, 1000.0, 50.0)]


def test_integer_times_and_fees() -> None:
    breaches = [{"account": "acme", "tier": "elite", "kind": "answer", "at": int(NOV_10)}] * 2
    assert compute_credits(breaches, {"acme": 300}) == [
        Credit("acme", "2026-11", 2, 0.05, 300.0, 15.0)
    ]


def test_missing_fee_raises_naming_every_account() -> None:
    breaches = [elite(a, NOV_10 + i) for a in ("acme", "initech", "umbrella") for i in range(2)]
    with pytest.raises(InvalidArgument, match=r"accounts 'initech'.*'umbrella'") as info:
        compute_credits(breaches, FEES)
    assert "acme" not in str(info.value)
    # an account without enough breaches needs no fee
    assert compute_credits([elite("initech", NOV_10)], FEES) == []


GOOD = {"account": "acme", "tier": "elite", "kind": "answer", "at": NOV_10}


@pytest.mark.parametrize(
    ("record", "text"),
    [
        ({**GOOD, "at": float("nan")}, r"breaches\[1\]\.at"),
        ({**GOOD, "at": "soon"}, r"breaches\[1\]\.at"),
        ({**GOOD, "at": True}, r"breaches\[1\]\.at"),
        ({k: v for k, v in GOOD.items() if k != "at"}, r"breaches\[1\]\.at is missing"),
        ({k: v for k, v in GOOD.items() if k != "tier"}, r"breaches\[1\]\.tier"),
        ({k: v for k, v in GOOD.items() if k != "kind"}, r"breaches\[1\]\.kind"),
        ({**GOOD, "account": ""}, r"breaches\[1\]\.account"),
        ({**GOOD, "account": 42}, r"breaches\[1\]\.account"),
        ({**GOOD, "tier": None}, r"breaches\[1\]\.tier"),
        ({**GOOD, "at": 1e300}, r"breaches\[1\]\.at"),
        (object(), r"breaches\[1\]\.tier is missing"),
    ],
)
def test_bad_breach_records_raise_naming_the_field(record: object, text: str) -> None:
    with pytest.raises(InvalidArgument, match=text):
        compute_credits([GOOD, record], FEES)


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"fees": {"acme": -1.0}}, r"fees\['acme'\]"),
        ({"fees": {"acme": float("inf")}}, r"fees\['acme'\]"),
        ({"fees": {"acme": "100"}}, r"fees\['acme'\]"),
        ({"fees": {1: 100.0}}, "fees keys"),
        ({"fees": [("acme", 100.0)]}, "fees must be a mapping"),
        ({"rule": {"rate": 0.1}}, "rule must be a CreditRule"),
        ({"timezone": "Atlantis/Capital"}, "timezone"),
        ({"timezone": {"acme": "Atlantis/Capital"}}, r"timezone\['acme'\]"),
        ({"epoch": datetime(2026, 1, 1)}, "epoch"),
        ({"breaches": "acme"}, "breaches must be an iterable"),
        ({"breaches": 5}, "breaches must be an iterable"),
        ({"fees": {"acme": 10**400}}, r"fees\['acme'\] must be a finite number"),
        ({"fees": {"acme": True}}, r"fees\['acme'\]"),
        ({"breaches": [GOOD, {**GOOD, "at": 10**400}]}, r"breaches\[1\]\.at must be a finite"),
        ({"breaches": [GOOD, {**GOOD, "tier": "\ud800"}]}, r"breaches\[1\]\.tier"),
    ],
)
def test_bad_arguments_raise_invalid_argument(kwargs: dict[str, object], text: str) -> None:
    args: dict[str, object] = {"breaches": [GOOD, GOOD], "fees": FEES, **kwargs}
    with pytest.raises(InvalidArgument, match=text):
        compute_credits(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rate": 1.5}, "rate"),
        ({"rate": -0.01}, "rate"),
        ({"rate": True}, "rate"),
        ({"rate": float("nan")}, "rate"),
        ({"min_breaches": 0}, "min_breaches"),
        ({"min_breaches": 2.5}, "min_breaches"),
        ({"tier": ""}, "tier"),
        ({"promises": []}, "promises"),
        ({"promises": [""]}, "promises.0"),
        ({"rate_by_breaches": {0: 0.1}}, "rate_by_breaches"),
        ({"rate_by_breaches": {2: 1.2}}, "rate_by_breaches.2"),
        ({"bonus": 1}, "bonus"),
    ],
)
def test_invalid_rules_raise_policy_error_naming_the_field(
    kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(PolicyError) as info:
        CreditRule(**kwargs)  # type: ignore[arg-type]
    assert isinstance(info.value, InvalidArgument)
    assert info.value.location is not None
    assert info.value.location.startswith(field)
    assert field in str(info.value)


# --------------------------------------------------------------------------- periods


def test_billing_period_helpers() -> None:
    p = BillingPeriod.parse("2026-12")
    assert (p.year, p.month, p.key, str(p)) == (2026, 12, "2026-12", "2026-12")
    assert p.next() == BillingPeriod(2027, 1)
    assert BillingPeriod(2027, 1).previous() == p
    assert BillingPeriod(2026, 5).next().previous() == BillingPeriod(2026, 5)
    assert BillingPeriod(2026, 2) < BillingPeriod(2026, 11) < BillingPeriod(2027, 1)
    start, end = BillingPeriod(2026, 11).bounds(NY)
    assert start == when(NY, 2026, 11, 1, 0, 0)
    assert end == when(NY, 2026, 12, 1, 0, 0)
    assert end - start == 30 * 86400 + 3600  # the fall-back hour
    assert BillingPeriod.containing(start, NY) == BillingPeriod(2026, 11)
    assert BillingPeriod.containing(start - 0.001, NY) == BillingPeriod(2026, 10)


@pytest.mark.parametrize("key", ["2026-1", "26-01", "2026/01", "2026-00", "2026-13", 202601])
def test_bad_period_keys(key: object) -> None:
    with pytest.raises(InvalidArgument):
        BillingPeriod.parse(key)  # type: ignore[arg-type]


def test_bad_period_fields() -> None:
    with pytest.raises(InvalidArgument, match="month"):
        BillingPeriod(2026, 0)
    with pytest.raises(InvalidArgument, match="year"):
        BillingPeriod(0, 1)


ZONES = ["UTC", NY, "Europe/Paris", "America/Santiago", "Pacific/Kiritimati", "Asia/Kathmandu"]


@settings(max_examples=200)
@given(
    t=st.floats(1_700_000_000, 1_900_000_000, allow_nan=False),
    tz=st.sampled_from(ZONES),
)
def test_period_bounds_contain_the_time(t: float, tz: str) -> None:
    period = BillingPeriod.containing(t, tz)
    start, end = period.bounds(tz)
    assert start <= t < end
    assert period_key(t, tz) == period.key
    assert BillingPeriod.containing(end, tz) == period.next()
