"""Declines and expiries expire (issue #15, item 9): a contact is offered again to an
agent who rejected it or let it ring out once ``offer.decline_cooldown_s`` has
passed, and sooner when nobody else could take it, so that no contact is stranded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tierroute import (
    AgentSpec,
    ContactSpec,
    JournaledRouter,
    OfferPolicy,
    Policy,
    PolicyError,
    Router,
    recover,
)
from tierroute.routing._hooks import T_LAPSE

FIXTURES = Path(__file__).parent / "fixtures"


def router(**offer: Any) -> Router:
    return Router(Policy(offer=OfferPolicy(**offer)), start=0.0)


def agent(r: Router, aid: str, t: float, presence: str = "ready") -> None:
    r.add_agent(AgentSpec(aid, channels={"chat": 1}), presence=presence, now=t)


def submit(r: Router, cid: str, t: float) -> list[Any]:
    return r.submit(ContactSpec(cid, "chat", "standard"), now=t)


def test_a_missed_ring_no_longer_strands_the_contact() -> None:
    """The issue's reproduction: the only eligible agent lets the offer ring out. The
    contact used to wait for ever with no deadline while later contacts got the
    agent; now its cooldown is a deadline, and it is offered to the agent again."""
    r = router()  # cooldown 60 s, offers ring 20 s
    agent(r, "a", 0.0)
    assert submit(r, "c1", 0.0)[0].agent_id == "a"
    assert r.advance(20.0) == []  # rang out: c1 waits, a is free again
    assert r.contact_status("c1").state.value == "waiting"
    assert r.next_deadline() == 80.0  # the cooldown's end: the host wakes up for it
    [o2] = r.advance(80.0)
    assert (o2.contact_id, o2.agent_id, o2.offered_at) == ("c1", "a", 80.0)
    e = r.explain(o2.offer_id)
    assert (e.moment, e.readmitted) == ("exclusion_lapsed", "lapsed")
    assert "cooldown" in e.text()
    r._check()


def test_a_later_contact_does_not_keep_the_agent_from_a_stranded_one() -> None:
    """c2 arrives while c1 holds its only agent off and takes the free agent; when the
    agent frees capacity c1 (smaller key) goes first, before its cooldown ends:
    nobody else could take it."""
    r = router(timeout_s=10.0)
    agent(r, "a", 0.0)
    [o1] = submit(r, "c1", 0.0)
    r.reject(o1.offer_id, now=1.0)
    [o2] = submit(r, "c2", 2.0)
    assert o2.agent_id == "a"
    r.accept(o2.offer_id, now=3.0)
    assert r.complete(o2.offer_id, now=5.0) == []
    [o3] = r.advance(15.0)  # chat wrap-up (10 s) ends at 15: a is free
    assert (o3.contact_id, o3.agent_id) == ("c1", "a")
    assert r.explain(o3.offer_id).readmitted == "sole"
    assert r.explain(o3.offer_id).moment == "capacity_freed"
    r._check()


def test_the_cooldown_holds_while_another_agent_could_take_the_contact() -> None:
    """b is logged in (not ready): c1 waits for b rather than going back to a, until
    a's cooldown ends."""
    r = router(decline_cooldown_s=30.0)
    agent(r, "a", 0.0)
    agent(r, "b", 0.0, presence="not_ready")
    [o1] = submit(r, "c1", 0.0)
    assert r.reject(o1.offer_id, now=1.0) == []
    assert submit(r, "c2", 2.0)[0].agent_id == "a"  # a takes other work
    assert r.reject(r.agent_status("a").offers[0], now=3.0) == []
    assert r.next_deadline() == 31.0
    assert r.advance(30.0) == []
    [o3] = r.advance(31.0)  # a's cooldown for c1 ends; for c2 it runs until 33
    assert (o3.contact_id, o3.agent_id, r.explain(o3.offer_id).readmitted) == ("c1", "a", "lapsed")
    assert r.contact_status("c2").state.value == "waiting"
    # b, ready, takes c2 (a is busy), which never went back to a
    [o4] = r.set_agent_state("b", "ready", now=32.0)
    assert (o4.contact_id, o4.agent_id) == ("c2", "b")
    r._check()


