"""Service promises: what each tier is promised, how promises escalate, when a VIP
callback is offered, and the events a :class:`~tierroute.promises.tracker.PromiseTracker`
raises.

This module holds configuration (frozen pydantic models, part of
:class:`~tierroute.policy.model.Policy` as ``promises``) and the event types; the tracker
that applies them lives in :mod:`tierroute.promises.tracker`.

Promise kinds:

- ``answer`` — a live contact (voice, chat, video) is answered (offer accepted);
- ``first_response`` — an asynchronous contact (email, SMS, WhatsApp, in-app) gets
  its first response (offer accepted);
- ``resolution`` — the contact is completed;
- ``callback`` — an accepted VIP callback is made (offer accepted).

A promise is due at a time computed once when the contact arrives (see
:meth:`PromiseTarget.due`), using a named business calendar: "60 minutes in business
hours, 4 hours after hours" is ``within_s = 3600, calendar = "business",
after_hours_s = 14400``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tierroute.models import LIVE_CHANNELS, Channel, Severity
from tierroute.promises.calendar import UNIX_EPOCH, BusinessCalendar, due_time
from tierroute.promises.credits import CreditRule

__all__ = [
    "CallbackOffer",
    "CallbackRule",
    "EscalationEvent",
    "EscalationLadder",
    "EscalationStep",
    "PromiseEvent",
    "PromiseKind",
    "PromisePolicy",
    "PromiseTarget",
]

PromiseKind = Literal["answer", "first_response", "resolution", "callback"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PromiseTarget(_Frozen):
    """One promise made to a tier.

    Attributes:
        tier: The tier promised.
        kind: ``answer`` (live channels), ``first_response`` (asynchronous ones) or
            ``resolution``.
        within_s: Seconds allowed, counted on ``calendar``.
        channels: Channels it applies to (empty: every channel of its kind).
        severities: Severities it applies to (empty: all). A target listing
            severities wins over one that does not.
        calendar: Name of a calendar in :attr:`PromisePolicy.calendars`.
        after_hours_s: Wall-clock seconds allowed to contacts arriving while the
            calendar is closed; ``None`` counts ``within_s`` from the next opening.
        goal: Share of contacts that should be within the promise (e.g. 0.8 for
            80/20); reported against, not enforced.
    """

    tier: str
    kind: Literal["answer", "first_response", "resolution"]
    within_s: float = Field(gt=0, allow_inf_nan=False)
    channels: tuple[Channel, ...] = ()
    severities: tuple[Severity, ...] = ()
    calendar: str = "always"
    after_hours_s: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    goal: float = Field(default=0.8, gt=0, le=1)

    def applies(self, tier: str, channel: Channel, severity: Severity) -> bool:
        """Whether this target covers a contact of ``tier`` on ``channel``."""
        if tier != self.tier:
            return False
        if self.channels:
            covered = channel in self.channels
        elif self.kind == "answer":
            covered = channel in LIVE_CHANNELS
        elif self.kind == "first_response":
            covered = channel not in LIVE_CHANNELS
        else:
            covered = True
        return covered and (not self.severities or severity in self.severities)

    def due(
        self, arrived_at: float, calendar: BusinessCalendar, *, epoch: datetime = UNIX_EPOCH
    ) -> float:
        """The router time this promise is due for a contact arriving at ``arrived_at``
        (see :func:`tierroute.promises.calendar.due_time`)."""
        if calendar.always_open:
            return arrived_at + self.within_s
        return due_time(
            arrived_at, self.within_s, calendar, after_hours_s=self.after_hours_s, epoch=epoch
        )


class EscalationStep(_Frozen):
    """One rung of an escalation ladder.

    Attributes:
        name: e.g. ``"L1 triage"``, ``"executive notified"``.
        after_s: Seconds after arrival (on ``calendar``) the step fires unless the
            contact is resolved.
        repeat_s: Fire again every ``repeat_s`` seconds until resolved (status
            updates); ``None`` fires once.
        calendar: Name of the calendar the offsets are counted on.
    """

    name: str = Field(min_length=1)
    after_s: float = Field(ge=0, allow_inf_nan=False)
    repeat_s: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    calendar: str = "always"


class EscalationLadder(_Frozen):
    """The escalation steps of one severity (optionally only for some tiers)."""

    severity: Severity
    tiers: tuple[str, ...] = ()
    steps: tuple[EscalationStep, ...]


class CallbackRule(_Frozen):
    """When to offer a VIP callback.

    Attributes:
        tiers: Tiers offered a callback.
        channels: Channels it applies to (voice by default).
        threshold_s: Offer once the expected wait (or the actual wait) passes this.
        due_s: An accepted callback is due within this many seconds.
    """

    tiers: tuple[str, ...] = ("premium", "elite")
    channels: tuple[Channel, ...] = (Channel.VOICE,)
    threshold_s: float = Field(default=45.0, gt=0, allow_inf_nan=False)
    due_s: float = Field(default=300.0, gt=0, allow_inf_nan=False)


class PromisePolicy(_Frozen):
    """All service promises of a policy.

    Attributes:
        calendars: Named business calendars (``"always"`` is 24/7 by default).
        targets: The promises per tier, kind, channel and severity.
        escalation: Ladders per severity.
        callback: The VIP-callback rule, or ``None``.
        credits: The service-credit rule, or ``None``.
        post_incident_report_s: Seconds after resolution a post-incident report is
            due for ``post_incident_tiers`` contacts of ``post_incident_severities``.
        attainment_goal: Share of promises to keep per tier (e.g. 0.97).
        epoch: The wall-clock instant of router time 0 (timezone-aware); the Unix
            epoch by default, so router times are Unix timestamps.
    """

    calendars: dict[str, BusinessCalendar] = Field(
        default_factory=lambda: {"always": BusinessCalendar.always()}
    )
    targets: tuple[PromiseTarget, ...] = ()
    escalation: tuple[EscalationLadder, ...] = ()
    callback: CallbackRule | None = None
    credits: CreditRule | None = None
    post_incident_report_s: float | None = Field(default=None, gt=0)
    post_incident_tiers: tuple[str, ...] = ()
    post_incident_severities: tuple[Severity, ...] = (Severity.P1,)
    attainment_goal: float = Field(default=0.97, gt=0, le=1)
    epoch: datetime = UNIX_EPOCH

    @model_validator(mode="after")
    def _check(self) -> PromisePolicy:
        names = set(self.calendars)
        used = [t.calendar for t in self.targets] + [
            s.calendar for ladder in self.escalation for s in ladder.steps
        ]
        missing = sorted({c for c in used if c not in names})
        if missing:
            raise ValueError(f"unknown calendars {missing}; defined: {sorted(names)}")
        return self


@dataclass(frozen=True, slots=True)
class PromiseEvent:
    """A promise was decided: attained, breached, or void (the customer left first).

    Attributes:
        outcome: ``"attained"``, ``"breached"`` or ``"abandoned"``.
        promise: The promise kind.
        contact_id: The contact.
        account: The account (the contact's ``attributes["account"]``), if any.
        tier: Its tier.
        channel: Its channel.
        severity: Its severity.
        due: When the promise was due.
        at: When it was decided.
        margin: ``due - at`` (negative when late; 0 for a breach decided at ``due``).
    """

    outcome: Literal["attained", "breached", "abandoned"]
    promise: PromiseKind
    contact_id: str
    account: str | None
    tier: str
    channel: Channel
    severity: Severity
    due: float
    at: float
    margin: float

    @property
    def kind(self) -> PromiseKind:
        """The promise kind (the name service-credit rules use)."""
        return self.promise


@dataclass(frozen=True, slots=True)
class EscalationEvent:
    """An escalation step fired for an unresolved contact.

    ``count`` is 1 the first time and grows with each repeat (status updates).
    """

    contact_id: str
    tier: str
    severity: Severity
    step: str
    at: float
    count: int


@dataclass(frozen=True, slots=True)
class CallbackOffer:
    """Offer the waiting customer a callback: their expected wait passed the
    threshold. Accept with :meth:`~tierroute.promises.tracker.PromiseTracker.accept_callback`.

    Attributes:
        contact_id: The waiting contact.
        tier: Its tier.
        expected_wait: The estimate that triggered the offer (seconds from now), or
            ``None`` when the actual wait passed the threshold first.
        at: When the offer was made.
    """

    contact_id: str
    tier: str
    expected_wait: float | None
    at: float
