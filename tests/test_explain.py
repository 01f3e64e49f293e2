"""Tests of Router.explain and tierroute.routing.explain: the data and the text of a decision."""

from __future__ import annotations

from typing import Any

import pytest

from tierroute import (
    AgentSpec,
    ContactSpec,
    Explanation,
    OfferPolicy,
    PassedOver,
    Policy,
    PriorityKey,
    RelaxationStep,
    Router,
    Severity,
    Strategy,
    TierPolicy,
    UnknownOffer,
    prestige,
)


def policy(strategy: Strategy = Strategy.LONGEST_IDLE, **fields: Any) -> Policy:
    return Policy(tiers=(TierPolicy(name="standard", strategy=strategy),), **fields)


def no_wrap(**fields: Any) -> Policy:
    channels = {
        ch: cp.model_copy(update={"wrap_up_s": 0.0}) for ch, cp in Policy().channels.items()
    }
    return policy(channels=channels, **fields)


def test_explanation_of_a_new_contact() -> None:
    r = Router(prestige(), start=0.0)
    r.add_agent(
        AgentSpec("sen", skills={"billing": 4}, languages=("en",), seniority="senior"),
        presence="ready",
        now=0.0,
    )
    spec = ContactSpec(
        "e1",
        "voice",
        "elite",
        value=0.6,
        severity=2,
        skills={"billing": 3},
        language="en",
        arrived_at=3.0,
    )
    [offer] = r.submit(spec, now=5.0)
    e = r.explain(offer.offer_id)
    assert isinstance(e, Explanation)
    assert (e.offer_id, e.contact_id, e.agent_id, e.decided_at) == ("o1", "e1", "sen", 5.0)
    assert e.moment == "contact_arrived"
    # no concierge: the ladder starts at step 1 'senior' (proficiency >= 4, senior)
    assert (e.step, e.step_index, e.strategy) == ("senior", 1, "most_proficient")
    assert e.priority == PriorityKey(
        key=pytest.approx(3.0 + 20.0 * 0.5 * (1 - 0.3 * 0.6)),  # type: ignore[arg-type]
        arrived_at=3.0,
        target=20.0,
        severity=Severity.P2,
        severity_factor=0.5,
        value=0.6,
        value_boost=0.3,
        tier="elite",
    )
    assert e.priority.key == pytest.approx(11.2)
    assert e.agent_figures == {
        "proficiency": 4.0,
        "idle_since": 0.0,
        "load": 0.0,
        "handled": 0.0,
        "last_offer": -1.0,
    }
    assert e.runner_up is None
    assert e.passed_over == ()


@pytest.mark.parametrize(
    ("tier", "channel", "severity", "value", "arrived"),
    [
        ("standard", "email", 4, 0.35, 0.0),
        ("premium", "chat", 1, 1.0, 12.5),
        ("elite", "voice", 3, 0.0, 7.0),
        ("elite", "sms", 2, 0.77, 1.0),
    ],
)
def test_priority_parts_add_up_to_the_key(
    tier: str, channel: str, severity: int, value: float, arrived: float
) -> None:
    r = Router(prestige(), start=0.0)
    r.add_agent(
        AgentSpec("x", languages=("en",), channels={channel: 1}, seniority="expert"),
        presence="ready",
        now=0.0,
    )
    spec = ContactSpec(
        "c", channel, tier, value=value, severity=severity, language="en", arrived_at=arrived
    )
    [offer] = r.submit(spec, now=20.0)
    p = r.explain(offer.offer_id).priority
    assert p.key == r.contact_status("c").key
    parts = p.arrived_at + p.target * p.severity_factor * (1 - p.value_boost * p.value)
    assert parts == pytest.approx(p.key, rel=1e-12)
    assert p.offset_s == pytest.approx(prestige().key_offset(tier, channel, severity, value))
    assert p.target == prestige().target(tier, channel)
    assert p.severity_factor == prestige().severity_factor[Severity(severity)]
    assert p.value_boost == prestige().tier(tier).value_boost
    assert (p.arrived_at, p.value, p.tier, int(p.severity)) == (arrived, value, tier, severity)


