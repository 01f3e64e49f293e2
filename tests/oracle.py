"""A naive reference router for differential tests of :class:`tierroute.Router`.

Same public calls, same policy, same return values, but no queues, pools, caches or
versions: every decision is a full scan over plain dicts.

- A contact that starts waiting (submitted, relaxed, returned, transferred) takes the
  best agent, by its step's strategy key, among all agents that are ready, eligible
  for its requirement at its current step, have room for its channel and are not
  held off by it; otherwise it just stays ``"waiting"``.
- An agent that gains capacity repeatedly takes the waiting contact with the smallest
  ``(key, -value, submit seq)`` it is eligible for, has room for and is not held off
  by, while there is one.
- A contact holds off an agent that declined it or let its offer ring out, until the
  policy's cooldown ends (a timer: the contact, if waiting, then goes to that agent
  if it can serve it), or for good after a transfer away from it or without a
  cooldown. A cooldown gives way after the moment of the decline when no other
  agent eligible for the contact at its step is logged in without being held off.
  An offer to an agent ends the contact's exclusion of it.
- Timers (relaxation step end, offer expiry, wrap-up end, cooldown end) are one
  plain list, fired in ``(time, creation order)``. A timer is removed as soon as
  what it times is over.

Calls are validated against the state before the due timers fire; if that fails,
nothing changes. If timers fired, the call's state conditions are checked again; if
they now fail (an offer withdrawn, a contact answered under auto-accept, ...), the
error is raised with the timers' offers in its ``offers`` attribute and the oracle
is left as ``advance(now)`` would leave it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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
    KEEP,
    AgentSpec,
    Channel,
    ContactSpec,
    Keep,
    Offer,
    Presence,
    Severity,
)
from tierroute.policy.model import Policy, Strategy, TierPolicy

INF = math.inf
READY, NOT_READY, LOGGED_OUT = Presence.READY, Presence.NOT_READY, Presence.LOGGED_OUT

# How each strategy ranks an agent (smaller first), given its load and its proficiency
# for the contact. Written on purpose from the Strategy docstrings, not from
# tierroute.policy.strategies.STRATEGY_RULES: an independent, obviously-correct table
# that the router's is checked against (tests/property/test_oracle.py).
RANKING: dict[Strategy, Callable[[Agent, int, int], tuple[Any, ...]]] = {
    Strategy.LONGEST_IDLE: lambda a, load, prof: (a.idle_since, a.seq),
    Strategy.MOST_PROFICIENT: lambda a, load, prof: (-prof, a.idle_since, a.seq),
    Strategy.LEAST_OCCUPIED: lambda a, load, prof: (load / a.capacity, a.idle_since, a.seq),
    Strategy.ROUND_ROBIN: lambda a, load, prof: (a.last_offer, a.seq),
    Strategy.FAIR_SHARE: lambda a, load, prof: (a.handled, a.idle_since, a.seq),
}


@dataclass
class Step:
    name: str
    wait: float
    concierge: bool
    skills_ignore: bool
    min_prof: int | None
    language_ignore: bool
    min_sen: int | None
    strategy: Strategy


@dataclass(eq=False)
class Agent:
    id: str
    seq: int
    skills: dict[str, int]
    languages: frozenset[str]
    seniority: int
    channels: dict[Channel, int]
    capacity: int
    presence: Presence = LOGGED_OUT
    idle_since: float = 0.0
    last_offer: int = -1
    handled: int = 0
    no_answers: int = 0


@dataclass(eq=False)
class Contact:
    id: str
    seq: int
    channel: Channel
    tier: str
    steps: list[Step]
    value: float
    skills: tuple[tuple[str, int], ...]
    language: str | None
    min_sen: int
    concierge: str | None
    key: float
    state: str = "waiting"  # waiting | offered | in_service
    step: int = 0
    step_until: float = INF
    excluded: dict[str, Exclusion] = field(default_factory=dict)


@dataclass(eq=False)
class Exclusion:
    contact: Contact
    agent: str
    since: float
    until: float  # INF: for good
    lapsed: bool = False


@dataclass(eq=False)
class Work:
    id: str
    contact: Contact
    agent: Agent
    expires_at: float
    state: str = "reserved"  # reserved | active | wrap


@dataclass(eq=False)
class Timer:
    time: float
    seq: int
    kind: str  # relax | expire | wrap | lapse
    target: Contact | Work | Exclusion


class Oracle:
    """Naive router: see the module docstring."""

    def __init__(self, policy: Policy, *, start: float = 0.0) -> None:
        self.policy = policy
        self.now = float(start)
        self.current: list[Offer] = []
        self.agents: dict[str, Agent] = {}
        self.contacts: dict[str, Contact] = {}  # live contacts
        self.works: dict[str, Work] = {}  # live offers, assignments and wrap-ups
        self.timers: list[Timer] = []
        self.signatures: set[tuple[Any, ...]] = set()
        self.count = {"submitted": 0, "finished": 0, "abandoned": 0}
        self.seq = {"agent": 0, "contact": 0, "offer": 0, "timer": 0}

    # ---------------------------------------------------------------- policy facts

    def cost(self, ch: Channel) -> int:
        return self.policy.channels[ch].cost

    def exclusive(self, ch: Channel) -> bool:
        return self.policy.channels[ch].exclusive

    def steps_of(self, tier: TierPolicy) -> list[Step]:
        if not tier.relaxation:
            return [Step("requested", INF, False, False, None, False, None, tier.strategy)]
        return [
            Step(
                s.name,
                INF if s.wait_s is None else s.wait_s,
                s.concierge,
                s.skills == "ignore",
                s.min_proficiency,
                s.language == "ignore",
                None if s.min_seniority is None else self.policy.seniority_index(s.min_seniority),
                s.strategy or tier.strategy,
            )
            for s in tier.relaxation
        ]

    # ---------------------------------------------------------------- derived facts

    def tasks(self, a: Agent) -> list[Work]:
        return [w for w in self.works.values() if w.agent is a]

    def load(self, a: Agent) -> int:
        return sum(self.cost(w.contact.channel) for w in self.tasks(a))

    def has_room(self, a: Agent, ch: Channel) -> bool:
        tasks = self.tasks(a)
        load = self.load(a)
        return (
            sum(1 for w in tasks if w.contact.channel == ch) < a.channels.get(ch, 0)
            and load + self.cost(ch) <= a.capacity
            and not any(self.exclusive(w.contact.channel) for w in tasks)
            and (not self.exclusive(ch) or load == 0)
        )

    def requirement(self, c: Contact) -> tuple[Any, ...]:
        """(channel, skills, language, min seniority, concierge) at c's current step."""
        step = c.steps[c.step]
        if step.concierge:
            return (c.channel, (), None, 0, c.concierge)
        if step.skills_ignore:
            skills: tuple[tuple[str, int], ...] = ()
        elif step.min_prof is None:
            skills = c.skills
        else:
            skills = tuple((s, step.min_prof) for s, _ in c.skills)
        lang = None if step.language_ignore else c.language
        sen = c.min_sen if step.min_sen is None else step.min_sen
        return (c.channel, skills, lang, sen, None)

    @staticmethod
    def eligible(a: Agent, req: tuple[Any, ...]) -> bool:
        ch, skills, lang, sen, concierge = req
        if a.channels.get(ch, 0) <= 0:
            return False
        if concierge is not None:
            return a.id == concierge
        return (
            (lang is None or lang in a.languages)
            and a.seniority >= sen
            and all(a.skills.get(s, 0) >= p for s, p in skills)
        )

    def can_serve(self, a: Agent, c: Contact, now: float) -> bool:
        return (
            a.presence == READY
            and self.eligible(a, self.requirement(c))
            and self.has_room(a, c.channel)
            and not self.held_off(a, c, now)
        )

    def held_off(self, a: Agent, c: Contact, now: float) -> bool:
        x = c.excluded.get(a.id)
        if x is None or x.lapsed:
            return False
        if x.until == INF or x.since >= now:
            return True
        req = self.requirement(c)
        # the cooldown gives way when nobody else could take c
        return any(
            b is not a
            and b.presence != LOGGED_OUT
            and self.eligible(b, req)
            and (b.id not in c.excluded or c.excluded[b.id].lapsed)
            for b in self.agents.values()
        )

    def agent_key(self, a: Agent, c: Contact) -> tuple[Any, ...]:
        """Smaller is preferred, under the strategy of c's current step."""
        skills = self.requirement(c)[1]
        prof = min(a.skills.get(s, 0) for s, _ in skills) if skills else 0
        return RANKING[c.steps[c.step].strategy](a, self.load(a), prof)

    def concierge_usable(self, c: Contact) -> bool:
        a = self.agents.get(c.concierge) if c.concierge is not None else None
        return (
            a is not None
            and a.presence != LOGGED_OUT
            and a.channels.get(c.channel, 0) > 0
            and (a.id not in c.excluded or c.excluded[a.id].lapsed)
        )

    # ---------------------------------------------------------------- timers

    def add_timer(self, t: float, kind: str, target: Contact | Work | Exclusion) -> None:
        self.seq["timer"] += 1
        self.timers.append(Timer(t, self.seq["timer"], kind, target))

    def cancel_timers(self, target: Contact | Work | Exclusion) -> None:
        self.timers = [x for x in self.timers if x.target is not target]

    def fire(self, now: float, out: list[Offer]) -> bool:
        """Fire the timers due at or before ``now``; say whether any did."""
        fired = False
        while True:
            due = [x for x in self.timers if x.time <= now]
            if not due:
                break
            x = min(due, key=lambda x: (x.time, x.seq))
            self.timers.remove(x)
            fired = True
            self.now = x.time
            if x.kind == "relax":
                assert isinstance(x.target, Contact)
                self.enter_step(x.target, x.target.step + 1, x.time)
                self.seek_agent(x.target, x.time, out)
            elif x.kind == "expire":
                assert isinstance(x.target, Work)
                self.decline(x.target, x.time, out, no_answer=True)
            elif x.kind == "lapse":
                assert isinstance(x.target, Exclusion)
                self.lapse(x.target, x.time, out)
            else:
                assert isinstance(x.target, Work)
                self.release(x.target, x.time)
                self.seek_contacts(x.target.agent, x.time, out)
        self.now = now
        return fired

    # ---------------------------------------------------------------- decisions

    def enter_step(self, c: Contact, index: int, now: float) -> None:
        last = len(c.steps) - 1
        index = min(index, last)
        while index < last and c.steps[index].concierge and not self.concierge_usable(c):
            index += 1
        c.step = index
        c.step_until = now + c.steps[index].wait

    def seek_agent(self, c: Contact, now: float, out: list[Offer]) -> None:
        """c starts waiting at its current step: best available agent, or wait."""
        self.signatures.add(self.requirement(c))
        candidates = [a for a in self.agents.values() if self.can_serve(a, c, now)]
        if candidates:
            self.offer(c, min(candidates, key=lambda a: self.agent_key(a, c)), now, out)
        elif c.step_until < INF:
            self.add_timer(c.step_until, "relax", c)

    def seek_contacts(self, a: Agent, now: float, out: list[Offer]) -> None:
        """a may have gained capacity: take the most urgent contacts it can serve."""
        while a.presence == READY:
            waiting = [
                c
                for c in self.contacts.values()
                if c.state == "waiting" and self.can_serve(a, c, now)
            ]
            if not waiting:
                return
            self.offer(min(waiting, key=lambda c: (c.key, -c.value, c.seq)), a, now, out)

    def offer(self, c: Contact, a: Agent, now: float, out: list[Offer]) -> None:
        self.cancel_timers(c)
        if a.id in c.excluded:
            self.cancel_timers(c.excluded.pop(a.id))
        self.seq["offer"] += 1
        n = self.seq["offer"]
        auto = self.policy.offer.auto_accept
        w = Work(f"o{n}", c, a, INF if auto else now + self.policy.offer.timeout_s)
        self.works[w.id] = w
        a.last_offer = n
        a.idle_since = now
        if auto:
            self.activate(w)
        else:
            c.state = "offered"
            self.add_timer(w.expires_at, "expire", w)
        out.append(
            Offer(
                w.id,
                c.id,
                a.id,
                c.channel,
                c.tier,
                now,
                None if auto else w.expires_at,
                c.steps[c.step].name,
                auto,
            )
        )

    def activate(self, w: Work) -> None:
        self.cancel_timers(w)
        w.state = "active"
        w.contact.state = "in_service"
        w.agent.handled += self.cost(w.contact.channel)
        w.agent.no_answers = 0

    def start_call(self) -> list[Offer]:
        """The list a public call returns its offers in."""
        self.current = []
        return self.current

    def release(self, w: Work, now: float) -> None:
        self.cancel_timers(w)
        del self.works[w.id]
        w.agent.idle_since = now
        # an offer made earlier in the same call and now withdrawn is not returned
        self.current[:] = [o for o in self.current if o.offer_id != w.id]

    def end_service(self, w: Work, now: float, out: list[Offer], *, seek: bool) -> None:
        wrap = self.policy.channels[w.contact.channel].wrap_up_s
        if wrap > 0:
            w.state = "wrap"
            self.add_timer(now + wrap, "wrap", w)
            return
        self.release(w, now)
        if seek:
            self.seek_contacts(w.agent, now, out)

    def give_back(self, c: Contact, now: float, out: list[Offer], exclude: str | None) -> None:
        """An offer of c fell through: c waits again (next step if its time is up)."""
        c.state = "waiting"
        if exclude is not None:
            cooldown = self.policy.offer.decline_cooldown_s
            self.exclude(c, exclude, now, INF if cooldown is None else now + cooldown)
        if now >= c.step_until or (c.steps[c.step].concierge and not self.concierge_usable(c)):
            self.enter_step(c, c.step + 1, now)
        self.seek_agent(c, now, out)

    def exclude(self, c: Contact, agent_id: str, now: float, until: float) -> None:
        old = c.excluded.get(agent_id)
        if old is not None:
            self.cancel_timers(old)
        x = c.excluded[agent_id] = Exclusion(c, agent_id, now, until)
        if until < INF:
            self.add_timer(until, "lapse", x)

    def lapse(self, x: Exclusion, now: float, out: list[Offer]) -> None:
        """The cooldown ended: a waiting contact goes to the agent if it can serve it."""
        x.lapsed = True
        c = x.contact
        a = self.agents.get(x.agent)
        if c.state == "waiting" and a is not None and self.can_serve(a, c, now):
            self.offer(c, a, now, out)

    def forget(self, c: Contact) -> None:
        """c leaves: its exclusions' timers go."""
        for x in c.excluded.values():
            self.cancel_timers(x)
        c.excluded.clear()

    def decline(self, w: Work, now: float, out: list[Offer], *, no_answer: bool) -> None:
        a = w.agent
        self.release(w, now)
        if no_answer:
            a.no_answers += 1
        self.give_back(w.contact, now, out, exclude=a.id)
        limit = self.policy.offer.max_no_answers
        if no_answer and limit and a.no_answers >= limit and a.presence == READY:
            self.set_presence(a, NOT_READY, now, out)
        else:
            self.seek_contacts(a, now, out)

    def set_presence(self, a: Agent, pres: Presence, now: float, out: list[Offer]) -> None:
        if pres == a.presence:
            return
        a.presence = pres
        if pres == READY:
            a.idle_since = now
            a.no_answers = 0
            self.seek_contacts(a, now, out)
            return
        by_offer = sorted(self.tasks(a), key=lambda w: int(w.id[1:]))
        for w in by_offer:
            if w.state == "reserved":
                self.release(w, now)
                self.give_back(w.contact, now, out, exclude=None)
        if pres == LOGGED_OUT:
            for w in by_offer:
                if w.state == "wrap":
                    self.release(w, now)
            waiting_for_me = [
                c
                for c in self.contacts.values()
                if c.state == "waiting" and c.steps[c.step].concierge and c.concierge == a.id
            ]
            for c in sorted(waiting_for_me, key=lambda c: (c.key, -c.value, c.seq)):
                self.cancel_timers(c)
                self.enter_step(c, c.step + 1, now)
                self.seek_agent(c, now, out)

    # ---------------------------------------------------------------- validation

    def begin(self, now: float | None) -> float:
        t = _time(now, "now")
        if t < self.now:
            raise TimeWentBackwards(f"now={t} is before {self.now}")
        return t

    def fire_and_recheck(self, t: float, out: list[Offer], check: Any, *args: Any) -> Any:
        """Fire the due timers; if any fired, run ``check`` again (its error then
        carries the timers' offers)."""
        if not self.fire(t, out):
            return None
        try:
            return check(*args)
        except TierRouteError as exc:
            exc.offers = tuple(out)
            raise

    def agent(self, agent_id: str) -> Agent:
        if not isinstance(agent_id, str) or agent_id not in self.agents:
            raise UnknownAgent(agent_id)
        return self.agents[agent_id]

    def contact(self, contact_id: str) -> Contact:
        if not isinstance(contact_id, str) or contact_id not in self.contacts:
            raise UnknownContact(contact_id)
        return self.contacts[contact_id]

    def work(self, offer_id: str) -> Work:
        if not isinstance(offer_id, str) or offer_id not in self.works:
            raise UnknownOffer(offer_id)
        return self.works[offer_id]

    def seniority(self, level: Any) -> int:
        try:
            return self.policy.seniority_index(level)
        except ValueError:
            raise InvalidArgument(f"bad seniority {level!r}") from None

    def skills(self, skills: Any) -> dict[str, int]:
        if not isinstance(skills, Mapping):
            raise InvalidArgument("skills must be a mapping")
        for s, p in skills.items():
            if not isinstance(s, str) or not s or isinstance(p, bool) or not isinstance(p, int):
                raise InvalidArgument(f"bad skill {s!r}: {p!r}")
            if not 1 <= p <= self.policy.max_proficiency:
                raise InvalidArgument(f"bad proficiency {s!r}: {p!r}")
        return dict(skills)

    def agent_fields(self, spec: AgentSpec) -> dict[str, Any]:
        aid = spec.agent_id
        if not isinstance(aid, str) or not aid:
            raise InvalidArgument(f"bad agent id {aid!r}")
        skills = self.skills(spec.skills)
        langs = spec.languages
        if isinstance(langs, str) or not all(isinstance(x, str) and x for x in langs):
            raise InvalidArgument(f"bad languages {langs!r}")
        sen = self.seniority(spec.seniority)
        cap = spec.capacity
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise InvalidArgument(f"bad capacity {cap!r}")
        if not isinstance(spec.channels, Mapping) or not spec.channels:
            raise InvalidArgument("channels must be a non-empty mapping")
        channels = {}
        for ch, n in spec.channels.items():
            channel = _channel(ch)
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise InvalidArgument(f"bad channel count {n!r}")
            if n and self.cost(channel) > cap:
                raise InvalidArgument(f"{channel} costs more than the capacity")
            channels[channel] = n
        return {
            "skills": skills,
            "languages": frozenset(langs),
            "seniority": sen,
            "channels": channels,
            "capacity": cap,
        }

    # ---------------------------------------------------------------- the public calls

    def add_agent(
        self, spec: AgentSpec, *, presence: Presence | str = LOGGED_OUT, now: float | None = None
    ) -> list[Offer]:
        t = self.begin(now)
        if not isinstance(spec, AgentSpec):
            raise InvalidArgument("spec must be an AgentSpec")
        pres = _presence(presence)
        if spec.agent_id in self.agents:
            raise DuplicateId(spec.agent_id)
        fields = self.agent_fields(spec)
        out: list[Offer] = self.start_call()
        self.fire(t, out)
        self.seq["agent"] += 1
        a = Agent(spec.agent_id, self.seq["agent"], **fields, idle_since=t)
        self.agents[a.id] = a
        if pres != LOGGED_OUT:
            self.set_presence(a, pres, t, out)
        return out

    def remove_agent(self, agent_id: str, *, now: float | None = None) -> list[Offer]:
        t = self.begin(now)
        if self.agent(agent_id).presence != LOGGED_OUT:
            raise RoutingStateError(f"{agent_id} is not logged out")
        out: list[Offer] = self.start_call()
        self.fire(t, out)
        del self.agents[agent_id]
        return out

    def update_agent(self, spec: AgentSpec, *, now: float | None = None) -> list[Offer]:
        t = self.begin(now)
        if not isinstance(spec, AgentSpec):
            raise InvalidArgument("spec must be an AgentSpec")
        fields = self.agent_fields(spec)
        a = self.free_agent(spec.agent_id)
        out: list[Offer] = self.start_call()
        self.fire_and_recheck(t, out, self.free_agent, a.id)
        for name, value in fields.items():
            setattr(a, name, value)
        # contacts waiting for this agent as concierge on a channel it dropped move on
        stuck = [
            c
            for c in self.contacts.values()
            if c.state == "waiting"
            and c.steps[c.step].concierge
            and c.concierge == a.id
            and not self.concierge_usable(c)
        ]
        for c in sorted(stuck, key=lambda c: (c.key, -c.value, c.seq)):
            self.cancel_timers(c)
            self.enter_step(c, c.step + 1, t)
            self.seek_agent(c, t, out)
        if a.presence == READY:
            self.seek_contacts(a, t, out)
        return out

    def free_agent(self, agent_id: str) -> Agent:
        a = self.agent(agent_id)
        if self.tasks(a):
            raise RoutingStateError(f"{a.id} has work in progress")
        return a

    def set_agent_state(
        self, agent_id: str, presence: Presence | str, *, now: float | None = None
    ) -> list[Offer]:
        t = self.begin(now)
        pres = _presence(presence)
        a = self.presence_allowed(agent_id, pres)
        out: list[Offer] = self.start_call()
        self.fire_and_recheck(t, out, self.presence_allowed, agent_id, pres)
        self.set_presence(a, pres, t, out)
        return out

    def presence_allowed(self, agent_id: str, pres: Presence) -> Agent:
        a = self.agent(agent_id)
        if pres == LOGGED_OUT and any(w.state == "active" for w in self.tasks(a)):
            raise RoutingStateError(f"{agent_id} has contacts in service")
        return a

    def submit(self, spec: ContactSpec, *, now: float | None = None) -> list[Offer]:
        t = self.begin(now)
        if not isinstance(spec, ContactSpec):
            raise InvalidArgument("contact must be a ContactSpec")
        cid = spec.contact_id
        if not isinstance(cid, str) or not cid:
            raise InvalidArgument(f"bad contact id {cid!r}")
        if cid in self.contacts:
            raise DuplicateId(cid)
        ch = _channel(spec.channel)
        if not isinstance(spec.tier, str) or spec.tier not in self.policy.tier_names:
            raise InvalidArgument(f"unknown tier {spec.tier!r}")
        tier = self.policy.tier(spec.tier)
        value = spec.value
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise InvalidArgument(f"bad value {value!r}")
        sev = spec.severity
        if isinstance(sev, bool) or not isinstance(sev, int) or not 1 <= sev <= 4:
            raise InvalidArgument(f"bad severity {sev!r}")
        skills = tuple(sorted(self.skills(spec.skills).items()))
        lang = spec.language
        if lang is not None and (not isinstance(lang, str) or not lang):
            raise InvalidArgument(f"bad language {lang!r}")
        min_sen = self.seniority(spec.min_seniority)
        if spec.concierge is not None and (
            not isinstance(spec.concierge, str) or not spec.concierge
        ):
            raise InvalidArgument(f"bad concierge {spec.concierge!r}")
        arrived = t if spec.arrived_at is None else _time(spec.arrived_at, "arrived_at")
        if arrived > t:
            raise InvalidArgument("arrived_at is in the future")
        if spec.attributes is not None and not isinstance(spec.attributes, Mapping):
            raise InvalidArgument("attributes must be a mapping")
        value = float(value)
        # Same float expression, in the same order, as the router's key.
        target = self.policy.target(tier.name, ch)
        sev_factor = self.policy.severity_factor[Severity(sev)]
        key = arrived + target * sev_factor * (1.0 - tier.value_boost * value)
        out: list[Offer] = self.start_call()
        self.fire(t, out)
        self.seq["contact"] += 1
        c = Contact(
            cid,
            self.seq["contact"],
            ch,
            tier.name,
            self.steps_of(tier),
            value,
            skills,
            lang,
            min_sen,
            spec.concierge,
            key,
        )
        self.contacts[cid] = c
        self.count["submitted"] += 1
        self.enter_step(c, 0, t)
        self.seek_agent(c, t, out)
        return out

    def abandon(self, contact_id: str, *, now: float | None = None) -> list[Offer]:
        t = self.begin(now)
        self.abandonable(contact_id)
        out: list[Offer] = self.start_call()
        self.fire_and_recheck(t, out, self.abandonable, contact_id)
        c = self.contacts.pop(contact_id)
        self.count["abandoned"] += 1
        self.cancel_timers(c)
        self.forget(c)
        w = self.work_of(c)
        if w is not None:
            self.release(w, t)
            self.seek_contacts(w.agent, t, out)
        return out

    def abandonable(self, contact_id: str) -> Contact:
        c = self.contact(contact_id)
        if c.state == "in_service":
            raise RoutingStateError(f"{contact_id} is in service")
        return c

    def transfer(
        self,
        contact_id: str,
        *,
        skills: Mapping[str, int] | Keep = KEEP,
        language: str | Keep | None = KEEP,
        min_seniority: int | str | Keep = KEEP,
        now: float | None = None,
    ) -> list[Offer]:
        t = self.begin(now)
        c = self.contact(contact_id)
        new_skills = c.skills if skills is KEEP else tuple(sorted(self.skills(skills).items()))
        new_lang = c.language if language is KEEP else language
        if new_lang is not None and (not isinstance(new_lang, str) or not new_lang):
            raise InvalidArgument(f"bad language {new_lang!r}")
        new_sen = c.min_sen if min_seniority is KEEP else self.seniority(min_seniority)
        out: list[Offer] = self.start_call()
        self.fire(t, out)
        self.cancel_timers(c)
        w = self.work_of(c)
        if w is not None:
            if w.state == "reserved":
                self.release(w, t)
            else:
                self.end_service(w, t, out, seek=False)
        c.state = "waiting"
        c.skills, c.language, c.min_sen = new_skills, new_lang, new_sen
        if w is not None:
            self.exclude(c, w.agent.id, t, INF)
        self.enter_step(c, 0, t)
        self.seek_agent(c, t, out)
        if w is not None and w.agent.presence == READY:
            self.seek_contacts(w.agent, t, out)
        return out

    def accept(self, offer_id: str, *, now: float | None = None) -> list[Offer]:
        t = self.begin(now)
        w = self.ringing(offer_id, t)
        out: list[Offer] = self.start_call()
        w = self.fire_and_recheck(t, out, self.ringing, offer_id, t) or w
        self.activate(w)
        return out

    def reject(self, offer_id: str, *, now: float | None = None) -> list[Offer]:
        t = self.begin(now)
        w = self.ringing(offer_id, t)
        out: list[Offer] = self.start_call()
        w = self.fire_and_recheck(t, out, self.ringing, offer_id, t) or w
        self.decline(w, t, out, no_answer=self.policy.offer.reject_counts_as_no_answer)
        return out

    def ringing(self, offer_id: str, t: float) -> Work:
        """The live, unexpired offer ``offer_id`` (for accept and reject)."""
        w = self.work(offer_id)
        if w.state != "reserved":
            raise RoutingStateError(f"{offer_id} was already accepted")
        if w.expires_at <= t:
            raise RoutingStateError(f"{offer_id} expired")
        return w

    def complete(self, offer_id: str, *, now: float | None = None) -> list[Offer]:
        t = self.begin(now)
        w = self.work(offer_id)
        if w.state != "active":
            raise RoutingStateError(f"{offer_id} is {w.state}")
        out: list[Offer] = self.start_call()
        self.fire(t, out)
        del self.contacts[w.contact.id]
        self.count["finished"] += 1
        self.forget(w.contact)
        self.end_service(w, t, out, seek=True)
        return out

    def advance(self, now: float | None = None) -> list[Offer]:
        t = self.begin(now)
        out: list[Offer] = self.start_call()
        self.fire(t, out)
        return out

    # ---------------------------------------------------------------- reading

    def work_of(self, c: Contact) -> Work | None:
        """c's live offer or assignment (not a wrap-up it already left)."""
        found = [w for w in self.works.values() if w.contact is c and w.state != "wrap"]
        assert len(found) <= 1
        return found[0] if found else None

    def stats(self) -> dict[str, int]:
        states = [c.state for c in self.contacts.values()]
        return {
            "submitted": self.count["submitted"],
            "waiting": states.count("waiting"),
            "offered": states.count("offered"),
            "in_service": states.count("in_service"),
            "finished": self.count["finished"],
            "abandoned": self.count["abandoned"],
            "agents": len(self.agents),
            "signatures": len(self.signatures),
        }

    def view(self) -> dict[str, Any]:
        """Every agent's and live contact's observable figures (see tests)."""
        agents = {
            a.id: (a.presence.value, self.load(a), a.handled, a.no_answers, a.idle_since)
            for a in self.agents.values()
        }
        contacts = {}
        for c in self.contacts.values():
            w = self.work_of(c)
            contacts[c.id] = (
                c.state,
                c.key,
                c.steps[c.step].name,
                None if w is None else w.id,
                None if w is None else w.agent.id,
            )
        return {"agents": agents, "contacts": contacts}


def _time(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidArgument(f"{name} must be a finite number, got {value!r}")
    if value < 0:
        raise InvalidArgument(f"{name} must be >= 0, got {value!r}")
    return float(value)


def _channel(ch: Any) -> Channel:
    try:
        return Channel(ch)
    except (ValueError, TypeError):
        raise InvalidArgument(f"unknown channel {ch!r}") from None


def _presence(p: Any) -> Presence:
    try:
        return Presence(p)
    except (ValueError, TypeError):
        raise InvalidArgument(f"unknown presence {p!r}") from None
