"""The :class:`Scenario`: what a capacity planner writes.

A scenario is a frozen pydantic model loaded from TOML, YAML or JSON
(:meth:`Scenario.from_file`) with a JSON Schema (``tierroute schema scenario``). It
names the day (start, horizon, interval length, warm-up), the agent groups with
their skills and shifts, the contact streams with their tier, severity and language
mixes, arrival profiles and handle-time / patience distributions, the routing
policy (a preset plus overrides, with auto-accept forced on), cost rates,
an optional initial backlog and a day-level busyness factor.

Bad input raises :class:`~tierroute.errors.PolicyError` naming the file, the dotted
path of each bad field and, for TOML and YAML files, its line. Files are read within
the bounds of :mod:`tierroute.policy.loading` (a regular file of at most 4 MiB).

**Limits.** A valid scenario can still ask for more work than any run could do (a
rate of 1e9 per hour, a 1,000-year horizon, a billion replications). Before running,
:func:`~tierroute.planning.simulation.runner.simulate` calls
:meth:`Scenario.check_limits`, which estimates the work and refuses, naming the
field, a scenario past any of these:

==========================  =================================================
:data:`MAX_CONTACTS`        expected contacts per replication (arrivals over
                            the horizon, plus the backlog): 2,000,000
:data:`MAX_TOTAL_CONTACTS`  expected contacts × replications: 20,000,000
:data:`MAX_REPLICATIONS`    replications: 10,000
:data:`MAX_AGENTS`          agents (every group's count, largest count per
                            interval, or its shifts' counts added): 100,000
:data:`MAX_DURATION`        the horizon, ``max_drain`` and a backlog's ``age``:
                            366 days
:data:`MAX_INTERVALS`       intervals in the horizon (``horizon / interval``):
                            50,000
==========================  =================================================

The simulator handles about 80,000 contacts a second per process, so the defaults
allow runs of a few minutes. ``force=True`` (``tierroute simulate --force``)
multiplies every limit by :data:`FORCE_FACTOR` (100).

>>> s = Scenario.from_mapping({
...     "horizon": "2h", "interval": "30m",
...     "agents": [{"name": "team", "count": 3}],
...     "streams": [{"name": "calls", "channel": "voice", "tiers": {"standard": 1},
...                  "arrivals": {"rate_per_hour": 50},
...                  "handle_time": {"kind": "exponential", "mean": 180}}],
... })
>>> s.n_intervals, s.policy.offer.auto_accept
(4, True)
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from tierroute._args import int_in_range
from tierroute.errors import InvalidArgument, PolicyError
from tierroute.models import Channel, Severity
from tierroute.planning.simulation._units import ClockTime, Duration
from tierroute.planning.simulation.arrivals import (
    ArrivalProfile,
    ConstantArrivals,
    IntervalArrivals,
    ScheduledArrivals,
)
from tierroute.planning.simulation.distributions import Distribution
from tierroute.policy.loading import (
    LocatedError,
    policy_fields,
    preset_names,
    pydantic_error_to_policy_error,
    read_mapping_file,
)
from tierroute.policy.model import Policy

__all__ = [
    "FORCE_FACTOR",
    "MAX_AGENTS",
    "MAX_CONTACTS",
    "MAX_DURATION",
    "MAX_INTERVALS",
    "MAX_REPLICATIONS",
    "MAX_TOTAL_CONTACTS",
    "AgentGroup",
    "Backlog",
    "Break",
    "ChannelCost",
    "ContactStream",
    "Period",
    "Scenario",
    "Shift",
]

MAX_CONTACTS: Final = 2_000_000
"""Most expected contacts per replication (arrivals over the horizon plus backlog)."""
MAX_TOTAL_CONTACTS: Final = 20_000_000
"""Most expected contacts over all replications (a few minutes on one core)."""
MAX_REPLICATIONS: Final = 10_000
"""Most replications."""
MAX_AGENTS: Final = 100_000
"""Most agents over all groups."""
MAX_DURATION: Final = 366 * 86_400.0
"""Longest horizon, ``max_drain`` or backlog ``age``, in seconds (366 days)."""
MAX_INTERVALS: Final = 50_000
"""Most reporting intervals in the horizon."""
FORCE_FACTOR: Final = 100
"""What ``force=True`` (``--force``) multiplies every limit by."""

_Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
_Weight = Annotated[float, Field(ge=0, allow_inf_nan=False)]
_Money = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Break(_Frozen):
    """A break every agent of a shift takes.

    Attributes:
        start: When the first agent goes on break (time of day).
        duration: How long the break lasts.
        stagger: Agents' breaks are spread evenly over ``[start, start + stagger)``
            so that not everyone leaves at once.
    """

    start: ClockTime
    duration: Duration = Field(gt=0)
    stagger: Duration = 0.0


class Shift(_Frozen):
    """``count`` agents present from ``start`` to ``end`` (``[start, end)``).

    ``end`` left out means until the day ends, drain included. At ``end`` agents
    stop taking work, finish what they hold (and its wrap-up) and log out.
    """

    start: ClockTime
    end: ClockTime | None = None
    count: int = Field(ge=0)
    breaks: tuple[Break, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Shift:
        if self.end is not None and self.end <= self.start:
            raise LocatedError(
                "end", f"end ({self.end:g} s) must be after start ({self.start:g} s)"
            )
        return self


class AgentGroup(_Frozen):
    """Agents with the same profile.

    Exactly one of ``count`` (present all day), ``count_per_interval`` (staffing
    by interval: when it drops, the agents leaving finish their contact first;
    when it rises, new agents take waiting work at once) or ``shifts``.

    Attributes:
        name: Group name (agent ids are ``name-0``, ``name-1``, …).
        skills: Skill → proficiency.
        languages: Languages spoken.
        seniority: Level name or index in the policy's ``seniority_levels``.
        channels: Channel → maximum concurrent contacts.
        capacity: Capacity units (see the policy's channel costs).
        concierge: These agents are named concierges: contacts of a stream's
            ``concierge_share`` get one of them, picked at random.
        cost_per_hour: Paid cost per logged-in hour.
    """

    name: str = Field(min_length=1)
    count: int | None = Field(default=None, ge=0)
    count_per_interval: tuple[Annotated[int, Field(ge=0)], ...] | None = None
    shifts: tuple[Shift, ...] = ()
    skills: dict[str, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)
    languages: tuple[str, ...] = ()
    seniority: int | str = 0
    channels: dict[Channel, Annotated[int, Field(ge=0)]] = Field(
        default_factory=lambda: {Channel.VOICE: 1}
    )
    capacity: int = Field(default=100, ge=1)
    concierge: bool = False
    cost_per_hour: _Money = 0.0

    @model_validator(mode="after")
    def _check(self) -> AgentGroup:
        given = [
            n
            for n, v in (
                ("count", self.count is not None),
                ("count_per_interval", self.count_per_interval is not None),
                ("shifts", bool(self.shifts)),
            )
            if v
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of count, count_per_interval or shifts"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class Period(_Frozen):
    """Handle time and/or patience that differ for contacts arriving in ``[start, end)``."""

    start: ClockTime
    end: ClockTime
    handle_time: Distribution | None = None
    patience: Distribution | None = None

    @model_validator(mode="after")
    def _check(self) -> Period:
        if self.end <= self.start:
            raise LocatedError(
                "end", f"end ({self.end:g} s) must be after start ({self.start:g} s)"
            )
        return self


def _severity_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            key = k
            if isinstance(k, str):
                text = k.strip().upper()
                key = int(text[1:]) if text.startswith("P") and text[1:].isdigit() else k
            out[key] = v
        return out
    return value


class ContactStream(_Frozen):
    """Contacts of one kind: a channel, required skills, mixes and an arrival profile.

    Attributes:
        name: Stream name.
        channel: Channel of every contact.
        arrivals: Arrival profile (constant, per interval, or smooth).
        tiers: Tier mix: tier name → weight.
        severity: Severity mix: ``"P1"`` … ``"P4"`` → weight.
        skills: Required skill → minimum proficiency.
        languages: Language mix: language → weight; empty means no language need.
        min_seniority: Minimum agent seniority by tier.
        value: Customer value score in [0, 1] by tier (priority boost and ties).
        handle_time: Handle-time distribution.
        patience: Patience distribution; ``None`` means customers never abandon.
        periods: Handle time / patience by period of arrival.
        concierge_share: Share of contacts, of tiers whose relaxation ladder starts
            with a concierge step, that have a named concierge.
        callback_acceptance: Share of this stream's customers who accept an offered
            VIP callback; ``None`` takes the scenario's ``callback_acceptance``.
    """

    name: str = Field(min_length=1)
    channel: Channel
    arrivals: ArrivalProfile
    tiers: dict[str, _Weight] = Field(min_length=1)
    severity: Annotated[dict[Severity, _Weight], BeforeValidator(_severity_keys)] = Field(
        default_factory=lambda: {Severity.P3: 1.0}
    )
    skills: dict[str, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)
    languages: dict[str, _Weight] = Field(default_factory=dict)
    min_seniority: dict[str, int | str] = Field(default_factory=dict)
    value: dict[str, _Share] = Field(default_factory=dict)
    handle_time: Distribution
    patience: Distribution | None = None
    periods: tuple[Period, ...] = ()
    concierge_share: _Share = 0.0
    callback_acceptance: _Share | None = None

    @field_validator("tiers", "severity", "languages")
    @classmethod
    def _some_weight(cls, mix: dict[Any, float]) -> dict[Any, float]:
        if mix and sum(mix.values()) <= 0:
            raise ValueError("weights must not all be zero")
        return mix


class ChannelCost(_Frozen):
    """Cost rates of one channel."""

    per_contact: _Money = 0.0
    per_busy_hour: _Money = Field(
        default=0.0, description="Cost per agent-hour spent handling this channel."
    )


class Backlog(_Frozen):
    """Contacts already waiting when the day starts (they do not abandon).

    Their arrival times are spread evenly over the ``age`` before the start.
    """

    stream: str
    count: int = Field(ge=0)
    age: Duration = 0.0


def _policy_input(value: Any) -> Any:
    """Policy fields: the preset named, or the default policy, with the scenario's
    overrides merged over it (:func:`~tierroute.policy.loading.policy_fields`),
    auto-accept forced on and no explanations kept (a simulation never asks why,
    which keeps the hot path lean) unless the scenario asks for them."""
    if isinstance(value, Policy):
        value = value.model_dump(mode="json")
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        return value  # pydantic reports the type error
    merged = policy_fields({"explain_history": 0, **value}, defaults=_default_policy_fields())
    offer = merged.get("offer")
    if isinstance(offer, dict):
        merged["offer"] = {**offer, "auto_accept": True}
    return merged


def _default_policy_fields() -> dict[str, Any]:
    """The default policy's fields without its tiers: with no preset, a scenario's
    tiers replace the default ``standard`` tier instead of joining it."""
    fields = Policy().model_dump(mode="json")
    del fields["tiers"]
    return fields


PolicyField = Annotated[
    Policy,
    BeforeValidator(_policy_input),
    WithJsonSchema(
        {
            "type": "object",
            "description": (
                "The routing policy: 'preset' names a built-in preset (e.g. 'prestige') "
                "whose fields the other keys override (tables key by key, tiers by name); "
                "without it the keys override the default policy (tables key by key, "
                "tiers replaced). offer.auto_accept is forced on. "
                "Fields: see `tierroute schema policy`."
            ),
            "properties": {"preset": {"type": "string", "enum": list(preset_names())}},
        }
    ),
]


class Scenario(_Frozen):
    """A capacity-planning scenario.

    Attributes:
        name: Label for reports.
        description: Free text.
        start: Time of day the horizon starts.
        horizon: Length of the arrival window; arrivals stop at ``start + horizon``.
        interval: Reporting and forecast interval length.
        warmup: Contacts arriving before ``start + warmup`` are left out of the
            summaries (their records are kept, flagged).
        replications: Independent replications (the CLI may override).
        seed: Root seed: replication ``i`` uses ``SeedSequence(seed).spawn(n)[i]``.
        busyness_cv: Coefficient of variation of a day-level busyness factor,
            gamma with mean 1, multiplying every stream's rate in a replication
            (forecast uncertainty); 0 turns it off.
        drain: After the horizon, keep going without new arrivals until the last
            contact has left (the day ends when the work is done).
        max_drain: Upper bound on the drain; contacts still there are counted as
            unanswered.
        policy: The routing policy.
        costs: Cost rates per channel.
        agents: Agent groups.
        streams: Contact streams.
        backlog: Contacts waiting at the start.
        date: The calendar date of the simulated day: business calendars and
            billing months of the policy's promises read it (default Wednesday
            2026-01-14, a working day).
        timezone: IANA time zone of the scenario's clock times (``start``, shifts).
        track_promises: Track the policy's service promises (when it has
            ``promises``, as the prestige preset does): attainment, escalations,
            VIP callbacks and service credits in the results.
        callback_acceptance: Share of customers who accept an offered VIP callback
            (they then wait off the line: they no longer abandon).
        accounts: Customer accounts per tier (at most 10**12); each contact of the
            tier belongs to one of them, drawn at random (service credits count
            breaches per account). A tier left out: every contact is its own account.
        monthly_fee: Monthly fee per account, by tier, that service credits are a
            share of; 0 (the default) still reports the breaches that count.
    """

    name: str = "scenario"
    description: str = ""
    start: ClockTime = 0.0
    horizon: Duration = Field(gt=0)
    interval: Duration = Field(default=1800.0, gt=0)
    warmup: Duration = 0.0
    replications: int = Field(default=10, ge=1)
    seed: int = Field(default=0, ge=0)
    busyness_cv: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    drain: bool = True
    max_drain: Duration | None = None
    policy: PolicyField = Field(default_factory=lambda: _policy_model({}))
    costs: dict[Channel, ChannelCost] = Field(default_factory=dict)
    agents: tuple[AgentGroup, ...] = Field(min_length=1)
    streams: tuple[ContactStream, ...] = Field(min_length=1)
    backlog: tuple[Backlog, ...] = ()
    date: _dt.date = _dt.date(2026, 1, 14)
    timezone: str = "UTC"
    track_promises: bool = True
    callback_acceptance: _Share = 0.5
    accounts: dict[str, Annotated[int, Field(ge=1, le=10**12)]] = Field(default_factory=dict)
    monthly_fee: dict[str, _Money] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"timezone must be an IANA time zone name such as 'Europe/Paris', got {value!r}"
            ) from None
        return value

    @property
    def n_intervals(self) -> int:
        """Number of reporting intervals in the horizon."""
        return max(1, math.ceil(self.horizon / self.interval - 1e-9))

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        _cross_check(self)
        return self

    def check_limits(self, replications: int | None = None, *, force: bool = False) -> None:
        """Refuse a scenario whose run would be past the limits of the module
        docstring (:data:`MAX_CONTACTS` and the others), before any work.

        Args:
            replications: The replications to run (default: the scenario's).
            force: Multiply every limit by :data:`FORCE_FACTOR`.

        Raises:
            PolicyError: A limit is passed; ``location`` is the field to blame (the
                stream, group or backlog contributing most when a total is past
                its limit) and the one-line message says what was expected.
            InvalidArgument: ``replications`` is not an integer >= 1, or ``force``
                not a bool.

        >>> s = Scenario.from_mapping({
        ...     "horizon": "8h", "agents": [{"name": "team", "count": 3}],
        ...     "streams": [{"name": "calls", "channel": "voice", "tiers": {"standard": 1},
        ...                  "arrivals": {"rate_per_hour": 1e9},
        ...                  "handle_time": {"kind": "exponential", "mean": 180}}]})
        >>> s.check_limits()
        Traceback (most recent call last):
        ...
        tierroute.errors.PolicyError: streams.0.arrivals.rate_per_hour: 8,000,000,000 expected ...
        """
        n = (
            self.replications
            if replications is None
            else int_in_range(replications, "replications", 1)
        )
        if not isinstance(force, bool):
            raise InvalidArgument(f"force must be True or False, got {force!r}")
        scale = FORCE_FACTOR if force else 1
        hint = (
            f"even with force ({FORCE_FACTOR}x the defaults)"
            if force
            else f"force=True or --force raises the limits {FORCE_FACTOR}-fold"
        )

        def over(field: str, value: float, limit: float, unit: str, of: str = "") -> None:
            if value > limit * scale:
                raise PolicyError(
                    f"{field}: {_count(value)} {unit} is past the limit of "
                    f"{_count(limit * scale)}{of} ({hint})",
                    location=field,
                )

        days = MAX_DURATION / 86_400.0
        over("horizon", self.horizon / 86_400.0, days, "days", " days")
        over("max_drain", (self.max_drain or 0.0) / 86_400.0, days, "days", " days")
        for i, b in enumerate(self.backlog):
            over(f"backlog.{i}.age", b.age / 86_400.0, days, "days", " days")
        over("interval", self.n_intervals, MAX_INTERVALS, "intervals in the horizon")
        groups = _agents_by_group(self)
        field, most = max(groups, key=lambda g: g[1])
        over(field, most, MAX_AGENTS, "agents")
        over(field, math.fsum(g[1] for g in groups), MAX_AGENTS, "agents (all groups)")
        sources = _contacts_by_source(self)
        field, most = max(sources, key=lambda w: w[1])
        over(field, most, MAX_CONTACTS, "expected contacts per replication")
        total = math.fsum(w[1] for w in sources)
        over(
            field,
            total,
            MAX_CONTACTS,
            "expected contacts per replication (all streams and backlogs)",
        )
        over("replications", n, MAX_REPLICATIONS, "replications")
        over("replications", n * total, MAX_TOTAL_CONTACTS, "expected contacts (all replications)")

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, source: str | None = None, text: str | None = None
    ) -> Scenario:
        """Validate a mapping, raising :class:`PolicyError` on bad input.

        Args:
            data: The scenario fields.
            source: File name for messages.
            text: The file's text, to find the line of a bad field.
        """
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise pydantic_error_to_policy_error(
                exc, source=source, what="scenario", text=text
            ) from None

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Load a ``.toml``, ``.yaml``/``.yml`` or ``.json`` scenario file.

        Raises:
            PolicyError: Unreadable file, syntax error or invalid field; the message
                names the file, the field's dotted path and (TOML, YAML) its line.
        """
        data, text = read_mapping_file(path)
        return cls.from_mapping(data, source=str(path), text=text)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of a scenario file."""
        return cls.model_json_schema()


def _count(value: float) -> str:
    """A count for a message: ``1,234``; ``inf`` past the float range."""
    return f"{value:,.0f}" if math.isfinite(value) else "inf"


def _agents_by_group(s: Scenario) -> list[tuple[str, float]]:
    """(field, agents) of each group: its count, largest count per interval or its
    shifts' counts added."""
    out: list[tuple[str, float]] = []
    for i, g in enumerate(s.agents):
        if g.count is not None:
            out.append((f"agents.{i}.count", float(g.count)))
        elif g.count_per_interval is not None:
            out.append((f"agents.{i}.count_per_interval", float(max(g.count_per_interval))))
        else:
            out.append((f"agents.{i}.shifts", math.fsum(sh.count for sh in g.shifts)))
    return out


def _contacts_by_source(s: Scenario) -> list[tuple[str, float]]:
    """(field, expected contacts per replication) of each stream and backlog, the
    busyness factor having mean 1. A smooth profile's peaks count as whole Gaussians
    (an upper bound)."""
    out: list[tuple[str, float]] = []
    hours = s.horizon / 3600.0
    for i, st in enumerate(s.streams):
        a, where = st.arrivals, f"streams.{i}.arrivals"
        if isinstance(a, ConstantArrivals):
            out.append((f"{where}.rate_per_hour", a.rate_per_hour * hours))
        elif isinstance(a, IntervalArrivals):
            out.append((f"{where}.per_interval", math.fsum(a.per_interval)))
        elif isinstance(a, ScheduledArrivals):
            out.append((f"{where}.times", float(len(a.times))))
        else:
            base = a.base_per_hour * hours
            peaks = math.fsum(p.per_hour * p.width / 3600.0 for p in a.peaks) * math.sqrt(
                2 * math.pi
            )
            field = f"{where}.base_per_hour" if base >= peaks else f"{where}.peaks"
            out.append((field, base + peaks))
    out += [(f"backlog.{i}.count", float(b.count)) for i, b in enumerate(s.backlog)]
    return out


def _policy_model(data: Mapping[str, Any]) -> Policy:
    return Policy.model_validate(_policy_input(data))


def _cross_check(s: Scenario) -> None:
    """Checks that need several fields; each error names its field's path."""
    if s.warmup >= s.horizon:
        raise LocatedError("warmup", f"warmup ({s.warmup:g} s) must be shorter than the horizon")
    _unique([g.name for g in s.agents], "agents", "agent group")
    _unique([st.name for st in s.streams], "streams", "stream")
    for i, g in enumerate(s.agents):
        _check_agent_group(g, f"agents.{i}", s)
    for i, st in enumerate(s.streams):
        _check_stream(st, f"streams.{i}", s)
    tiers = set(s.policy.tier_names)
    for field in ("accounts", "monthly_fee"):
        for t in getattr(s, field):
            if t not in tiers:
                raise LocatedError(
                    f"{field}.{t}", f"unknown tier {t!r}; the policy's tiers are {sorted(tiers)}"
                )
    names = {st.name for st in s.streams}
    for i, b in enumerate(s.backlog):
        if b.stream not in names:
            raise LocatedError(
                f"backlog.{i}.stream", f"unknown stream {b.stream!r}; streams are {sorted(names)}"
            )


def _check_agent_group(g: AgentGroup, where: str, s: Scenario) -> None:
    """An agent group against the horizon and the policy."""
    policy, n = s.policy, s.n_intervals
    if g.count_per_interval is not None and len(g.count_per_interval) != n:
        raise LocatedError(
            f"{where}.count_per_interval",
            f"has {len(g.count_per_interval)} values; the horizon has {n} intervals",
        )
    _check_seniority(g.seniority, f"{where}.seniority", policy)
    _check_skills(g.skills, where, policy)
    for ch, k in g.channels.items():
        cost = policy.channels[ch].cost
        if k and cost > g.capacity:
            raise LocatedError(
                f"{where}.channels.{ch.value}",
                f"a {ch.value} contact costs {cost} capacity units, more than the "
                f"group's capacity {g.capacity}",
            )


def _check_stream(st: ContactStream, where: str, s: Scenario) -> None:
    """A contact stream against the horizon, the policy and the agent groups."""
    policy, n = s.policy, s.n_intervals
    tiers = set(policy.tier_names)
    if isinstance(st.arrivals, IntervalArrivals) and len(st.arrivals.per_interval) != n:
        raise LocatedError(
            f"{where}.arrivals.per_interval",
            f"has {len(st.arrivals.per_interval)} values; the horizon has {n} intervals",
        )
    for field in ("tiers", "min_seniority", "value"):
        for t in getattr(st, field):
            if t not in tiers:
                raise LocatedError(
                    f"{where}.{field}.{t}",
                    f"unknown tier {t!r}; the policy's tiers are {sorted(tiers)}",
                )
    for t, level in st.min_seniority.items():
        _check_seniority(level, f"{where}.min_seniority.{t}", policy)
    _check_skills(st.skills, where, policy)
    if st.concierge_share > 0 and not any(g.concierge for g in s.agents):
        raise LocatedError(
            f"{where}.concierge_share",
            "no agent group has concierge = true to be a named concierge",
        )
    if not any(g.channels.get(st.channel, 0) > 0 for g in s.agents):
        raise LocatedError(f"{where}.channel", f"no agent group takes {st.channel.value}")


def _check_seniority(level: int | str, loc: str, policy: Policy) -> None:
    try:
        policy.seniority_index(level)
    except ValueError as exc:
        raise LocatedError(loc, str(exc)) from None


def _check_skills(skills: Mapping[str, int], where: str, policy: Policy) -> None:
    for skill, prof in skills.items():
        if prof > policy.max_proficiency:
            raise LocatedError(
                f"{where}.skills.{skill}",
                f"proficiency {prof} exceeds the policy's max_proficiency {policy.max_proficiency}",
            )


def _unique(names: list[str], where: str, what: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise LocatedError(f"{where}.{i}.name", f"duplicate {what} name {name!r}")
        seen.add(name)
