"""Which promise targets apply to a contact: a pure function of the promise policy.

The tracker and the simulator's promise tables both read targets through
:func:`promise_targets`, so they can never disagree on them.
"""

from __future__ import annotations

from collections.abc import Iterable

from tierroute.models import Channel, Severity
from tierroute.promises.model import PromisePolicy, PromiseTarget

__all__ = ["TargetTable", "promise_targets"]

TargetTable = dict[tuple[str, Channel, Severity], tuple[PromiseTarget, ...]]
"""Targets by (tier, channel, severity), sorted by promise kind."""


def promise_targets(promises: PromisePolicy, tiers: Iterable[str]) -> TargetTable:
    """The targets of every (tier, channel, severity) of ``tiers``: per promise kind,
    the one target that applies, a severity-specific target winning over a generic
    one (the first listed among equals).

    >>> from tierroute import prestige
    >>> policy = prestige()
    >>> table = promise_targets(policy.promises, policy.tier_names)
    >>> [t.kind for t in table["elite", Channel.VOICE, Severity.P1]]
    ['answer', 'resolution']
    """
    table: TargetTable = {}
    for tier in tiers:
        for ch in Channel:
            for sev in Severity:
                best: dict[str, PromiseTarget] = {}
                for t in promises.targets:
                    if t.applies(tier, ch, sev):
                        old = best.get(t.kind)
                        if old is None or (t.severities and not old.severities):
                            best[t.kind] = t
                table[tier, ch, sev] = tuple(best[k] for k in sorted(best))
    return table
