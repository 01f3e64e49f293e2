"""Clocks the router can read time from.

The router never reads the wall clock: it takes time from the ``now`` argument of
each call or, when that is omitted, from the clock it was given. Tests and
simulations use :class:`ManualClock`; a host process can pass any zero-argument
callable returning seconds (e.g. ``time.monotonic``).
"""

from __future__ import annotations

from tierroute._args import finite_time
from tierroute.errors import TimeWentBackwards

__all__ = ["ManualClock"]


class ManualClock:
    """A clock that moves only when told to.

    >>> clock = ManualClock()
    >>> clock.advance(2.5)
    2.5
    >>> clock.set(10.0)
    10.0
    >>> clock()
    10.0
    """

    __slots__ = ("_now",)

    def __init__(self, start: float = 0.0) -> None:
        self._now = finite_time(start, "start")

    def __call__(self) -> float:
        return self._now

    @property
    def now(self) -> float:
        """The current time in seconds."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (≥ 0) and return the new time."""
        self._now += finite_time(seconds, "seconds")
        return self._now

    def set(self, now: float) -> float:
        """Jump to ``now``, which may not be earlier than the current time."""
        t = finite_time(now, "now")
        if t < self._now:
            raise TimeWentBackwards(f"now={now!r} is before the clock's time {self._now!r}")
        self._now = t
        return self._now
