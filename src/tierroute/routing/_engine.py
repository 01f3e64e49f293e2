"""The routing engine: the state of a router and how it decides.

:class:`Engine` holds agents, live contacts, offers, requirement signatures with
their queues and agent pools, and the one timer heap; its methods make the
decisions. It trusts its input: :class:`~tierroute.routing.router.Router` subclasses it
and adds the public, checked API.

How decisions are made:

- A contact that starts waiting (submitted, moved to a new relaxation step, returned
  by a reject or expiry) takes the best *available* agent eligible for its current
  requirement signature under the step's strategy, if any; otherwise it joins the
  queue of that signature (:meth:`Engine._place`).
- An agent that gains capacity (ready, completed, wrap-up ended, offer released)
  repeatedly takes the waiting contact with the smallest priority key among the
  heads of the queues it is eligible for, until it is full or nothing fits
  (:meth:`Engine._agent_seek`).
- A contact never gets an offer from an agent that rejected it or let its offer
  expire.

Cost: a contact looks only at the heads of the pools (heaps of available agents)
of the buckets its signature covers (one per combination of proficiencies and
seniority present among its group's agents: at most 15 for one skill with five
proficiency and three seniority levels); an agent looks only at the heads of the
signatures its buckets are covered by, which is exactly those it is eligible for.
Neither scans all agents or all waiting contacts. An agent changing availability
pushes one entry per pooled bucket it is in (about skills x languages per
channel), however many signatures there are. Groups and new agents compute their
membership once, against the other side's existing set (agents are indexed by
skill and language for that).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

from tierroute.models import Decisions, Offer
from tierroute.policy.model import Policy
from tierroute.routing._hooks import T_EXPIRE, T_EXT, T_RELAX, T_WRAP, TimerHeap, TimerHost
from tierroute.routing._state import (
    ACTIVE,
    CHANNELS,
    IN_SERVICE,
    INF,
    OFFERED,
    RESERVED,
    S_LONGEST_IDLE,
    S_MOST_PROFICIENT,
    STRATEGIES,
    WAITING,
    WRAP,
    AgentRT,
    Bucket,
    Compiled,
    ContactRT,
    Group,
    Pool,
    Sig,
    TierRT,
    Work,
    agent_entry,
    sig_proficiency,
)

__all__ = ["Engine"]

_LOGGED_OUT, _READY, _NOT_READY = 0, 1, 2  # agent presence


class Engine:
    """Routing state and decisions (trusted input; see :class:`~tierroute.routing.router.Router`).

    Args:
        policy: The routing policy.
        clock: The injected clock, if any.
        start: The initial time (already checked).
    """

    sweep_every = 4096
    """Pool lookups between sweeps of idle pools (at least; more when there are many
    signatures). Tests lower it to exercise the sweeps."""

    def __init__(self, policy: Policy, clock: Callable[[], float] | None, start: float) -> None:
        self._policy = policy
        self._c = Compiled(policy)
        self._clock = clock
        self._now = start
        self._agents: dict[str, AgentRT] = {}
        self._contacts: dict[str, ContactRT] = {}
        self._works: dict[str, Work] = {}
        self._sigs: dict[tuple[Any, ...], Sig] = {}
        # contacts' skill requirements, interned: contacts share a few hundred of them
        self._skill_sets: dict[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]] = {}
        self._groups: dict[tuple[int, tuple[str, ...], str | None, str | None], Group] = {}
        # groups by first skill (None: no skill); named-concierge groups by agent
        self._groups_by_skill: dict[str | None, list[Group]] = {}
        self._concierge_groups: dict[str, list[Group]] = {}
        self._by_skill: dict[str, set[AgentRT]] = {}
        self._by_lang: dict[str, set[AgentRT]] = {}
        self._concierge_sigs: dict[str, list[Sig]] = {}  # concierge agent id -> signatures
        # the timer host (see tierroute.routing._hooks): its bound ``schedule`` is looked
        # up once; the engine's own heap, empty under a foreign host
        self._heap = TimerHeap()
        self._schedule_timer = self._heap.schedule
        self._foreign: TimerHost | None = None
        # what each timer kind does, by kind (one table for both hosts)
        self._on_timer: tuple[Callable[[Any, float, Decisions], None], ...] = (
            self._on_relax,
            self._on_expire,
            self._on_wrap_end,
            self._on_ext,
        )
        self._history: OrderedDict[str, Work] = OrderedDict()
        self._obs: Any = None  # an attached PromiseTracker (see tierroute.promises.tracker)
        self._out = Decisions()  # the decisions of the call in progress
        self._lookups = 0  # pool lookups since the last sweep of idle pools
        self._sweep_at = self.sweep_every
        self._agent_seq = 0
        self._contact_seq = 0
        self._offer_seq = 0
        self._submitted = 0
        self._finished = 0
        self._abandoned = 0

    def _fire(self, now: float, out: Decisions) -> bool:
        """Fire every timer of the engine's own heap due at or before ``now``, each at
        its own time; say whether any did."""
        timers = self._heap.heap
        fired = False
        while timers and timers[0][0] <= now:
            t, _, kind, obj, ver = heappop(timers)
            if obj.tver != ver:
                continue
            fired = True
            self._now = t
            self._on_timer[kind](obj, t, out)
        self._now = now
        return fired

    def fire_timer(self, at: float, kind: int, obj: Any, ver: int, out: Decisions) -> bool:
        """Fire one timer handed back by a foreign timer host (see
        :mod:`tierroute.routing._hooks`): the router's time moves to ``at`` and the
        offers made are appended to ``out``, which also receives the events raised.

        Args:
            at: When the timer is due; not before the router's time, and no earlier
                than any entry the host still holds.
            kind: The ``kind`` the timer was scheduled with.
            obj: The ``obj`` it was scheduled with.
            ver: The ``ver`` it was scheduled with.
            out: Where the offers go.

        Returns:
            Whether it fired; ``False`` for a stale (cancelled) timer, which changes
            nothing.

        Runtime complexity: that of the decision the timer makes, as in :meth:`advance`.
        """
        if obj.tver != ver:
            return False
        self._out = out
        self._now = at
        self._on_timer[kind](obj, at, out)
        return True

    def set_timer_host(self, host: TimerHost) -> None:
        """Keep every timer of this router on ``host`` from now on (see
        :mod:`tierroute.routing._hooks`); the live timers move there, in firing order.

        Under a foreign host the host fires the timers through :meth:`fire_timer`,
        :meth:`next_deadline` is ``None`` and :meth:`snapshot` is refused.

        Runtime complexity: O(k log k) for k live timers.
        """
        live = self._heap.live()
        self._heap.heap.clear()
        self._foreign = host
        self._schedule_timer = schedule = host.schedule
        for at, _, kind, obj, ver in live:
            schedule(at, kind, obj, ver)

    def _schedule(self, t: float, obj: Any) -> None:
        """Set a timer for an attached tracker's object ``obj`` (it has ``tver`` and
        ``fire(now)``); bumping ``obj.tver`` cancels it."""
        obj.tver += 1
        self._schedule_timer(t, T_EXT, obj, obj.tver)

    def _set_presence(self, a: AgentRT, pres: int, now: float, out: list[Offer]) -> None:
        if pres == a.presence:
            return
        old = a.presence
        a.presence = pres
        a.version += 1
        if _READY in (old, pres):
            d = 1 if pres == _READY else -1
            for buckets in a.buckets:
                for b in buckets:
                    b.ready += d
        if pres == _READY:
            a.idle_since = now
            a.no_answers = 0
            self._agent_seek(a, now, out, "agent_ready")
            return
        for w in sorted((w for w in a.tasks.values() if w.state == RESERVED), key=_work_order):
            self._release(w, now)
            self._return(w.contact, now, out, exclude=None)
        if pres == _LOGGED_OUT:
            for w in sorted((w for w in a.tasks.values() if w.state == WRAP), key=_work_order):
                self._release(w, now)
                self._retire(w)
            if old != _LOGGED_OUT:
                self._relax_concierge_waiters(a.id, now, out)
        a.version += 1

    def _relax_concierge_waiters(self, agent_id: str, now: float, out: list[Offer]) -> None:
        """Move on every contact waiting for ``agent_id`` as its named concierge that
        the agent can no longer serve (logged out, or no longer on its channel)."""
        stuck = [
            c
            for sig in self._concierge_sigs.get(agent_id, ())
            for c in sig.contacts()
            if not self._concierge_usable(c)
        ]
        for c in sorted(stuck, key=_contact_order):
            c.sig.remove(c)  # type: ignore[union-attr]
            self._enter_step(c, c.step + 1, now)
            self._place(c, now, out, "relaxed")

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
            self._by_skill[skill].discard(a)
        for lang in a.languages:
            self._by_lang[lang].discard(a)
        ready = a.presence == _READY
        for buckets in a.buckets:
            for b in buckets:
                b.members.remove(a)  # O(bucket); only on remove or update
                b.ready -= ready
        self._reset_links(a)
        a.version += 1

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
        b.ready += a.presence == _READY
        ch = g.ch
        a.buckets[ch].append(b)
        for pool in b.pools:
            if pool is not None:
                a.pools[ch].append(pool)

    def _submit_trusted(
        self,
        contact_id: str,
        ch: int,
        tier: TierRT,
        value: float,
        severity: int,
        skills: tuple[tuple[str, int], ...],
        language: str | None,
        min_seniority: int,
        concierge: str | None,
        now: float,
    ) -> Decisions:
        """:meth:`submit` for callers that validated their input already (the
        simulator, whose scenario was checked once): no checks, same decisions.

        ``skills`` must be sorted by skill name; ``contact_id`` must not be live.
        """
        key = self._c.key(tier, ch, severity, value, now)
        c = ContactRT(
            contact_id,
            0,
            ch,
            tier,
            value,
            severity,
            skills,
            language,
            min_seniority,
            concierge,
            now,
            key,
            now,
            None,
        )
        out = self._out = Decisions()
        self._fire(now, out)
        self._contact_seq += 1
        c.seq = self._contact_seq
        self._contacts[contact_id] = c
        self._submitted += 1
        if self._obs is not None:
            self._obs.on_submit(c, now)
        self._enter_step(c, 0, now)
        self._place(c, now, out, "contact_arrived")
        return out

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

    def _enter_step(self, c: ContactRT, index: int, now: float) -> None:
        """Put ``c`` on the first applicable step from ``index`` on."""
        steps = c.tier.steps
        last = len(steps) - 1
        index = min(index, last)
        while index < last and steps[index].concierge and not self._concierge_usable(c):
            index += 1
        c.step = index
        c.step_until = now + steps[index].wait_s

    def _concierge_usable(self, c: ContactRT) -> bool:
        cid = c.concierge
        if cid is None:
            return False
        a = self._agents.get(cid)
        if a is None or a.presence == _LOGGED_OUT or a.maxc[c.ch] <= 0:
            return False
        return c.excluded is None or cid not in c.excluded

    def _place(self, c: ContactRT, now: float, out: list[Offer], moment: str) -> None:
        """``c`` starts waiting at its current step: offer it or queue it."""
        sig = self._sig_for(c)
        strategy = c.tier.steps[c.step].strategy
        self._lookups += 1
        if self._lookups >= self._sweep_at:
            self._sweep_pools()
        excluded = c.excluded
        agent: AgentRT | None = None
        passed: tuple[str, ...] = ()
        if excluded is None:
            agent = self._cover_best(sig, strategy)
        else:
            agent, passed = self._cover_skip(sig, strategy, excluded)
        if agent is None:
            sig.push(c)
            c.tver += 1  # also on the last step: no relaxation timer may stay live
            if c.step_until < INF:
                self._schedule_timer(c.step_until, T_RELAX, c, c.tver)
            if self._obs is not None:
                self._obs.on_queued(c, now)
            return
        self._offer(c, agent, sig, strategy, now, out, moment, passed, None)
        self._refresh(agent)

    def _cover_pools(self, sig: Sig, strategy: int) -> list[tuple[int, list[Any]]]:
        """``(proficiency, heap)`` of the pool of each bucket of ``sig``'s cover that
        serves ``strategy`` (longest idle for most proficient), made if missing."""
        st = S_LONGEST_IDLE if strategy == S_MOST_PROFICIENT else strategy
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
        live pool head (most proficient: the highest proficiency first)."""
        mp = strategy == S_MOST_PROFICIENT
        st = S_LONGEST_IDLE if mp else strategy
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
                if e[-2] != e[-1].version:
                    heappop(heap)
                    continue
                if best is None or (prof > best_prof if mp and prof != best_prof else e < best):
                    best, best_prof = e, prof
                break
        return None if best is None else best[-1]

    def _cover_skip(
        self, sig: Sig, strategy: int, excluded: set[str]
    ) -> tuple[AgentRT | None, tuple[str, ...]]:
        """Like :meth:`_cover_best` for a contact that excluded some agents: the best
        agent not excluded, and the excluded agents ranked ahead of it."""
        mp = strategy == S_MOST_PROFICIENT
        ranked: list[tuple[Any, ...]] = []  # (rank, is a pick, agent)
        for prof, heap in self._cover_pools(sig, strategy):
            held = []
            while heap:
                e = heappop(heap)
                a = e[-1]
                if e[-2] != a.version:
                    continue
                held.append(e)
                rank = (-prof, *e[:-1]) if mp else e[:-1]
                if a.id not in excluded:
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

    def _routing_timers_pending(self) -> bool:
        """Whether a relaxation, offer-expiry or wrap-up timer is set on the engine's
        own heap (a tracker's timers aside: they never make offers). O(timers); for
        end-of-run checks."""
        return any(kind != T_EXT and obj.tver == ver for _, _, kind, obj, ver in self._heap.heap)

    def _sweep_pools(self) -> None:
        """Drop the pools not looked up since the last sweep.

        Every available agent is pushed into every pool of its buckets on each
        change, so pools of buckets nobody looks up any more are pure cost. A
        dropped pool is rebuilt from the bucket's members on its next lookup; pools
        are derived data, so decisions do not change. Sweeps come at least twice
        as many lookups apart as there are signatures (a pool unused for that long
        is unlikely to be wanted soon).
        """
        for g in self._groups.values():
            for b in g.buckets.values():
                if isinstance(b.pools, list):
                    _sweep(b.pools)
        self._lookups = 0
        self._sweep_at = max(self.sweep_every, 2 * len(self._sigs))

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
            if a.presence == _READY and a.can_take(ch, cost, excl):
                pool.push(a)
        return pool

    def _refresh(self, a: AgentRT) -> None:
        """Invalidate ``a``'s pool entries and push its current figures into the pools
        of every channel it can take now."""
        a.version += 1
        if a.presence != _READY:
            return
        cost, excl = self._c.cost, self._c.exclusive
        all_pools = a.pools
        # one entry per strategy, shared by all pools of that strategy
        shared: list[tuple[Any, ...] | None] = [None] * len(STRATEGIES)
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
                        entry = shared[st] = agent_entry(st, a)
                    heap = pool.heap
                    heappush(heap, entry)
                    if len(heap) > 4 * len(pool.members) + 64:
                        pool.compact()
                if dropped:
                    all_pools[ch] = [p for p in pools if not p.dead]

    def _agent_seek(self, a: AgentRT, now: float, out: list[Offer], moment: str) -> None:
        """``a`` gained capacity: take the best waiting contacts it can serve."""
        if a.presence == _READY:
            cost, excl = self._c.cost, self._c.exclusive
            aid = a.id
            buckets = a.buckets
            while True:
                best = rival = None
                best_sig = None
                passed: list[str] = []
                for ch in a.chans:
                    if not a.can_take(ch, cost[ch], excl[ch]):
                        continue
                    for b in buckets[ch]:
                        for sig in b.sigs:
                            heap = sig.heap
                            if not heap:
                                continue
                            e = heap[0]
                            ex = e[4].excluded
                            if ex is not None and aid in ex:
                                passed.append(e[4].id)
                                deeper = _queue_first_for(sig, aid)
                                if deeper is None:
                                    continue
                                e = deeper
                            if best is None or e < best:
                                rival = best
                                best, best_sig = e, sig
                            elif rival is None or e < rival:
                                rival = e
                if best is None or best_sig is None:
                    break
                c = best[4]
                best_sig.remove(c)
                nxt = best_sig.heap[0] if best_sig.heap else None
                if nxt is not None and (rival is None or nxt < rival):
                    ex = nxt[4].excluded
                    if ex is None or aid not in ex:
                        rival = nxt
                skipped = (
                    tuple(
                        x.id
                        for x in sorted((self._contacts[p] for p in passed), key=_contact_order)
                        if x.key <= c.key
                    )
                    if passed
                    else ()
                )
                self._offer(
                    c,
                    a,
                    best_sig,
                    c.tier.steps[c.step].strategy,
                    now,
                    out,
                    moment,
                    skipped,
                    None if rival is None else (rival[4].id, rival[0]),
                )
        self._refresh(a)

    def _offer(
        self,
        c: ContactRT,
        a: AgentRT,
        sig: Sig,
        strategy: int,
        now: float,
        out: list[Offer],
        moment: str,
        passed: tuple[str, ...],
        rival: tuple[str, float] | None,
    ) -> None:
        """Reserve ``a`` for ``c`` (or assign at once under auto-accept)."""
        self._offer_seq += 1
        n = self._offer_seq
        wid = f"o{n}"
        ch = c.ch
        cost = self._c.cost[ch]
        why = (
            moment,
            strategy,
            c.step,
            sig_proficiency(a, sig) if sig.skills else 0,
            a.idle_since,
            a.load,
            a.handled,
            a.last_offer,
            passed,
            rival,
        )
        a.load += cost
        a.counts[ch] += 1
        if self._c.exclusive[ch]:
            a.excl_busy += 1
        a.last_offer = n
        a.idle_since = now
        a.version += 1
        c.tver += 1
        auto = self._c.auto_accept
        expires = INF if auto else now + self._c.timeout
        step = c.tier.steps[c.step].name
        w = Work(wid, c, a, now, expires, step, RESERVED, why)
        a.tasks[wid] = w
        self._works[wid] = w
        c.work = w
        if auto:
            self._activate(w, now)
        else:
            c.state = OFFERED
            w.tver += 1
            self._schedule_timer(expires, T_EXPIRE, w, w.tver)
        # tuple.__new__ skips the named tuple's Python-level constructor (~90 ns)
        out.append(
            _new_offer(
                Offer,
                (
                    wid,
                    c.id,
                    a.id,
                    CHANNELS[ch],
                    c.tier.name,
                    now,
                    None if auto else expires,
                    step,
                    auto,
                ),
            )
        )

    def _activate(self, w: Work, now: float) -> None:
        w.state = ACTIVE
        w.accepted_at = now
        w.tver += 1
        w.contact.state = IN_SERVICE
        a = w.agent
        a.handled += self._c.cost[w.contact.ch]
        a.no_answers = 0
        if self._obs is not None:
            self._obs.on_answer(w, now)

    def _release(self, w: Work, now: float) -> None:
        """Give the agent back the capacity held by ``w``."""
        a = w.agent
        ch = w.contact.ch
        a.load -= self._c.cost[ch]
        a.counts[ch] -= 1
        if self._c.exclusive[ch]:
            a.excl_busy -= 1
        del a.tasks[w.id]
        del self._works[w.id]
        w.tver += 1
        a.idle_since = now
        a.version += 1
        out = self._out
        if out:  # an offer made earlier in this very call and withdrawn: not returned
            wid = w.id
            for i in range(len(out) - 1, -1, -1):
                if out[i].offer_id == wid:
                    del out[i]
                    break

    def _retire(self, w: Work) -> None:
        """Keep a finished decision explainable for a while."""
        keep = self._policy.explain_history
        if keep:
            hist = self._history
            hist[w.id] = w
            if len(hist) > keep:
                hist.popitem(last=False)

    def _end_service(self, w: Work, now: float, out: list[Offer], *, seek: bool) -> None:
        """The assignment ends: wrap-up, or capacity back at once."""
        wrap = self._c.wrap[w.contact.ch]
        if wrap > 0:
            w.state = WRAP
            w.until = now + wrap
            w.tver += 1
            self._schedule_timer(w.until, T_WRAP, w, w.tver)
            return
        self._release(w, now)
        self._retire(w)
        if seek:
            self._agent_seek(w.agent, now, out, "capacity_freed")

    def _return(self, c: ContactRT, now: float, out: list[Offer], exclude: str | None) -> None:
        """An offer of ``c`` fell through: back to waiting with its key."""
        w = c.work
        if w is not None:
            self._retire(w)
        c.work = None
        c.state = WAITING
        if exclude is not None:
            if c.excluded is None:
                c.excluded = set()
            c.excluded.add(exclude)
        step = c.tier.steps[c.step]
        if now >= c.step_until or (step.concierge and not self._concierge_usable(c)):
            self._enter_step(c, c.step + 1, now)
        self._place(c, now, out, "returned")

    def _decline(self, w: Work, now: float, out: list[Offer], *, no_answer: bool) -> None:
        a = w.agent
        self._release(w, now)
        self._refresh(a)  # pools show every available agent while the contact is placed
        if no_answer:
            a.no_answers += 1
        self._return(w.contact, now, out, exclude=a.id)
        limit = self._c.max_no_answers
        if no_answer and limit and a.no_answers >= limit and a.presence == _READY:
            self._set_presence(a, _NOT_READY, now, out)
        else:
            self._agent_seek(a, now, out, "capacity_freed")

    def _on_relax(self, c: ContactRT, now: float, out: list[Offer]) -> None:
        c.sig.remove(c)  # type: ignore[union-attr]
        self._enter_step(c, c.step + 1, now)
        self._place(c, now, out, "relaxed")

    def _on_expire(self, w: Work, now: float, out: list[Offer]) -> None:
        self._decline(w, now, out, no_answer=True)

    def _on_wrap_end(self, w: Work, now: float, out: list[Offer]) -> None:
        self._release(w, now)
        self._retire(w)
        self._agent_seek(w.agent, now, out, "capacity_freed")

    @staticmethod
    def _on_ext(obj: Any, now: float, out: list[Offer]) -> None:  # noqa: ARG004
        obj.fire(now)


