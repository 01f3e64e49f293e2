"""Crash test: a real worker process is killed with SIGKILL at random (seeded)
moments, dozens of times, and recovers from its journal each time.

The worker (``tests/crash_worker.py``) drives a seeded workload through a
``JournaledRouter`` with ``sync="always"`` and prints each step once its call has
returned; it compacts often (automatically, and explicitly after announcing it).
The kills land during start-up and recovery, between and inside steps, and —
aimed at the announced compactions — inside checkpoints. After every kill the
parent recovers the journal in-process and checks:

- the router's invariants (``_check``) hold;
- the journal is at the step the worker reached: every printed step is in it, at
  most one unprinted step is (killed between the journal write and the print);
- every contact whose submit was printed is there exactly once — live in the
  recovered state, or finished/abandoned per the uninterrupted reference run;
- once the recovered router's clock passes their expiries, none of the offers
  that were ringing is still reserved;
- the recovered state equals the state of an uninterrupted in-process reference
  run of the same seeded workload at the same step, and continuing the workload
  from the recovered router (in-process, and in the next worker) makes the same
  offers as the reference.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

import tierroute
from tests import crash_worker as cw
from tierroute import Router
from tierroute.hosting.journal import TornRecordWarning, journal_records, recover
from tierroute.routing._state import RESERVED

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

WORKER = Path(__file__).with_name("crash_worker.py")
SEED = 20240611
STEPS = 2000
KILLS = 30
CHECKPOINT_RECORDS = 40
CONTINUE = 25  # steps run in-process from each recovered state


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(tierroute.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    return env


def _parse(out: bytes) -> list[list[str]]:
    """Complete lines of worker output, split in at most 4 fields."""
    text = out.decode()
    if not text.endswith("\n"):  # a line cut by the kill
        text = text[: text.rfind("\n") + 1]
    return [line.split(" ", 3) for line in text.splitlines()]


def _run_worker(journal: Path, rng: random.Random | None) -> tuple[list[list[str]], bool]:
    """Run the worker; kill it at a random moment unless ``rng`` is None.

    Returns the complete output lines and whether the worker was killed.
    """
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), str(journal), str(SEED), str(STEPS), str(CHECKPOINT_RECORDS)],
        stdout=subprocess.PIPE,
        env=_env(),
    )
    assert proc.stdout is not None
    head = b""
    if rng is not None:
        mode = rng.random()
        if mode < 0.2:
            # Kill during start-up, recovery or the first steps: at a random instant,
            # but after at most 60 steps, so that every kill leaves steps for the
            # next (a fast worker would otherwise run out of steps before 30 kills).
            timer = threading.Timer(rng.uniform(0.0, 0.4), proc.send_signal, (signal.SIGKILL,))
            timer.start()
            seen = 0
            for line in iter(proc.stdout.readline, b""):
                head += line
                seen += line.startswith(b"step ")
                if seen >= 60:
                    break
            timer.cancel()
        elif mode < 0.45:
            # Kill during (or just around) an explicit checkpoint.
            for line in iter(proc.stdout.readline, b""):
                head += line
                if line == b"checkpoint\n":
                    break
            time.sleep(rng.uniform(0.0, 0.008))
        else:
            # Kill after a random number of steps, a random instant later.
            target = rng.randint(1, 60)
            seen = 0
            while seen < target:
                line = proc.stdout.readline()
                if not line:
                    break
                head += line
                seen += line.startswith(b"step ")
            time.sleep(rng.uniform(0.0, 0.003))
        proc.send_signal(signal.SIGKILL)
    rest = proc.stdout.read()
    proc.stdout.close()
    code = proc.wait(timeout=60)
    killed = code == -signal.SIGKILL
    assert killed or code == 0, f"worker failed with exit code {code}"
    return _parse(head + rest), killed


def _recover(journal: Path) -> tuple[Router, int]:
    with warnings.catch_warnings():
        # SIGKILL cannot tear a write that already returned, but it may interrupt one.
        warnings.simplefilter("ignore", TornRecordWarning)
        router = recover(journal)
        seq = journal_records(journal)[-1].seq
    return router, seq


class Recovery:
    """What one recovery saw, for comparison with the reference run."""

    def __init__(self, seq: int, snapshot: dict[str, Any], reported: set[str]) -> None:
        self.seq = seq
        self.snapshot = snapshot
        self.reported = reported
        self.continued: list[list[list[Any]]] = []


@pytest.mark.slow
def test_sigkill_recovery(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    journal = tmp_path / "journal"
    printed: dict[int, list[list[Any]]] = {}  # step -> offers, as the workers printed them
    reported: set[str] = set()  # contacts whose submit returned
    recoveries: list[Recovery] = []
    seq = 0
    kills = 0
    mid_compaction = 0  # kills that left an interrupted compaction behind
    done = False
    while not done:
        lines, killed = _run_worker(journal, rng if kills < KILLS else None)
        kills += killed
        last = None
        for fields in lines:
            if fields[0] == "open":
                # The worker starts exactly where the previous recovery stopped.
                assert int(fields[1]) == seq
            elif fields[0] == "checkpoint":
                pass
            elif fields[0] == "step":
                i = int(fields[1])
                assert i not in printed, f"step {i} ran twice"
                printed[i] = json.loads(fields[3])
                if fields[2] != "-":
                    reported.add(fields[2])
                last = i
            else:
                assert fields == ["done"]
                done = True
        if not any(journal.glob("segment-*.trj")):
            continue  # killed before the journal was even created
        previous = seq
        leftovers = len(list(journal.glob("segment-*.trj"))) > 1 or any(journal.glob(".tmp-*"))
        mid_compaction += leftovers
        router, seq = _recover(journal)
        # Every printed step is in the journal; at most one unprinted one is.
        assert seq - (previous if last is None else last + 1) in (0, 1), (previous, last, seq)
        assert done or killed
        # Invariants and counts.
        router._check()
        stats = router.stats()
        assert stats["submitted"] == (
            stats["waiting"]
            + stats["offered"]
            + stats["in_service"]
            + stats["finished"]
            + stats["abandoned"]
        )
        snap = router.snapshot()
        live = [c["id"] for c in snap["contacts"]]
        assert len(live) == len(set(live))
        for cid in reported:  # submitted at a step the journal holds
            assert int(cid[1:]) < seq
        got = Recovery(seq, snap, set(reported))
        # Continue the workload in-process from the recovered router.
        for i in range(seq, min(seq + CONTINUE, STEPS)):
            got.continued.append(cw.step(router, SEED, i).offers)
        router._check()
        recoveries.append(got)
        # Nothing stays reserved once the clock passes the expiries.
        again = Router.restore(snap)
        ringing = {w["id"]: w["expires_at"] for w in snap["works"] if w["state"] == RESERVED}
        if ringing:
            again.advance(max(ringing.values()) + 1.0)
            again._check()
            still = {w["id"] for w in again.snapshot()["works"] if w["state"] == RESERVED}
            assert not still & set(ringing)
    assert kills == KILLS
    print(f"{kills} kills, {mid_compaction} during a compaction, {len(recoveries)} recoveries")

    # The uninterrupted reference run of the same seeded workload.
    ref = cw.make_router()
    by_seq: dict[int, list[Recovery]] = {}
    for rec in recoveries:
        by_seq.setdefault(rec.seq, []).append(rec)
    fate: dict[str, str] = {}
    offers_at: list[list[list[Any]]] = []
    for i in range(STEPS + 1):
        for rec in by_seq.get(i, ()):
            assert cw.comparable(rec.snapshot) == cw.comparable(ref.snapshot()), (
                f"recovered state at step {i} differs from the reference"
            )
            for cid in rec.reported:  # present exactly once
                in_live = cid in {c["id"] for c in rec.snapshot["contacts"]}
                assert in_live == (fate[cid] == "live"), (cid, fate[cid])
        if i == STEPS:
            break
        snap = ref.snapshot()
        s = cw.step(ref, SEED, i)
        offers_at.append(s.offers)
        if s.contact_id is not None:
            fate[s.contact_id] = "live"
        if s.op in ("complete", "abandon"):
            after = {c["id"] for c in ref.snapshot()["contacts"]}
            for c in snap["contacts"]:
                if c["id"] not in after:
                    fate[c["id"]] = "finished" if s.op == "complete" else "abandoned"
    # The workers' decisions, and the in-process continuations, match the reference.
    for i, offers in printed.items():
        assert offers == offers_at[i], f"step {i}"
    for rec in recoveries:
        assert rec.continued == offers_at[rec.seq : rec.seq + len(rec.continued)]
    assert len(printed) > STEPS * 0.9
    assert sorted(by_seq)[-1] == STEPS
