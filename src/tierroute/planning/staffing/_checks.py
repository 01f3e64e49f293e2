"""Argument rules of the staffing functions, on top of the shared ones in
:mod:`tierroute._args`.

Staffing is called from numeric code, so besides Python numbers it takes numpy
scalars and :class:`fractions.Fraction` (any :class:`numbers.Real`), and agent
counts written as integral floats (``1e5``). Those are converted to the Python
number they stand for; the shared rules then refuse ``bool``, NaN, infinities and
integers too large for a float, and name the argument.

Two limits keep the search for a staffing level finite and its arithmetic in
range: traffic of at most :data:`MAX_TRAFFIC` erlangs (a hundred times the largest
contact centre, where one search still takes milliseconds) and a surge of at most
:data:`MAX_SURGE`.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Callable
from typing import Final

import numpy as np

from tierroute._args import finite_number, int_in_range
from tierroute.errors import InvalidArgument

__all__ = [
    "MAX_SURGE",
    "MAX_TRAFFIC",
    "agent_count",
    "fraction_open",
    "non_negative",
    "non_negative_or_inf",
    "optional",
    "positive",
    "probability",
    "shrinkage_share",
    "staffed_traffic",
    "surge_share",
    "traffic_of",
]

MAX_TRAFFIC: Final = 10_000_000.0
"""Most offered traffic, in erlangs, that a staffing level is searched for."""

MAX_SURGE: Final = 10.0
"""Largest surge: agents held for peaks, as a share of those needed (1,000 %)."""


def _number(name: str, value: object, *, allow_inf: bool = False) -> float:
    """``value`` as a float: finite, or ``math.inf`` too when ``allow_inf``."""
    if not isinstance(value, int | float):  # a bool is an int, refused below
        if isinstance(value, np.bool_):
            value = bool(value)  # not a Python bool subclass; refused as a bool below
        elif isinstance(value, np.integer):
            value = int(value)
        elif isinstance(value, numbers.Real):
            with contextlib.suppress(OverflowError):  # beyond the float range: refused below
                value = float(value)
    if allow_inf and value == math.inf and isinstance(value, float):
        return math.inf
    return finite_number(value, name)


def non_negative(name: str, value: object, *, allow_inf: bool = False) -> float:
    """A number ``>= 0`` (finite unless ``allow_inf``)."""
    result = _number(name, value, allow_inf=allow_inf)
    if result < 0.0:
        raise InvalidArgument(f"{name} must be >= 0, got {value!r}")
    return result


def non_negative_or_inf(name: str, value: object) -> float:
    """A number ``>= 0``, ``math.inf`` included (a patience that never runs out)."""
    return non_negative(name, value, allow_inf=True)


def positive(name: str, value: object) -> float:
    """A finite number ``> 0``."""
    result = _number(name, value)
    if result <= 0.0:
        raise InvalidArgument(f"{name} must be > 0, got {value!r}")
    return result


def probability(name: str, value: object) -> float:
    """A number in ``[0, 1]``."""
    result = _number(name, value)
    if not 0.0 <= result <= 1.0:
        raise InvalidArgument(f"{name} must be between 0 and 1, got {value!r}")
    return result


def fraction_open(name: str, value: object) -> float:
    """A number in ``(0, 1]`` (an occupancy cap)."""
    result = _number(name, value)
    if not 0.0 < result <= 1.0:
        raise InvalidArgument(f"{name} must be in (0, 1], got {value!r}")
    return result


def shrinkage_share(name: str, value: object) -> float:
    """A number in ``[0, 1)`` (a share of paid time not on the phones)."""
    result = _number(name, value)
    if not 0.0 <= result < 1.0:
        raise InvalidArgument(f"{name} must be in [0, 1), got {value!r}")
    return result


def surge_share(name: str, value: object) -> float:
    """A number in ``[0, MAX_SURGE]``."""
    result = _number(name, value)
    if not 0.0 <= result <= MAX_SURGE:
        raise InvalidArgument(f"{name} must be between 0 and {MAX_SURGE:g}, got {value!r}")
    return result


def staffed_traffic(name: str, traffic: float) -> float:
    """``traffic`` (erlangs, checked ``>= 0``), refused above :data:`MAX_TRAFFIC`."""
    if traffic > MAX_TRAFFIC:
        raise InvalidArgument(
            f"{name} is {traffic:.4g} erlangs; staffing is computed up to "
            f"{MAX_TRAFFIC:,.0f} erlangs"
        )
    return traffic


def optional(name: str, value: object, check: Callable[[str, object], float]) -> float | None:
    """``None``, or ``value`` passed through ``check``."""
    return None if value is None else check(name, value)


def agent_count(name: str, value: object) -> int:
    """An agent count ``>= 0``: an ``int``, a numpy integer or an integral float."""
    if isinstance(value, np.bool_):
        value = bool(value)
    elif isinstance(value, np.integer) or (
        isinstance(value, float | np.floating) and value.is_integer()
    ):
        value = int(value)
    count = int_in_range(value, name, 0)
    finite_number(count, name)  # the formulas compute in floats
    return count


def traffic_of(arrival_rate: float, aht: float) -> float:
    """``arrival_rate * aht`` in erlangs, refused when the product overflows."""
    traffic = arrival_rate * aht
    if math.isinf(traffic):
        raise InvalidArgument(
            f"arrival_rate * aht must be finite, got arrival_rate={arrival_rate!r}, aht={aht!r}"
        )
    return traffic
