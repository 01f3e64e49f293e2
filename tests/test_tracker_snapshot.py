"""A router with a promise tracker survives snapshot and restore: open promises,
escalation ladders, callback checks and their timers come back, and the restored
router raises the same events as the original from there on."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from tierroute import AgentSpec, ContactSpec, Decisions, PromiseTracker, Router, prestige
from tierroute.errors import TierRouteError

START = 1_768_384_800.0  # Wednesday 2026-01-14 10:00 UTC: the business calendar is open


def build() -> tuple[Router, PromiseTracker]:
    router = Router(prestige(), start=START)
    tracker = PromiseTracker(router)
    for i in range(4):
        router.add_agent(
            AgentSpec(
                f"a{i}",
                skills={"billing": 3 + i % 3},
                languages=("en",),
                seniority=i % 3,
                channels={"voice": 1, "chat": 2, "email": 2},
            ),
            presence="ready",
            now=START,
        )
    return router, tracker


def step(router: Router, rng: np.random.Generator, n: int, t: float) -> tuple[str, Any]:
    """One random call; returns what it decided (offers and events) or the error type."""
    live = router.snapshot()
    works = [w for w in live["works"] if w["state"] in (0, 1)]
    contacts = [c["id"] for c in live["contacts"] if c["state"] == 0]
    u = rng.random()
    try:
        if u < 0.4 or not (works or contacts):
            d: Decisions = router.submit(
                ContactSpec(
                    f"c{n}",
                    str(rng.choice(["voice", "chat", "email"])),
                    str(rng.choice(["standard", "premium", "elite"])),
                    value=float(rng.random()),
                    severity=int(rng.integers(1, 5)),
                    skills={"billing": int(rng.integers(1, 4))},
                    language="en",
                    attributes={"account": f"acct{int(rng.integers(0, 3))}"},
                ),
                now=t,
            )
        elif u < 0.7 and works:
            w = works[int(rng.integers(0, len(works)))]
            call = router.accept if w["state"] == 0 else router.complete
            d = call(w["id"], now=t)
        elif u < 0.8 and contacts:
            d = router.abandon(contacts[int(rng.integers(0, len(contacts)))], now=t)
        else:
            d = router.advance(t)
    except TierRouteError as exc:
        return ("error", type(exc).__name__)
    return ("ok", (list(d), list(d.events)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_restored_tracker_raises_the_same_events(seed: int) -> None:
    rng = np.random.default_rng(seed)
    original, tracker = build()
    t = START
    for n in range(150):
        t += float(rng.exponential(40.0))
        step(original, rng, n, t)
    snap = original.snapshot()
    assert snap["hooks"]["promises"]["open"], "the split point should hold open promises"
    assert snap["hooks"]["promises"]["timers"], "and promise timers"
    restored = Router.restore(json.loads(json.dumps(snap)))
    assert restored.snapshot() == snap
    restored._check()
    rng_a = np.random.default_rng(seed + 100)
    rng_b = np.random.default_rng(seed + 100)
    for n in range(150, 300):
        gap = float(rng_a.exponential(120.0))
        assert gap == float(rng_b.exponential(120.0))
        t += gap
        assert step(original, rng_a, n, t) == step(restored, rng_b, n, t)
        original._check()
    assert restored.snapshot() == original.snapshot()
    restored_tracker = restored.tracker
    assert isinstance(restored_tracker, PromiseTracker)
    assert original.tracker is tracker
    assert restored_tracker.counts() == tracker.counts()
    assert restored_tracker.breaches() == tracker.breaches()
    assert restored_tracker.escalations_fired == tracker.escalations_fired
