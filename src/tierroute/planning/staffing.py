r"""Erlang staffing mathematics: Erlang B, Erlang C, Erlang A and agent requirements.

This module owns the queueing formulas tierroute uses to size a team: how likely a
contact is to wait, how long it waits, how many contacts abandon, and the fewest
agents that meet a service target. Everything here is a pure function of its
arguments (no state, no I/O). Units: traffic in erlangs, rates per second, times
in seconds.

Models and formulas (``A`` offered traffic in erlangs, ``N`` agents, ``aht`` mean
handle time, ``lam`` arrival rate, ``A = lam * aht``, ``t`` answer-time target):

* **Erlang B** (M/M/N/N loss system; Erlang 1917): blocking probability
  ``B(A, N) = (A^N / N!) / sum_{k<=N} A^k / k!``, i.e. the recursion
  ``B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1))``.
* **Erlang C** (M/M/N delay system; Erlang 1917, Cooper, *Introduction to Queueing
  Theory*, ch. 3): probability an arrival waits
  ``C = N B / (N - A (1 - B))`` for ``A < N``; service level
  ``SL = 1 - C exp(-(N - A) t / aht)``; average speed of answer
  ``ASA = C aht / (N - A)``; occupancy ``min(1, A / N)``.
* **Erlang A** (M/M/N+M, exponential patience with mean ``patience``,
  ``theta = 1 / patience``; Garnett, Mandelbaum & Reiman, "Designing a call center
  with impatient customers", MSOM 4(3), 2002): the exact birth-death chain with
  death rate ``n mu`` in states ``n <= N`` and ``N mu + k theta`` in state ``N + k``.
  ``P(abandon) = theta E[Lq] / lam`` and the mean wait of all arrivals is
  ``E[Lq] / lam`` (Little). The service level is exact (see :func:`erlang_a`).

Overload: with infinite patience and ``A >= N`` the queue is unstable; the wait
probability is 1, the service level 0, and the ASA / mean wait ``math.inf``. No
function here ever returns a probability outside ``[0, 1]``.

Numerics. Nothing computes a factorial. ``1 / B - 1`` is the sum
``sum_{j=1..N} prod_{i<j} (N - i) / A`` (ratios of Poisson terms); its terms are
log-concave, so only a window of ``O(sqrt(A))`` terms around the largest matters
(the rest are below ``e^-45`` of the sum and are provably negligible). The window is
summed with a vectorised ``numpy.cumprod``. When ``N`` is far above ``A`` (the
Poisson tail above ``N`` is below ``1e-17``) ``B`` equals the Poisson probability
``P(X = N)``, evaluated in ``O(1)`` with Loader's saddle-point formula (Loader,
"Fast and accurate computation of binomial probabilities", 2000). Accuracy against the exact
recursion: the window sum carries at most ``2.2e-16`` relative rounding per window
term (a bound of ``1e-12`` at 100,000 agents, ~``1e-14`` typical); the ``O(1)``
branch gets ``log B`` to about ``1e-16 * N * log(N / A)`` absolute, which is below
``1e-12`` relative (measured) for ``N`` up to a few thousand, on values of ``B`` below
``1e-17``. Erlang A uses the same windowing on the queue states, in log space.

Timing (``timeit``, one core of the development container, CPython 3.11, numpy 2):
``erlang_c(99_000, 100_000)`` ~30 us, ``required_agents(100_000, aht=300,
target=20)`` ~0.2 ms; the plain Python recursion takes ~5 ms at 100,000 agents.

The classic worked example (callcentrehelper.com, "Erlang C formula - made simple"):
360 calls per 30 minutes with a 240 s handle time is 48 erlangs.

>>> traffic = 360 * 240 / 1800
>>> traffic
48.0
>>> round(erlang_c(traffic, 55), 4)
0.2387
>>> round(asa(traffic, 55, aht=240), 1)
8.2
>>> round(service_level(traffic, 55, aht=240, target=20), 3)
0.867
>>> plan = required_agents(traffic, aht=240, target=20, service_level=0.8)
>>> plan.agents, round(plan.service_level, 3)
(54, 0.817)
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tierroute.errors import InvalidArgument

__all__ = [
    "ErlangAResult",
    "StaffingResult",
    "asa",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "required_agents",
    "required_agents_by_interval",
    "service_level",
]

_FloatArray = npt.NDArray[np.float64]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG_NEGLIGIBLE = math.log(1e-17)
"""Log of the relative size below which a neglected Poisson tail cannot change a double."""
_WINDOW_SIGMAS = 10.0
"""Half-width of a summation window in standard deviations (terms beyond are < e^-45)."""
_WINDOW_PAD = 30
_WINDOW_DECADES = 46.0
"""Terms of a geometric tail needed to fall below e^-46."""
_SMALL_WINDOW = 32
"""Windows up to this many terms are summed in plain Python (cheaper than numpy)."""
_CHUNK = 1 << 16
_MAX_QUEUE_WINDOW = 2_000_000
"""Most queue states one Erlang A evaluation may hold (~200 MB of temporaries)."""
_MAX_CF_ITER_FLOOR = 1000
_PATIENCE_NEGLIGIBLE = 1e-16
"""``patience`` over ``aht / N`` and over ``1 / lam`` below which Erlang A is Erlang B."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ErlangAResult:
    """Steady-state measures of an M/M/N+M queue (Erlang A).

    All probabilities are per offered contact, i.e. as seen by an arrival.

    Attributes:
        wait_probability: Probability an arrival finds every agent busy and queues
            (whether it is later answered or abandons).
        abandon_probability: Probability an arrival abandons before being answered,
            ``theta * E[Lq] / lam``.
        mean_wait: Mean time in queue over all arrivals (answered ones until answer,
            abandoning ones until they leave), ``E[Lq] / lam``; ``math.inf`` only for
            an overloaded queue with infinite patience.
        service_level: Fraction of offered contacts answered within ``target``
            seconds (contacts that abandon are never "within target").
        occupancy: Mean fraction of agents busy, ``lam * (1 - P(abandon)) * aht / N``.
        asa: Average speed of answer: mean wait of the contacts that are answered
            (zero waits included); ``math.inf`` if none is ever answered.
        mean_queue_length: Mean number of contacts waiting, ``E[Lq]``.
    """

    wait_probability: float
    abandon_probability: float
    mean_wait: float
    service_level: float
    occupancy: float
    asa: float
    mean_queue_length: float


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


