"""``Router._check``: walk the whole router and assert every invariant (slow).

Each hot-path structure checks itself (``AgentRT._check``, ``Sig._check``,
``Group._check`` -> ``Bucket._check`` -> ``Pool._check`` in
:mod:`tierroute.routing._state`); this walk calls them and asserts what ties them
together: every waiting contact in exactly one queue with its relaxation timer, every
reservation with its expiry, every running cooldown with its timer, no agent left
available beside a contact it could take, and the indexes of the engine.
"""

from __future__ import annotations

from collections import Counter

from tierroute.routing._engine import Engine
from tierroute.routing._hooks import T_EXPIRE, T_LAPSE, T_RELAX, T_WRAP, is_live
from tierroute.routing._state import (
    ACTIVE,
    CHANNELS,
    IN_SERVICE,
    INF,
    OFFERED,
    READY,
    RESERVED,
    WAITING,
    WRAP,
)

__all__ = ["check"]


def check(r: Engine) -> None:
    """Raise ``AssertionError`` naming the first broken invariant."""
    timers = _timers(r)
    queued = _queues(r)
    _contacts(r, queued, timers)
    _works(r, timers)
    _groups(r)
    _agents(r)


def _timers(r: Engine) -> dict[tuple[int, int], float]:
    """The live timers of the engine's own heap by (kind, id of their object)."""
    live: dict[tuple[int, int], float] = {}
    for t, _, kind, _, obj in filter(is_live, r._heap.heap):
        key = (kind, id(obj))
        assert key not in live, f"two live timers of kind {kind} for {obj!r}"
        live[key] = t
        assert t > r._now, f"live timer {kind} at {t} is not after now {r._now}"
    return live


def _queues(r: Engine) -> Counter[str]:
    """Check every signature; count the queue entries of each contact."""
    cost, excl = r._c.cost, r._c.exclusive
    entries: Counter[str] = Counter()
    for key, sig in r._sigs.items():
        assert sig.key == key and sig.group is r._groups[sig.group_key()]
        sig._check(r._agents.values())
        waiting = sig.contacts()
        for c in waiting:
            entries[c.id] += 1
            assert r._contacts.get(c.id) is c, f"queued contact {c.id} is not live"
        # work conservation: no available eligible agent left beside a waiting contact
        ch = sig.ch
        for b in sig.cover:
            for a in b.members:
                if a.presence == READY and a.can_take(ch, cost[ch], excl[ch]):
                    for c in waiting:
                        x = None if c.excluded is None else c.excluded.get(a.id)
                        assert x is not None and not x.lapsed, (
                            f"agent {a.id} is available for waiting contact {c.id}"
                        )
    return entries


def _contacts(r: Engine, entries: Counter[str], timers: dict[tuple[int, int], float]) -> None:
    states: Counter[int] = Counter()
    for cid, c in r._contacts.items():
        assert c.id == cid
        states[c.state] += 1
        for aid, x in (c.excluded or {}).items():
            assert x.contact is c and x.agent == aid
            t_lapse = timers.get((T_LAPSE, id(x)))
            if x.lapsed or x.until == INF:
                assert t_lapse is None, f"{cid}: a cooldown timer for {aid} that ended"
            else:
                assert t_lapse == x.until, f"{cid}: cooldown of {aid} {t_lapse} != {x.until}"
        if c.state == WAITING:
            assert entries[cid] == 1, f"waiting contact {cid} is in {entries[cid]} queues"
            assert c.work is None
            assert r._sig_for(c) is c.sig, f"{cid} is queued at the wrong signature"
            t_relax = timers.get((T_RELAX, id(c)))
            if c.step_until < INF:
                assert t_relax == c.step_until, f"{cid}: relaxation {t_relax} != {c.step_until}"
            else:
                assert t_relax is None, f"{cid}: relaxation timer on the last step"
        else:
            assert entries[cid] == 0, f"{c.state} contact {cid} still queued"
            assert (T_RELAX, id(c)) not in timers
            w = c.work
            assert w is not None and r._works.get(w.id) is w, f"{cid} has no live work"
            assert w.state == (RESERVED if c.state == OFFERED else ACTIVE)
            step = c.tier.steps[c.step]
            assert r._sig_for(c).eligible(w.agent), (
                f"offer {w.id}: agent {w.agent.id} not eligible for {cid} at step {step.name}"
            )
    assert sum(entries.values()) == states[WAITING] == r._waiting
    total = states[WAITING] + states[OFFERED] + states[IN_SERVICE] + r._finished + r._abandoned
    assert total == r._submitted, f"contacts lost or duplicated: {total} != {r._submitted}"


def _works(r: Engine, timers: dict[tuple[int, int], float]) -> None:
    for wid, w in r._works.items():
        assert w.id == wid and w.agent.tasks.get(wid) is w
        t_exp = timers.get((T_EXPIRE, id(w)))
        t_wrap = timers.get((T_WRAP, id(w)))
        if w.state == RESERVED:
            assert t_exp == w.expires_at, f"reservation {wid} has no live expiry"
            assert w.contact.work is w and w.contact.state == OFFERED
        else:
            assert t_exp is None
        if w.state == WRAP:
            assert t_wrap == w.until, f"wrap-up {wid} has no live timer"
        else:
            assert t_wrap is None


def _groups(r: Engine) -> None:
    for gkey, g in r._groups.items():
        assert gkey == g.key
        if g.concierge is None:
            first = g.skills[0] if g.skills else None
            assert r._groups_by_skill[first].count(g) == 1
        else:
            assert r._concierge_groups[g.concierge].count(g) == 1
        g._check(r._agents.values(), r._c)
        assert all(r._sigs.get(s.key) is s for s in g.sigs), f"group {gkey}: a dropped signature"
    # the indexes hold nothing that is gone (see Index._sweep)
    for index in (r._groups_by_skill, r._concierge_groups):
        assert all(
            groups and all(r._groups.get(g.key) is g for g in groups) for groups in index.values()
        )
    for cid, sigs in r._concierge_sigs.items():
        assert sigs == [s for s in r._sigs.values() if s.concierge == cid], f"concierge {cid}"
    assert all(r._concierge_sigs.get(s.concierge) for s in r._sigs.values() if s.concierge)
    for names in (r._by_skill, r._by_lang):
        assert all(names.values()), "an agent index keeps a name nobody has"


def _agents(r: Engine) -> None:
    for aid, a in r._agents.items():
        assert a.id == aid
        a._check(r._c)
        for w in a.tasks.values():
            assert r._works.get(w.id) is w
        for ch in range(len(CHANNELS)):
            buckets = [
                b
                for g in r._groups.values()
                if g.ch == ch
                for b in g.buckets.values()
                if a in b.members
            ]
            assert sorted(map(id, a.buckets[ch])) == sorted(map(id, buckets))
            pools = [p for b in buckets for p in b.pools if p is not None]
            live_pools = [p for p in a.pools[ch] if not p.dead]
            assert sorted(map(id, live_pools)) == sorted(map(id, pools)), (
                f"agent {aid}: pool list for {CHANNELS[ch].value} is stale"
            )
