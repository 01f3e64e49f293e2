"""Stateful tests of :class:`tierroute.Router`: every call in random order.

A Hypothesis :class:`RuleBasedStateMachine` drives agents (add, update, remove,
presence), contacts (submit — with concierges, reused and duplicate ids, arrivals in
the past —, abandon, transfer), offers (accept, reject, complete, on live and stale
ids), time (random gaps, zero gaps, exact deadlines, going backwards) and snapshots
(``snapshot`` → JSON → ``Router.restore``, after which the run goes on with the
restored router while the original shadows it for a few calls).

After every step ``Router._check()`` must hold and the router agrees with the naive
oracle of ``tests/oracle.py`` run in lockstep (offers, error types and the offers an
error carries, stats). Every failing call must raise a
:class:`~tierroute.errors.TierRouteError` and leave ``snapshot()`` unchanged — or,
when due timers fired before the call was found invalid, exactly as ``advance(now)``
would; the ``fail`` rule makes the documented failures happen on purpose and checks
their exact types.

The bottom of the file holds regression tests of router bugs this suite found.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from tests.oracle import Oracle
from tests.property.test_oracle import prestige_variant
from tests.test_tracker import domain_kinds
from tierroute import (
    AgentSpec,
    Channel,
    ChannelPolicy,
    ContactSpec,
    DuplicateId,
    InvalidArgument,
    OfferPolicy,
    Policy,
    Presence,
    PromiseTracker,
    RelaxationStep,
    Router,
    RoutingStateError,
    Strategy,
    TierPolicy,
    TierRouteError,
    TimeWentBackwards,
    UnknownAgent,
    UnknownContact,
    UnknownOffer,
)

AGENT_IDS = ("a0", "a1", "a2", "a3", "a4", "a5")
CONTACT_IDS = tuple(f"c{i}" for i in range(16))
CHANNELS = (Channel.VOICE, Channel.CHAT, Channel.EMAIL)
SKILLS = ("billing", "tech", "sales")
LANGS = ("en", "fr")


def custom_policy(*, auto_accept: bool, concierge_then_last: bool = False) -> Policy:
    """Three tiers, all five strategies, a ladder with a concierge step."""
    gold_ladder = [
        RelaxationStep(name="concierge", wait_s=8.0, concierge=True),
        RelaxationStep(name="exact", wait_s=10.0, strategy=Strategy.LONGEST_IDLE),
        RelaxationStep(
            name="any",
            skills="ignore",
            language="ignore",
            min_seniority=0,
            strategy=Strategy.LEAST_OCCUPIED,
        ),
    ]
    if concierge_then_last:
        del gold_ladder[1]
    tiers = (
        TierPolicy(name="bronze", strategy=Strategy.FAIR_SHARE, targets={Channel.CHAT: 90.0}),
        TierPolicy(
            name="silver",
            strategy=Strategy.ROUND_ROBIN,
            value_boost=0.3,
            relaxation=(
                RelaxationStep(name="exact", wait_s=10.0),
                RelaxationStep(
                    name="relaxed",
                    wait_s=15.0,
                    min_proficiency=1,
                    language="ignore",
                    strategy=Strategy.LEAST_OCCUPIED,
                ),
                RelaxationStep(name="any", skills="ignore", min_seniority=0),
            ),
        ),
        TierPolicy(
            name="gold",
            strategy=Strategy.MOST_PROFICIENT,
            value_boost=0.6,
            targets={Channel.VOICE: 15.0, Channel.CHAT: 20.0, Channel.EMAIL: 120.0},
            relaxation=tuple(gold_ladder),
        ),
    )
    channels = dict(Policy().channels)
    channels[Channel.VOICE] = ChannelPolicy(
        cost=100, exclusive=True, wrap_up_s=0 if auto_accept else 5
    )
    channels[Channel.CHAT] = ChannelPolicy(cost=34, wrap_up_s=2.0 if auto_accept else 0.0)
    channels[Channel.EMAIL] = ChannelPolicy(cost=25, wrap_up_s=3.0)
    return Policy(
        tiers=tiers,
        channels=channels,
        offer=OfferPolicy(
            timeout_s=10.0,
            auto_accept=auto_accept,
            max_no_answers=0 if auto_accept else 2,
            reject_counts_as_no_answer=not auto_accept,
        ),
    )


POLICIES = [
    ("prestige", lambda: prestige_variant(auto_accept=False, wrap=True)),
    ("prestige-auto", lambda: prestige_variant(auto_accept=True, wrap=False)),
    ("custom-manual", lambda: custom_policy(auto_accept=False)),
    ("custom-auto", lambda: custom_policy(auto_accept=True)),
]
POLICIES.append(
    ("concierge-then-last", lambda: custom_policy(auto_accept=False, concierge_then_last=True))
)

gaps = st.one_of(st.just(0.0), st.floats(0.0, 4.0), st.floats(0.0, 40.0))
picks = st.integers(0, 10_000)
presences = st.sampled_from(["ready", Presence.NOT_READY, Presence.LOGGED_OUT, Presence.READY])
contact_drafts = st.fixed_dictionaries(
    {
        "pick": picks,
        "channel": st.sampled_from(["voice", "chat", "email"]),
        "tier": picks,
        "value": st.floats(0.0, 1.0),
        "severity": st.integers(1, 4),
        "skills": st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=2),
        "language": st.sampled_from([*LANGS, None]),
        "min_seniority": st.sampled_from([0, 0, 1, 2]),
        "concierge": st.sampled_from([*AGENT_IDS, None, None, "nobody"]),
        "back": st.one_of(st.none(), st.floats(0.0, 60.0)),
    }
)
FAILURES = (
    "unknown agent",
    "unknown contact",
    "unknown offer",
    "time backwards",
    "duplicate contact",
    "duplicate agent",
    "answer expired",
    "complete ringing",
    "accept twice",
    "logout in service",
    "abandon in service",
    "remove busy",
    "update busy",
    "invalid value",
    "invalid agent",
)
agent_specs = st.builds(
    AgentSpec,
    agent_id=st.sampled_from(AGENT_IDS),
    skills=st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=3),
    languages=st.sampled_from([("en", "fr"), ("en",), ("fr",)]),
    seniority=st.integers(0, 2),
    channels=st.sampled_from(
        [
            {"voice": 1, "chat": 2, "email": 2},
            {"voice": 1},
            {"chat": 3},
            {"voice": 1, "chat": 1, "email": 0},
            {"chat": 1, "email": 3},
        ]
    ),
    capacity=st.one_of(st.just(100), st.integers(30, 100)),
)


class RouterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.router = Router()
        self.oracle = Oracle(self.router.policy)
        self.shadow: Router | None = None
        self.shadow_calls = 0
        self.submitted = 0  # our own tally of accepted submits
        self.promised = 0  # promises the domain table gives the submitted contacts
        self.offer_ids: list[str] = []

    # ------------------------------------------------------------------ plumbing

    @initialize(
        which=st.sampled_from([name for name, _ in POLICIES]),
        agents=st.lists(agent_specs, min_size=2, max_size=5, unique_by=lambda a: a.agent_id),
        sweeps=st.booleans(),
    )
    def start(self, which: str, agents: list[AgentSpec], sweeps: bool) -> None:
        policy = dict(POLICIES)[which]()
        self.router = Router(policy, start=0.0)
        if sweeps:  # drop idle pools every few lookups: no decision changes
            self.router.sweep_every = self.router._sweep_at = 3
        if policy.promises is not None:  # the prestige variants: track their promises
            PromiseTracker(self.router)
        self.oracle = Oracle(policy, start=0.0)
        for spec in agents:
            if all(self.oracle.policy.channels[ch].cost <= spec.capacity for ch in CHANNELS):
                self.do("add_agent", spec, presence="ready", now=0.0)

    def t(self, gap: float) -> float:
        return self.router.now + gap

    def do(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Make one call on the router, the oracle and the shadow; compare them.

        Returns the offers made, or (error type, offers the error carries)."""
        try:
            want: Any = getattr(self.oracle, name)(*args, **kwargs)
        except TierRouteError as exc:
            want = (type(exc), list(exc.offers))
        before = self.router.snapshot()
        try:
            got: Any = getattr(self.router, name)(*args, **kwargs)
        except TierRouteError as exc:
            got = (type(exc), list(exc.offers))
            self.check_failed_call(before, kwargs.get("now"), got[1])
        assert got == want, f"{name}{args}{kwargs}: router {got}, oracle {want}"
        if self.shadow is not None:
            try:
                shadow_got: Any = getattr(self.shadow, name)(*args, **kwargs)
            except TierRouteError as exc:
                shadow_got = (type(exc), list(exc.offers))
            assert shadow_got == got, f"restored router differs on {name}: {got} vs {shadow_got}"
            self.shadow_calls -= 1
            if self.shadow_calls == 0:
                self.shadow = None
        offers = got if isinstance(got, list) else got[1]
        self.offer_ids.extend(o.offer_id for o in offers)
        if name == "submit" and isinstance(got, list):
            self.submitted += 1
            spec = args[0]
            self.promised += len(domain_kinds(spec.tier, str(spec.channel)))
        return got

    def check_failed_call(self, before: dict[str, Any], now: Any, offers: list[Any]) -> None:
        """A failed call changes nothing, or — when due timers fired before it was
        found invalid — leaves the router as ``advance(now)`` alone would, and the
        error carries their offers."""
        after = self.router.snapshot()
        if after == before:
            assert offers == [], "an error carries offers but nothing changed"
            return
        replay = Router.restore(before)
        assert replay.advance(now=now) == offers, "the error's offers are not advance(now)'s"
        assert replay.snapshot() == after, "a failed call changed more than advance(now)"

    def expect(self, error: type[Exception], name: str, *args: Any, **kwargs: Any) -> None:
        got = self.do(name, *args, **kwargs)
        assert isinstance(got, tuple), f"{name}{args}{kwargs} should raise {error.__name__}"
        assert got[0] is error, f"{name}{args}{kwargs} should raise {error.__name__}, got {got}"

    def works(self, state: str) -> list[Any]:
        return [w for w in self.oracle.works.values() if w.state == state]

    @invariant()
    def consistent(self) -> None:
        self.router._check()
        stats = self.router.stats()
        assert stats["submitted"] == self.submitted
        fates = ("waiting", "offered", "in_service", "finished", "abandoned")
        assert sum(stats[k] for k in fates) == self.submitted
        want = self.oracle.stats()
        # "signatures" counts a cache that a restored router rebuilds lazily
        del stats["signatures"], want["signatures"]
        assert stats == want
        tracker = self.router.tracker
        assert (tracker is None) == (self.router.policy.promises is None)  # restores too
        if tracker is not None:
            # the tracker reconciles with the router: it follows exactly the live
            # contacts, and every promise made is decided once or still open
            assert set(tracker._open) == set(self.router._contacts)
            counts = tracker.counts()
            assert sum(sum(row.values()) for row in counts.values()) == self.promised

    def live_agent(self, pick: int) -> str:
        """A registered agent most of the time, else any id of the pool."""
        known = sorted(self.oracle.agents)
        if known and pick % 8 != 7:
            return known[pick % len(known)]
        return AGENT_IDS[pick % len(AGENT_IDS)]

    def live_contact(self, pick: int) -> str:
        live = list(self.oracle.contacts)
        if live and pick % 8 != 7:
            return live[pick % len(live)]
        return CONTACT_IDS[pick % len(CONTACT_IDS)]

    # ------------------------------------------------------------------ agents

    @rule(spec=agent_specs, pick=picks, presence=presences, gap=gaps)
    def add_agent(self, spec: AgentSpec, pick: int, presence: Presence, gap: float) -> None:
        known = self.oracle.agents
        new = [a for a in AGENT_IDS if a not in known]
        if new and pick % 8 != 7:  # a new agent mostly, else maybe a duplicate id
            spec = replace(spec, agent_id=new[pick % len(new)])
        self.do("add_agent", spec, presence=presence, now=self.t(gap))

    @rule(spec=agent_specs, pick=picks, gap=gaps)
    def update_agent(self, spec: AgentSpec, pick: int, gap: float) -> None:
        spec = replace(spec, agent_id=self.live_agent(pick))
        self.do("update_agent", spec, now=self.t(gap))

    @rule(pick=picks, gap=gaps)
    def remove_agent(self, pick: int, gap: float) -> None:
        known = self.oracle.agents.values()
        out = sorted(a.id for a in known if a.presence == Presence.LOGGED_OUT)
        aid = out[pick % len(out)] if out and pick % 4 != 3 else self.live_agent(pick)
        self.do("remove_agent", aid, now=self.t(gap))

    @rule(pick=picks, presence=presences, gap=gaps)
    def set_state(self, pick: int, presence: Presence | str, gap: float) -> None:
        aid = self.live_agent(pick)
        self.do("set_agent_state", aid, presence, now=self.t(gap))

    def awaited_concierges(self) -> list[str]:
        """Agents that contacts wait for at a concierge step and that may log out."""
        busy = {w.agent.id for w in self.works("active")}
        return sorted(
            {
                c.concierge
                for c in self.oracle.contacts.values()
                if c.state == "waiting" and c.steps[c.step].concierge and c.concierge not in busy
            }
            - {None}
        )

    @precondition(lambda self: self.awaited_concierges())
    @rule(pick=picks, gap=gaps)
    def concierge_logs_out(self, pick: int, gap: float) -> None:
        """The contacts waiting for this concierge move on to their next step."""
        awaited = self.awaited_concierges()
        aid = awaited[pick % len(awaited)]
        self.do("set_agent_state", aid, "logged_out", now=self.t(gap))

    @precondition(lambda self: self.works("reserved"))
    @rule(pick=picks, presence=st.sampled_from(["not_ready", "logged_out"]), gap=gaps)
    def ringing_agent_leaves(self, pick: int, presence: str, gap: float) -> None:
        """The agent's ringing offers go back to their queues."""
        ringing = sorted({w.agent.id for w in self.works("reserved")})
        aid = ringing[pick % len(ringing)]
        self.do("set_agent_state", aid, presence, now=self.t(gap))

    # ------------------------------------------------------------------ contacts

    @rule(drafts=st.lists(contact_drafts, min_size=1, max_size=3), gap=gaps)
    def submit(self, drafts: list[dict[str, Any]], gap: float) -> None:
        for draft in drafts:
            self.submit_one(**draft, gap=gap)
            gap = 0.0

    def submit_one(
        self, pick: int, tier: int, back: float | None, gap: float, **fields: Any
    ) -> None:
        live = self.oracle.contacts
        free = [c for c in CONTACT_IDS if c not in live]
        # a free id (maybe reused) mostly; the id of a live contact sometimes
        cid = (
            free[pick % len(free)]
            if free and pick % 10 != 9
            else CONTACT_IDS[pick % len(CONTACT_IDS)]
        )
        now = self.t(gap)
        names = self.router.policy.tier_names
        spec = ContactSpec(
            cid,
            tier=names[tier % len(names)],
            arrived_at=None if back is None else max(0.0, now - back),
            **fields,
        )
        self.do("submit", spec, now=now)

    @precondition(lambda self: self.oracle.contacts)
    @rule(pick=picks, gap=gaps)
    def abandon(self, pick: int, gap: float) -> None:
        self.do("abandon", self.live_contact(pick), now=self.t(gap))

    @precondition(lambda self: self.oracle.contacts)
    @rule(
        pick=picks,
        skills=st.one_of(
            st.none(), st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=2)
        ),
        language=st.sampled_from(["keep", *LANGS, None]),
        min_seniority=st.sampled_from(["keep", 0, 1, 2]),
        gap=gaps,
    )
    def transfer(
        self,
        pick: int,
        skills: dict[str, int] | None,
        language: str | None,
        min_seniority: int | str,
        gap: float,
    ) -> None:
        kwargs: dict[str, Any] = {"now": self.t(gap)}
        if skills is not None:
            kwargs["skills"] = skills
        if language != "keep":
            kwargs["language"] = language
        if min_seniority != "keep":
            kwargs["min_seniority"] = min_seniority
        self.do("transfer", self.live_contact(pick), **kwargs)

    # ------------------------------------------------------------------ offers

    def offer_id(self, pick: int, state: str) -> str:
        """A live offer in ``state`` mostly, else any offer id seen (maybe stale)."""
        live = [w.id for w in self.works(state)]
        if live and pick % 8 != 7:
            return live[pick % len(live)]
        return self.offer_ids[pick % len(self.offer_ids)] if self.offer_ids else "o1"

    @precondition(lambda self: self.offer_ids)
    @rule(pick=picks, gap=st.one_of(st.just(0.0), st.floats(0.0, 8.0)), accept=st.booleans())
    def answer(self, pick: int, gap: float, accept: bool) -> None:
        oid = self.offer_id(pick, "reserved")
        self.do("accept" if accept else "reject", oid, now=self.t(gap))

    @precondition(lambda self: self.offer_ids)
    @rule(pick=picks, gap=gaps)
    def complete(self, pick: int, gap: float) -> None:
        self.do("complete", self.offer_id(pick, "active"), now=self.t(gap))

    # ------------------------------------------------------------------ time

    @rule(gap=gaps)
    def advance(self, gap: float) -> None:
        self.do("advance", now=self.t(gap))

    @rule()
    def advance_to_deadline(self) -> None:
        deadline = self.router.next_deadline()
        if deadline is not None:
            self.do("advance", now=deadline)

    # ------------------------------------------------------------------ snapshots

    @rule(shadow_calls=st.integers(1, 6))
    def snapshot_roundtrip(self, shadow_calls: int) -> None:
        snap = self.router.snapshot()
        data = json.loads(json.dumps(snap))
        restored = Router.restore(data)
        assert restored.snapshot() == snap
        restored._check()
        assert restored.snapshot() == snap  # _check changes nothing observable
        # carry on with the restored router; the original shadows the next calls
        self.router, self.shadow, self.shadow_calls = restored, self.router, shadow_calls

    # ------------------------------------------------------------------ failures

    @rule(kind=st.sampled_from(FAILURES), pick=picks, late=st.floats(0.0, 5.0))
    def fail(self, kind: str, pick: int, late: float) -> None:
        """A call that must fail with this exact error (and change nothing: see do)."""
        now = self.router.now
        ringing = self.works("reserved")
        active = self.works("active")
        agents = sorted(self.oracle.agents)
        live = list(self.oracle.contacts)
        w = ringing[pick % len(ringing)] if ringing else None
        a = active[pick % len(active)] if active else None
        if kind == "unknown agent":
            call = ("remove_agent", "set_agent_state", "update_agent")[pick % 3]
            args = {"set_agent_state": ("ghost", "ready"), "update_agent": (AgentSpec("ghost"),)}
            self.expect(UnknownAgent, call, *args.get(call, ("ghost",)), now=now)
        elif kind == "unknown contact":
            self.expect(UnknownContact, ("abandon", "transfer")[pick % 2], "ghost", now=now)
        elif kind == "unknown offer":
            call = ("accept", "reject", "complete")[pick % 3]
            self.expect(UnknownOffer, call, "o-ghost", now=now)
        elif kind == "time backwards" and now > 0:
            back = now * (pick % 1000) / 1000
            self.expect(TimeWentBackwards, "advance", now=back)
            self.expect(TimeWentBackwards, "submit", ContactSpec("new", "chat", "x"), now=back)
        elif kind == "duplicate contact" and live:
            spec = ContactSpec(live[pick % len(live)], "chat", "no-such-tier")
            self.expect(DuplicateId, "submit", spec, now=now)
        elif kind == "duplicate agent" and agents:
            spec = AgentSpec(agents[pick % len(agents)], capacity=-1)
            self.expect(DuplicateId, "add_agent", spec, now=now)
        elif kind == "answer expired" and w is not None:
            call = ("accept", "reject")[pick % 2]
            self.expect(RoutingStateError, call, w.id, now=w.expires_at + late)
        elif kind == "complete ringing" and w is not None:
            self.expect(RoutingStateError, "complete", w.id, now=now)
        elif kind == "accept twice" and a is not None:
            self.expect(RoutingStateError, ("accept", "reject")[pick % 2], a.id, now=now)
        elif kind == "logout in service" and a is not None:
            self.expect(RoutingStateError, "set_agent_state", a.agent.id, "logged_out", now=now)
        elif kind == "abandon in service" and a is not None:
            self.expect(RoutingStateError, "abandon", a.contact.id, now=now)
        elif kind == "remove busy" and a is not None:
            self.expect(RoutingStateError, "remove_agent", a.agent.id, now=now)
        elif kind == "update busy" and a is not None:
            self.expect(RoutingStateError, "update_agent", AgentSpec(a.agent.id), now=now)
        elif kind == "invalid value":
            value = (-0.1, 1.5, float("nan"))[pick % 3]
            spec = ContactSpec("bad", "chat", self.router.policy.tier_names[0], value=value)
            self.expect(InvalidArgument, "submit", spec, now=now)
        elif kind == "invalid agent":
            spec = AgentSpec("new", channels={"voice": 1}, capacity=50)  # voice costs 100
            self.expect(InvalidArgument, "add_agent", spec, now=now)