# ------------------------------------------------------------------------ validation


def _real(name: str, value: object) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise InvalidArgument(f"{name} must be a real number, got {value!r}")
    result = float(value)
    if math.isnan(result):
        raise InvalidArgument(f"{name} must not be NaN, got {value!r}")
    return result


def _non_negative(name: str, value: object, *, allow_inf: bool = False) -> float:
    result = _real(name, value)
    if result < 0.0 or (math.isinf(result) and not allow_inf):
        kind = "a non-negative number" if allow_inf else "a finite non-negative number"
        raise InvalidArgument(f"{name} must be {kind}, got {value!r}")
    return result


def _positive(name: str, value: object) -> float:
    result = _real(name, value)
    if not 0.0 < result < math.inf:
        raise InvalidArgument(f"{name} must be a finite positive number, got {value!r}")
    return result


def _probability(name: str, value: object) -> float:
    result = _real(name, value)
    if not 0.0 <= result <= 1.0:
        raise InvalidArgument(f"{name} must be between 0 and 1, got {value!r}")
    return result


def _agents(name: str, value: object) -> int:
    """An agent count: an ``int`` (or numpy integer, or integral float like ``1e5``)."""
    message = f"{name} must be a non-negative integer, got {value!r}"
    if isinstance(value, bool | np.bool_):
        raise InvalidArgument(message)
    if isinstance(value, float | np.floating):
        if not value.is_integer():
            raise InvalidArgument(message)
        result = int(value)
    else:
        try:
            result = operator.index(value)  # type: ignore[arg-type]
        except TypeError:
            raise InvalidArgument(message) from None
    if result < 0:
        raise InvalidArgument(message)
    return int(result)


# ------------------------------------------------------------------ special functions


def _stirlerr(n: float) -> float:
    """``log(n!) - ((n + 1/2) log n - n + log sqrt(2 pi))`` for real ``n >= 1``.

    Loader (2000): direct for small ``n``, the Stirling series otherwise.
    """
    if n <= 15.0:
        return math.lgamma(n + 1.0) - (n + 0.5) * math.log(n) + n - _HALF_LOG_2PI
    s0, s1, s2, s3, s4 = 1.0 / 12, 1.0 / 360, 1.0 / 1260, 1.0 / 1680, 1.0 / 1188
    nn = n * n
    if n > 500.0:
        return (s0 - s1 / nn) / n
    if n > 80.0:
        return (s0 - (s1 - s2 / nn) / nn) / n
    if n > 35.0:
        return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n
    return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n


