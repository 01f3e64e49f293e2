"""Memory of a long-running router whose requirements keep changing.

Usage::

    python benchmarks/churn.py [--contacts 300000] [--every 100000]

Two seeded workloads run a router for a long time with a steady load (a bounded
backlog, a bounded number of contacts in service), while the requirements they use
keep changing:

- ``concierges``: temporary concierges come and go. Every few contacts a new agent
  logs in, Elite contacts name it as their concierge, and once its batch is served
  it logs out and is removed, never to return.
- ``skills``: skill names change. Every few contacts a new skill name appears; an
  agent with that skill logs in for a while, contacts ask for it (some at once,
  some later than its agent stays, so they relax to any agent of their language),
  then the agent leaves and the name is never used again.

Memory is what ``tracemalloc`` counts as allocated since the start, after
``gc.collect()``, at every ``--every`` contacts: a router that forgets the
requirements nobody uses any more stays flat. ``report.py`` includes it, and
``tests/test_index_churn.py`` checks it.
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tierroute import AgentSpec, ContactSpec, Offer, Policy, Router

__all__ = ["WORKLOADS", "churn_memory"]

_BATCH = 5  # contacts per temporary concierge or skill name
_IN_SERVICE = 30  # assignments held open before the oldest completes


def _policy() -> Policy:
    # auto-accept: the workloads need no accept calls, and no offer can ring out
    return Policy.from_mapping({"preset": "prestige", "offer": {"auto_accept": True}})


class _Center:
    """A router with regular agents and the bookkeeping of assignments."""

    def __init__(self) -> None:
        self.router = Router(_policy(), start=0.0)
        self.t = 0.0
        self.open: deque[str] = deque()  # assignments, oldest first
        self.agent_of: dict[str, str] = {}  # assignment -> agent
        for i in range(20):
            spec = AgentSpec(
                f"a{i}",
                skills={"billing": 1 + i % 5, "tech": 1 + (i * 3) % 5},
                languages=("en",),
                seniority=i % 3,
                channels={"chat": 3},
            )
            self.router.add_agent(spec, presence="ready", now=0.0)

    def took(self, offers: list[Offer]) -> None:
        for o in offers:
            self.open.append(o.offer_id)
            self.agent_of[o.offer_id] = o.agent_id

    def complete_oldest(self) -> None:
        while len(self.open) > _IN_SERVICE:
            self.complete(self.open.popleft())

    def complete(self, offer_id: str) -> None:
        del self.agent_of[offer_id]
        self.took(self.router.complete(offer_id, now=self.t))

    def retire(self, agent_id: str) -> None:
        """Complete the agent's work, log it out and remove it."""
        for oid in [o for o in self.open if self.agent_of[o] == agent_id]:
            self.open.remove(oid)
            self.complete(oid)
        self.took(self.router.set_agent_state(agent_id, "logged_out", now=self.t))
        self.took(self.router.remove_agent(agent_id, now=self.t))


def _concierges(center: _Center, n: int) -> None:
    """Contact ``n``: every ``_BATCH`` contacts a new concierge arrives and the
    previous one leaves."""
    r = center.router
    k, i = divmod(n, _BATCH)
    if i == 0:
        if k:
            center.retire(f"tmp{k - 1}")
        spec = AgentSpec(f"tmp{k}", languages=("en",), seniority=2, channels={"chat": 3})
        center.took(r.add_agent(spec, presence="ready", now=center.t))
    spec_c = ContactSpec(
        f"c{n}",
        "chat",
        "elite" if i % 2 == 0 else "standard",
        value=0.5,
        skills={"billing": 1},
        language="en",
        concierge=f"tmp{k}",
    )
    center.took(r.submit(spec_c, now=center.t))


def _skills(center: _Center, n: int) -> None:
    """Contact ``n``: every ``_BATCH`` contacts a new skill name and an agent with it;
    the name is asked for until two batches later, after its agent left."""
    r = center.router
    k, i = divmod(n, _BATCH)
    if i == 0:
        if k:
            center.retire(f"r{k - 1}")
        spec = AgentSpec(f"r{k}", skills={f"s{k}": 3}, languages=("en",), channels={"chat": 3})
        center.took(r.add_agent(spec, presence="ready", now=center.t))
    skill = f"s{k - i % 2}"  # half ask for the previous name: they relax to "language"
    spec_c = ContactSpec(f"c{n}", "chat", "standard", skills={skill: 2}, language="en")
    center.took(r.submit(spec_c, now=center.t))


WORKLOADS: dict[str, Callable[[_Center, int], None]] = {
    "concierges": _concierges,
    "skills": _skills,
}


@contextmanager
def _traced() -> Iterator[None]:
    gc.collect()
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def churn_memory(workload: str, contacts: int, every: int) -> list[int]:
    """Run ``workload`` for ``contacts`` contacts; return the bytes allocated since
    the start (after ``gc.collect()``) at every ``every`` contacts."""
    step = WORKLOADS[workload]
    levels = []
    with _traced():
        center = _Center()
        for n in range(contacts):
            center.t += 1.0
            step(center, n)
            center.complete_oldest()
            if (n + 1) % every == 0:
                r = center.router
                r.advance(center.t)
                gc.collect()
                levels.append(tracemalloc.get_traced_memory()[0])
    return levels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=300_000)
    parser.add_argument("--every", type=int, default=100_000)
    args = parser.parse_args(argv)
    for name in WORKLOADS:
        levels = churn_memory(name, args.contacts, args.every)
        mib = ", ".join(f"{b / 2**20:.1f}" for b in levels)
        print(
            f"{name:12} MiB at every {args.every} contacts: {mib}; last / first "
            f"{levels[-1] / levels[0]:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