def test_text_mentions_contact_agent_step_and_strategy() -> None:
    r = Router(prestige(), start=0.0)
    r.add_agent(
        AgentSpec("sen", skills={"billing": 4}, languages=("en",), seniority="senior"),
        presence="ready",
        now=0.0,
    )
    [offer] = r.submit(
        ContactSpec("e1", "voice", "elite", skills={"billing": 3}, language="en"), now=2.0
    )
    e = r.explain(offer.offer_id)
    text = e.text()
    assert str(e) == text
    for needle in (
        "offer o1",
        "contact e1",
        "agent sen",
        "t=2s",
        "step 1 'senior'",
        "strategy most_proficient",
        "proficiency 4",
        "22 = arrived 2 + target 20s (elite)",
        "severity P3",
        "the contact arrived",
    ):
        assert needle in text, (needle, text)
    assert "runner-up" not in text
    assert "passed over" not in text


def test_passed_over_agents_after_a_reject() -> None:
    """Most proficient: p5 then p3 decline c1; both are available again and rank
    ahead of p1, so both are passed over (best first) and p1 gets the offer."""
    r = Router(policy(Strategy.MOST_PROFICIENT), start=0.0)
    for aid, prof in (("p5", 5), ("p3", 3), ("p1", 1)):
        r.add_agent(AgentSpec(aid, skills={"billing": prof}), presence="ready", now=0.0)
    [first] = r.submit(ContactSpec("c1", "voice", "standard", skills={"billing": 1}), now=1.0)
    assert first.agent_id == "p5"
    [second] = r.reject(first.offer_id, now=2.0)
    assert second.agent_id == "p3"
    [third] = r.reject(second.offer_id, now=3.0)
    assert third.agent_id == "p1"
    e = r.explain(third.offer_id)
    assert e.moment == "returned"
    reason = "ranked ahead but had declined or missed this contact before"
    assert e.passed_over == (PassedOver("agent", "p5", reason), PassedOver("agent", "p3", reason))
    assert e.agent_figures["proficiency"] == 1.0
    assert e.strategy == "most_proficient"
    assert "passed over agent p5" in e.text()
    assert "fell through" in e.text()
    # the rejected offers are still explainable
    assert r.explain(first.offer_id).passed_over == ()
    assert r.explain(second.offer_id).agent_id == "p3"
    assert r.explain(second.offer_id).passed_over == (PassedOver("agent", "p5", reason),)


def test_passed_over_contact_when_agent_frees_capacity() -> None:
    r = Router(no_wrap(), start=0.0)
    r.add_agent(AgentSpec("a"), presence="ready", now=0.0)
    # logged in: another agent could take c1, so a's decline holds (cooldown)
    r.add_agent(AgentSpec("b"), presence="not_ready", now=0.0)
    [o1] = r.submit(ContactSpec("c1", "voice", "standard"), now=0.0)  # key 60
    assert r.reject(o1.offer_id, now=1.0) == []  # c1 waits, a excluded
    [o2] = r.submit(ContactSpec("c2", "voice", "standard"), now=2.0)
    r.accept(o2.offer_id, now=3.0)
    assert r.submit(ContactSpec("c3", "voice", "standard"), now=4.0) == []  # key 64
    [o3] = r.complete(o2.offer_id, now=10.0)
    assert o3.contact_id == "c3"
    e = r.explain(o3.offer_id)
    assert e.moment == "capacity_freed"
    assert e.passed_over == (
        PassedOver("contact", "c1", "ranked ahead but this agent had declined it before"),
    )
    assert "passed over contact c1" in e.text()