def _bd0(x: float, m: float) -> float:
    """Deviance term ``x log(x / m) + m - x`` without cancellation (Loader 2000)."""
    d = x - m
    if abs(d) < 0.1 * (x + m):
        v = d / (x + m)
        s = d * v
        ej = 2.0 * x * v
        v2 = v * v
        j = 1
        while True:
            ej *= v2
            s_next = s + ej / (2 * j + 1)
            if s_next == s:
                return s_next
            s = s_next
            j += 1
    ratio = x / m
    log_ratio = math.log(ratio) if ratio < math.inf else math.log(x) - math.log(m)
    return x * log_ratio + m - x


def _log_poisson_pmf(n: int, mean: float) -> float:
    """``log P(X = n)`` for ``X ~ Poisson(mean)``, ``n >= 1``, to ~1e-15 absolute."""
    return -_stirlerr(float(n)) - _bd0(float(n), mean) - 0.5 * math.log(2.0 * math.pi * n)


def _log_rising(x: float, n: int) -> float:
    """``log Gamma(x + n) - log Gamma(x)`` for ``x > 0`` and integer ``n >= 0``.

    Accurate to ``~1e-16 * n * log(x + n)`` absolute, unlike a difference of two
    ``math.lgamma`` values, whose error grows with ``x``.
    """
    if n <= 0:
        return 0.0
    if n <= _SMALL_WINDOW:
        return math.fsum(math.log(x + j) for j in range(n))
    head = 0.0
    if x < 15.0:
        shift = math.ceil(15.0 - x)
        head = math.fsum(math.log(x + j) for j in range(shift))
        x += shift
        n -= shift
    y = x + n
    return (
        head + n * math.log(y) + (x - 0.5) * math.log1p(n / x) - n + (_stirlerr(y) - _stirlerr(x))
    )


def _psi_tail(z: float) -> float:
    """``log z - 1/(2z) - digamma(z)`` for ``z >= 15`` (asymptotic series)."""
    w = 1.0 / (z * z)
    return w * (1 / 12 - w * (1 / 120 - w * (1 / 252 - w * (1 / 240 - w / 132))))


def _harmonic(x: float, n: int) -> float:
    """``sum_{j=0}^{n-1} 1 / (x + j) = digamma(x + n) - digamma(x)`` for ``x > 0``."""
    if n <= 0:
        return 0.0
    if n <= 64:
        return math.fsum(1.0 / (x + j) for j in range(n))
    head = 0.0
    if x < 15.0:
        shift = math.ceil(15.0 - x)
        head = math.fsum(1.0 / (x + j) for j in range(shift))
        x += shift
        n -= shift
    y = x + n
    return head + math.log1p(n / x) + n / (2.0 * x * y) + (_psi_tail(x) - _psi_tail(y))


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    max_iter = _MAX_CF_ITER_FLOOR + int(40.0 * math.sqrt(max(a, b)))
    for m in range(1, max_iter + 1):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            return h
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (a={a}, b={b})")


def _betainc(a: int, b: float, x: float, log_x: float, y: float, log_y: float) -> float:
    """Regularised incomplete beta ``I_x(a, b)`` for integer ``a >= 1``, ``b > 0``.

    ``y = 1 - x`` and both logarithms are passed in so that neither side loses digits.
    """
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    log_front = _log_rising(b, a) - math.lgamma(a) + a * log_x + b * log_y
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, y) / b


# --------------------------------------------------------------------------- Erlang B


def _erlang_b_parts(traffic: float, agents: int) -> tuple[float, float, float]:
    """``(B, u, log u)`` with ``u = 1 / B - 1``, for ``agents >= 1`` and ``traffic > 0``.

    ``u`` may be ``math.inf`` (then only ``log u`` is meaningful); ``B`` may underflow
    to 0. See the module docstring for the method.
    """
    a, n = traffic, agents
    if n > a:
        # B = P(X = n) / P(X <= n), X ~ Poisson(a); P(X > n) <= P(X = n) rho / (1 - rho).
        log_p = _log_poisson_pmf(n, a)
        rho = a / (n + 1)
        if log_p + (math.log(a) - math.log(n + 1)) - math.log1p(-rho) < _LOG_NEGLIGIBLE:
            p = math.exp(log_p)
            log_u = -log_p + math.log1p(-p)
            u = math.exp(log_u) if log_u < 709.0 else math.inf
            return p, u, log_u
    # u = sum_{j=1}^{n} T_j with T_j = prod_{i<j} (n - i) / a: log-concave in j, peak
    # at j = n - a, so terms more than _WINDOW_SIGMAS * sqrt(a) past the peak are
    # below e^-45 of it (and decay geometrically after that).
    peak = max(0, math.ceil(n - a))
    span = math.ceil(_WINDOW_SIGMAS * math.sqrt(a) + _WINDOW_PAD)
    if a > n:
        span = min(span, math.ceil(_WINDOW_DECADES / math.log(a / n)) + 2)
    last = min(n, peak + span)
    if last <= _SMALL_WINDOW:
        term, u = 1.0, 0.0
        for i in range(last):
            term *= (n - i) / a
            u += term
    else:
        u, carry, start = 0.0, 1.0, 0
        while start < last:
            stop = min(last, start + _CHUNK)
            terms = np.cumprod((n - np.arange(start, stop, dtype=np.float64)) / a) * carry
            u += float(terms.sum())
            carry = float(terms[-1])
            start = stop
    log_u = math.log(u) if u > 0.0 else math.log(n) - math.log(a)
    return 1.0 / (1.0 + u), u, log_u


