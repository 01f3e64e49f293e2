"""The timer host protocol (tierroute.routing._hooks): a router whose timers live on a
foreign heap, fired back through ``Router.fire_timer``, makes exactly the decisions
of a router keeping them on its own heap."""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np
import pytest

from tests.test_snapshot import Driver, make_router
from tierroute import AgentSpec, ContactSpec, Decisions, Offer, Router, RoutingStateError


class ForeignHeap:
    """A tiny foreign host, as a simulator keeps one heap for all its events."""

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, int, Any, int]] = []
        self.seq = 0
        self.stale = 0

    def schedule(self, at: float, kind: int, obj: Any, ver: int) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, kind, obj, ver))

    def fire_due(self, router: Router, now: float) -> Decisions:
        out = Decisions()
        heap = self.heap
        while heap and heap[0][0] <= now:
            at, _, kind, obj, ver = heapq.heappop(heap)
            if not router.fire_timer(at, kind, obj, ver, out):
                self.stale += 1
        return out


class Hosted:
    """The router's calls, each preceded by firing the host's due timers (as the
    simulator pops its heap in time order); their offers come first, as they do when
    the router fires them itself."""

    def __init__(self, router: Router, host: ForeignHeap) -> None:
        self.router = router
        self.host = host

    @property
    def now(self) -> float:
        return self.router.now

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.router, name)

        def call(*args: Any, now: float, **kwargs: Any) -> list[Offer]:
            early = self.host.fire_due(self.router, now)
            return [*early, *method(*args, now=now, **kwargs)]

        return call

    def advance(self, now: float) -> list[Offer]:
        return [*self.host.fire_due(self.router, now), *self.router.advance(now)]


def decisions_of(log: list[Any]) -> list[Any]:
    # A call refused because of a timer due at its ``now`` names the reason
    # differently when the host fired that timer just before the call (an expired
    # offer is then unknown); the decisions are the same.
    return [x for x in log if not (isinstance(x, tuple) and x[0] == "refused")]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_foreign_timer_host_makes_the_same_decisions(seed: int) -> None:
    own = make_router(np.random.default_rng(seed))
    mine = Driver(np.random.default_rng(seed + 100))
    mine.run(own, 400)

    hosted = make_router(np.random.default_rng(seed))
    host = ForeignHeap()
    hosted.set_timer_host(host)
    theirs = Driver(np.random.default_rng(seed + 100))
    theirs.run(Hosted(hosted, host), 400)  # type: ignore[arg-type]

    assert decisions_of(theirs.log) == decisions_of(mine.log)
    assert len([x for x in mine.log if isinstance(x, Offer)]) > 100
    assert host.stale > 0  # cancelled timers came back and were skipped
    assert hosted.stats() == own.stats()
    assert hosted.now == own.now
    for i in range(8):
        assert hosted.agent_status(f"a{i}") == own.agent_status(f"a{i}")
    assert hosted.next_deadline() is None
    assert own.next_deadline() == min(e[0] for e in host.heap if e[4] == e[3].tver)


def test_live_timers_move_to_the_new_host() -> None:
    r = Router(start=0.0)
    r.add_agent(AgentSpec("a"), presence="ready", now=0.0)
    [offer] = r.submit(ContactSpec("c1", "voice", "standard"), now=1.0)
    assert offer.expires_at is not None
    assert r.next_deadline() == offer.expires_at
    host = ForeignHeap()
    r.set_timer_host(host)
    assert r.next_deadline() is None
    assert [e[0] for e in host.heap] == [offer.expires_at]
    with pytest.raises(RoutingStateError, match="foreign timer host"):
        r.snapshot()
    out = host.fire_due(r, offer.expires_at)
    assert out == [] and r.now == offer.expires_at  # the offer rang out; nobody else
    assert r.contact_status("c1").state == "waiting"
    assert r.agent_status("a").no_answers == 1
