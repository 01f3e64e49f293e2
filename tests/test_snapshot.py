"""Router snapshots: JSON-serialisable, restore to an equal snapshot, and a restored
router makes the same decisions as the original from there on."""

from __future__ import annotations

import copy
import heapq
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from tierroute import (
    AgentSpec,
    AgentState,
    ContactSpec,
    InvalidArgument,
    ManualClock,
    Offer,
    Policy,
    Router,
    RoutingStateError,
    UnknownContact,
    UnknownOffer,
    prestige,
)

SKILLS = ("billing", "technical", "wealth")
LANGS = ("en", "fr")
CHANNELS = ("voice", "chat", "email")


def make_router(rng: np.random.Generator, n_agents: int = 8) -> Router:
    r = Router(prestige(), start=0.0)
    for i in range(n_agents):
        spec = AgentSpec(
            f"a{i}",
            skills={str(s): int(rng.integers(1, 6)) for s in rng.choice(SKILLS, 2, replace=False)},
            languages=tuple(
                str(x) for x in rng.choice(LANGS, int(rng.integers(1, 3)), replace=False)
            ),
            seniority=int(i % 3),
            channels={"voice": 1, "chat": 2, "email": 2},
        )
        r.add_agent(spec, presence="ready" if i % 4 else "not_ready", now=0.0)
    return r


@dataclass
class Driver:
    """A seeded random workload, reacting to offers like agents would (answer within
    1-25 s: accept, reject or let it ring out; finish after an exponential handle time).
    Its bookkeeping is deep-copied with the RNG so two routers in the same state can be
    fed the very same events."""

    rng: np.random.Generator
    t: float = 0.0
    n: int = 0
    seq: int = 0
    pending: list[tuple[float, int, str, str]] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)
    log: list[Any] = field(default_factory=list)

    def later(self, at: float, action: str, oid: str) -> None:
        self.seq += 1
        heapq.heappush(self.pending, (at, self.seq, action, oid))

    def record(self, offers: list[Offer]) -> None:
        rng = self.rng
        for o in offers:
            self.log.append(o)
            if o.accepted:
                self.later(o.offered_at + float(rng.exponential(90.0)), "complete", o.offer_id)
                continue
            u = float(rng.random())
            answer = o.offered_at + float(rng.uniform(1.0, 25.0))  # > 20 s: rings out
            if u < 0.85:
                self.later(answer, "accept", o.offer_id)
            elif u < 0.95:
                self.later(answer, "reject", o.offer_id)

    def act(self, r: Router, t: float, action: str, ident: str) -> None:
        self.log.append((action, ident, t))
        try:
            if action == "accept":
                self.record(r.accept(ident, now=t))
                self.later(t + float(self.rng.exponential(90.0)), "complete", ident)
            elif action == "reject":
                self.record(r.reject(ident, now=t))
            elif action == "complete":
                self.record(r.complete(ident, now=t))
            elif action == "abandon":
                self.record(r.abandon(ident, now=t))
            elif action == "transfer":
                self.record(r.transfer(ident, language=str(self.rng.choice(LANGS)), now=t))
            else:
                self.record(r.set_agent_state(ident, action, now=t))
        except (UnknownOffer, UnknownContact, RoutingStateError) as exc:
            self.log.append(("refused", type(exc).__name__, str(exc)))

    def step(self, r: Router) -> None:
        rng = self.rng
        t = self.t + float(rng.exponential(6.0))
        while self.pending and self.pending[0][0] <= t:
            at, _, action, oid = heapq.heappop(self.pending)
            at = max(at, r.now)  # offers made by an advance can be older than its time
            self.record(r.advance(at))
            self.act(r, at, action, oid)
        self.t = t
        self.record(r.advance(t))
        u = float(rng.random())
        if u < 0.6:
            self.n += 1
            cid = f"c{self.n}"
            tier = str(rng.choice(("standard", "premium", "elite"), p=(0.5, 0.3, 0.2)))
            spec = ContactSpec(
                cid,
                str(rng.choice(CHANNELS, p=(0.5, 0.3, 0.2))),
                tier,
                value=float(rng.random()),
                severity=int(rng.integers(1, 5)),
                skills={str(rng.choice(SKILLS)): int(rng.integers(1, 5))},
                language=str(rng.choice(LANGS)),
                concierge=f"a{int(rng.integers(0, 10))}" if tier == "elite" else None,
            )
            self.contacts.append(cid)
            self.record(r.submit(spec, now=t))
        elif u < 0.7 and self.contacts:
            cid = self.contacts.pop(int(rng.integers(len(self.contacts))))
            self.act(r, t, "abandon", cid)
        elif u < 0.78 and self.contacts:
            self.act(r, t, "transfer", self.contacts[int(rng.integers(len(self.contacts)))])
        elif u < 0.9:
            presence = str(rng.choice(("ready", "not_ready", "logged_out"), p=(0.7, 0.2, 0.1)))
            self.act(r, t, presence, f"a{int(rng.integers(0, 8))}")

    def run(self, r: Router, events: int) -> None:
        for _ in range(events):
            self.step(r)