def _erlang_b(traffic: float, agents: int) -> float:
    if agents == 0:
        return 1.0
    if traffic == 0.0:
        return 0.0
    return _erlang_b_parts(traffic, agents)[0]


def _erlang_c(traffic: float, agents: int) -> float:
    if traffic >= agents:
        return 1.0
    if traffic == 0.0:
        return 0.0
    b = _erlang_b_parts(traffic, agents)[0]
    return min(1.0, agents * b / ((agents - traffic) + traffic * b))


def erlang_b(traffic: float, agents: int) -> float:
    """Erlang B blocking probability of an M/M/N/N loss system.

    Args:
        traffic: Offered traffic ``A`` in erlangs (finite, ``>= 0``).
        agents: Number of servers ``N`` (integer, ``>= 0``).

    Returns:
        ``B(A, N)`` in ``[0, 1]``: ``1.0`` for ``N = 0``, ``0.0`` for ``A = 0 < N``.
        Values below ~1e-308 underflow to ``0.0``.

    Raises:
        InvalidArgument: If an argument is negative, NaN, infinite, or ``agents`` is
            not an integer.

    Runtime complexity: ``O(min(N, sqrt(A) + max(0, N - A)))``, and ``O(1)`` once
    ``N`` is ~10 standard deviations above ``A``; about 30 us at 100,000 agents.

    >>> erlang_b(1, 1)
    0.5
    >>> round(erlang_b(10, 10), 5)
    0.21458
    """
    return _erlang_b(_non_negative("traffic", traffic), _agents("agents", agents))


def erlang_c(traffic: float, agents: int) -> float:
    """Erlang C: probability that an arrival to an M/M/N queue has to wait.

    ``C = N B / (N - A (1 - B))`` with ``B`` the Erlang B probability.

    Args:
        traffic: Offered traffic ``A`` in erlangs (finite, ``>= 0``).
        agents: Number of agents ``N`` (integer, ``>= 0``).

    Returns:
        ``C(A, N)`` in ``[0, 1]``; ``1.0`` whenever ``A >= N`` (overload, including
        ``N = 0``).

    Raises:
        InvalidArgument: If an argument is negative, NaN, infinite, or ``agents`` is
            not an integer.

    Runtime complexity: as :func:`erlang_b`, ``O(sqrt(A) + max(0, N - A))`` at worst.

    >>> erlang_c(0.5, 1)  # M/M/1: C = rho
    0.5
    >>> erlang_c(12, 10)
    1.0
    """
    return _erlang_c(_non_negative("traffic", traffic), _agents("agents", agents))


def _service_level(traffic: float, agents: int, aht: float, target: float) -> float:
    if traffic >= agents:
        return 0.0
    c = _erlang_c(traffic, agents)
    return min(1.0, max(0.0, 1.0 - c * math.exp(-(agents - traffic) * target / aht)))


def _asa(traffic: float, agents: int, aht: float) -> float:
    if traffic >= agents:
        return math.inf
    return _erlang_c(traffic, agents) * aht / (agents - traffic)


def service_level(traffic: float, agents: int, aht: float, target: float) -> float:
    """Erlang C service level: fraction of contacts answered within ``target`` s.

    ``SL = 1 - C(A, N) exp(-(N - A) target / aht)``.

    Args:
        traffic: Offered traffic ``A`` in erlangs (finite, ``>= 0``).
        agents: Number of agents ``N`` (integer, ``>= 0``).
        aht: Mean handle time in seconds (finite, ``> 0``).
        target: Answer-time target in seconds (finite, ``>= 0``).

    Returns:
        The service level in ``[0, 1]``; ``0.0`` under overload (``A >= N``).

    Raises:
        InvalidArgument: If an argument is out of range, NaN or infinite.

    Runtime complexity: as :func:`erlang_c`.

    >>> round(service_level(48, 54, aht=240, target=20), 4)
    0.8172
    """
    return _service_level(
        _non_negative("traffic", traffic),
        _agents("agents", agents),
        _positive("aht", aht),
        _non_negative("target", target),
    )


