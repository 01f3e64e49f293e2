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

The decision rules and their cost are described in :mod:`tierroute.routing._engine`; the
naive oracle in the test suite applies the same rules by full scans.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from tierroute._args import finite_time
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
from tierroute.policy.model import Policy
from tierroute.routing._engine import _LOGGED_OUT, _READY, Engine
from tierroute.routing._state import (
    ACTIVE,
    CHANNEL_INDEX,
    CHANNELS,
    IN_SERVICE,
    OFFERED,
    RESERVED,
    WAITING,
    WRAP,
    AgentRT,
    ContactRT,
    Work,
)
from tierroute.routing.explain import Explanation, build_explanation

if TYPE_CHECKING:
    from tierroute.promises.tracker import PromiseTracker

__all__ = ["Router"]

_PRESENCE = (Presence.LOGGED_OUT, Presence.READY, Presence.NOT_READY)
_PRESENCE_INDEX = {p: i for i, p in enumerate(_PRESENCE)}
_CONTACT_STATE = (ContactState.WAITING, ContactState.OFFERED, ContactState.IN_SERVICE)
_KEEP: Any = object()


class Router(Engine):
    """Value-based contact router.

    Args:
        policy: The routing policy (default: a one-tier policy with defaults; see
            :func:`tierroute.policy.presets.prestige` for a realistic one).
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
        super().__init__(policy, clock, finite_time(start, "start"))

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
    def tracker(self) -> PromiseTracker | None:
        """The attached :class:`~tierroute.promises.tracker.PromiseTracker`, if any. A router
        restored from a snapshot taken with a tracker has it back, timers included."""
        obs: PromiseTracker | None = self._obs
        return obs

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
        t = finite_time(now, name)
        if t < self._now:
            raise TimeWentBackwards(f"{name}={t!r} is before the router's time {self._now!r}")
        return t

    def _recheck(self, out: list[Offer], check: Callable[..., Any], *args: Any) -> Any:
        """Re-run a state check after due timers fired; on failure the error carries
        the offers those timers made."""
        try:
            return check(*args)
        except TierRouteError as exc:
            exc.offers = tuple(out)
            exc.events = tuple(out.events) if isinstance(out, Decisions) else ()
            raise

    def advance(self, now: float | None = None) -> Decisions:
        """Move the router's time to ``now``, firing due timers.

        Returns:
            The offers made by relaxations, expiries and wrap-up ends.

        Raises:
            TimeWentBackwards: ``now`` is before the router's time.

        Runtime complexity: O((k + m) log n) for k timers fired and m offers made.
        """
        return self._advance_trusted(self._begin(now))

    def _advance_trusted(self, now: float) -> Decisions:
        """:meth:`advance` for callers that validated their input already (the
        simulator): no checks, same state changes, same decisions.

        Args:
            now: A float not before the router's time.

        Returns:
            The offers made by the timers due up to ``now``.
        """
        out = self._out = Decisions()
        self._fire(now, out)
        return out

    def next_deadline(self) -> float | None:
        """When the router next needs :meth:`advance`, or ``None`` if no timer is set.

        A host can sleep until then: nothing changes on its own before. Under a
        foreign timer host (:meth:`set_timer_host`) the host holds every timer and
        this is ``None``.

        Runtime complexity: O(1), plus O(log n) per cancelled timer dropped.
        """
        return self._heap.next_at()

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

        Runtime complexity: O(the groups of agents that share one of its skills or
        take contacts with no skill asked, plus the agents of each bucket it is in)
        — buckets keep their members in lists, which are several times leaner
        than sets and are searched only here and in :meth:`update_agent`.
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

    # ------------------------------------------------------------------ contacts

    def submit(self, contact: ContactSpec, *, now: float | None = None) -> Decisions:
        """Route a new contact.

        Its priority key is computed once here from its tier's target for its
        channel, its severity and its value (see :mod:`tierroute.policy.model`).

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
        skills = self._skill_sets.setdefault(skills, skills)  # one copy per requirement
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
            now if spec.arrived_at is None else finite_time(spec.arrived_at, f"{what} arrived_at")
        )
        if arrived > now:
            raise InvalidArgument(f"{what} arrived_at={arrived!r} is after now={now!r}")
        attrs = spec.attributes
        if attrs is not None and not isinstance(attrs, Mapping):
            raise InvalidArgument(f"{what} attributes must be a mapping or None, got {attrs!r}")
        value = float(value)
        key = self._c.key(tier, ch, sev, value, arrived)
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
        return self._drop_contact(c, t, out)

    def _abandon_trusted(self, contact_id: str, now: float) -> Decisions:
        """:meth:`abandon` for callers that validated their input already (the
        simulator): no checks, same state changes, same decisions.

        Args:
            contact_id: A live contact that is not in service, and still is not once
                the timers due up to ``now`` fired.
            now: A float not before the router's time.

        Returns:
            The offers made by due timers and by the agent the contact freed.
        """
        c = self._contacts[contact_id]
        out = self._out = Decisions()
        self._fire(now, out)
        return self._drop_contact(c, now, out)

    def _drop_contact(self, c: ContactRT, now: float, out: Decisions) -> Decisions:
        """Forget abandoned contact ``c`` (due timers fired already): out of its queue,
        or its ringing offer withdrawn and the agent's capacity back."""
        del self._contacts[c.id]
        w = c.work
        c.work = None
        self._abandoned += 1
        if self._obs is not None:
            self._obs.on_abandon(c, now)
        c.tver += 1
        if c.state == WAITING:
            c.sig.remove(c)  # type: ignore[union-attr]
            return out
        assert w is not None
        self._release(w, now)
        self._retire(w)
        self._agent_seek(w.agent, now, out, "capacity_freed")
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
        return self._complete_trusted(offer_id, t)

    def _complete_trusted(self, offer_id: str, now: float) -> Decisions:
        """:meth:`complete` for callers that validated their input already (the
        simulator): no checks, same state changes, same decisions.

        Args:
            offer_id: A live, accepted assignment (not in wrap-up).
            now: A float not before the router's time.

        Returns:
            The offers made by due timers and by the agent's freed capacity.
        """
        w = self._works[offer_id]
        out = self._out = Decisions()
        self._fire(now, out)
        c = w.contact
        del self._contacts[c.id]
        c.work = None  # no contact <-> work cycle: refcounting frees them, not the GC
        self._finished += 1
        if self._obs is not None:
            self._obs.on_complete(w, now)
        self._end_service(w, now, out, seek=True)
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
        from tierroute.routing._snapshot import dump

        return dump(self)

    @classmethod
    def restore(
        cls, snapshot: Mapping[str, Any], *, clock: Callable[[], float] | None = None
    ) -> Router:
        """Rebuild a router from :meth:`snapshot` data.

        Raises:
            InvalidArgument: The data is not a tierroute snapshot of a known version.
        """
        from tierroute.routing._snapshot import load

        return load(cls, snapshot, clock)

    def _check(self) -> None:
        """Assert every internal invariant (slow; for tests)."""
        from tierroute.routing._check import check

        check(self)
