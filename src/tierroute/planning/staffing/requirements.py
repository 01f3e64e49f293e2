"""Agent requirements: the fewest agents meeting service targets (service level,
ASA, abandonment, occupancy cap) for one traffic level or every interval of a
forecast, and the agents to schedule once shrinkage and surge are added.

The metrics are monotone in the number of agents, so the search brackets
exponentially from the traffic and then bisects; each probe is one Erlang C or
Erlang A evaluation from :mod:`~tierroute.planning.staffing.erlang`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from tierroute.errors import InvalidArgument
from tierroute.planning.staffing._checks import (
    fraction_open,
    non_negative,
    non_negative_or_inf,
    optional,
    positive,
    probability,
    shrinkage_share,
    staffed_traffic,
    surge_share,
    traffic_of,
)
from tierroute.planning.staffing.erlang import _erlang_a, _erlang_c, _occupancy

__all__ = ["StaffingResult", "required_agents", "required_agents_by_interval"]


@dataclass(frozen=True, slots=True)
class StaffingResult:
    """Agent requirement for one traffic level and the service it achieves.

    Attributes:
        agents: Fewest agents on the phones meeting every given target.
        scheduled: Agents to schedule, ``ceil(agents * (1 + surge) / (1 - shrinkage))``.
        traffic: Offered traffic in erlangs.
        service_level: Achieved fraction answered within the target time.
        asa: Achieved average speed of answer (mean wait of answered contacts), s.
        occupancy: Achieved agent occupancy.
        abandon_probability: Achieved abandonment probability (0 without patience).
        wait_probability: Achieved probability that a contact queues.
    """

    agents: int
    scheduled: int
    traffic: float
    service_level: float
    asa: float
    occupancy: float
    abandon_probability: float
    wait_probability: float


_Metrics = tuple[float, float, float, float, float]
"""(service_level, asa, occupancy, abandon_probability, wait_probability)."""


def _metrics_erlang_c(traffic: float, agents: int, aht: float, target: float) -> _Metrics:
    if traffic >= agents:
        return 0.0, math.inf, _occupancy(traffic, agents), 0.0, 1.0
    wait = _erlang_c(traffic, agents)
    spare = agents - traffic
    sl = min(1.0, max(0.0, 1.0 - wait * math.exp(-spare * target / aht)))
    return sl, wait * aht / spare, _occupancy(traffic, agents), 0.0, wait


def _gross_up(agents: int, shrinkage: float, surge: float) -> int:
    # Rounded to 9 decimals first so that e.g. 10 * 1.1 does not become 12.
    return math.ceil(round(agents * (1.0 + surge) / (1.0 - shrinkage), 9))


def _smallest(ok: Callable[[int], bool], start: int, lower: int, upper: int) -> int | None:
    """Smallest ``n`` in ``[lower, upper]`` with ``ok(n)``, for ``ok`` monotone in ``n``.

    Exponential bracketing from ``start`` (up or down), then bisection.
    """
    step = max(1, math.isqrt(start))
    if ok(start):
        good = start
        bad = lower - 1
        while good > lower:
            probe = max(lower, good - step)
            if ok(probe):
                good = probe
                step *= 2
            else:
                bad = probe
                break
    else:
        bad = start
        good = -1
        while good < 0:
            if bad >= upper:
                return None
            probe = min(upper, bad + step)
            if ok(probe):
                good = probe
            else:
                bad = probe
                step *= 2
    while good - bad > 1:
        mid = (good + bad) // 2
        if ok(mid):
            good = mid
        else:
            bad = mid
    return good


def _required(
    traffic: float,
    arrival_rate: float,
    aht: float,
    target: float,
    sl_target: float | None,
    max_asa: float | None,
    max_abandon: float | None,
    max_occupancy: float | None,
    patience: float | None,
    shrinkage: float,
    surge: float,
) -> StaffingResult:
    if traffic == 0.0:
        return StaffingResult(
            agents=0,
            scheduled=0,
            traffic=0.0,
            service_level=1.0,
            asa=0.0,
            occupancy=0.0,
            abandon_probability=0.0,
            wait_probability=0.0,
        )
    queue_c = patience is None or math.isinf(patience)
    cache: dict[int, _Metrics] = {}

    def metrics(n: int) -> _Metrics:
        found = cache.get(n)
        if found is None:
            if queue_c:
                found = _metrics_erlang_c(traffic, n, aht, target)
            else:
                assert patience is not None
                res = _erlang_a(arrival_rate, aht, patience, n, target)
                found = (
                    res.service_level,
                    res.asa,
                    res.occupancy,
                    res.abandon_probability,
                    res.wait_probability,
                )
            cache[n] = found
        return found

    def ok(n: int) -> bool:
        sl, speed, occ, abandon, _ = metrics(n)
        return (
            (sl_target is None or sl >= sl_target)
            and (max_asa is None or speed <= max_asa)
            and (max_abandon is None or abandon <= max_abandon)
            and (max_occupancy is None or occ <= max_occupancy)
        )

    start = math.floor(traffic) + 1
    lower = start if queue_c else 1
    upper = math.ceil(traffic + 100.0 * math.sqrt(traffic) + 1000.0)
    agents = _smallest(ok, start, lower, upper)
    if agents is None:
        raise InvalidArgument(
            f"no staffing up to {upper} agents meets the targets for traffic {traffic!r} "
            f"(service_level={sl_target!r}, max_asa={max_asa!r}, "
            f"max_abandon={max_abandon!r}, max_occupancy={max_occupancy!r})"
        )
    sl, speed, occ, abandon, wait = metrics(agents)
    return StaffingResult(
        agents=agents,
        scheduled=_gross_up(agents, shrinkage, surge),
        traffic=traffic,
        service_level=sl,
        asa=speed,
        occupancy=occ,
        abandon_probability=abandon,
        wait_probability=wait,
    )


def _targets(
    target: object,
    service_level: object,
    max_asa: object,
    max_abandon: object,
    max_occupancy: object,
    patience: object,
    shrinkage: object,
    surge: object,
) -> tuple[
    float, float | None, float | None, float | None, float | None, float | None, float, float
]:
    return (
        non_negative("target", target),
        optional("service_level", service_level, probability),
        optional("max_asa", max_asa, non_negative),
        optional("max_abandon", max_abandon, probability),
        optional("max_occupancy", max_occupancy, fraction_open),
        optional("patience", patience, non_negative_or_inf),
        shrinkage_share("shrinkage", shrinkage),
        surge_share("surge", surge),
    )


def required_agents(
    traffic: float | None = None,
    *,
    arrival_rate: float | None = None,
    aht: float,
    target: float,
    service_level: float | None = 0.8,
    max_asa: float | None = None,
    max_abandon: float | None = None,
    max_occupancy: float | None = None,
    patience: float | None = None,
    shrinkage: float = 0.0,
    surge: float = 0.0,
) -> StaffingResult:
    """Fewest agents meeting every given target, and the schedule that covers them.

    Without ``patience`` (or with ``patience=math.inf``) the queue is Erlang C and
    the answer is always above the traffic (a stable queue). With a finite
    ``patience`` the queue is Erlang A, where abandonment can make fewer agents than
    erlangs enough; at least one agent is staffed for non-zero traffic. Note that
    in Erlang A a service-level target alone can be met by a team that lets many
    callers abandon (in heavy overload the survivors are answered quickly); give
    ``max_abandon`` as well. Zero traffic needs zero agents (and reports the empty
    system: service level 1, waits 0).

    The metrics are monotone in the number of agents, so the search starts at
    ``floor(A) + 1`` and brackets exponentially (step ``sqrt(A)``, doubling) before
    bisecting.

    Args:
        traffic: Offered traffic in erlangs; give this or ``arrival_rate``.
        arrival_rate: Arrivals per second; give this or ``traffic``.
        aht: Mean handle time in seconds (finite, ``> 0``).
        target: Answer-time target in seconds for the service level (``>= 0``).
        service_level: Required fraction answered within ``target`` (``[0, 1]``), or
            ``None`` for no service-level target.
        max_asa: Largest acceptable average speed of answer in seconds (mean wait
            of answered contacts), or ``None``.
        max_abandon: Largest acceptable abandonment probability, or ``None``
            (needs ``patience`` to be meaningful; without it abandonment is 0).
        max_occupancy: Largest acceptable occupancy in ``(0, 1]``, or ``None``.
        patience: Mean customer patience in seconds for Erlang A, or ``None``.
        shrinkage: Fraction of paid time not on the phones, in ``[0, 1)``.
        surge: Extra fraction of agents held for peaks, in ``[0, MAX_SURGE]``
            (10, i.e. 1,000 %).

    Returns:
        A :class:`StaffingResult`; ``scheduled`` is
        ``ceil(agents * (1 + surge) / (1 - shrinkage))``.

    Raises:
        InvalidArgument: If an argument is invalid, both or neither of ``traffic``
            and ``arrival_rate`` are given, the traffic is above ``MAX_TRAFFIC``
            (10,000,000 erlangs), or no staffing within
            ``A + 100 sqrt(A) + 1000`` agents meets the targets (e.g.
            ``max_abandon=0`` with finite patience at huge loads).

    Runtime complexity: ``O(log(sqrt(A)))`` model evaluations, each as
    :func:`erlang_c` or :func:`erlang_a`; about 0.2 ms at 100,000 erlangs (Erlang C),
    ~2 ms with patience.

    >>> required_agents(48, aht=240, target=20).agents
    54
    >>> required_agents(48, aht=240, target=20, shrinkage=0.3).scheduled
    78
    >>> required_agents(arrival_rate=0.2, aht=240, target=20, patience=120).agents
    49
    """
    aht_v = positive("aht", aht)
    traffic_v, rate_v = _load(traffic, arrival_rate, aht_v)
    return _required(
        traffic_v,
        rate_v,
        aht_v,
        *_targets(
            target,
            service_level,
            max_asa,
            max_abandon,
            max_occupancy,
            patience,
            shrinkage,
            surge,
        ),
    )


def _load(traffic: object, arrival_rate: object, aht: float) -> tuple[float, float]:
    if (traffic is None) == (arrival_rate is None):
        raise InvalidArgument(
            "give exactly one of traffic and arrival_rate, got "
            f"traffic={traffic!r}, arrival_rate={arrival_rate!r}"
        )
    if traffic is not None:
        erlangs = staffed_traffic("traffic", non_negative("traffic", traffic))
        return erlangs, erlangs / aht
    rate = non_negative("arrival_rate", arrival_rate)
    return staffed_traffic("arrival_rate * aht", traffic_of(rate, aht)), rate


def required_agents_by_interval(
    forecast: Iterable[float],
    *,
    interval_s: float,
    aht: float | Sequence[float],
    target: float,
    service_level: float | None = 0.8,
    max_asa: float | None = None,
    max_abandon: float | None = None,
    max_occupancy: float | None = None,
    patience: float | None = None,
    shrinkage: float = 0.0,
    surge: float = 0.0,
    rates: bool = False,
) -> list[StaffingResult]:
    """:func:`required_agents` for every interval of a forecast.

    Args:
        forecast: Contacts offered in each interval (or, with ``rates=True``,
            arrivals per second in each interval); finite and ``>= 0``.
        interval_s: Interval length in seconds (finite, ``> 0``).
        aht: Mean handle time in seconds, one value or one per interval.
        target: Answer-time target in seconds.
        service_level: As in :func:`required_agents`.
        max_asa: As in :func:`required_agents`.
        max_abandon: As in :func:`required_agents`.
        max_occupancy: As in :func:`required_agents`.
        patience: As in :func:`required_agents`.
        shrinkage: As in :func:`required_agents`.
        surge: As in :func:`required_agents`.
        rates: Whether ``forecast`` holds arrival rates per second instead of
            contact counts per interval.

    Returns:
        One :class:`StaffingResult` per interval, in order.

    Raises:
        InvalidArgument: If an argument or a forecast value (named ``forecast[i]``)
            is invalid, an interval's traffic is above ``MAX_TRAFFIC``, or ``aht``
            has a different length than ``forecast``.

    Runtime complexity: one :func:`required_agents` per distinct
    ``(volume, aht)`` pair.

    >>> [r.agents for r in required_agents_by_interval([0, 360, 180], interval_s=1800,
    ...                                                aht=240, target=20)]
    [0, 54, 29]
    """
    if isinstance(forecast, str | bytes | Mapping) or not isinstance(forecast, Iterable):
        raise InvalidArgument(f"forecast must be a sequence of numbers, got {forecast!r}")
    values = [non_negative(f"forecast[{i}]", v) for i, v in enumerate(forecast)]
    length = positive("interval_s", interval_s)
    if isinstance(aht, str | bytes | Mapping):
        raise InvalidArgument(f"aht must be a number or a sequence of numbers, got {aht!r}")
    if isinstance(aht, Iterable):
        handle = [positive(f"aht[{i}]", v) for i, v in enumerate(aht)]
        if len(handle) != len(values):
            raise InvalidArgument(
                f"aht must have one value per interval ({len(values)}), got {len(handle)}"
            )
    else:
        handle = [positive("aht", aht)] * len(values)
    checked = _targets(
        target,
        service_level,
        max_asa,
        max_abandon,
        max_occupancy,
        patience,
        shrinkage,
        surge,
    )
    if not isinstance(rates, bool):
        raise InvalidArgument(f"rates must be True or False, got {rates!r}")
    rate_is_given = rates
    results: list[StaffingResult] = []
    memo: dict[tuple[float, float], StaffingResult] = {}
    for i, (value, handle_time) in enumerate(zip(values, handle, strict=True)):
        rate = value if rate_is_given else value / length
        staffed_traffic(f"forecast[{i}] * aht", traffic_of(rate, handle_time))
        key = (rate, handle_time)
        result = memo.get(key)
        if result is None:
            result = _required(rate * handle_time, rate, handle_time, *checked)
            memo[key] = result
        results.append(result)
    return results
