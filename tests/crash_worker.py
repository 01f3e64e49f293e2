"""Crash-test worker: drives a seeded workload through a journaled router.

Usage::

    python tests/crash_worker.py JOURNAL_DIR SEED STEPS CHECKPOINT_RECORDS

It opens the journal (starting one if there is none, with ``sync="always"``),
continues the workload from the step the journal has reached (one journaled call
per step, so the step number is the journal's ``seq``) and prints, flushed:

- ``open <seq> <replayed>`` once the journal is open;
- ``step <i> <contact id or -> <offers as JSON>`` after the call of step ``i``
  has returned (so it is on disk): the contact id when the step was a submit;
- ``checkpoint`` just before each explicit checkpoint (every
  ``MANUAL_CHECKPOINT`` steps; automatic ones happen every ``CHECKPOINT_RECORDS``
  records);
- ``done`` when all ``STEPS`` steps are done.

:func:`step` is also what ``tests/test_crash.py`` runs in-process for the
uninterrupted reference. Each step is a pure function of the seed, the step number
and the router's state, and always makes exactly one successful call.
"""

from __future__ import annotations

import json
import random
import sys
from typing import Any, NamedTuple

from tierroute import AgentSpec, ContactSpec, Offer, Router, TierRouteError, prestige
from tierroute.hosting.journal import JournaledRouter
from tierroute.routing._state import ACTIVE, IN_SERVICE, RESERVED

AGENTS = 10
SKILLS = ("billing", "technical", "logistics")
LANGS = ("en", "fr")
ACTIONS = ("submit", "accept", "reject", "complete", "abandon", "transfer", "presence", "advance")
WEIGHTS = (20, 26, 4, 24, 7, 3, 6, 6)
MANUAL_CHECKPOINT = 64  # steps between explicit checkpoints (besides automatic ones)


class Step(NamedTuple):
    """What one step did."""

    op: str
    contact_id: str | None
    offers: list[list[Any]]


def make_router() -> Router:
    """The router the workload starts from."""
    return Router(prestige(), start=0.0)


def agent_spec(k: int) -> AgentSpec:
    """Agent ``k`` of the workload (deterministic)."""
    rng = random.Random(f"agent:{k}")
    return AgentSpec(
        f"a{k}",
        skills={s: rng.randint(2, 5) for s in rng.sample(SKILLS, 2)},
        languages=tuple(rng.sample(LANGS, rng.randint(1, 2))),
        seniority=k % 3,
        channels={"voice": 1, "chat": 3, "email": 3},
    )


def offers_data(offers: list[Offer]) -> list[list[Any]]:
    """Offers as JSON data, for printing and comparing."""
    return [
        [o.offer_id, o.contact_id, o.agent_id, o.offered_at, o.expires_at, o.step, o.accepted]
        for o in offers
    ]


def comparable(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot without the explanation-only list of agents passed over.

    ``Router.restore`` rebuilds agent pools lazily, so an agent released a moment
    before a contact is placed again can be listed as "passed over" after a restore
    and not in the original (where its pool entry is momentarily stale). Decisions
    are not affected. Recovery crosses checkpoints, i.e. restores, so comparisons
    with a router that never restored leave this field out.
    """
    out = dict(snapshot)
    out["works"] = [{**w, "why": w["why"][:8] + w["why"][9:]} for w in snapshot["works"]]
    return out


def step(target: Router | JournaledRouter, seed: int, i: int) -> Step:
    """Run step ``i`` of the workload on ``target``: exactly one successful call."""
    if i < AGENTS:
        presence = "not_ready" if i % 4 == 3 else "ready"
        offers = target.add_agent(agent_spec(i), presence=presence, now=target.now)
        return Step("add_agent", None, offers_data(offers))
    rng = random.Random(f"{seed}:{i}")
    snap = target.snapshot()
    now = snap["now"] + (rng.uniform(0.0, 6.0) if rng.random() < 0.7 else 0.0)
    deadline = target.next_deadline()
    # Accepting or rejecting while timers are due trips a router bug (the timer may
    # release the very offer after it was validated); advance first instead.
    calm = deadline is None or deadline > now
    reserved = sorted(w["id"] for w in snap["works"] if w["state"] == RESERVED)
    active = sorted(w["id"] for w in snap["works"] if w["state"] == ACTIVE)
    live = [c["id"] for c in snap["contacts"]]
    not_in_service = [c["id"] for c in snap["contacts"] if c["state"] != IN_SERVICE]
    busy = {w["agent"] for w in snap["works"] if w["state"] == ACTIVE}
    action = rng.choices(ACTIONS, WEIGHTS)[0]
    try:
        if action == "submit":
            tier = rng.choices(("standard", "premium", "elite"), (6, 3, 1))[0]
            contact = ContactSpec(
                f"c{i}",
                rng.choices(("voice", "chat", "email"), (5, 3, 2))[0],
                tier,
                value=round(rng.random(), 3),
                severity=rng.choices((1, 2, 3, 4), (1, 3, 12, 4))[0],
                skills={rng.choice(SKILLS): rng.randint(1, 3)},
                language=rng.choice(LANGS),
                concierge="a0" if tier == "elite" else None,
            )
            return Step("submit", contact.contact_id, offers_data(target.submit(contact, now=now)))
        if action == "accept" and reserved and calm:
            return Step("accept", None, offers_data(target.accept(rng.choice(reserved), now=now)))
        if action == "reject" and reserved and calm:
            return Step("reject", None, offers_data(target.reject(rng.choice(reserved), now=now)))
        if action == "complete" and active:
            return Step("complete", None, offers_data(target.complete(rng.choice(active), now=now)))
        if action == "abandon" and not_in_service:
            cid = rng.choice(not_in_service)
            return Step("abandon", None, offers_data(target.abandon(cid, now=now)))
        if action == "transfer" and live:
            cid = rng.choice(live)
            skills = {rng.choice(SKILLS): rng.randint(1, 4)}
            return Step("transfer", None, offers_data(target.transfer(cid, skills=skills, now=now)))
        if action == "presence":
            aid = f"a{rng.randrange(AGENTS)}"
            choices = ["ready", "ready", "not_ready"] + ([] if aid in busy else ["logged_out"])
            offers = target.set_agent_state(aid, rng.choice(choices), now=now)
            return Step("set_agent_state", None, offers_data(offers))
    except TierRouteError:
        pass  # deterministic, so the reference run takes the same branch
    return Step("advance", None, offers_data(target.advance(now)))


def main(argv: list[str]) -> int:
    folder, seed, steps, checkpoint_records = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    jr = JournaledRouter.open(
        folder, init=make_router(), sync="always", checkpoint_records=checkpoint_records
    )
    print(f"open {jr.seq} {jr.replayed}", flush=True)
    i = jr.seq
    while i < steps:
        s = step(jr, seed, i)
        assert jr.seq == i + 1, (jr.seq, i)
        print(f"step {i} {s.contact_id or '-'} {json.dumps(s.offers)}", flush=True)
        i += 1
        if i % MANUAL_CHECKPOINT == 0:
            print("checkpoint", flush=True)  # lets the parent aim a kill at it
            jr.checkpoint()
    jr.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
