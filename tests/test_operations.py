"""Tests of tierroute.hosting.operations: one record per mutating router call, in one
table that the router, the journal and the driver agree with."""

from __future__ import annotations

import asyncio
import inspect
import json
import typing
from typing import Any

import pytest

from tierroute import (
    KEEP,
    AgentSpec,
    ContactSpec,
    Decisions,
    InvalidArgument,
    JournaledRouter,
    Offer,
    OfferPolicy,
    Policy,
    Router,
    RouterDriver,
    UnknownOffer,
)
from tierroute.errors import JournalError
from tierroute.hosting.operations import OPERATION_NAMES, Operation, perform

# One record of each operation, in an order that succeeds on a fresh Router().
SAMPLES: list[tuple[str, dict[str, Any]]] = [
    (
        "add_agent",
        {
            "spec": AgentSpec("ana", skills={"billing": 3}, languages=("en", "fr"), seniority=1),
            "presence": "ready",
        },
    ),
    ("add_agent", {"spec": AgentSpec("bob"), "presence": "logged_out"}),
    ("update_agent", {"spec": AgentSpec("bob", channels={"chat": 2})}),
    ("set_agent_state", {"agent_id": "bob", "presence": "not_ready"}),
    ("submit", {"contact": ContactSpec("c1", "voice", "standard", 0.5, 2, {"billing": 1})}),
    ("submit", {"contact": ContactSpec("c2", "chat", "standard", language="fr")}),
    ("transfer", {"contact_id": "c2", "language": None}),
    ("transfer", {"contact_id": "c2", "skills": {"billing": 2}, "min_seniority": 1}),
    ("reject", {"offer_id": "o1"}),
    ("advance", {}),
    ("abandon", {"contact_id": "c2"}),
    ("set_agent_state", {"agent_id": "bob", "presence": "logged_out"}),
    ("remove_agent", {"agent_id": "bob"}),
    ("submit", {"contact": ContactSpec("c3", "voice", "standard")}),
]


def mutating_router_methods() -> set[str]:
    """The public Router methods that return Decisions: the calls that change state."""
    return {
        name
        for name, fn in inspect.getmembers(Router, inspect.isfunction)
        if not name.startswith("_") and typing.get_type_hints(fn).get("return") is Decisions
    }


def test_there_is_one_operation_per_mutating_router_method() -> None:
    assert set(OPERATION_NAMES) == mutating_router_methods()
    assert len(OPERATION_NAMES) == 11


@pytest.mark.parametrize("name", OPERATION_NAMES)
def test_the_table_matches_the_router_signature(name: str) -> None:
    """Each parameter of the router method (``now`` aside) is in the row, passed the
    same way: positionally or by keyword."""
    params = [
        p
        for p in inspect.signature(getattr(Router, name)).parameters.values()
        if p.name not in ("self", "now")
    ]
    op = Operation(name, {p.name: p.name for p in params})
    positional, keywords = op.call_args()
    assert positional == tuple(p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD)
    assert keywords == {p.name: p.name for p in params if p.kind is p.KEYWORD_ONLY}


@pytest.mark.parametrize("name", OPERATION_NAMES)
def test_journal_and_driver_offer_every_operation_with_the_routers_parameters(
    name: str,
) -> None:
    router = inspect.signature(getattr(Router, name)).parameters
    journaled = inspect.signature(getattr(JournaledRouter, name)).parameters
    driven = inspect.signature(getattr(RouterDriver, name)).parameters
    assert list(journaled) == list(router)
    assert list(driven) == [p for p in router if p != "now"]


def test_records_run_as_the_calls_do_and_survive_json() -> None:
    direct, via_record, via_json = Router(), Router(), Router()
    for i, (name, args) in enumerate(SAMPLES):
        now = float(i)
        op = Operation(name, args, now)
        positional, keywords = op.call_args()
        expected = getattr(direct, name)(*positional, now=now, **keywords)
        assert op.apply(via_record) == expected
        data = json.loads(json.dumps(op.encode()))
        again = Operation.decode(name, data, now)
        assert again.apply(via_json) == expected
        assert again.encode() == data
    assert direct.snapshot() == via_record.snapshot() == via_json.snapshot()


def test_decoding_gives_back_the_record() -> None:
    for name, args in SAMPLES:
        op = Operation(name, args, 3.0)
        assert Operation.decode(name, json.loads(json.dumps(op.encode())), 3.0) == op


def test_keep_and_left_out_arguments_are_the_same_record() -> None:
    kept = Operation("transfer", {"contact_id": "c1", "skills": KEEP, "language": None})
    assert kept == Operation("transfer", {"contact_id": "c1", "language": None})
    assert kept.encode() == {"contact_id": "c1", "language": None}
    assert kept.call_args() == (("c1",), {"language": None})


