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
from heapq import heappush
from typing import Any

from tierroute._args import attributes, finite_number, finite_time, int_in_range, text
from tierroute.errors import (
    DuplicateId,
    InvalidArgument,
    RoutingStateError,
    TimeWentBackwards,
    UnknownAgent,
    UnknownContact,
    UnknownOffer,
)
from tierroute.models import (
    KEEP,
    MAX_CAPACITY,
    MAX_CONCURRENT,
    AgentSpec,
    AgentState,
    AgentStatus,
    Channel,
    ContactSpec,
    ContactState,
    ContactStatus,
    Decisions,
    Keep,
    Presence,
    Severity,
)
from tierroute.policy.model import Policy
from tierroute.routing._check import check
from tierroute.routing._engine import Engine
from tierroute.routing._hooks import (
    T_EXT,
    ContactView,
    Hook,
    HookPort,
    QueueView,
    Timed,
)
from tierroute.routing._snapshot import dump, load
from tierroute.routing._state import (
    ACTIVE,
    CHANNEL_INDEX,
    CHANNELS,
    IN_SERVICE,
    LOGGED_OUT,
    OFFERED,
    RESERVED,
    WAITING,
    WRAP,
    AgentFields,
    AgentRT,
    ContactRT,
    TierRT,
    Work,
)
from tierroute.routing.explain import Explanation, build_explanation

__all__ = ["Router"]