def asa(traffic: float, agents: int, aht: float) -> float:
    """Erlang C average speed of answer (mean wait in queue), in seconds.

    ``ASA = C(A, N) aht / (N - A)``.

    Args:
        traffic: Offered traffic ``A`` in erlangs (finite, ``>= 0``).
        agents: Number of agents ``N`` (integer, ``>= 0``).
        aht: Mean handle time in seconds (finite, ``> 0``).

    Returns:
        The mean wait over all contacts; ``math.inf`` under overload (``A >= N``).

    Raises:
        InvalidArgument: If an argument is out of range, NaN or infinite.

    Runtime complexity: as :func:`erlang_c`.

    >>> asa(0.5, 1, aht=60)  # M/M/1: rho / (1 - rho) * aht
    60.0
    >>> asa(3, 3, aht=60)
    inf
    """
    return _asa(_non_negative("traffic", traffic), _agents("agents", agents), _positive("aht", aht))


def _occupancy(traffic: float, agents: int) -> float:
    if agents == 0:
        return 1.0 if traffic > 0.0 else 0.0
    return min(1.0, traffic / agents)


def occupancy(traffic: float, agents: int) -> float:
    """Agent occupancy of a queue without abandonment, ``min(1, A / N)``.

    With no agents the occupancy is defined as ``1.0`` when there is traffic (the
    team is saturated, as ``A / N -> inf``) and ``0.0`` when there is none.

    Args:
        traffic: Offered traffic ``A`` in erlangs (finite, ``>= 0``).
        agents: Number of agents ``N`` (integer, ``>= 0``).

    Returns:
        The occupancy in ``[0, 1]``.

    Raises:
        InvalidArgument: If an argument is out of range, NaN or infinite.

    Runtime complexity: ``O(1)``.

    >>> occupancy(48, 55)
    0.8727272727272727
    >>> occupancy(5, 0)
    1.0
    """
    return _occupancy(_non_negative("traffic", traffic), _agents("agents", agents))


# --------------------------------------------------------------------------- Erlang A


def _erlang_a_no_abandonment(
    arrival_rate: float, aht: float, agents: int, target: float
) -> ErlangAResult:
    """Infinite patience: Erlang C (with the overload values when ``A >= N``)."""
    traffic = arrival_rate * aht
    if traffic >= agents:
        return ErlangAResult(
            wait_probability=1.0,
            abandon_probability=0.0,
            mean_wait=math.inf,
            service_level=0.0,
            occupancy=_occupancy(traffic, agents),
            asa=math.inf,
            mean_queue_length=math.inf,
        )
    wait = _asa(traffic, agents, aht)
    return ErlangAResult(
        wait_probability=_erlang_c(traffic, agents),
        abandon_probability=0.0,
        mean_wait=wait,
        service_level=_service_level(traffic, agents, aht, target),
        occupancy=_occupancy(traffic, agents),
        asa=wait,
        mean_queue_length=arrival_rate * wait,
    )


def _erlang_a_chain(
    arrival_rate: float,
    aht: float,
    patience: float,
    agents: int,
    target: float,
    *,
    full_window: bool = False,
) -> ErlangAResult:
    """Exact M/M/N+M measures for ``N >= 1``, ``lam > 0`` and ``0 < patience < inf``.

    Notation: ``c = N mu / theta``, ``r = lam / theta``; the queue state ``N + k`` has
    weight ``t_k = prod_{i=1..k} r / (c + i)`` relative to state ``N``, and the states
    below ``N`` have total weight ``u = 1 / B(A, N) - 1``.
    """
    lam, n = arrival_rate, agents
    traffic = lam * aht
    c = n * patience / aht
    r = lam * patience
    # Window of queue lengths k carrying all but e^-45 of the tail mass, sized in
    # floating point first so that absurd inputs cannot overflow an int conversion.
    peak_f = max(0.0, r - c)
    span_f = _WINDOW_SIGMAS * math.sqrt(r) + _WINDOW_PAD
    if c + 1.0 > r:
        span_f = min(span_f, _WINDOW_DECADES / math.log((c + 1.0) / r) + 2.0)
    states = (peak_f if full_window else min(peak_f, span_f)) + span_f
    if not (states <= _MAX_QUEUE_WINDOW and math.isfinite(c)):  # also catches inf and nan
        raise InvalidArgument(
            "patience must be smaller for an exact Erlang A evaluation at this load "
            f"(would need {states:.3g} queue states), got {patience!r}; "
            "use patience=math.inf for Erlang C"
        )
    with np.errstate(divide="ignore", under="ignore"):
        return _erlang_a_window(
            lam,
            patience,
            n,
            target,
            traffic,
            c,
            r,
            math.floor(peak_f),
            math.ceil(span_f),
            full_window=full_window,
        )


