"""Times and durations as scenario files write them.

A *clock time* is seconds since midnight, written as a number or ``"HH:MM"`` /
``"HH:MM:SS"``; a *duration* is seconds, written as a number or as text with units
(``"90s"``, ``"30m"``, ``"1h30m"``, ``"2d"``). Text always needs a unit: on a
command line, where every value is text, ``--interval 15`` could mean minutes as
well as seconds, so it is refused with a suggestion.

>>> parse_clock("08:30"), parse_duration("1h30m"), parse_duration(45)
(30600.0, 5400.0, 45.0)
>>> format_clock(30600.0), format_clock(93600.0)
('08:30', '1d+02:00')
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from tierroute._args import _show, finite_time
from tierroute.errors import InvalidArgument

__all__ = ["ClockTime", "Duration", "format_clock", "parse_clock", "parse_duration"]

_CLOCK = re.compile(r"^\s*(\d{1,3}):([0-5]\d)(?::([0-5]\d(?:\.\d+)?))?\s*$")
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)")
_PLAIN = re.compile(r"^\d+(?:\.\d+)?$")
_UNIT = {"d": 86_400.0, "h": 3_600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_clock(value: Any, name: str = "time of day") -> float:
    """Seconds since midnight from a number or ``"HH:MM[:SS]"``.

    Args:
        value: The number or text.
        name: What to call it in an error message (a field or an option).

    Raises:
        InvalidArgument: Anything else (a ``ValueError``); numbers follow the shared
            rule for times (:func:`tierroute._args.finite_time`).
    """
    if isinstance(value, int | float):  # a bool too: the shared rule refuses it
        return finite_time(value, name)
    if isinstance(value, str):
        m = _CLOCK.match(value)
        if m:
            hours, minutes, seconds = m.groups()
            return int(hours) * 3600.0 + int(minutes) * 60.0 + float(seconds or 0.0)
    raise InvalidArgument(f"{name} must be written like '08:30' or in seconds, got {_show(value)}")


def parse_duration(value: Any, name: str = "duration") -> float:
    """Seconds from a number or a string with units (``"1h30m"``, ``"90s"``).

    >>> parse_duration("1h30m"), parse_duration("1800s"), parse_duration(20)
    (5400.0, 1800.0, 20.0)
    >>> parse_duration("15", "--interval")
    Traceback (most recent call last):
    ...
    tierroute.errors.InvalidArgument: --interval needs a unit: write '15s', '15m' or '15h'

    Args:
        value: The number or text.
        name: What to call it in an error message (a field or an option).

    Raises:
        InvalidArgument: Anything else (a ``ValueError``), text without a unit
            included; numbers, written or spelled out, follow the shared rule for
            times (:func:`tierroute._args.finite_time`).
    """
    if isinstance(value, int | float):  # a bool too: the shared rule refuses it
        return finite_time(value, name)
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if _PLAIN.match(text):
            if len(text) > 12:
                raise InvalidArgument(f"{name} needs a unit (s, m, h, d), got {_show(value)}")
            raise InvalidArgument(f"{name} needs a unit: write '{text}s', '{text}m' or '{text}h'")
        parts = _PART.findall(text)
        if parts and "".join(a + b for a, b in parts) == text:
            # "1" + 400 zeros + "s" parses as inf: the shared rule refuses it
            return finite_time(sum(float(a) * _UNIT[b] for a, b in parts), name)
    raise InvalidArgument(
        f"{name} must be written like '30m', '1h30m' or '90s', got {_show(value)}"
    )


def format_clock(seconds: float) -> str:
    """``"HH:MM"`` (with a ``"Nd+"`` prefix past midnight) of a clock time."""
    days, rest = divmod(round(seconds), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")
    return f"{days}d+{text}" if days else text


ClockTime = Annotated[
    float,
    BeforeValidator(parse_clock),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^\d{1,3}:[0-5]\d(:[0-5]\d(\.\d+)?)?$"},
            ],
            "description": "Time of day: seconds since midnight or 'HH:MM[:SS]'.",
        }
    ),
]
"""A time of day in seconds since midnight."""

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^(\d+(\.\d+)?(ms|d|h|m|s))+$"},
            ],
            "description": "Seconds, or a string with units: '90s', '30m', '1h30m'.",
        }
    ),
]
"""A duration in seconds."""
