"""Special functions behind the Erlang formulas, accurate in double precision far
beyond where ``math.lgamma`` differences and factorials fail: Loader's saddle-point
Poisson terms (Loader, "Fast and accurate computation of binomial probabilities",
2000), rising factorials and harmonic sums in log space, and the regularised
incomplete beta function (continued fraction, modified Lentz).
"""

from __future__ import annotations

import math
from typing import Final

__all__ = [
    "SMALL_WINDOW",
    "betainc",
    "harmonic",
    "log_poisson_pmf",
    "log_rising",
]

_HALF_LOG_2PI: Final = 0.5 * math.log(2.0 * math.pi)
SMALL_WINDOW: Final = 32
"""Sums up to this many terms are done in plain Python (cheaper than numpy)."""
_MAX_CF_ITER_FLOOR: Final = 1000


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


def log_poisson_pmf(n: int, mean: float) -> float:
    """``log P(X = n)`` for ``X ~ Poisson(mean)``, ``n >= 1``, to ~1e-15 absolute."""
    return -_stirlerr(float(n)) - _bd0(float(n), mean) - 0.5 * math.log(2.0 * math.pi * n)


def log_rising(x: float, n: int) -> float:
    """``log Gamma(x + n) - log Gamma(x)`` for ``x > 0`` and integer ``n >= 0``.

    Accurate to ``~1e-16 * n * log(x + n)`` absolute, unlike a difference of two
    ``math.lgamma`` values, whose error grows with ``x``.
    """
    if n <= 0:
        return 0.0
    if n <= SMALL_WINDOW:
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


def harmonic(x: float, n: int) -> float:
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


def betainc(a: int, b: float, x: float, log_x: float, y: float, log_y: float) -> float:
    """Regularised incomplete beta ``I_x(a, b)`` for integer ``a >= 1``, ``b > 0``.

    ``y = 1 - x`` and both logarithms are passed in so that neither side loses digits.
    """
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    log_front = log_rising(b, a) - math.lgamma(a) + a * log_x + b * log_y
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, y) / b
