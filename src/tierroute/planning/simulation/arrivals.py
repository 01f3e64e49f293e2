"""Arrival-rate profiles over the day, and the per-stream source of arrivals.

A profile gives a stream's rate as a function of the time since the start of the
day: constant, piecewise constant per interval (a planner's forecast), or smooth
(a base rate plus Gaussian peaks). :class:`StreamSource` turns it into arrivals by
thinning a homogeneous Poisson process at the profile's peak rate (Lewis & Shedler),
drawing candidates and every contact attribute in numpy batches, and hands the
engine plain Python lists so that each arrival costs a few list look-ups.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from tierroute.planning.simulation._units import ClockTime, Duration
from tierroute.planning.simulation.distributions import Distribution

__all__ = [
    "ArrivalProfile",
    "ConstantArrivals",
    "IntervalArrivals",
    "Peak",
    "ScheduledArrivals",
    "SmoothArrivals",
    "StreamPlan",
    "StreamSource",
]

_BATCH = 2048
_Rate = Annotated[float, Field(ge=0, allow_inf_nan=False)]
RateFn = Callable[[NDArray[np.float64]], NDArray[np.float64]]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConstantArrivals(_Frozen):
    """The same rate all day."""

    kind: Literal["constant"] = "constant"
    rate_per_hour: _Rate


class IntervalArrivals(_Frozen):
    """Expected contacts per interval of the scenario (piecewise-constant rate).

    ``per_interval`` has one value per interval of the horizon.
    """

    kind: Literal["intervals"] = "intervals"
    per_interval: tuple[_Rate, ...] = Field(min_length=1)


class Peak(_Frozen):
    """A Gaussian bump of the rate centred on ``at`` (a time of day)."""

    at: ClockTime
    per_hour: _Rate
    width: Duration = Field(description="Standard deviation of the bump.")


class SmoothArrivals(_Frozen):
    """A smooth intraday curve: ``base_per_hour`` plus Gaussian peaks."""

    kind: Literal["smooth"] = "smooth"
    base_per_hour: _Rate = 0.0
    peaks: tuple[Peak, ...] = ()


class ScheduledArrivals(_Frozen):
    """Arrivals at exactly these times of day (a replayed trace or a hand-made test);
    the busyness factor does not apply."""

    kind: Literal["scheduled"] = "scheduled"
    times: tuple[ClockTime, ...]


def _profile_tag(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return str(getattr(value, "kind", None))
    if not isinstance(value, dict):
        return None
    if "kind" in value:
        return str(value["kind"])
    if "per_interval" in value:
        return "intervals"
    if "rate_per_hour" in value:
        return "constant"
    if "peaks" in value or "base_per_hour" in value:
        return "smooth"
    if "times" in value:
        return "scheduled"
    return None


ArrivalProfile = Annotated[
    Annotated[ConstantArrivals, Tag("constant")]
    | Annotated[IntervalArrivals, Tag("intervals")]
    | Annotated[SmoothArrivals, Tag("smooth")]
    | Annotated[ScheduledArrivals, Tag("scheduled")],
    Discriminator(
        _profile_tag,
        custom_error_type="arrival_profile",
        custom_error_message=(
            "give rate_per_hour (constant), per_interval (list), peaks/base_per_hour "
            "(smooth) or times (scheduled)"
        ),
    ),
]
"""A stream's arrival profile; ``kind`` may be left out when the fields say it."""


