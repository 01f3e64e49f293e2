"""Built-in policy presets.

``prestige`` carries the figures of a prestige contact center (the project's domain
notes, drawn from the articles in ``shared/seeds``):

- three tiers, Standard < Premium < Elite;
- answer targets: Premium and Elite voice 80 % in 20 s, chat 90 % in 15 s; email,
  in-app and messaging first response within 60 min for Premium and Elite and 24 h
  for Standard (the lower end of "24–48 h");
- Elite goes to the named concierge first, then straight to senior agents at high
  proficiency ("no IVR, straight to senior agents"), relaxing step by step so nobody
  waits forever for a perfect match (the 30 s / 60 s ladder of the design notes);
- seniority levels junior / senior / expert.

Figures the notes do not give are marked *assumed* below and chosen from common
contact-center practice: the Standard voice/chat answer target (60 s, used only to
order Standard contacts against the others), the ring time before an offer expires
(20 s), three consecutive no-answers before an agent is set not ready, and wrap-up
times (voice 30 s, chat 10 s, email 60 s).
"""

from __future__ import annotations

from tierroute.models import Channel, Severity
from tierroute.policy.model import (
    ChannelPolicy,
    OfferPolicy,
    Policy,
    RelaxationStep,
    Strategy,
    TierPolicy,
)
from tierroute.promises.calendar import BusinessCalendar
from tierroute.promises.credits import CreditRule
from tierroute.promises.model import (
    CallbackRule,
    EscalationLadder,
    EscalationStep,
    PromisePolicy,
    PromiseTarget,
)

__all__ = ["PRESETS", "get_preset", "prestige", "prestige_promises"]

_HOUR = 3600.0
_DAY = 24 * _HOUR


def prestige() -> Policy:
    """The ``prestige`` preset.

    >>> p = prestige()
    >>> p.tier_names
    ('standard', 'premium', 'elite')
    >>> p.target("elite", "voice"), p.target("premium", "chat"), p.target("standard", "email")
    (20.0, 15.0, 86400.0)
    >>> [s.name for s in p.tier("elite").relaxation]
    ['concierge', 'senior', 'skilled', 'language']
    """
    live_premium = {Channel.VOICE: 20.0, Channel.VIDEO: 20.0, Channel.CHAT: 15.0}
    async_premium = dict.fromkeys(
        (Channel.EMAIL, Channel.IN_APP, Channel.SMS, Channel.WHATSAPP), _HOUR
    )
    standard = TierPolicy(
        name="standard",
        targets={
            Channel.VOICE: 60.0,  # assumed: no phone promise for Standard
            Channel.VIDEO: 60.0,  # assumed
            Channel.CHAT: 60.0,  # assumed
            Channel.EMAIL: _DAY,
            Channel.IN_APP: _DAY,
            Channel.SMS: _DAY,
            Channel.WHATSAPP: _DAY,
        },
        value_boost=0.1,
        strategy=Strategy.LONGEST_IDLE,
        relaxation=(
            RelaxationStep(name="requested", wait_s=60.0),
            RelaxationStep(name="skilled", wait_s=120.0, min_proficiency=1, min_seniority=0),
            RelaxationStep(name="language", skills="ignore", min_seniority=0),
        ),
    )
    premium = TierPolicy(
        name="premium",
        targets={**live_premium, **async_premium},
        value_boost=0.2,
        strategy=Strategy.MOST_PROFICIENT,
        relaxation=(
            RelaxationStep(name="senior", wait_s=30.0, min_proficiency=3, min_seniority="senior"),
            RelaxationStep(name="skilled", wait_s=60.0, min_seniority=0),
            RelaxationStep(name="language", skills="ignore", min_seniority=0),
        ),
    )
    elite = TierPolicy(
        name="elite",
        targets={**live_premium, **async_premium},
        value_boost=0.3,
        strategy=Strategy.MOST_PROFICIENT,
        relaxation=(
            RelaxationStep(name="concierge", wait_s=30.0, concierge=True),
            RelaxationStep(name="senior", wait_s=60.0, min_proficiency=4, min_seniority="senior"),
            RelaxationStep(name="skilled", wait_s=120.0, min_seniority=0),
            RelaxationStep(name="language", skills="ignore", min_seniority=0),
        ),
    )
    return Policy(
        name="prestige",
        tiers=(standard, premium, elite),
        channels={
            Channel.VOICE: ChannelPolicy(cost=100, exclusive=True, wrap_up_s=30.0),
            Channel.VIDEO: ChannelPolicy(cost=100, exclusive=True, wrap_up_s=30.0),
            Channel.CHAT: ChannelPolicy(cost=33, wrap_up_s=10.0),
            Channel.EMAIL: ChannelPolicy(cost=25, wrap_up_s=60.0),
            Channel.SMS: ChannelPolicy(cost=20, wrap_up_s=10.0),
            Channel.WHATSAPP: ChannelPolicy(cost=20, wrap_up_s=10.0),
            Channel.IN_APP: ChannelPolicy(cost=20, wrap_up_s=10.0),
        },
        offer=OfferPolicy(timeout_s=20.0, auto_accept=False, max_no_answers=3),
        seniority_levels=("junior", "senior", "expert"),
        promises=prestige_promises(),
    )


