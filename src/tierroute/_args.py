"""Argument rules shared by every public entry point (router, clock, journal, scenario
loader): each check either returns the value in the form the core uses or raises
:class:`~tierroute.errors.InvalidArgument` naming the argument, its value and what
was expected. Nothing here changes any state.

Numbers arrive from JSON, YAML and host code, so the rules reject what Python would
otherwise let through: ``bool`` (an ``int`` subclass), NaN and infinities, and
integers too large for a float (``math.isfinite(10**400)`` raises ``OverflowError``).
Strings must be encodable as UTF-8, so a lone surrogate from ``json.loads('"\\ud800"')``
is refused at the edge instead of failing later in a journal or snapshot. Free-form
``attributes`` must be JSON data of bounded size and depth (:func:`attributes`), for
the same reason: the router writes them into snapshots and journal records.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from json.encoder import encode_basestring as _encode_basestring
from typing import Any, Final, overload

from tierroute.errors import InvalidArgument
from tierroute.models import MAX_ATTRIBUTE_BYTES, MAX_ATTRIBUTE_DEPTH

__all__ = ["attributes", "finite_number", "finite_time", "int_in_range", "text"]

_INT_LIMIT: Final = 1 << 63  # attribute integers are 64-bit signed: what JSON peers read
_JSON_TYPES: Final = "a string, integer, finite float, bool, None, list or dict"


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


@overload
def text(value: Any, name: str) -> str: ...
@overload
def text(value: Any, name: str, *, optional: bool) -> str | None: ...
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


def attributes(value: Any, name: str) -> Mapping[str, Any]:
    """``value`` checked to be an ``attributes`` payload: a mapping of JSON data at
    most :data:`~tierroute.models.MAX_ATTRIBUTE_BYTES` bytes of compact JSON and
    :data:`~tierroute.models.MAX_ATTRIBUTE_DEPTH` levels deep (the rules of
    :attr:`~tierroute.models.AgentSpec.attributes`). Returned as given, not copied.

    Runtime complexity: O(n) for n items, stopping once the size limit is passed.

    >>> attributes({"account": "acme", "tags": ["vip", 3]}, "attributes")
    {'account': 'acme', 'tags': ['vip', 3]}
    >>> attributes({"score": float("nan")}, "attributes")
    Traceback (most recent call last):
    ...
    tierroute.errors.InvalidArgument: attributes['score'] must be a finite number, got nan
    """
    if not isinstance(value, Mapping):
        raise InvalidArgument(f"{name} must be a mapping or None, got {_show(value)}")
    size = _json_size(value, name, 1, MAX_ATTRIBUTE_BYTES)
    if size > MAX_ATTRIBUTE_BYTES:
        raise InvalidArgument(
            f"{name} must take at most {MAX_ATTRIBUTE_BYTES} bytes as JSON, got at least {size}"
        )
    return value


def _json_size(value: Any, path: str, depth: int, budget: int) -> int:
    """Bytes of ``value`` as compact JSON, or a number above ``budget`` as soon as
    it is known to be over (so a huge payload costs no more than the limit to
    refuse). Raises InvalidArgument naming the ``path`` of what is not JSON data."""
    if isinstance(value, str):
        return _str_size(value, path, budget)
    if value is None or isinstance(value, bool):
        return 4 if value is not False else 5
    if isinstance(value, int):
        if not -_INT_LIMIT <= value < _INT_LIMIT:
            raise InvalidArgument(f"{path} must be an integer within 64 bits, got {_show(value)}")
        return len(str(int(value)))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgument(f"{path} must be a finite number, got {_show(value)}")
        return len(repr(float(value)))
    mapping = isinstance(value, dict) or (depth == 1 and isinstance(value, Mapping))
    if not mapping and not isinstance(value, list | tuple):
        raise InvalidArgument(f"{path} must be {_JSON_TYPES}, got {_show(value)}")
    if depth > MAX_ATTRIBUTE_DEPTH:
        raise InvalidArgument(
            f"{path} is nested too deep: attributes may nest at most "
            f"{MAX_ATTRIBUTE_DEPTH} levels of lists and mappings"
        )
    size = 1  # the opening bracket; each item adds its comma or the closing bracket
    if mapping:
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidArgument(f"{path} keys must be strings, got {_show(key)}")
            where = f"{path}[{key!r}]"
            size += _str_size(key, where, budget) + 2
            size += _json_size(item, where, depth + 1, budget - size)
            if size > budget:
                return size
    else:
        for i, item in enumerate(value):
            size += 1 + _json_size(item, f"{path}[{i}]", depth + 1, budget - size)
            if size > budget:
                return size
    return size if value else 2


def _str_size(value: str, path: str, budget: int) -> int:
    """Bytes of ``value`` as a JSON string (UTF-8, escapes included); at least its
    length, returned as is when that is over ``budget``."""
    if len(value) > budget:
        return len(value)
    if value.isascii():
        return len(_encode_basestring(value))
    try:
        return len(_encode_basestring(value).encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidArgument(
            f"{path} must be valid Unicode (no lone surrogates), got {_show(value)}"
        ) from None


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
