"""What journaling costs per routing call, for each sync policy, on this disk.

Usage::

    python benchmarks/journal_overhead.py [--events 3000] [--dir PATH]

Runs the same deterministic workload (agents on voice and chat; contacts submitted,
accepted, completed; time advanced) on a bare router and on a journaled one per
policy, in a temporary folder under ``--dir`` (default: the system's temp folder —
measure on the disk you will use), and prints microseconds per call. ``report.py``
includes it.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from tierroute import AgentSpec, ContactSpec, JournaledRouter, Offer, Router
from tierroute.hosting.journal import SyncPolicy


def _workload(target: Router | JournaledRouter, events: int) -> int:
    """Run the workload on ``target``; returns the number of routing calls made."""
    calls = 0
    active: list[str] = []

    def handle(offers: list[Offer], now: float) -> None:
        nonlocal calls
        for offer in offers:
            target.accept(offer.offer_id, now=now)
            active.append(offer.offer_id)
            calls += 1

    for i in range(events // 3):
        now = 1.0 + i * 0.5
        channel = "chat" if i % 3 else "voice"
        contact = ContactSpec(f"c{i}", channel, "standard", value=(i % 10) / 10)
        handle(target.submit(contact, now=now), now)
        calls += 1
        if len(active) > 20:
            handle(target.complete(active.pop(0), now=now), now)
            calls += 1
        if i % 10 == 0:
            handle(target.advance(now + 0.1), now + 0.1)
            calls += 1
    return calls


def _fresh() -> Router:
    r = Router(start=0.0)
    for k in range(12):
        r.add_agent(AgentSpec(f"a{k}", channels={"voice": 1, "chat": 3}), presence="ready", now=0.0)
    return r


def measure_journal_overhead(
    events: int = 3000,
    *,
    directory: str | os.PathLike[str] | None = None,
    policies: tuple[SyncPolicy, ...] = ("os", "group", "always"),
    group_ms: float = 5.0,
) -> dict[str, float]:
    """Measure what journaling costs per routing call, for each sync policy.

    Returns:
        Microseconds per call: ``"bare"`` for the plain router, then for each
        policy its total per call and ``"<policy>_overhead"`` (total minus bare).
    """
    result: dict[str, float] = {}
    t0 = time.perf_counter()
    calls = _workload(_fresh(), events)
    result["bare"] = (time.perf_counter() - t0) / calls * 1e6
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        for policy in policies:
            with JournaledRouter.open(
                Path(tmp) / policy,
                init=_fresh(),
                sync=policy,
                group_ms=group_ms,
                checkpoint_records=None,
                checkpoint_bytes=None,
            ) as jr:
                t0 = time.perf_counter()
                calls = _workload(jr, events)
                total = (time.perf_counter() - t0) / calls * 1e6
            result[policy] = total
            result[f"{policy}_overhead"] = total - result["bare"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--dir", default=None, help="folder to journal in (its disk is measured)")
    args = parser.parse_args()
    print(json.dumps(measure_journal_overhead(args.events, directory=args.dir), indent=2))


if __name__ == "__main__":
    main()
