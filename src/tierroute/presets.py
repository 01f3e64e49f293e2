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

from tierroute.models import Channel
from tierroute.policy import (
    ChannelPolicy,
    OfferPolicy,
    Policy,
    RelaxationStep,
    Strategy,
    TierPolicy,
)

__all__ = ["PRESETS", "get_preset", "prestige"]

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
