"""Argument rules shared by every public entry point (router, clock, journal, scenario
loader): each check either returns the value in the form the core uses or raises
:class:`~tierroute.errors.InvalidArgument` naming the argument, its value and what
was expected. Nothing here changes any state.

Numbers arrive from JSON, YAML and host code, so the rules reject what Python would
otherwise let through: ``bool`` (an ``int`` subclass), NaN and infinities, and
integers too large for a float (``math.isfinite(10**400)`` raises ``OverflowError``).
Strings must be encodable as UTF-8, so a lone surrogate from ``json.loads('"\\ud800"')``
is refused at the edge instead of failing later in a journal or snapshot.
"""

from __future__ import annotations

import math
from typing import Any

from tierroute.errors import InvalidArgument

__all__ = ["finite_number", "finite_time", "int_in_range", "text"]


def finite_number(value: Any, name: str) -> float:
    """``value`` as a finite float; ``bool``, NaN, infinities and huge ints refused.

    >>> finite_number(3, "x")
    3.0
    >>> finite_number(10**400, "x")
    Traceback (most recent call last):
    ...
    tierroute.errors.InvalidArgument: x must be a finite number, got 1000...000 (401 digits)
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(f"{name} must be a finite number, got {_show(value)}")
    try:
        out = float(value)
    except OverflowError:
        raise InvalidArgument(f"{name} must be a finite number, got {_show(value)}") from None
    if not math.isfinite(out):
        raise InvalidArgument(f"{name} must be a finite number, got {_show(value)}")
    return out


def finite_time(value: Any, name: str) -> float:
    """``value`` as a time in seconds: a finite float ≥ 0.

    >>> finite_time(2, "now")
    2.0
    >>> finite_time(float("nan"), "now")
    Traceback (most recent call last):
    ...
    tierroute.errors.InvalidArgument: now must be a finite number of seconds, got nan
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(f"{name} must be a finite number of seconds, got {_show(value)}")
    try:
        out = float(value)
    except OverflowError:
        out = math.inf
    if not math.isfinite(out):
        raise InvalidArgument(f"{name} must be a finite number of seconds, got {_show(value)}")
    if out < 0:
        raise InvalidArgument(f"{name} must be >= 0, got {_show(value)}")
    return out


def int_in_range(value: Any, name: str, low: int, high: int | None = None) -> int:
    """``value`` as an ``int`` with ``low <= value`` (and ``<= high`` when given);
    ``bool`` refused.

    >>> int_in_range(3, "severity", 1, 4)
    3
    >>> int_in_range(True, "capacity", 1)
    Traceback (most recent call last):
    ...
    tierroute.errors.InvalidArgument: capacity must be an integer >= 1, got True
    """
    span = f">= {low}" if high is None else f"in {low}..{high}"
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        raise InvalidArgument(f"{name} must be an integer {span}, got {_show(value)}")
    return int(value)


def text(value: Any, name: str, *, optional: bool = False) -> str | None:
    """``value`` as a non-empty string encodable as UTF-8 (``None`` allowed when
    ``optional``).

    >>> text("en", "language")
    'en'
    >>> text("\\ud800", "id")
    Traceback (most recent call last):
    ...
    tierroute.errors.InvalidArgument: id must be valid Unicode (no lone surrogates), got '\\ud800'
    """
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        what = "a non-empty string or None" if optional else "a non-empty string"
        raise InvalidArgument(f"{name} must be {what}, got {_show(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgument(
            f"{name} must be valid Unicode (no lone surrogates), got {value!r}"
        ) from None
    return value


def _show(value: Any) -> str:
    """``repr`` that stays short for huge ints and never raises."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            digits = str(abs(value))
        except ValueError:  # beyond sys.get_int_max_str_digits()
            return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
        if len(digits) > 30:
            sign = "-" if value < 0 else ""
            return f"{sign}{digits[:4]}...{digits[-3:]} ({len(digits)} digits)"
        return digits if value >= 0 else f"-{digits}"
    try:
        out = repr(value)
    except Exception:  # a hostile __repr__
        return f"<{type(value).__name__}>"
    return out if len(out) <= 200 else out[:197] + "..."