def _erlang_a_window(
    lam: float,
    patience: float,
    n: int,
    target: float,
    traffic: float,
    c: float,
    r: float,
    peak: int,
    span: int,
    *,
    full_window: bool,
) -> ErlangAResult:
    """The body of :func:`_erlang_a_chain` once the queue window is known to be sane."""
    _, _, log_u = _erlang_b_parts(traffic, n)
    k_lo = 0 if full_window else max(0, peak - span)
    k_hi = peak + span
    ks = np.arange(k_lo, k_hi + 1, dtype=np.float64)
    later = ks[1:]

    log_t = np.empty_like(ks)
    log_t[0] = 0.0 if k_lo == 0 else k_lo * math.log(r) - _log_rising(c + 1.0, k_lo)
    log_t[1:] = log_t[0] + np.cumsum(np.log(r / (c + later)))

    scale = max(log_u, float(log_t.max()))
    weights = np.exp(log_t - scale)
    tail = float(weights.sum())
    below = math.exp(log_u - scale)
    total = below + tail
    probs: _FloatArray = weights / total  # P(arrival finds N + k in system)
    p_nowait = below / total
    p_wait = tail / total
    p_state_n = math.exp(-scale) / total  # t_0 = 1
    queue_length = float(np.dot(ks, probs))

    # An arrival finding k others waiting is answered (before its own patience runs
    # out) with probability c / (c + k + 1) -- the product of the chances that each
    # of the k + 1 "advance" events (rate N mu + j theta) beats its own abandonment
    # (rate theta) telescopes. Given that, its wait is a sum of independent
    # exponentials with rates theta (c + j), j = 1..k+1, whose CDF at t is the
    # regularised incomplete beta I_x(k + 1, c + 1) with x = 1 - exp(-theta t).
    answered_if_k = c / (c + ks + 1.0)
    served = probs * answered_if_k
    p_answered_after_wait = float(served.sum())

    tt = target / patience
    x = -math.expm1(-tt)
    if x > 0.0:
        log_x = math.log(x)
        b = c + 1.0
        if k_lo == 0:
            g_first = -math.expm1(-b * tt)  # I_x(1, b) = 1 - (1 - x)^b
            log_pmf_first = -b * tt
        else:
            g_first = _betainc(k_lo + 1, b, x, log_x, math.exp(-tt), -tt)
            log_pmf_first = _log_rising(b, k_lo) - math.lgamma(k_lo + 1.0) + k_lo * log_x - b * tt
        # I_x(k + 2, b) = I_x(k + 1, b) - g_{k+1}, g the negative-binomial pmf
        # g_m = Gamma(m + b) / (m! Gamma(b)) x^m (1 - x)^b.
        log_pmf = log_pmf_first + np.cumsum(np.log1p(c / later) + log_x)
        within = np.empty_like(ks)
        within[0] = g_first
        within[1:] = g_first - np.cumsum(np.exp(log_pmf))
        np.clip(within, 0.0, 1.0, out=within)
        sl_after_wait = float(np.dot(served, within))
    else:
        sl_after_wait = 0.0

    # E[wait; answered]: mean of the exponential sum above is sum_j 1 / (theta (c + j)).
    harmonic = np.empty_like(ks)
    harmonic[0] = _harmonic(c + 1.0, k_lo + 1)
    harmonic[1:] = harmonic[0] + np.cumsum(1.0 / (c + later + 1.0))
    wait_answered = patience * float(np.dot(served, harmonic))
    p_answered = p_nowait + p_answered_after_wait

    abandon = queue_length / r
    busy = traffic * p_nowait + n * max(0.0, p_wait - p_state_n)
    return ErlangAResult(
        wait_probability=min(1.0, p_wait),
        abandon_probability=min(1.0, abandon),
        mean_wait=queue_length / lam,
        service_level=min(1.0, max(0.0, p_nowait + sl_after_wait)),
        occupancy=min(1.0, busy / n),
        asa=wait_answered / p_answered if p_answered > 0.0 else math.inf,
        mean_queue_length=queue_length,
    )


