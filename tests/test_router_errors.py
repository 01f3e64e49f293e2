"""Bad input at every public entry of the router.

Each case asserts the specific typed error, that it is also the builtin a caller would
catch (ValueError / KeyError / RuntimeError), that the message names the bad value,
and that the router is exactly as it was (``snapshot()`` before == after).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from tierroute import (
    AgentSpec,
    ContactSpec,
    DuplicateId,
    InvalidArgument,
    Policy,
    Router,
    RoutingStateError,
    TierRouteError,
    TimeWentBackwards,
    UnknownAgent,
    UnknownContact,
    UnknownId,
    UnknownOffer,
    prestige,
)

NAN = float("nan")
INF = float("inf")


def busy_router(clock: Callable[[], float] | None = None) -> Router:
    """A prestige router at t=6 with work in every state.

    - ana: in service with c1 (offer o1, accepted); bob: o2 ringing for c2 until 23;
    - cat: logged out; dan: not ready; eve: wrap-up of c4 (o3) until 66;
    - c3 waiting (nobody has 'tech').
    """
    r = Router(prestige(), start=0.0, clock=clock)
    r.add_agent(
        AgentSpec(
            "ana",
            skills={"billing": 3},
            languages=("en",),
            seniority="senior",
            channels={"voice": 1, "chat": 2},
        ),
        presence="ready",
        now=0.0,
    )
    r.add_agent(AgentSpec("bob", skills={"billing": 2}, languages=("en",)), presence="ready", now=0)
    r.add_agent(AgentSpec("cat"), now=0.0)
    r.add_agent(AgentSpec("dan", languages=("en",)), presence="not_ready", now=0.0)
    r.add_agent(
        AgentSpec("eve", languages=("en",), channels={"email": 1}), presence="ready", now=0.0
    )
    assert [
        o.offer_id for o in r.submit(ContactSpec("c1", "voice", "standard", language="en"), now=1)
    ] == ["o1"]
    r.accept("o1", now=2.0)
    assert [
        o.agent_id for o in r.submit(ContactSpec("c2", "voice", "standard", language="en"), now=3)
    ] == ["bob"]
    assert r.submit(ContactSpec("c3", "voice", "standard", skills={"tech": 1}), now=4.0) == []
    r.submit(ContactSpec("c4", "email", "standard", language="en"), now=5.0)
    r.accept("o3", now=5.0)
    r.complete("o3", now=6.0)
    assert r.now == 6.0
    return r


def C(**kw: Any) -> ContactSpec:
    """A valid contact spec with id 'new', overridden by ``kw``."""
    fields: dict[str, Any] = {"contact_id": "new", "channel": "voice", "tier": "standard"}
    fields.update(kw)
    return ContactSpec(**fields)


def A(**kw: Any) -> AgentSpec:
    fields: dict[str, Any] = {"agent_id": "new"}
    fields.update(kw)
    return AgentSpec(**fields)


# (call, error class, builtin, substrings the message must contain)
Case = tuple[Callable[[Router], Any], type[TierRouteError], type[Exception], tuple[str, ...]]

CASES: dict[str, Case] = {
    # ---- add_agent
    "add_agent duplicate": (
        lambda r: r.add_agent(AgentSpec("ana"), now=7),
        DuplicateId,
        ValueError,
        ("'ana'",),
    ),
    "add_agent not a spec": (
        lambda r: r.add_agent({"agent_id": "x"}, now=7),  # type: ignore[arg-type]
        InvalidArgument,
        ValueError,
        ("dict",),
    ),
    "add_agent empty id": (
        lambda r: r.add_agent(A(agent_id=""), now=7),
        InvalidArgument,
        ValueError,
        ("''",),
    ),
    "add_agent id not str": (
        lambda r: r.add_agent(A(agent_id=5), now=7),
        InvalidArgument,
        ValueError,
        ("5",),
    ),
    "add_agent proficiency 6": (
        lambda r: r.add_agent(A(skills={"billing": 6}), now=7),
        InvalidArgument,
        ValueError,
        ("'billing'", "1..5", "6"),
    ),
    "add_agent proficiency 0": (
        lambda r: r.add_agent(A(skills={"billing": 0}), now=7),
        InvalidArgument,
        ValueError,
        ("'billing'", "got 0"),
    ),
    "add_agent proficiency float": (
        lambda r: r.add_agent(A(skills={"billing": 2.5}), now=7),
        InvalidArgument,
        ValueError,
        ("2.5",),
    ),
    "add_agent proficiency bool": (
        lambda r: r.add_agent(A(skills={"billing": True}), now=7),
        InvalidArgument,
        ValueError,
        ("True",),
    ),
    "add_agent empty skill name": (
        lambda r: r.add_agent(A(skills={"": 3}), now=7),
        InvalidArgument,
        ValueError,
        ("''",),
    ),
    "add_agent skills not a mapping": (
        lambda r: r.add_agent(A(skills=["billing"]), now=7),
        InvalidArgument,
        ValueError,
        ("['billing']",),
    ),
    "add_agent languages str": (
        lambda r: r.add_agent(A(languages="en"), now=7),
        InvalidArgument,
        ValueError,
        ("'en'",),
    ),
    "add_agent languages non-str": (
        lambda r: r.add_agent(A(languages=("en", 5)), now=7),
        InvalidArgument,
        ValueError,
        ("5",),
    ),
    "add_agent unknown seniority": (
        lambda r: r.add_agent(A(seniority="boss"), now=7),
        InvalidArgument,
        ValueError,
        ("'boss'",),
    ),
    "add_agent seniority 3": (
        lambda r: r.add_agent(A(seniority=3), now=7),
        InvalidArgument,
        ValueError,
        ("seniority 3",),
    ),
    "add_agent seniority -1": (
        lambda r: r.add_agent(A(seniority=-1), now=7),
        InvalidArgument,
        ValueError,
        ("-1",),
    ),
    "add_agent seniority bool": (
        lambda r: r.add_agent(A(seniority=True), now=7),
        InvalidArgument,
        ValueError,
        ("True",),
    ),
    "add_agent unknown channel": (
        lambda r: r.add_agent(A(channels={"fax": 1}), now=7),
        InvalidArgument,
        ValueError,
        ("'fax'",),
    ),
    "add_agent no channels": (
        lambda r: r.add_agent(A(channels={}), now=7),
        InvalidArgument,
        ValueError,
        ("{}",),
    ),
    "add_agent channel max -1": (
        lambda r: r.add_agent(A(channels={"chat": -1}), now=7),
        InvalidArgument,
        ValueError,
        ("chat", "-1"),
    ),
    "add_agent channel max float": (
        lambda r: r.add_agent(A(channels={"chat": 1.5}), now=7),
        InvalidArgument,
        ValueError,
        ("1.5",),
    ),
    "add_agent capacity 0": (
        lambda r: r.add_agent(A(capacity=0), now=7),
        InvalidArgument,
        ValueError,
        ("capacity", "got 0"),
    ),
    "add_agent capacity str": (
        lambda r: r.add_agent(A(capacity="100"), now=7),
        InvalidArgument,
        ValueError,
        ("'100'",),
    ),
    "add_agent capacity bool": (
        lambda r: r.add_agent(A(capacity=True), now=7),
        InvalidArgument,
        ValueError,
        ("True",),
    ),
    "add_agent voice costs more than capacity": (
        lambda r: r.add_agent(A(channels={"voice": 1}, capacity=50), now=7),
        InvalidArgument,
        ValueError,
        ("voice", "100", "50"),
    ),
    "add_agent chat costs more than capacity": (
        lambda r: r.add_agent(A(channels={"chat": 1}, capacity=32), now=7),
        InvalidArgument,
        ValueError,
        ("chat", "33", "32"),
    ),
    "add_agent unknown presence": (
        lambda r: r.add_agent(A(), presence="busy", now=7),
        InvalidArgument,
        ValueError,
        ("'busy'",),
    ),
    # ---- update_agent
    "update_agent unknown": (
        lambda r: r.update_agent(AgentSpec("zed"), now=7),
        UnknownAgent,
        KeyError,
        ("'zed'",),
    ),
    "update_agent not a spec": (
        lambda r: r.update_agent("dan", now=7),  # type: ignore[arg-type]
        InvalidArgument,
        ValueError,
        ("str",),
    ),
    "update_agent bad proficiency": (
        lambda r: r.update_agent(AgentSpec("dan", skills={"billing": 9}), now=7),
        InvalidArgument,
        ValueError,
        ("'dan'", "9"),
    ),
    "update_agent in service": (
        lambda r: r.update_agent(AgentSpec("ana"), now=7),
        RoutingStateError,
        RuntimeError,
        ("'ana'", "o1"),
    ),
    "update_agent ringing": (
        lambda r: r.update_agent(AgentSpec("bob"), now=7),
        RoutingStateError,
        RuntimeError,
        ("'bob'", "o2"),
    ),
    "update_agent wrap-up": (
        lambda r: r.update_agent(AgentSpec("eve", channels={"email": 1}), now=7),
        RoutingStateError,
        RuntimeError,
        ("'eve'", "o3"),
    ),
    # ---- remove_agent
    "remove_agent unknown": (
        lambda r: r.remove_agent("zed", now=7),
        UnknownAgent,
        KeyError,
        ("'zed'",),
    ),
    "remove_agent not ready": (
        lambda r: r.remove_agent("dan", now=7),
        RoutingStateError,
        RuntimeError,
        ("'dan'",),
    ),
    "remove_agent ready": (
        lambda r: r.remove_agent("ana", now=7),
        RoutingStateError,
        RuntimeError,
        ("'ana'",),
    ),
    "remove_agent unhashable id": (
        lambda r: r.remove_agent(["ana"], now=7),  # type: ignore[arg-type]
        UnknownAgent,
        KeyError,
        ("['ana']",),
    ),
    # ---- set_agent_state
    "set_agent_state unknown": (
        lambda r: r.set_agent_state("zed", "ready", now=7),
        UnknownAgent,
        KeyError,
        ("'zed'",),
    ),
    "set_agent_state id None": (
        lambda r: r.set_agent_state(None, "ready", now=7),  # type: ignore[arg-type]
        UnknownAgent,
        KeyError,
        ("None",),
    ),
    "set_agent_state unknown presence": (
        lambda r: r.set_agent_state("dan", "busy", now=7),
        InvalidArgument,
        ValueError,
        ("'busy'",),
    ),
    "set_agent_state presence int": (
        lambda r: r.set_agent_state("dan", 1, now=7),  # type: ignore[arg-type]
        InvalidArgument,
        ValueError,
        ("1",),
    ),
    "set_agent_state logout in service": (
        lambda r: r.set_agent_state("ana", "logged_out", now=7),
        RoutingStateError,
        RuntimeError,
        ("'ana'", "c1"),
    ),
    # ---- submit
    "submit duplicate waiting": (
        lambda r: r.submit(C(contact_id="c3"), now=7),
        DuplicateId,
        ValueError,
        ("'c3'",),
    ),
    "submit duplicate in service": (
        lambda r: r.submit(C(contact_id="c1"), now=7),
        DuplicateId,
        ValueError,
        ("'c1'",),
    ),
    "submit duplicate offered": (
        lambda r: r.submit(C(contact_id="c2"), now=7),
        DuplicateId,
        ValueError,
        ("'c2'",),
    ),
    "submit not a spec": (
        lambda r: r.submit(("new", "voice", "standard"), now=7),  # type: ignore[arg-type]
        InvalidArgument,
        ValueError,
        ("tuple",),
    ),
    "submit empty id": (
        lambda r: r.submit(C(contact_id=""), now=7),
        InvalidArgument,
        ValueError,
        ("''",),
    ),
    "submit id None": (
        lambda r: r.submit(C(contact_id=None), now=7),
        InvalidArgument,
        ValueError,
        ("None",),
    ),
    "submit unknown tier": (
        lambda r: r.submit(C(tier="gold"), now=7),
        InvalidArgument,
        ValueError,
        ("'gold'",),
    ),
    "submit tier not str": (
        lambda r: r.submit(C(tier=2), now=7),
        InvalidArgument,
        ValueError,
        ("tier 2",),
    ),
    "submit unknown channel": (
        lambda r: r.submit(C(channel="fax"), now=7),
        InvalidArgument,
        ValueError,
        ("'fax'",),
    ),
    "submit value below 0": (
        lambda r: r.submit(C(value=-0.1), now=7),
        InvalidArgument,
        ValueError,
        ("-0.1",),
    ),
    "submit value above 1": (
        lambda r: r.submit(C(value=1.5), now=7),
        InvalidArgument,
        ValueError,
        ("1.5",),
    ),
    "submit value nan": (
        lambda r: r.submit(C(value=NAN), now=7),
        InvalidArgument,
        ValueError,
        ("nan",),
    ),
    "submit value inf": (
        lambda r: r.submit(C(value=INF), now=7),
        InvalidArgument,
        ValueError,
        ("inf",),
    ),
    "submit value bool": (
        lambda r: r.submit(C(value=True), now=7),
        InvalidArgument,
        ValueError,
        ("True",),
    ),
    "submit value str": (
        lambda r: r.submit(C(value="0.5"), now=7),
        InvalidArgument,
        ValueError,
        ("'0.5'",),
    ),
    "submit severity 0": (
        lambda r: r.submit(C(severity=0), now=7),
        InvalidArgument,
        ValueError,
        ("severity", "got 0"),
    ),
    "submit severity 5": (
        lambda r: r.submit(C(severity=5), now=7),
        InvalidArgument,
        ValueError,
        ("severity", "got 5"),
    ),
    "submit severity str": (
        lambda r: r.submit(C(severity="P1"), now=7),
        InvalidArgument,
        ValueError,
        ("'P1'",),
    ),
    "submit severity bool": (
        lambda r: r.submit(C(severity=True), now=7),
        InvalidArgument,
        ValueError,
        ("True",),
    ),
    "submit proficiency 6": (
        lambda r: r.submit(C(skills={"billing": 6}), now=7),
        InvalidArgument,
        ValueError,
        ("'billing'", "1..5", "6"),
    ),
    "submit proficiency 0": (
        lambda r: r.submit(C(skills={"billing": 0}), now=7),
        InvalidArgument,
        ValueError,
        ("'billing'", "got 0"),
    ),
    "submit empty language": (
        lambda r: r.submit(C(language=""), now=7),
        InvalidArgument,
        ValueError,
        ("language", "''"),
    ),
    "submit language int": (
        lambda r: r.submit(C(language=5), now=7),
        InvalidArgument,
        ValueError,
        ("language", "5"),
    ),
    "submit unknown min_seniority": (
        lambda r: r.submit(C(min_seniority="boss"), now=7),
        InvalidArgument,
        ValueError,
        ("'boss'",),
    ),
    "submit min_seniority 3": (
        lambda r: r.submit(C(min_seniority=3), now=7),
        InvalidArgument,
        ValueError,
        ("seniority 3",),
    ),
    "submit min_seniority -1": (
        lambda r: r.submit(C(min_seniority=-1), now=7),
        InvalidArgument,
        ValueError,
        ("-1",),
    ),
    "submit empty concierge": (
        lambda r: r.submit(C(concierge=""), now=7),
        InvalidArgument,
        ValueError,
        ("concierge", "''"),
    ),
    "submit concierge int": (
        lambda r: r.submit(C(concierge=7), now=7),
        InvalidArgument,
        ValueError,
        ("concierge", "7"),
    ),
    "submit arrived in the future": (
        lambda r: r.submit(C(arrived_at=100.0), now=7),
        InvalidArgument,
        ValueError,
        ("arrived_at=100.0",),
    ),
    "submit arrived nan": (
        lambda r: r.submit(C(arrived_at=NAN), now=7),
        InvalidArgument,
        ValueError,
        ("arrived_at", "nan"),
    ),
    "submit arrived negative": (
        lambda r: r.submit(C(arrived_at=-3.0), now=7),
        InvalidArgument,
        ValueError,
        ("arrived_at", "-3.0"),
    ),
    "submit arrived inf": (
        lambda r: r.submit(C(arrived_at=INF), now=7),
        InvalidArgument,
        ValueError,
        ("arrived_at", "inf"),
    ),
    "submit attributes not a mapping": (
        lambda r: r.submit(C(attributes=[1, 2]), now=7),
        InvalidArgument,
        ValueError,
        ("[1, 2]",),
    ),
    # ---- accept
    "accept unknown": (lambda r: r.accept("o99", now=7), UnknownOffer, KeyError, ("'o99'",)),
    "accept int id": (lambda r: r.accept(123, now=7), UnknownOffer, KeyError, ("123",)),
    "accept unhashable id": (
        lambda r: r.accept(["o2"], now=7),
        UnknownOffer,
        KeyError,
        ("['o2']",),
    ),
    "accept already accepted": (
        lambda r: r.accept("o1", now=7),
        RoutingStateError,
        RuntimeError,
        ("'o1'",),
    ),
    "accept in wrap-up": (
        lambda r: r.accept("o3", now=7),
        RoutingStateError,
        RuntimeError,
        ("'o3'",),
    ),
    "accept expired (exactly at expiry)": (
        lambda r: r.accept("o2", now=23),
        RoutingStateError,
        RuntimeError,
        ("'o2'", "23.0"),
    ),
    "accept expired (later)": (
        lambda r: r.accept("o2", now=30),
        RoutingStateError,
        RuntimeError,
        ("'o2'", "23.0"),
    ),
    # ---- reject
    "reject unknown": (lambda r: r.reject("o99", now=7), UnknownOffer, KeyError, ("'o99'",)),
    "reject accepted": (
        lambda r: r.reject("o1", now=7),
        RoutingStateError,
        RuntimeError,
        ("'o1'",),
    ),
    "reject in wrap-up": (
        lambda r: r.reject("o3", now=7),
        RoutingStateError,
        RuntimeError,
        ("'o3'",),
    ),
    "reject expired": (
        lambda r: r.reject("o2", now=23),
        RoutingStateError,
        RuntimeError,
        ("'o2'",),
    ),
    # ---- complete
    "complete unknown": (lambda r: r.complete("o99", now=7), UnknownOffer, KeyError, ("'o99'",)),
    "complete ringing": (
        lambda r: r.complete("o2", now=7),
        RoutingStateError,
        RuntimeError,
        ("'o2'", "ringing"),
    ),
    "complete twice (wrap-up)": (
        lambda r: r.complete("o3", now=7),
        RoutingStateError,
        RuntimeError,
        ("'o3'", "wrap-up"),
    ),
    # ---- abandon
    "abandon unknown": (lambda r: r.abandon("c99", now=7), UnknownContact, KeyError, ("'c99'",)),
    "abandon finished": (lambda r: r.abandon("c4", now=7), UnknownContact, KeyError, ("'c4'",)),
    "abandon in service": (
        lambda r: r.abandon("c1", now=7),
        RoutingStateError,
        RuntimeError,
        ("'c1'", "'ana'"),
    ),
    # ---- transfer
    "transfer unknown": (
        lambda r: r.transfer("c99", language="fr", now=7),
        UnknownContact,
        KeyError,
        ("'c99'",),
    ),
    "transfer bad proficiency": (
        lambda r: r.transfer("c3", skills={"tech": 6}, now=7),
        InvalidArgument,
        ValueError,
        ("'tech'", "6"),
    ),
    "transfer skills not a mapping": (
        lambda r: r.transfer("c3", skills="tech", now=7),  # type: ignore[arg-type]
        InvalidArgument,
        ValueError,
        ("'tech'",),
    ),
    "transfer empty language": (
        lambda r: r.transfer("c1", language="", now=7),
        InvalidArgument,
        ValueError,
        ("language", "''"),
    ),
    "transfer unknown seniority": (
        lambda r: r.transfer("c2", min_seniority="boss", now=7),
        InvalidArgument,
        ValueError,
        ("'boss'",),
    ),
    "transfer seniority out of range": (
        lambda r: r.transfer("c2", min_seniority=7, now=7),
        InvalidArgument,
        ValueError,
        ("seniority 7",),
    ),
    # ---- reading
    "explain unknown": (lambda r: r.explain("o99"), UnknownOffer, KeyError, ("'o99'",)),
    "explain None": (lambda r: r.explain(None), UnknownOffer, KeyError, ("None",)),  # type: ignore[arg-type]
    "explain unhashable id": (
        lambda r: r.explain(["o1"]),  # type: ignore[arg-type]
        UnknownOffer,
        KeyError,
        ("['o1']",),
    ),
    "agent_status unknown": (lambda r: r.agent_status("zed"), UnknownAgent, KeyError, ("'zed'",)),
    "agent_status int": (lambda r: r.agent_status(3), UnknownAgent, KeyError, ("3",)),  # type: ignore[arg-type]
    "contact_status unknown": (
        lambda r: r.contact_status("c99"),
        UnknownContact,
        KeyError,
        ("'c99'",),
    ),
    "contact_status finished": (
        lambda r: r.contact_status("c4"),
        UnknownContact,
        KeyError,
        ("'c4'",),
    ),
    "contact_status unhashable": (
        lambda r: r.contact_status({}),  # type: ignore[arg-type]
        UnknownContact,
        KeyError,
        ("{}",),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_call_raises_typed_error_and_changes_nothing(name: str) -> None:
    call, err, builtin, needles = CASES[name]
    r = busy_router()
    before = r.snapshot()
    deadline = r.next_deadline()
    with pytest.raises(err) as info:
        call(r)
    assert type(info.value) is err, f"{type(info.value).__name__} is not exactly {err.__name__}"
    assert isinstance(info.value, builtin)
    assert isinstance(info.value, TierRouteError)
    message = str(info.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"
    assert r.snapshot() == before
    assert r.next_deadline() == deadline
    r._check()


# ----------------------------------------------------------------------------- bad times

GOOD_CALLS: dict[str, Callable[[Router, Any], Any]] = {
    "add_agent": lambda r, t: r.add_agent(AgentSpec("new"), presence="ready", now=t),
    "update_agent": lambda r, t: r.update_agent(AgentSpec("dan", skills={"tech": 2}), now=t),
    "remove_agent": lambda r, t: r.remove_agent("cat", now=t),
    "set_agent_state": lambda r, t: r.set_agent_state("dan", "ready", now=t),
    "submit": lambda r, t: r.submit(C(), now=t),
    "accept": lambda r, t: r.accept("o2", now=t),
    "reject": lambda r, t: r.reject("o2", now=t),
    "complete": lambda r, t: r.complete("o1", now=t),
    "abandon": lambda r, t: r.abandon("c3", now=t),
    "transfer": lambda r, t: r.transfer("c3", skills={"billing": 1}, now=t),
    "advance": lambda r, t: r.advance(t),
}

BAD_TIMES: dict[str, tuple[Any, type[TierRouteError], tuple[str, ...]]] = {
    "negative": (-1.0, InvalidArgument, ("now", "-1.0")),
    "nan": (NAN, InvalidArgument, ("now", "nan")),
    "inf": (INF, InvalidArgument, ("now", "inf")),
    "-inf": (-INF, InvalidArgument, ("now", "-inf")),
    "backwards": (5.0, TimeWentBackwards, ("now=5.0", "6.0")),
    "backwards a little": (5.999, TimeWentBackwards, ("5.999",)),
    "str": ("7", InvalidArgument, ("'7'",)),
    "bool": (True, InvalidArgument, ("True",)),
    "complex": (1j, InvalidArgument, ("1j",)),
}


@pytest.mark.parametrize("when", list(BAD_TIMES))
@pytest.mark.parametrize("entry", list(GOOD_CALLS))
def test_bad_time_at_every_mutating_entry(entry: str, when: str) -> None:
    value, err, needles = BAD_TIMES[when]
    r = busy_router()
    before = r.snapshot()
    with pytest.raises(err) as info:
        GOOD_CALLS[entry](r, value)
    assert type(info.value) is err
    assert isinstance(info.value, ValueError)
    for needle in needles:
        assert needle in str(info.value), (needle, str(info.value))
    assert r.snapshot() == before


@pytest.mark.parametrize("entry", list(GOOD_CALLS))
def test_the_good_calls_are_good(entry: str) -> None:
    """The calls above fail only because of the time: at t=7 each one works."""
    r = busy_router()
    GOOD_CALLS[entry](r, 7.0)
    assert r.now == 7.0
    r._check()


@pytest.mark.parametrize("entry", list(GOOD_CALLS))
def test_no_time_and_no_clock(entry: str) -> None:
    r = busy_router()
    before = r.snapshot()
    with pytest.raises(InvalidArgument, match="now is required"):
        GOOD_CALLS[entry](r, None)
    assert r.snapshot() == before


@pytest.mark.parametrize(
    ("reading", "needles"),
    [(NAN, ("clock()", "nan")), (-2.0, ("clock()", "-2.0")), (3.0, ("clock()=3.0", "6.0"))],
)
@pytest.mark.parametrize("entry", ["submit", "advance", "set_agent_state"])
def test_bad_clock_reading(entry: str, reading: float, needles: tuple[str, ...]) -> None:
    value = [0.0]
    r = busy_router(clock=lambda: value[0])  # a host clock that will misbehave
    before = r.snapshot()
    value[0] = reading
    err = TimeWentBackwards if reading == 3.0 else InvalidArgument
    with pytest.raises(err) as info:
        GOOD_CALLS[entry](r, None)
    assert type(info.value) is err
    for needle in needles:
        assert needle in str(info.value)
    assert r.snapshot() == before


# ----------------------------------------------------------------------------- constructor


@pytest.mark.parametrize(
    ("kwargs", "needles"),
    [
        ({"policy": "prestige"}, ("policy", "str")),
        ({"policy": {"name": "x"}}, ("policy", "dict")),
        ({"clock": 5}, ("clock", "5")),
        ({"start": -1.0}, ("start", "-1.0")),
        ({"start": NAN}, ("start", "nan")),
        ({"start": INF}, ("start", "inf")),
        ({"start": "0"}, ("start", "'0'")),
        ({"start": True}, ("start", "True")),
        ({"start": None}, ("start", "None")),
    ],
)
def test_constructor_rejects_bad_arguments(
    kwargs: dict[str, Any], needles: tuple[str, ...]
) -> None:
    with pytest.raises(InvalidArgument) as info:
        Router(**kwargs)
    assert isinstance(info.value, ValueError)
    for needle in needles:
        assert needle in str(info.value)


def test_constructor_defaults() -> None:
    r = Router()
    assert r.policy == Policy()
    assert r.now == 0.0
    assert Router(start=12).now == 12.0


# ----------------------------------------------------------------------------- restore


def corrupt(snap: dict[str, Any], how: str) -> Any:
    s = copy.deepcopy(snap)
    if how == "not a mapping":
        return [s]
    if how == "no format":
        del s["format"]
    elif how == "wrong format":
        s["format"] = "someone.else"
    elif how == "future version":
        s["version"] = 4
    elif how == "version str":
        s["version"] = "1"
    elif how == "no agents":
        del s["agents"]
    elif how == "unknown tier":
        s["contacts"][0]["tier"] = "gold"
    elif how == "unknown channel":
        s["agents"][0]["channels"] = {"fax": 1}
    elif how == "bad policy":
        s["policy"]["tiers"] = []
    elif how == "work of unknown agent":
        s["works"][0]["agent"] = "zed"
    return s


@pytest.mark.parametrize(
    ("how", "needles"),
    [
        ("not a mapping", ("format",)),
        ("no format", ("format",)),
        ("wrong format", ("format",)),
        ("future version", ("version 4",)),
        ("version str", ("version '1'",)),
        ("no agents", ("corrupt", "agents")),
        ("unknown tier", ("corrupt", "gold")),
        ("unknown channel", ("corrupt", "fax")),
        ("bad policy", ("corrupt",)),
        ("work of unknown agent", ("corrupt", "zed")),
    ],
)
def test_restore_rejects_bad_snapshots(how: str, needles: tuple[str, ...]) -> None:
    r = busy_router()
    snap = r.snapshot()
    bad = corrupt(snap, how)
    frozen = json.dumps(bad, sort_keys=True)
    with pytest.raises(InvalidArgument) as info:
        Router.restore(bad)
    assert type(info.value) is InvalidArgument
    assert isinstance(info.value, ValueError)
    for needle in needles:
        assert needle in str(info.value), (needle, str(info.value))
    assert json.dumps(bad, sort_keys=True) == frozen  # the input is not modified
    assert r.snapshot() == snap


# ----------------------------------------------------------------------------- the tree


@pytest.mark.parametrize(
    ("err", "builtin"),
    [
        (InvalidArgument, ValueError),
        (DuplicateId, ValueError),
        (TimeWentBackwards, ValueError),
        (UnknownId, KeyError),
        (UnknownAgent, KeyError),
        (UnknownContact, KeyError),
        (UnknownOffer, KeyError),
        (RoutingStateError, RuntimeError),
    ],
)
def test_error_tree(err: type[TierRouteError], builtin: type[Exception]) -> None:
    assert issubclass(err, TierRouteError)
    assert issubclass(err, builtin)


def test_unknown_id_prints_its_message_unquoted() -> None:
    r = busy_router()
    with pytest.raises(UnknownAgent) as info:
        r.agent_status("zed")
    assert str(info.value) == "agent 'zed' is not registered"


def test_errors_do_not_swallow_time_from_a_good_call_afterwards() -> None:
    """After a rejected call the router still works from its own time."""
    r = busy_router()
    with pytest.raises(TimeWentBackwards):
        r.advance(1.0)
    assert r.now == 6.0
    # o2 expires at 23 and c2 goes back to its queue; nobody else can take it
    assert r.advance(23.0) == []
    assert r.agent_status("bob").no_answers == 1
