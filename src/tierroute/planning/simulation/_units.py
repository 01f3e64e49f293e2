"""Times and durations as scenario files write them.

A *clock time* is seconds since midnight, written as a number or ``"HH:MM"`` /
``"HH:MM:SS"``; a *duration* is seconds, written as a number or with units
(``"90s"``, ``"30m"``, ``"1h30m"``, ``"2d"``).

>>> parse_clock("08:30"), parse_duration("1h30m"), parse_duration(45)
(30600.0, 5400.0, 45.0)
>>> format_clock(30600.0), format_clock(93600.0)
('08:30', '1d+02:00')
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

__all__ = ["ClockTime", "Duration", "format_clock", "parse_clock", "parse_duration"]

_CLOCK = re.compile(r"^\s*(\d{1,3}):([0-5]\d)(?::([0-5]\d(?:\.\d+)?))?\s*$")
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)")
_PLAIN = re.compile(r"^\d+(?:\.\d+)?$")
_UNIT = {"d": 86_400.0, "h": 3_600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"must be a finite number >= 0, got {value!r}")
        return float(value)
    return None


def parse_clock(value: Any) -> float:
    """Seconds since midnight from a number or ``"HH:MM[:SS]"``.

    Raises:
        ValueError: Anything else.
    """
    n = _number(value)
    if n is not None:
        return n
    if isinstance(value, str):
        m = _CLOCK.match(value)
        if m:
            hours, minutes, seconds = m.groups()
            return int(hours) * 3600.0 + int(minutes) * 60.0 + float(seconds or 0.0)
    raise ValueError(f"expected a time of day like '08:30' or seconds, got {value!r}")


def parse_duration(value: Any) -> float:
    """Seconds from a number or a string with units (``"1h30m"``, ``"90s"``) or
    without (``"1800"``).

    >>> parse_duration("1h30m"), parse_duration("1800"), parse_duration(20)
    (5400.0, 1800.0, 20.0)

    Raises:
        ValueError: Anything else.
    """
    n = _number(value)
    if n is not None:
        return n
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if _PLAIN.match(text):  # a bare number on the command line means seconds
            return float(text)
        parts = _PART.findall(text)
        if parts and "".join(a + b for a, b in parts) == text:
            return sum(float(a) * _UNIT[b] for a, b in parts)
    raise ValueError(f"expected a duration like '30m', '1h30m', '90s' or seconds, got {value!r}")


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
                {"type": "string", "pattern": r"^(\d+(\.\d+)?|(\d+(\.\d+)?(ms|d|h|m|s))+)$"},
            ],
            "description": "Seconds, or a string with units: '90s', '30m', '1h30m'.",
        }
    ),
]
"""A duration in seconds."""