def run_workload(seed: int, events: int) -> tuple[Router, Driver]:
    rng = np.random.default_rng(seed)
    r = make_router(rng)
    d = Driver(rng)
    d.run(r, events)
    return r, d


def decisions(snap: dict[str, Any]) -> dict[str, Any]:
    """The snapshot with the passed-over lists of explanations as sets (their order is
    checked separately, in test_restored_router_explains_passed_over_in_the_same_order)."""
    out = copy.deepcopy(snap)
    for w in out["works"]:
        w["why"][8] = sorted(w["why"][8])
    return out


def comparable_stats(r: Router) -> dict[str, int]:
    # restore rebuilds only the signatures its waiting contacts use
    return {k: v for k, v in r.stats().items() if k != "signatures"}


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_snapshot_is_json_serialisable(seed: int) -> None:
    r, _ = run_workload(seed, 200)
    snap = r.snapshot()
    text = json.dumps(snap, allow_nan=False)
    assert json.loads(text) == snap
    assert r.snapshot() == snap  # taking a snapshot changes nothing


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_restore_gives_an_equal_snapshot(seed: int) -> None:
    r, _ = run_workload(seed, 200)
    snap = r.snapshot()
    restored = Router.restore(snap)
    assert restored.snapshot() == snap
    assert Router.restore(json.loads(json.dumps(snap))).snapshot() == snap
    assert restored.now == r.now
    assert restored.policy == r.policy
    assert restored.next_deadline() == r.next_deadline()
    assert comparable_stats(restored) == comparable_stats(r)
    assert restored.waiting_count() == r.waiting_count()
    restored._check()


@pytest.mark.parametrize("seed", [1, 6, 14])
def test_continued_workload_gives_identical_offers(seed: int) -> None:
    original, driver = run_workload(seed, 250)
    snap = original.snapshot()
    # the split point has all kinds of state worth restoring
    states = {w["state"] for w in snap["works"]}
    assert states == {0, 1, 2}, states  # offers ringing, contacts in service, wrap-ups
    assert any(c["state"] == 0 for c in snap["contacts"])  # contacts waiting
    assert any(c["excluded"] for c in snap["contacts"])  # ... after a reject or expiry
    cooldowns = [until for c in snap["contacts"] for _, until in c["cooldowns"].values()]
    assert min(cooldowns) <= snap["now"] < max(cooldowns)  # ... lapsed and running
    restored = Router.restore(json.loads(json.dumps(snap)))
    twin = copy.deepcopy(driver)
    start = len(driver.log)
    driver.run(original, 250)
    twin.run(restored, 250)
    tail = driver.log[start:]
    assert sum(isinstance(x, Offer) for x in tail) > 50
    assert twin.log[start:] == tail
    assert decisions(restored.snapshot()) == decisions(original.snapshot())
    assert comparable_stats(restored) == comparable_stats(original)
    original._check()
    restored._check()


def test_workload_exercises_every_kind_of_event() -> None:
    _, d = run_workload(13, 250)
    kinds = {x[0] for x in d.log if isinstance(x, tuple)}
    assert {"accept", "reject", "complete", "abandon", "transfer", "refused"} <= kinds
    assert {"ready", "not_ready", "logged_out"} <= kinds


def test_restore_uses_the_given_clock() -> None:
    r, _ = run_workload(5, 100)
    snap = r.snapshot()
    clock = ManualClock(r.now + 1000.0)
    restored = Router.restore(snap, clock=clock)
    restored.advance()
    assert restored.now == r.now + 1000.0


# ----------------------------------------------------------------------------- timers