def _work_order(w: Work) -> int:
    return int(w.id[1:])


def _contact_order(c: ContactRT) -> tuple[float, float, int]:
    return (c.key, -c.value, c.seq)


_EMPTY: frozenset[AgentRT] = frozenset()
_new_offer = tuple.__new__


def _bucket_key(g: Group, a: AgentRT) -> tuple[int, ...]:
    """The key of agent ``a``'s bucket in group ``g``: proficiencies, seniority."""
    mine = a.skills
    return (*(mine[s] for s in g.skills), a.seniority)


def _rank(x: tuple[Any, ...]) -> Any:
    return x[0]


def _sweep(pools: list[Pool | None]) -> None:
    """Drop the pools of ``pools`` not looked up since the last sweep."""
    for i, pool in enumerate(pools):
        if pool is None:
            continue
        if pool.used:
            pool.used = False
        else:
            pool.dead = True
            pools[i] = None


def _queue_first_for(sig: Sig, agent_id: str) -> tuple[Any, ...] | None:
    """First live entry of a queue whose contact has not excluded ``agent_id``."""
    heap = sig.heap
    held = []
    found = None
    while heap:
        e = heappop(heap)
        c = e[4]
        if e[3] != c.qver:
            continue
        held.append(e)
        if c.excluded is None or agent_id not in c.excluded:
            found = e
            break
    for e in held:
        heappush(heap, e)
    return found