RouterMachine.TestCase.settings = settings(
    max_examples=1500 if os.environ.get("CI") else 150,
    stateful_step_count=50,
)
TestRouterMachine = RouterMachine.TestCase


# ----------------------------------------------------------------------------- bugs found


def concierge_then_last() -> Router:
    """A gold contact waiting for its NOT_READY concierge x; its next step is the last."""
    r = Router(custom_policy(auto_accept=False, concierge_then_last=True))
    r.add_agent(AgentSpec("x", channels={"voice": 1, "chat": 1}), presence="not_ready", now=0)
    assert r.submit(ContactSpec("c1", "voice", "gold", concierge="x"), now=1.0) == []
    assert r.contact_status("c1").step == "concierge"
    assert r.next_deadline() == 9.0  # end of the concierge step
    return r


def test_concierge_logout_to_last_step_leaves_no_relaxation_timer() -> None:
    """Regression: logging out x moves c1 to its last step; the relaxation timer of the
    concierge step must not stay live (it once did: ``_check`` failed with "relaxation
    timer on the last step" and ``next_deadline()`` announced 9.0 with nothing due)."""
    r = concierge_then_last()
    assert r.set_agent_state("x", "logged_out", now=2.0) == []
    assert r.contact_status("c1").step == "any"
    assert r.next_deadline() is None
    r._check()