def _erlang_a(
    arrival_rate: float, aht: float, patience: float, agents: int, target: float
) -> ErlangAResult:
    if math.isinf(patience):
        return _erlang_a_no_abandonment(arrival_rate, aht, agents, target)
    if agents == 0:
        return ErlangAResult(
            wait_probability=1.0,
            abandon_probability=1.0,
            mean_wait=patience,
            service_level=0.0,
            occupancy=1.0 if arrival_rate > 0.0 else 0.0,
            asa=math.inf,
            mean_queue_length=arrival_rate * patience,
        )
    traffic = arrival_rate * aht
    if traffic == 0.0:
        # No arrivals (or under ~1e-300 erlangs, where nobody waits to double precision).
        return ErlangAResult(
            wait_probability=0.0,
            abandon_probability=0.0,
            mean_wait=0.0,
            service_level=1.0,
            occupancy=0.0,
            asa=0.0,
            mean_queue_length=0.0,
        )
    c = agents * patience / aht
    r = arrival_rate * patience
    if patience == 0.0 or (r < _PATIENCE_NEGLIGIBLE and c < _PATIENCE_NEGLIGIBLE):
        # Patience is zero, or so short against both the service and the arrival
        # time scales that the loss system is exact to double precision.
        blocked = _erlang_b(traffic, agents)
        return ErlangAResult(
            wait_probability=blocked,
            abandon_probability=blocked,
            mean_wait=0.0,
            service_level=1.0 - blocked,
            occupancy=min(1.0, traffic * (1.0 - blocked) / agents),
            asa=0.0,
            mean_queue_length=0.0,
        )
    if r == 0.0:
        # lam * patience underflows while N * patience / aht does not: the traffic is
        # below ~1e-300 erlangs, i.e. nobody ever waits (to double precision).
        return _erlang_a(0.0, aht, patience, agents, target)
    return _erlang_a_chain(arrival_rate, aht, patience, agents, target)


def erlang_a(
    arrival_rate: float, aht: float, patience: float, agents: int, target: float
) -> ErlangAResult:
    """Erlang A: M/M/N+M queue with exponentially distributed customer patience.

    Exact steady state of the birth-death chain (Garnett, Mandelbaum & Reiman 2002):
    states ``n <= N`` leave at rate ``n mu``, state ``N + k`` at ``N mu + k theta``
    (``mu = 1 / aht``, ``theta = 1 / patience``). The infinite tail is truncated
    adaptively where its terms fall below ``e^-45`` of the largest (log space).

    * ``wait_probability`` = P(arrival finds all agents busy) (PASTA);
    * ``abandon_probability`` = ``theta E[Lq] / lam``; ``mean_wait`` = ``E[Lq] / lam``;
    * ``service_level`` = P(no wait) + P(wait, answered, wait <= target). An arrival
      that finds ``k`` others waiting moves up at rate ``N mu + j theta`` (j ahead)
      while its own patience clock runs at rate ``theta``; it is answered with
      probability ``N mu / (N mu + (k + 1) theta)``, and given that, its wait is a
      sum of exponentials with rates ``N mu + j theta``, ``j = 1..k+1``, whose CDF is
      a regularised incomplete beta function. The sum over ``k`` is exact. (It equals
      ``pi_N N mu int_0^t exp(lam/theta (1 - e^{-theta s}) - (N mu + theta) s) ds``.)
    * ``occupancy`` = mean busy agents / N, which equals
      ``lam (1 - P(abandon)) aht / N``.

    Limits: ``patience = inf`` is Erlang C (overload values when ``A >= N``);
    ``patience = 0`` is the Erlang B loss system (``P(abandon) = B``); ``agents = 0``
    means every contact waits and abandons (occupancy reported as 1.0, as in
    :func:`occupancy`). With finite patience the queue is stable at any load, so
    overload (``A > N``) is computed exactly.

    Args:
        arrival_rate: Arrivals per second ``lam`` (finite, ``>= 0``).
        aht: Mean handle time in seconds (finite, ``> 0``).
        patience: Mean patience in seconds (``>= 0``; ``math.inf`` allowed).
        agents: Number of agents ``N`` (integer, ``>= 0``).
        target: Answer-time target in seconds for the service level (finite, ``>= 0``).

    Returns:
        An :class:`ErlangAResult`.

    Raises:
        InvalidArgument: If an argument is out of range, NaN, or wrongly typed, or
            ``patience`` is so long (near critical load) that the exact chain would
            need more than two million queue states.

    Runtime complexity: ``O(sqrt(A) + sqrt(lam * patience))`` time and memory
    (vectorised), plus an ``O(sqrt(lam * patience))`` continued fraction in heavy
    overload; about 0.1 ms at 10,000 agents.

    >>> res = erlang_a(arrival_rate=0.2, aht=240, patience=math.inf, agents=55, target=20)
    >>> round(res.wait_probability, 4), res.abandon_probability
    (0.2387, 0.0)
    >>> res = erlang_a(arrival_rate=0.2, aht=240, patience=120, agents=50, target=20)
    >>> 0 < res.abandon_probability < res.wait_probability < 1
    True
    """
    rate = _non_negative("arrival_rate", arrival_rate)
    handle = _positive("aht", aht)
    _traffic_of(rate, handle)
    return _erlang_a(
        rate,
        handle,
        _non_negative("patience", patience, allow_inf=True),
        _agents("agents", agents),
        _non_negative("target", target),
    )