def ringing_and_wrap_router() -> Router:
    """a: o1 ringing for c1 until 20; b: wrap-up of c2 until 35; c3 waiting."""
    r = Router(Policy(), start=0.0)
    r.add_agent(AgentSpec("a"), presence="ready", now=0.0)
    r.add_agent(AgentSpec("b"), presence="ready", now=0.0)
    [o1] = r.submit(ContactSpec("c1", "voice", "standard"), now=0.0)
    assert (o1.agent_id, o1.expires_at) == ("a", 20.0)
    [o2] = r.submit(ContactSpec("c2", "voice", "standard"), now=1.0)
    assert o2.agent_id == "b"
    r.accept(o2.offer_id, now=2.0)
    r.complete(o2.offer_id, now=5.0)
    assert r.submit(ContactSpec("c3", "voice", "standard"), now=6.0) == []
    return r


def test_restore_keeps_ringing_offers_and_wrap_up_timers() -> None:
    original = ringing_and_wrap_router()
    restored = Router.restore(json.loads(json.dumps(original.snapshot())))
    for r in (original, restored):
        assert r.next_deadline() == 20.0
        assert r.agent_status("a").state == AgentState.RESERVED
        assert r.agent_status("b").state == AgentState.WRAP_UP
        assert r.advance(19.999) == []
        # o1 expires: c1 returns (a excluded), a takes c3 at exactly 20
        [o3] = r.advance(20.0)
        assert (o3.contact_id, o3.agent_id, o3.offered_at, o3.expires_at) == (
            "c3",
            "a",
            20.0,
            40.0,
        )
        assert r.agent_status("a").no_answers == 1
        assert r.next_deadline() == 35.0
        # b's wrap-up ends at 35 and b takes c1
        [again] = r.advance(36.0)
        assert (again.contact_id, again.agent_id, again.offered_at) == ("c1", "b", 35.0)


def test_restore_keeps_relaxation_timers() -> None:
    r = Router(prestige(), start=0.0)
    r.add_agent(AgentSpec("conc", languages=("en",)), presence="not_ready", now=0.0)
    r.add_agent(
        AgentSpec("sen", skills={"billing": 4}, languages=("en",), seniority="senior"),
        presence="ready",
        now=0.0,
    )
    spec = ContactSpec(
        "e", "voice", "elite", skills={"billing": 3}, language="en", concierge="conc"
    )
    assert r.submit(spec, now=0.0) == []
    restored = Router.restore(r.snapshot())
    for router in (r, restored):
        assert router.contact_status("e").step == "concierge"
        assert router.next_deadline() == 30.0
        [offer] = router.advance(31.0)
        assert (offer.agent_id, offer.offered_at, offer.step) == ("sen", 30.0, "senior")


def test_restored_accept_and_complete_work_on_restored_offers() -> None:
    original = ringing_and_wrap_router()
    restored = Router.restore(original.snapshot())
    for r in (original, restored):
        r.accept("o1", now=10.0)
        assert r.complete("o1", now=12.0) == []
        assert r.agent_status("a").state == AgentState.WRAP_UP
        assert r.next_deadline() == 35.0  # b's wrap-up is first, a's ends at 42
        assert [(o.contact_id, o.agent_id, o.offered_at) for o in r.advance(50.0)] == [
            ("c3", "b", 35.0)
        ]


def test_restored_router_explains_passed_over_in_the_same_order() -> None:
    """Agent a declined c1 (tech) and c2 (billing); both head their queues when a takes
    c3. The billing queue was created first (by x0), before c1's; a restored router
    rebuilds queues in contact order. The explanation must not depend on that."""
    r = Router(Policy(), start=0.0)
    r.add_agent(AgentSpec("a", skills={"billing": 1, "tech": 1}), presence="ready", now=0.0)
    # logged in: another agent could take c1 and c2, so a's declines hold (cooldown)
    r.add_agent(AgentSpec("b", skills={"billing": 1, "tech": 1}), presence="not_ready", now=0.0)
    r.submit(ContactSpec("x0", "voice", "standard", skills={"billing": 1}), now=0.0)
    r.abandon("x0", now=1.0)
    [o1] = r.submit(ContactSpec("c1", "voice", "standard", skills={"tech": 1}), now=2.0)
    r.reject(o1.offer_id, now=3.0)
    [o2] = r.submit(ContactSpec("c2", "voice", "standard", skills={"billing": 1}), now=4.0)
    r.reject(o2.offer_id, now=5.0)
    r.set_agent_state("a", "not_ready", now=6.0)
    assert r.submit(ContactSpec("c3", "voice", "standard"), now=7.0) == []
    restored = Router.restore(r.snapshot())
    [mine] = r.set_agent_state("a", "ready", now=9.0)
    [theirs] = restored.set_agent_state("a", "ready", now=9.0)
    assert mine == theirs
    assert mine.contact_id == "c3"
    passed = r.explain(mine.offer_id).passed_over
    assert {p.id for p in passed} == {"c1", "c2"}
    assert restored.explain(theirs.offer_id).passed_over == passed


