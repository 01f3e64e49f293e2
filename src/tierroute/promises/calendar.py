"""Business calendars: when a promise's clock runs.

Premium and Elite customers are sold promises such as "first response within 60
minutes in business hours, 4 hours after hours" or "status updates every 8
business hours". A :class:`BusinessCalendar` says which instants are business
time; its methods move through router time counting only open time.

**Router time.** The router's time is a float of seconds. A calendar maps it to
wall-clock time through an ``epoch``: router time ``t`` is the instant
``epoch + t seconds``. The epoch is a timezone-aware :class:`~datetime.datetime`
and defaults to :data:`UNIX_EPOCH` (1970-01-01 00:00 UTC), so by default router
time is a Unix timestamp. Durations are always real elapsed seconds.

**Opening hours are wall-clock hours.** An instant is open when its local wall
time (in the calendar's ``timezone``) falls in one of the opening intervals of its
local weekday, and its local date is not a holiday. Around daylight-saving changes
this reads as follows:

* *Spring forward* (the gap): wall times that do not exist that day are never
  shown, so they are never open. A day whose hours are ``00:00``–``24:00`` lasts
  23 h; an interval ``02:30``–``03:30`` on the Paris spring-forward day (02:00
  jumps to 03:00) opens at 03:00 and lasts 30 minutes. A wall time in the gap, as
  a boundary or in :func:`from_local`, stands for the first instant after the
  gap.
* *Fall back* (the overlap): a repeated wall time is open each time it is shown.
  A ``00:00``–``24:00`` day lasts 25 h; an interval ``01:15``–``01:45`` in New
  York on the fall-back day (01:00–02:00 is shown twice) is open twice, 1 h in
  all.
* Hours that do not touch the change (``09:00``–``17:00`` in Europe and North
  America, where clocks change at night) keep their length: 8 business hours
  are 8 real hours.

**Complexity.** Every method works day by day: it costs O(d × k) where d is the
number of days spanned and k the number of opening intervals per day, with a few
time-zone look-ups per day (one short bisection on the days a zone changes its
offset) and no per-second or per-minute loop. Nothing is precomputed or cached
globally.

>>> cal = BusinessCalendar.nine_to_five("Europe/Paris")
>>> friday = from_local(datetime(2026, 11, 13, 16, 30), "Europe/Paris")
>>> due = cal.add_business_seconds(friday, 3600)   # 30 min Friday, 30 min Monday
>>> to_local(due, "Europe/Paris").isoformat()
'2026-11-16T09:30:00+01:00'
>>> cal.business_seconds_between(friday, due)
3600.0
"""

from __future__ import annotations

import contextlib
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from tierroute._args import finite_number
from tierroute.errors import InvalidArgument, PolicyError

__all__ = [
    "UNIX_EPOCH",
    "WEEKDAYS",
    "BusinessCalendar",
    "PromiseClock",
    "Weekday",
    "due_time",
    "from_local",
    "to_local",
]

#: The default epoch: router time 0 is 1970-01-01 00:00 UTC (router time = Unix time).
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

