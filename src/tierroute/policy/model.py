"""The routing policy: tiers and their targets, priority boosts, relaxation ladders,
agent-selection strategies, channel costs and offer rules.

A :class:`Policy` is a frozen pydantic model. It is loaded from TOML, YAML or a
mapping, exports a JSON Schema, and is compiled once by the router into plain
tuples so nothing on the routing hot path touches pydantic.

The priority key of a waiting contact is a time, computed once at submit::

    key = arrived_at + target(tier, channel) * severity_factor(severity)
                       * (1 - value_boost(tier) * clamp(value, 0, 1))

Smallest key first (earliest due date); ties by higher value, then submit order.
Every factor is bounded, so a contact can be overtaken only by contacts that
arrived before ``key - min_offset`` (see :meth:`Policy.key_offset_bounds`): value
buys priority, never starvation.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tierroute.errors import PolicyError
from tierroute.models import Channel, Severity
from tierroute.policy.loading import (
    policy_fields,
    pydantic_error_to_policy_error,
    read_mapping_file,
)
from tierroute.policy.strategies import Strategy
from tierroute.promises.model import PromisePolicy

__all__ = [
    "ChannelPolicy",
    "OfferPolicy",
    "Policy",
    "RelaxationStep",
    "Strategy",
    "TierPolicy",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class RelaxationStep(_Frozen):
    """One step of a tier's relaxation ladder: how the contact's requirements are
    read while it waits on this step.

    Attributes:
        name: Shown in offers and explanations.
        wait_s: Seconds spent on this step before moving to the next; ``None``
            on the last step (stay until served).
        concierge: Only the contact's named concierge may take it. Skipped when the
            contact has no concierge, or the concierge is logged out or has
            declined this contact (until the decline's cooldown ends).
        skills: ``"require"`` the contact's skills, or ``"ignore"`` them.
        min_proficiency: Replace the contact's minimum proficiency per skill with
            this one; ``None`` keeps the contact's own.
        language: ``"require"`` the contact's language, or ``"ignore"`` it.
        min_seniority: Replace the contact's minimum seniority (index or level
            name); ``None`` keeps the contact's own.
        strategy: Agent-selection strategy on this step, overriding the tier's.
    """

    name: str = Field(min_length=1)
    wait_s: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    concierge: bool = False
    skills: Literal["require", "ignore"] = "require"
    min_proficiency: int | None = Field(default=None, ge=1)
    language: Literal["require", "ignore"] = "require"
    min_seniority: int | str | None = None
    strategy: Strategy | None = None


class TierPolicy(_Frozen):
    """Routing rules of one customer tier.

    Attributes:
        name: Tier name, as carried by contacts and produced by the value model.
        targets: Channel → answer (live) or first-response (asynchronous) target
            in seconds. It sets the priority key; missing channels fall back to
            the policy's ``default_targets``.
        value_boost: Share of the target removed for a contact of value 1
            (``0 ≤ value_boost < 1``).
        strategy: Default agent-selection strategy for this tier.
        relaxation: The ladder; empty means "as requested, until served".
    """

    name: str = Field(min_length=1)
    targets: dict[Channel, float] = Field(default_factory=dict)
    value_boost: float = Field(default=0.0, ge=0.0, lt=1.0)
    strategy: Strategy = Strategy.LONGEST_IDLE
    relaxation: tuple[RelaxationStep, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> TierPolicy:
        for channel, target in self.targets.items():
            if not (target > 0 and target < float("inf")):
                raise ValueError(f"target for {channel.value} must be > 0 and finite, got {target}")
        steps = self.relaxation
        for i, step in enumerate(steps):
            last = i == len(steps) - 1
            if last and step.wait_s is not None:
                raise ValueError(f"the last relaxation step {step.name!r} must have no wait_s")
            if not last and step.wait_s is None:
                raise ValueError(f"relaxation step {step.name!r} needs wait_s (it is not the last)")
        if steps and steps[-1].concierge:
            raise ValueError("the last relaxation step cannot be concierge-only")
        names = [s.name for s in steps]
        if len(set(names)) != len(names):
            raise ValueError(f"relaxation step names must be unique, got {names}")
        return self


class ChannelPolicy(_Frozen):
    """Capacity and after-contact rules of one channel.

    Attributes:
        cost: Capacity units one contact of this channel uses (agents have 100 by
            default).
        exclusive: The agent takes nothing else while handling it (voice, video).
        wrap_up_s: After-contact work before the capacity is free again.
    """

    cost: int = Field(default=25, ge=1)
    exclusive: bool = False
    wrap_up_s: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)


class OfferPolicy(_Frozen):
    """How offers behave.

    Attributes:
        timeout_s: Seconds an offer rings before it expires.
        auto_accept: Offers are accepted at once (no reservation phase).
        max_no_answers: Consecutive no-answers that set the agent not ready
            (0 disables).
        reject_counts_as_no_answer: Count explicit rejects as no-answers too.
        decline_cooldown_s: Seconds after which a contact may be offered again to
            an agent who rejected it or let its offer ring out (> 0). Sooner, once
            that moment has passed, when nobody else could take it: the agent may
            then be offered it again whenever a decision is made for either of them
            (the agent frees capacity or gets ready, the contact is placed) and no
            other agent eligible for the contact at its current step is logged in
            without having declined it in turn. ``None``: never (declines hold for
            good: the rule of earlier releases, which their snapshots and journals
            keep when restored, so that they replay as recorded). An agent a contact
            was transferred away from is never offered it again, whatever this says.
    """

    timeout_s: float = Field(default=20.0, gt=0, allow_inf_nan=False)
    auto_accept: bool = False
    max_no_answers: int = Field(default=3, ge=0)
    reject_counts_as_no_answer: bool = False
    decline_cooldown_s: float | None = Field(default=60.0, gt=0, allow_inf_nan=False)


def _default_channels() -> dict[Channel, ChannelPolicy]:
    return {
        Channel.VOICE: ChannelPolicy(cost=100, exclusive=True, wrap_up_s=30.0),
        Channel.VIDEO: ChannelPolicy(cost=100, exclusive=True, wrap_up_s=30.0),
        Channel.CHAT: ChannelPolicy(cost=33, wrap_up_s=10.0),
        Channel.EMAIL: ChannelPolicy(cost=25, wrap_up_s=60.0),
        Channel.SMS: ChannelPolicy(cost=20, wrap_up_s=10.0),
        Channel.WHATSAPP: ChannelPolicy(cost=20, wrap_up_s=10.0),
        Channel.IN_APP: ChannelPolicy(cost=20, wrap_up_s=10.0),
    }


def _default_targets() -> dict[Channel, float]:
    return {
        Channel.VOICE: 60.0,
        Channel.VIDEO: 60.0,
        Channel.CHAT: 60.0,
        Channel.EMAIL: 86_400.0,
        Channel.SMS: 86_400.0,
        Channel.WHATSAPP: 86_400.0,
        Channel.IN_APP: 86_400.0,
    }


def _default_severity() -> dict[Severity, float]:
    return {Severity.P1: 0.25, Severity.P2: 0.5, Severity.P3: 1.0, Severity.P4: 1.5}


def _default_tiers() -> tuple[TierPolicy, ...]:
    return (TierPolicy(name="standard"),)


class Policy(_Frozen):
    """A complete routing policy (frozen).

    Attributes:
        name: A label for reports.
        tiers: Tiers from lowest to highest.
        default_targets: Targets for channels a tier does not list.
        severity_factor: Multiplies the target per severity (P1 < 1 makes it due
            sooner). All factors are bounded, which bounds every wait.
        channels: Capacity cost, exclusivity and wrap-up per channel.
        offer: Offer timeout, auto-accept and no-answer rules.
        max_proficiency: Top of the proficiency scale (1 … max).
        seniority_levels: Names of seniority levels, lowest first.
        explain_history: How many finished decisions stay explainable.
        promises: Service promises tracked by a
            :class:`~tierroute.promises.tracker.PromiseTracker` (optional).

    >>> p = Policy(tiers=[TierPolicy(name="standard"), TierPolicy(name="vip")])
    >>> p.tier_names
    ('standard', 'vip')
    >>> p.target("vip", "voice")
    60.0
    """

    name: str = "custom"
    tiers: tuple[TierPolicy, ...] = Field(default_factory=_default_tiers, min_length=1)
    default_targets: dict[Channel, float] = Field(default_factory=_default_targets)
    severity_factor: dict[Severity, float] = Field(default_factory=_default_severity)
    channels: dict[Channel, ChannelPolicy] = Field(default_factory=_default_channels)
    offer: OfferPolicy = Field(default_factory=OfferPolicy)
    max_proficiency: int = Field(default=5, ge=1)
    seniority_levels: tuple[str, ...] = Field(default=("junior", "senior", "expert"), min_length=1)
    explain_history: int = Field(default=1024, ge=0)
    promises: PromisePolicy | None = None

    @model_validator(mode="after")
    def _check(self) -> Policy:
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError(f"tier names must be unique, got {names}")
        missing = [c.value for c in Channel if c not in self.default_targets]
        if missing:
            raise ValueError(f"default_targets lacks channels {missing}")
        missing = [c.value for c in Channel if c not in self.channels]
        if missing:
            raise ValueError(f"channels lacks {missing}")
        missing = [f"P{int(s)}" for s in Severity if s not in self.severity_factor]
        if missing:
            raise ValueError(f"severity_factor lacks {missing}")
        for sev, factor in self.severity_factor.items():
            if not (0 < factor < float("inf")):
                raise ValueError(f"severity_factor for P{int(sev)} must be > 0, got {factor}")
        for channel, target in self.default_targets.items():
            if not (0 < target < float("inf")):
                raise ValueError(f"default target for {channel.value} must be > 0, got {target}")
        if len(set(self.seniority_levels)) != len(self.seniority_levels):
            raise ValueError(f"seniority_levels must be unique, got {self.seniority_levels}")
        if self.promises is not None:
            tier_names = {t.name for t in self.tiers}
            used = {t.tier for t in self.promises.targets}
            used |= {t for ladder in self.promises.escalation for t in ladder.tiers}
            if self.promises.callback is not None:
                used |= set(self.promises.callback.tiers)
            unknown = sorted(used - tier_names)
            if unknown:
                raise ValueError(f"promises name unknown tiers {unknown}")
        for tier in self.tiers:
            for step in tier.relaxation:
                if step.min_proficiency is not None and step.min_proficiency > self.max_proficiency:
                    raise ValueError(
                        f"tier {tier.name!r} step {step.name!r}: min_proficiency "
                        f"{step.min_proficiency} exceeds max_proficiency {self.max_proficiency}"
                    )
                if step.min_seniority is not None:
                    self.seniority_index(step.min_seniority)
        return self

    # -- derived facts ---------------------------------------------------------------

    @property
    def tier_names(self) -> tuple[str, ...]:
        """Tier names, lowest first."""
        return tuple(t.name for t in self.tiers)

    def tier(self, name: str) -> TierPolicy:
        """The tier called ``name``.

        Raises:
            PolicyError: No such tier.
        """
        for t in self.tiers:
            if t.name == name:
                return t
        raise PolicyError(f"unknown tier {name!r}; the policy has {list(self.tier_names)}")

    def target(self, tier: str, channel: Channel | str) -> float:
        """Answer / first-response target in seconds of ``tier`` on ``channel``."""
        ch = Channel(channel)
        t = self.tier(tier)
        return t.targets.get(ch, self.default_targets[ch])

    def seniority_index(self, level: int | str) -> int:
        """Map a seniority level name or index to its index.

        Raises:
            ValueError: Unknown name or index out of range.
        """
        if isinstance(level, bool):
            raise ValueError(f"seniority must be an index or a level name, got {level!r}")
        if isinstance(level, int):
            if 0 <= level < len(self.seniority_levels):
                return level
            raise ValueError(f"seniority {level} out of range 0..{len(self.seniority_levels) - 1}")
        if isinstance(level, str) and level in self.seniority_levels:
            return self.seniority_levels.index(level)
        raise ValueError(
            f"unknown seniority level {level!r}; levels are {list(self.seniority_levels)}"
        )

    def key_offset(self, tier: str, channel: Channel | str, severity: int, value: float) -> float:
        """Seconds from arrival to the priority key (the contact's due time).

        >>> Policy().key_offset("standard", "voice", 3, 0.0)
        60.0
        """
        t = self.tier(tier)
        v = min(1.0, max(0.0, value))
        return (
            self.target(tier, channel)
            * self.severity_factor[Severity(severity)]
            * (1.0 - t.value_boost * v)
        )

    def key_offset_bounds(self, channel: Channel | str) -> tuple[float, float]:
        """Smallest and largest key offset any contact on ``channel`` can get.

        A contact with key ``k`` can only be served after contacts whose arrival is
        at most ``k - low``: this is the bound that rules out starvation.
        """
        lows, highs = [], []
        smin = min(self.severity_factor.values())
        smax = max(self.severity_factor.values())
        for t in self.tiers:
            target = self.target(t.name, channel)
            lows.append(target * smin * (1.0 - t.value_boost))
            highs.append(target * smax)
        return min(lows), max(highs)

    # -- loading ---------------------------------------------------------------------

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, source: str | None = None, text: str | None = None
    ) -> Policy:
        """Build a policy from a mapping, raising :class:`PolicyError` on bad input.

        Args:
            data: The policy fields. A ``preset`` key names a built-in preset that
                the other keys override: tables merge key by key (``offer =
                {auto_accept = true}`` keeps the preset's timeout), ``tiers`` merge
                by tier ``name`` (unknown names are appended), other values replace
                (see :func:`~tierroute.policy.loading.policy_fields`).
            source: Name of the file the mapping came from, for error messages.
            text: The file's text, to give the line of a bad field.

        >>> p = Policy.from_mapping({"preset": "prestige", "offer": {"auto_accept": True},
        ...                          "tiers": [{"name": "elite", "value_boost": 0.5}]})
        >>> p.offer.auto_accept, p.offer.timeout_s, p.tier("elite").value_boost
        (True, 20.0, 0.5)
        >>> [s.name for s in p.tier("elite").relaxation][0]
        'concierge'
        """
        fields = policy_fields(data, source=source)
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            raise pydantic_error_to_policy_error(
                exc, source=source, what="policy", text=text
            ) from None

    @classmethod
    def from_file(cls, path: str | Path) -> Policy:
        """Load a policy from a ``.toml``, ``.yaml``/``.yml`` or ``.json`` file.

        Raises:
            PolicyError: Unreadable file, syntax error or invalid field; the message
                names the file, the field and (TOML, YAML) its line.
        """
        data, text = read_mapping_file(path)
        return cls.from_mapping(data, source=str(path), text=text)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of a policy file."""
        return cls.model_json_schema()