def prestige_promises() -> PromisePolicy:
    """The promises of the domain notes' prestige table.

    The ``business`` calendar is Monday to Friday, 09:00-17:00 UTC: set your center's
    time zone and holidays when you use it (``promises.calendars.business``).

    >>> p = prestige_promises()
    >>> [(t.tier, t.kind, t.within_s) for t in p.targets if t.tier == "premium"][:2]
    [('premium', 'answer', 20.0), ('premium', 'answer', 15.0)]
    """
    live = (Channel.VOICE, Channel.VIDEO)
    text = (Channel.EMAIL, Channel.IN_APP, Channel.SMS, Channel.WHATSAPP)
    targets = []
    for tier in ("premium", "elite"):
        targets += [
            PromiseTarget(tier=tier, kind="answer", within_s=20.0, channels=live, goal=0.8),
            PromiseTarget(
                tier=tier, kind="answer", within_s=15.0, channels=(Channel.CHAT,), goal=0.9
            ),
        ]
    targets += [
        # Premium: 60 min in business hours, 4 h after hours; median resolution <= 4 h.
        PromiseTarget(
            tier="premium",
            kind="first_response",
            within_s=_HOUR,
            channels=text,
            calendar="business",
            after_hours_s=4 * _HOUR,
            goal=0.97,
        ),
        PromiseTarget(tier="premium", kind="resolution", within_s=4 * _HOUR, goal=0.5),
        # Elite: 60 min, 24/7; median resolution <= 2 h.
        PromiseTarget(
            tier="elite", kind="first_response", within_s=_HOUR, channels=text, goal=0.97
        ),
        PromiseTarget(tier="elite", kind="resolution", within_s=2 * _HOUR, goal=0.5),
        # Standard email / in-app: 24-48 h; the preset promises the lower end.
        PromiseTarget(
            tier="standard", kind="first_response", within_s=_DAY, channels=text, goal=0.8
        ),
    ]
    updates = EscalationStep(
        name="status update", after_s=8 * _HOUR, repeat_s=8 * _HOUR, calendar="business"
    )

    def ladder(severity: Severity, scale: float) -> EscalationLadder:
        return EscalationLadder(
            severity=severity,
            steps=(
                EscalationStep(name="L1 triage", after_s=5 * 60 * scale),
                EscalationStep(name="L2 ownership", after_s=15 * 60 * scale),
                EscalationStep(name="engineering on the bridge", after_s=30 * 60 * scale),
                EscalationStep(name="executive notified", after_s=60 * 60 * scale),
                updates,
            ),
        )

    return PromisePolicy(
        calendars={
            "always": BusinessCalendar.always(),
            "business": BusinessCalendar.nine_to_five("UTC"),
        },
        targets=tuple(targets),
        escalation=(
            ladder(Severity.P1, 1.0),
            ladder(Severity.P2, 2.0),  # P2: every P1 figure doubled
            EscalationLadder(
                severity=Severity.P3,
                steps=(EscalationStep(name="daily update", after_s=_DAY, repeat_s=_DAY),),
            ),
        ),
        callback=CallbackRule(
            tiers=("premium", "elite"), channels=(Channel.VOICE,), threshold_s=45.0, due_s=300.0
        ),
        credits=CreditRule(tier="elite", min_breaches=2, rate=0.05),
        post_incident_report_s=_DAY,
        post_incident_tiers=("premium", "elite"),
        post_incident_severities=(Severity.P1,),
        attainment_goal=0.97,
    )


PRESETS = {"prestige": prestige}
"""Preset name → factory."""


def get_preset(name: str) -> Policy:
    """Return the built-in preset called ``name``.

    Raises:
        KeyError: No such preset.
    """
    try:
        return PRESETS[name]()
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; presets are {sorted(PRESETS)}") from None