#: Weekday names in order, Monday first (``date.weekday()`` indexes this tuple).
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_DAY = 86_400
_HALF_DAY = 43_200
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NAIVE_EPOCH = datetime(1970, 1, 1)
_FULL_NAMES = {
    "monday": "mon",
    "tuesday": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


# --------------------------------------------------------------------------- helpers


def _check_number(value: object, name: str) -> float:
    """``value`` as a finite float by the shared rule
    (:func:`tierroute._args.finite_number`); numpy numbers and fractions (any
    :class:`numbers.Real`) are converted to a float first.

    >>> _check_number(10**400, "t")
    Traceback (most recent call last):
    ...
    tierroute.errors.InvalidArgument: t must be a finite number, got 1000...000 (401 digits)
    """
    if isinstance(value, numbers.Real) and not isinstance(value, int | float):
        with contextlib.suppress(OverflowError):  # beyond the float range: refused below
            value = float(value)
    return finite_number(value, name)


def _check_duration(value: object, name: str) -> float:
    result = _check_number(value, name)
    if result < 0:
        raise InvalidArgument(f"{name} must be >= 0, got {value!r}")
    return result


def _epoch_seconds(epoch: object) -> float:
    """Unix time of ``epoch`` (an aware datetime)."""
    if not isinstance(epoch, datetime):
        raise InvalidArgument(f"epoch must be a timezone-aware datetime, got {epoch!r}")
    if epoch.tzinfo is None or epoch.utcoffset() is None:
        raise InvalidArgument(f"epoch must be timezone-aware, got naive {epoch!r}")
    return epoch.timestamp()


def _zone(timezone: object, name: str = "timezone") -> tzinfo:
    """The tzinfo for an IANA name, a :class:`BusinessCalendar` or a tzinfo."""
    if isinstance(timezone, BusinessCalendar):
        return timezone.tz
    if isinstance(timezone, tzinfo):
        return timezone
    if isinstance(timezone, str):
        try:
            return ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidArgument(
                f"{name} must be an IANA time zone name such as 'Europe/Paris', got {timezone!r}"
            ) from None
    raise InvalidArgument(
        f"{name} must be an IANA time zone name or a BusinessCalendar, got {timezone!r}"
    )


def _offset(tz: tzinfo, u: int) -> int:
    """UTC offset in whole seconds of ``tz`` at Unix second ``u``."""
    off = datetime.fromtimestamp(u, tz).utcoffset()
    return 0 if off is None else off // timedelta(seconds=1)


def _offset_pieces(tz: tzinfo, day: int) -> list[tuple[int, int, int]]:
    """Split the UTC day ``[day, day + 86400)`` into ``(start, end, offset)`` pieces
    of constant UTC offset.

    The offset is sampled at the start, middle and last second of the day; where
    two samples differ, a bisection over whole seconds (zone transitions fall on
    whole seconds) finds the change. tzdata never changes offset twice within two
    days, so three samples see every change.
    """
    samples = (day, day + _HALF_DAY, day + _DAY - 1)
    offsets = [_offset(tz, s) for s in samples]
    pieces: list[tuple[int, int, int]] = []
    start = lo = day
    current = offsets[0]
    for i in (1, 2):
        while current != offsets[i]:  # a change in (lo, samples[i]]; offset(lo) == current
            hi = samples[i]
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset(tz, mid) == current:
                    lo = mid
                else:
                    hi = mid
            pieces.append((start, hi, current))
            start = lo = hi
            current = _offset(tz, hi)
        lo = samples[i]
    pieces.append((start, day + _DAY, current))
    return pieces


def _day_of(u: float) -> int:
    """Start (Unix seconds) of the UTC day holding ``u``."""
    return math.floor(u / _DAY) * _DAY


def _wall_seconds(naive: datetime) -> float:
    """Seconds from 1970-01-01 00:00 to the wall time ``naive`` (no time zone)."""
    return (naive - _NAIVE_EPOCH) / timedelta(seconds=1)


def _wall_to_unix(tz: tzinfo, naive: datetime) -> float:
    """Unix time at which the clocks of ``tz`` show ``naive``.

    A repeated wall time (fall back) gives its first occurrence when
    ``naive.fold == 0`` and its second when ``naive.fold == 1``; a wall time that
    does not exist (spring forward) gives the first instant after the gap.
    """
    wall = _wall_seconds(naive.replace(fold=0))
    candidates: list[float] = []
    for fold in (0, 1):
        off = naive.replace(tzinfo=tz, fold=fold).utcoffset()
        off_s = 0 if off is None else off // timedelta(seconds=1)
        u = wall - off_s
        if _offset(tz, math.floor(u)) == off_s:
            candidates.append(u)
    if candidates:
        candidates.sort()
        return candidates[-1] if naive.fold == 1 else candidates[0]
    # In the gap: the transition lies between the two readings; find it.
    readings = []
    for fold in (0, 1):
        off = naive.replace(tzinfo=tz, fold=fold).utcoffset()
        readings.append(wall - (0 if off is None else off // timedelta(seconds=1)))
    lo, hi = math.floor(min(readings)), math.ceil(max(readings))
    before = _offset(tz, lo)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(tz, mid) == before:
            lo = mid
        else:
            hi = mid
    return float(hi)


def _range_error(exc: Exception, what: str) -> InvalidArgument:
    return InvalidArgument(f"{what} is outside the range of dates this calendar handles ({exc})")


def to_local(
    t: float, timezone: str | tzinfo | BusinessCalendar = "UTC", *, epoch: datetime = UNIX_EPOCH
) -> datetime:
    """The aware local datetime of router time ``t``.

    Args:
        t: Router time in seconds.
        timezone: IANA time-zone name, tzinfo or :class:`BusinessCalendar`.
        epoch: The instant of router time 0.

    Returns:
        A timezone-aware datetime in ``timezone`` (``fold`` set on a repeated hour).

    >>> to_local(0.0, "America/New_York").isoformat()
    '1969-12-31T19:00:00-05:00'
    """
    tz = _zone(timezone)
    u = _epoch_seconds(epoch) + _check_number(t, "t")
    try:
        return datetime.fromtimestamp(u, tz)
    except (OverflowError, OSError, ValueError) as exc:
        raise _range_error(exc, f"t={t!r}") from None


def from_local(
    local: datetime,
    timezone: str | tzinfo | BusinessCalendar = "UTC",
    *,
    epoch: datetime = UNIX_EPOCH,
) -> float:
    """Router time of a wall-clock time.

    A naive ``local`` is read in ``timezone``; an aware one in its own time zone
    (``timezone`` is then ignored). DST is handled explicitly: a wall time that
    occurs twice (fall back) gives its first occurrence, or the second when
    ``local.fold == 1``; a wall time that does not exist (spring forward) gives
    the first instant after the gap, the same rule the calendar applies to
    opening hours.

    Args:
        local: Wall-clock time.
        timezone: IANA time-zone name, tzinfo or :class:`BusinessCalendar`.
        epoch: The instant of router time 0.

    Returns:
        Router seconds.

    >>> from_local(datetime(2026, 3, 29, 2, 30), "Europe/Paris")  # no 02:30 that day
    1774746000.0
    >>> to_local(1774746000.0, "Europe/Paris").isoformat()
    '2026-03-29T03:00:00+02:00'
    >>> a = from_local(datetime(2026, 11, 1, 1, 30), "America/New_York")
    >>> b = from_local(datetime(2026, 11, 1, 1, 30, fold=1), "America/New_York")
    >>> b - a
    3600.0
    """
    if not isinstance(local, datetime):
        raise InvalidArgument(f"local must be a datetime, got {local!r}")
    if local.tzinfo is not None:
        tz: tzinfo = local.tzinfo
        naive = local.replace(tzinfo=None)
    else:
        tz, naive = _zone(timezone), local
    e = _epoch_seconds(epoch)
    try:
        return _wall_to_unix(tz, naive) - e
    except (OverflowError, OSError, ValueError) as exc:
        raise _range_error(exc, f"local={local!r}") from None


# --------------------------------------------------------------------------- models


def _policy_error(exc: ValidationError, what: str) -> PolicyError:
    """A :class:`PolicyError` naming each bad field of a pydantic error."""
    problems = []
    first = None
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"])
        first = first or loc or None
        msg = str(err["msg"]).removeprefix("Value error, ")
        value = err.get("input")
        plain = err["type"] == "value_error" or isinstance(value, Mapping)
        shown = "" if plain else f" (got {value!r})"
        problems.append(f"{loc}: {msg}{shown}" if loc else f"{msg}{shown}")
    return PolicyError(f"invalid {what}: " + "; ".join(problems), location=first)


class _Model(BaseModel):
    """Frozen pydantic model whose invalid values raise :class:`PolicyError`."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _policy_error(exc, type(self).__name__) from None

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        """Validate ``obj``; invalid values raise :class:`PolicyError`."""
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise _policy_error(exc, cls.__name__) from None

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update``, validated like a new model (so derived lookup
        tables follow the new values, and invalid values raise :class:`PolicyError`)."""
        if update:
            return self.model_validate({**self.model_dump(), **update})
        return super().model_copy(deep=deep)


def _parse_time(value: object, *, end: bool) -> int:
    """Seconds after local midnight of ``"HH:MM"``, ``"HH:MM:SS"`` or a time;
    ``"24:00"`` is allowed as an end."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError(f"opening times are local wall times, got aware {value!r}")
        return value.hour * 3600 + value.minute * 60 + value.second
    if isinstance(value, str):
        m = _TIME_RE.match(value.strip())
        if m:
            h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
            total = h * 3600 + mi * 60 + s
            if mi < 60 and s < 60 and (total < _DAY or (end and total == _DAY)):
                return total
    raise ValueError(f"expected a local time 'HH:MM' (00:00 to 24:00), got {value!r}")


def _format_time(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def _weekday(value: object) -> Weekday:
    if isinstance(value, str):
        key = value.strip().lower()
        key = _FULL_NAMES.get(key, key)
        for day in WEEKDAYS:
            if day == key:
                return day
    raise ValueError(f"weekdays are named mon, tue, wed, thu, fri, sat, sun; got {value!r}")


def _intervals(day: str, value: object) -> list[tuple[int, int]]:
    """Parse one weekday's intervals: a list of ``[start, end]`` pairs, one pair,
    or ``"HH:MM-HH:MM"`` strings."""
    if isinstance(value, str):
        items: list[object] = [value]
    elif (
        isinstance(value, Sequence)
        and len(value) == 2
        and all(isinstance(v, str | time) and not (isinstance(v, str) and "-" in v) for v in value)
    ):
        items = [value]
    elif isinstance(value, Iterable):
        items = list(value)
    else:
        raise ValueError(f"hours.{day} must be a list of [start, end] pairs, got {value!r}")
    out = []
    for item in items:
        pair: Sequence[object]
        if isinstance(item, str):
            pair = item.split("-")
        elif isinstance(item, Sequence):
            pair = item
        else:
            raise ValueError(f"hours.{day}: expected [start, end], got {item!r}")
        if len(pair) != 2:
            raise ValueError(f"hours.{day}: expected [start, end], got {item!r}")
        start, stop = _parse_time(pair[0], end=False), _parse_time(pair[1], end=True)
        if stop <= start:
            raise ValueError(
                f"hours.{day}: interval {item!r} ends before it starts; "
                "split an overnight shift across two days (e.g. 22:00-24:00 and 00:00-06:00)"
            )
        out.append((start, stop))
    return out


def _merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged


class BusinessCalendar(_Model):
    """Weekly opening hours and holidays in one time zone.

    Attributes:
        timezone: IANA time-zone name the hours are read in. Default ``"UTC"``.
        hours: Weekday (``mon`` … ``sun``; full names and any case accepted) →
            opening intervals ``[start, end]`` in local wall time, ``"HH:MM"`` or
            ``"HH:MM:SS"``; ``end`` may be ``"24:00"``. An interval may also be
            written ``"09:00-17:00"``. Overlapping intervals are merged; days not
            listed are closed. Stored normalised (sorted, merged, as strings).
        holidays: Local dates closed all day (ISO strings accepted). Stored sorted
            and without duplicates.
        always_open: Open every second (24/7, holidays included). Takes no
            ``hours`` or ``holidays``; for "24/7 except holidays" give every day
            ``00:00``–``24:00`` and the holidays.

    Instead of ``hours``, the shorthand ``days`` (default Monday to Friday),
    ``open`` and ``close`` gives the same interval on each of ``days``.

    Invalid values raise :class:`~tierroute.errors.PolicyError` (an
    :class:`~tierroute.errors.InvalidArgument`) naming the field.

    >>> cal = BusinessCalendar(timezone="America/New_York", open="08:00", close="20:00",
    ...                        days=["mon", "tue", "wed", "thu", "fri", "sat"])
    >>> cal.hours["sat"]
    (('08:00', '20:00'),)
    >>> BusinessCalendar(hours={"mon": [["09:00", "12:00"], ["11:00", "17:00"]]}).hours
    {'mon': (('09:00', '17:00'),)}
    >>> BusinessCalendar(timezone="Mars/Olympus_Mons", always_open=True)
    Traceback (most recent call last):
    ...
    tierroute.errors.PolicyError: invalid BusinessCalendar: timezone: must be an IANA time zone name such as 'Europe/Paris', got 'Mars/Olympus_Mons'
    """  # noqa: E501

    timezone: str = "UTC"
    hours: dict[Weekday, tuple[tuple[str, str], ...]] = Field(default_factory=dict)
    holidays: tuple[date, ...] = ()
    always_open: bool = False

    _tz: tzinfo = PrivateAttr(default=UTC)
    _table: tuple[tuple[tuple[int, int], ...], ...] = PrivateAttr(default=())
    _closed: frozenset[date] = PrivateAttr(default=frozenset())

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or not {"days", "open", "close"} & data.keys():
            return data
        data = dict(data)
        if "hours" in data:
            raise ValueError("give either hours or the days/open/close shorthand, not both")
        if "open" not in data or "close" not in data:
            raise ValueError("the shorthand needs both open and close (e.g. '09:00', '17:00')")
        days = data.pop("days", WEEKDAYS[:5])
        opening, closing = data.pop("open"), data.pop("close")
        if isinstance(days, str) or not isinstance(days, Iterable):
            raise ValueError(f"days must be a list of weekday names, got {days!r}")
        data["hours"] = {day: [[opening, closing]] for day in days}
        return data

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"must be an IANA time zone name such as 'Europe/Paris', got {value!r}"
            ) from None
        return value

    @field_validator("hours", mode="before")
    @classmethod
    def _normalise_hours(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        table: dict[Weekday, list[tuple[int, int]]] = {}
        for key, spec in value.items():
            day = _weekday(key)
            if day in table:
                raise ValueError(f"weekday {day!r} is given twice")
            table[day] = _merge(_intervals(day, spec))
        return {
            day: tuple((_format_time(a), _format_time(b)) for a, b in table[day])
            for day in WEEKDAYS
            if table.get(day)
        }

    @field_validator("holidays")
    @classmethod
    def _normalise_holidays(cls, value: tuple[date, ...]) -> tuple[date, ...]:
        return tuple(sorted(set(value)))

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.always_open and (self.hours or self.holidays):
            raise ValueError(
                "always_open=True takes no hours or holidays; for 24/7 except holidays "
                "give every day 00:00-24:00 and the holidays"
            )
        if not self.always_open and not self.hours:
            raise ValueError(
                "the calendar is never open: give hours (or days/open/close), or always_open=True"
            )
        return self

    def model_post_init(self, _context: Any, /) -> None:
        """Build the lookup tables (private; the model stays frozen)."""
        self._tz = ZoneInfo(self.timezone)
        self._table = tuple(
            tuple(
                (_parse_time(a, end=False), _parse_time(b, end=True))
                for a, b in self.hours.get(day, ())
            )
            for day in WEEKDAYS
        )
        self._closed = frozenset(self.holidays)

    def __hash__(self) -> int:
        return hash((self.timezone, tuple(self.hours.items()), self.holidays, self.always_open))

    # ----------------------------------------------------------------- constructors

    @classmethod
    def always(cls, tz: str = "UTC") -> BusinessCalendar:
        """A 24/7 calendar (``tz`` matters only for local-time helpers).

        >>> BusinessCalendar.always().is_open(123.0)
        True
        """
        return cls(timezone=tz, always_open=True)

    @classmethod
    def nine_to_five(cls, tz: str = "UTC", holidays: Iterable[date | str] = ()) -> BusinessCalendar:
        """Monday to Friday, 09:00 to 17:00 local time, closed on ``holidays``.

        >>> BusinessCalendar.nine_to_five("Europe/Paris", ["2026-12-25"]).holidays
        (datetime.date(2026, 12, 25),)
        """
        return cls.model_validate(
            {"timezone": tz, "open": "09:00", "close": "17:00", "holidays": tuple(holidays)}
        )

    # ----------------------------------------------------------------- queries

    @property
    def tz(self) -> tzinfo:
        """The calendar's time zone as a tzinfo."""
        return self._tz

    def _segments(self, day: int) -> list[tuple[int, int]]:
        """Open intervals ``[a, b)`` (Unix seconds, sorted, merged) inside the UTC
        day ``[day, day + 86400)``.

        Within each piece of constant UTC offset, wall time is Unix time plus the
        offset, so an opening interval's wall times map back to instants by
        subtracting it; this gives the wall-clock semantics (gaps never open,
        repeated hours open twice) without special cases. O(k) per local day
        touched (at most three).
        """
        out: list[tuple[int, int]] = []
        for a, b, off in _offset_pieces(self._tz, day):
            wall_a, wall_b = a + off, b + off
            for k in range(wall_a // _DAY, (wall_b - 1) // _DAY + 1):
                local_day = date.fromordinal(_EPOCH_ORDINAL + k)
                if local_day in self._closed:
                    continue
                base = k * _DAY
                for start, stop in self._table[local_day.weekday()]:
                    lo, hi = max(wall_a, base + start), min(wall_b, base + stop)
                    if lo < hi:
                        out.append((lo - off, hi - off))
        return _merge(out)

    def is_open(self, t: float, *, epoch: datetime = UNIX_EPOCH) -> bool:
        """Whether router time ``t`` is business time.

        O(k) (one day's intervals).

        Args:
            t: Router time in seconds.
            epoch: The instant of router time 0.

        >>> cal = BusinessCalendar.nine_to_five("Europe/Paris")
        >>> cal.is_open(from_local(datetime(2026, 11, 13, 16, 59), cal))
        True
        >>> cal.is_open(from_local(datetime(2026, 11, 14, 10, 0), cal))  # Saturday
        False
        """
        u = _epoch_seconds(epoch) + _check_number(t, "t")
        if self.always_open:
            return True
        try:
            return any(a <= u < b for a, b in self._segments(_day_of(u)))
        except (OverflowError, OSError, ValueError) as exc:
            raise _range_error(exc, f"t={t!r}") from None

    def next_open(self, t: float, *, epoch: datetime = UNIX_EPOCH) -> float:
        """The first business instant at or after ``t`` (``t`` itself when open).

        O(d × k) for d days until the next opening.

        Args:
            t: Router time in seconds.
            epoch: The instant of router time 0.

        Returns:
            Router time of the next opening.

        >>> cal = BusinessCalendar.nine_to_five("Europe/Paris", holidays=["2026-11-16"])
        >>> friday_evening = from_local(datetime(2026, 11, 13, 18, 0), cal)
        >>> to_local(cal.next_open(friday_evening), cal).isoformat()  # Monday is a holiday
        '2026-11-17T09:00:00+01:00'
        """
        t = _check_number(t, "t")
        e = _epoch_seconds(epoch)
        if self.always_open:
            return t
        u = e + t
        day = _day_of(u)
        try:
            while True:
                for a, b in self._segments(day):
                    if b > u:
                        return t if a <= u else max(t, a - e)
                day += _DAY
        except (OverflowError, OSError, ValueError) as exc:
            raise _range_error(exc, f"next opening after t={t!r}") from None

    def add_business_seconds(
        self, t: float, seconds: float, *, epoch: datetime = UNIX_EPOCH
    ) -> float:
        """The due time ``seconds`` of business time after ``t``.

        This is the earliest instant ``x >= t`` such that
        ``business_seconds_between(t, x) == seconds``: time only runs while the
        calendar is open, across nights, weekends, holidays and DST changes. A
        closed ``t`` starts counting at the next opening; a due time that falls
        exactly at a closing is that closing (not the next opening);
        ``seconds == 0`` gives ``t``. Monotone in ``t`` and in ``seconds``.

        O(d × k) for d days spanned.

        Args:
            t: Router time in seconds.
            seconds: Business seconds to add (>= 0).
            epoch: The instant of router time 0.

        Returns:
            Router time of the due instant.

        Raises:
            InvalidArgument: ``t`` or ``seconds`` is not a finite number, or
                ``seconds`` < 0.

        >>> cal = BusinessCalendar(timezone="America/New_York", open="09:00", close="18:00")
        >>> friday = from_local(datetime(2026, 11, 13, 17, 59), cal)
        >>> to_local(cal.add_business_seconds(friday, 3600), cal).isoformat()
        '2026-11-16T09:59:00-05:00'
        >>> cal.add_business_seconds(friday, -1)
        Traceback (most recent call last):
        ...
        tierroute.errors.InvalidArgument: seconds must be >= 0, got -1
        """
        t = _check_number(t, "t")
        remaining = _check_duration(seconds, "seconds")
        e = _epoch_seconds(epoch)
        if self.always_open or remaining == 0:
            return t + remaining
        u = e + t
        day = _day_of(u)
        try:
            while True:
                for a, b in self._segments(day):
                    if b <= u:
                        continue
                    start = max(a, u)
                    length = b - start
                    if remaining <= length:
                        return max(t, start + remaining - e)
                    remaining -= length
                day += _DAY
        except (OverflowError, OSError, ValueError) as exc:
            raise _range_error(exc, f"due time of t={t!r} + {seconds!r} business seconds") from None

    def business_seconds_between(
        self, a: float, b: float, *, epoch: datetime = UNIX_EPOCH
    ) -> float:
        """Business seconds from ``a`` to ``b``; negative when ``b < a``.

        O(d × k) for d days spanned.

        Args:
            a: Router time in seconds.
            b: Router time in seconds.
            epoch: The instant of router time 0.

        >>> cal = BusinessCalendar.nine_to_five("America/New_York")
        >>> monday = from_local(datetime(2026, 11, 16, 0, 0), cal)
        >>> cal.business_seconds_between(monday, monday + 7 * 86400) / 3600
        40.0
        """
        a = _check_number(a, "a")
        b = _check_number(b, "b")
        e = _epoch_seconds(epoch)
        if b < a:
            return -self.business_seconds_between(b, a, epoch=epoch)
        if self.always_open:
            return b - a
        ua, ub = e + a, e + b
        total = 0.0
        day = _day_of(ua)
        try:
            while day < ub:
                for lo, hi in self._segments(day):
                    lo_c, hi_c = max(lo, ua), min(hi, ub)
                    if lo_c < hi_c:
                        total += hi_c - lo_c
                day += _DAY
        except (OverflowError, OSError, ValueError) as exc:
            raise _range_error(exc, f"a={a!r} or b={b!r}") from None
        return total


# --------------------------------------------------------------------------- promises


def due_time(
    arrival: float,
    within_s: float,
    calendar: BusinessCalendar,
    after_hours_s: float | None = None,
    *,
    epoch: datetime = UNIX_EPOCH,
) -> float:
    """Due time of a promise "``within_s`` in business hours, ``after_hours_s``
    after hours".

    The rule, decided once at ``arrival``:

    1. ``calendar`` open at ``arrival``:
       ``calendar.add_business_seconds(arrival, within_s)`` — the clock runs only
       in business time, so a contact arriving a minute before closing carries
       the rest over to the next opening.
    2. Closed at ``arrival`` and ``after_hours_s`` given:
       ``arrival + after_hours_s`` — real elapsed seconds, whatever the calendar
       (a "4 h after hours" promise). Across a DST change this is still real
       time: a 24 h promise made at noon on the Saturday before a spring-forward
       Sunday (a 23 h day) falls due on Sunday at 13:00 local time.
    3. Closed at ``arrival`` and no ``after_hours_s``: ``within_s`` of business
       time counted from the next opening,
       ``calendar.add_business_seconds(calendar.next_open(arrival), within_s)``.

    The after-hours figure is not capped by rule 3: a contact arriving at 08:59
    with "60 min in hours, 4 h after hours" is due at 12:59.

    Args:
        arrival: Router time the contact arrived.
        within_s: Business-hours promise in seconds (>= 0).
        calendar: When business hours are.
        after_hours_s: After-hours promise in real seconds (>= 0), or ``None``.
        epoch: The instant of router time 0.

    Returns:
        Router time the promise falls due (>= ``arrival``).

    >>> cal = BusinessCalendar.nine_to_five("Europe/Paris")
    >>> saturday = from_local(datetime(2026, 11, 14, 10, 0), cal)
    >>> due_time(saturday, 3600, cal, after_hours_s=4 * 3600) - saturday
    14400.0
    >>> to_local(due_time(saturday, 3600, cal), cal).isoformat()
    '2026-11-16T10:00:00+01:00'
    """
    arrival = _check_number(arrival, "arrival")
    within = _check_duration(within_s, "within_s")
    if not isinstance(calendar, BusinessCalendar):
        raise InvalidArgument(f"calendar must be a BusinessCalendar, got {calendar!r}")
    after = None if after_hours_s is None else _check_duration(after_hours_s, "after_hours_s")
    if calendar.is_open(arrival, epoch=epoch):
        return calendar.add_business_seconds(arrival, within, epoch=epoch)
    if after is not None:
        return arrival + after
    return calendar.add_business_seconds(
        calendar.next_open(arrival, epoch=epoch), within, epoch=epoch
    )


class PromiseClock(_Model):
    """A response promise bound to a calendar: "``within_s`` in business hours,
    ``after_hours_s`` after hours". See :func:`due_time` for the rule.

    Attributes:
        within_s: Business-hours promise in seconds (> 0).
        after_hours_s: After-hours promise in real seconds (> 0), or ``None`` to
            count business time from the next opening.
        calendar: Business hours; default 24/7.

    >>> premium = PromiseClock(within_s=3600, after_hours_s=4 * 3600,
    ...                        calendar=BusinessCalendar.nine_to_five("Europe/Paris"))
    >>> monday = from_local(datetime(2026, 11, 16, 16, 30), "Europe/Paris")
    >>> to_local(premium.due(monday), "Europe/Paris").isoformat()
    '2026-11-17T09:30:00+01:00'
    >>> premium.breached(monday, monday + 3600)
    False
    >>> elite = PromiseClock(within_s=3600)  # 60 min, 24/7
    >>> elite.due(monday) - monday
    3600.0
    """

    within_s: float = Field(gt=0)
    after_hours_s: float | None = Field(default=None, gt=0)
    calendar: BusinessCalendar = Field(default_factory=BusinessCalendar.always)

    def due(self, arrival: float, *, epoch: datetime = UNIX_EPOCH) -> float:
        """Router time the promise for a contact arriving at ``arrival`` falls due."""
        return due_time(arrival, self.within_s, self.calendar, self.after_hours_s, epoch=epoch)

    def breached(self, arrival: float, at: float, *, epoch: datetime = UNIX_EPOCH) -> bool:
        """Whether a response (or a still-open contact) at ``at`` misses the promise:
        ``at`` is strictly after the due time."""
        return _check_number(at, "at") > self.due(arrival, epoch=epoch)
