"""``Router._check``: walk the whole router and check every invariant (slow).

Two layers:

- :func:`check_state` ties together the facts a snapshot stores: every waiting
  contact in exactly one queue with its relaxation timer, every reservation with its
  expiry and every wrap-up with its end, offers and assignments held by live
  contacts and registered agents, each agent's own figures (``AgentRT._check``:
  load within capacity, counts by channel, work its presence allows), no agent left
  available beside a contact it could take, counters ahead of every id and timer.
  It is linear (in contacts, offers, timers, and agents per queue) and
  :func:`~tierroute.routing._snapshot.load` runs it on every restore, so it raises
  :class:`Broken` explicitly (``python -O`` strips asserts) and names what is at
  fault.
- :func:`check` adds the index that the engine derives from those facts: each
  structure checks itself (``Sig._check``, ``Group._check`` -> ``Bucket._check`` ->
  ``Pool._check`` in :mod:`tierroute.routing._state`) against full scans of the
  agents, O(agents x signatures); the tests run it after their random operations.
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
    AgentRT,
    Bucket,
    ContactRT,
    Pool,
    Work,
)

__all__ = ["Broken", "check", "check_state"]


class Broken(AssertionError):
    """An invariant does not hold.

    Args:
        message: Which, and for what.
        where: The agent, contact or work at fault, or the snapshot entry the
            invariant is about (``"seq.offer"``, ``"counts"``), or ``None``.
    """

    def __init__(self, message: str, where: object = None) -> None:
        super().__init__(message)
        self.where = where


def check(r: Engine) -> None:
    """Raise ``AssertionError`` naming the first broken invariant."""
    check_state(r)
    for key, sig in r._sigs.items():
        assert sig.key == key and sig.group is r._groups[sig.group_key()]
        sig._check(r._agents.values())
    for c in r._contacts.values():
        if c.state == WAITING:
            assert r._sig_for(c) is c.sig, f"{c.id} is queued at the wrong signature"
    _groups(r)
    _agent_links(r)


def check_state(r: Engine) -> None:
    """Raise :class:`Broken` naming the first broken invariant among the router's
    facts (see the module docstring)."""
    timers = _timers(r)
    queued = _queues(r)
    _contacts(r, queued, timers)
    _works(r, timers)
    _agents(r)
    _counters(r)


def _name(obj: object) -> str:
    if isinstance(obj, AgentRT):
        return f"agent {obj.id!r}"
    if isinstance(obj, ContactRT):
        return f"contact {obj.id!r}"
    if isinstance(obj, Work):
        return f"offer {obj.id!r}"
    return type(obj).__name__.lstrip("_")  # a hook's timer object


def _timers(r: Engine) -> dict[tuple[int, int], float]:
    """The live timers of the engine's own heap by (kind, id of their object)."""
    live: dict[tuple[int, int], float] = {}
    seqs: set[int] = set()
    now, top = r._now, r._heap.seq
    for t, seq, kind, _, obj in filter(is_live, r._heap.heap):
        key = (kind, id(obj))
        if key in live:
            raise Broken(f"{_name(obj)} has two live timers of kind {kind}", obj)
        live[key] = t
        if not t > now:
            raise Broken(f"{_name(obj)}: live timer of kind {kind} at {t} is not after {now}", obj)
        if seq in seqs:
            raise Broken(f"two live timers have sequence number {seq}", "timers")
        seqs.add(seq)
        if seq > top:
            raise Broken(f"the timer counter {top} is behind timer number {seq}", "seq.timer")
    return live


def _queues(r: Engine) -> Counter[str]:
    """Count the queue entries of each contact; check work conservation."""
    cost, excl = r._c.cost, r._c.exclusive
    entries: Counter[str] = Counter()
    for sig in r._sigs.values():
        waiting = [e[4] for e in sig.heap if is_live(e)]
        for c in waiting:
            entries[c.id] += 1
            if r._contacts.get(c.id) is not c:
                raise Broken(f"queued {_name(c)} is not live", c)
        # work conservation: no available eligible agent left beside a waiting contact
        ch = sig.ch
        for b in sig.cover:
            for a in b.members:
                if a.presence == READY and a.can_take(ch, cost[ch], excl[ch]):
                    for c in waiting:
                        x = None if c.excluded is None else c.excluded.get(a.id)
                        if x is None or x.lapsed:
                            raise Broken(f"{_name(a)} is available for waiting {_name(c)}", a)
    return entries


