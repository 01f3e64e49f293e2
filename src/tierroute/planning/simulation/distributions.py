"""Handle-time and patience distributions of a scenario.

Each distribution is a small frozen pydantic model tagged by ``kind`` and draws a
whole batch at once from a :class:`numpy.random.Generator` (never one value at a
time: the engine pre-draws per stream).

>>> import numpy as np
>>> d = Gamma(mean=180.0, cv=0.5)
>>> x = d.sample(np.random.default_rng(1), 100_000)
>>> round(float(x.mean()) / 180.0, 2), round(float(x.std() / x.mean()), 2)
(1.0, 0.5)
>>> Empirical(values=[60, 120], weights=[3, 1]).mean
75.0
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Deterministic",
    "Distribution",
    "Empirical",
    "Exponential",
    "Gamma",
    "LogNormal",
]

_Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @property
    def mean(self) -> float:
        """The distribution's mean in seconds."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        """Draw ``size`` values (seconds, all >= 0)."""
        raise NotImplementedError


class Exponential(_Dist):
    """Exponential with the given mean (the Markovian case of Erlang C and A)."""

    kind: Literal["exponential"] = "exponential"
    mean_s: _Positive = Field(alias="mean")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def mean(self) -> float:
        """The mean in seconds."""
        return self.mean_s

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        """Draw ``size`` values."""
        return rng.exponential(self.mean_s, size)


class LogNormal(_Dist):
    """Log-normal given by its own mean and standard deviation (not those of the log)."""

    kind: Literal["lognormal"] = "lognormal"
    mean_s: _Positive = Field(alias="mean")
    sd: _Positive

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def mean(self) -> float:
        """The mean in seconds."""
        return self.mean_s

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        """Draw ``size`` values."""
        sigma2 = math.log1p((self.sd / self.mean_s) ** 2)
        mu = math.log(self.mean_s) - sigma2 / 2.0
        return rng.lognormal(mu, math.sqrt(sigma2), size)


class Gamma(_Dist):
    """Gamma given by its mean and coefficient of variation (cv = 1 is exponential)."""

    kind: Literal["gamma"] = "gamma"
    mean_s: _Positive = Field(alias="mean")
    cv: _Positive

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def mean(self) -> float:
        """The mean in seconds."""
        return self.mean_s

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        """Draw ``size`` values."""
        shape = 1.0 / (self.cv * self.cv)
        return rng.gamma(shape, self.mean_s / shape, size)


class Deterministic(_Dist):
    """Always the same value."""

    kind: Literal["deterministic"] = "deterministic"
    value: float = Field(ge=0, allow_inf_nan=False)

    @property
    def mean(self) -> float:
        """The value."""
        return self.value

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:  # noqa: ARG002
        """``size`` copies of the value (draws nothing from ``rng``)."""
        return np.full(size, self.value)


class Empirical(_Dist):
    """Observed values, drawn with replacement (optionally weighted)."""

    kind: Literal["empirical"] = "empirical"
    values: tuple[Annotated[float, Field(ge=0, allow_inf_nan=False)], ...] = Field(min_length=1)
    weights: tuple[Annotated[float, Field(ge=0, allow_inf_nan=False)], ...] | None = None

    @model_validator(mode="after")
    def _check(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights has {len(self.weights)} entries but values has {len(self.values)}"
                )
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self

    def _p(self) -> NDArray[np.float64] | None:
        if self.weights is None:
            return None
        w = np.asarray(self.weights, dtype=float)
        p: NDArray[np.float64] = w / w.sum()
        return p

    @property
    def mean(self) -> float:
        """The (weighted) mean of the values."""
        p = self._p()
        v = np.asarray(self.values, dtype=float)
        return float(v.mean() if p is None else v @ p)

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        """Draw ``size`` values."""
        return rng.choice(np.asarray(self.values, dtype=float), size=size, p=self._p())


Distribution = Annotated[
    Exponential | LogNormal | Gamma | Deterministic | Empirical,
    Field(discriminator="kind"),
]
"""Any handle-time or patience distribution, tagged by ``kind``."""
