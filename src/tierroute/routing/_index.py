"""The eligibility index of the routing engine: which agents can serve which
requirement signature, and the pools of available agents ranked for each strategy.

:class:`Index` is the base of :class:`~tierroute.routing._engine.Engine`; it owns

- agents indexed by skill and language (to fill a new group once);
- :class:`~tierroute.routing._state.Group` s of agents (channel, skills, language or
  named concierge) split into :class:`~tierroute.routing._state.Bucket` s by
  proficiencies and seniority;
- :class:`~tierroute.routing._state.Sig` natures, each covering the buckets of its
  group whose agents are eligible;
- the bucket pools (made on first lookup) and the lookups of the best available
  agent of a signature's cover;
- which of a contact's excluded agents it holds off (:meth:`Index._held_off`).

All of it is derived from the agents and the waiting contacts, made on first use and
dropped by an amortised sweep once nobody uses it (:meth:`Index._sweep`), so that
memory follows what is live however many requirements come and go.

Nothing here decides who gets what; the engine does, through these lookups.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any

from tierroute.policy.model import Policy
from tierroute.routing._hooks import is_live
from tierroute.routing._state import (
    BY_PROFICIENCY,
    CHANNELS,
    COMPACT_SLACK,
    INF,
    LOGGED_OUT,
    NO_POOLS,
    POOL_COMPACT_FACTOR,
    POOL_OF,
    RANK_KEY,
    READY,
    STRATEGIES,
    AgentRT,
    Bucket,
    Compiled,
    ContactRT,
    Group,
    Pool,
    Sig,
)

__all__ = ["Index"]


class Index:
    """Agents, groups, buckets, signatures and pools (see the module docstring).

    Args:
        policy: The routing policy.
    """

    sweep_every = 4096
    """Placements between sweeps of what nobody uses (at least; more when there are
    many signatures), and the least number of idle signatures a sweep keeps (see
    :meth:`_sweep`). Tests lower it to exercise the sweeps."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._c = Compiled(policy)
        self._agents: dict[str, AgentRT] = {}
        self._sigs: dict[tuple[Any, ...], Sig] = {}
        self._groups: dict[tuple[int, tuple[str, ...], str | None, str | None], Group] = {}
        # groups by first skill (None: no skill); named-concierge groups by agent
        self._groups_by_skill: dict[str | None, list[Group]] = {}
        self._concierge_groups: dict[str, list[Group]] = {}
        self._by_skill: dict[str, set[AgentRT]] = {}
        self._by_lang: dict[str, set[AgentRT]] = {}
        self._concierge_sigs: dict[str, list[Sig]] = {}  # concierge agent id -> signatures
        # contacts' skill requirements, interned: contacts share a few hundred of them
        self._skill_sets: dict[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]] = {}
        self._waiting = 0  # contacts in queues: the sum of every Sig.live
        self._lookups = 0  # placements ever: the clock of Sig.seen
        self._sweep_at = self.sweep_every  # the placement count of the next sweep

    def _link_agent(self, a: AgentRT) -> None:
        for skill in a.skills:
            self._by_skill.setdefault(skill, set()).add(a)
        for lang in a.languages:
            self._by_lang.setdefault(lang, set()).add(a)
        self._reset_links(a)
        for g in self._groups_of(a):
            self._join(g, a)

    def _unlink_agent(self, a: AgentRT) -> None:
        for skill in a.skills:
            _discard(self._by_skill, skill, a)
        for lang in a.languages:
            _discard(self._by_lang, lang, a)
        ready = a.presence == READY
        for buckets in a.buckets:
            for b in buckets:
                b.members.remove(a)  # O(bucket); only on remove or update
                b.ready -= ready
                if not b.members:  # its pools hold the agent's stale entries: free it now
                    _drop_pools(b)
        self._reset_links(a)
        a.stamp += 1

    @staticmethod
    def _reset_links(a: AgentRT) -> None:
        a.buckets = [[] for _ in CHANNELS]
        a.pools = [[] for _ in CHANNELS]

    def _groups_of(self, a: AgentRT) -> list[Group]:
        """The groups that admit agent ``a`` (by the index of first skills)."""
        by_first = self._groups_by_skill
        groups = [g for first in (*a.skills, None) for g in by_first.get(first, ()) if g.admits(a)]
        groups += (g for g in self._concierge_groups.get(a.id, ()) if g.admits(a))
        return groups

    def _group(self, key: tuple[int, tuple[str, ...], str | None, str | None]) -> Group:
        """The group of agents on a channel with some skills and a language, or the
        named concierge (made on first use from the agents with its rarest skill,
        else that language, else all)."""
        g = self._groups.get(key)
        if g is None:
            ch, skills, lang, concierge = key
            g = self._groups[key] = Group(ch, skills, lang, concierge)
            cands: Any
            if concierge is not None:
                self._concierge_groups.setdefault(concierge, []).append(g)
                a = self._agents.get(concierge)
                cands = () if a is None else (a,)
            else:
                self._groups_by_skill.setdefault(skills[0] if skills else None, []).append(g)
                if skills:
                    cands = min((self._by_skill.get(s, _EMPTY) for s in skills), key=len)
                elif lang is not None:
                    cands = self._by_lang.get(lang, _EMPTY)
                else:
                    cands = self._agents.values()
            for a in cands:
                if g.admits(a):
                    self._join(g, a)
        return g

    def _join(self, g: Group, a: AgentRT) -> None:
        """Put agent ``a`` (admitted by ``g``) in its bucket of ``g``."""
        key = _bucket_key(g, a)
        b = g.buckets.get(key)
        if b is None:
            b = g.buckets[key] = Bucket(key)
            for sig in g.sigs:
                if sig.covers(b):
                    sig.cover.append(b)
                    b.sigs.append(sig)
        b.members.append(a)
        b.ready += a.presence == READY
        ch = g.ch
        a.buckets[ch].append(b)
        for pool in b.pools:
            if pool is not None:
                a.pools[ch].append(pool)

    def _sig_for(self, c: ContactRT) -> Sig:
        """The signature of ``c`` at its current step (created and cached on first use)."""
        step = c.tier.steps[c.step]
        if step.concierge:
            key: tuple[Any, ...] = (c.ch, (), None, 0, c.concierge)
        else:
            if step.skills_ignore:
                skills: tuple[tuple[str, int], ...] = ()
            elif step.min_prof is None:
                skills = c.skills
            else:
                mp = step.min_prof
                skills = tuple((s, mp) for s, _ in c.skills)
            key = (
                c.ch,
                skills,
                None if step.lang_ignore else c.lang,
                c.min_sen if step.min_sen is None else step.min_sen,
                None,
            )
        sig = self._sigs.get(key)
        if sig is None:
            sig = self._new_sig(key)
        return sig

    def _new_sig(self, key: tuple[Any, ...]) -> Sig:
        sig = self._sigs[key] = Sig(key)
        if sig.concierge is not None:
            self._concierge_sigs.setdefault(sig.concierge, []).append(sig)
        g = sig.group = self._group(sig.group_key())
        g.sigs.append(sig)
        for b in g.buckets.values():
            if sig.covers(b):
                sig.cover.append(b)
                b.sigs.append(sig)
        return sig

    def _cover_pools(self, sig: Sig, strategy: int) -> list[tuple[int, list[Any]]]:
        """``(proficiency, heap)`` of the pool of each bucket of ``sig``'s cover that
        serves ``strategy`` (see :data:`~tierroute.routing._state.POOL_OF`), made if
        missing."""
        st = POOL_OF[strategy]
        out = []
        for b in sig.cover:
            pool = b.pools[st] or self._make_bucket_pool(b, st, sig.ch)
            if pool is None:
                continue
            pool.used = True
            out.append((b.prof, pool.heap))
        return out

    def _cover_best(self, sig: Sig, strategy: int) -> AgentRT | None:
        """The best available agent of ``sig``'s cover under ``strategy``: the smallest
        live pool head (by proficiency: the highest proficiency first)."""
        mp = BY_PROFICIENCY[strategy]
        st = POOL_OF[strategy]
        best: Any = None
        best_prof = -1
        for b in sig.cover:
            pool = b.pools[st] or self._make_bucket_pool(b, st, sig.ch)
            if pool is None:
                continue
            pool.used = True
            heap = pool.heap
            prof = b.prof
            while heap:
                e = heap[0]
                if e[-2] != e[-1].stamp:  # not is_live(e), inlined: the hottest loop
                    heappop(heap)
                    continue
                if best is None or (prof > best_prof if mp and prof != best_prof else e < best):
                    best, best_prof = e, prof
                break
        return None if best is None else best[-1]

    def _cover_skip(
        self, sig: Sig, strategy: int, c: ContactRT, now: float
    ) -> tuple[AgentRT | None, tuple[str, ...]]:
        """Like :meth:`_cover_best` for a contact ``c`` that excluded some agents: the
        best agent not held off (see :meth:`_held_off`), and the agents ranked ahead
        of it that are."""
        mp = BY_PROFICIENCY[strategy]
        excluded = c.excluded
        assert excluded is not None
        ranked: list[tuple[Any, ...]] = []  # (rank, is a pick, agent)
        for prof, heap in self._cover_pools(sig, strategy):
            held = []
            while heap:
                e = heappop(heap)
                a = e[-1]
                if not is_live(e):
                    continue
                held.append(e)
                rank = (-prof, *e[:-1]) if mp else e[:-1]
                if a.id not in excluded or not self._held_off(c, a.id, now, sig):
                    ranked.append((rank, True, a))
                    break
                ranked.append((rank, False, a))
            for e in held:
                heappush(heap, e)
        ranked.sort(key=_rank)
        passed: list[str] = []
        for _, pick, a in ranked:
            if pick:
                return a, tuple(passed)
            passed.append(a.id)
        return None, tuple(passed)

    def _held_off(self, c: ContactRT, agent_id: str, now: float, sig: Sig) -> bool:
        """Whether ``c`` may not be offered to agent ``agent_id``, which ``c.excluded``
        names, at ``now``; ``sig`` is ``c``'s signature at its current step.

        An exclusion holds until its cooldown lapses, except that after the moment
        it was made (``since``), it gives way when no other agent eligible for ``sig``
        is logged in without an exclusion of its own that holds: nobody else could
        take the contact, so waiting out the cooldown would only strand it. An
        exclusion for good (a transfer, or a policy without cooldown) always holds.
        Cost: O(1), or O(the agents of ``sig``'s cover) to look for another agent.
        """
        excluded = c.excluded
        assert excluded is not None
        x = excluded[agent_id]
        if x.lapsed:
            return False
        if x.until == INF or x.since >= now:
            return True
        for b in sig.cover:
            for a in b.members:
                if a.presence != LOGGED_OUT and a.id != agent_id:
                    y = excluded.get(a.id)
                    if y is None or y.lapsed:
                        return True
        return False

    def _queue_first_for(self, sig: Sig, agent_id: str, now: float) -> tuple[Any, ...] | None:
        """First live entry of ``sig``'s queue whose contact does not hold agent
        ``agent_id`` off (see :meth:`_held_off`)."""
        heap = sig.heap
        held = []
        found = None
        while heap:
            e = heappop(heap)
            c = e[4]
            if not is_live(e):
                continue
            held.append(e)
            ex = c.excluded
            if ex is None or agent_id not in ex or not self._held_off(c, agent_id, now, sig):
                found = e
                break
        for e in held:
            heappush(heap, e)
        return found

    def _sweep(self) -> None:
        """Drop what nobody uses: signatures, groups, buckets, pools, interned skill
        sets. It runs every :attr:`sweep_every` placements, or every twice as many as
        there are signatures if that is more, so that it costs amortised O(1) per
        placement; memory stays within a constant factor of the live size (agents
        and waiting contacts), however many requirements come and go.

        - Signatures with no waiting contact are kept, the most recently looked up
          first, up to as many as there are agents and waiting contacts (at least
          :attr:`sweep_every`); the rest go. A signature is derived data, rebuilt on
          its next use, and decisions never depend on its identity or on the order
          of the lists it sits in (every choice is the minimum of a total order).
          Keeping a generous number of idle ones spares a center whose requirements
          recur their rebuilds (each may rebuild its group: a scan of agents).
        - A group left without signatures at the previous sweep goes, its buckets
          leaving their members' lists: a group exists only to serve its signatures
          and is rebuilt from the agent indexes with its next one. Waiting one more
          sweep spares a group whose signatures come and go its costlier rebuild.
        - A bucket left without members (its agents were removed or updated) goes.
        - A pool not looked up since the last sweep goes (see :class:`Pool`): every
          available agent is pushed into every pool of its buckets on each change,
          so pools nobody looks up are pure cost. It is rebuilt from its bucket's
          members on its next lookup.
        - Interned skill sets, once more than the signatures, are those of the
          remaining signatures.
        """
        # one pass over the groups and their buckets, as the sweep of pools alone took
        stale = []
        for g in self._groups.values():
            if not g.sigs:
                stale.append(g)
                continue
            empty: list[Bucket] | None = None  # rare: no list per group
            for b in g.buckets.values():
                if not b.members:
                    if empty is None:
                        empty = []
                    empty.append(b)
                elif isinstance(b.pools, list):
                    _sweep_pools(b.pools)
            if empty is not None:
                for b in empty:
                    del g.buckets[b.key]
                    self._drop_bucket(b)
        for g in stale:
            self._drop_group(g)
        sigs = self._sigs
        keep = max(self.sweep_every, len(self._agents) + self._waiting)
        if len(sigs) > keep:  # else there cannot be too many idle ones
            idle = [s for s in sigs.values() if not s.live]
            if len(idle) > keep:
                idle.sort(key=_seen)
                self._drop_sigs(idle[: len(idle) - keep])
        if len(self._skill_sets) > len(sigs):
            self._skill_sets = {s.skills: s.skills for s in sigs.values()}
        self._sweep_at = self._lookups + max(self.sweep_every, 2 * len(sigs))

    def _drop_sigs(self, idle: list[Sig]) -> None:
        """Forget signatures ``idle`` (no waiting contact): out of the table, their
        groups', buckets' and concierge's lists."""
        sigs = self._sigs
        groups: dict[int, Group] = {}
        buckets: dict[int, Bucket] = {}
        concierges = set()
        for sig in idle:
            del sigs[sig.key]
            g = sig.group
            assert g is not None
            groups[id(g)] = g
            for b in sig.cover:
                buckets[id(b)] = b
            if sig.concierge is not None:
                concierges.add(sig.concierge)
        # the lists keep their order (Bucket._check compares them)
        for g in groups.values():
            g.sigs = [s for s in g.sigs if sigs.get(s.key) is s]
        for b in buckets.values():
            b.sigs = [s for s in b.sigs if sigs.get(s.key) is s]
        by_concierge = self._concierge_sigs
        for cid in concierges:
            left = [s for s in by_concierge[cid] if sigs.get(s.key) is s]
            if left:
                by_concierge[cid] = left
            else:
                del by_concierge[cid]

    def _drop_group(self, g: Group) -> None:
        """Forget group ``g`` (no signature): its buckets leave their members."""
        ch = g.ch
        for b in g.buckets.values():
            for a in b.members:
                a.buckets[ch].remove(b)  # O(the agent's buckets on ch)
            self._drop_bucket(b)
        del self._groups[g.key]
        if g.concierge is None:
            first = g.skills[0] if g.skills else None
            left = self._groups_by_skill[first]
            left.remove(g)
            if not left:
                del self._groups_by_skill[first]
        else:
            left = self._concierge_groups[g.concierge]
            left.remove(g)
            if not left:
                del self._concierge_groups[g.concierge]

    @staticmethod
    def _drop_bucket(b: Bucket) -> None:
        """Bucket ``b`` is out of its group: out of its signatures' covers, its pools
        dead (agents forget them on their next refresh)."""
        for sig in b.sigs:
            sig.cover.remove(b)
        _drop_pools(b)

    def _make_bucket_pool(self, b: Bucket, strategy: int, ch: int) -> Pool | None:
        """A new pool of bucket ``b`` for ``strategy``, or ``None`` while no member
        is ready (it is made once one is)."""
        if not b.ready:
            return None
        pools = b.pools
        if not isinstance(pools, list):
            pools = b.pools = [None] * len(STRATEGIES)
        pool = pools[strategy] = Pool(strategy, b.members)
        cost = self._c.cost[ch]
        excl = self._c.exclusive[ch]
        for a in pool.members:
            a.pools[ch].append(pool)
            if a.presence == READY and a.can_take(ch, cost, excl):
                pool.push(a)
        return pool

    def _refresh(self, a: AgentRT) -> None:
        """Invalidate ``a``'s pool entries and push its current figures into the pools
        of every channel it can take now."""
        a.stamp += 1
        if a.presence != READY:
            return
        cost, excl = self._c.cost, self._c.exclusive
        all_pools = a.pools
        # one entry per strategy, shared by all pools of that strategy
        shared: list[tuple[Any, ...] | None] = [None] * len(STRATEGIES)
        factor, slack = POOL_COMPACT_FACTOR, COMPACT_SLACK  # locals: read once per pool
        for ch in a.chans:
            pools = all_pools[ch]
            if pools and a.can_take(ch, cost[ch], excl[ch]):
                dropped = False
                for pool in pools:
                    if pool.dead:
                        dropped = True
                        continue
                    st = pool.strategy
                    entry = shared[st]
                    if entry is None:
                        # concatenation: a third faster than unpacking into a tuple
                        entry = shared[st] = RANK_KEY[st](a) + (a.stamp, a)  # noqa: RUF005
                    heap = pool.heap
                    heappush(heap, entry)
                    if len(heap) > factor * len(pool.members) + slack:
                        pool.compact()
                if dropped:
                    all_pools[ch] = [p for p in pools if not p.dead]


