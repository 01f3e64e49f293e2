"""Random call sequences mixing valid calls and hostile values (issue #15).

Hypothesis draws sequences of router calls: valid ones on a small pool of ids (so
that many also fail for ordinary reasons: unknown ids, duplicates, wrong states),
hostile ones, each an operation with a hostile value in one argument slot (the
table of ``tests/test_hostile_inputs.py``) or a hostile ``now``, and "late" ones: an
``accept`` or ``reject`` of a ringing offer at a time when another offer of its agent
has expired, which sets the agent not ready and so withdraws the offer first.

Every failing call must raise a :class:`~tierroute.errors.TierRouteError` and leave
``snapshot()`` byte-identical (``json.dumps(..., sort_keys=True)``). The one
documented exception: timers due at the call's ``now`` may fire before the call is
found invalid. The router then stands exactly as ``advance(now)`` alone leaves it,
which is checked against a copy taken before the call; when the error carries
offers or events, or the router's time moved, it must be that state.

Under a :class:`~tierroute.hosting.journal.JournaledRouter` the journal must never
stop, and ``recover()`` must give the live state at the end.
"""

from __future__ import annotations

import copy
import json
from itertools import pairwise
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_hostile_inputs import NOW_VALUES, SLOTS
from tierroute import (
    AgentSpec,
    ContactSpec,
    Offer,
    OfferPolicy,
    Router,
    TierRouteError,
    UnknownAgent,
    prestige,
)
from tierroute.hosting.journal import JournaledRouter, recover
from tierroute.hosting.operations import Operation

AGENTS = ("a0", "a1", "a2")
CONTACTS = ("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7")
PRESENCES = ("ready", "ready", "ready", "not_ready", "logged_out")
SLOT_KEYS = sorted(SLOTS)
# One missed offer sets its agent not ready, which withdraws the agent's other
# offers: a call on one of them after the first one expired then fails once the
# expiry fired — the documented exception, which the "late" calls below aim at.
POLICY = prestige().model_copy(update={"offer": OfferPolicy(timeout_s=10.0, max_no_answers=1)})
SETTINGS = settings(max_examples=50, derandomize=True, deadline=None)
VALID_NAMES = (
    *("add_agent", "add_agent", "update_agent", "remove_agent"),
    *("set_agent_state", "set_agent_state", "submit", "submit", "submit", "submit"),
    *("abandon", "transfer", "accept", "accept", "reject", "complete", "complete", "advance"),
)


def state(target: Router | JournaledRouter) -> str:
    return json.dumps(target.snapshot(), sort_keys=True)


@st.composite
def agent_specs(draw: st.DrawFn) -> AgentSpec:
    return AgentSpec(
        draw(st.sampled_from(AGENTS)),
        skills=draw(st.dictionaries(st.sampled_from(("billing", "tech")), st.integers(1, 5))),
        languages=("en", *draw(st.sets(st.just("fr")))),
        seniority=draw(st.integers(0, 2)),
        channels={"voice": 1, "chat": draw(st.integers(0, 3)), "email": 3},
        attributes=draw(st.none() | st.fixed_dictionaries({"team": st.sampled_from("xy")})),
    )


@st.composite
def contact_specs(draw: st.DrawFn) -> ContactSpec:
    return ContactSpec(
        draw(st.sampled_from(CONTACTS)),
        draw(st.sampled_from(("voice", "chat", "chat", "email"))),
        draw(st.sampled_from(("standard", "standard", "premium", "elite"))),
        value=draw(st.floats(0.0, 1.0)),
        skills=draw(st.sampled_from(({}, {}, {"billing": 1}, {"tech": 2}))),
        language=draw(st.sampled_from((None, None, "en", "fr"))),
        attributes=draw(st.none() | st.fixed_dictionaries({"account": st.sampled_from("pq")})),
    )


@st.composite
def valid_calls(draw: st.DrawFn, offers: list[str]) -> tuple[str, dict[str, Any]]:
    """A well-formed call (that may still fail: unknown id, wrong state, ...)."""
    name = draw(st.sampled_from(VALID_NAMES))
    # mostly the latest offers: the older ones are mostly gone
    offer = st.sampled_from(offers[-3:] + offers[-2:] + offers) if offers else st.just("o1")
    args: dict[str, Any]
    if name == "add_agent":
        args = {"spec": draw(agent_specs()), "presence": draw(st.sampled_from(PRESENCES))}
    elif name == "update_agent":
        args = {"spec": draw(agent_specs())}
    elif name == "remove_agent":
        args = {"agent_id": draw(st.sampled_from(AGENTS))}
    elif name == "set_agent_state":
        args = {
            "agent_id": draw(st.sampled_from(AGENTS)),
            "presence": draw(st.sampled_from(PRESENCES)),
        }
    elif name == "submit":
        args = {"contact": draw(contact_specs())}
    elif name == "abandon":
        args = {"contact_id": draw(st.sampled_from(CONTACTS))}
    elif name == "transfer":
        args = {"contact_id": draw(st.sampled_from(CONTACTS)), "language": None}
    elif name == "advance":
        args = {}
    else:  # accept, reject, complete
        args = {"offer_id": draw(offer)}
    return name, args