def rate_function(
    profile: ConstantArrivals | IntervalArrivals | SmoothArrivals | ScheduledArrivals,
    start: float,
    interval: float,
) -> tuple[RateFn | None, float]:
    """Compile a profile into ``(rate(u) per second, peak rate)``, ``u`` being seconds
    since the start of the day. ``rate`` is ``None`` for a constant profile (no
    thinning); a scheduled profile has no rate (``peak`` 0).
    """
    if isinstance(profile, ScheduledArrivals):
        return None, 0.0
    if isinstance(profile, ConstantArrivals):
        return None, profile.rate_per_hour / 3600.0
    if isinstance(profile, IntervalArrivals):
        rates = np.asarray(profile.per_interval, dtype=float) / interval
        last = len(rates) - 1

        def piecewise(u: NDArray[np.float64]) -> NDArray[np.float64]:
            k = np.minimum((u / interval).astype(np.int64), last)
            return rates[k]

        return piecewise, float(rates.max())
    base = profile.base_per_hour / 3600.0
    at = np.asarray([p.at - start for p in profile.peaks], dtype=float)
    height = np.asarray([p.per_hour / 3600.0 for p in profile.peaks], dtype=float)
    width = np.asarray([max(p.width, 1e-9) for p in profile.peaks], dtype=float)

    def smooth(u: NDArray[np.float64]) -> NDArray[np.float64]:
        z = (u[:, None] - at[None, :]) / width[None, :]
        out: NDArray[np.float64] = base + (height[None, :] * np.exp(-0.5 * z * z)).sum(axis=1)
        return out

    # Peaks overlap at most additively: base + sum of heights bounds the rate.
    return smooth, base + float(height.sum())


class StreamPlan:
    """One contact stream compiled for the engine (plain data, picklable).

    Attributes are indices into the engine's tables: ``tiers`` holds tier names,
    ``tier_p``/``sev_p``/``lang_p`` cumulative probabilities for the mixes.
    """

    __slots__ = (
        "channel",
        "concierge_ids",
        "concierge_share",
        "concierge_tiers",
        "handle",
        "index",
        "lang_cum",
        "languages",
        "min_seniority",
        "name",
        "patience",
        "peak",
        "periods",
        "rate",
        "scheduled",
        "sev_cum",
        "severities",
        "skills",
        "tier_cum",
        "tiers",
        "values",
    )

    def __init__(
        self,
        *,
        index: int,
        name: str,
        channel: int,
        rate: RateFn | None,
        peak: float,
        tiers: Sequence[int],
        tier_p: Sequence[float],
        severities: Sequence[int],
        sev_p: Sequence[float],
        languages: Sequence[str | None],
        lang_p: Sequence[float],
        skills: dict[str, int],
        values: Sequence[float],
        min_seniority: Sequence[int],
        handle: Distribution,
        patience: Distribution | None,
        periods: Sequence[tuple[float, float, Distribution | None, Distribution | None]],
        concierge_share: float,
        concierge_tiers: frozenset[int],
        concierge_ids: Sequence[str],
        scheduled: Sequence[float] | None = None,
    ) -> None:
        self.index = index
        self.scheduled = None if scheduled is None else np.sort(np.asarray(scheduled, float))
        self.name = name
        self.channel = channel
        self.rate = rate
        self.peak = peak
        self.tiers = np.asarray(tiers, dtype=np.int64)
        self.tier_cum = _cum(tier_p)
        self.severities = np.asarray(severities, dtype=np.int64)
        self.sev_cum = _cum(sev_p)
        self.languages = tuple(languages)
        self.lang_cum = _cum(lang_p)
        self.skills = skills
        self.values = np.asarray(values, dtype=float)
        self.min_seniority = np.asarray(min_seniority, dtype=np.int64)
        self.handle = handle
        self.patience = patience
        self.periods = tuple(periods)
        self.concierge_share = concierge_share
        self.concierge_tiers = concierge_tiers
        self.concierge_ids = tuple(concierge_ids)

    def attributes(self, rng: np.random.Generator, u: NDArray[np.float64]) -> tuple[list[Any], ...]:
        """Draw every attribute of contacts arriving at day offsets ``u``.

        Returns lists (not arrays), the engine indexing them one contact at a time:
        ``(tier, severity, language, value, min_seniority, handle, patience, concierge)``.
        """
        n = len(u)
        tier_i = np.searchsorted(self.tier_cum, rng.random(n), side="right")
        tier = self.tiers[np.minimum(tier_i, len(self.tiers) - 1)]
        sev_i = np.searchsorted(self.sev_cum, rng.random(n), side="right")
        sev = self.severities[np.minimum(sev_i, len(self.severities) - 1)]
        lang_i = np.minimum(
            np.searchsorted(self.lang_cum, rng.random(n), side="right"), len(self.languages) - 1
        )
        handle = self.handle.sample(rng, n)
        patience = np.full(n, np.inf) if self.patience is None else self.patience.sample(rng, n)
        for start, end, p_handle, p_patience in self.periods:
            mask = (u >= start) & (u < end)
            k = int(mask.sum())
            if p_handle is not None:
                handle[mask] = p_handle.sample(rng, k)
            if p_patience is not None:
                patience[mask] = p_patience.sample(rng, k)
        conc: list[str | None] = [None] * n
        if self.concierge_share > 0 and self.concierge_ids:
            pick = rng.random(n) < self.concierge_share
            who = rng.integers(0, len(self.concierge_ids), n)
            ids = self.concierge_ids
            ct = self.concierge_tiers
            for i in np.flatnonzero(pick).tolist():
                if int(tier[i]) in ct:
                    conc[i] = ids[int(who[i])]
        langs = self.languages
        return (
            tier.tolist(),
            sev.tolist(),
            [langs[i] for i in lang_i.tolist()],
            self.values[tier].tolist(),
            self.min_seniority[tier].tolist(),
            handle.tolist(),
            patience.tolist(),
            conc,
        )


