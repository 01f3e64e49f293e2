"""Reading untrusted JSON-shaped data — router and tracker snapshots — against tables
of rules, so that every value's type, shape and range is checked before anything is
built from it.

A *rule* is called as ``rule(value, "")``: it returns the value in the form the core
uses, or raises :class:`~tierroute.errors.InvalidArgument` with a message that starts
where the value's path belongs (the rules of :mod:`tierroute._args` called with an
empty name do just that: ``" must be a finite number, got nan"``). The readers of
containers put each step of the path in front as the error passes through them
(``[3]``, ``.agent``), so the outermost caller, naming the whole, gets
``snapshot.works[3].agent must be a non-empty string, got 5``. Nothing is formatted
unless a value is refused: reading costs one call per value.

A *record* (a JSON object) is read against a table ``{key: rule}`` and must have
exactly the table's keys: a missing key and an unknown one are both refused. A new
field of a record is one line in its table (plus, for data written before it
existed, a migration that adds it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, NoReturn, cast

from tierroute._args import _show, finite_number, finite_time, int_in_range, text
from tierroute.errors import InvalidArgument

__all__ = [
    "MAX_DEPTH",
    "MAX_INT",
    "Rule",
    "array",
    "array_of",
    "choice",
    "count",
    "dict_of",
    "flag",
    "inside",
    "integer",
    "json_data",
    "json_object",
    "mapping",
    "number",
    "optional",
    "record_of",
    "row_of",
    "seconds",
    "step",
    "string",
]

Rule = Callable[[Any, str], Any]
"""``rule(value, name)``: the value as the core uses it, or ``InvalidArgument``."""

MAX_INT: Final = 2**63 - 1
"""The largest integer a counter or id number may hold (what JSON readers in other
languages hold exactly as a 64-bit integer)."""
MAX_DEPTH: Final = 100
"""How deep free-form JSON data (attributes) may nest."""

_INF: Final = float("inf")


def inside(step: str, exc: InvalidArgument) -> InvalidArgument:
    """``exc``, raised for a value one ``step`` of the path down (``"[3]"``,
    ``".agent"``), as an error of the value containing it."""
    return InvalidArgument(f"{step}{exc}")


# ---------------------------------------------------------------------- scalars


def number(value: Any, name: str) -> float:
    """A finite number (a float)."""
    if type(value) is float and value - value == 0.0:  # NaN and infinities fail
        return value
    return finite_number(value, name)


def seconds(value: Any, name: str) -> float:
    """A time: a finite number >= 0 (a float)."""
    if type(value) is float and 0.0 <= value < _INF:
        return value
    return finite_time(value, name)


def integer(low: int, high: int = MAX_INT) -> Rule:
    """The rule of an integer in ``low..high``."""

    def rule(value: Any, name: str) -> int:
        if type(value) is int and low <= value <= high:
            return value
        out = int_in_range(value, name, low, None if high == MAX_INT else high)
        if out > high:
            raise InvalidArgument(f"{name} must be an integer below 2**63, got {_show(value)}")
        return out

    return rule


count: Final = integer(0)
"""An integer in ``0..MAX_INT``."""


def string(value: Any, name: str) -> str:
    """A non-empty string that encodes as UTF-8."""
    if type(value) is str and value and value.isascii():
        return value
    return text(value, name)


def flag(value: Any, name: str) -> bool:
    """``true`` or ``false``."""
    if type(value) is bool:
        return value
    raise InvalidArgument(f"{name} must be true or false, got {_show(value)}")


def choice(options: Iterable[str]) -> Rule:
    """The rule of a string among ``options``."""
    allowed = frozenset(options)

    def rule(value: Any, name: str) -> str:
        if type(value) is str and value in allowed:
            return value
        raise InvalidArgument(f"{name} must be one of {sorted(allowed)}, got {_show(value)}")

    return rule


def optional(rule: Rule) -> Rule:
    """The rule of ``null`` (read as ``None``) or a value of ``rule``."""

    def read(value: Any, name: str) -> Any:
        return None if value is None else rule(value, name)

    return read


# ---------------------------------------------------------------------- containers


def array(value: Any, name: str) -> list[Any] | tuple[Any, ...]:
    """A JSON array (a list or a tuple)."""
    if type(value) is list or type(value) is tuple:
        return value
    raise InvalidArgument(f"{name} must be an array, got {_show(value)}")


def mapping(value: Any, name: str) -> Mapping[Any, Any]:
    """A JSON object (a mapping)."""
    if isinstance(value, Mapping):
        return value
    raise InvalidArgument(f"{name} must be an object, got {_show(value)}")


def array_of(rule: Rule) -> Rule:
    """The rule of an array whose items all follow ``rule`` (read as a list)."""

    def read(value: Any, name: str) -> list[Any]:
        if type(value) is not list:
            array(value, name)
        out: list[Any] = []
        for item in value:
            try:
                out.append(rule(item, ""))
            except InvalidArgument as exc:
                raise inside(f"{name}[{len(out)}]", exc) from None
        return out

    return read


def dict_of(key: Rule, rule: Rule) -> Rule:
    """The rule of an object whose keys follow ``key`` and values ``rule`` (read as a
    dict)."""

    def read(value: Any, name: str) -> dict[Any, Any]:
        out = {}
        for k, v in mapping(value, name).items():
            try:
                out[key(k, "")] = rule(v, "")
            except InvalidArgument as exc:
                raise inside(name + step(k), exc) from None
        return out

    return read


def step(key: Any) -> str:
    """The step of a path to the value under ``key`` of an object: ``.key``, or
    ``['key']`` for a key that is not an identifier."""
    return f".{key}" if isinstance(key, str) and key.isidentifier() else f"[{_show(key)}]"


def row_of(*rules: Rule) -> Rule:
    """The rule of a fixed-length array whose i-th item follows ``rules[i]`` (read as a
    list)."""
    size = len(rules)

    def read(value: Any, name: str) -> list[Any]:
        if type(value) is not list:
            array(value, name)
        if len(value) != size:
            raise InvalidArgument(f"{name} must have {size} items, got {len(value)}")
        out: list[Any] = []
        for rule, item in zip(rules, value, strict=True):
            try:
                out.append(rule(item, ""))
            except InvalidArgument as exc:
                raise inside(f"{name}[{len(out)}]", exc) from None
        return out

    return read


def record_of(table: Mapping[str, Rule]) -> Rule:
    """The rule of an object with exactly the keys of ``table``, each value following
    its rule (read as a dict in the table's order)."""
    fields = tuple(table.items())
    size = len(fields)

    def read(value: Any, name: str) -> dict[str, Any]:
        if type(value) is not dict:
            mapping(value, name)
        if len(value) != size:
            _wrong_keys(value, name, table)
        out = {}
        for key, rule in fields:
            try:
                v = value[key]
            except KeyError:
                _wrong_keys(value, name, table)
            try:
                out[key] = rule(v, "")
            except InvalidArgument as exc:
                raise inside(f"{name}.{key}", exc) from None
        return out

    return read


def _wrong_keys(d: Mapping[Any, Any], name: str, table: Mapping[str, Rule]) -> NoReturn:
    missing = [k for k in table if k not in d]
    if missing:
        raise InvalidArgument(f"{name}.{missing[0]} is missing")
    extra = next(k for k in d if k not in table)
    raise InvalidArgument(f"{name} has an unknown key {_show(extra)} (known: {list(table)})")


# ---------------------------------------------------------------------- free-form data


def json_data(value: Any, name: str) -> Any:
    """A copy of free-form JSON data: objects with string keys, arrays, strings that
    encode as UTF-8, finite numbers, booleans and ``null``, nested at most
    :data:`MAX_DEPTH` deep.

    >>> json_data({"a": [1, "x", None]}, "attributes")
    {'a': [1, 'x', None]}
    >>> json_data({"a": [float("nan")]}, "attributes")
    Traceback (most recent call last):
    ...
    tierroute.errors.InvalidArgument: attributes.a[0] must be a finite number, got nan
    """
    try:
        return _json(value, 0)
    except InvalidArgument as exc:
        raise inside(name, exc) from None


def json_object(value: Any, name: str) -> dict[str, Any]:
    """A copy of a free-form JSON object (see :func:`json_data`)."""
    if type(value) is dict:
        # the common case: strings and numbers, copied as they are checked
        out = {}
        for k, v in value.items():
            t = type(v)
            if type(k) is not str or not k.isascii():
                break
            if (
                (t is str and v.isascii())
                or t is int
                or v is None
                or t is bool
                or (t is float and v - v == 0.0)
            ):
                out[k] = v
            else:
                break
        else:
            return out
    mapping(value, name)
    return cast(dict[str, Any], json_data(value, name))


def _json(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return number(value, "")
    if isinstance(value, str):
        if not value.isascii():
            text(value, "")  # refuses lone surrogates
        return value
    if depth >= MAX_DEPTH:
        raise InvalidArgument(f" is nested deeper than {MAX_DEPTH} levels")
    if type(value) is list or type(value) is tuple:
        out = []
        for i, item in enumerate(value):
            try:
                out.append(_json(item, depth + 1))
            except InvalidArgument as exc:
                raise inside(f"[{i}]", exc) from None
        return out
    if isinstance(value, Mapping):
        obj = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise InvalidArgument(f" has a key that is not a string: {_show(k)}")
            try:
                obj[_json(k, depth)] = _json(v, depth + 1)
            except InvalidArgument as exc:
                raise inside(step(k), exc) from None
        return obj
    raise InvalidArgument(f" must be JSON data, got {_show(value)}")
