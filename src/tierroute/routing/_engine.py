"""The routing engine: the state of a router and how it decides.

:class:`Engine` holds live contacts, offers and assignments, the timers (on its own
heap or a foreign host's: :mod:`tierroute.routing._hooks`) and the attached hook, over
the eligibility index of :class:`~tierroute.routing._index.Index` (agents, groups,
buckets, signatures with their queues, pools). Every state change is one of its
``_<operation>_trusted`` methods, which trust their input:
:class:`~tierroute.routing.router.Router` subclasses it, validates each call and
delegates to the same method the simulator calls directly.

How decisions are made:

- A contact that starts waiting (submitted, moved to a new relaxation step, returned
  by a reject or expiry) takes the best *available* agent eligible for its current
  requirement signature under the step's strategy, if any; otherwise it joins the
  queue of that signature (:meth:`Engine._place`).
- An agent that gains capacity (ready, completed, wrap-up ended, offer released)
  repeatedly takes the waiting contact with the smallest priority key among the
  heads of the queues it is eligible for, until it is full or nothing fits
  (:meth:`Engine._agent_seek`).
- A contact is not offered again to an agent that rejected it or let its offer
  expire until the policy's cooldown (``offer.decline_cooldown_s``) has passed:
  then a timer lifts the exclusion, and offers the contact to that agent at once if
  it waits and the agent is free. Sooner, after the moment of the decline, if
  nobody else could take it (:meth:`~tierroute.routing._index.Index._held_off`).
  An agent a contact was transferred away from never gets it again.

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
from heapq import heappop
from typing import Any, Final

from tierroute.errors import TierRouteError
from tierroute.models import Decisions, Offer
from tierroute.policy.model import Policy
from tierroute.routing._hooks import (
    T_EXPIRE,
    T_EXT,
    T_LAPSE,
    T_RELAX,
    T_WRAP,
    Hook,
    TimerHeap,
    TimerHost,
    is_live,
)
from tierroute.routing._index import Index
from tierroute.routing._state import (
    ACTIVE,
    CHANNELS,
    IN_SERVICE,
    INF,
    LOGGED_OUT,
    NOT_READY,
    OFFERED,
    READY,
    RESERVED,
    WAITING,
    WRAP,
    AgentFields,
    AgentRT,
    ContactRT,
    Exclusion,
    Sig,
    TierRT,
    Work,
    sig_proficiency,
)

__all__ = ["Engine"]


class Engine(Index):
    """Routing state and decisions (trusted input; see :class:`~tierroute.routing.router.Router`).

    Args:
        policy: The routing policy.
        clock: The injected clock, if any.
        start: The initial time (already checked).
    """

    def __init__(self, policy: Policy, clock: Callable[[], float] | None, start: float) -> None:
        super().__init__(policy)
        self._clock = clock
        self._now = start
        self._contacts: dict[str, ContactRT] = {}
        self._works: dict[str, Work] = {}
        # the timer host (see tierroute.routing._hooks): its bound ``schedule`` is looked
        # up once; the engine's own heap, empty under a foreign host
        self._heap = TimerHeap()
        self._schedule_timer = self._heap.schedule
        # NB: CPython 3.11 keeps instance attributes in a compact shared-key layout (the
        # fast path of every self._x) for at most 30 of them: this class has 29 (with
        # those of Index).
        self._history: OrderedDict[str, Work] = OrderedDict()
        self._hook: Hook | None = None  # the listener attached (see routing._hooks)
        self._out = Decisions()  # the decisions of the call in progress
        self._agent_seq = 0
        self._contact_seq = 0
        self._offer_seq = 0
        self._submitted = 0
        self._finished = 0
        self._abandoned = 0

    # ------------------------------------------------------------------ operations
    # One method per operation, trusting its input: the checked API
    # (:class:`~tierroute.routing.router.Router`) validates and then calls the same
    # method, and the simulator calls it directly. Each first fires the timers due by
    # ``now``. ``check``, where given, is the checked API's validator of the call's
    # ids: it runs again if a timer fired, and a failure then carries the offers
    # and events those timers made (time cannot be undone), as :meth:`_recheck` says.

    @staticmethod
    def _recheck(out: Decisions, check: Callable[..., object], *args: Any) -> None:
        """Re-run ``check(*args)`` after due timers fired; on failure the error
        carries the offers and events those timers made."""
        try:
            check(*args)
        except TierRouteError as exc:
            exc.offers = tuple(out)
            exc.events = tuple(out.events)
            raise

    def _advance_trusted(self, now: float) -> Decisions:
        """Fire the timers due up to ``now`` (a float not before the router's time)."""
        out = self._out = Decisions()
        self._fire(now, out)
        return out

    def _add_agent_trusted(
        self, agent_id: str, fields: AgentFields, presence: int, now: float
    ) -> Decisions:
        """Register new agent ``agent_id`` with its checked profile ``fields``."""
        out = self._out = Decisions()
        self._fire(now, out)
        self._agent_seq += 1
        a = AgentRT(agent_id, self._agent_seq, *fields)
        a.idle_since = now
        self._agents[agent_id] = a
        self._link_agent(a)
        if presence != LOGGED_OUT:
            self._set_presence(a, presence, now, out)
        return out

    def _remove_agent_trusted(self, agent_id: str, now: float) -> Decisions:
        """Forget logged-out agent ``agent_id``."""
        out = self._out = Decisions()
        self._fire(now, out)
        self._unlink_agent(self._agents.pop(agent_id))
        return out

    def _update_agent_trusted(
        self,
        agent_id: str,
        fields: AgentFields,
        now: float,
        check: Callable[[str], object] | None = None,
    ) -> Decisions:
        """Replace the profile of agent ``agent_id``, which has no work in progress."""
        out = self._out = Decisions()
        if self._fire(now, out) and check is not None:
            self._recheck(out, check, agent_id)
        a = self._agents[agent_id]
        self._unlink_agent(a)
        a.skills, a.languages, a.seniority, a.maxc, a.capacity, a.attributes = fields
        a.chans = tuple(i for i, n in enumerate(a.maxc) if n)
        self._link_agent(a)
        a.stamp += 1
        self._relax_concierge_waiters(agent_id, now, out)
        if a.presence == READY:
            self._agent_seek(a, now, out, "agent_updated")
        return out

    def _set_agent_state_trusted(
        self,
        agent_id: str,
        presence: int,
        now: float,
        check: Callable[[str, int], object] | None = None,
    ) -> Decisions:
        """Set the presence of agent ``agent_id`` (not logging out with contacts in
        service)."""
        out = self._out = Decisions()
        if self._fire(now, out) and check is not None:
            self._recheck(out, check, agent_id, presence)
        self._set_presence(self._agents[agent_id], presence, now, out)
        return out

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
        arrived_at: float | None = None,
        attributes: Any = None,
    ) -> Decisions:
        """Route new contact ``contact_id`` (not live).

        ``skills`` must be sorted by skill name; ``arrived_at`` (default ``now``) not
        after ``now``. The simulator calls this with the first ten arguments.
        """
        arrived = now if arrived_at is None else arrived_at
        key = self._c.key(tier, ch, severity, value, arrived)
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
            arrived,
            key,
            now,
            attributes,
        )
        out = self._out = Decisions()
        self._fire(now, out)
        self._contact_seq += 1
        c.seq = self._contact_seq
        self._contacts[contact_id] = c
        self._submitted += 1
        if self._hook is not None:
            self._hook.on_submit(c, now)
        self._enter_step(c, 0, now)
        self._place(c, now, out, "contact_arrived")
        return out

    def _abandon_trusted(
        self, contact_id: str, now: float, check: Callable[[str], object] | None = None
    ) -> Decisions:
        """Forget live contact ``contact_id``, which is not in service: out of its
        queue, or its ringing offer withdrawn and the agent's capacity back."""
        out = self._out = Decisions()
        if self._fire(now, out) and check is not None:
            self._recheck(out, check, contact_id)
        c = self._contacts.pop(contact_id)
        w = c.work
        c.work = None
        if c.excluded is not None:
            self._forget_exclusions(c)
        self._abandoned += 1
        if self._hook is not None:
            self._hook.on_abandon(c, now)
        if c.state == WAITING:
            c.sig.remove(c)  # type: ignore[union-attr]
            self._waiting -= 1
            return out
        assert w is not None
        self._release(w, now)
        self._retire(w)
        self._agent_seek(w.agent, now, out, "capacity_freed")
        return out

    def _transfer_trusted(
        self,
        contact_id: str,
        skills: tuple[tuple[str, int], ...],
        language: str | None,
        min_seniority: int,
        now: float,
    ) -> Decisions:
        """Route live contact ``contact_id`` again with these requirements (``skills``
        sorted by name), keeping its key; its agent, if any, is excluded."""
        out = self._out = Decisions()
        self._fire(now, out)
        c = self._contacts[contact_id]
        agent: AgentRT | None = None
        if c.state == WAITING:
            c.sig.remove(c)  # type: ignore[union-attr]
            self._waiting -= 1
        else:
            w = c.work
            assert w is not None
            agent = w.agent
            if w.state == RESERVED:
                self._release(w, now)
                self._refresh(agent)
                self._retire(w)
            else:
                self._end_service(w, now, out, seek=False)
            c.work = None
            c.state = WAITING
        c.skills, c.lang, c.min_sen = skills, language, min_seniority
        if self._hook is not None:
            self._hook.on_transfer(c, now)
        if agent is not None:
            self._exclude(c, agent.id, now, INF)
        self._enter_step(c, 0, now)
        self._place(c, now, out, "transferred")
        if agent is not None and agent.presence == READY:
            self._agent_seek(agent, now, out, "capacity_freed")
        return out

    def _accept_trusted(
        self, offer_id: str, now: float, check: Callable[[str, float], object] | None = None
    ) -> Decisions:
        """Offer ``offer_id``, ringing and not expired at ``now``, becomes an assignment."""
        out = self._out = Decisions()
        if self._fire(now, out) and check is not None:
            self._recheck(out, check, offer_id, now)
        w = self._works[offer_id]
        self._activate(w, now)
        a = w.agent
        a.stamp += 1
        self._refresh(a)
        return out

    def _reject_trusted(
        self, offer_id: str, now: float, check: Callable[[str, float], object] | None = None
    ) -> Decisions:
        """Offer ``offer_id``, ringing and not expired at ``now``, is declined."""
        out = self._out = Decisions()
        if self._fire(now, out) and check is not None:
            self._recheck(out, check, offer_id, now)
        self._decline(self._works[offer_id], now, out, no_answer=self._c.reject_no_answer)
        return out

    def _complete_trusted(self, offer_id: str, now: float) -> Decisions:
        """Assignment ``offer_id`` (accepted, not in wrap-up) ends."""
        w = self._works[offer_id]
        out = self._out = Decisions()
        self._fire(now, out)
        c = w.contact
        del self._contacts[c.id]
        c.work = None  # no contact <-> work cycle: refcounting frees them, not the GC
        if c.excluded is not None:
            self._forget_exclusions(c)
        self._finished += 1
        if self._hook is not None:
            self._hook.on_complete(c, now)
        self._end_service(w, now, out, seek=True)
        return out

    # ------------------------------------------------------------------ timers

    def _fire(self, now: float, out: Decisions) -> bool:
        """Fire every timer of the engine's own heap due at or before ``now``, each at
        its own time; say whether any did."""
        timers = self._heap.heap
        fired = False
        while timers and timers[0][0] <= now:
            t, _, kind, ver, obj = heappop(timers)
            if obj.stamp != ver:
                continue
            fired = True
            self._now = t
            _ON_TIMER[kind](self, obj, t, out)
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
        if obj.stamp != ver:
            return False
        self._out = out
        self._now = at
        _ON_TIMER[kind](self, obj, at, out)
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
        self._heap.foreign = host
        self._schedule_timer = schedule = host.schedule
        for at, _, kind, ver, obj in live:
            schedule(at, kind, obj, ver)

    def _set_presence(self, a: AgentRT, pres: int, now: float, out: list[Offer]) -> None:
        if pres == a.presence:
            return
        old = a.presence
        a.presence = pres
        a.stamp += 1
        if READY in (old, pres):
            d = 1 if pres == READY else -1
            for buckets in a.buckets:
                for b in buckets:
                    b.ready += d
        if pres == READY:
            a.idle_since = now
            a.no_answers = 0
            self._agent_seek(a, now, out, "agent_ready")
            return
        for w in sorted((w for w in a.tasks.values() if w.state == RESERVED), key=_work_order):
            self._release(w, now)
            self._return(w.contact, now, out, exclude=None)
        if pres == LOGGED_OUT:
            for w in sorted((w for w in a.tasks.values() if w.state == WRAP), key=_work_order):
                self._release(w, now)
                self._retire(w)
            if old != LOGGED_OUT:
                self._relax_concierge_waiters(a.id, now, out)
        a.stamp += 1

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
            self._waiting -= 1
            self._enter_step(c, c.step + 1, now)
            self._place(c, now, out, "relaxed")

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
        if a is None or a.presence == LOGGED_OUT or a.maxc[c.ch] <= 0:
            return False
        ex = c.excluded
        return ex is None or cid not in ex or ex[cid].lapsed

    def _place(self, c: ContactRT, now: float, out: list[Offer], moment: str) -> None:
        """``c`` starts waiting at its current step: offer it or queue it."""
        n = self._lookups + 1
        self._lookups = n
        if n >= self._sweep_at:  # before the lookup, which it must not undo
            self._sweep()
        sig = self._sig_for(c)
        sig.seen = n
        strategy = c.tier.steps[c.step].strategy
        excluded = c.excluded
        agent: AgentRT | None = None
        passed: tuple[str, ...] = ()
        if excluded is None:
            agent = self._cover_best(sig, strategy)
        else:
            agent, passed = self._cover_skip(sig, strategy, c, now)
        if agent is None:
            sig.push(c)
            self._waiting += 1
            if c.step_until < INF:  # live while c keeps this queue entry (same stamp)
                self._schedule_timer(c.step_until, T_RELAX, c, c.stamp)
            if self._hook is not None:
                self._hook.on_queued(c, sig, now)
            return
        self._offer(c, agent, sig, strategy, now, out, moment, passed, None)
        self._refresh(agent)

    def _routing_timers_pending(self) -> bool:
        """Whether a relaxation, offer-expiry or wrap-up timer is set on the engine's
        own heap (a tracker's timers aside: they never make offers). O(timers); for
        end-of-run checks."""
        return any(e[2] != T_EXT and is_live(e) for e in self._heap.heap)

    def _agent_seek(self, a: AgentRT, now: float, out: list[Offer], moment: str) -> None:
        """``a`` gained capacity: take the best waiting contacts it can serve."""
        if a.presence == READY:
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
                            if ex is not None and aid in ex and self._held_off(e[4], aid, now, sig):
                                passed.append(e[4].id)
                                deeper = self._queue_first_for(sig, aid, now)
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
                self._waiting -= 1
                nxt = best_sig.heap[0] if best_sig.heap else None
                if nxt is not None and (rival is None or nxt < rival):
                    ex = nxt[4].excluded
                    if (
                        ex is None
                        or aid not in ex
                        or not self._held_off(nxt[4], aid, now, best_sig)
                    ):
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
        ex = c.excluded
        readmitted = None if ex is None or a.id not in ex else self._readmit(c, a.id)
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
            readmitted,
        )
        a.load += cost
        a.counts[ch] += 1
        if self._c.exclusive[ch]:
            a.excl_busy += 1
        a.last_offer = n
        a.idle_since = now
        a.stamp += 1
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
            w.stamp += 1
            self._schedule_timer(expires, T_EXPIRE, w, w.stamp)
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
        w.stamp += 1
        w.contact.state = IN_SERVICE
        a = w.agent
        a.handled += self._c.cost[w.contact.ch]
        a.no_answers = 0
        if self._hook is not None:
            self._hook.on_answer(w.contact, now)

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
        w.stamp += 1
        a.idle_since = now
        a.stamp += 1
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
            w.stamp += 1
            self._schedule_timer(w.until, T_WRAP, w, w.stamp)
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
            self._exclude(c, exclude, now, now + self._c.cooldown)
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
        if no_answer and limit and a.no_answers >= limit and a.presence == READY:
            self._set_presence(a, NOT_READY, now, out)
        else:
            self._agent_seek(a, now, out, "capacity_freed")

    def _on_relax(self, c: ContactRT, now: float, out: list[Offer]) -> None:
        c.sig.remove(c)  # type: ignore[union-attr]
        self._waiting -= 1
        self._enter_step(c, c.step + 1, now)
        self._place(c, now, out, "relaxed")

    def _on_expire(self, w: Work, now: float, out: list[Offer]) -> None:
        self._decline(w, now, out, no_answer=True)

    def _on_wrap_end(self, w: Work, now: float, out: list[Offer]) -> None:
        self._release(w, now)
        self._retire(w)
        self._agent_seek(w.agent, now, out, "capacity_freed")

    def _on_ext(self, obj: Any, now: float, out: list[Offer]) -> None:  # noqa: ARG002
        obj.fire(now)

    def _on_lapse(self, x: Exclusion, now: float, out: list[Offer]) -> None:
        """A decline's cooldown ended: if the contact waits and the agent is free for
        it, the agent takes it (it is the only candidate: any other agent free for
        the contact holds an exclusion, which now no longer gives way)."""
        x.lapsed = True
        c = x.contact
        if c.state != WAITING:
            return
        a = self._agents.get(x.agent)
        sig = c.sig
        assert sig is not None
        ch = c.ch
        if (
            a is None
            or a.presence != READY
            or not sig.eligible(a)
            or not a.can_take(ch, self._c.cost[ch], self._c.exclusive[ch])
        ):
            return
        sig.remove(c)
        self._waiting -= 1
        self._offer(
            c, a, sig, c.tier.steps[c.step].strategy, now, out, "exclusion_lapsed", (), None
        )
        self._refresh(a)

    # ------------------------------------------------------------------ exclusions

    def _exclude(self, c: ContactRT, agent_id: str, now: float, until: float) -> None:
        """``c`` is not offered to ``agent_id`` until ``until`` (infinite: for good),
        replacing an earlier exclusion of the same agent."""
        ex = c.excluded
        if ex is None:
            ex = c.excluded = {}
        old = ex.get(agent_id)
        if old is not None:
            old.stamp += 1  # its timer, if any, is cancelled
        x = ex[agent_id] = Exclusion(c, agent_id, now, until)
        if until < INF:
            self._schedule_timer(until, T_LAPSE, x, x.stamp)

    def _readmit(self, c: ContactRT, agent_id: str) -> str:
        """``c`` is offered to ``agent_id``, which it excluded: the exclusion ends.
        Says how: ``"lapsed"`` (its cooldown ended) or ``"sole"`` (it gave way early:
        nobody else could take the contact)."""
        ex = c.excluded
        assert ex is not None
        x = ex.pop(agent_id)
        x.stamp += 1
        if not ex:
            c.excluded = None
        return "lapsed" if x.lapsed else "sole"

    @staticmethod
    def _forget_exclusions(c: ContactRT) -> None:
        """``c`` leaves: its exclusions' timers are cancelled."""
        assert c.excluded is not None
        for x in c.excluded.values():
            x.stamp += 1
        c.excluded = None


# What each timer kind does, by kind: one table for the engine's own heap and a
# foreign host's (module level: a global lookup, and no cycle through the instance).
_ON_TIMER: Final[tuple[Callable[[Engine, Any, float, Decisions], None], ...]] = (
    Engine._on_relax,
    Engine._on_expire,
    Engine._on_wrap_end,
    Engine._on_ext,
    Engine._on_lapse,
)


def _work_order(w: Work) -> int:
    return int(w.id[1:])


def _contact_order(c: ContactRT) -> tuple[float, float, int]:
    return (c.key, -c.value, c.seq)


_new_offer = tuple.__new__