def _traffic_of(arrival_rate: float, aht: float) -> float:
    traffic = arrival_rate * aht
    if math.isinf(traffic):
        raise InvalidArgument(
            f"arrival_rate * aht must be finite, got arrival_rate={arrival_rate!r}, aht={aht!r}"
        )
    return traffic


# ------------------------------------------------------------------------- staffing

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


def _optional(name: str, value: object, check: Callable[[str, object], float]) -> float | None:
    return None if value is None else check(name, value)


def _fraction_open(name: str, value: object) -> float:
    result = _real(name, value)
    if not 0.0 < result <= 1.0:
        raise InvalidArgument(f"{name} must be in (0, 1], got {value!r}")
    return result


def _shrinkage(name: str, value: object) -> float:
    result = _real(name, value)
    if not 0.0 <= result < 1.0:
        raise InvalidArgument(f"{name} must be in [0, 1), got {value!r}")
    return result


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
        _non_negative("target", target),
        _optional("service_level", service_level, _probability),
        _optional("max_asa", max_asa, _non_negative),
        _optional("max_abandon", max_abandon, _probability),
        _optional("max_occupancy", max_occupancy, _fraction_open),
        _optional("patience", patience, lambda n, v: _non_negative(n, v, allow_inf=True)),
        _shrinkage("shrinkage", shrinkage),
        _non_negative("surge", surge),
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
        surge: Extra fraction of agents held for peaks, ``>= 0``.

    Returns:
        A :class:`StaffingResult`; ``scheduled`` is
        ``ceil(agents * (1 + surge) / (1 - shrinkage))``.

    Raises:
        InvalidArgument: If an argument is invalid, both or neither of ``traffic``
            and ``arrival_rate`` are given, or no staffing within
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
    aht_v = _positive("aht", aht)
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
        erlangs = _non_negative("traffic", traffic)
        return erlangs, erlangs / aht
    rate = _non_negative("arrival_rate", arrival_rate)
    return _traffic_of(rate, aht), rate


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
            is invalid, or ``aht`` has a different length than ``forecast``.

    Runtime complexity: one :func:`required_agents` per distinct
    ``(volume, aht)`` pair.

    >>> [r.agents for r in required_agents_by_interval([0, 360, 180], interval_s=1800,
    ...                                                aht=240, target=20)]
    [0, 54, 29]
    """
    if isinstance(forecast, str | bytes | Mapping) or not isinstance(forecast, Iterable):
        raise InvalidArgument(f"forecast must be a sequence of numbers, got {forecast!r}")
    values = [_non_negative(f"forecast[{i}]", v) for i, v in enumerate(forecast)]
    length = _positive("interval_s", interval_s)
    if isinstance(aht, str | bytes | Mapping):
        raise InvalidArgument(f"aht must be a number or a sequence of numbers, got {aht!r}")
    if isinstance(aht, Iterable):
        handle = [_positive(f"aht[{i}]", v) for i, v in enumerate(aht)]
        if len(handle) != len(values):
            raise InvalidArgument(
                f"aht must have one value per interval ({len(values)}), got {len(handle)}"
            )
    else:
        handle = [_positive("aht", aht)] * len(values)
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
    for value, handle_time in zip(values, handle, strict=True):
        rate = value if rate_is_given else value / length
        _traffic_of(rate, handle_time)
        key = (rate, handle_time)
        result = memo.get(key)
        if result is None:
            result = _required(rate * handle_time, rate, handle_time, *checked)
            memo[key] = result
        results.append(result)
    return results