def test_snapshot_does_not_include_explain_history() -> None:
    original = ringing_and_wrap_router()
    original.advance(30.0)  # o1 expired: finished, explainable from history
    assert original.explain("o1").contact_id == "c1"
    restored = Router.restore(original.snapshot())
    with pytest.raises(UnknownOffer):
        restored.explain("o1")
    assert restored.explain("o3").contact_id == "c3"  # live offers are explainable


# ----------------------------------------------------------------------------- bad snapshots


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"format": "tierroute.other"}, "format"),
        ({"format": None}, "format"),
        ({"version": 4}, "version 4"),  # a future version
        ({"version": 0}, "version 0"),
        ({"version": None}, "version None"),
    ],
)
def test_restore_rejects_wrong_format_or_version(change: dict[str, Any], needle: str) -> None:
    snap = ringing_and_wrap_router().snapshot()
    snap.update(change)
    with pytest.raises(InvalidArgument, match=needle):
        Router.restore(snap)


@pytest.mark.parametrize("data", [None, [], "tierroute.routing.router", 42])
def test_restore_rejects_non_mappings(data: Any) -> None:
    with pytest.raises(InvalidArgument, match="not a tierroute router snapshot"):
        Router.restore(data)


# ----------------------------------------------------------------------------- id clashes


def test_restore_when_a_contact_id_looks_like_an_offer_id() -> None:
    """Contact 'o1' waits with a relaxation timer while offer 'o1' rings: the snapshot
    names both timers by id only, and the restored router must keep them apart."""
    r = Router(prestige(), start=0.0)
    r.add_agent(AgentSpec("ana", languages=("en",)), presence="ready", now=0.0)
    [offer] = r.submit(ContactSpec("x", "voice", "standard", language="en"), now=0.0)
    assert offer.offer_id == "o1"
    assert r.submit(ContactSpec("o1", "voice", "standard", language="en"), now=1.0) == []
    snap = r.snapshot()
    restored = Router.restore(snap)
    assert restored.snapshot() == snap
    assert restored.next_deadline() == r.next_deadline() == 20.0
    assert restored.advance(100.0) == r.advance(100.0)
    assert restored.contact_status("o1").step == r.contact_status("o1").step == "skilled"


def test_restore_when_a_contact_id_is_reused_during_wrap_up() -> None:
    """c1 (voice) is completed and ana is in wrap-up when a new contact 'c1' (chat)
    arrives: a live id may be reused once the contact finished. The restored router must
    still see ana's voice wrap-up (exclusive, 100 units) and offer her nothing."""
    r = Router(Policy(), start=0.0)
    r.add_agent(AgentSpec("ana", channels={"voice": 1, "chat": 2}), presence="ready", now=0.0)
    [o] = r.submit(ContactSpec("c1", "voice", "standard"), now=0.0)
    r.accept(o.offer_id, now=1.0)
    r.complete(o.offer_id, now=10.0)  # voice wrap-up until 40
    assert r.submit(ContactSpec("c1", "chat", "standard"), now=11.0) == []
    snap = r.snapshot()
    restored = Router.restore(snap)
    assert restored.snapshot() == snap
    assert restored.agent_status("ana") == r.agent_status("ana")
    restored._check()
    spec = ContactSpec("c2", "chat", "standard")
    assert restored.submit(spec, now=20.0) == r.submit(spec, now=20.0) == []


def test_a_version_1_snapshot_is_migrated_without_touching_the_callers_data() -> None:
    from pathlib import Path

    v1 = json.loads((Path(__file__).parent / "fixtures/v1/snapshot.json").read_text())
    assert v1["version"] == 1 and "tracker" in v1
    before = copy.deepcopy(v1)
    restored = Router.restore(v1)
    assert v1 == before
    again = restored.snapshot()
    assert again["version"] == 3 and "tracker" not in again
    assert again["policy"]["offer"]["decline_cooldown_s"] is None  # declines hold for good
    assert set(again["hooks"]) == {"promises"}
    assert again["hooks"]["promises"]["timers"] == v1["tracker"]["timers"]
    restored._check()
