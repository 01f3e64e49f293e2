"""Built-in policy presets, as typed shortcuts.

A preset is a policy file shipped with tierroute in
``tierroute/policy/preset_files/<name>.toml``, in the format a planner writes: the
file's comments give its sources and mark the figures it assumes. A policy or
scenario file says ``preset = "<name>"`` to start from one (see
:mod:`tierroute.policy.loading`); this module returns them as :class:`Policy`
objects.

``prestige`` carries the figures of a prestige contact center (the project's domain
notes): three tiers, Standard < Premium < Elite; Premium and Elite voice 80 % in
20 s and chat 90 % in 15 s; asynchronous first response within 60 min for Premium
and Elite and 24 h for Standard; Elite goes to the named concierge first, then
straight to senior agents at high proficiency, relaxing step by step so that nobody
waits forever for a perfect match.
"""

from __future__ import annotations

from tierroute.policy.loading import preset_fields
from tierroute.policy.model import Policy
from tierroute.promises.model import PromisePolicy

__all__ = ["get_preset", "prestige", "prestige_promises"]


def get_preset(name: str) -> Policy:
    """Return the built-in preset called ``name`` (a new object each call).

    Raises:
        PolicyError: No such preset; the message names it and lists the presets.

    >>> get_preset("prestige").name
    'prestige'
    >>> get_preset("gold")
    Traceback (most recent call last):
    ...
    tierroute.errors.PolicyError: unknown preset 'gold'; presets are ['prestige']
    """
    return Policy.model_validate(preset_fields(name))


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
    return get_preset("prestige")


def prestige_promises() -> PromisePolicy:
    """The promises of the domain notes' prestige table (the ``promises`` of
    :func:`prestige`).

    The ``business`` calendar is Monday to Friday, 09:00-17:00 UTC: set your center's
    time zone and holidays when you use it (``promises.calendars.business``).

    >>> p = prestige_promises()
    >>> [(t.tier, t.kind, t.within_s) for t in p.targets if t.tier == "premium"][:2]
    [('premium', 'answer', 20.0), ('premium', 'answer', 15.0)]
    """
    return PromisePolicy.model_validate(preset_fields("prestige")["promises"])