def _contacts(r: Engine, entries: Counter[str], timers: dict[tuple[int, int], float]) -> None:
    states: Counter[int] = Counter()
    for cid, c in r._contacts.items():
        if c.id != cid:
            raise Broken(f"{_name(c)} is filed as {cid!r}", c)
        states[c.state] += 1
        for aid, x in (c.excluded or {}).items():
            if x.contact is not c or x.agent != aid:
                raise Broken(f"{_name(c)}: the exclusion of {aid!r} is filed wrongly", c)
            t_lapse = timers.get((T_LAPSE, id(x)))
            if t_lapse != (None if x.lapsed or x.until == INF else x.until):
                raise Broken(f"{_name(c)}: cooldown of {aid!r} timer {t_lapse} != {x.until}", c)
        t_relax = timers.get((T_RELAX, id(c)))
        if c.state == WAITING:
            if entries[cid] != 1 or c.work is not None:
                raise Broken(f"waiting {_name(c)} is in {entries[cid]} queues", c)
            if r._sig_for(c) is not c.sig:
                raise Broken(f"{_name(c)} is queued at the wrong signature", c)
            if t_relax != (c.step_until if c.step_until < INF else None):
                raise Broken(f"{_name(c)}: relaxation timer {t_relax} != {c.step_until}", c)
            continue
        if entries[cid] or t_relax is not None:
            raise Broken(f"{_name(c)} is not waiting but queued or set to relax", c)
        w = c.work
        if w is None or r._works.get(w.id) is not w or w.contact is not c:
            raise Broken(f"{_name(c)} is offered or in service without its offer", c)
        if w.state != (RESERVED if c.state == OFFERED else ACTIVE):
            raise Broken(f"{_name(c)} is in state {c.state}, its {_name(w)} in {w.state}", c)
        if not r._sig_for(c).eligible(w.agent):
            step = c.tier.steps[c.step].name
            raise Broken(f"{_name(w.agent)} is not eligible for {_name(c)} at step {step}", w)
    if not sum(entries.values()) == states[WAITING] == r._waiting:
        raise Broken("a queued contact is not waiting, or the waiting count is off")
    total = states[WAITING] + states[OFFERED] + states[IN_SERVICE] + r._finished + r._abandoned
    if total != r._submitted:
        raise Broken(f"contacts lost or duplicated: {total} != submitted {r._submitted}", "counts")


def _works(r: Engine, timers: dict[tuple[int, int], float]) -> None:
    for wid, w in r._works.items():
        a, c = w.agent, w.contact
        if w.id != wid or a.tasks.get(wid) is not w or r._agents.get(a.id) is not a:
            raise Broken(f"{_name(w)} is not held by a registered agent", w)
        t_exp = timers.get((T_EXPIRE, id(w)))
        t_wrap = timers.get((T_WRAP, id(w)))
        if t_exp != (w.expires_at if w.state == RESERVED else None):
            raise Broken(f"{_name(w)} in state {w.state}: expiry timer {t_exp}", w)
        if t_wrap != (w.until if w.state == WRAP else None):
            raise Broken(f"{_name(w)} in state {w.state}: wrap-up timer {t_wrap}", w)
        # ringing or in service: its contact is live and held by it (in wrap-up the
        # contact may have finished or moved on)
        if w.state != WRAP and (c.work is not w or r._contacts.get(c.id) is not c):
            raise Broken(f"{_name(w)} in state {w.state} is not its contact's offer", w)


def _agents(r: Engine) -> None:
    for aid, a in r._agents.items():
        if a.id != aid:
            raise Broken(f"{_name(a)} is filed as {aid!r}", a)
        try:
            a._check(r._c)
        except AssertionError as exc:
            raise Broken(str(exc), a) from None
        for wid, w in a.tasks.items():
            if r._works.get(wid) is not w:
                raise Broken(f"{_name(a)} holds {_name(w)}, which is not live", a)


def _counters(r: Engine) -> None:
    """The counters that number agents, contacts and offers are ahead of every
    number in use, and each number is used once."""
    agents = {a.seq for a in r._agents.values()}
    if len(agents) != len(r._agents) or max(agents, default=0) > r._agent_seq:
        raise Broken(
            f"the agent counter {r._agent_seq} is behind, or a number repeats", "seq.agent"
        )
    contacts = {id(c): c.seq for c in r._contacts.values()}
    contacts.update((id(w.contact), w.contact.seq) for w in r._works.values())
    seqs = set(contacts.values())
    if len(seqs) != len(contacts) or max(seqs, default=0) > r._contact_seq:
        raise Broken(
            f"the contact counter {r._contact_seq} is behind, or a number repeats", "seq.contact"
        )
    last = max((int(w.id[1:]) for w in r._works.values()), default=0)
    last = max(last, max((a.last_offer for a in r._agents.values()), default=0))
    if last > r._offer_seq:
        raise Broken(f"the offer counter {r._offer_seq} is behind offer o{last}", "seq.offer")


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


def _agent_links(r: Engine) -> None:
    """Each agent's lists of buckets and pools by channel are exactly those it is in."""
    buckets: dict[tuple[int, int], list[Bucket]] = {}
    for g in r._groups.values():
        for b in g.buckets.values():
            for a in b.members:
                buckets.setdefault((id(a), g.ch), []).append(b)
    for aid, a in r._agents.items():
        for ch in range(len(CHANNELS)):
            mine = buckets.get((id(a), ch), [])
            assert sorted(map(id, a.buckets[ch])) == sorted(map(id, mine)), (
                f"agent {aid}: bucket list for {CHANNELS[ch].value} is stale"
            )
            pools: list[Pool] = [p for b in mine for p in b.pools if p is not None]
            live_pools = [p for p in a.pools[ch] if not p.dead]
            assert sorted(map(id, live_pools)) == sorted(map(id, pools)), (
                f"agent {aid}: pool list for {CHANNELS[ch].value} is stale"
            )