def test_transfer_to_last_step_leaves_no_relaxation_timer() -> None:
    """Regression: no stale timer either through ``transfer`` of a waiting contact whose
    concierge step is skipped (x no longer serves voice), landing on the last step."""
    r = concierge_then_last()
    assert r.update_agent(AgentSpec("x", channels={"chat": 1}), now=2.0) == []
    assert r.transfer("c1", skills={}, now=3.0) == []
    assert r.contact_status("c1").step == "any"
    assert r.next_deadline() is None
    r._check()


def test_snapshot_of_reused_contact_id_in_wrap_up() -> None:
    """Regression: a finished contact in wrap-up and a live contact with the same id
    (ids are unique among live contacts only) survive a snapshot round trip."""
    policy = Policy(offer=OfferPolicy(auto_accept=True))
    r = Router(policy)
    r.add_agent(AgentSpec("a", channels={"voice": 1, "chat": 2}), presence="ready", now=0)
    [o] = r.submit(ContactSpec("c1", "voice", "standard"), now=0.0)
    r.complete(o.offer_id, now=5.0)  # voice wrap-up (exclusive) until 35
    assert r.submit(ContactSpec("c1", "chat", "standard"), now=6.0) == []
    restored = Router.restore(json.loads(json.dumps(r.snapshot())))
    assert restored.snapshot() == r.snapshot()
    assert restored.agent_status("a") == r.agent_status("a")
    for router in (r, restored):
        assert router.submit(ContactSpec("c2", "chat", "standard"), now=7.0) == []
        assert [o.contact_id for o in router.advance(now=35.0)] == ["c1", "c2"]
        router._check()