def test_runner_up_when_agent_chooses_between_two_queues() -> None:
    r = Router(policy(), start=0.0)
    r.add_agent(AgentSpec("a", skills={"billing": 2, "tech": 2}), presence="not_ready", now=0.0)
    r.submit(ContactSpec("c1", "voice", "standard", skills={"billing": 1}), now=1.0)  # 61
    r.submit(ContactSpec("c2", "voice", "standard", skills={"tech": 1}), now=2.0)  # 62
    r.submit(ContactSpec("c3", "voice", "standard", skills={"tech": 2}), now=3.0)  # 63
    [offer] = r.set_agent_state("a", "ready", now=5.0)
    assert offer.contact_id == "c1"
    e = r.explain(offer.offer_id)
    assert e.moment == "agent_ready"
    assert e.runner_up == ("c2", 62.0)
    assert "runner-up contact: c2 (key 62)" in e.text()
    assert "became ready" in e.text()


def test_runner_up_when_agent_chooses_within_one_queue() -> None:
    """Explanation.runner_up: "the next-best waiting contact the agent could have
    taken". c2 waits in the same queue as c1, right behind it."""
    r = Router(policy(), start=0.0)
    r.add_agent(AgentSpec("a"), presence="not_ready", now=0.0)
    r.submit(ContactSpec("c1", "voice", "standard"), now=1.0)  # 61
    r.submit(ContactSpec("c2", "voice", "standard"), now=2.0)  # 62
    [offer] = r.set_agent_state("a", "ready", now=5.0)
    assert offer.contact_id == "c1"
    assert r.explain(offer.offer_id).runner_up == ("c2", 62.0)


def test_strategy_of_the_step_overrides_the_tier() -> None:
    tier = TierPolicy(
        name="standard",
        strategy=Strategy.MOST_PROFICIENT,
        relaxation=(
            RelaxationStep(name="first", wait_s=10.0, strategy=Strategy.ROUND_ROBIN),
            RelaxationStep(name="second", skills="ignore"),
        ),
    )
    r = Router(Policy(tiers=(tier,)), start=0.0)
    r.add_agent(AgentSpec("a", skills={"billing": 2}), presence="ready", now=0.0)
    [o1] = r.submit(ContactSpec("c1", "voice", "standard", skills={"billing": 2}), now=1.0)
    e1 = r.explain(o1.offer_id)
    assert (e1.step, e1.step_index, e1.strategy) == ("first", 0, "round_robin")
    r.add_agent(AgentSpec("b"), presence="ready", now=2.0)
    r.submit(ContactSpec("c2", "voice", "standard", skills={"billing": 5}), now=2.0)
    [o2] = r.advance(12.0)  # relaxes at 12 to 'second': b fits (skills ignored)
    e2 = r.explain(o2.offer_id)
    assert (e2.agent_id, e2.moment, e2.step, e2.step_index, e2.strategy) == (
        "b",
        "relaxed",
        "second",
        1,
        "most_proficient",
    )
    assert e2.agent_figures["proficiency"] == 0.0  # no skill required at that step
    assert "matched at step 1 'second'" in e2.text()


def test_agent_figures_are_taken_at_decision_time() -> None:
    r = Router(no_wrap(), start=0.0)
    r.add_agent(AgentSpec("a", channels={"chat": 3}), presence="ready", now=0.0)
    [o1] = r.submit(ContactSpec("c1", "chat", "standard"), now=1.0)
    r.accept(o1.offer_id, now=2.0)
    [o2] = r.submit(ContactSpec("c2", "chat", "standard"), now=3.0)
    r.accept(o2.offer_id, now=4.0)
    f1 = r.explain(o1.offer_id).agent_figures
    f2 = r.explain(o2.offer_id).agent_figures
    assert f1 == {
        "proficiency": 0.0,
        "idle_since": 0.0,
        "load": 0.0,
        "handled": 0.0,
        "last_offer": -1.0,
    }
    assert f2 == {
        "proficiency": 0.0,
        "idle_since": 1.0,
        "load": 33.0,
        "handled": 33.0,
        "last_offer": 1.0,
    }