def seed_agent(aid: str) -> AgentSpec:
    """The agents a sequence starts with; a0 alone takes chats and emails, so that
    its offers stack up (what "late" calls need)."""
    multi = {"voice": 1, "chat": 3, "email": 3} if aid == "a0" else {"voice": 1}
    return AgentSpec(aid, {"billing": 5, "tech": 5}, ("en", "fr"), seniority=2, channels=multi)


def late_targets(router: Router, offers: dict[str, Offer]) -> list[tuple[str, float]]:
    """``(offer_id, time)``: a ringing offer, and a time before it expires but after
    another ringing offer of the same agent expired (withdrawing this one)."""
    out = []
    for aid in AGENTS:
        try:
            ringing = router.agent_status(aid).offers
        except UnknownAgent:
            continue
        ends = sorted((offers[o].expires_at or 0.0, o) for o in ringing if o in offers)
        out += [(o2, (e1 + e2) / 2) for (e1, _), (e2, o2) in pairwise(ends) if e1 < e2]
    return out


@st.composite
def calls(draw: st.DrawFn, router: Router, offers: dict[str, Offer]) -> Operation:
    """The next call: valid (with a valid time), hostile in a slot or in ``now``, or
    "late" (a valid call on an offer that a due expiry withdraws first)."""
    t = router.now + draw(st.sampled_from((0.0, 0.0, 1.0, 4.0, 5.0, 7.0, 12.0, 25.0, 70.0)))
    kinds = ("valid", "valid", "valid", "hostile slot", "hostile now", "late")
    kind = draw(st.sampled_from(kinds))
    if kind == "late":
        late = late_targets(router, offers)
        if late:
            offer_id, at = draw(st.sampled_from(late))
            name = draw(st.sampled_from(("accept", "reject")))
            return Operation(name, {"offer_id": offer_id}, at)
        # none yet: stack up offers on a0 (a chat anyone may take), with a0 ready
        try:
            presence = router.agent_status("a0").presence
        except UnknownAgent:
            return Operation("add_agent", {"spec": seed_agent("a0"), "presence": "ready"}, t)
        if presence != "ready":
            return Operation("set_agent_state", {"agent_id": "a0", "presence": "ready"}, t)
        cid = draw(st.sampled_from(CONTACTS))
        return Operation("submit", {"contact": ContactSpec(cid, "chat", "standard")}, t)
    if kind == "hostile slot":
        slot = SLOTS[draw(st.sampled_from(SLOT_KEYS))]
        value = slot.values[draw(st.sampled_from(sorted(slot.values)))]
        return Operation(slot.name, slot.args(value), t)
    name, args = draw(valid_calls(list(offers)))
    if kind == "hostile now":
        return Operation(name, args, NOW_VALUES[draw(st.sampled_from(sorted(NOW_VALUES)))])
    return Operation(name, args, t)


def run_sequence(
    data: st.DataObject, target: Router | JournaledRouter, router: Router, steps: int
) -> None:
    """Apply ``steps`` drawn calls on ``target`` (``router`` is the router inside),
    checking each failing call."""
    for aid in AGENTS:  # a staffed start, so that offers ring from the first steps
        target.add_agent(seed_agent(aid), presence="ready", now=0.0)
    offers: dict[str, Offer] = {}
    for _ in range(steps):
        op = data.draw(calls(router, offers))
        deadline = router.next_deadline()
        due = deadline is not None and isinstance(op.now, int | float) and deadline <= op.now
        shadow = copy.deepcopy(router) if due else None  # a timer may fire first
        before, before_now = state(router), router.now
        try:
            offers.update((o.offer_id, o) for o in op.apply(target))  # type: ignore[arg-type]
            continue
        except TierRouteError as exc:
            error = exc
        check_failed_call(op, error, state(router), before, router.now != before_now, shadow)
    router._check()


def check_failed_call(
    op: Operation,
    error: TierRouteError,
    after: str,
    before: str,
    time_moved: bool,
    shadow: Router | None,
) -> None:
    """The router after a failing call is as it was, or as ``advance(now)`` alone
    would leave it (``shadow``: a copy from before the call, when a timer was due)."""
    timed: list[Any] | None = None
    if shadow is not None:
        try:
            timed = shadow.advance(op.now)
        except TierRouteError:
            timed = None  # a hostile time: no timer can have fired
    if timed is None:
        assert after == before, (op, error)
        return
    advanced = state(shadow)  # type: ignore[arg-type]
    if error.offers or error.events or time_moved:
        assert after == advanced, (op, error)
        assert list(error.offers) == list(timed), (op, error)
    else:
        assert after in (before, advanced), (op, error)


@SETTINGS
@given(st.data(), st.integers(10, 40))
def test_failing_calls_leave_the_router_as_it_was(data: st.DataObject, steps: int) -> None:
    router = Router(POLICY, start=0.0)
    run_sequence(data, router, router, steps)


@settings(SETTINGS, max_examples=20)
@given(st.data(), st.integers(10, 40))
def test_failing_calls_never_stop_the_journal(data: st.DataObject, steps: int) -> None:
    with TemporaryDirectory() as tmp:
        folder = Path(tmp) / "j"
        jr = JournaledRouter.open(folder, init=Router(POLICY, start=0.0), sync="os")
        run_sequence(data, jr, jr.router, steps)
        assert jr._failed is None
        live = state(jr)
        jr.close()
        assert state(recover(folder)) == live