_EMPTY: frozenset[AgentRT] = frozenset()


def _bucket_key(g: Group, a: AgentRT) -> tuple[int, ...]:
    """The key of agent ``a``'s bucket in group ``g``: proficiencies, seniority."""
    mine = a.skills
    return (*(mine[s] for s in g.skills), a.seniority)


def _drop_pools(b: Bucket) -> None:
    """Bucket ``b`` gives up its pools (its members forget them on their next
    refresh; a lookup makes them again)."""
    for pool in b.pools:
        if pool is not None:
            pool.dead = True
    b.pools = NO_POOLS


def _discard(index: dict[str, set[AgentRT]], name: str, a: AgentRT) -> None:
    """Take ``a`` out of ``index[name]``; a name nobody has any more is forgotten."""
    agents = index[name]
    agents.discard(a)
    if not agents:
        del index[name]


def _seen(sig: Sig) -> int:
    return sig.seen


def _rank(x: tuple[Any, ...]) -> Any:
    return x[0]


def _sweep_pools(pools: list[Pool | None]) -> None:
    """Drop the pools of ``pools`` not looked up since the last sweep."""
    for i, pool in enumerate(pools):
        if pool is None:
            continue
        if pool.used:
            pool.used = False
        else:
            pool.dead = True
            pools[i] = None
