"""Unit tests of tierroute.routing.router: concrete scenarios with hand-computed expectations.

Times are passed explicitly with ``now=`` (or read from a :class:`ManualClock`), so
every offer time, expiry, relaxation and wrap-up end below is exact.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from tierroute import (
    AgentSpec,
    AgentState,
    Channel,
    ChannelPolicy,
    ContactSpec,
    ContactState,
    ManualClock,
    Offer,
    OfferPolicy,
    Policy,
    Presence,
    Router,
    RoutingStateError,
    Strategy,
    TierPolicy,
    TierRouteError,
    UnknownContact,
    UnknownOffer,
    prestige,
)

# ----------------------------------------------------------------------------- helpers


def no_wrap_channels() -> dict[Channel, ChannelPolicy]:
    """The default channel table with every wrap-up set to 0."""
    return {ch: cp.model_copy(update={"wrap_up_s": 0.0}) for ch, cp in Policy().channels.items()}


def policy(
    strategy: Strategy = Strategy.LONGEST_IDLE, *, wrap: bool = True, **offer: Any
) -> Policy:
    """A one-tier ("standard", no ladder) policy with the given strategy."""
    fields: dict[str, Any] = {"tiers": (TierPolicy(name="standard", strategy=strategy),)}
    if not wrap:
        fields["channels"] = no_wrap_channels()
    if offer:
        fields["offer"] = OfferPolicy(**offer)
    return Policy(**fields)


def no_cooldown(p: Policy) -> Policy:
    """``p`` with declines holding for good (``decline_cooldown_s=None``): for tests of
    other rules that a declined contact coming back would blur (the cooldown itself
    is tested in test_decline_cooldown.py)."""
    return p.model_copy(update={"offer": p.offer.model_copy(update={"decline_cooldown_s": None})})


def add(r: Router, aid: str, t: float = 0.0, presence: str = "ready", **spec: Any) -> list[Offer]:
    return r.add_agent(AgentSpec(aid, **spec), presence=presence, now=t)


def sub(
    r: Router, cid: str, t: float, channel: str = "voice", tier: str = "standard", **spec: Any
) -> list[Offer]:
    return r.submit(ContactSpec(cid, channel, tier, **spec), now=t)


def pairs(offers: list[Offer]) -> list[tuple[str, str]]:
    return [(o.contact_id, o.agent_id) for o in offers]


def one(offers: list[Offer]) -> Offer:
    assert len(offers) == 1, offers
    return offers[0]


def serve(r: Router, offers: list[Offer], t: float) -> None:
    """Accept every offer at ``t``."""
    for o in offers:
        r.accept(o.offer_id, now=t)


# ----------------------------------------------------------------------------- submit


def test_submit_with_ready_agent_makes_one_offer_with_policy_timeout() -> None:
    r = Router(policy(timeout_s=7.5), start=0.0)
    assert add(r, "ana", 0.0) == []
    offers = sub(r, "c1", 5.0)
    assert offers == [
        Offer("o1", "c1", "ana", Channel.VOICE, "standard", 5.0, 12.5, "requested", False)
    ]
    cs = r.contact_status("c1")
    assert (cs.state, cs.agent_id, cs.offer_id) == (ContactState.OFFERED, "ana", "o1")
    st = r.agent_status("ana")
    assert st.state == AgentState.RESERVED
    assert st.offers == ("o1",)
    assert st.load == 100
    assert r.next_deadline() == 12.5


def test_submit_reads_the_manual_clock() -> None:
    clock = ManualClock(2.0)
    r = Router(Policy(), clock=clock, start=0.0)
    r.add_agent(AgentSpec("ana"), presence="ready")
    clock.advance(1.5)
    [offer] = r.submit(ContactSpec("c1", "voice", "standard"))
    assert (offer.offered_at, offer.expires_at) == (3.5, 23.5)
    assert r.now == 3.5


def test_no_agent_contact_waits_then_a_ready_agent_takes_it() -> None:
    r = Router(Policy(), start=0.0)
    assert sub(r, "c1", 0.0) == []
    assert r.contact_status("c1").state == ContactState.WAITING
    assert r.waiting_count() == 1
    assert r.next_deadline() is None  # one-step ladder: no relaxation timer
    assert add(r, "ana", 4.0, presence="not_ready") == []
    offer = one(r.set_agent_state("ana", "ready", now=10.0))
    assert (offer.contact_id, offer.agent_id, offer.offered_at, offer.expires_at) == (
        "c1",
        "ana",
        10.0,
        30.0,
    )
    assert r.waiting_count() == 0


def test_adding_a_ready_agent_takes_waiting_work() -> None:
    r = Router(Policy(), start=0.0)
    sub(r, "c1", 0.0)
    assert pairs(add(r, "ana", 3.0)) == [("c1", "ana")]


# ----------------------------------------------------------------------------- priority key


@pytest.mark.parametrize(
    ("tier", "channel", "severity", "value", "t", "arrived_at", "key"),
    [
        # key = arrived + target * severity_factor * (1 - value_boost * value)
        ("elite", "voice", 3, 0.5, 0.0, None, 0 + 20 * 1.0 * (1 - 0.3 * 0.5)),  # 17
        ("premium", "chat", 1, 1.0, 10.0, None, 10 + 15 * 0.25 * (1 - 0.2)),  # 13
        ("standard", "email", 4, 0.2, 0.0, None, 86400 * 1.5 * (1 - 0.1 * 0.2)),  # 127008
        ("standard", "voice", 2, 0.0, 100.0, None, 100 + 60 * 0.5),  # 130
        ("elite", "email", 2, 1.0, 0.0, None, 3600 * 0.5 * (1 - 0.3)),  # 1260
        ("premium", "video", 3, 0.25, 0.0, None, 20 * (1 - 0.2 * 0.25)),  # 19
        ("elite", "voice", 3, 0.0, 50.0, 40.0, 40 + 20.0),  # arrival, not submit time
    ],
)
def test_priority_key_formula(
    tier: str,
    channel: str,
    severity: int,
    value: float,
    t: float,
    arrived_at: float | None,
    key: float,
) -> None:
    r = Router(prestige(), start=0.0)
    sub(r, "c", t, channel, tier, severity=severity, value=value, arrived_at=arrived_at)
    status = r.contact_status("c")
    assert status.key == pytest.approx(key, rel=1e-12)
    assert status.arrived_at == (t if arrived_at is None else arrived_at)
    off = prestige().key_offset(tier, channel, severity, value)
    assert status.key == pytest.approx(status.arrived_at + off, rel=1e-12)


def test_priority_key_literal_values() -> None:
    """The same formula, against literal numbers computed by hand."""
    r = Router(prestige(), start=0.0)
    sub(r, "a", 0.0, "voice", "elite", value=0.5)
    sub(r, "b", 10.0, "chat", "premium", severity=1, value=1.0)
    sub(r, "c", 10.0, "email", "standard", severity=4, value=0.2)
    assert r.contact_status("a").key == pytest.approx(17.0)
    assert r.contact_status("b").key == pytest.approx(13.0)
    assert r.contact_status("c").key == pytest.approx(127018.0)


def test_agent_takes_smallest_key_among_contacts_it_can_serve() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "ana", 0.0, presence="not_ready", skills={"billing": 3}, languages=("en",))
    sub(r, "C", 0.0, severity=1, skills={"tech": 1})  # key 15, ana lacks tech
    sub(r, "A", 1.0)  # key 61
    sub(r, "B", 2.0, severity=1, skills={"billing": 2})  # key 17
    sub(r, "D", 3.0, "chat", severity=1)  # key 18, ana has no chat
    offer = one(r.set_agent_state("ana", "ready", now=5.0))
    assert offer.contact_id == "B"
    r.accept(offer.offer_id, now=6.0)
    assert r.complete(offer.offer_id, now=10.0) == []  # voice wrap-up 30 s
    assert r.advance(39.9) == []
    assert pairs(r.advance(40.0)) == [("A", "ana")]
    assert {r.contact_status(c).state for c in ("C", "D")} == {ContactState.WAITING}


def test_key_ties_break_by_higher_value_then_submit_order() -> None:
    """value_boost 0 on the default tier: equal arrival gives equal keys (60)."""
    r = Router(policy(wrap=False), start=0.0)
    add(r, "ana", 0.0, presence="not_ready", skills={"billing": 3}, languages=("en",))
    sub(r, "z", 1.0, value=0.5, arrived_at=0.0, skills={"billing": 1})
    sub(r, "y", 2.0, value=0.9, arrived_at=0.0)
    sub(r, "x", 3.0, value=0.5, arrived_at=0.0, language="en")
    sub(r, "w", 4.0, value=0.1, arrived_at=0.0)
    assert {r.contact_status(c).key for c in "wxyz"} == {60.0}
    order = []
    offers = r.set_agent_state("ana", "ready", now=5.0)
    t = 5.0
    while offers:
        offer = one(offers)
        order.append(offer.contact_id)
        t += 1.0
        r.accept(offer.offer_id, now=t)
        offers = r.complete(offer.offer_id, now=t)
    assert order == ["y", "z", "x", "w"]


# ----------------------------------------------------------------------------- eligibility


@pytest.mark.parametrize(
    ("contact", "agent", "eligible"),
    [
        ({"skills": {"billing": 3}}, {"skills": {"billing": 3}}, True),
        ({"skills": {"billing": 3}}, {"skills": {"billing": 2}}, False),
        ({"skills": {"billing": 3}}, {"skills": {}}, False),
        ({"skills": {"billing": 1}}, {"skills": {"billing": 5, "tech": 1}}, True),
        ({"skills": {"billing": 2, "tech": 2}}, {"skills": {"billing": 5, "tech": 1}}, False),
        ({"skills": {"billing": 2, "tech": 2}}, {"skills": {"billing": 2, "tech": 4}}, True),
        ({"language": "fr"}, {"languages": ("en",)}, False),
        ({"language": "fr"}, {"languages": ("en", "fr")}, True),
        ({"language": None}, {"languages": ()}, True),
        ({"min_seniority": "senior"}, {"seniority": "junior"}, False),
        ({"min_seniority": "senior"}, {"seniority": "senior"}, True),
        ({"min_seniority": "senior"}, {"seniority": "expert"}, True),
        ({"min_seniority": 2}, {"seniority": 1}, False),
        ({"min_seniority": 2}, {"seniority": "expert"}, True),
        ({"channel": "chat"}, {"channels": {"voice": 1}}, False),
        ({"channel": "chat"}, {"channels": {"voice": 1, "chat": 0}}, False),
        ({"channel": "chat"}, {"channels": {"voice": 1, "chat": 1}}, True),
    ],
)
def test_eligibility(contact: dict[str, Any], agent: dict[str, Any], eligible: bool) -> None:
    r = Router(Policy(), start=0.0)
    add(r, "ana", 0.0, **agent)
    contact = dict(contact)
    channel = contact.pop("channel", "voice")
    offers = sub(r, "c1", 1.0, channel, **contact)
    assert pairs(offers) == ([("c1", "ana")] if eligible else [])
    if not eligible:
        # nor later, when the agent gains capacity again
        r.set_agent_state("ana", "not_ready", now=2.0)
        assert r.set_agent_state("ana", "ready", now=3.0) == []


# ----------------------------------------------------------------------------- capacity


@pytest.mark.parametrize("capacity", [100, 200])
def test_voice_is_exclusive_an_agent_on_a_call_gets_no_chat(capacity: int) -> None:
    """With capacity 200 a chat would fit (100 + 33): only exclusivity forbids it."""
    r = Router(Policy(), start=0.0)
    add(r, "ana", 0.0, channels={"voice": 1, "chat": 3}, capacity=capacity)
    serve(r, sub(r, "v1", 1.0), 2.0)
    assert sub(r, "c1", 3.0, "chat") == []
    assert r.agent_status("ana").active == {"voice": 1}


@pytest.mark.parametrize("capacity", [100, 200])
def test_an_agent_with_a_chat_gets_no_voice_until_free(capacity: int) -> None:
    r = Router(Policy(), start=0.0)
    add(r, "ana", 0.0, channels={"voice": 1, "chat": 3}, capacity=capacity)
    [offer] = sub(r, "c1", 1.0, "chat")
    r.accept(offer.offer_id, now=2.0)
    assert sub(r, "v1", 3.0) == []
    assert r.complete(offer.offer_id, now=5.0) == []  # chat wrap-up 10 s
    assert r.advance(14.9) == []
    [voice] = r.advance(15.0)
    assert (voice.contact_id, voice.offered_at) == ("v1", 15.0)


def test_chat_up_to_max_concurrent() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "ana", 0.0, channels={"chat": 2})
    assert pairs(sub(r, "c1", 1.0, "chat")) == [("c1", "ana")]
    assert pairs(sub(r, "c2", 2.0, "chat")) == [("c2", "ana")]  # while c1 still rings
    assert sub(r, "c3", 3.0, "chat") == []
    assert r.agent_status("ana").active == {"chat": 2}
    r.accept("o1", now=4.0)
    r.complete("o1", now=5.0)
    assert r.advance(14.0) == []
    assert pairs(r.advance(15.0)) == [("c3", "ana")]


@pytest.mark.parametrize(
    ("capacity", "channels", "contacts", "served"),
    [
        # chat costs 33: three fit in 100 (99), the fourth would need 132
        (100, {"chat": 5}, ["chat"] * 4, 3),
        (120, {"chat": 5}, ["chat"] * 4, 3),
        (132, {"chat": 5}, ["chat"] * 5, 4),
        # email costs 25: 33 + 33 + 25 = 91, another email needs 116
        (100, {"chat": 3, "email": 4}, ["chat", "chat", "email", "email"], 3),
        (100, {"email": 4}, ["email"] * 5, 4),
        (100, {"email": 3}, ["email"] * 5, 3),  # max concurrent binds first
    ],
)
def test_capacity_units(
    capacity: int, channels: dict[str, int], contacts: list[str], served: int
) -> None:
    r = Router(Policy(), start=0.0)
    add(r, "ana", 0.0, channels=channels, capacity=capacity)
    made = []
    for i, ch in enumerate(contacts):
        made += sub(r, f"c{i}", float(i + 1), ch)
    assert [o.contact_id for o in made] == [f"c{i}" for i in range(served)]
    cost = {"chat": 33, "email": 25}
    assert r.agent_status("ana").load == sum(cost[ch] for ch in contacts[:served])
    assert r.stats()["waiting"] == len(contacts) - served


# ----------------------------------------------------------------------------- strategies


def test_strategy_longest_idle() -> None:
    r = Router(policy(Strategy.LONGEST_IDLE), start=0.0)
    for aid in ("a1", "a2", "a3"):
        add(r, aid, 0.0, presence="not_ready")
    r.set_agent_state("a2", "ready", now=5.0)
    r.set_agent_state("a3", "ready", now=7.0)
    r.set_agent_state("a1", "ready", now=10.0)
    got = [one(sub(r, f"c{i}", 20.0 + i)).agent_id for i in range(3)]
    assert got == ["a2", "a3", "a1"]


def test_strategy_longest_idle_ties_by_registration_order() -> None:
    r = Router(policy(Strategy.LONGEST_IDLE), start=0.0)
    add(r, "b", 1.0)
    add(r, "a", 1.0)
    assert one(sub(r, "c1", 2.0)).agent_id == "b"


def test_strategy_longest_idle_counts_from_the_last_release() -> None:
    r = Router(policy(Strategy.LONGEST_IDLE, wrap=False), start=0.0)
    add(r, "a1", 0.0)
    add(r, "a2", 1.0)
    [o] = sub(r, "c1", 2.0)
    assert o.agent_id == "a1"
    r.accept(o.offer_id, now=3.0)
    r.complete(o.offer_id, now=4.0)  # a1 idle since 4, a2 since 1
    assert one(sub(r, "c2", 5.0)).agent_id == "a2"


def test_strategy_most_proficient_then_longest_idle() -> None:
    r = Router(policy(Strategy.MOST_PROFICIENT), start=0.0)
    add(r, "a1", 0.0, skills={"billing": 3})
    add(r, "a2", 0.0, presence="not_ready", skills={"billing": 5})
    add(r, "a3", 0.0, presence="not_ready", skills={"billing": 5})
    r.set_agent_state("a3", "ready", now=2.0)
    r.set_agent_state("a2", "ready", now=5.0)
    got = [one(sub(r, f"c{i}", 10.0 + i, skills={"billing": 1})).agent_id for i in range(3)]
    assert got == ["a3", "a2", "a1"]


def test_strategy_most_proficient_uses_the_lowest_required_skill() -> None:
    r = Router(policy(Strategy.MOST_PROFICIENT), start=0.0)
    add(r, "b1", 0.0, skills={"billing": 5, "tech": 2})
    add(r, "b2", 1.0, skills={"billing": 3, "tech": 3})
    offer = one(sub(r, "c1", 2.0, skills={"billing": 1, "tech": 1}))
    assert offer.agent_id == "b2"  # min(3, 3) = 3 > min(5, 2) = 2
    # with only billing required, b1 (5) beats b2 (3)
    r2 = Router(policy(Strategy.MOST_PROFICIENT), start=0.0)
    add(r2, "b1", 0.0, skills={"billing": 5, "tech": 2})
    add(r2, "b2", 1.0, skills={"billing": 3, "tech": 3})
    assert one(sub(r2, "c1", 2.0, skills={"billing": 1})).agent_id == "b1"


def test_strategy_least_occupied_uses_share_of_capacity() -> None:
    r = Router(policy(Strategy.LEAST_OCCUPIED), start=0.0)
    add(r, "a1", 0.0, channels={"chat": 3}, capacity=300)
    serve(r, sub(r, "c1", 1.0, "chat"), 1.0)
    serve(r, sub(r, "c2", 2.0, "chat"), 2.0)
    r.set_agent_state("a1", "not_ready", now=3.0)  # contacts continue
    add(r, "a2", 4.0, channels={"chat": 3}, capacity=100)
    [o3] = sub(r, "c3", 5.0, "chat")
    assert o3.agent_id == "a2"
    r.accept(o3.offer_id, now=5.0)
    r.set_agent_state("a1", "ready", now=6.0)
    # a1: 66/300 = 0.22 with two chats; a2: 33/100 = 0.33 with one, idle longer
    assert r.agent_status("a1").load == 66
    assert r.agent_status("a1").idle_since > r.agent_status("a2").idle_since
    assert one(sub(r, "c4", 7.0, "chat")).agent_id == "a1"


def test_strategy_least_occupied_ties_by_longest_idle() -> None:
    r = Router(policy(Strategy.LEAST_OCCUPIED), start=0.0)
    add(r, "a1", 0.0, presence="not_ready", channels={"chat": 3})
    add(r, "a2", 0.0, presence="not_ready", channels={"chat": 3})
    r.set_agent_state("a2", "ready", now=1.0)
    r.set_agent_state("a1", "ready", now=3.0)
    assert one(sub(r, "c1", 4.0, "chat")).agent_id == "a2"


def test_strategy_round_robin_is_least_recently_offered() -> None:
    r = Router(policy(Strategy.ROUND_ROBIN), start=0.0)
    for aid in ("a1", "a2", "a3"):
        add(r, aid, 0.0, presence="logged_out", channels={"chat": 3})
    # ready in reverse order: longest idle would pick a3 first
    for i, aid in enumerate(("a3", "a2", "a1")):
        r.set_agent_state(aid, "ready", now=1.0 + i)
    got = [one(sub(r, f"c{i}", 10.0 + i, "chat")).agent_id for i in range(4)]
    assert got == ["a1", "a2", "a3", "a1"]
    # a newly registered agent was never offered anything: it comes first
    add(r, "a4", 14.0, channels={"chat": 3})
    assert one(sub(r, "c4", 15.0, "chat")).agent_id == "a4"
    assert one(sub(r, "c5", 16.0, "chat")).agent_id == "a2"


def test_strategy_fair_share_is_least_handled_work() -> None:
    r = Router(policy(Strategy.FAIR_SHARE, wrap=False), start=0.0)
    add(r, "a1", 0.0, channels={"chat": 3, "email": 3})

    def handle(cid: str, t: float, channel: str) -> str:
        offer = one(sub(r, cid, t, channel))
        r.accept(offer.offer_id, now=t)
        r.complete(offer.offer_id, now=t)
        return offer.agent_id

    assert handle("c1", 1.0, "chat") == "a1"
    assert handle("c2", 2.0, "chat") == "a1"  # a1 handled 66
    add(r, "a2", 3.0, channels={"chat": 3, "email": 3})  # idle since 3 > a1's 2
    assert handle("c3", 4.0, "email") == "a2"  # 0 < 66
    assert handle("c4", 5.0, "chat") == "a2"  # 25 < 66
    assert handle("c5", 6.0, "chat") == "a2"  # 58 < 66
    assert r.agent_status("a2").handled == 91
    assert handle("c6", 7.0, "chat") == "a1"  # 66 < 91
    assert r.agent_status("a1").handled == 99
    assert handle("c7", 8.0, "chat") == "a2"  # 91 < 99


def test_strategy_fair_share_counts_only_accepted_work() -> None:
    r = Router(policy(Strategy.FAIR_SHARE, wrap=False), start=0.0)
    add(r, "a1", 0.0, channels={"chat": 3})
    add(r, "a2", 1.0, channels={"chat": 3})
    [o1] = sub(r, "c1", 2.0, "chat")
    assert o1.agent_id == "a1"
    assert pairs(r.reject(o1.offer_id, now=3.0)) == [("c1", "a2")]
    assert r.agent_status("a1").handled == 0
    # a2 accepts: handled 33, a1 still 0 although it was offered c1
    r.accept("o2", now=4.0)
    assert r.agent_status("a2").handled == 33
    assert one(sub(r, "c2", 5.0, "chat")).agent_id == "a1"


# ----------------------------------------------------------------------------- relaxation


def elite_router(concierge_presence: str | None = "not_ready", **agents: dict[str, Any]) -> Router:
    """Prestige router with a concierge ``conc`` (unless None) and extra agents."""
    r = Router(prestige(), start=0.0)
    if concierge_presence is not None:
        add(r, "conc", 0.0, presence=concierge_presence, languages=("en",))
    for aid, spec in agents.items():
        add(r, aid, 0.0, **spec)
    return r


ELITE = {
    "skills": {"billing": 3},
    "language": "en",
    "concierge": "conc",
}


def test_elite_ladder_timing_without_agents() -> None:
    r = elite_router()
    assert sub(r, "e", 0.0, tier="elite", **ELITE) == []
    key = r.contact_status("e").key
    assert key == pytest.approx(20.0)
    expected = [
        (0.0, "concierge", 30.0),
        (29.999, "concierge", 30.0),
        (30.0, "senior", 90.0),
        (89.999, "senior", 90.0),
        (90.0, "skilled", 210.0),
        (209.999, "skilled", 210.0),
        (210.0, "language", None),
        (10_000.0, "language", None),
    ]
    for t, step, deadline in expected:
        assert r.advance(t) == []
        status = r.contact_status("e")
        assert (status.step, status.state, status.key) == (step, ContactState.WAITING, key), t
        assert r.next_deadline() == deadline, t


@pytest.mark.parametrize(
    ("agent", "t", "step"),
    [
        ({"aid": "conc", "languages": ("en",)}, 0.0, "concierge"),
        # senior, proficiency >= 4 in the contact's skill, speaks en
        ({"seniority": "senior", "skills": {"billing": 4}, "languages": ("en",)}, 30.0, "senior"),
        ({"seniority": "expert", "skills": {"billing": 5}, "languages": ("en",)}, 30.0, "senior"),
        # senior but proficiency 3: only fits the contact's own skill (3) at 90 s
        ({"seniority": "senior", "skills": {"billing": 3}, "languages": ("en",)}, 90.0, "skilled"),
        # junior with proficiency 5: not senior -> skilled step
        ({"seniority": "junior", "skills": {"billing": 5}, "languages": ("en",)}, 90.0, "skilled"),
        # language only
        (
            {"seniority": "junior", "skills": {"billing": 1}, "languages": ("en",)},
            210.0,
            "language",
        ),
        ({"seniority": "expert", "skills": {}, "languages": ("en",)}, 210.0, "language"),
    ],
)
def test_elite_ladder_matches_at_once_when_a_step_makes_an_agent_fit(
    agent: dict[str, Any], t: float, step: str
) -> None:
    agent = dict(agent)
    aid = agent.pop("aid", "x")
    r = elite_router(concierge_presence="ready") if aid == "conc" else elite_router(x=agent)
    offers = sub(r, "e", 0.0, tier="elite", **ELITE)
    if t > 0:
        assert offers == []
        assert r.advance(t - 0.001) == []
        offers = r.advance(t + 5.0)
    offer = one(offers)
    assert (offer.agent_id, offer.offered_at, offer.step) == (aid, t, step)
    assert r.contact_status("e").key == pytest.approx(20.0)


def test_agent_that_never_speaks_the_language_never_gets_the_contact() -> None:
    r = elite_router(x={"seniority": "expert", "skills": {"billing": 5}, "languages": ("fr",)})
    sub(r, "e", 0.0, tier="elite", **ELITE)
    assert r.advance(100_000.0) == []


@pytest.mark.parametrize("concierge", ["logged_out", "unknown"])
def test_concierge_step_skipped_when_concierge_logged_out_or_unknown(concierge: str) -> None:
    r = elite_router(concierge_presence="logged_out" if concierge == "logged_out" else None)
    sub(r, "e", 0.0, tier="elite", **ELITE)
    assert r.contact_status("e").step == "senior"
    assert r.next_deadline() == 60.0
    r.advance(60.0)
    assert r.contact_status("e").step == "skilled"
    assert r.next_deadline() == 180.0


def test_concierge_step_skipped_when_contact_names_no_concierge() -> None:
    r = elite_router()
    sub(r, "e", 0.0, tier="elite", skills={"billing": 3}, language="en")
    assert r.contact_status("e").step == "senior"


def test_busy_concierge_holds_the_contact_for_30_seconds() -> None:
    r = elite_router(concierge_presence="ready")
    serve(r, sub(r, "s", 0.0, tier="standard"), 0.0)  # conc takes a Standard call
    assert r.agent_status("conc").state == AgentState.BUSY
    sub(r, "e", 1.0, tier="elite", **ELITE)
    assert r.contact_status("e").step == "concierge"
    assert r.next_deadline() == 31.0
    r.advance(31.0)
    assert r.contact_status("e").step == "senior"


def test_concierge_logging_out_moves_its_contacts_on() -> None:
    r = elite_router(concierge_presence="not_ready")
    sub(r, "e", 0.0, tier="elite", **ELITE)
    assert r.contact_status("e").step == "concierge"
    r.set_agent_state("conc", "logged_out", now=10.0)
    assert r.contact_status("e").step == "senior"
    assert r.next_deadline() == 70.0


def test_concierge_who_rejects_sends_the_contact_on() -> None:
    r = elite_router(concierge_presence="ready")
    [offer] = sub(r, "e", 0.0, tier="elite", **ELITE)
    assert offer.step == "concierge"
    assert r.reject(offer.offer_id, now=5.0) == []
    assert r.contact_status("e").step == "senior"
    assert r.next_deadline() == 65.0


def test_offer_falling_through_after_the_step_ended_moves_the_contact_on() -> None:
    """Offered at 50 on step 'requested' (ends at 60): no relaxation while it rings;
    when it expires at 70 the contact goes straight to 'skilled' (until 190)."""
    r = Router(no_cooldown(prestige()), start=0.0)
    sub(r, "c1", 0.0, skills={"billing": 2}, language="en")
    r.advance(50.0)
    assert pairs(add(r, "a", 50.0, skills={"billing": 2}, languages=("en",))) == [("c1", "a")]
    assert r.contact_status("c1").state == ContactState.OFFERED
    assert r.contact_status("c1").step == "requested"
    assert r.next_deadline() == 70.0  # the expiry, not the relaxation at 60
    r.advance(70.0)
    status = r.contact_status("c1")
    assert (status.state, status.step) == (ContactState.WAITING, "skilled")
    assert r.next_deadline() == 190.0


def test_offer_falling_through_before_the_step_ended_keeps_the_step() -> None:
    r = Router(prestige(), start=0.0)
    add(r, "a", 0.0, skills={"billing": 2}, languages=("en",))
    [offer] = sub(r, "c1", 10.0, skills={"billing": 2}, language="en")
    r.reject(offer.offer_id, now=15.0)
    assert r.contact_status("c1").step == "requested"
    assert r.next_deadline() == 70.0  # the step's original end


def test_contact_keeps_its_place_in_line_across_steps() -> None:
    """E (key 20) relaxes to 'language'; S arrives later with key 21. An agent fitting
    both takes E: its key is not recomputed at each step."""
    r = elite_router()
    add(r, "lang", 0.0, presence="not_ready", languages=("en",))
    sub(r, "e", 0.0, tier="elite", **ELITE)
    sub(r, "s", 6.0, tier="standard", severity=1, language="en")  # 6 + 60 * 0.25 = 21
    r.advance(220.0)
    assert r.contact_status("e").step == "language"
    assert r.contact_status("e").key == pytest.approx(20.0)
    assert r.contact_status("s").key == pytest.approx(21.0)
    assert pairs(r.set_agent_state("lang", "ready", now=230.0)) == [("e", "lang")]


# ----------------------------------------------------------------------------- offers


def test_accept_makes_the_agent_busy() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "ana", 0.0)
    [offer] = sub(r, "c1", 1.0)
    assert r.accept(offer.offer_id, now=2.0) == []
    assert r.agent_status("ana").state == AgentState.BUSY
    assert r.contact_status("c1").state == ContactState.IN_SERVICE
    assert r.agent_status("ana").handled == 100
    assert r.next_deadline() is None  # the expiry timer is gone


def test_reject_returns_contact_with_same_key_and_never_reoffers_to_that_agent() -> None:
    """Without a cooldown a decline holds for good."""
    r = Router(no_cooldown(prestige()), start=0.0)
    add(r, "ana", 0.0, languages=("en",))
    [offer] = sub(r, "c1", 0.0, language="en")
    key = r.contact_status("c1").key
    assert r.reject(offer.offer_id, now=5.0) == []
    status = r.contact_status("c1")
    assert (status.state, status.key, status.step) == (ContactState.WAITING, key, "requested")
    assert r.agent_status("ana").state == AgentState.READY
    assert r.agent_status("ana").no_answers == 0  # a reject is not a no-answer
    # through every relaxation step, ana stays free and is never offered c1
    assert r.advance(10_000.0) == []
    assert r.contact_status("c1").step == "language"
    # but ana still takes other work
    assert pairs(sub(r, "c2", 10_001.0, language="en")) == [("c2", "ana")]
    # and another agent takes c1
    assert pairs(add(r, "bob", 10_002.0, languages=("en",))) == [("c1", "bob")]


def test_reject_hands_the_contact_to_the_next_agent() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "a1", 0.0)
    add(r, "a2", 1.0)
    [offer] = sub(r, "c1", 2.0)
    assert offer.agent_id == "a1"
    [again] = r.reject(offer.offer_id, now=3.0)
    assert (again.contact_id, again.agent_id, again.offered_at) == ("c1", "a2", 3.0)
    assert r.contact_status("c1").key == 62.0


def test_expiry_returns_contact_and_counts_a_no_answer() -> None:
    r = Router(no_cooldown(Policy()), start=0.0)
    add(r, "a1", 0.0)
    [offer] = sub(r, "c1", 1.0)
    assert offer.expires_at == 21.0
    assert r.advance(20.999) == []
    assert r.advance(21.0) == []
    status = r.contact_status("c1")
    assert (status.state, status.key) == (ContactState.WAITING, 61.0)
    assert r.agent_status("a1").no_answers == 1
    assert r.agent_status("a1").presence == Presence.READY
    # a1 is not offered c1 again; a2 is, the moment it is ready
    assert r.advance(500.0) == []
    assert pairs(add(r, "a2", 501.0)) == [("c1", "a2")]


def test_expiry_reoffers_to_another_agent_at_the_expiry_time() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "a1", 0.0)
    add(r, "a2", 0.5)
    sub(r, "c1", 1.0)
    [again] = r.advance(30.0)
    assert (again.agent_id, again.offered_at, again.expires_at) == ("a2", 21.0, 41.0)


def test_offer_made_and_withdrawn_within_one_call_is_not_returned() -> None:
    """advance(100) fires the expiry at 21 (re-offer to a2) and a2's expiry at 41:
    the re-offer is already dead when the call returns, so it is not returned."""
    r = Router(no_cooldown(Policy()), start=0.0)
    add(r, "a1", 0.0)
    add(r, "a2", 0.5)
    sub(r, "c1", 1.0)
    assert r.advance(100.0) == []
    assert r.contact_status("c1").state == ContactState.WAITING
    r._check()


def test_expired_offer_cannot_be_accepted() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "a1", 0.0)
    [offer] = sub(r, "c1", 0.0)
    with pytest.raises(RoutingStateError, match="expired"):
        r.accept(offer.offer_id, now=20.0)


def test_max_no_answers_consecutive_expiries_set_agent_not_ready() -> None:
    r = Router(no_cooldown(Policy()), start=0.0)  # max_no_answers = 3
    add(r, "a1", 0.0)
    for i in range(3):
        t = 20.0 * i
        [offer] = sub(r, f"c{i}", t)
        assert offer.agent_id == "a1"
        assert r.agent_status("a1").presence == Presence.READY
        r.advance(t + 20.0)
        assert r.agent_status("a1").no_answers == i + 1
    assert r.agent_status("a1").presence == Presence.NOT_READY
    assert r.agent_status("a1").state == AgentState.NOT_READY
    assert r.stats()["waiting"] == 3


def test_ready_again_resets_the_no_answer_count() -> None:
    r = Router(Policy(), start=0.0)  # max_no_answers = 3
    add(r, "a1", 0.0)
    for i in range(3):
        sub(r, f"c{i}", 20.0 * i)
        r.advance(20.0 * i + 20.0)
    assert r.agent_status("a1").presence == Presence.NOT_READY
    r.set_agent_state("a1", "ready", now=70.0)
    assert r.agent_status("a1").no_answers == 0
    sub(r, "d", 71.0)
    r.advance(91.0)  # one more expiry: 1 of 3
    assert r.agent_status("a1").no_answers == 1
    assert r.agent_status("a1").presence == Presence.READY


def test_accept_resets_the_no_answer_count() -> None:
    r = Router(policy(wrap=False, decline_cooldown_s=None), start=0.0)
    add(r, "a1", 0.0)
    for i in range(2):
        sub(r, f"x{i}", 20.0 * i)
        r.advance(20.0 * i + 20.0)
    assert r.agent_status("a1").no_answers == 2
    [offer] = sub(r, "c", 40.0)
    r.accept(offer.offer_id, now=41.0)
    assert r.agent_status("a1").no_answers == 0
    r.complete(offer.offer_id, now=42.0)
    # two more expiries do not reach 3
    for i in range(2):
        sub(r, f"y{i}", 50.0 + 20.0 * i)
        r.advance(70.0 + 20.0 * i)
    assert r.agent_status("a1").no_answers == 2
    assert r.agent_status("a1").presence == Presence.READY


def test_max_no_answers_zero_disables() -> None:
    r = Router(policy(max_no_answers=0), start=0.0)
    add(r, "a1", 0.0)
    for i in range(5):
        sub(r, f"c{i}", 20.0 * i)
        r.advance(20.0 * i + 20.0)
    assert r.agent_status("a1").no_answers == 5
    assert r.agent_status("a1").presence == Presence.READY


def test_reject_counts_as_no_answer_when_configured() -> None:
    r = Router(policy(max_no_answers=2, reject_counts_as_no_answer=True), start=0.0)
    add(r, "a1", 0.0)
    r.reject(one(sub(r, "c1", 0.0)).offer_id, now=1.0)
    assert r.agent_status("a1").no_answers == 1
    r.reject(one(sub(r, "c2", 2.0)).offer_id, now=3.0)
    assert r.agent_status("a1").presence == Presence.NOT_READY


def test_auto_accept_offers_are_accepted_without_expiry() -> None:
    r = Router(policy(auto_accept=True), start=0.0)
    add(r, "a1", 0.0)
    [offer] = sub(r, "c1", 3.0)
    assert offer == Offer("o1", "c1", "a1", Channel.VOICE, "standard", 3.0, None, "requested", True)
    assert r.agent_status("a1").state == AgentState.BUSY
    assert r.contact_status("c1").state == ContactState.IN_SERVICE
    assert r.next_deadline() is None
    with pytest.raises(RoutingStateError):
        r.accept(offer.offer_id, now=4.0)
    r.complete(offer.offer_id, now=10.0)
    assert r.agent_status("a1").state == AgentState.WRAP_UP


# ----------------------------------------------------------------------------- complete


def test_complete_wrap_up_then_agent_takes_waiting_work_at_exactly_that_time() -> None:
    r = Router(Policy(), start=0.0)  # voice wrap-up 30 s
    add(r, "ana", 0.0)
    [offer] = sub(r, "c1", 0.0)
    r.accept(offer.offer_id, now=1.0)
    sub(r, "c2", 50.0)
    assert r.complete(offer.offer_id, now=100.0) == []
    st = r.agent_status("ana")
    assert (st.state, st.load) == (AgentState.WRAP_UP, 100)
    assert r.next_deadline() == 130.0
    assert r.advance(129.999) == []
    [nxt] = r.advance(140.0)
    assert (nxt.contact_id, nxt.agent_id, nxt.offered_at, nxt.expires_at) == (
        "c2",
        "ana",
        130.0,
        150.0,
    )
    assert r.stats()["finished"] == 1


def test_complete_without_waiting_work_frees_capacity_after_wrap_up() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "ana", 0.0, channels={"chat": 2})
    [offer] = sub(r, "c1", 0.0, "chat")
    r.accept(offer.offer_id, now=1.0)
    r.complete(offer.offer_id, now=5.0)
    assert r.agent_status("ana").load == 33
    r.advance(15.0)
    st = r.agent_status("ana")
    assert (st.state, st.load, st.active) == (AgentState.READY, 0, {})
    with pytest.raises(UnknownContact):
        r.contact_status("c1")


def test_complete_without_wrap_up_takes_next_contact_immediately() -> None:
    r = Router(policy(wrap=False), start=0.0)
    add(r, "ana", 0.0)
    [offer] = sub(r, "c1", 0.0)
    sub(r, "c2", 1.0)
    r.accept(offer.offer_id, now=1.0)
    [nxt] = r.complete(offer.offer_id, now=7.0)
    assert (nxt.contact_id, nxt.offered_at) == ("c2", 7.0)


# ----------------------------------------------------------------------------- abandon


def test_abandon_while_waiting() -> None:
    r = Router(Policy(), start=0.0)
    sub(r, "c1", 0.0)
    assert r.abandon("c1", now=5.0) == []
    assert r.waiting_count() == 0
    assert r.stats()["abandoned"] == 1
    with pytest.raises(UnknownContact):
        r.contact_status("c1")
    # the agent that arrives later finds nothing
    assert add(r, "ana", 6.0) == []


def test_abandon_while_offered_frees_the_agent_for_the_next_contact() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "ana", 0.0)
    [offer] = sub(r, "c1", 0.0)
    sub(r, "c2", 1.0)
    [nxt] = r.abandon("c1", now=4.0)
    assert (nxt.contact_id, nxt.agent_id, nxt.offered_at) == ("c2", "ana", 4.0)
    assert r.next_deadline() == 24.0  # the new offer's expiry, not the old one's
    with pytest.raises(UnknownOffer):
        r.accept(offer.offer_id, now=5.0)


def test_abandon_while_offered_without_waiting_work() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "ana", 0.0)
    assert pairs(sub(r, "c1", 0.0)) == [("c1", "ana")]
    assert r.abandon("c1", now=4.0) == []
    st = r.agent_status("ana")
    assert (st.state, st.load, st.offers) == (AgentState.READY, 0, ())
    assert r.next_deadline() is None
    assert r.advance(100.0) == []  # the old expiry does not fire
    assert r.agent_status("ana").no_answers == 0


# ----------------------------------------------------------------------------- transfer


def test_transfer_in_service_keeps_key_restarts_ladder_and_excludes_agent() -> None:
    r = Router(prestige(), start=0.0)
    add(r, "a", 0.0, skills={"billing": 3}, languages=("en",))
    add(r, "b", 0.0, presence="logged_out", skills={"tech": 3}, languages=("en",))
    [offer] = sub(r, "c1", 0.0, skills={"billing": 2}, language="en")
    r.accept(offer.offer_id, now=1.0)
    # the contact relaxed nowhere (it was served at step 0); move it to tech
    assert r.transfer("c1", skills={"tech": 2}, now=100.0) == []
    status = r.contact_status("c1")
    assert (status.state, status.arrived_at, status.key, status.step) == (
        ContactState.WAITING,
        0.0,
        60.0,
        "requested",
    )
    assert r.agent_status("a").state == AgentState.WRAP_UP
    assert r.next_deadline() == 130.0  # a's wrap-up ends before c1's step (160)
    r.advance(130.0)
    assert r.agent_status("a").state == AgentState.READY
    assert r.next_deadline() == 160.0
    r.advance(160.0)
    assert r.contact_status("c1").step == "skilled"
    # at 280 the 'language' step ignores skills: a fits but is excluded
    assert r.advance(1_000.0) == []
    assert r.contact_status("c1").step == "language"
    [again] = r.set_agent_state("b", "ready", now=1_001.0)
    assert (again.agent_id, again.step) == ("b", "language")


def test_transfer_restarts_the_ladder_of_a_waiting_contact() -> None:
    r = Router(prestige(), start=0.0)
    sub(r, "c1", 0.0, skills={"billing": 2}, language="en")
    r.advance(70.0)
    assert r.contact_status("c1").step == "skilled"
    r.transfer("c1", language="fr", now=75.0)
    status = r.contact_status("c1")
    assert (status.step, status.key) == ("requested", 60.0)
    assert r.next_deadline() == 135.0
    assert pairs(add(r, "f", 80.0, skills={"billing": 2}, languages=("fr",))) == [("c1", "f")]


def test_transfer_of_ringing_offer_withdraws_it() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "a", 0.0, skills={"billing": 1})
    add(r, "b", 0.0, presence="not_ready", skills={"billing": 1, "tech": 1})
    [offer] = sub(r, "c1", 1.0)
    assert r.transfer("c1", skills={"billing": 1}, now=2.0) == []  # a is not offered again
    assert r.agent_status("a").state == AgentState.READY
    assert r.contact_status("c1").state == ContactState.WAITING
    with pytest.raises(TierRouteError):
        r.accept(offer.offer_id, now=3.0)
    assert pairs(r.set_agent_state("b", "ready", now=4.0)) == [("c1", "b")]


def test_transfer_keeps_earlier_exclusions() -> None:
    """Module rule: a contact is not offered again to an agent that rejected it, while
    the cooldown runs and another agent could take it; a transfer keeps that."""
    r = Router(Policy(), start=0.0)
    add(r, "a", 0.0)
    add(r, "b", 0.0, presence="not_ready")  # could take c1: a's decline holds (cooldown)
    [offer] = sub(r, "c1", 0.0)
    assert r.reject(offer.offer_id, now=1.0) == []
    # re-route with the same (empty) requirements: a rejected c1 before
    assert r.transfer("c1", language=None, now=2.0) == []


def test_transfer_in_service_offers_to_another_agent_at_once() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "a", 0.0, skills={"billing": 1, "tech": 1})
    add(r, "b", 1.0, skills={"tech": 1})
    [offer] = sub(r, "c1", 2.0, skills={"billing": 1})
    assert offer.agent_id == "a"
    r.accept(offer.offer_id, now=3.0)
    [again] = r.transfer("c1", skills={"tech": 1}, now=4.0)
    assert (again.agent_id, again.offered_at) == ("b", 4.0)


# ----------------------------------------------------------------------------- presence


def test_not_ready_while_reserved_returns_contact_to_its_queue() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "a", 0.0)
    [offer] = sub(r, "c1", 1.0)
    assert r.set_agent_state("a", "not_ready", now=5.0) == []
    status = r.contact_status("c1")
    assert (status.state, status.key, status.agent_id) == (ContactState.WAITING, 61.0, None)
    st = r.agent_status("a")
    assert (st.presence, st.offers, st.load) == (Presence.NOT_READY, (), 0)
    assert r.next_deadline() is None
    with pytest.raises(TierRouteError):
        r.accept(offer.offer_id, now=6.0)
    # not excluded: the same agent takes it again when ready
    [again] = r.set_agent_state("a", "ready", now=10.0)
    assert (again.contact_id, again.agent_id, again.offered_at) == ("c1", "a", 10.0)
    assert r.agent_status("a").no_answers == 0


def test_not_ready_keeps_contacts_in_service() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "a", 0.0)
    serve(r, sub(r, "c1", 1.0), 2.0)
    r.set_agent_state("a", "not_ready", now=3.0)
    assert r.contact_status("c1").state == ContactState.IN_SERVICE
    assert r.agent_status("a").state == AgentState.BUSY
    assert r.agent_status("a").presence == Presence.NOT_READY


def test_logout_with_contact_in_service_raises() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "a", 0.0)
    serve(r, sub(r, "c1", 1.0), 2.0)
    before = r.snapshot()
    with pytest.raises(RoutingStateError, match="c1"):
        r.set_agent_state("a", "logged_out", now=3.0)
    assert r.snapshot() == before


def test_logout_cancels_wrap_up() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "a", 0.0)
    [offer] = sub(r, "c1", 1.0)
    r.accept(offer.offer_id, now=2.0)
    r.complete(offer.offer_id, now=3.0)
    assert r.next_deadline() == 33.0
    r.set_agent_state("a", "logged_out", now=4.0)
    st = r.agent_status("a")
    assert (st.state, st.load) == (AgentState.LOGGED_OUT, 0)
    assert r.next_deadline() is None
    r.remove_agent("a", now=5.0)
    assert r.stats()["agents"] == 0


def test_update_agent_recomputes_eligibility() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "a", 0.0, skills={"billing": 1})
    assert sub(r, "c1", 1.0, skills={"tech": 2}) == []
    [offer] = r.update_agent(AgentSpec("a", skills={"tech": 2}), now=2.0)
    assert (offer.contact_id, offer.agent_id) == ("c1", "a")


# ----------------------------------------------------------------------------- deadlines/stats


def test_next_deadline_reports_the_earliest_timer() -> None:
    r = Router(prestige(), start=0.0)
    assert r.next_deadline() is None
    add(r, "a", 0.0, languages=("en",), channels={"voice": 1, "chat": 2})
    sub(r, "w", 0.0, skills={"tech": 1})  # waits: relaxation at 60
    assert r.next_deadline() == 60.0
    [offer] = sub(r, "v", 10.0, language="en")  # offer expires at 30
    assert r.next_deadline() == 30.0
    r.accept(offer.offer_id, now=12.0)
    assert r.next_deadline() == 60.0
    r.complete(offer.offer_id, now=15.0)  # wrap-up ends at 45
    assert r.next_deadline() == 45.0
    r.advance(45.0)
    assert r.next_deadline() == 60.0


def test_stats_counts() -> None:
    r = Router(Policy(), start=0.0)
    add(r, "a", 0.0, channels={"chat": 3})
    add(r, "b", 0.0, presence="logged_out")
    serve(r, sub(r, "c1", 1.0, "chat"), 1.0)  # finished below
    serve(r, sub(r, "c2", 2.0, "chat"), 2.0)  # in service
    sub(r, "c3", 3.0, "chat")  # offered
    sub(r, "c4", 4.0, "voice")  # waiting (b logged out, a has no voice)
    sub(r, "c5", 5.0, "voice", skills={"x": 1})  # waiting, another signature
    sub(r, "c6", 6.0, "voice")  # abandoned
    r.abandon("c6", now=7.0)
    r.complete("o1", now=8.0)
    assert r.stats() == {
        "submitted": 6,
        "waiting": 2,
        "offered": 1,
        "in_service": 1,
        "finished": 1,
        "abandoned": 1,
        "agents": 2,
        "signatures": 3,
    }
    assert r.waiting_count() == 2


def test_contact_id_can_be_reused_after_it_finished() -> None:
    r = Router(policy(wrap=False), start=0.0)
    add(r, "a", 0.0)
    [offer] = sub(r, "c1", 0.0)
    r.accept(offer.offer_id, now=1.0)
    r.complete(offer.offer_id, now=2.0)
    assert pairs(sub(r, "c1", 3.0)) == [("c1", "a")]


# ----------------------------------------------------------------------------- timers that
# fire inside a call (a call first fires the timers due up to its ``now``; it must then
# act on the state those timers left, not on the state before them)


def test_accept_of_offer_withdrawn_by_a_timer_in_the_same_call() -> None:
    """a's first offer expires at 20 (max_no_answers=1): a goes not ready and its other
    ringing offer o2 is withdrawn. Accepting o2 at 21 must not put c2 in service."""
    r = Router(policy(max_no_answers=1), start=0.0)
    add(r, "a", 0.0, channels={"chat": 2})
    sub(r, "c1", 0.0, "chat")
    [o2] = sub(r, "c2", 5.0, "chat")
    assert o2.expires_at == 25.0
    with contextlib.suppress(TierRouteError):
        r.accept(o2.offer_id, now=21.0)
    status = r.contact_status("c2")
    assert not (status.state == ContactState.IN_SERVICE and status.agent_id is None), status
    r._check()


def test_reject_of_offer_withdrawn_by_a_timer_in_the_same_call() -> None:
    r = Router(policy(max_no_answers=1), start=0.0)
    add(r, "a", 0.0, channels={"chat": 2})
    sub(r, "c1", 0.0, "chat")
    [o2] = sub(r, "c2", 5.0, "chat")
    with pytest.raises(TierRouteError):
        r.reject(o2.offer_id, now=21.0)
    assert r.agent_status("a").load >= 0
    r._check()


def test_update_agent_when_a_timer_in_the_same_call_gives_it_an_offer() -> None:
    """c1 relaxes at 60 to 'skilled' (min proficiency 1) and ana fits: she is offered
    c1 at 60. An update_agent at 61 must not leave her holding an offer she is no
    longer eligible for."""
    r = Router(prestige(), start=0.0)
    add(r, "ana", 0.0, skills={"billing": 1}, languages=("en",))
    sub(r, "c1", 0.0, skills={"billing": 3}, language="en")
    with contextlib.suppress(RoutingStateError):
        r.update_agent(AgentSpec("ana", languages=("fr",)), now=61.0)
    r._check()


def test_logout_when_a_timer_in_the_same_call_puts_a_contact_in_service() -> None:
    """Auto-accept: c1 relaxes at 60 and is assigned to ana. Logging ana out at 61 must
    raise (contact in service) or at least not leave a logged-out agent with work."""
    pol = prestige().model_copy(update={"offer": OfferPolicy(auto_accept=True)})
    r = Router(pol, start=0.0)
    add(r, "ana", 0.0, skills={"billing": 1}, languages=("en",))
    sub(r, "c1", 0.0, skills={"billing": 3}, language="en")
    with contextlib.suppress(RoutingStateError):
        r.set_agent_state("ana", "logged_out", now=61.0)
    st = r.agent_status("ana")
    assert not (st.presence == Presence.LOGGED_OUT and st.state == AgentState.BUSY), st
    r._check()


def test_abandon_when_a_timer_in_the_same_call_put_the_contact_in_service() -> None:
    """Auto-accept: c1 is in service with ana since 60; abandon at 61 must raise."""
    pol = prestige().model_copy(update={"offer": OfferPolicy(auto_accept=True)})
    r = Router(pol, start=0.0)
    add(r, "ana", 0.0, skills={"billing": 1}, languages=("en",))
    sub(r, "c1", 0.0, skills={"billing": 3}, language="en")
    with pytest.raises(RoutingStateError):
        r.abandon("c1", now=61.0)


def test_call_made_invalid_by_due_timers_leaves_state_as_advance_would() -> None:
    """Documented semantics: timers due at the call's ``now`` fire first; if they make
    the call invalid, it raises, the router is exactly as ``advance(now)`` alone would
    leave it, and the error carries the offers those timers made."""
    import copy

    def build() -> Router:
        r = Router(policy(max_no_answers=1), start=0.0)
        add(r, "a", 0.0, channels={"chat": 2})
        add(r, "b", 0.0, presence="not_ready", channels={"chat": 2})
        sub(r, "c1", 0.0, "chat")
        sub(r, "c2", 5.0, "chat")
        r.set_agent_state("b", "ready", now=6.0)  # b stays free: nothing waits
        return r

    r = build()
    twin = Router.restore(copy.deepcopy(r.snapshot()))
    expected_offers = twin.advance(21.0)
    # o1 expires at 20: a goes not ready, so both c1 and c2 return and go to b.
    assert [o.contact_id for o in expected_offers] == ["c1", "c2"]
    assert {o.agent_id for o in expected_offers} == {"b"}
    with pytest.raises(UnknownOffer) as info:
        r.accept("o2", now=21.0)
    assert list(info.value.offers) == expected_offers
    assert r.snapshot() == twin.snapshot()
    r._check()
