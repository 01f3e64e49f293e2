"""Tests of tierroute.promises.calendar: business hours, due times, DST, holidays, 24/7."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tierroute.promises.calendar as calmod
from tierroute.errors import InvalidArgument, PolicyError
from tierroute.promises.calendar import (
    UNIX_EPOCH,
    WEEKDAYS,
    BusinessCalendar,
    PromiseClock,
    due_time,
    from_local,
    to_local,
)

PARIS = "Europe/Paris"
NY = "America/New_York"
H = 3600.0
ALL_DAY = {d: [["00:00", "24:00"]] for d in WEEKDAYS}
NINE_TO_SIX = BusinessCalendar(timezone=NY, open="09:00", close="18:00")


def at(tz: str, *args: int, fold: int = 0) -> float:
    """Router time (default epoch) of a local wall time."""
    return from_local(datetime(*args, fold=fold), tz)  # type: ignore[misc]


def local(t: float, tz: str) -> str:
    return to_local(t, tz).isoformat()


# --------------------------------------------------------------------------- basics


def test_friday_1759_sixty_minutes_is_monday_0959() -> None:
    friday = at(NY, 2026, 11, 13, 17, 59)  # a Friday, open until 18:00
    assert NINE_TO_SIX.is_open(friday)
    due = NINE_TO_SIX.add_business_seconds(friday, 60 * 60)
    assert local(due, NY) == "2026-11-16T09:59:00-05:00"
    assert due_time(friday, 3600, NINE_TO_SIX) == due
    assert NINE_TO_SIX.business_seconds_between(friday, due) == 3600.0


def test_friday_1759_with_monday_holiday_is_tuesday_0959() -> None:
    cal = BusinessCalendar(timezone=NY, open="09:00", close="18:00", holidays=[date(2026, 11, 16)])
    friday = at(NY, 2026, 11, 13, 17, 59)
    due = cal.add_business_seconds(friday, 3600)
    assert local(due, NY) == "2026-11-17T09:59:00-05:00"
    assert not cal.is_open(at(NY, 2026, 11, 16, 12, 0))
    assert local(cal.next_open(at(NY, 2026, 11, 16, 12, 0)), NY) == "2026-11-17T09:00:00-05:00"


def test_due_exactly_at_closing_is_the_closing() -> None:
    friday = at(NY, 2026, 11, 13, 17, 0)
    assert local(NINE_TO_SIX.add_business_seconds(friday, 3600), NY) == (
        "2026-11-13T18:00:00-05:00"
    )
    assert local(NINE_TO_SIX.add_business_seconds(friday, 3601), NY) == (
        "2026-11-16T09:00:01-05:00"
    )


def test_closed_start_counts_from_next_opening_and_zero_is_identity() -> None:
    saturday = at(NY, 2026, 11, 14, 10, 0)
    assert not NINE_TO_SIX.is_open(saturday)
    assert local(NINE_TO_SIX.next_open(saturday), NY) == "2026-11-16T09:00:00-05:00"
    assert local(NINE_TO_SIX.add_business_seconds(saturday, 1), NY) == ("2026-11-16T09:00:01-05:00")
    assert NINE_TO_SIX.add_business_seconds(saturday, 0) == saturday
    monday = at(NY, 2026, 11, 16, 10, 0)
    assert NINE_TO_SIX.next_open(monday) == monday


def test_opening_and_closing_instants() -> None:
    cal = BusinessCalendar.nine_to_five(PARIS)
    assert cal.is_open(at(PARIS, 2026, 11, 16, 9, 0))
    assert not cal.is_open(at(PARIS, 2026, 11, 16, 9, 0) - 0.001)
    assert cal.is_open(at(PARIS, 2026, 11, 16, 17, 0) - 0.001)
    assert not cal.is_open(at(PARIS, 2026, 11, 16, 17, 0))


def test_week_has_forty_hours_and_between_is_antisymmetric() -> None:
    cal = BusinessCalendar.nine_to_five(PARIS)
    monday = at(PARIS, 2026, 11, 16, 0, 0)
    assert cal.business_seconds_between(monday, monday + 7 * 86400) == 40 * H
    assert cal.business_seconds_between(monday + 7 * 86400, monday) == -40 * H
    assert cal.business_seconds_between(monday, monday) == 0.0
    # November 2026 has 21 weekdays
    start, end = at(PARIS, 2026, 11, 1, 0, 0), at(PARIS, 2026, 12, 1, 0, 0)
    assert cal.business_seconds_between(start, end) == 21 * 8 * H


def test_several_intervals_per_day_and_lunch_break() -> None:
    cal = BusinessCalendar(hours={"mon": ["09:00-12:00", "13:00-17:30"], "Tuesday": "10:00-11:00"})
    assert cal.hours == {
        "mon": (("09:00", "12:00"), ("13:00", "17:30")),
        "tue": (("10:00", "11:00"),),
    }
    monday = at("UTC", 2026, 11, 16, 11, 30)
    assert local(cal.add_business_seconds(monday, 3600), "UTC") == "2026-11-16T13:30:00+00:00"
    assert not cal.is_open(at("UTC", 2026, 11, 16, 12, 30))
    assert local(cal.add_business_seconds(monday, 5.5 * H), "UTC") == "2026-11-17T10:30:00+00:00"
    assert local(cal.add_business_seconds(monday, 8 * H), "UTC") == "2026-11-23T11:00:00+00:00"


def test_shorthand_equals_explicit_hours() -> None:
    explicit = BusinessCalendar(
        timezone=PARIS, hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    )
    assert BusinessCalendar.nine_to_five(PARIS) == explicit
    assert BusinessCalendar(timezone=PARIS, open="09:00", close="17:00") == explicit
    assert hash(BusinessCalendar.nine_to_five(PARIS)) == hash(explicit)
    weekend = BusinessCalendar(days=["sat", "sun"], open="10:00", close="14:00")
    assert set(weekend.hours) == {"sat", "sun"}


def test_round_trips_through_json() -> None:
    cal = BusinessCalendar.nine_to_five(PARIS, holidays=["2026-12-25", date(2026, 1, 1)])
    assert cal.holidays == (date(2026, 1, 1), date(2026, 12, 25))
    again = BusinessCalendar.model_validate(cal.model_dump(mode="json"))
    assert again == cal
    assert BusinessCalendar.model_validate_json(cal.model_dump_json()) == cal


def test_time_objects_and_seconds_and_midnight_end() -> None:
    cal = BusinessCalendar(hours={"mon": [[time(22, 0), "24:00"]], "tue": [["00:00", "06:00:30"]]})
    assert cal.hours["tue"] == (("00:00", "06:00:30"),)
    monday = at("UTC", 2026, 11, 16, 23, 0)
    # the overnight shift is continuous across midnight
    assert local(cal.add_business_seconds(monday, 2 * H), "UTC") == "2026-11-17T01:00:00+00:00"
    assert cal.business_seconds_between(monday - H, monday + 8 * H) == 2 * H + 6 * H + 30


# --------------------------------------------------------------------------- 24/7


def test_always_open() -> None:
    cal = BusinessCalendar.always()
    for t in (0.0, 1_774_746_000.0, 1_793_500_000.5):
        assert cal.is_open(t)
        assert cal.next_open(t) == t
        assert cal.add_business_seconds(t, 3600) == t + 3600
        assert cal.business_seconds_between(t, t + 86400 * 3) == 86400 * 3
        assert due_time(t, 3600, cal, after_hours_s=4 * H) == t + 3600
    assert BusinessCalendar.always(PARIS).timezone == PARIS


def test_all_day_hours_with_holiday() -> None:
    cal = BusinessCalendar(hours=ALL_DAY, holidays=["2026-12-25"])
    eve = at("UTC", 2026, 12, 24, 23, 0)
    assert local(cal.add_business_seconds(eve, 2 * H), "UTC") == "2026-12-26T01:00:00+00:00"


# --------------------------------------------------------------------------- DST

DST_DAYS = [
    # zone, spring-forward Sunday, fall-back Sunday (2026)
    (PARIS, (2026, 3, 29), (2026, 10, 25)),
    (NY, (2026, 3, 8), (2026, 11, 1)),
    # changes at 16:00 UTC, in the second half of a UTC day
    ("Australia/Sydney", (2026, 10, 4), (2026, 4, 5)),
]


@pytest.mark.parametrize(("tz", "spring", "fall"), DST_DAYS)
def test_dst_business_days_keep_eight_hours(
    tz: str, spring: tuple[int, int, int], fall: tuple[int, int, int]
) -> None:
    cal = BusinessCalendar.nine_to_five(tz)
    for sunday in (spring, fall):
        d = date(*sunday)
        before = d - timedelta(days=6)  # the Monday before
        after = d + timedelta(days=1)  # the Monday after
        for day in (before, after):
            nine = at(tz, day.year, day.month, day.day, 9, 0)
            five = at(tz, day.year, day.month, day.day, 17, 0)
            assert five - nine == 8 * H
            assert cal.business_seconds_between(nine, five) == 8 * H
            assert cal.add_business_seconds(nine, 8 * H) == five
        # the week around the change still has 40 business hours
        start = at(tz, before.year, before.month, before.day, 0, 0)
        assert cal.business_seconds_between(start, start + 14 * 86400) == 80 * H
        # Friday 16:00 + 2 business hours is Monday 10:00 local, new offset
        friday = d - timedelta(days=2)
        t = at(tz, friday.year, friday.month, friday.day, 16, 0)
        due = cal.add_business_seconds(t, 2 * H)
        assert to_local(due, tz).replace(tzinfo=None) == datetime(
            after.year, after.month, after.day, 10, 0
        )
        # 66 wall-clock hours, one less (spring) or one more (fall) in real time
        assert due - t == 66 * H + (-H if d == date(*spring) else H)


@pytest.mark.parametrize(("tz", "spring", "fall"), DST_DAYS)
def test_dst_wall_clock_after_hours_promises(
    tz: str, spring: tuple[int, int, int], fall: tuple[int, int, int]
) -> None:
    cal = BusinessCalendar.nine_to_five(tz)
    day_open = BusinessCalendar(timezone=tz, hours=ALL_DAY)
    for sunday, hours in ((spring, 23), (fall, 25)):
        d = date(*sunday)
        start = at(tz, d.year, d.month, d.day, 0, 0)
        nxt = d + timedelta(days=1)
        end = at(tz, nxt.year, nxt.month, nxt.day, 0, 0)
        assert end - start == hours * H
        assert day_open.business_seconds_between(start, end) == hours * H
        # a Sunday interval across the change gains or loses the hour
        night = BusinessCalendar(timezone=tz, hours={"sun": [["01:00", "09:00"]]})
        assert night.business_seconds_between(start, end) == (hours - 16) * H
        assert local(night.add_business_seconds(start, 6 * H), tz).startswith(
            f"{d.isoformat()}T{8 if hours == 23 else 6:02d}:00:00"
        )
        # A 24 h after-hours promise made on Saturday at noon (closed) is 24 real
        # hours: 13:00 on Sunday after spring-forward, 11:00 after fall-back.
        sat = d - timedelta(days=1)
        arrival = at(tz, sat.year, sat.month, sat.day, 12, 0)
        due = due_time(arrival, 3600, cal, after_hours_s=24 * H)
        assert due - arrival == 24 * H
        expected_hour = 13 if hours == 23 else 11
        assert to_local(due, tz).replace(tzinfo=None) == datetime(
            d.year, d.month, d.day, expected_hour, 0
        )
        # 24 business hours on an all-day calendar: also 24 real hours
        assert day_open.add_business_seconds(arrival, 24 * H) == arrival + 24 * H


def test_gap_interval_starts_at_end_of_gap() -> None:
    # Paris, 2026-03-29: 02:00 jumps to 03:00; 02:30 does not exist.
    assert at(PARIS, 2026, 3, 29, 2, 30) == at(PARIS, 2026, 3, 29, 3, 0)
    assert local(at(PARIS, 2026, 3, 29, 2, 30), PARIS) == "2026-03-29T03:00:00+02:00"
    cal = BusinessCalendar(timezone=PARIS, hours={"sun": [["02:30", "03:30"]]})
    midnight = at(PARIS, 2026, 3, 29, 0, 0)
    assert local(cal.next_open(midnight), PARIS) == "2026-03-29T03:00:00+02:00"
    assert cal.business_seconds_between(midnight, midnight + 86400) == 1800.0
    # a normal Sunday has the full hour
    week_later = at(PARIS, 2026, 4, 5, 0, 0)
    assert cal.business_seconds_between(week_later, week_later + 86400) == 3600.0
    # an interval across the gap is continuous and one hour shorter
    across = BusinessCalendar(timezone=PARIS, hours={"sun": [["01:00", "04:00"]]})
    assert across.business_seconds_between(midnight, midnight + 86400) == 2 * H
    t = at(PARIS, 2026, 3, 29, 1, 30)
    assert local(across.add_business_seconds(t, 1 * H), PARIS) == "2026-03-29T03:30:00+02:00"


def test_overlap_repeated_hour_is_open_twice() -> None:
    # New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:00-02:00 repeats.
    first = at(NY, 2026, 11, 1, 1, 30)
    second = at(NY, 2026, 11, 1, 1, 30, fold=1)
    assert second - first == H
    assert local(first, NY) == "2026-11-01T01:30:00-04:00"
    assert local(second, NY) == "2026-11-01T01:30:00-05:00"
    cal = BusinessCalendar(timezone=NY, hours={"sun": [["01:15", "01:45"]]})
    assert cal.is_open(first)
    assert cal.is_open(second)
    assert not cal.is_open(first + 20 * 60)  # 01:50 EDT
    assert not cal.is_open(first + 30 * 60)  # 02:00 EDT, shown as 01:00 EST
    midnight = at(NY, 2026, 11, 1, 0, 0)
    assert cal.business_seconds_between(midnight, midnight + 86400) == H
    due = cal.add_business_seconds(midnight, 45 * 60)
    assert local(due, NY) == "2026-11-01T01:30:00-05:00"
    # an interval over the repeated hour gets both copies
    over = BusinessCalendar(timezone=NY, hours={"sun": [["00:30", "02:30"]]})
    assert over.business_seconds_between(midnight, midnight + 86400) == 3 * H


def test_paris_fall_back_repeats_two_to_three() -> None:
    cal = BusinessCalendar(timezone=PARIS, hours={"sun": [["02:00", "03:00"]]})
    midnight = at(PARIS, 2026, 10, 25, 0, 0)
    assert cal.business_seconds_between(midnight, midnight + 86400) == 2 * H
    assert cal.is_open(at(PARIS, 2026, 10, 25, 2, 10, fold=1))


def test_midnight_transitions_santiago() -> None:
    # Santiago springs forward at 00:00 (Sunday starts at 01:00) and falls back at
    # 00:00 Sunday to 23:00 Saturday (Saturday 23:00-24:00 repeats).
    tz = "America/Santiago"
    sat_late = BusinessCalendar(timezone=tz, hours={"sat": [["23:00", "24:00"]]})
    sat = at(tz, 2026, 4, 4, 0, 0)
    assert sat_late.business_seconds_between(sat, sat + 3 * 86400) == 2 * H
    sun = BusinessCalendar(timezone=tz, hours={"sun": [["00:00", "02:00"]]})
    spring_sat = at(tz, 2026, 9, 5, 12, 0)
    assert local(sun.next_open(spring_sat), tz) == "2026-09-06T01:00:00-03:00"
    assert sun.business_seconds_between(spring_sat, spring_sat + 86400) == H


def test_custom_epoch() -> None:
    epoch = datetime(2026, 11, 16, 9, 0, tzinfo=ZoneInfo(PARIS))  # a Monday, 09:00
    cal = BusinessCalendar.nine_to_five(PARIS)
    assert cal.is_open(0.0, epoch=epoch)
    assert not cal.is_open(-1.0, epoch=epoch)
    assert cal.add_business_seconds(0.0, 3600, epoch=epoch) == 3600.0
    assert cal.add_business_seconds(0.0, 9 * H, epoch=epoch) == 24 * H + H
    assert cal.business_seconds_between(0.0, 86400.0, epoch=epoch) == 8 * H
    assert cal.next_open(-H, epoch=epoch) == 0.0
    assert from_local(datetime(2026, 11, 16, 10, 0), PARIS, epoch=epoch) == H
    assert to_local(H, PARIS, epoch=epoch) == datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo(PARIS))
    assert datetime(1970, 1, 1, tzinfo=UTC) == UNIX_EPOCH


# --------------------------------------------------------------------------- due time


def test_due_time_rule() -> None:
    cal = BusinessCalendar.nine_to_five(PARIS)
    monday_open = at(PARIS, 2026, 11, 16, 16, 30)
    monday_early = at(PARIS, 2026, 11, 16, 8, 59)
    # 1. open: business time
    assert local(due_time(monday_open, 3600, cal, 4 * H), PARIS) == "2026-11-17T09:30:00+01:00"
    # 2. closed with an after-hours figure: wall-clock, not capped by rule 3
    assert due_time(monday_early, 3600, cal, 4 * H) == monday_early + 4 * H
    # 3. closed without: business time from the next opening
    assert local(due_time(monday_early, 3600, cal), PARIS) == "2026-11-16T10:00:00+01:00"
    assert due_time(monday_early, 0, cal) == at(PARIS, 2026, 11, 16, 9, 0)


def test_promise_clock() -> None:
    cal = BusinessCalendar.nine_to_five(PARIS)
    premium = PromiseClock(within_s=3600, after_hours_s=4 * H, calendar=cal)
    saturday = at(PARIS, 2026, 11, 14, 10, 0)
    assert premium.due(saturday) == saturday + 4 * H
    assert premium.breached(saturday, saturday + 4 * H + 1)
    assert not premium.breached(saturday, saturday + 4 * H)
    elite = PromiseClock(within_s=3600)
    assert elite.calendar.always_open
    assert elite.due(saturday) == saturday + 3600
    with pytest.raises(PolicyError, match="within_s"):
        PromiseClock(within_s=0)
    as_dict = PromiseClock.model_validate(
        {"within_s": 60, "calendar": {"timezone": PARIS, "open": "09:00", "close": "17:00"}}
    )
    assert as_dict.calendar == cal


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [
        ({"timezone": "Mars/Base", "always_open": True}, "timezone", "Mars/Base"),
        ({"timezone": "", "always_open": True}, "timezone", "IANA"),
        ({"hours": {"funday": [["09:00", "17:00"]]}}, "hours", "funday"),
        ({"hours": {"mon": [["17:00", "09:00"]]}}, "hours", "ends before it starts"),
        ({"hours": {"mon": [["09:00", "25:00"]]}}, "hours", "25:00"),
        ({"hours": {"mon": [["24:00", "24:00"]]}}, "hours", "24:00"),
        ({"hours": {"mon": [["9h", "17:00"]]}}, "hours", "9h"),
        ({"hours": {"mon": [["09:00"]]}}, "hours", "start, end"),
        ({"hours": {"mon": [["09:00", "10:00"]], "Monday": "11:00-12:00"}}, "hours", "twice"),
        ({"hours": {}}, None, "never open"),
        ({}, None, "never open"),
        ({"always_open": True, "holidays": ["2026-12-25"]}, None, "always_open"),
        ({"open": "09:00"}, None, "both open and close"),
        ({"open": "09:00", "close": "17:00", "hours": ALL_DAY}, None, "either hours"),
        ({"open": "09:00", "close": "17:00", "days": "mon"}, None, "days"),
        ({"always_open": True, "holidays": ["Christmas"]}, "holidays.0", "Christmas"),
        ({"always_open": True, "weekends": True}, "weekends", "Extra"),
    ],
)
def test_invalid_calendars_raise_policy_error(
    kwargs: dict[str, object], field: str | None, text: str
) -> None:
    with pytest.raises(PolicyError, match=text) as info:
        BusinessCalendar(**kwargs)  # type: ignore[arg-type]
    assert isinstance(info.value, InvalidArgument)
    assert isinstance(info.value, ValueError)
    if field is not None:
        assert info.value.location == field
        assert field in str(info.value)


def test_calendar_is_frozen() -> None:
    cal = BusinessCalendar.always()
    with pytest.raises(Exception, match="frozen"):
        cal.timezone = PARIS  # type: ignore[misc]


def test_model_copy_with_update_is_validated() -> None:
    utc = BusinessCalendar.nine_to_five("UTC")
    paris = utc.model_copy(update={"timezone": PARIS})
    assert paris == BusinessCalendar.nine_to_five(PARIS)
    t = at("UTC", 2026, 11, 16, 8, 30)  # 09:30 in Paris
    assert paris.is_open(t)
    assert not utc.is_open(t)
    assert utc.model_copy() == utc
    with pytest.raises(PolicyError, match="timezone"):
        utc.model_copy(update={"timezone": "Nowhere/Town"})


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda c: c.is_open(float("nan")), "t"),
        (lambda c: c.is_open(True), "t"),
        (lambda c: c.is_open("0"), "t"),
        (lambda c: c.next_open(float("inf")), "t"),
        (lambda c: c.add_business_seconds(0.0, -1.0), "seconds"),
        (lambda c: c.add_business_seconds(0.0, float("nan")), "seconds"),
        (lambda c: c.business_seconds_between(0.0, None), "b"),
        (lambda c: c.is_open(0.0, epoch=datetime(1970, 1, 1)), "epoch"),
        (lambda c: c.is_open(0.0, epoch="1970"), "epoch"),
        (lambda c: due_time(0.0, -5, c), "within_s"),
        (lambda c: due_time(0.0, 5, c, after_hours_s=-1), "after_hours_s"),
        (lambda c: due_time(0.0, 5, "cal"), "calendar"),  # type: ignore[arg-type]
        (lambda c: to_local(0.0, "Nowhere/City"), "timezone"),
        (lambda c: from_local("2026-01-01", PARIS), "local"),  # type: ignore[arg-type]
        (lambda c: c.is_open(1e12), "range"),
        (lambda c: c.add_business_seconds(253_402_300_000.0, 1e6), "range"),
        (lambda c: c.is_open(10**400), "t must be a finite number"),
        (lambda c: due_time(0.0, 10**400, c), "within_s must be a finite number"),
    ],
)
def test_bad_arguments_raise_invalid_argument(call: object, name: str) -> None:
    cal = BusinessCalendar.nine_to_five(PARIS)
    with pytest.raises(InvalidArgument, match=name):
        call(cal)  # type: ignore[operator]


# --------------------------------------------------------------------------- cost


def test_work_is_per_day_not_per_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = calmod._offset

    def counting(tz: object, u: int) -> int:
        nonlocal calls
        calls += 1
        return real(tz, u)  # type: ignore[arg-type]

    monkeypatch.setattr(calmod, "_offset", counting)
    cal = BusinessCalendar.nine_to_five(PARIS)
    start = at(PARIS, 2026, 1, 5, 9, 0)
    due = cal.add_business_seconds(start, 250 * 8 * H)  # about a year of business time
    days = (due - start) / 86400
    assert 340 < days < 370
    # three offset look-ups per day, plus two short bisections for the DST changes
    assert calls <= 3 * (days + 2) + 2 * 20
    calls = 0
    assert cal.business_seconds_between(start, due) == 250 * 8 * H
    assert calls <= 3 * (days + 2) + 2 * 20


# --------------------------------------------------------------------------- properties

ZONES = [
    "UTC",
    PARIS,
    NY,
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Santiago",  # changes at midnight
    "Asia/Kathmandu",  # +05:45, no DST
    "America/Havana",  # changes at midnight / 01:00
]
YEAR_2026 = 1_767_225_600  # 2026-01-01 00:00 UTC


@functools.cache
def transition_days(tz: str) -> tuple[int, ...]:
    """UTC day starts in 2026 on which ``tz`` changes its UTC offset."""
    zone = ZoneInfo(tz)
    days = []
    prev = datetime.fromtimestamp(YEAR_2026, zone).utcoffset()
    for k in range(1, 366):
        off = datetime.fromtimestamp(YEAR_2026 + k * 86400, zone).utcoffset()
        if off != prev:
            days.append(YEAR_2026 + (k - 1) * 86400)
        prev = off
    return tuple(days)


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    tz = draw(st.sampled_from(ZONES))
    hours: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        intervals = []
        for _ in range(draw(st.integers(0, 2))):
            start = draw(st.integers(0, 1439))
            length = draw(st.integers(1, 1440 - start))
            intervals.append([_hhmm(start), _hhmm(start + length)])
        if intervals:
            hours[day] = intervals
    assume(hours)
    holidays = draw(st.lists(st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=40))
    return BusinessCalendar(timezone=tz, hours=hours, holidays=holidays)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def minute_times(draw: st.DrawFn, tz: str) -> int:
    """A whole-minute Unix time in 2026, often in the week before a DST change."""
    days = transition_days(tz)
    if days and draw(st.booleans()):
        anchor = draw(st.sampled_from(days))
        return anchor + 60 * draw(st.integers(-6 * 1440, 2 * 1440))
    return YEAR_2026 + 60 * draw(st.integers(0, 350 * 1440))


def oracle_open(cal: BusinessCalendar, u: float) -> bool:
    """Independent reading of the rule: local wall time in an interval of its
    weekday, and the local date not a holiday."""
    wall = datetime.fromtimestamp(u, ZoneInfo(cal.timezone))
    if wall.date() in cal.holidays:
        return False
    minute = wall.hour * 60 + wall.minute
    for start, end in cal.hours.get(WEEKDAYS[wall.weekday()], ()):
        sh, sm = map(int, start.split(":"))
        eh, em = map(int, end.split(":"))
        if sh * 60 + sm <= minute < eh * 60 + em:
            return True
    return False


@settings(max_examples=60)
@given(data=st.data(), cal=calendars())
def test_agrees_with_minute_by_minute_oracle(data: st.DataObject, cal: BusinessCalendar) -> None:
    t = data.draw(minute_times(cal.timezone))
    week = 7 * 1440
    is_open = [oracle_open(cal, t + 60 * i) for i in range(week)]
    open_idx = [i for i, v in enumerate(is_open) if v]

    for i in data.draw(st.lists(st.integers(0, week - 1), min_size=20, max_size=20)):
        assert cal.is_open(t + 60 * i) is is_open[i], i
        assert cal.is_open(t + 60 * i + 59.5) is is_open[i], i

    for n in data.draw(st.lists(st.integers(0, week), min_size=3, max_size=3)):
        assert cal.business_seconds_between(t, t + 60 * n) == 60 * sum(is_open[:n])

    if open_idx:
        assert cal.next_open(t) == t + 60 * open_idx[0]
        k = data.draw(st.integers(1, len(open_idx)))
        j = open_idx[k - 1]
        assert cal.add_business_seconds(t, 60 * k) == t + 60 * (j + 1)
        assert cal.add_business_seconds(t, 60 * k - 30) == t + 60 * j + 30


times_2026 = st.floats(YEAR_2026, YEAR_2026 + 360 * 86400, allow_nan=False)
amounts = st.floats(0, 30 * 86400, allow_nan=False)


@settings(max_examples=150)
@given(cal=calendars(), t1=times_2026, t2=times_2026, s1=amounts, s2=amounts)
def test_monotone_and_inverse(
    cal: BusinessCalendar, t1: float, t2: float, s1: float, s2: float
) -> None:
    t1, t2 = sorted((t1, t2))
    s1, s2 = sorted((s1, s2))
    due = cal.add_business_seconds(t1, s1)
    assert due >= t1
    assert cal.add_business_seconds(t2, s1) >= due
    assert cal.add_business_seconds(t1, s2) >= due
    assert cal.business_seconds_between(t1, due) == pytest.approx(s1, abs=1e-6)
    assert cal.is_open(t1) == (cal.next_open(t1) == t1)
    assert cal.next_open(t1) >= t1
    mid = (t1 + t2) / 2
    total = cal.business_seconds_between(t1, t2)
    parts = cal.business_seconds_between(t1, mid) + cal.business_seconds_between(mid, t2)
    assert total == pytest.approx(parts, abs=1e-6)
    assert 0 <= total <= t2 - t1 + 1e-6


@settings(max_examples=100)
@given(
    cal=calendars(),
    arrival=times_2026,
    within=st.floats(1, 10 * 86400),
    after=st.none() | st.floats(1, 10 * 86400),
)
def test_due_time_properties(
    cal: BusinessCalendar, arrival: float, within: float, after: float | None
) -> None:
    due = due_time(arrival, within, cal, after)
    assert due >= arrival
    if cal.is_open(arrival):
        assert cal.business_seconds_between(arrival, due) == pytest.approx(within, abs=1e-6)
    elif after is not None:
        assert due == arrival + after
    else:
        start = cal.next_open(arrival)
        assert cal.business_seconds_between(start, due) == pytest.approx(within, abs=1e-6)
        assert cal.business_seconds_between(arrival, due) == pytest.approx(within, abs=1e-6)


@settings(max_examples=100)
@given(
    tz=st.sampled_from(ZONES),
    wall=st.datetimes(datetime(2025, 1, 1), datetime(2028, 1, 1)),
    fold=st.integers(0, 1),
)
def test_from_local_inverts_to_local(tz: str, wall: datetime, fold: int) -> None:
    t = from_local(wall.replace(fold=fold), tz)
    back = to_local(t, tz).replace(tzinfo=None)
    if back.replace(fold=0) == wall:
        return
    # a wall time in a gap maps to the first instant after the gap
    assert back > wall
    assert to_local(t - 1, tz).replace(tzinfo=None) < wall