def test_auto_accepted_offer_is_explainable() -> None:
    r = Router(policy(offer=OfferPolicy(auto_accept=True)), start=0.0)
    r.add_agent(AgentSpec("a"), presence="ready", now=0.0)
    [offer] = r.submit(ContactSpec("c1", "voice", "standard"), now=1.0)
    assert offer.accepted
    assert r.explain(offer.offer_id).agent_id == "a"


# ----------------------------------------------------------------------------- lifetime


@pytest.mark.parametrize("offer_id", ["o1", "o99", "", "c1"])
def test_explain_unknown_offer(offer_id: str) -> None:
    r = Router(policy(), start=0.0)
    r.add_agent(AgentSpec("a"), presence="not_ready", now=0.0)
    r.submit(ContactSpec("c1", "voice", "standard"), now=0.0)
    with pytest.raises(UnknownOffer) as info:
        r.explain(offer_id)
    assert isinstance(info.value, KeyError)
    assert repr(offer_id) in str(info.value)


def finish(r: Router, cid: str, t: float) -> str:
    [offer] = r.submit(ContactSpec(cid, "voice", "standard"), now=t)
    r.accept(offer.offer_id, now=t)
    r.complete(offer.offer_id, now=t + 1.0)
    return offer.offer_id


def test_finished_offers_stay_explainable_up_to_explain_history() -> None:
    r = Router(no_wrap(explain_history=2), start=0.0)
    r.add_agent(AgentSpec("a"), presence="ready", now=0.0)
    ids = [finish(r, f"c{i}", 10.0 * i) for i in range(3)]
    assert ids == ["o1", "o2", "o3"]
    with pytest.raises(UnknownOffer):
        r.explain("o1")
    assert r.explain("o2").contact_id == "c1"
    assert r.explain("o3").contact_id == "c2"
    finish(r, "c3", 40.0)
    with pytest.raises(UnknownOffer):
        r.explain("o2")
    assert [r.explain(o).contact_id for o in ("o3", "o4")] == ["c2", "c3"]


def test_explain_history_counts_every_way_an_offer_ends() -> None:
    """Rejected, expired and abandoned offers enter the history too."""
    r = Router(no_wrap(explain_history=3), start=0.0)
    r.add_agent(AgentSpec("a"), presence="ready", now=0.0)
    r.add_agent(AgentSpec("b"), presence="ready", now=0.0)
    [o1] = r.submit(ContactSpec("c1", "voice", "standard"), now=0.0)  # a
    [o2] = r.reject(o1.offer_id, now=1.0)  # -> b
    r.advance(21.0)  # o2 expires; nobody left for c1
    [o3] = r.submit(ContactSpec("c2", "voice", "standard"), now=22.0)
    r.abandon("c2", now=23.0)
    assert [r.explain(o.offer_id).contact_id for o in (o1, o2, o3)] == ["c1", "c1", "c2"]
    [o4] = r.submit(ContactSpec("c3", "voice", "standard"), now=24.0)
    r.abandon("c3", now=25.0)
    with pytest.raises(UnknownOffer):
        r.explain(o1.offer_id)
    assert r.explain(o4.offer_id).agent_id in {"a", "b"}


def test_explain_history_zero_keeps_only_live_offers() -> None:
    r = Router(policy(explain_history=0), start=0.0)  # voice wrap-up 30 s
    r.add_agent(AgentSpec("a"), presence="ready", now=0.0)
    [offer] = r.submit(ContactSpec("c1", "voice", "standard"), now=0.0)
    r.accept(offer.offer_id, now=1.0)
    r.complete(offer.offer_id, now=2.0)
    assert r.explain(offer.offer_id).contact_id == "c1"  # in wrap-up: still live
    r.advance(32.0)
    with pytest.raises(UnknownOffer):
        r.explain(offer.offer_id)
