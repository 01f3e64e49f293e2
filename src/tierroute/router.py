"""The router: contacts matched to agents through priority queues.

:class:`Router` is a plain single-threaded object. It is not thread-safe: share it
between threads or tasks only through one owner that serialises the calls. Every
mutating call

1. reads the time (the ``now`` argument, else the injected clock) and validates its
   arguments against the current state, raising a
   :class:`~tierroute.errors.TierRouteError` subclass *before* changing anything;
2. fires the timers that are due up to ``now`` (relaxation steps, offer expiries,
   wrap-up ends), each at its own time;
3. applies the call and returns every :class:`~tierroute.models.Offer` made while
   doing 2 and 3, in decision order.

A call that raises in step 1 changes nothing. A host that calls :meth:`Router.advance`
at :meth:`Router.next_deadline` never has timers due at a call's ``now``; one that is
late may find that a due timer makes the call invalid (an offer withdrawn because its
agent went not ready, a contact answered under auto-accept). Time cannot be undone:
the router is then left exactly as ``advance(now)`` alone would leave it, and the
error carries the offers those timers made in its ``offers`` attribute.

How decisions are made (the same rules as the naive oracle in the test suite):

- A contact that starts waiting (submitted, moved to a new relaxation step, returned
  by a reject or expiry) takes the best *available* agent eligible for its current
  requirement signature under the step's strategy, if any; otherwise it joins the
  queue of that signature.
- An agent that gains capacity (ready, completed, wrap-up ended, offer released)
  repeatedly takes the waiting contact with the smallest priority key among the
  heads of the queues it is eligible for, until it is full or nothing fits.
- A contact never gets an offer from an agent that rejected it or let its offer
  expire.

Cost: a contact looks only at one pool (a heap of available eligible agents); an
agent looks only at the heads of the signatures it is eligible for. Neither scans
all agents or all waiting contacts. New signatures and new agents compute their
eligibility once, against the other side's existing set.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from heapq import heappop, heappush
from typing import Any

from tierroute._state import (
    ACTIVE,
    CHANNEL_INDEX,
    CHANNELS,
    IN_SERVICE,
    INF,
    OFFERED,
    RESERVED,
    T_EXPIRE,
    T_EXT,
    T_RELAX,
    T_WRAP,
    WAITING,
    WRAP,
    AgentRT,
    Compiled,
    ContactRT,
    Pool,
    Sig,
    TierRT,
    Work,
    sig_proficiency,
)
from tierroute.errors import (
    DuplicateId,
    InvalidArgument,
    RoutingStateError,
    TierRouteError,
    TimeWentBackwards,
    UnknownAgent,
    UnknownContact,
    UnknownOffer,
)
from tierroute.explain import Explanation, build_explanation
from tierroute.models import (
    AgentSpec,
    AgentState,
    AgentStatus,
    Channel,
    ContactSpec,
    ContactState,
    ContactStatus,
    Decisions,
    Offer,
    Presence,
)
from tierroute.policy import Policy

__all__ = ["Router"]

_LOGGED_OUT, _READY, _NOT_READY = 0, 1, 2
_PRESENCE = (Presence.LOGGED_OUT, Presence.READY, Presence.NOT_READY)
_PRESENCE_INDEX = {p: i for i, p in enumerate(_PRESENCE)}
_CONTACT_STATE = (ContactState.WAITING, ContactState.OFFERED, ContactState.IN_SERVICE)
_KEEP: Any = object()


class Router:
    """Value-based contact router.

    Args:
        policy: The routing policy (default: a one-tier policy with defaults; see
            :func:`tierroute.presets.prestige` for a realistic one).
        clock: Zero-argument callable returning the time in seconds, used when a
            call is made without ``now``. The router never reads the wall clock.
        start: The router's initial time.

    >>> from tierroute import ContactSpec, AgentSpec, ManualClock, prestige
    >>> clock = ManualClock()
    >>> router = Router(prestige(), clock=clock)
    >>> router.add_agent(AgentSpec("ana", skills={"billing": 5}, languages=("en",),
    ...                            seniority="senior"), presence="ready")
    []
    >>> [offer] = router.submit(ContactSpec("c1", "voice", "premium", value=0.7,
    ...                                     skills={"billing": 3}, language="en"))
    >>> offer.agent_id, offer.step, offer.expires_at
    ('ana', 'senior', 20.0)
    >>> router.accept(offer.offer_id)
    []
    >>> clock.advance(240.0)
    240.0
    >>> router.complete(offer.offer_id)
    []
    >>> router.agent_status("ana").state
    <AgentState.WRAP_UP: 'wrap_up'>
    """

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        clock: Callable[[], float] | None = None,
        start: float = 0.0,
    ) -> None:
        if policy is None:
            policy = Policy()
        if not isinstance(policy, Policy):
            raise InvalidArgument(f"policy must be a tierroute.Policy, got {type(policy).__name__}")
        if clock is not None and not callable(clock):
            raise InvalidArgument(f"clock must be callable, got {clock!r}")
        self._policy = policy
        self._c = Compiled(policy)
        self._clock = clock
        self._now = _finite_time(start, "start")
        self._agents: dict[str, AgentRT] = {}
        self._contacts: dict[str, ContactRT] = {}
        self._works: dict[str, Work] = {}
        self._sigs: dict[tuple[Any, ...], Sig] = {}
        self._by_skill: dict[str, set[AgentRT]] = {}
        self._by_lang: dict[str, set[AgentRT]] = {}
        self._concierge_sigs: dict[str, list[Sig]] = {}  # concierge agent id -> signatures
        self._timers: list[tuple[float, int, int, Any, int]] = []
        self._history: OrderedDict[str, Work] = OrderedDict()
        self._obs: Any = None  # an attached PromiseTracker (see tierroute.promises)
        self._out = Decisions()  # the decisions of the call in progress
        self._agent_seq = 0
        self._contact_seq = 0
        self._offer_seq = 0
        self._timer_seq = 0
        self._submitted = 0
        self._finished = 0
        self._abandoned = 0
        self._sen_levels = len(policy.seniority_levels)

    # ------------------------------------------------------------------ properties

    @property
    def policy(self) -> Policy:
        """The routing policy."""
        return self._policy

    @property
    def clock(self) -> Callable[[], float] | None:
        """The injected clock, if any."""
        return self._clock

    @property
    def now(self) -> float:
        """The time the router has reached."""
        return self._now

    # ------------------------------------------------------------------ time

    def _begin(self, now: float | None) -> float:
        """Resolve and check the time of a call (no state change)."""
        if now is None:
            if self._clock is None:
                raise InvalidArgument("now is required: the router was created without a clock")
            now = self._clock()
            name = "clock()"
        else:
            name = "now"
        t = _finite_time(now, name)
        if t < self._now:
            raise TimeWentBackwards(f"{name}={t!r} is before the router's time {self._now!r}")
        return t

    def _fire(self, now: float, out: list[Offer]) -> bool:
        """Fire every timer due at or before ``now``, each at its own time; say whether
        any did."""
        timers = self._timers
        fired = False
        while timers and timers[0][0] <= now:
            t, _, kind, obj, ver = heappop(timers)
            if obj.tver != ver:
                continue
            fired = True
            self._now = t
            if kind == T_RELAX:
                self._on_relax(obj, t, out)
            elif kind == T_EXPIRE:
                self._on_expire(obj, t, out)
            elif kind == T_WRAP:
                self._on_wrap_end(obj, t, out)
            else:
                obj.fire(t)
        self._now = now
        return fired

    def _recheck(self, out: list[Offer], check: Callable[..., Any], *args: Any) -> Any:
        """Re-run a state check after due timers fired; on failure the error carries
        the offers those timers made."""
        try:
            return check(*args)
        except TierRouteError as exc:
            exc.offers = tuple(out)
            raise

    def _timer(self, t: float, kind: int, obj: ContactRT | Work) -> None:
        obj.tver += 1
        self._timer_seq += 1
        heappush(self._timers, (t, self._timer_seq, kind, obj, obj.tver))

    def _schedule(self, t: float, obj: Any) -> None:
        """Set a timer for an attached tracker's object ``obj`` (it has ``tver`` and
        ``fire(now)``); bumping ``obj.tver`` cancels it."""
        self._timer(t, T_EXT, obj)

    def advance(self, now: float | None = None) -> Decisions:
        """Move the router's time to ``now``, firing due timers.

        Returns:
            The offers made by relaxations, expiries and wrap-up ends.

        Raises:
            TimeWentBackwards: ``now`` is before the router's time.

        Runtime complexity: O((k + m) log n) for k timers fired and m offers made.
        """
        t = self._begin(now)
        out = self._out = Decisions()
        self._fire(t, out)
        return out

    def next_deadline(self) -> float | None:
        """When the router next needs :meth:`advance`, or ``None`` if no timer is set.

        A host can sleep until then: nothing changes on its own before.
        """
        timers = self._timers
        while timers and timers[0][4] != timers[0][3].tver:
            heappop(timers)
        return timers[0][0] if timers else None

    # ------------------------------------------------------------------ agents

    def add_agent(
        self,
        spec: AgentSpec,
        *,
        presence: Presence | str = Presence.LOGGED_OUT,
        now: float | None = None,
    ) -> Decisions:
        """Register an agent, logged out unless ``presence`` says otherwise.

        Raises:
            DuplicateId: An agent with this id is registered.
            InvalidArgument: A field of ``spec`` is invalid (the message names it).

        Runtime complexity: O(S) for S known signatures (eligibility is cached once).
        """
        t = self._begin(now)
        if not isinstance(spec, AgentSpec):
            raise InvalidArgument(f"spec must be an AgentSpec, got {type(spec).__name__}")
        pres = self._presence(presence)
        if spec.agent_id in self._agents:
            raise DuplicateId(f"agent {spec.agent_id!r} is already registered")
        fields = self._check_agent_spec(spec)
        out = self._out = Decisions()
        self._fire(t, out)
        self._agent_seq += 1
        a = AgentRT(spec.agent_id, self._agent_seq, *fields)
        a.idle_since = t
        self._agents[a.id] = a
        self._link_agent(a)
        if pres != _LOGGED_OUT:
            self._set_presence(a, pres, t, out)
        return out

    def remove_agent(self, agent_id: str, *, now: float | None = None) -> Decisions:
        """Forget a logged-out agent.

        Raises:
            UnknownAgent: No such agent.
            RoutingStateError: The agent is not logged out.
        """
        t = self._begin(now)
        a = self._agent(agent_id)
        if a.presence != _LOGGED_OUT:
            raise RoutingStateError(f"agent {agent_id!r} must be logged out to be removed")
        out = self._out = Decisions()
        self._fire(t, out)
        self._unlink_agent(a)
        del self._agents[agent_id]
        return out

    def update_agent(self, spec: AgentSpec, *, now: float | None = None) -> Decisions:
        """Replace an agent's profile (skills, languages, seniority, channels, capacity).

        Only that agent's cached eligibility is recomputed.

        Raises:
            UnknownAgent: No such agent.
            InvalidArgument: A field of ``spec`` is invalid.
            RoutingStateError: The agent has offers, contacts or wrap-up in progress.
        """
        t = self._begin(now)
        if not isinstance(spec, AgentSpec):
            raise InvalidArgument(f"spec must be an AgentSpec, got {type(spec).__name__}")
        fields = self._check_agent_spec(spec)
        a = self._agent_free(spec.agent_id)
        out = self._out = Decisions()
        if self._fire(t, out):
            self._recheck(out, self._agent_free, spec.agent_id)
        self._unlink_agent(a)
        a.skills, a.languages, a.seniority, a.maxc, a.capacity, a.attributes = fields
        a.chans = tuple(i for i, n in enumerate(a.maxc) if n)
        self._link_agent(a)
        a.version += 1
        self._relax_concierge_waiters(a.id, t, out)
        if a.presence == _READY:
            self._agent_seek(a, t, out, "agent_updated")
        return out

    def _agent_free(self, agent_id: str) -> AgentRT:
        a = self._agent(agent_id)
        if a.tasks:
            raise RoutingStateError(
                f"agent {agent_id!r} has work in progress ({sorted(a.tasks)}); "
                "update its profile when it is free"
            )
        return a

    def set_agent_state(
        self, agent_id: str, presence: Presence | str, *, now: float | None = None
    ) -> Decisions:
        """Set an agent ready, not ready or logged out.

        Going not ready or logged out returns the agent's ringing offers to their
        queues (keeping their place); contacts in service continue when going not
        ready. Logging out cancels wrap-up and moves contacts waiting for this agent
        as their named concierge on to their next step.

        Raises:
            UnknownAgent: No such agent.
            InvalidArgument: Unknown presence.
            RoutingStateError: Logging out with contacts in service.
        """
        t = self._begin(now)
        pres = self._presence(presence)
        a = self._presence_allowed(agent_id, pres)
        out = self._out = Decisions()
        if self._fire(t, out):
            self._recheck(out, self._presence_allowed, agent_id, pres)
        self._set_presence(a, pres, t, out)
        return out

    def _presence_allowed(self, agent_id: str, pres: int) -> AgentRT:
        a = self._agent(agent_id)
        if pres == _LOGGED_OUT:
            busy = sorted(w.contact.id for w in a.tasks.values() if w.state == ACTIVE)
            if busy:
                raise RoutingStateError(
                    f"agent {agent_id!r} cannot log out with contacts in service: {busy}"
                )
        return a

    def _set_presence(self, a: AgentRT, pres: int, now: float, out: list[Offer]) -> None:
        if pres == a.presence:
            return
        old = a.presence
        a.presence = pres
        a.version += 1
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

    def _check_agent_spec(
        self, spec: AgentSpec
    ) -> tuple[dict[str, int], frozenset[str], int, tuple[int, ...], int, Any]:
        aid = spec.agent_id
        if not isinstance(aid, str) or not aid:
            raise InvalidArgument(f"agent_id must be a non-empty string, got {aid!r}")
        skills = self._check_skills(spec.skills, f"agent {aid!r} skills")
        langs = spec.languages
        if isinstance(langs, str) or not all(isinstance(x, str) and x for x in langs):
            raise InvalidArgument(f"agent {aid!r} languages must be strings, got {langs!r}")
        sen = self._check_seniority(spec.seniority, f"agent {aid!r} seniority")
        cap = spec.capacity
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise InvalidArgument(f"agent {aid!r} capacity must be an integer >= 1, got {cap!r}")
        if not isinstance(spec.channels, Mapping) or not spec.channels:
            raise InvalidArgument(
                f"agent {aid!r} channels must map channel -> max concurrent, got {spec.channels!r}"
            )
        maxc = [0] * len(CHANNELS)
        for ch, n in spec.channels.items():
            ci = self._channel(ch, f"agent {aid!r} channels")
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise InvalidArgument(
                    f"agent {aid!r} channels[{ch!s}] must be an integer >= 0, got {n!r}"
                )
            if n and self._c.cost[ci] > cap:
                raise InvalidArgument(
                    f"agent {aid!r} can never take {ch!s}: it costs {self._c.cost[ci]} "
                    f"units and the agent's capacity is {cap}"
                )
            maxc[ci] = n
        return skills, frozenset(langs), sen, tuple(maxc), cap, spec.attributes

    def _link_agent(self, a: AgentRT) -> None:
        for skill in a.skills:
            self._by_skill.setdefault(skill, set()).add(a)
        for lang in a.languages:
            self._by_lang.setdefault(lang, set()).add(a)
        a.sigs = []
        a.pools = [[] for _ in CHANNELS]
        for sig in self._sigs.values():
            if sig.eligible(a):
                sig.agents.add(a)
                a.sigs.append(sig)
                a.pools[sig.ch].extend(p for p in sig.pools if p is not None)

    def _unlink_agent(self, a: AgentRT) -> None:
        for skill in a.skills:
            self._by_skill[skill].discard(a)
        for lang in a.languages:
            self._by_lang[lang].discard(a)
        for sig in a.sigs:
            sig.agents.discard(a)
        a.sigs = []
        a.pools = [[] for _ in CHANNELS]
        a.version += 1

    # ------------------------------------------------------------------ contacts

    def submit(self, contact: ContactSpec, *, now: float | None = None) -> Decisions:
        """Route a new contact.

        Its priority key is computed once here from its tier's target for its
        channel, its severity and its value (see :mod:`tierroute.policy`).

        Returns:
            The offers made, the new contact's first if an agent was available.

        Raises:
            DuplicateId: A live contact has this id.
            InvalidArgument: A field is invalid (unknown tier, proficiency out of
                scale, arrival in the future, …); the message names it.

        Runtime complexity: O(log n) plus one pool lookup; O(A) once per new
        requirement signature.
        """
        t = self._begin(now)
        if not isinstance(contact, ContactSpec):
            raise InvalidArgument(f"contact must be a ContactSpec, got {type(contact).__name__}")
        cid = contact.contact_id
        if not isinstance(cid, str) or not cid:
            raise InvalidArgument(f"contact_id must be a non-empty string, got {cid!r}")
        if cid in self._contacts:
            raise DuplicateId(f"contact {cid!r} is already live")
        c = self._make_contact(contact, t)
        out = self._out = Decisions()
        self._fire(t, out)
        self._contact_seq += 1
        c.seq = self._contact_seq
        self._contacts[cid] = c
        self._submitted += 1
        if self._obs is not None:
            self._obs.on_submit(c, t)
        self._enter_step(c, 0, t)
        self._place(c, t, out, "contact_arrived")
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
    ) -> Decisions:
        """:meth:`submit` for callers that validated their input already (the
        simulator, whose scenario was checked once): no checks, same decisions.

        ``skills`` must be sorted by skill name; ``contact_id`` must not be live.
        """
        key = now + tier.targets[ch] * self._c.sev_factor[severity] * (
            1.0 - tier.value_boost * value
        )
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

    def _make_contact(self, spec: ContactSpec, now: float) -> ContactRT:
        cid = spec.contact_id
        what = f"contact {cid!r}"
        ch = self._channel(spec.channel, f"{what} channel")
        tier = self._c.tier_by_name.get(spec.tier) if isinstance(spec.tier, str) else None
        if tier is None:
            raise InvalidArgument(
                f"{what} tier {spec.tier!r} is not one of {list(self._c.tier_by_name)}"
            )
        value = spec.value
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
            raise InvalidArgument(f"{what} value must be a number in [0, 1], got {value!r}")
        sev = spec.severity
        if isinstance(sev, bool) or not isinstance(sev, int) or not 1 <= sev <= 4:
            raise InvalidArgument(f"{what} severity must be 1..4 (P1..P4), got {sev!r}")
        skills = tuple(sorted(self._check_skills(spec.skills, f"{what} skills").items()))
        lang = spec.language
        if lang is not None and (not isinstance(lang, str) or not lang):
            raise InvalidArgument(
                f"{what} language must be a non-empty string or None, got {lang!r}"
            )
        sen = self._check_seniority(spec.min_seniority, f"{what} min_seniority")
        conc = spec.concierge
        if conc is not None and (not isinstance(conc, str) or not conc):
            raise InvalidArgument(f"{what} concierge must be an agent id or None, got {conc!r}")
        arrived = (
            now if spec.arrived_at is None else _finite_time(spec.arrived_at, f"{what} arrived_at")
        )
        if arrived > now:
            raise InvalidArgument(f"{what} arrived_at={arrived!r} is after now={now!r}")
        attrs = spec.attributes
        if attrs is not None and not isinstance(attrs, Mapping):
            raise InvalidArgument(f"{what} attributes must be a mapping or None, got {attrs!r}")
        value = float(value)
        key = arrived + tier.targets[ch] * self._c.sev_factor[sev] * (
            1.0 - tier.value_boost * value
        )
        return ContactRT(
            cid, 0, ch, tier, value, int(sev), skills, lang, sen, conc, arrived, key, now, attrs
        )

    def abandon(self, contact_id: str, *, now: float | None = None) -> Decisions:
        """The customer left while waiting or while being offered.

        Raises:
            UnknownContact: No live contact with this id.
            RoutingStateError: The contact is in service (complete it instead).
        """
        t = self._begin(now)
        c = self._abandonable(contact_id)
        out = self._out = Decisions()
        if self._fire(t, out):
            c = self._recheck(out, self._abandonable, contact_id)
        del self._contacts[contact_id]
        self._abandoned += 1
        if self._obs is not None:
            self._obs.on_abandon(c, t)
        c.tver += 1
        if c.state == WAITING:
            c.sig.remove(c)  # type: ignore[union-attr]
            return out
        w = c.work
        assert w is not None
        self._release(w, t)
        self._retire(w)
        self._agent_seek(w.agent, t, out, "capacity_freed")
        return out

    def _abandonable(self, contact_id: str) -> ContactRT:
        c = self._contact(contact_id)
        if c.state == IN_SERVICE:
            raise RoutingStateError(
                f"contact {contact_id!r} is in service with {c.work.agent.id!r}; "  # type: ignore[union-attr]
                "complete its assignment instead"
            )
        return c

    def transfer(
        self,
        contact_id: str,
        *,
        skills: Mapping[str, int] = _KEEP,
        language: str | None = _KEEP,
        min_seniority: int | str = _KEEP,
        now: float | None = None,
    ) -> Decisions:
        """Route a live contact again with new requirements, keeping its arrival time
        and so its priority key. Arguments left out keep their values.

        A contact in service leaves its agent (who goes to wrap-up and is not offered
        it again); a ringing offer is withdrawn. The relaxation ladder restarts.

        Raises:
            UnknownContact: No live contact with this id.
            InvalidArgument: A requirement is invalid.
        """
        t = self._begin(now)
        c = self._contact(contact_id)
        what = f"contact {contact_id!r}"
        new_skills = (
            c.skills
            if skills is _KEEP
            else tuple(sorted(self._check_skills(skills, f"{what} skills").items()))
        )
        new_lang = c.lang if language is _KEEP else language
        if new_lang is not None and (not isinstance(new_lang, str) or not new_lang):
            raise InvalidArgument(
                f"{what} language must be a non-empty string or None, got {new_lang!r}"
            )
        new_sen = (
            c.min_sen
            if min_seniority is _KEEP
            else self._check_seniority(min_seniority, f"{what} min_seniority")
        )
        out = self._out = Decisions()
        self._fire(t, out)
        agent: AgentRT | None = None
        if c.state == WAITING:
            c.sig.remove(c)  # type: ignore[union-attr]
        else:
            w = c.work
            assert w is not None
            agent = w.agent
            if w.state == RESERVED:
                self._release(w, t)
                self._refresh(agent)
                self._retire(w)
            else:
                self._end_service(w, t, out, seek=False)
            c.work = None
            c.state = WAITING
        c.skills, c.lang, c.min_sen = new_skills, new_lang, new_sen
        if self._obs is not None:
            self._obs.on_transfer(c, t)
        if agent is not None:
            c.excluded = (c.excluded or set()) | {agent.id}
        self._enter_step(c, 0, t)
        self._place(c, t, out, "transferred")
        if agent is not None and agent.presence == _READY:
            self._agent_seek(agent, t, out, "capacity_freed")
        return out

    # ------------------------------------------------------------------ offers

    def accept(self, offer_id: str, *, now: float | None = None) -> Decisions:
        """The agent accepted the offer: it becomes an assignment (same id).

        Raises:
            UnknownOffer: No live offer with this id.
            RoutingStateError: Already accepted, or expired at or before ``now``.
        """
        t = self._begin(now)
        w = self._ringing(offer_id, t)
        out = self._out = Decisions()
        if self._fire(t, out):
            w = self._recheck(out, self._ringing, offer_id, t)
        self._activate(w, t)
        a = w.agent
        a.version += 1
        self._refresh(a)
        return out

    def reject(self, offer_id: str, *, now: float | None = None) -> Decisions:
        """The agent declined the offer: the contact goes back with its key and is not
        offered to this agent again.

        Raises:
            UnknownOffer: No live offer with this id.
            RoutingStateError: Already accepted, or expired at or before ``now``.
        """
        t = self._begin(now)
        w = self._ringing(offer_id, t)
        out = self._out = Decisions()
        if self._fire(t, out):
            w = self._recheck(out, self._ringing, offer_id, t)
        self._decline(w, t, out, no_answer=self._c.reject_no_answer)
        return out

    def complete(self, offer_id: str, *, now: float | None = None) -> Decisions:
        """The agent finished the contact. Wrap-up follows, then the capacity is free.

        Raises:
            UnknownOffer: No live assignment with this id.
            RoutingStateError: The offer was not accepted yet.
        """
        t = self._begin(now)
        w = self._work(offer_id)
        if w.state != ACTIVE:
            state = "still ringing" if w.state == RESERVED else "already completed (wrap-up)"
            raise RoutingStateError(f"offer {offer_id!r} is {state}")
        out = self._out = Decisions()
        self._fire(t, out)
        c = w.contact
        del self._contacts[c.id]
        self._finished += 1
        if self._obs is not None:
            self._obs.on_complete(w, t)
        self._end_service(w, t, out, seek=True)
        return out

    # ------------------------------------------------------------------ reading

    def explain(self, offer_id: str) -> Explanation:
        """Why this contact went to this agent, in data and text.

        Works for live offers and assignments and the policy's ``explain_history``
        most recent finished ones.

        Raises:
            UnknownOffer: The offer is unknown or too old.
        """
        try:
            w = self._works.get(offer_id) or self._history.get(offer_id)
        except TypeError:
            w = None
        if w is None:
            raise UnknownOffer(f"offer {offer_id!r} is not live and not in the explain history")
        return build_explanation(self._c, w)

    def agent_status(self, agent_id: str) -> AgentStatus:
        """A read-only view of an agent.

        Raises:
            UnknownAgent: No such agent.
        """
        a = self._agent(agent_id)
        states = {w.state for w in a.tasks.values()}
        if RESERVED in states:
            state = AgentState.RESERVED
        elif ACTIVE in states:
            state = AgentState.BUSY
        elif WRAP in states:
            state = AgentState.WRAP_UP
        else:
            state = AgentState(_PRESENCE[a.presence].value)
        active = {CHANNELS[i].value: n for i, n in enumerate(a.counts) if n}
        return AgentStatus(
            a.id,
            _PRESENCE[a.presence],
            state,
            a.load,
            a.capacity,
            active,
            tuple(sorted(w.id for w in a.tasks.values() if w.state == RESERVED)),
            a.no_answers,
            a.handled,
            a.idle_since,
        )

    def contact_status(self, contact_id: str) -> ContactStatus:
        """A read-only view of a live contact.

        Raises:
            UnknownContact: No live contact with this id.
        """
        c = self._contact(contact_id)
        w = c.work
        return ContactStatus(
            c.id,
            _CONTACT_STATE[c.state],
            c.tier.name,
            CHANNELS[c.ch],
            c.arrived_at,
            c.key,
            c.tier.steps[c.step].name,
            None if w is None else w.agent.id,
            None if w is None else w.id,
            c.attributes,
        )

    def stats(self) -> dict[str, int]:
        """Counts of contacts by fate and of agents and signatures.

        >>> Router(start=0.0).stats()["submitted"]
        0
        """
        states = [0, 0, 0]
        for c in self._contacts.values():
            states[c.state] += 1
        return {
            "submitted": self._submitted,
            "waiting": states[WAITING],
            "offered": states[OFFERED],
            "in_service": states[IN_SERVICE],
            "finished": self._finished,
            "abandoned": self._abandoned,
            "agents": len(self._agents),
            "signatures": len(self._sigs),
        }

    def waiting_count(self) -> int:
        """Number of contacts waiting in queues. Runtime complexity: O(S)."""
        return sum(s.live for s in self._sigs.values())

    # ------------------------------------------------------------------ the core

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
            sig = Sig(key)
            self._sigs[key] = sig
            if sig.concierge is not None:
                self._concierge_sigs.setdefault(sig.concierge, []).append(sig)
            for a in self._candidates(sig):
                if sig.eligible(a):
                    sig.agents.add(a)
                    a.sigs.append(sig)
        return sig

    def _candidates(self, sig: Sig) -> Any:
        """Agents that might meet ``sig``: those with its rarest skill, else its
        language, else everyone (the eligibility check does the rest)."""
        if sig.concierge is not None:
            a = self._agents.get(sig.concierge)
            return () if a is None else (a,)
        if sig.skills:
            return min((self._by_skill.get(s, _EMPTY) for s, _ in sig.skills), key=len)
        if sig.lang is not None:
            return self._by_lang.get(sig.lang, _EMPTY)
        return self._agents.values()

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
        pool = sig.pools[strategy]
        if pool is None:
            pool = self._make_pool(sig, strategy)
        heap = pool.heap
        excluded = c.excluded
        agent: AgentRT | None = None
        passed: tuple[str, ...] = ()
        while heap:
            e = heap[0]
            a = e[-1]
            if e[-2] != a.version:
                heappop(heap)
                continue
            if excluded is not None and a.id in excluded:
                agent, passed = _pool_skip(heap, excluded)
            else:
                agent = a
            break
        if agent is None:
            sig.push(c)
            if c.step_until < INF:
                self._timer(c.step_until, T_RELAX, c)
            else:
                c.tver += 1  # last step: no relaxation timer may stay live
            if self._obs is not None:
                self._obs.on_queued(c, now)
            return
        self._offer(c, agent, sig, strategy, now, out, moment, passed, None)
        self._refresh(agent)

    def _make_pool(self, sig: Sig, strategy: int) -> Pool:
        pool = Pool(sig, strategy)
        sig.pools[strategy] = pool
        cost = self._c.cost[sig.ch]
        excl = self._c.exclusive[sig.ch]
        for a in sig.agents:
            a.pools[sig.ch].append(pool)
            if a.presence == _READY and a.can_take(sig.ch, cost, excl):
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
        for ch in a.chans:
            pools = all_pools[ch]
            if pools and a.can_take(ch, cost[ch], excl[ch]):
                for pool in pools:
                    pool.push(a)
                    if len(pool.heap) > 4 * len(pool.sig.agents) + 64:
                        pool.compact()

    def _agent_seek(self, a: AgentRT, now: float, out: list[Offer], moment: str) -> None:
        """``a`` gained capacity: take the best waiting contacts it can serve."""
        if a.presence == _READY:
            cost, excl = self._c.cost, self._c.exclusive
            aid = a.id
            while True:
                take: dict[int, bool] = {}
                best = rival = None
                best_sig = None
                passed: list[str] = []
                for sig in a.sigs:
                    heap = sig.heap
                    if not heap:
                        continue
                    ch = sig.ch
                    ok = take.get(ch)
                    if ok is None:
                        ok = take[ch] = a.can_take(ch, cost[ch], excl[ch])
                    if not ok:
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
                skipped = tuple(
                    x.id
                    for x in sorted((self._contacts[p] for p in passed), key=_contact_order)
                    if x.key <= c.key
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
            sig_proficiency(a, sig),
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
            self._timer(expires, T_EXPIRE, w)
        out.append(
            Offer(
                wid,
                c.id,
                a.id,
                CHANNELS[ch],
                c.tier.name,
                now,
                None if auto else expires,
                step,
                auto,
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
            self._timer(w.until, T_WRAP, w)
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

    # ------------------------------------------------------------------ validation

    def _agent(self, agent_id: str) -> AgentRT:
        try:
            return self._agents[agent_id]
        except (KeyError, TypeError):
            raise UnknownAgent(f"agent {agent_id!r} is not registered") from None

    def _contact(self, contact_id: str) -> ContactRT:
        try:
            return self._contacts[contact_id]
        except (KeyError, TypeError):
            raise UnknownContact(f"contact {contact_id!r} is not live") from None

    def _ringing(self, offer_id: str, now: float) -> Work:
        w = self._work(offer_id)
        if w.state != RESERVED:
            raise RoutingStateError(f"offer {offer_id!r} was already accepted")
        if w.expires_at <= now:
            raise RoutingStateError(f"offer {offer_id!r} expired at {w.expires_at!r} (now {now!r})")
        return w

    def _work(self, offer_id: str) -> Work:
        try:
            return self._works[offer_id]
        except (KeyError, TypeError):
            raise UnknownOffer(f"offer {offer_id!r} is not live") from None

    def _channel(self, ch: Channel | str, what: str) -> int:
        # Channel is a StrEnum: "voice" and Channel.VOICE hash and compare equal.
        try:
            return CHANNEL_INDEX[ch]  # type: ignore[index]
        except (KeyError, TypeError):
            raise InvalidArgument(
                f"{what}: unknown channel {ch!r}; channels are {[c.value for c in CHANNELS]}"
            ) from None

    def _presence(self, presence: Presence | str) -> int:
        try:
            return _PRESENCE_INDEX[Presence(presence)]
        except (ValueError, TypeError):
            raise InvalidArgument(
                f"unknown presence {presence!r}; use one of {[p.value for p in Presence]}"
            ) from None

    def _check_skills(self, skills: Mapping[str, int], what: str) -> dict[str, int]:
        if not isinstance(skills, Mapping):
            raise InvalidArgument(f"{what} must map skill -> proficiency, got {skills!r}")
        top = self._policy.max_proficiency
        out = {}
        for s, p in skills.items():
            if not isinstance(s, str) or not s:
                raise InvalidArgument(f"{what}: skill names must be non-empty strings, got {s!r}")
            if isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= top:
                raise InvalidArgument(f"{what}[{s!r}] must be a proficiency 1..{top}, got {p!r}")
            out[s] = p
        return out

    def _check_seniority(self, level: int | str, what: str) -> int:
        try:
            return self._policy.seniority_index(level)
        except ValueError as exc:
            raise InvalidArgument(f"{what}: {exc}") from None

    # ------------------------------------------------------------------ snapshots

    def snapshot(self) -> dict[str, Any]:
        """The router's whole state as JSON-serialisable data.

        :meth:`restore` rebuilds a router that makes the same decisions from there on.
        Finished decisions kept for :meth:`explain` are not included.
        """
        from tierroute._snapshot import dump

        return dump(self)

    @classmethod
    def restore(
        cls, snapshot: Mapping[str, Any], *, clock: Callable[[], float] | None = None
    ) -> Router:
        """Rebuild a router from :meth:`snapshot` data.

        Raises:
            InvalidArgument: The data is not a tierroute snapshot of a known version.
        """
        from tierroute._snapshot import load

        return load(cls, snapshot, clock)

    def _check(self) -> None:
        """Assert every internal invariant (slow; for tests)."""
        from tierroute._check import check

        check(self)


def _finite_time(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidArgument(f"{name} must be a finite number of seconds, got {value!r}")
    if value < 0:
        raise InvalidArgument(f"{name} must be >= 0, got {value!r}")
    return float(value)


def _work_order(w: Work) -> int:
    return int(w.id[1:])


def _contact_order(c: ContactRT) -> tuple[float, float, int]:
    return (c.key, c.negval, c.seq)


_EMPTY: frozenset[AgentRT] = frozenset()


def _pool_skip(
    heap: list[tuple[Any, ...]], excluded: set[str]
) -> tuple[AgentRT | None, tuple[str, ...]]:
    """First live agent in a pool heap not in ``excluded``; the skipped ids too."""
    held = []
    found = None
    while heap:
        e = heappop(heap)
        a = e[-1]
        if e[-2] != a.version:
            continue
        held.append(e)
        if a.id not in excluded:
            found = a
            break
    for e in held:
        heappush(heap, e)
    skipped = tuple(e[-1].id for e in held if e[-1] is not found)
    return found, skipped


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