@pytest.mark.parametrize(
    ("name", "args", "match"),
    [
        ("launch", {}, "operation must be one of"),
        (["accept"], {}, "operation must be one of"),
        ("accept", {}, r"accept needs \['offer_id'\], got \[\]"),
        ("accept", {"offer_id": "o1", "now": 2.0}, "got"),
        ("transfer", {"language": None}, "contact_id"),
        ("add_agent", {"spec": AgentSpec("a")}, "presence"),
    ],
)
def test_a_bad_record_is_refused_naming_what_is_wrong(
    name: Any, args: dict[str, Any], match: str
) -> None:
    with pytest.raises(InvalidArgument, match=match):
        Operation(name, args)


def test_encoding_refuses_what_is_not_a_spec() -> None:
    with pytest.raises(InvalidArgument, match="ContactSpec"):
        Operation("submit", {"contact": "c1"}).encode()
    with pytest.raises(InvalidArgument, match="AgentSpec"):
        Operation("update_agent", {"spec": {"agent_id": "a"}}).encode()


def test_decoding_refuses_what_encode_does_not_write() -> None:
    with pytest.raises(TypeError):
        Operation.decode("submit", {"contact": {"channel": "voice"}}, 0.0)
    with pytest.raises(KeyError):
        Operation.decode("update_agent", {"spec": {"agent_id": "a"}}, 0.0)
    with pytest.raises(TypeError):
        Operation.decode("accept", ["o1"], 0.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        Operation.decode("accept", {"offer": "o1"}, 0.0)


def test_at_sets_the_time_and_shares_the_arguments() -> None:
    op = Operation("abandon", {"contact_id": "c1"})
    later = op.at(5.0)
    assert (op.now, later.now) == (None, 5.0)
    assert later.args is op.args
    assert later == Operation("abandon", {"contact_id": "c1"}, 5.0)


# ---------------------------------------------------------------------- perform


def expiring_router() -> tuple[Router, Offer]:
    """A router where an offer expiring at 10 withdraws (through a no-answer) the
    offer o2 that is accepted at 12: the accept fails after the timers fired."""
    r = Router(Policy(offer=OfferPolicy(timeout_s=10.0, max_no_answers=1)))
    r.add_agent(AgentSpec("a", channels={"chat": 3}), presence="ready", now=0.0)
    r.add_agent(AgentSpec("b", channels={"chat": 1}), presence="not_ready", now=0.0)
    r.submit(ContactSpec("c1", "chat", "standard"), now=0.0)
    [o2] = r.submit(ContactSpec("c2", "chat", "standard"), now=5.0)
    r.set_agent_state("b", "ready", now=6.0)
    return r, o2


def test_perform_hands_on_what_took_effect() -> None:
    seen: list[tuple[Operation, list[Offer]]] = []
    r = Router()
    op = Operation("add_agent", {"spec": AgentSpec("a"), "presence": "ready"}, 0.0)
    assert perform(r, op, lambda o, offers: seen.append((o, offers))) == []
    submit = Operation("submit", {"contact": ContactSpec("c1", "voice", "standard")}, 1.0)
    offers = perform(r, submit, lambda o, offers: seen.append((o, offers)))
    assert seen == [(op, []), (submit, offers)]
    assert [o.contact_id for o in offers] == ["c1"]


def test_perform_records_nothing_for_a_call_that_changed_nothing() -> None:
    seen: list[Any] = []
    with pytest.raises(UnknownOffer):
        perform(Router(), Operation("accept", {"offer_id": "o9"}, 1.0), lambda *e: seen.append(e))
    assert seen == []


def test_perform_records_the_advance_of_timers_fired_before_a_call_failed() -> None:
    r, o2 = expiring_router()
    seen: list[tuple[Operation, list[Offer]]] = []
    with pytest.raises(UnknownOffer) as info:
        perform(r, Operation("accept", {"offer_id": o2.offer_id}, 12.0), lambda *e: seen.append(e))
    [(op, offers)] = seen
    assert op == Operation("advance", None, 12.0)
    assert offers == list(info.value.offers)
    assert [o.contact_id for o in offers] == ["c1"]
    ref, _ = expiring_router()
    assert ref.advance(12.0) == offers
    assert ref.snapshot() == r.snapshot()


def test_perform_records_nothing_when_the_journal_failed() -> None:
    r, _ = expiring_router()
    seen: list[Any] = []

    def failing_journal(op: Operation) -> list[Offer]:
        op.apply(r)
        raise JournalError("write failed")

    with pytest.raises(JournalError):
        perform(r, Operation("advance", None, 30.0), lambda *e: seen.append(e), failing_journal)
    assert r.now == 30.0
    assert seen == []


def test_the_driver_applies_records() -> None:
    async def main() -> list[Offer]:
        async with RouterDriver(Router()) as driver:
            await driver.apply(
                Operation("add_agent", {"spec": AgentSpec("a"), "presence": "ready"})
            )
            with pytest.raises(InvalidArgument, match="time"):
                await driver.apply(Operation("advance", None, 5.0))
            return await driver.apply(
                Operation("submit", {"contact": ContactSpec("c1", "voice", "standard")})
            )

    [offer] = asyncio.run(main())
    assert (offer.contact_id, offer.agent_id) == ("c1", "a")