_PRESENCE = (Presence.LOGGED_OUT, Presence.READY, Presence.NOT_READY)
_PRESENCE_INDEX = {p: i for i, p in enumerate(_PRESENCE)}
_CONTACT_STATE = (ContactState.WAITING, ContactState.OFFERED, ContactState.IN_SERVICE)


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
    def tracker(self) -> Hook | None:
        """The attached :class:`~tierroute.promises.tracker.PromiseTracker` (the router's
        one hook; see :mod:`tierroute.routing._hooks`), if any. A router restored from a
        snapshot taken with a tracker has it back, timers included."""
        return self._hook

    def _attach_hook(self, hook: Hook) -> HookPort:
        if self._hook is not None:
            raise InvalidArgument(
                "the router already has a promise tracker (its one hook) attached"
            )
        self._hook = hook
        return _Port(self)

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
            try:
                now = self._clock()
            except Exception as exc:  # the host's clock failed: nothing has changed
                raise InvalidArgument(f"the router's clock() raised {exc!r}") from exc
            name = "clock()"
        else:
            name = "now"
        t = finite_time(now, name)
        if t < self._now:
            raise TimeWentBackwards(f"{name}={t!r} is before the router's time {self._now!r}")
        return t

    def advance(self, now: float | None = None) -> Decisions:
        """Move the router's time to ``now``, firing due timers.

        Returns:
            The offers made by relaxations, expiries and wrap-up ends.

        Raises:
            TimeWentBackwards: ``now`` is before the router's time.

        Runtime complexity: O((k + m) log n) for k timers fired and m offers made.
        """
        return self._advance_trusted(self._begin(now))

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
        aid = text(spec.agent_id, "agent_id")
        if aid in self._agents:
            raise DuplicateId(f"agent {aid!r} is already registered")
        fields = self._check_agent_spec(spec)
        return self._add_agent_trusted(aid, fields, pres, t)

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
        if self._agent(agent_id).presence != LOGGED_OUT:
            raise RoutingStateError(f"agent {agent_id!r} must be logged out to be removed")
        return self._remove_agent_trusted(agent_id, t)

    def update_agent(self, spec: AgentSpec, *, now: float | None = None) -> Decisions:
        """Replace an agent's profile (skills, languages, seniority, channels, capacity).

        Only that agent's cached eligibility is recomputed.

        Raises:
            UnknownAgent: No such agent.
            InvalidArgument: A field of ``spec`` is invalid.
            RoutingStateError: The agent has offers, contacts or wrap-up in progress.

        Runtime complexity: that of :meth:`remove_agent` plus :meth:`add_agent`, plus
        one lookup per waiting contact it can now serve.
        """
        t = self._begin(now)
        if not isinstance(spec, AgentSpec):
            raise InvalidArgument(f"spec must be an AgentSpec, got {type(spec).__name__}")
        fields = self._check_agent_spec(spec)
        self._agent_free(spec.agent_id)
        return self._update_agent_trusted(spec.agent_id, fields, t, self._agent_free)

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

        Runtime complexity: O(b + m log n) for b pooled buckets the agent is in and
        m offers made (an agent going ready takes waiting contacts as
        :meth:`complete` frees capacity).
        """
        t = self._begin(now)
        pres = self._presence(presence)
        self._presence_allowed(agent_id, pres)
        return self._set_agent_state_trusted(agent_id, pres, t, self._presence_allowed)

    def _presence_allowed(self, agent_id: str, pres: int) -> AgentRT:
        a = self._agent(agent_id)
        if pres == LOGGED_OUT:
            busy = sorted(w.contact.id for w in a.tasks.values() if w.state == ACTIVE)
            if busy:
                raise RoutingStateError(
                    f"agent {agent_id!r} cannot log out with contacts in service: {busy}"
                )
        return a

    def _check_agent_spec(self, spec: AgentSpec) -> AgentFields:
        aid = text(spec.agent_id, "agent_id")
        skills = self._check_skills(spec.skills, f"agent {aid!r} skills")
        langs = spec.languages
        # Collections only: an iterator would be used up by this check.
        if not isinstance(langs, tuple | list | set | frozenset):
            raise InvalidArgument(
                f"agent {aid!r} languages must be a tuple, list or set of strings, got {langs!r}"
            )
        for lang in langs:
            text(lang, f"agent {aid!r} languages")
        sen = self._check_seniority(spec.seniority, f"agent {aid!r} seniority")
        cap = int_in_range(spec.capacity, f"agent {aid!r} capacity", 1, MAX_CAPACITY)
        if not isinstance(spec.channels, Mapping) or not spec.channels:
            raise InvalidArgument(
                f"agent {aid!r} channels must map channel -> max concurrent, got {spec.channels!r}"
            )
        maxc = [0] * len(CHANNELS)
        for ch, n in spec.channels.items():
            ci = self._channel(ch, f"agent {aid!r} channels")
            maxc[ci] = int_in_range(n, f"agent {aid!r} channels[{ch!s}]", 0, MAX_CONCURRENT)
            if n and self._c.cost[ci] > cap:
                raise InvalidArgument(
                    f"agent {aid!r} can never take {ch!s}: it costs {self._c.cost[ci]} "
                    f"units and the agent's capacity is {cap}"
                )
        attrs = spec.attributes
        if attrs is not None:
            attributes(attrs, f"agent {aid!r} attributes")
        return skills, frozenset(langs), sen, tuple(maxc), cap, attrs

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
        # the common case checked inline (submit is a hot path); the rest by the rules
        if type(cid) is not str or not cid.isascii() or not cid:
            text(cid, "contact_id")
        if cid in self._contacts:
            raise DuplicateId(f"contact {cid!r} is already live")
        what = f"contact {cid!r}"
        ch = self._channel(contact.channel, f"{what} channel")
        tier = self._c.tier_by_name.get(contact.tier) if isinstance(contact.tier, str) else None
        if tier is None:
            raise InvalidArgument(
                f"{what} tier {contact.tier!r} is not one of {list(self._c.tier_by_name)}"
            )
        value = contact.value
        if type(value) is not float or not 0.0 <= value <= 1.0:
            value = finite_number(value, f"{what} value")
            if not 0.0 <= value <= 1.0:
                raise InvalidArgument(f"{what} value must be a number in [0, 1], got {value!r}")
        sev = contact.severity
        if type(sev) is Severity:  # its members are 1..4
            sev = int(sev)
        elif type(sev) is not int or not 1 <= sev <= 4:
            sev = int_in_range(sev, f"{what} severity (P1..P4)", 1, 4)
        skills = tuple(sorted(self._check_skills(contact.skills, f"{what} skills").items()))
        skills = self._skill_sets.setdefault(skills, skills)  # one copy per requirement
        lang = contact.language
        if lang is not None and (type(lang) is not str or not lang.isascii() or not lang):
            lang = text(lang, f"{what} language", optional=True)
        sen = self._check_seniority(contact.min_seniority, f"{what} min_seniority")
        conc = contact.concierge
        if conc is not None:
            conc = text(conc, f"{what} concierge", optional=True)
        arrived = contact.arrived_at
        if arrived is not None:
            arrived = finite_time(arrived, f"{what} arrived_at")
            if arrived > t:
                raise InvalidArgument(f"{what} arrived_at={arrived!r} is after now={t!r}")
        attrs = contact.attributes
        if attrs is not None:  # the common case, None, costs this test only
            attributes(attrs, f"{what} attributes")
        return self._submit_trusted(
            cid, ch, tier, value, sev, skills, lang, sen, conc, t, arrived, attrs
        )

    def abandon(self, contact_id: str, *, now: float | None = None) -> Decisions:
        """The customer left while waiting or while being offered.

        Raises:
            UnknownContact: No live contact with this id.
            RoutingStateError: The contact is in service (complete it instead).

        Runtime complexity: O(log n); a withdrawn offer frees its agent as
        :meth:`complete` does.
        """
        t = self._begin(now)
        self._abandonable(contact_id)
        return self._abandon_trusted(contact_id, t, self._abandonable)

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
        skills: Mapping[str, int] | Keep = KEEP,
        language: str | Keep | None = KEEP,
        min_seniority: int | str | Keep = KEEP,
        now: float | None = None,
    ) -> Decisions:
        """Route a live contact again with new requirements, keeping its arrival time
        and so its priority key. Arguments left as :data:`~tierroute.models.KEEP`
        keep their values.

        A contact in service leaves its agent (who goes to wrap-up and is not offered
        it again); a ringing offer is withdrawn. The relaxation ladder restarts.

        Raises:
            UnknownContact: No live contact with this id.
            InvalidArgument: A requirement is invalid.

        Runtime complexity: as :meth:`submit`, plus, for a contact with an agent,
        what that agent's freed capacity takes (as :meth:`complete`).
        """
        t = self._begin(now)
        c = self._contact(contact_id)
        what = f"contact {contact_id!r}"
        new_skills = (
            c.skills
            if skills is KEEP
            else tuple(sorted(self._check_skills(skills, f"{what} skills").items()))
        )
        new_lang = c.lang if language is KEEP else text(language, f"{what} language", optional=True)
        new_sen = (
            c.min_sen
            if min_seniority is KEEP
            else self._check_seniority(min_seniority, f"{what} min_seniority")
        )
        return self._transfer_trusted(contact_id, new_skills, new_lang, new_sen, t)

    # ------------------------------------------------------------------ offers

    def accept(self, offer_id: str, *, now: float | None = None) -> Decisions:
        """The agent accepted the offer: it becomes an assignment (same id).

        Raises:
            UnknownOffer: No live offer with this id.
            RoutingStateError: Already accepted, or expired at or before ``now``.

        Runtime complexity: O(b log n) for b pooled buckets the agent is in.
        """
        t = self._begin(now)
        self._ringing(offer_id, t)
        return self._accept_trusted(offer_id, t, self._ringing)

    def reject(self, offer_id: str, *, now: float | None = None) -> Decisions:
        """The agent declined the offer: the contact goes back with its key and is not
        offered to this agent again before the policy's ``offer.decline_cooldown_s``.

        Raises:
            UnknownOffer: No live offer with this id.
            RoutingStateError: Already accepted, or expired at or before ``now``.

        Runtime complexity: one pool lookup for the contact, plus what the agent's
        freed capacity takes (as :meth:`complete`).
        """
        t = self._begin(now)
        self._ringing(offer_id, t)
        return self._reject_trusted(offer_id, t, self._ringing)

    def complete(self, offer_id: str, *, now: float | None = None) -> Decisions:
        """The agent finished the contact. Wrap-up follows, then the capacity is free.

        Raises:
            UnknownOffer: No live assignment with this id.
            RoutingStateError: The offer was not accepted yet.

        Runtime complexity: O(1) with wrap-up; without, O(h + m log n) for h queue
        heads the agent is eligible for and m offers made.
        """
        t = self._begin(now)
        w = self._work(offer_id)
        if w.state != ACTIVE:
            state = "still ringing" if w.state == RESERVED else "already completed (wrap-up)"
            raise RoutingStateError(f"offer {offer_id!r} is {state}")
        return self._complete_trusted(offer_id, t)

    # ------------------------------------------------------------------ reading

    def explain(self, offer_id: str) -> Explanation:
        """Why this contact went to this agent, in data and text.

        Works for live offers and assignments and the policy's ``explain_history``
        most recent finished ones.

        Raises:
            UnknownOffer: The offer is unknown or too old.

        Runtime complexity: O(1) to find the offer, plus building the text.
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

        Runtime complexity: O(t log t) for the agent's t offers and assignments.
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

        Runtime complexity: O(1).
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

        Runtime complexity: O(c) for c live contacts.

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
        """Number of contacts waiting in queues. Runtime complexity: O(1)."""
        return self._waiting

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
            # the common case checked inline (submit is a hot path); the rest by the rules
            if type(s) is not str or not s.isascii() or not s:
                text(s, f"{what}: a skill name")
            if type(p) is not int or not 1 <= p <= top:
                out[s] = int_in_range(p, f"{what}[{s!r}] (a proficiency)", 1, top)
            else:
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

        Raises:
            RoutingStateError: The router's timers live on a foreign timer host.

        Runtime complexity: O(n log n) for n agents, contacts, offers and timers.
        """
        return dump(self)

    @classmethod
    def restore(
        cls, snapshot: Mapping[str, Any], *, clock: Callable[[], float] | None = None
    ) -> Router:
        """Rebuild a router from :meth:`snapshot` data.

        Snapshots of older format versions are migrated first. Nothing in the data is
        trusted: every value's type and range, its references and the invariants
        that tie the state together are checked before the router is returned (see
        :mod:`tierroute.routing._snapshot`). ``snapshot`` is neither changed nor kept.

        Raises:
            InvalidArgument: The data is not a tierroute snapshot of a known version,
                or it is malformed or inconsistent; the message names the place
                (``snapshot.works[3].agent``).

        Runtime complexity: O(n log n + A x S) for n stored items, A agents and S
        requirement signatures of the waiting contacts.
        """
        return load(cls, snapshot, clock)

    # ------------------------------------------------------------------ for the simulator

    def _tier_trusted(self, name: str) -> TierRT:
        """The compiled tier ``name`` (a tier of the policy), as
        :meth:`_submit_trusted` takes it."""
        return self._c.tier_by_name[name]

    def _skills_trusted(self, skills: Mapping[str, int], what: str) -> tuple[tuple[str, int], ...]:
        """A skill requirement checked once and in the form :meth:`_submit_trusted`
        takes (sorted by skill name): the simulator's streams are checked here, once,
        instead of at every arrival.

        Raises:
            InvalidArgument: A skill name or proficiency is invalid.
        """
        return tuple(sorted(self._check_skills(skills, what).items()))

    def _check(self) -> None:
        """Assert every internal invariant (slow; for tests)."""
        check(self)


class _Port:
    """The :class:`~tierroute.routing._hooks.HookPort` of a router's hook."""

    __slots__ = ("_r",)

    def __init__(self, router: Router) -> None:
        self._r = router

    @property
    def policy(self) -> Policy:
        return self._r._policy

    @property
    def now(self) -> float:
        return self._r._now

    def begin(self, now: float | None) -> float:
        return self._r._begin(now)

    def contact(self, contact_id: str) -> ContactView:
        return self._r._contact(contact_id)

    def live_contact(self, contact_id: str) -> ContactView | None:
        return self._r._contacts.get(contact_id)

    def queue_of(self, c: ContactView) -> QueueView:
        return self._r._sig_for(c)  # type: ignore[arg-type]  # only ever a ContactRT

    def schedule(self, at: float, obj: Timed) -> None:
        obj.stamp += 1
        self._r._schedule_timer(at, T_EXT, obj, obj.stamp)

    def emit(self, event: object) -> None:
        out = self._r._out
        if isinstance(out.events, list):
            out.events.append(event)
        else:
            out.events = [event]

    def timers(self) -> list[tuple[float, int, Timed]]:
        return [(at, seq, obj) for at, seq, kind, _, obj in self._r._heap.live() if kind == T_EXT]

    def restore_timer(self, at: float, seq: int, obj: Timed) -> None:
        obj.stamp += 1
        heappush(self._r._heap.heap, (at, seq, T_EXT, obj.stamp, obj))