def _cum(p: Sequence[float]) -> NDArray[np.float64]:
    a = np.cumsum(np.asarray(p, dtype=float))
    out: NDArray[np.float64] = a / a[-1]
    return out


class StreamSource:
    """Arrivals of one stream in one replication, produced chunk by chunk.

    The engine reads ``times[pos]`` and the attribute lists (``tier``, ``sev``,
    ``lang``, ``value``, ``min_sen``, ``handle``, ``patience``, ``concierge``) at
    ``pos``, then calls
    :meth:`advance`. Arrival times and attributes come from two generators, so a
    change to a mix leaves the arrival times alone (common random numbers).
    """

    __slots__ = (
        "busy",
        "concierge",
        "done",
        "handle",
        "horizon",
        "lang",
        "min_sen",
        "offset",
        "patience",
        "plan",
        "pos",
        "rng_attr",
        "rng_time",
        "sev",
        "t",
        "tier",
        "times",
        "value",
    )

    def __init__(
        self,
        plan: StreamPlan,
        rng_time: np.random.Generator,
        rng_attr: np.random.Generator,
        *,
        horizon: float,
        busyness: float,
        offset: float,
    ) -> None:
        self.plan = plan
        self.rng_time = rng_time
        self.rng_attr = rng_attr
        self.horizon = horizon
        self.busy = busyness
        self.offset = offset
        self.t = 0.0
        self.pos = 0
        self.times: list[float] = []
        self.tier: list[int] = []
        self.sev: list[int] = []
        self.lang: list[str | None] = []
        self.value: list[float] = []
        self.min_sen: list[int] = []
        self.handle: list[float] = []
        self.patience: list[float] = []
        self.concierge: list[str | None] = []
        self.done = False
        self._refill()

    def advance(self) -> bool:
        """Move to the next arrival; False when the stream has no more today."""
        self.pos += 1
        if self.pos >= len(self.times):
            self._refill()
        return not self.done

    def _candidates(self) -> NDArray[np.float64] | None:
        """The next batch of arrival offsets, or ``None`` when the stream is over."""
        plan = self.plan
        if plan.scheduled is not None:
            u = plan.scheduled[(plan.scheduled >= self.t) & (plan.scheduled < self.horizon)]
            self.t = self.horizon
            return u if len(u) else None
        peak = plan.peak * self.busy
        while peak > 0.0 and self.t < self.horizon:
            u = self.t + np.cumsum(self.rng_time.exponential(1.0 / peak, _BATCH))
            self.t = float(u[-1])
            keep = self.rng_time.random(_BATCH)
            u = u[u < self.horizon]
            if plan.rate is not None:
                u = u[keep[: len(u)] * peak < plan.rate(u) * self.busy]
            if len(u):
                return u
        return None

    def _refill(self) -> None:
        self.pos = 0
        u = self._candidates()
        if u is None:
            self.done = True
            self.times = []
            return
        (
            self.tier,
            self.sev,
            self.lang,
            self.value,
            self.min_sen,
            self.handle,
            self.patience,
            self.concierge,
        ) = self.plan.attributes(self.rng_attr, u)
        self.times = (u + self.offset).tolist()