def test_the_decline_moment_itself_holds() -> None:
    """The rejecting agent is not offered the contact again in the same moment, even if
    nobody else could take it: a reject returns no new offer to its agent."""
    r = router()
    agent(r, "a", 0.0)
    [o1] = submit(r, "c1", 0.0)
    assert r.reject(o1.offer_id, now=1.0) == []
    assert r.contact_status("c1").state.value == "waiting"


def test_a_transfer_excludes_for_good() -> None:
    r = router(decline_cooldown_s=5.0)
    agent(r, "a", 0.0)
    [o1] = submit(r, "c1", 0.0)
    r.accept(o1.offer_id, now=1.0)
    assert r.transfer("c1", language=None, now=2.0) == []
    assert r.advance(1_000.0) == []  # a is free (wrap-up ended at 12), never gets c1
    assert r.next_deadline() is None  # nothing can change for c1 but a new agent
    agent(r, "b", 1_001.0)
    assert r.contact_status("c1").agent_id == "b"


def test_the_policy_field() -> None:
    assert OfferPolicy().decline_cooldown_s == 60.0
    assert OfferPolicy(decline_cooldown_s=None).decline_cooldown_s is None
    for bad in (0, -1.0, float("inf"), float("nan"), "soon"):
        with pytest.raises(ValueError, match="decline_cooldown_s"):
            OfferPolicy(decline_cooldown_s=bad)
    with pytest.raises(PolicyError, match="decline_cooldown_s"):
        Policy.from_mapping({"offer": {"decline_cooldown_s": 0}})


def test_a_running_cooldown_survives_a_snapshot() -> None:
    r = router()
    agent(r, "a", 0.0)
    agent(r, "b", 0.0, presence="not_ready")
    [o1] = submit(r, "c1", 0.0)
    r.reject(o1.offer_id, now=1.0)
    snap = json.loads(json.dumps(r.snapshot()))
    [c1] = snap["contacts"]
    assert (c1["excluded"], c1["cooldowns"]) == (["a"], {"a": [1.0, 61.0]})
    assert [t[2:] for t in snap["timers"]] == [[T_LAPSE, [1, "a"]]]
    restored = Router.restore(snap)
    assert restored.snapshot() == snap
    assert restored.next_deadline() == r.next_deadline() == 61.0
    [mine], [theirs] = r.advance(61.0), restored.advance(61.0)
    assert mine == theirs
    assert restored.explain(theirs.offer_id).readmitted == "lapsed"
    assert restored.snapshot() == r.snapshot()


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_older_snapshots_keep_declines_for_good(version: str) -> None:
    """Routers written before cooldowns existed replay as recorded (the formats test
    checks their decisions): the migration sets the cooldown to never."""
    snap = json.loads((FIXTURES / version / "snapshot.json").read_text())
    assert Router.restore(snap).policy.offer.decline_cooldown_s is None
    assert recover(FIXTURES / version / "journal").policy.offer.decline_cooldown_s is None


def test_a_cooldown_is_journaled(tmp_path: Path) -> None:
    """The cooldown's timer is state like any other: a journal recovers it and the
    recovered router makes the same offer when it ends."""
    init = router()
    with JournaledRouter.open(tmp_path / "j", init=init) as jr:
        jr.add_agent(AgentSpec("a", channels={"chat": 1}), presence="ready", now=0.0)
        [o1] = jr.submit(ContactSpec("c1", "chat", "standard"), now=0.0)
        jr.advance(20.0)  # rang out
        snap = jr.snapshot()
    again = recover(tmp_path / "j")
    assert again.snapshot() == snap
    [o2] = again.advance(80.0)
    assert (o2.contact_id, o2.agent_id) == ("c1", "a") and o1.offer_id != o2.offer_id
