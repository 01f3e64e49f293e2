"""Differential tests: :class:`tierroute.Router` against the naive oracle.

Both routers get the same calls (random workloads over random and preset policies);
after every call their offers, raised error types, ``stats()`` and the observable
figures of every agent and live contact must be equal.

An error is compared by type and by the offers it carries (those of timers that fired
before the call was found invalid).

The scenario tests at the bottom pin edge cases of the rules, including regressions of
router bugs these workloads found.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.oracle import RANKING, Agent, Oracle
from tierroute import (
    AgentSpec,
    Channel,
    ChannelPolicy,
    ContactSpec,
    OfferPolicy,
    Policy,
    Presence,
    RelaxationStep,
    Router,
    RoutingStateError,
    Strategy,
    TierPolicy,
    TierRouteError,
    UnknownOffer,
    prestige,
)
from tierroute.policy.strategies import STRATEGY_RULES

STRATEGIES = list(Strategy)
CHANNELS = (Channel.VOICE, Channel.CHAT, Channel.EMAIL)
SKILLS = ("billing", "tech", "sales", "claims")
LANGS = ("en", "fr", "de")


# ----------------------------------------------------------------------------- policies


def random_policy(rng: np.random.Generator) -> Policy:
    """A small policy: 1–3 tiers with random strategies, targets and ladders."""
    tiers = []
    for i in range(int(rng.integers(1, 4))):
        n_steps = int(rng.integers(0, 5))
        steps = []
        for j in range(n_steps):
            last = j == n_steps - 1
            steps.append(
                RelaxationStep(
                    name=f"s{j}",
                    wait_s=None if last else float(rng.uniform(3.0, 40.0)),
                    concierge=bool(not last and rng.random() < (0.5 if j == 0 else 0.15)),
                    skills="ignore" if rng.random() < 0.25 else "require",
                    min_proficiency=int(rng.integers(1, 4)) if rng.random() < 0.3 else None,
                    language="ignore" if rng.random() < 0.25 else "require",
                    min_seniority=int(rng.integers(0, 3)) if rng.random() < 0.3 else None,
                    strategy=STRATEGIES[int(rng.integers(5))] if rng.random() < 0.6 else None,
                )
            )
        tiers.append(
            TierPolicy(
                name=f"t{i}",
                targets={
                    Channel.VOICE: float(rng.uniform(5.0, 90.0)),
                    Channel.CHAT: float(rng.uniform(5.0, 90.0)),
                    Channel.EMAIL: float(rng.uniform(30.0, 600.0)),
                },
                value_boost=float(rng.uniform(0.0, 0.9)),
                strategy=STRATEGIES[int(rng.integers(5))],
                relaxation=tuple(steps),
            )
        )

    def wrap() -> float:
        return 0.0 if rng.random() < 0.5 else float(rng.uniform(1.0, 30.0))

    channels = dict(Policy().channels)
    channels[Channel.VOICE] = ChannelPolicy(cost=100, exclusive=True, wrap_up_s=wrap())
    channels[Channel.CHAT] = ChannelPolicy(cost=int(rng.integers(20, 51)), wrap_up_s=wrap())
    channels[Channel.EMAIL] = ChannelPolicy(
        cost=int(rng.integers(10, 35)), exclusive=rng.random() < 0.2, wrap_up_s=wrap()
    )
    return Policy(
        tiers=tuple(tiers),
        channels=channels,
        offer=OfferPolicy(
            timeout_s=float(rng.uniform(2.0, 25.0)),
            auto_accept=bool(rng.random() < 0.4),
            max_no_answers=int(rng.integers(0, 4)),
            reject_counts_as_no_answer=bool(rng.random() < 0.3),
        ),
    )


def prestige_variant(*, auto_accept: bool, wrap: bool) -> Policy:
    base = prestige().model_dump(mode="json")
    base["offer"]["auto_accept"] = auto_accept
    if not wrap:
        for ch in base["channels"].values():
            ch["wrap_up_s"] = 0.0
    return Policy.model_validate(base)


# ----------------------------------------------------------------------------- the pair


def router_view(r: Router) -> dict[str, Any]:
    """The same figures as :meth:`Oracle.view`, read through the public API."""
    snap = r.snapshot()
    agents = {}
    for d in snap["agents"]:
        st_ = r.agent_status(d["id"])
        agents[d["id"]] = (
            st_.presence.value,
            st_.load,
            st_.handled,
            st_.no_answers,
            st_.idle_since,
        )
    contacts = {}
    for d in snap["contacts"]:
        cs = r.contact_status(d["id"])
        contacts[d["id"]] = (cs.state.value, cs.key, cs.step, cs.offer_id, cs.agent_id)
    return {"agents": agents, "contacts": contacts}


def view_diff(got: dict[str, Any], want: dict[str, Any]) -> str:
    return "\n".join(
        f"{key}: router {got[part].get(key)} oracle {want[part].get(key)}"
        for part in ("agents", "contacts")
        for key in sorted(set(got[part]) | set(want[part]))
        if got[part].get(key) != want[part].get(key)
    )


class Pair:
    """A router and an oracle driven in lockstep; every call is compared."""

    def __init__(self, policy: Policy, *, view_every: int = 1) -> None:
        self.router = Router(policy, start=0.0)
        self.oracle = Oracle(policy, start=0.0)
        self.calls: list[str] = []
        self.recovered = 0  # errors raised after due timers fired
        self.errors = 0
        self.offers = 0
        self.view_every = view_every

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """The offers made, or (error type, offers it carries)."""
        try:
            want: Any = getattr(self.oracle, name)(*args, **kwargs)
        except TierRouteError as exc:
            want = (type(exc), list(exc.offers))
        self.calls.append(f"{name}{args}{kwargs}")
        try:
            got: Any = getattr(self.router, name)(*args, **kwargs)
        except TierRouteError as exc:
            got = (type(exc), list(exc.offers))
            self.recovered += bool(exc.offers)
        except Exception as exc:  # a crash: report it with the calls that led to it
            msg = f"router crashed on {self.calls[-1]}: {exc!r}\n{self.trace()}"
            raise AssertionError(msg) from exc
        assert got == want, f"after {self.calls[-1]}:\nrouter {got}\noracle {want}\n" + self.trace()
        if isinstance(want, list):
            self.offers += len(want)
        else:
            self.errors += 1
        stats, want_stats = self.router.stats(), self.oracle.stats()
        # "signatures" counts a cache: the router drops idle signatures and rebuilds them
        del stats["signatures"], want_stats["signatures"]
        assert stats == want_stats, f"stats {stats} != {want_stats}\n{self.trace()}"
        if len(self.calls) % self.view_every == 0:
            view, want_view = router_view(self.router), self.oracle.view()
            assert view == want_view, f"{view_diff(view, want_view)}\n{self.trace()}"
        return got

    def trace(self) -> str:
        return "calls:\n  " + "\n  ".join(self.calls[-40:])


# ----------------------------------------------------------------------------- workloads


class Workload:
    """Random calls over a pair, chosen from the oracle's state (a valid target most of
    the time, a stale or wrong one sometimes)."""

    def __init__(self, pair: Pair, rng: np.random.Generator, n_agents: int) -> None:
        self.p = pair
        self.o = pair.oracle
        self.rng = rng
        self.now = 0.0
        self.skills = SKILLS[: int(rng.integers(2, 5))]
        self.langs = LANGS[: int(rng.integers(2, 4))]
        self.tiers = pair.oracle.policy.tier_names
        self.agent_ids = [f"a{i}" for i in range(n_agents + 2)]
        self.next_contact = 0
        self.past_contacts: list[str] = []
        self.past_offers: list[str] = []

    # -- random pieces

    def pick(self, seq: Any) -> Any:
        seq = list(seq)
        return seq[int(self.rng.integers(len(seq)))] if seq else None

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def agent_spec(self, aid: str) -> AgentSpec:
        rng = self.rng
        skills = {s: int(rng.integers(1, 6)) for s in self.skills if rng.random() < 0.7}
        langs = tuple(x for x in self.langs if rng.random() < 0.6) or (self.langs[0],)
        chans = {
            Channel.VOICE: int(rng.integers(0, 2)),
            Channel.CHAT: int(rng.integers(0, 4)),
            Channel.EMAIL: int(rng.integers(0, 4)),
        }
        if not any(chans.values()):
            chans[Channel.CHAT] = 1
        capacity = 100 if rng.random() < 0.8 else int(rng.integers(60, 100))
        for ch in list(chans):
            if self.o.policy.channels[ch].cost > capacity:
                chans[ch] = 0
        return AgentSpec(
            aid,
            skills=skills,
            languages=langs,
            seniority=int(rng.integers(0, 3)),
            channels=chans,
            capacity=capacity,
        )

    def contact_spec(self, cid: str) -> ContactSpec:
        rng = self.rng
        skills = {s: int(rng.integers(1, 5)) for s in self.skills if rng.random() < 0.3}
        arrived = None
        if rng.random() < 0.2:
            arrived = max(0.0, self.now - float(rng.exponential(10.0)))
        value = float(rng.random()) if rng.random() < 0.8 else float(rng.integers(0, 2))
        return ContactSpec(
            cid,
            self.pick(CHANNELS),
            self.pick(self.tiers),
            value=value,
            severity=int(rng.integers(1, 5)),
            skills=skills,
            language=self.pick(self.langs) if rng.random() < 0.6 else None,
            min_seniority=int(rng.integers(0, 3)) if rng.random() < 0.3 else 0,
            concierge=self.pick(self.agent_ids) if rng.random() < 0.4 else None,
            arrived_at=arrived,
        )

    def tick(self) -> float:
        r = self.rng.random()
        if r < 0.1:
            return self.now  # same instant as the previous call
        due = [x.time for x in self.o.timers if x.time > self.now]
        if r < 0.2 and due:
            self.now = min(due)  # exactly at a deadline
        else:
            self.now += float(self.rng.exponential(3.0))
        return self.now

    # -- one random call

    def step(self) -> None:
        o, now = self.o, self.tick()
        works = list(o.works.values())
        ringing = [w.id for w in works if w.state == "reserved"]
        active = [w.id for w in works if w.state == "active"]
        live = list(o.contacts)
        actions: dict[Callable[..., Any], float] = {
            self.submit: 6.0,
            self.answer: 5.0 if ringing else 0.2,
            self.complete: 4.0 if active else 0.2,
            self.abandon: 1.5,
            self.transfer: 1.0 if live else 0.0,
            self.presence: 2.5,
            self.profile: 1.2,
            self.advance: 1.0,
            self.backwards: 0.2,
        }
        weights = np.array(list(actions.values()))
        action = list(actions)[int(self.rng.choice(len(actions), p=weights / weights.sum()))]
        action(now, ringing, active, live)

    def advance(self, now: float, *_: Any) -> None:
        self.remember(self.p.call("advance", now=now))

    def submit(self, now: float, ringing: Any, active: Any, live: list[str]) -> None:
        gone = [c for c in self.past_contacts if c not in self.o.contacts]
        if self.chance(0.03) and live:
            cid = self.pick(live)  # duplicate id of a live contact
        elif self.chance(0.1) and gone:
            cid = self.pick(gone)  # id reuse once the contact is gone
        else:
            self.next_contact += 1
            cid = f"c{self.next_contact}"
        self.past_contacts.append(cid)
        spec = self.contact_spec(cid)
        if self.chance(0.02):
            spec = ContactSpec(cid, "voice", "no-such-tier")
        elif self.chance(0.02):
            spec = ContactSpec(cid, "chat", self.tiers[0], value=1.5)
        elif self.chance(0.02):
            spec = ContactSpec(cid, "chat", self.tiers[0], arrived_at=now + 5.0)
        self.remember(self.p.call("submit", spec, now=now))

    def answer(self, now: float, ringing: list[str], active: list[str], live: Any) -> None:
        pool = ringing if ringing and self.chance(0.92) else [*active, self.stale_offer()]
        call = "accept" if self.chance(0.6) else "reject"
        self.remember(self.p.call(call, self.pick(pool), now=now))

    def complete(self, now: float, ringing: list[str], active: list[str], live: Any) -> None:
        pool = active if active and self.chance(0.92) else [*ringing, self.stale_offer()]
        self.remember(self.p.call("complete", self.pick(pool), now=now))

    def abandon(self, now: float, ringing: Any, active: Any, live: list[str]) -> None:
        cid = self.pick(live) if live and self.chance(0.95) else "c-gone"
        self.remember(self.p.call("abandon", cid, now=now))

    def transfer(self, now: float, ringing: Any, active: Any, live: list[str]) -> None:
        kwargs: dict[str, Any] = {"now": now}
        if self.chance(0.5):
            kwargs["skills"] = {s: int(self.rng.integers(1, 5)) for s in self.skills[:1]}
        if self.chance(0.4):
            kwargs["language"] = self.pick((*self.langs, None))
        if self.chance(0.3):
            kwargs["min_seniority"] = int(self.rng.integers(0, 3))
        self.remember(self.p.call("transfer", self.pick(live), **kwargs))

    def presence(self, now: float, *_: Any) -> None:
        aid = self.pick(self.agent_ids)
        pres = self.pick((Presence.READY, Presence.READY, Presence.NOT_READY, "logged_out"))
        self.remember(self.p.call("set_agent_state", aid, pres, now=now))

    def profile(self, now: float, *_: Any) -> None:
        aid = self.pick(self.agent_ids)
        if aid not in self.o.agents:
            pres = self.pick(list(Presence))
            self.remember(self.p.call("add_agent", self.agent_spec(aid), presence=pres, now=now))
        elif self.chance(0.6):
            self.remember(self.p.call("update_agent", self.agent_spec(aid), now=now))
        else:
            self.remember(self.p.call("remove_agent", aid, now=now))

    def backwards(self, now: float, *_: Any) -> None:
        """Time going backwards (or negative): both must refuse."""
        self.p.call("advance", now=now - 1.0)
        self.p.call("submit", self.contact_spec("c-back"), now=now - 0.5)

    def stale_offer(self) -> str:
        return self.pick(self.past_offers) or "o999999"

    def remember(self, result: Any) -> None:
        offers = result if isinstance(result, list) else result[1]
        self.past_offers.extend(o.offer_id for o in offers)

    def run(self, n_calls: int) -> None:
        for aid in self.agent_ids[:-2]:
            pres = Presence.READY if self.chance(0.8) else Presence.NOT_READY
            self.remember(self.p.call("add_agent", self.agent_spec(aid), presence=pres, now=0.0))
        for _ in range(n_calls):
            self.step()
        self.p.router._check()


POLICIES: dict[str, Callable[[np.random.Generator], Policy]] = {
    "random": random_policy,
    "prestige": lambda rng: prestige_variant(auto_accept=False, wrap=True),
    "prestige-auto-nowrap": lambda rng: prestige_variant(auto_accept=True, wrap=False),
    "prestige-auto-wrap": lambda rng: prestige_variant(auto_accept=True, wrap=True),
}


def run(seed: int, policy: str, n_calls: int = 300) -> Pair:
    rng = np.random.default_rng(seed)
    pair = Pair(POLICIES[policy](rng))
    Workload(pair, rng, n_agents=int(rng.integers(3, 13))).run(n_calls)
    return pair


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_router_matches_oracle(policy: str, seed: int) -> None:
    pair = run(1000 * seed + 7, policy)
    # the workload really exercised both routers
    assert pair.offers > 20
    assert pair.errors > 0


@settings(max_examples=60 if os.environ.get("CI") else 15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), policy=st.sampled_from(sorted(POLICIES)))
def test_router_matches_oracle_hypothesis(seed: int, policy: str) -> None:
    """The same workloads from Hypothesis-chosen seeds (more seeds under CI)."""
    pair = run(seed, policy, n_calls=150)
    assert pair.offers > 0


# ----------------------------------------------------------------------------- scenarios
# Small fixed call sequences at the edges of the rules, each run through the pair (so
# every call is compared with the oracle) and then checked for its point.


def concierge_policy(
    *, auto_accept: bool = False, max_no_answers: int = 3, decline_cooldown_s: float | None = 60.0
) -> Policy:
    gold = TierPolicy(
        name="gold",
        relaxation=(
            RelaxationStep(name="concierge", wait_s=30.0, concierge=True),
            RelaxationStep(name="exact", wait_s=30.0),
            RelaxationStep(name="open", skills="ignore"),
        ),
    )
    offer = OfferPolicy(
        timeout_s=10.0,
        auto_accept=auto_accept,
        max_no_answers=max_no_answers,
        decline_cooldown_s=decline_cooldown_s,
    )
    return Policy(tiers=(TierPolicy(name="standard"), gold), offer=offer)


def test_offer_withdrawn_by_a_timer_in_the_same_call_is_unknown() -> None:
    # o1 expires at 10: the agent reaches max_no_answers and goes not ready, which
    # withdraws o2 (still ringing until 11); accepting o2 at 10.5 must fail cleanly.
    for call in ("accept", "reject"):
        p = Pair(concierge_policy(max_no_answers=1))
        p.call("add_agent", AgentSpec("a", channels={"chat": 2}), presence="ready", now=0.0)
        [o1] = p.call("submit", ContactSpec("c1", "chat", "standard"), now=0.0)
        [o2] = p.call("submit", ContactSpec("c2", "chat", "standard"), now=1.0)
        assert (o1.offer_id, o2.offer_id) == ("o1", "o2")
        assert p.call(call, "o2", now=10.5) == (UnknownOffer, [])
        assert p.router.agent_status("a").presence == Presence.NOT_READY
        p.router._check()


def test_contact_put_in_service_by_a_timer_cannot_be_abandoned() -> None:
    p = Pair(concierge_policy(auto_accept=True))
    p.call("add_agent", AgentSpec("a", channels={"voice": 1}), presence="ready", now=0.0)
    [o1] = p.call("submit", ContactSpec("c1", "voice", "standard"), now=0.0)
    p.call("submit", ContactSpec("c2", "voice", "standard"), now=1.0)
    p.call("complete", o1.offer_id, now=5.0)  # voice wrap-up until 35
    err, offers = p.call("abandon", "c2", now=40.0)
    assert err is RoutingStateError
    assert [(o.contact_id, o.offered_at, o.accepted) for o in offers] == [("c2", 35.0, True)]
    err, _ = p.call("set_agent_state", "a", "logged_out", now=40.0)
    assert err is RoutingStateError
    p.router._check()


def test_update_refused_when_a_timer_gives_the_agent_work() -> None:
    p = Pair(concierge_policy())
    p.call("add_agent", AgentSpec("a", channels={"voice": 1}), presence="ready", now=0.0)
    # nobody has "billing": the contact (no concierge) waits on "exact" until 30
    assert p.call("submit", ContactSpec("c1", "voice", "gold", skills={"billing": 3}), now=0) == []
    err, offers = p.call("update_agent", AgentSpec("a", channels={"chat": 1}), now=35.0)
    assert err is RoutingStateError
    assert [(o.agent_id, o.step, o.offered_at) for o in offers] == [("a", "open", 30.0)]
    p.router._check()


def test_concierge_logout_relaxes_its_contacts_in_priority_order() -> None:
    p = Pair(concierge_policy())
    p.call(
        "add_agent", AgentSpec("x", channels={"voice": 1, "chat": 1}), presence="not_ready", now=0
    )
    p.call("add_agent", AgentSpec("y", channels={"voice": 1, "chat": 1}), presence="ready", now=0)
    # the chat contact creates its concierge queue first, the voice one is more urgent
    assert p.call("submit", ContactSpec("c-chat", "chat", "gold", concierge="x"), now=1.0) == []
    spec = ContactSpec("c-voice", "voice", "gold", concierge="x", severity=1)
    assert p.call("submit", spec, now=2.0) == []
    [offer] = p.call("set_agent_state", "x", "logged_out", now=3.0)
    assert (offer.contact_id, offer.agent_id, offer.step) == ("c-voice", "y", "exact")


def test_transfer_keeps_exclusions() -> None:
    """Without a cooldown (declines hold for good)."""
    p = Pair(concierge_policy(decline_cooldown_s=None))
    for a in ("a", "b"):
        p.call("add_agent", AgentSpec(a, channels={"chat": 1}), presence="ready", now=0.0)
    [o1] = p.call("submit", ContactSpec("c1", "chat", "standard"), now=0.0)
    [o2] = p.call("reject", o1.offer_id, now=1.0)
    assert o2.agent_id != o1.agent_id
    assert p.call("accept", o2.offer_id, now=2.0) == []
    # transferred away from its second agent: neither agent may get it again, even
    # once both are free (b's chat wrap-up ends at 13)
    assert p.call("transfer", "c1", skills={}, now=3.0) == []
    assert p.call("advance", now=100.0) == []
    assert p.router.contact_status("c1").state.value == "waiting"
    assert p.router.agent_status("b").state.value == "ready"


def test_a_transfer_excludes_for_good_a_decline_until_its_cooldown_gives_way() -> None:
    """With a cooldown: a rejected c1 at 1, b is transferred away from it at 3. b never
    gets c1 again; a, the only other agent, gets it at once (nobody else could take
    it), and after a second reject waits out its cooldown while c is logged in."""
    p = Pair(concierge_policy(decline_cooldown_s=40.0))
    for a in ("a", "b"):
        p.call("add_agent", AgentSpec(a, channels={"chat": 1}), presence="ready", now=0.0)
    [o1] = p.call("submit", ContactSpec("c1", "chat", "standard"), now=0.0)
    [o2] = p.call("reject", o1.offer_id, now=1.0)
    assert (o1.agent_id, o2.agent_id) == ("a", "b")
    assert p.call("accept", o2.offer_id, now=2.0) == []
    [o3] = p.call("transfer", "c1", skills={}, now=3.0)
    assert o3.agent_id == "a"
    assert p.router.explain(o3.offer_id).readmitted == "sole"
    p.call("add_agent", AgentSpec("c", channels={"chat": 1}), presence="not_ready", now=4.0)
    assert p.call("reject", o3.offer_id, now=5.0) == []  # c could take it: a is held off
    assert p.router.next_deadline() == 13.0  # b's wrap-up ends; b stays excluded
    assert p.call("advance", now=44.9) == []
    [o4] = p.call("advance", now=45.0)  # a's cooldown ends: a is free, takes it again
    assert (o4.agent_id, o4.offered_at) == ("a", 45.0)
    assert p.router.explain(o4.offer_id).readmitted == "lapsed"
    assert p.router.explain(o4.offer_id).moment == "exclusion_lapsed"


def test_concierge_dropping_the_channel_relaxes_its_waiting_contacts() -> None:
    """A contact waiting for its named concierge moves on as soon as the concierge can
    no longer serve it: here update_agent drops the contact's channel, so c1 goes to
    the next step at once and y takes it; the later logout has nothing left to move."""
    p = Pair(concierge_policy())
    p.call(
        "add_agent", AgentSpec("x", channels={"voice": 1, "chat": 1}), presence="not_ready", now=0
    )
    p.call("add_agent", AgentSpec("y", channels={"voice": 1}), presence="ready", now=0)
    assert p.call("submit", ContactSpec("c1", "voice", "gold", concierge="x"), now=1.0) == []
    offers = p.call("update_agent", AgentSpec("x", channels={"chat": 1}), now=2.0)
    assert [(o.contact_id, o.agent_id, o.step) for o in offers] == [("c1", "y", "exact")]
    assert p.call("set_agent_state", "x", "logged_out", now=3.0) == []


@pytest.mark.parametrize("policy", sorted(POLICIES))
@pytest.mark.parametrize("seed", range(4))
def test_router_matches_oracle_with_constant_sweeps(
    policy: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dropping idle pools (every few lookups here, instead of every
    few thousand) must not change a single decision."""
    from tierroute.routing._engine import Engine

    monkeypatch.setattr(Engine, "sweep_every", 3)
    pair = run(1000 * seed + 11, policy)
    assert pair.offers > 20
    pair.router._check()


def test_the_oracles_strategy_table_agrees_with_the_routers() -> None:
    """The router ranks agents by tierroute.policy.strategies.STRATEGY_RULES, the
    oracle by its own table: both cover every strategy and rank alike."""
    assert list(RANKING) == list(STRATEGY_RULES) == list(Strategy)
    rng = np.random.default_rng(5)
    for _ in range(200):
        a = Agent("a", int(rng.integers(1, 9)), {}, frozenset(), 0, {}, int(rng.integers(1, 200)))
        a.idle_since = float(rng.integers(0, 5))
        a.last_offer = int(rng.integers(-1, 5))
        a.handled = int(rng.integers(0, 5))
        load = int(rng.integers(0, a.capacity + 1))
        prof = int(rng.integers(0, 6))
        figures = type("F", (), {**vars(a), "load": load})
        for strategy, rule in STRATEGY_RULES.items():
            mine = ((-prof,) if rule.by_proficiency else ()) + rule.key(figures)
            assert mine == RANKING[strategy](a, load, prof), strategy
