"""``Router._check``: walk the whole router and assert every invariant (slow)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from tierroute.routing._hooks import T_EXPIRE, T_RELAX, T_WRAP
from tierroute.routing._state import (
    ACTIVE,
    CHANNELS,
    IN_SERVICE,
    INF,
    OFFERED,
    RESERVED,
    S_MOST_PROFICIENT,
    WAITING,
    WRAP,
    Pool,
    agent_entry,
)

if TYPE_CHECKING:
    from tierroute.routing.router import Router

_READY = 1


def check(r: Router) -> None:
    """Raise ``AssertionError`` naming the first broken invariant."""
    cost, excl = r._c.cost, r._c.exclusive

    def check_pool(pool: Pool, strategy: int, ch: int, name: str) -> None:
        assert pool.strategy == strategy and not pool.dead
        live_pool = [e for e in pool.heap if e[-2] == e[-1].version]
        agents = [e[-1] for e in live_pool]
        assert len(agents) == len(set(agents)), f"{name}: duplicate agent"
        want = {
            a for a in pool.members if a.presence == _READY and a.can_take(ch, cost[ch], excl[ch])
        }
        assert set(agents) == want, (
            f"{name}: {sorted(x.id for x in agents)} != available {sorted(x.id for x in want)}"
        )
        for e in live_pool:
            assert e == agent_entry(strategy, e[-1]), f"{name}: {e[-1].id} is stale"

    now = r._now
    live_timers: dict[tuple[int, int], float] = {}
    for t, _, kind, obj, ver in r._heap.heap:
        if obj.tver == ver:
            key = (kind, id(obj))
            assert key not in live_timers, f"two live timers of kind {kind} for {obj.id}"
            live_timers[key] = t
            assert t > now, f"live timer {kind} at {t} is not after now {now}"

    # every waiting contact in exactly one queue, at the signature of its step
    entries: Counter[str] = Counter()
    for key, sig in r._sigs.items():
        assert sig.key == key
        live = [e for e in sig.heap if e[3] == e[4].qver]
        assert len(live) == sig.live, f"signature {key}: live count {sig.live} != {len(live)}"
        if sig.heap:
            assert sig.heap[0][3] == sig.heap[0][4].qver, f"signature {key}: stale head"
        for e in live:
            c = e[4]
            entries[c.id] += 1
            assert c.sig is sig and c.state == WAITING, f"{c.id} in queue {key} but not waiting"
            assert e[0] == c.key and e[1] == -c.value and e[2] == c.seq
            assert r._contacts.get(c.id) is c, f"queued contact {c.id} is not live"
        eligible = {a for a in r._agents.values() if sig.eligible(a)}
        g = sig.group
        assert g is not None and g.sigs.count(sig) == 1 and g is r._groups[sig.group_key()]
        cover = [b for b in g.buckets.values() if sig.covers(b)]
        assert sorted(map(id, sig.cover)) == sorted(map(id, cover)), f"{key}: stale cover"
        assert all(b.sigs.count(sig) == 1 for b in cover)
        agents = [a for b in cover for a in b.members]
        assert len(agents) == len(set(agents)), f"signature {key}: duplicate agent"
        assert set(agents) == eligible, f"signature {key}: eligible agents are stale"
        # work conservation: no available eligible agent left beside a waiting contact
        if sig.live:
            for a in agents:
                if a.presence == _READY and a.can_take(sig.ch, cost[sig.ch], excl[sig.ch]):
                    for e in live:
                        ex = e[4].excluded
                        assert ex is not None and a.id in ex, (
                            f"agent {a.id} is available for waiting contact {e[4].id}"
                        )

    states: Counter[int] = Counter()
    for cid, c in r._contacts.items():
        assert c.id == cid
        states[c.state] += 1
        step = c.tier.steps[c.step]
        if c.state == WAITING:
            assert entries[cid] == 1, f"waiting contact {cid} is in {entries[cid]} queues"
            assert c.work is None
            assert r._sig_for(c) is c.sig, f"{cid} is queued at the wrong signature"
            t_relax = live_timers.get((T_RELAX, id(c)))
            if c.step_until < INF:
                assert t_relax == c.step_until, f"{cid}: relaxation {t_relax} != {c.step_until}"
            else:
                assert t_relax is None, f"{cid}: relaxation timer on the last step"
        else:
            assert entries[cid] == 0, f"{c.state} contact {cid} still queued"
            assert (T_RELAX, id(c)) not in live_timers
            w = c.work
            assert w is not None and r._works.get(w.id) is w, f"{cid} has no live work"
            assert w.state == (RESERVED if c.state == OFFERED else ACTIVE)
            sig_key = r._sig_for(c).key
            assert r._sigs[sig_key].eligible(w.agent), (
                f"offer {w.id}: agent {w.agent.id} not eligible for {cid} at step {step.name}"
            )
    assert sum(entries.values()) == states[WAITING]
    total = states[WAITING] + states[OFFERED] + states[IN_SERVICE] + r._finished + r._abandoned
    assert total == r._submitted, f"contacts lost or duplicated: {total} != {r._submitted}"

    for wid, w in r._works.items():
        assert w.id == wid and w.agent.tasks.get(wid) is w
        t_exp = live_timers.get((T_EXPIRE, id(w)))
        t_wrap = live_timers.get((T_WRAP, id(w)))
        if w.state == RESERVED:
            assert t_exp == w.expires_at, f"reservation {wid} has no live expiry"
            assert w.contact.work is w and w.contact.state == OFFERED
        else:
            assert t_exp is None
        if w.state == WRAP:
            assert t_wrap == w.until, f"wrap-up {wid} has no live timer"
        else:
            assert t_wrap is None

    for gkey, g in r._groups.items():
        assert gkey == g.key and list(g.skills) == sorted(g.skills)
        if g.concierge is None:
            first = g.skills[0] if g.skills else None
            assert r._groups_by_skill[first].count(g) == 1
        else:
            assert not g.skills and g.lang is None
            assert r._concierge_groups[g.concierge].count(g) == 1
        members = [a for b in g.buckets.values() for a in b.members]
        assert len(members) == len(set(members)), f"group {gkey}: duplicate agent"
        assert set(members) == {a for a in r._agents.values() if g.admits(a)}, (
            f"group {gkey}: members are stale"
        )
        for bkey, b in g.buckets.items():
            assert b.key == bkey and len(bkey) == len(g.skills) + 1
            *profs, sen = bkey
            assert b.prof == min(profs, default=0)
            assert b.ready == sum(a.presence == _READY for a in b.members)
            for a in b.members:
                assert a.seniority == sen and [a.skills[s] for s in g.skills] == profs
            assert b.sigs == [s for s in g.sigs if s.covers(b)], f"group {gkey}: stale sigs"
            assert b.pools[S_MOST_PROFICIENT] is None, "most proficient uses longest idle"
            for strategy, pool in enumerate(b.pools):
                if pool is not None:
                    assert pool.members is b.members
                    check_pool(pool, strategy, g.ch, f"pool {gkey}/{bkey}/{strategy}")

    for aid, a in r._agents.items():
        assert a.id == aid
        load = sum(cost[w.contact.ch] for w in a.tasks.values())
        assert load == a.load <= a.capacity, f"agent {aid}: load {a.load} (tasks {load})"
        counts = Counter(w.contact.ch for w in a.tasks.values())
        for ch in range(len(CHANNELS)):
            assert a.counts[ch] == counts[ch] <= a.maxc[ch], f"agent {aid}: channel {ch} over"
        assert a.excl_busy == sum(1 for w in a.tasks.values() if excl[w.contact.ch])
        if a.excl_busy:
            assert len(a.tasks) == 1, f"agent {aid}: exclusive contact shares the agent"
        for w in a.tasks.values():
            assert r._works.get(w.id) is w
        if a.presence == 0:
            assert not a.tasks, f"logged-out agent {aid} holds work"
        if a.presence != _READY:
            assert all(w.state != RESERVED for w in a.tasks.values()), (
                f"agent {aid} is not ready but reserved"
            )
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
