"""Customer value scoring and value tiers.

This module owns the answer to "how much is this customer worth to us, and which
tier are they in?". It turns a :class:`CustomerProfile` (CLV, RFM, margin after
cost-to-serve, connected value, the strategic flag and an optional CRM tier) into a
:class:`ValueScore` (a score in [0, 1], a tier and the weighted parts that explain
it), one customer at a time with :meth:`ValueModel.score` or a million at a time
with :meth:`ValueModel.score_batch`. Both paths run through the very same numpy
code and give bit-for-bit identical results. Routing (priority boosts, tie-breaks)
lives elsewhere; it only consumes the score and the tier.

The score
---------
With ``sat(x; ref) = x / (x + ref)`` -- 0 at ``x = 0``, exactly 0.5 at ``x = ref``,
rising towards (never above) 1 -- each component is a factor in [0, 1]::

    clv       = sat(clv_past + clv_predicted; clv_reference)
    recency   = 1 / (1 + recency_days / recency_half_life_days)   (unknown: unknown_recency)
    frequency = sat(frequency; frequency_reference)
    monetary  = sat(spend; spend_reference)
    rfm       = (recency + frequency + monetary) / 3
    margin    = 0.5 + 0.5 * m / (|m| + margin_reference),   m = spend - cost_to_serve
    connected = sat(connected_value; connected_reference)

    score = min(1, w_clv*clv + w_rfm*rfm + w_margin*margin + w_connected*connected)

where the weights ``w`` are :class:`ValueWeights` scaled to sum to 1. The margin
factor is 0.5 at break-even, above 0.5 for profitable customers and below 0.5 for
customers who cost more to serve than they spend: a big spender who is expensive
to serve is worth less.

Every step is a single IEEE-754 operation (``+ - * /``, ``abs``, ``copysign``,
``minimum``), each correctly rounded and monotone, with no ``exp`` or ``tanh``.
Hence the score is *exactly* monotone in each input (never a last-bit reversal),
the same on every CPU and numpy build, and independent of batch length. The
algebra is arranged so (for example) ``sat`` is computed as
``w / (1 + ref / x)``, where each operation depends on ``x`` alone.

Tiers
-----
Tiers are ordered lowest to highest (``standard < premium < elite`` by default).
The tier is, in order of precedence:

1. the CRM tier, when the CRM has one (``source="crm"``) -- it wins both up and down;
2. otherwise the highest tier whose threshold the score reaches, ``score >= threshold``
   (``source="threshold"``);
3. raised to ``strategic_floor`` for strategic customers whose threshold tier is
   below it (``source="strategic_floor"``); the floor never lowers a tier.

>>> model = ValueModel()
>>> vs = model.score(CustomerProfile(clv_past=4000, clv_predicted=1000, recency_days=90,
...                                  frequency=12, spend=1000, cost_to_serve=500,
...                                  connected_value=1000))
>>> vs.score, vs.tier, vs.source
(0.5625, 'premium', 'threshold')
>>> dict(vs.parts)
{'clv': 0.2, 'rfm': 0.125, 'margin': 0.1875, 'connected': 0.05}
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tierroute.errors import InvalidArgument, PolicyError

__all__ = [
    "BatchScores",
    "CustomerProfile",
    "ValueModel",
    "ValueScore",
    "ValueWeights",
]

MAX_TIERS: Final = 127
"""Most tiers a model may have: tier indices are stored as ``int8``."""

_SEARCHSORTED_ABOVE: Final = 8
"""With more thresholds than this, tiers come from ``np.searchsorted`` instead of
one comparison pass per threshold. Both give ``score >= threshold`` semantics."""

_PART_NAMES: Final = ("clv", "rfm", "margin", "connected")

_FloatArray = npt.NDArray[np.float64]
_TierArray = npt.NDArray[np.int8]

Source = Literal["crm", "threshold", "strategic_floor"]


class CustomerProfile(BaseModel):
    """What the business knows about one customer's value.

    All amounts are in the deployment's currency and must be finite and
    non-negative.

    Args:
        customer_id: Optional id, carried for the caller's convenience.
        clv_past: Gross value the customer has brought so far.
        clv_predicted: Predicted future value.
        recency_days: Days since the last purchase; ``None`` when unknown.
        frequency: Purchases per year.
        spend: Annual spend.
        cost_to_serve: Annual cost of serving the customer (contacts, returns, ...).
        connected_value: Referral / influence value.
        strategic: Flag set by the account team (logo customer, pilot partner...);
            lifts the tier to the model's ``strategic_floor``.
        crm_tier: Tier recorded in the CRM; when set it decides the tier.

    >>> CustomerProfile(spend=1200, cost_to_serve=300).recency_days is None
    True
    >>> CustomerProfile(spend=-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for CustomerProfile
    spend
    ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    customer_id: str | None = None
    clv_past: float = Field(default=0.0, ge=0)
    clv_predicted: float = Field(default=0.0, ge=0)
    recency_days: float | None = Field(default=None, ge=0)
    frequency: float = Field(default=0.0, ge=0)
    spend: float = Field(default=0.0, ge=0)
    cost_to_serve: float = Field(default=0.0, ge=0)
    connected_value: float = Field(default=0.0, ge=0)
    strategic: bool = False
    crm_tier: str | None = None


class ValueWeights(BaseModel):
    """Relative weight of each component of the score.

    Weights are non-negative and need not sum to 1: the model divides each by
    their total. A weight of 0 switches the component off.

    The defaults put CLV first (it is the most direct measure of what the
    customer is worth over the relationship), margin and RFM next (margin after
    cost-to-serve corrects "spends a lot" into "earns us a lot"; RFM says
    whether the customer is active now), and connected value last (referral and
    influence value is real but usually estimated roughly).

    Args:
        clv: Weight of customer lifetime value (past + predicted). Default 0.40.
        rfm: Weight of recency, frequency and monetary value. Default 0.25.
        margin: Weight of margin after cost-to-serve. Default 0.25.
        connected: Weight of connected / social value. Default 0.10.

    >>> ValueWeights(clv=2, rfm=1, margin=1, connected=0).normalised()
    (0.5, 0.25, 0.25, 0.0)
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    clv: float = Field(default=0.40, ge=0)
    rfm: float = Field(default=0.25, ge=0)
    margin: float = Field(default=0.25, ge=0)
    connected: float = Field(default=0.10, ge=0)

    @model_validator(mode="after")
    def _positive_total(self) -> ValueWeights:
        if not self.clv + self.rfm + self.margin + self.connected > 0:
            raise ValueError("at least one of clv, rfm, margin, connected must be positive")
        return self

    def normalised(self) -> tuple[float, float, float, float]:
        """The weights ``(clv, rfm, margin, connected)`` scaled to sum to 1."""
        total = self.clv + self.rfm + self.margin + self.connected
        return (self.clv / total, self.rfm / total, self.margin / total, self.connected / total)


@dataclass(frozen=True, slots=True)
class ValueScore:
    """A customer's value score and tier.

    Attributes:
        score: Value score in [0, 1].
        tier: Tier name.
        tier_index: Position of ``tier`` in the model's ``tiers`` (0 = lowest).
        source: Why this tier: ``"crm"`` (the CRM tier), ``"threshold"`` (the
            score's threshold) or ``"strategic_floor"`` (raised by the strategic flag).
        parts: Weighted contribution of each component (``clv``, ``rfm``,
            ``margin``, ``connected``). ``score`` is
            ``min(1, clv + rfm + margin + connected)`` added in that order, exactly.
    """

    score: float
    tier: str
    tier_index: int
    source: Source
    parts: Mapping[str, float] = field(hash=False)


@dataclass(frozen=True, slots=True, eq=False)
class BatchScores:
    """Scores and tiers of a batch of customers (read-only arrays).

    Attributes:
        scores: Value scores in [0, 1], ``float64``.
        tier_index: Tier of each customer as an index into ``tiers``, ``int8``.
        tiers: The model's tier names, lowest first.

    >>> b = ValueModel().score_batch(spend=np.array([0.0, 5000.0]),
    ...                              clv_past=np.array([0.0, 50000.0]),
    ...                              frequency=np.array([0.0, 50.0]),
    ...                              recency_days=np.array([np.nan, 10.0]))
    >>> b.tier_index.tolist(), b.tier_names().tolist()
    ([0, 2], ['standard', 'elite'])
    """

    scores: _FloatArray
    tier_index: _TierArray
    tiers: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.scores.shape[0])

    def tier_names(self) -> npt.NDArray[np.object_]:
        """The tier name of each customer, as an object array of ``str``."""
        return np.asarray(self.tiers, dtype=object)[self.tier_index]


class _Derived(NamedTuple):
    """Constants the numpy kernels need, derived from a model's fields."""

    w_clv: float
    w_rfm3: float  # rfm weight / 3: each of recency, frequency, monetary
    half_margin: float  # margin weight / 2
    w_connected: float
    unknown_recency_part: float
    thresholds: _FloatArray
    floor: int  # strategic floor tier index, -1 for none
    tier_index: Mapping[str, int]


class ValueModel(BaseModel):
    """Configuration of the value score and the tiers, and the scoring itself.

    Each ``*_reference`` is the input at which its factor reaches 0.5 (the margin
    factor: 0.75, halfway from break-even to its maximum). The
    defaults describe a mid-market consumer business; **calibrate them on your
    own customer base**: a good start is to set each reference near the 80th
    percentile of its input, so that the top ~20% of customers -- who typically
    bring ~80% of revenue -- sit above 0.5 on each component, and then to pick
    ``thresholds`` from the distribution of scores.

    Args:
        weights: Relative weight of each component, see :class:`ValueWeights`.
        clv_reference: CLV (past + predicted) at which the CLV factor is 0.5.
            Default 5000.
        recency_half_life_days: Days since the last purchase at which the recency
            factor has halved to 0.5; it is 1/3 at twice that and 1/4 at three
            times (hyperbolic decay, gentler than exponential for long-lapsed
            customers). Default 90 days: a quarter without buying halves it.
        unknown_recency: Recency factor used when ``recency_days`` is unknown, in
            [0, 1]. Default 0: no evidence of recent activity earns nothing.
        frequency_reference: Purchases per year at which the frequency factor is
            0.5. Default 12 (a monthly buyer).
        spend_reference: Annual spend at which the monetary factor is 0.5.
            Default 1000.
        margin_reference: Annual margin (spend - cost_to_serve) at which the margin
            factor is 0.75; a loss of the same size gives 0.25 and break-even 0.5.
            Default 500.
        connected_reference: Connected (referral / influence) value at which its
            factor is 0.5. Default 1000.
        tiers: Tier names, lowest first. Default ``("standard", "premium", "elite")``.
        thresholds: Score needed to enter each tier above the lowest: strictly
            increasing, in (0, 1), one fewer than ``tiers``. A score exactly at a
            threshold enters that tier. Default ``(0.5, 0.75)``: a customer at the
            reference level on every component (and a margin of
            ``margin_reference``) scores 0.5625 and is premium; elite needs well
            above reference on most components.
        strategic_floor: Lowest tier a strategic customer gets unless the CRM says
            otherwise, or ``None`` for no floor. Default ``"premium"``. Must name
            one of ``tiers`` (set it explicitly with a custom tier set).

    Invalid values raise pydantic's ``ValidationError`` (a ``ValueError``);
    :meth:`from_mapping` and :meth:`from_toml` raise
    :class:`~tierroute.errors.PolicyError` naming the field instead.

    >>> model = ValueModel(tiers=("basic", "gold"), thresholds=(0.6,), strategic_floor=None)
    >>> model.tier_for(0.6), model.tier_for(0.59, strategic=True)
    ('gold', 'basic')
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    weights: ValueWeights = Field(default_factory=ValueWeights)
    clv_reference: float = Field(default=5000.0, gt=0)
    recency_half_life_days: float = Field(default=90.0, gt=0)
    unknown_recency: float = Field(default=0.0, ge=0, le=1)
    frequency_reference: float = Field(default=12.0, gt=0)
    spend_reference: float = Field(default=1000.0, gt=0)
    margin_reference: float = Field(default=500.0, gt=0)
    connected_reference: float = Field(default=1000.0, gt=0)
    tiers: tuple[str, ...] = Field(
        default=("standard", "premium", "elite"), min_length=1, max_length=MAX_TIERS
    )
    thresholds: tuple[float, ...] = Field(default=(0.5, 0.75), validate_default=True)
    strategic_floor: str | None = Field(default="premium", validate_default=True)

    @field_validator("tiers")
    @classmethod
    def _check_tiers(cls, tiers: tuple[str, ...]) -> tuple[str, ...]:
        for i, name in enumerate(tiers):
            if not name.strip():
                raise ValueError(f"tier name {i} is empty")
            if name in tiers[:i]:
                raise ValueError(f"tier name {name!r} appears twice")
        return tiers

    @field_validator("thresholds")
    @classmethod
    def _check_thresholds(
        cls, thresholds: tuple[float, ...], info: ValidationInfo
    ) -> tuple[float, ...]:
        for i, t in enumerate(thresholds):
            if not 0 < t < 1:
                raise ValueError(f"threshold {i} is {t!r}; thresholds must be in (0, 1)")
            if i and not t > thresholds[i - 1]:
                raise ValueError(
                    f"thresholds must be strictly increasing, got {thresholds[i - 1]!r} then {t!r}"
                )
        tiers = info.data.get("tiers")
        if tiers is not None and len(thresholds) != len(tiers) - 1:
            raise ValueError(
                f"{len(tiers)} tiers {tiers!r} need {len(tiers) - 1} thresholds, "
                f"got {len(thresholds)}: {thresholds!r}"
            )
        return thresholds

    @field_validator("strategic_floor")
    @classmethod
    def _check_floor(cls, floor: str | None, info: ValidationInfo) -> str | None:
        tiers = info.data.get("tiers")
        if floor is not None and tiers is not None and floor not in tiers:
            raise ValueError(
                f"strategic_floor {floor!r} is not one of the tiers {tiers!r}; "
                "set it to one of them or to None"
            )
        return floor

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str | None = None) -> ValueModel:
        """Build a model from plain data (e.g. a parsed config file section).

        Args:
            data: Field name → value; nested ``weights`` as a mapping.
            source: Where the data came from, quoted in errors.

        Raises:
            PolicyError: A field is unknown, missing a valid value or inconsistent;
                ``location`` is the field's dotted path (e.g. ``thresholds.1``).

        >>> ValueModel.from_mapping({"weights": {"connected": 0}}).weights.connected
        0.0
        >>> ValueModel.from_mapping({"thresholds": [0.8, 0.7]}, source="value.toml")
        Traceback (most recent call last):
        ...
        tierroute.errors.PolicyError: value.toml: thresholds: thresholds must be strictly increasing, got 0.8 then 0.7
        """  # noqa: E501
        where = source if source is not None else "value model"
        if not isinstance(data, Mapping):
            raise PolicyError(
                f"{where}: expected a table of settings, got {type(data).__name__}",
                source=source,
            )
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            first = errors[0]
            location = ".".join(str(p) for p in first["loc"]) or None
            messages = []
            for err in errors:
                loc = ".".join(str(p) for p in err["loc"]) or "(model)"
                msg = str(err["msg"]).removeprefix("Value error, ")
                if err["type"] not in {"value_error", "missing"}:
                    msg += f" (got {err['input']!r})"
                messages.append(f"{loc}: {msg}")
            raise PolicyError(
                f"{where}: " + "; ".join(messages), source=source, location=location
            ) from exc

    @classmethod
    def from_toml(cls, path: str | PathLike[str], *, table: str | None = None) -> ValueModel:
        """Load a model from a TOML file.

        Args:
            path: The file.
            table: Dotted name of the table holding the settings (e.g. ``"value"``
                for a ``[value]`` section of a larger policy file); ``None`` for the
                whole document.

        Raises:
            PolicyError: The file cannot be read, is not valid TOML, lacks ``table``,
                or holds an invalid setting; ``source`` is the file.

        A file looks like::

            clv_reference = 8000.0
            tiers = ["standard", "premium", "elite", "platinum"]
            thresholds = [0.45, 0.65, 0.85]

            [weights]
            clv = 0.5
            connected = 0.0
        """
        source = str(path)
        try:
            with Path(path).open("rb") as fh:
                data: Any = tomllib.load(fh)
        except OSError as exc:
            raise PolicyError(
                f"{source}: cannot read: {exc.strerror or exc}", source=source
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{source}: invalid TOML: {exc}", source=source) from exc
        if table is not None:
            for i, key in enumerate(table.split(".")):
                if not isinstance(data, Mapping) or key not in data:
                    partial = ".".join(table.split(".")[: i + 1])
                    raise PolicyError(
                        f"{source}: no table [{partial}]", source=source, location=partial
                    )
                data = data[key]
            if not isinstance(data, Mapping):
                raise PolicyError(
                    f"{source}: {table} must be a table, got {type(data).__name__}",
                    source=source,
                    location=table,
                )
        try:
            return cls.from_mapping(data, source=source)
        except PolicyError as exc:
            if table is None or exc.location is None:
                raise
            location = f"{table}.{exc.location}"
            raise PolicyError(str(exc), source=source, location=location) from exc

    # ------------------------------------------------------------------ scoring

    def score(self, profile: CustomerProfile) -> ValueScore:
        """Score one customer and give the tier.

        Computed through the same numpy code as :meth:`score_batch`, so the two
        agree to the last bit.

        Raises:
            InvalidArgument: ``profile.crm_tier`` is not one of the model's tiers.

        >>> model = ValueModel()
        >>> model.score(CustomerProfile(spend=100, strategic=True)).tier
        'premium'
        >>> model.score(CustomerProfile(clv_past=10**6, crm_tier="standard")).source
        'crm'
        """
        if not isinstance(profile, CustomerProfile):
            raise InvalidArgument(
                f"profile must be a CustomerProfile, got {type(profile).__name__}"
            )
        d = self._derived()
        crm = -1 if profile.crm_tier is None else self._crm_index(profile.crm_tier, d)
        recency = math.nan if profile.recency_days is None else profile.recency_days
        total, clv, rfm, margin, connected = _score_arrays(
            d,
            self,
            clv_past=np.array([profile.clv_past]),
            clv_predicted=np.array([profile.clv_predicted]),
            recency_days=np.array([recency]),
            frequency=np.array([profile.frequency]),
            spend=np.array([profile.spend]),
            cost_to_serve=np.array([profile.cost_to_serve]),
            connected_value=np.array([profile.connected_value]),
        )
        score = float(total[0])
        index, source = self._tier_and_source(total, profile.strategic, crm, d)
        parts = (clv, rfm, margin, connected)
        return ValueScore(
            score=score,
            tier=self.tiers[index],
            tier_index=index,
            source=source,
            parts=MappingProxyType(
                {k: float(v[0]) for k, v in zip(_PART_NAMES, parts, strict=True)}
            ),
        )

    def tier_for(
        self, score: float, *, crm_tier: str | None = None, strategic: bool = False
    ) -> str:
        """The tier of a customer with this score.

        Args:
            score: A value score in [0, 1].
            crm_tier: The CRM's tier for the customer, if any; it wins.
            strategic: Whether the account team flagged the customer strategic.

        Raises:
            InvalidArgument: ``score`` is not a number in [0, 1] or ``crm_tier`` is
                not one of the model's tiers.

        >>> model = ValueModel()
        >>> model.tier_for(0.75), model.tier_for(0.2, strategic=True)
        ('elite', 'premium')
        >>> model.tier_for(0.9, crm_tier="standard")
        'standard'
        """
        if isinstance(score, bool) or not isinstance(score, (int, float, np.floating)):
            raise InvalidArgument(f"score must be a number, got {type(score).__name__}")
        if not 0 <= score <= 1:
            raise InvalidArgument(f"score must be in [0, 1], got {score!r}")
        d = self._derived()
        crm = -1 if crm_tier is None else self._crm_index(crm_tier, d)
        index, _ = self._tier_and_source(np.array([float(score)]), bool(strategic), crm, d)
        return self.tiers[index]

    def score_batch(
        self,
        *,
        clv_past: npt.ArrayLike | None = None,
        clv_predicted: npt.ArrayLike | None = None,
        recency_days: npt.ArrayLike | None = None,
        frequency: npt.ArrayLike | None = None,
        spend: npt.ArrayLike | None = None,
        cost_to_serve: npt.ArrayLike | None = None,
        connected_value: npt.ArrayLike | None = None,
        strategic: npt.ArrayLike | None = None,
        crm_tier: npt.ArrayLike | Sequence[str | None] | None = None,
    ) -> BatchScores:
        """Score many customers at once; row ``i`` equals ``score()`` of profile ``i``.

        Each argument is a 1-D array with one row per customer, holding the
        :class:`CustomerProfile` field of the same name. Omitted arrays take the
        profile's default (0, unknown recency, not strategic, no CRM tier); at
        least one must be given.

        Args:
            clv_past: Finite, non-negative.
            clv_predicted: Finite, non-negative.
            recency_days: Non-negative; NaN means unknown.
            frequency: Finite, non-negative.
            spend: Finite, non-negative.
            cost_to_serve: Finite, non-negative.
            connected_value: Finite, non-negative.
            strategic: Booleans.
            crm_tier: Either integer tier indices with -1 for "no CRM tier", or a
                sequence of tier names and ``None``.

        Returns:
            The scores and tier indices, as read-only arrays.

        Raises:
            InvalidArgument: An array is not 1-D, has the wrong dtype or length, or
                holds a bad value; the message names the array (and the first bad row).

        >>> model = ValueModel()
        >>> b = model.score_batch(spend=[100.0, 100.0, 100.0], strategic=[False, True, True],
        ...                       crm_tier=[None, None, "standard"])
        >>> b.tier_names().tolist()
        ['standard', 'premium', 'standard']
        >>> float(b.scores[0]) == model.score(CustomerProfile(spend=100)).score
        True
        """
        given = {
            "clv_past": clv_past,
            "clv_predicted": clv_predicted,
            "recency_days": recency_days,
            "frequency": frequency,
            "spend": spend,
            "cost_to_serve": cost_to_serve,
            "connected_value": connected_value,
        }
        arrays: dict[str, _FloatArray] = {}
        n: int | None = None
        first = ""
        for name, value in given.items():
            if value is None:
                continue
            arr = _float_array(name, value)
            n, first = _check_length(name, arr, n, first)
            arrays[name] = arr
        strategic_arr: npt.NDArray[np.bool_] | None = None
        if strategic is not None:
            strategic_arr = _bool_array("strategic", strategic)
            n, first = _check_length("strategic", strategic_arr, n, first)
        d = self._derived()
        crm_arr: _TierArray | None = None
        if crm_tier is not None:
            crm_arr = self._crm_array(crm_tier, d)
            n, first = _check_length("crm_tier", crm_arr, n, first)
        if n is None:
            raise InvalidArgument("score_batch needs at least one array")
        for name, arr in arrays.items():
            _check_values(name, arr, allow_nan=name == "recency_days")

        zero = np.broadcast_to(np.float64(0.0), (n,))
        total = _score_arrays(
            d,
            self,
            clv_past=arrays.get("clv_past", zero),
            clv_predicted=arrays.get("clv_predicted", zero),
            recency_days=arrays.get("recency_days", np.broadcast_to(np.float64(math.nan), (n,))),
            frequency=arrays.get("frequency", zero),
            spend=arrays.get("spend", zero),
            cost_to_serve=arrays.get("cost_to_serve", zero),
            connected_value=arrays.get("connected_value", zero),
        )[0]
        tier_index = _tier_arrays(total, strategic_arr, crm_arr, d)
        total.setflags(write=False)
        tier_index.setflags(write=False)
        return BatchScores(scores=total, tier_index=tier_index, tiers=self.tiers)

    # ------------------------------------------------------------------ helpers

    def _derived(self) -> _Derived:
        # Recomputed per call (cheap) rather than cached, so a model can never
        # carry constants that disagree with its fields.
        w_clv, w_rfm, w_margin, w_connected = self.weights.normalised()
        w_rfm3 = w_rfm / 3
        return _Derived(
            w_clv=w_clv,
            w_rfm3=w_rfm3,
            half_margin=w_margin / 2,
            w_connected=w_connected,
            unknown_recency_part=w_rfm3 * self.unknown_recency,
            thresholds=np.array(self.thresholds, dtype=np.float64),
            floor=-1 if self.strategic_floor is None else self.tiers.index(self.strategic_floor),
            tier_index={name: i for i, name in enumerate(self.tiers)},
        )

    def _crm_index(self, name: object, d: _Derived) -> int:
        index = d.tier_index.get(name) if isinstance(name, str) else None
        if index is None:
            raise InvalidArgument(f"crm_tier {name!r} is not one of the tiers {self.tiers!r}")
        return index

    def _crm_array(self, crm_tier: object, d: _Derived) -> _TierArray:
        if isinstance(crm_tier, np.ndarray) and crm_tier.dtype.kind in "iu":
            if crm_tier.ndim != 1:
                raise InvalidArgument(f"crm_tier must be 1-D, got shape {crm_tier.shape}")
            if crm_tier.size:
                lo, hi = int(crm_tier.min()), int(crm_tier.max())
                if lo < -1 or hi >= len(self.tiers):
                    bad = int(np.flatnonzero((crm_tier < -1) | (crm_tier >= len(self.tiers)))[0])
                    raise InvalidArgument(
                        f"crm_tier[{bad}] is {int(crm_tier[bad])}; tier indices must be -1 "
                        f"(none) or 0..{len(self.tiers) - 1}"
                    )
            return crm_tier.astype(np.int8)
        if isinstance(crm_tier, (str, bytes)) or not isinstance(crm_tier, (Sequence, np.ndarray)):
            raise InvalidArgument(
                "crm_tier must be an integer array of tier indices or a sequence of tier "
                f"names and None, got {type(crm_tier).__name__}"
            )
        if isinstance(crm_tier, np.ndarray) and crm_tier.ndim != 1:
            raise InvalidArgument(f"crm_tier must be 1-D, got shape {crm_tier.shape}")
        lookup: dict[str | None, int] = {None: -1}
        lookup.update(d.tier_index)
        try:
            indices = [lookup[name] for name in crm_tier]
        except (KeyError, TypeError):
            for i, name in enumerate(crm_tier):
                if not (name is None or (isinstance(name, str) and name in d.tier_index)):
                    raise InvalidArgument(
                        f"crm_tier[{i}] is {name!r}, not one of the tiers {self.tiers!r} or None"
                    ) from None
            raise  # pragma: no cover - unreachable
        return np.array(indices, dtype=np.int8)

    def _tier_and_source(
        self, score: _FloatArray, strategic: bool, crm: int, d: _Derived
    ) -> tuple[int, Source]:
        if crm >= 0:
            return crm, "crm"
        by_threshold = int(_tier_arrays(score, None, None, d)[0])
        if strategic and d.floor > by_threshold:
            floored = _tier_arrays(score, np.array([True]), np.array([-1], dtype=np.int8), d)
            return int(floored[0]), "strategic_floor"
        return by_threshold, "threshold"


# ---------------------------------------------------------------------- kernels


def _score_arrays(
    d: _Derived,
    m: ValueModel,
    *,
    clv_past: _FloatArray,
    clv_predicted: _FloatArray,
    recency_days: _FloatArray,
    frequency: _FloatArray,
    spend: _FloatArray,
    cost_to_serve: _FloatArray,
    connected_value: _FloatArray,
) -> tuple[_FloatArray, _FloatArray, _FloatArray, _FloatArray, _FloatArray]:
    """The score and its weighted parts ``(total, clv, rfm, margin, connected)``.

    The single implementation behind both the scalar and the batch path. Inputs
    are validated float64 arrays of one length (or broadcast views); they are
    never written to. Every operation is one correctly rounded IEEE operation
    whose result depends on the array element alone, so the result does not
    depend on the batch length, and each step is monotone in its one varying
    operand.
    """
    with np.errstate(divide="ignore", over="ignore"):
        # CLV: w / (1 + ref / x) == w * x / (x + ref); x = 0 gives ref/0 = inf -> 0.
        clv = np.add(clv_past, clv_predicted)
        np.divide(m.clv_reference, clv, out=clv)
        np.add(clv, 1.0, out=clv)
        np.divide(d.w_clv, clv, out=clv)

        # RFM: recency w / (1 + days / half-life); NaN (unknown) -> fixed part.
        rfm = np.divide(recency_days, m.recency_half_life_days)
        np.add(rfm, 1.0, out=rfm)
        np.divide(d.w_rfm3, rfm, out=rfm)
        np.copyto(rfm, d.unknown_recency_part, where=np.isnan(rfm))
        tmp = np.divide(m.frequency_reference, frequency)
        np.add(tmp, 1.0, out=tmp)
        np.divide(d.w_rfm3, tmp, out=tmp)
        np.add(rfm, tmp, out=rfm)
        np.divide(m.spend_reference, spend, out=tmp)
        np.add(tmp, 1.0, out=tmp)
        np.divide(d.w_rfm3, tmp, out=tmp)
        np.add(rfm, tmp, out=rfm)

        # Margin: w/2 + sign(x) * (w/2 - (w/2) / (1 + |x| / ref))
        #       == w * (0.5 + 0.5 * x / (|x| + ref)),  x = spend - cost_to_serve.
        # The inner quotient never exceeds w/2, so the bracket is never negative.
        np.subtract(spend, cost_to_serve, out=tmp)
        margin = np.abs(tmp)
        np.divide(margin, m.margin_reference, out=margin)
        np.add(margin, 1.0, out=margin)
        np.divide(d.half_margin, margin, out=margin)
        np.subtract(d.half_margin, margin, out=margin)
        np.copysign(margin, tmp, out=margin)
        np.add(margin, d.half_margin, out=margin)

        # Connected value: same saturation as CLV.
        connected = np.divide(m.connected_reference, connected_value)
        np.add(connected, 1.0, out=connected)
        np.divide(d.w_connected, connected, out=connected)

        # Sum in a fixed order; the normalised weights may add up to a hair over 1.
        total = np.add(clv, rfm)
        np.add(total, margin, out=total)
        np.add(total, connected, out=total)
        np.minimum(total, 1.0, out=total)
    return total, clv, rfm, margin, connected


def _tier_arrays(
    scores: _FloatArray,
    strategic: npt.NDArray[np.bool_] | None,
    crm: _TierArray | None,
    d: _Derived,
) -> _TierArray:
    """Tier indices: thresholds (``score >= t``), then the strategic floor, then CRM."""
    thresholds = d.thresholds
    if thresholds.size > _SEARCHSORTED_ABOVE:
        index = np.searchsorted(thresholds, scores, side="right").astype(np.int8)
    else:
        index = np.zeros(scores.shape, dtype=np.int8)
        for t in thresholds:
            np.add(index, scores >= t, out=index)
    if strategic is not None and d.floor > 0:
        np.maximum(index, np.int8(d.floor), out=index, where=strategic)
    if crm is not None:
        np.copyto(index, crm, where=crm >= 0)
    return index


# ---------------------------------------------------------------------- input checks


def _float_array(name: str, value: object) -> _FloatArray:
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"{name} is not a numeric array: {exc}") from exc
    if arr.dtype.kind not in "iuf":
        raise InvalidArgument(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise InvalidArgument(f"{name} must be 1-D, got shape {arr.shape}")
    return arr.astype(np.float64, copy=False)


def _bool_array(name: str, value: object) -> npt.NDArray[np.bool_]:
    arr = np.asarray(value)
    if arr.dtype.kind != "b":
        raise InvalidArgument(f"{name} must be a bool array, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise InvalidArgument(f"{name} must be 1-D, got shape {arr.shape}")
    return arr


def _check_length(name: str, arr: npt.NDArray[Any], n: int | None, first: str) -> tuple[int, str]:
    if n is None:
        return int(arr.shape[0]), name
    if arr.shape[0] != n:
        raise InvalidArgument(
            f"{name} has {arr.shape[0]} rows but {first} has {n}; all arrays need one length"
        )
    return n, first


def _check_values(name: str, arr: _FloatArray, *, allow_nan: bool) -> None:
    """Reject negative and infinite values (and NaN unless ``allow_nan``).

    Two read-only reductions, no temporaries; the first bad row is located only
    when there is one.
    """
    if arr.size == 0:
        return
    if allow_nan:
        lo, hi = np.fmin.reduce(arr), np.fmax.reduce(arr)
        ok = not lo < 0 and hi != math.inf
    else:
        lo, hi = arr.min(), arr.max()
        ok = bool(lo >= 0) and hi < math.inf
    if ok:
        return
    bad_mask = (arr < 0) | np.isinf(arr) if allow_nan else ~((arr >= 0) & (arr < math.inf))
    bad = int(np.flatnonzero(bad_mask)[0])
    need = "non-negative (or NaN for unknown)" if allow_nan else "finite and non-negative"
    raise InvalidArgument(f"{name}[{bad}] is {float(arr[bad])!r}; values must be {need}")
