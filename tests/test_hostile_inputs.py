"""Hostile values in every argument slot of every public entry (issue #15).

The table below puts each hostile value — lone surrogates, ``10**400``, NaN,
infinities, ``True``, lists where strings go, non-mappings where mappings go,
non-iterables where iterables go, attribute payloads that are not JSON data or are
too large or too deep — into one argument slot of an otherwise valid call, for each
slot of each mutating entry (the :class:`~tierroute.hosting.operations.Operation`
vocabulary, which is every mutating method of the router), the read entries and the
constructor.

Each case must raise the typed error — :class:`~tierroute.errors.InvalidArgument`
(or a subclass), or for an id that is looked up, :class:`~tierroute.errors.UnknownId`
— and leave ``snapshot()`` byte-identical (``json.dumps(..., sort_keys=True)``).
Under a :class:`~tierroute.hosting.journal.JournaledRouter` the journal must stay
healthy: the next call works and ``recover()`` gives the same state. Under a
:class:`~tierroute.hosting.driver.RouterDriver` the call fails its caller only.

The end of the file holds one regression test per defect 1-3 of issue #15, as the
issue states them.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.test_router_errors import busy_router
from tierroute import (
    AgentSpec,
    ContactSpec,
    InvalidArgument,
    Policy,
    PromiseTracker,
    Router,
    TierRouteError,
    UnknownId,
    prestige,
)
from tierroute.hosting.driver import RouterDriver
from tierroute.hosting.journal import JournaledRouter, recover
from tierroute.hosting.operations import Operation
from tierroute.models import (
    MAX_ATTRIBUTE_BYTES,
    MAX_ATTRIBUTE_DEPTH,
    MAX_CAPACITY,
    MAX_CONCURRENT,
)

SURROGATE = json.loads('"\\ud800"')  # where such strings come from
HUGE = 10**400
NAN = float("nan")
INF = float("inf")
NOW = 7.0  # busy_router() stands at 6.0 with no timer due before 23.0


class Opaque:
    """An object that is no JSON data (with a stable repr)."""

    def __repr__(self) -> str:
        return "<Opaque>"


def nested(levels: int) -> dict[str, Any]:
    """An attributes mapping nesting ``levels`` levels of lists and mappings."""
    value: Any = 1
    for _ in range(levels - 1):
        value = [value]
    return {"a": value}


def cyclic() -> dict[str, Any]:
    d: dict[str, Any] = {}
    d["self"] = d
    return d


# ---------------------------------------------------------------------- values

COMMON: dict[str, Any] = {
    "surrogate": SURROGATE,
    "10**400": HUGE,
    "-10**400": -HUGE,
    "nan": NAN,
    "inf": INF,
    "-inf": -INF,
    "True": True,
    "list": ["x"],
    "object": Opaque(),
}
TEXT = {**COMMON, "empty": "", "None": None, "dict": {"a": 1}, "bytes": b"x"}
OPTIONAL_TEXT = {k: v for k, v in TEXT.items() if k != "None"}
LOOKUP = {**TEXT, "surrogate tail": "o2" + SURROGATE, "tuple": ("o2",)}
NUMBER = {**COMMON, "str": "1", "None": None, "complex": 1j}
TIME = {**NUMBER, "negative": -1.0, "backwards": 5.0}
NOW_VALUES = {k: v for k, v in TIME.items() if k != "None"}  # None: read the clock
ARRIVED = {k: v for k, v in NOW_VALUES.items() if k != "backwards"} | {"future": 8.0}
SENIORITY = {**COMMON, "unknown": "boss", "3": 3, "-1": -1, "None": None, "float": 1.0}
MAPPING = {**COMMON, "str": "billing", "None": None}
SKILLS = {
    **MAPPING,
    "surrogate key": {SURROGATE: 1},
    "int key": {1: 1},
    "empty key": {"": 1},
    "10**400 value": {"billing": HUGE},
    "nan value": {"billing": NAN},
    "True value": {"billing": True},
    "list value": {"billing": [1]},
}
CHANNELS = {
    **MAPPING,
    "empty": {},
    "unknown": {"fax": 1},
    "surrogate key": {SURROGATE: 1},
    "10**400 value": {"chat": HUGE},
    "nan value": {"chat": NAN},
    "negative": {"chat": -1},
    "over the maximum": {"chat": MAX_CONCURRENT + 1},
    "True value": {"chat": True},
}
CAPACITY = {**NUMBER, "0": 0, "over the maximum": MAX_CAPACITY + 1, "float": 100.0}
LANGUAGES = {
    "None": None,
    "int": 5,
    "10**400": HUGE,
    "nan": NAN,
    "True": True,
    "object": Opaque(),
    "str": "en",
    "dict": {"en": 1},
    "iterator": iter(("en",)),
    "surrogate item": (SURROGATE,),
    "int item": ("en", 5),
    "list item": (["en"],),
    "empty item": ("",),
}
ATTRIBUTES = {
    "list": [1, 2],
    "str": "x",
    "10**400": HUGE,
    "nan": NAN,
    "True": True,
    "object": Opaque(),
    "set value": {"a": {1}},
    "object value": {"a": Opaque()},
    "nan value": {"a": NAN},
    "inf value": {"a": [INF]},
    "10**400 value": {"a": HUGE},
    "2**63 value": {"a": 2**63},
    "bytes value": {"a": b"x"},
    "int key": {1: "a"},
    "tuple key": {(1,): "a"},
    "surrogate key": {SURROGATE: 1},
    "surrogate value": {"a": ["ok", SURROGATE]},
    "oversized": {"a": "x" * MAX_ATTRIBUTE_BYTES},
    "oversized by escapes": {"a": "\n" * (MAX_ATTRIBUTE_BYTES // 2)},
    "many items": {"a": list(range(MAX_ATTRIBUTE_BYTES))},
    "too deep": nested(MAX_ATTRIBUTE_DEPTH + 1),
    "self-referencing": cyclic(),
}
PRESENCE = {**TEXT, "unknown": "away"}
SPEC = {**COMMON, "None": None, "dict": {"agent_id": "x"}, "str": "x"}


# ---------------------------------------------------------------------- the table


def A(**kw: Any) -> AgentSpec:
    """A valid new agent, overridden by ``kw``."""
    fields: dict[str, Any] = {"agent_id": "new", "skills": {"billing": 2}, "languages": ("en",)}
    fields.update(kw)
    return AgentSpec(**fields)


def U(**kw: Any) -> AgentSpec:
    """A valid update of 'dan' (free: not ready, no work), overridden by ``kw``."""
    return A(agent_id="dan", **kw)


def C(**kw: Any) -> ContactSpec:
    """A valid new contact, overridden by ``kw``."""
    fields: dict[str, Any] = {"contact_id": "new", "channel": "voice", "tier": "standard"}
    fields.update(kw)
    return ContactSpec(**fields)


class Slot(NamedTuple):
    """One argument slot: the operation, its arguments with ``value`` in the slot,
    the hostile values for it, and the errors allowed."""

    name: str
    args: Callable[[Any], dict[str, Any]]
    values: dict[str, Any]
    errors: tuple[type[TierRouteError], ...] = (InvalidArgument,)


LOOKUP_ERRORS = (InvalidArgument, UnknownId)
# a valid call of each operation, for its ``now`` slot and as "the next call works"
VALID: dict[str, dict[str, Any]] = {
    "add_agent": {"spec": A(), "presence": "ready"},
    "update_agent": {"spec": U(skills={"tech": 2})},
    "remove_agent": {"agent_id": "cat"},
    "set_agent_state": {"agent_id": "dan", "presence": "ready"},
    "submit": {"contact": C()},
    "abandon": {"contact_id": "c3"},
    "transfer": {"contact_id": "c3", "skills": {"billing": 1}},
    "accept": {"offer_id": "o2"},
    "reject": {"offer_id": "o2"},
    "complete": {"offer_id": "o1"},
    "advance": {},
}


def add(spec: Any) -> dict[str, Any]:
    return {"spec": spec, "presence": "ready"}


SLOTS: dict[str, Slot] = {
    f"{slot.name} {field}": slot
    for field, slot in [
        ("spec", Slot("add_agent", add, SPEC)),
        ("agent_id", Slot("add_agent", lambda v: add(A(agent_id=v)), TEXT)),
        ("skills", Slot("add_agent", lambda v: add(A(skills=v)), SKILLS)),
        ("languages", Slot("add_agent", lambda v: add(A(languages=v)), LANGUAGES)),
        ("seniority", Slot("add_agent", lambda v: add(A(seniority=v)), SENIORITY)),
        ("channels", Slot("add_agent", lambda v: add(A(channels=v)), CHANNELS)),
        ("capacity", Slot("add_agent", lambda v: add(A(capacity=v)), CAPACITY)),
        ("attributes", Slot("add_agent", lambda v: add(A(attributes=v)), ATTRIBUTES)),
        ("presence", Slot("add_agent", lambda v: {"spec": A(), "presence": v}, PRESENCE)),
        ("spec", Slot("update_agent", lambda v: {"spec": v}, SPEC)),
        ("agent_id", Slot("update_agent", lambda v: {"spec": A(agent_id=v)}, TEXT)),
        ("skills", Slot("update_agent", lambda v: {"spec": U(skills=v)}, SKILLS)),
        ("languages", Slot("update_agent", lambda v: {"spec": U(languages=v)}, LANGUAGES)),
        ("seniority", Slot("update_agent", lambda v: {"spec": U(seniority=v)}, SENIORITY)),
        ("channels", Slot("update_agent", lambda v: {"spec": U(channels=v)}, CHANNELS)),
        ("capacity", Slot("update_agent", lambda v: {"spec": U(capacity=v)}, CAPACITY)),
        ("attributes", Slot("update_agent", lambda v: {"spec": U(attributes=v)}, ATTRIBUTES)),
        ("agent_id", Slot("remove_agent", lambda v: {"agent_id": v}, LOOKUP, LOOKUP_ERRORS)),
        (
            "agent_id",
            Slot(
                "set_agent_state",
                lambda v: {"agent_id": v, "presence": "ready"},
                LOOKUP,
                LOOKUP_ERRORS,
            ),
        ),
        (
            "presence",
            Slot("set_agent_state", lambda v: {"agent_id": "dan", "presence": v}, PRESENCE),
        ),
        ("contact", Slot("submit", lambda v: {"contact": v}, SPEC)),
        ("contact_id", Slot("submit", lambda v: {"contact": C(contact_id=v)}, TEXT)),
        ("channel", Slot("submit", lambda v: {"contact": C(channel=v)}, TEXT | {"fax": "fax"})),
        ("tier", Slot("submit", lambda v: {"contact": C(tier=v)}, TEXT | {"gold": "gold"})),
        ("value", Slot("submit", lambda v: {"contact": C(value=v)}, NUMBER | {"1.5": 1.5})),
        ("severity", Slot("submit", lambda v: {"contact": C(severity=v)}, NUMBER | {"5": 5})),
        ("skills", Slot("submit", lambda v: {"contact": C(skills=v)}, SKILLS)),
        ("language", Slot("submit", lambda v: {"contact": C(language=v)}, OPTIONAL_TEXT)),
        ("min_seniority", Slot("submit", lambda v: {"contact": C(min_seniority=v)}, SENIORITY)),
        ("concierge", Slot("submit", lambda v: {"contact": C(concierge=v)}, OPTIONAL_TEXT)),
        (
            "arrived_at",
            Slot("submit", lambda v: {"contact": C(arrived_at=v)}, ARRIVED),
        ),
        ("attributes", Slot("submit", lambda v: {"contact": C(attributes=v)}, ATTRIBUTES)),
        ("contact_id", Slot("abandon", lambda v: {"contact_id": v}, LOOKUP, LOOKUP_ERRORS)),
        ("contact_id", Slot("transfer", lambda v: {"contact_id": v}, LOOKUP, LOOKUP_ERRORS)),
        ("skills", Slot("transfer", lambda v: {"contact_id": "c3", "skills": v}, SKILLS)),
        (
            "language",
            Slot("transfer", lambda v: {"contact_id": "c3", "language": v}, OPTIONAL_TEXT),
        ),
        (
            "min_seniority",
            Slot("transfer", lambda v: {"contact_id": "c3", "min_seniority": v}, SENIORITY),
        ),
        ("offer_id", Slot("accept", lambda v: {"offer_id": v}, LOOKUP, LOOKUP_ERRORS)),
        ("offer_id", Slot("reject", lambda v: {"offer_id": v}, LOOKUP, LOOKUP_ERRORS)),
        ("offer_id", Slot("complete", lambda v: {"offer_id": v}, LOOKUP, LOOKUP_ERRORS)),
    ]
}

CASES = [
    pytest.param(key, label, id=f"{key}={label}")
    for key, slot in SLOTS.items()
    for label in slot.values
]
NOW_CASES = [
    pytest.param(name, label, id=f"{name} now={label}") for name in VALID for label in NOW_VALUES
]


def state(target: Router | JournaledRouter) -> str:
    return json.dumps(target.snapshot(), sort_keys=True)


def hostile(key: str, label: str) -> Operation:
    slot = SLOTS[key]
    return Operation(slot.name, slot.args(slot.values[label]), NOW)


def check_refused(
    target: Router | JournaledRouter, op: Operation, errors: tuple[type, ...]
) -> None:
    before = state(target)
    with pytest.raises(TierRouteError) as info:
        op.apply(target)  # type: ignore[arg-type]  # the journal has the router's methods
    assert isinstance(info.value, errors), repr(info.value)
    assert state(target) == before


# ---------------------------------------------------------------------- the router


def test_the_valid_calls_are_valid() -> None:
    """Each case fails only because of its hostile value: the same calls with valid
    values work (``VALID`` also serves as "the next call works")."""
    for name, args in VALID.items():
        r = busy_router()
        Operation(name, args, NOW).apply(r)
        r._check()
    good = {"add_agent": A(), "update_agent": U(), "submit": C()}
    for key, slot in SLOTS.items():
        if key in {"add_agent spec", "update_agent spec", "submit contact"}:
            r = busy_router()
            Operation(slot.name, slot.args(good[slot.name]), NOW).apply(r)


@pytest.mark.parametrize(("key", "label"), CASES)
def test_router_refuses_a_hostile_value_and_changes_nothing(key: str, label: str) -> None:
    r = busy_router()
    check_refused(r, hostile(key, label), SLOTS[key].errors)
    r._check()


@pytest.mark.parametrize(("name", "label"), NOW_CASES)
def test_router_refuses_a_hostile_now_at_every_mutating_entry(name: str, label: str) -> None:
    r = busy_router()
    check_refused(r, Operation(name, VALID[name], NOW_VALUES[label]), (InvalidArgument,))


READS: dict[str, Callable[[Router, Any], Any]] = {
    "explain": lambda r, v: r.explain(v),
    "agent_status": lambda r, v: r.agent_status(v),
    "contact_status": lambda r, v: r.contact_status(v),
}


@pytest.mark.parametrize("label", list(LOOKUP))
@pytest.mark.parametrize("entry", list(READS))
def test_reads_refuse_a_hostile_id(entry: str, label: str) -> None:
    r = busy_router()
    before = state(r)
    with pytest.raises(TierRouteError) as info:
        READS[entry](r, LOOKUP[label])
    assert isinstance(info.value, LOOKUP_ERRORS)
    assert state(r) == before


@pytest.mark.parametrize("label", list(TIME))
def test_the_constructor_refuses_a_hostile_start(label: str) -> None:
    if label == "backwards":
        return  # a valid start
    with pytest.raises(InvalidArgument, match="start"):
        Router(start=TIME[label])


@pytest.mark.parametrize("label", list(COMMON))
def test_the_constructor_refuses_a_hostile_policy_or_clock(label: str) -> None:
    with pytest.raises(InvalidArgument, match="policy"):
        Router(COMMON[label])
    with pytest.raises(InvalidArgument, match="clock"):
        Router(clock=COMMON[label])


@pytest.mark.parametrize("label", [*list(NOW_VALUES), "raises"])
def test_a_hostile_clock_reading_is_refused_at_the_call(label: str) -> None:
    reading: list[Any] = [0.0]

    def clock() -> Any:
        if label == "raises":
            raise OSError("clock source gone")
        return reading[0]

    r = Router(Policy(), clock=clock)
    reading[0] = NOW_VALUES.get(label, 0.0) if label != "backwards" else -1.0
    before = state(r)
    with pytest.raises(InvalidArgument, match="clock"):
        r.submit(C())
    assert state(r) == before


def test_attributes_at_the_limits_are_accepted() -> None:
    r = busy_router()
    # compact JSON {"a":"xx..."} is 8 bytes plus the string
    at_size = {"a": "x" * (MAX_ATTRIBUTE_BYTES - 8)}
    assert len(json.dumps(at_size, separators=(",", ":")).encode()) == MAX_ATTRIBUTE_BYTES
    deep = nested(MAX_ATTRIBUTE_DEPTH)
    every_kind = {"s": "é", "i": -(2**63), "f": 1.5, "b": False, "n": None, "l": [1, {"k": []}]}
    r.submit(C(contact_id="c-size", attributes=at_size), now=NOW)
    r.submit(C(contact_id="c-deep", attributes=deep), now=NOW)
    r.add_agent(A(attributes=every_kind), now=NOW)
    assert r.contact_status("c-deep").attributes is deep
    snap = r.snapshot()
    assert json.loads(json.dumps(snap, allow_nan=False)) == json.loads(json.dumps(snap))
    r._check()


def test_refusals_name_the_field_and_the_value() -> None:
    r = busy_router()
    cases: list[tuple[Callable[[], Any], tuple[str, ...]]] = [
        (lambda: r.add_agent(A(languages=None), now=NOW), ("languages", "None")),
        (lambda: r.add_agent(A(agent_id=["a"]), now=NOW), ("agent_id", "['a']")),
        (lambda: r.advance(HUGE), ("now", "401 digits")),
        (lambda: r.submit(C(arrived_at=HUGE), now=NOW), ("arrived_at", "401 digits")),
        (lambda: r.submit(C(contact_id=SURROGATE), now=NOW), ("contact_id", "surrogate")),
        (lambda: r.add_agent(A(attributes=[1, 2]), now=NOW), ("attributes", "[1, 2]")),
        (lambda: r.add_agent(A(attributes={"a": {1}}), now=NOW), ("attributes['a']", "{1}")),
        (lambda: r.submit(C(attributes={"x": [NAN]}), now=NOW), ("attributes['x'][0]", "nan")),
        (lambda: r.submit(C(attributes=nested(9)), now=NOW), ("attributes['a']", "deep")),
        (lambda: r.submit(C(attributes=ATTRIBUTES["oversized"]), now=NOW), ("16384 bytes",)),
        (lambda: r.add_agent(A(capacity=HUGE), now=NOW), ("capacity", "401 digits")),
        (lambda: r.add_agent(A(channels={"chat": HUGE}), now=NOW), ("channels[chat]",)),
    ]
    for call, needles in cases:
        with pytest.raises(InvalidArgument) as info:
            call()
        for needle in needles:
            assert needle in str(info.value), (needle, str(info.value))


def test_refusing_a_huge_attribute_payload_costs_no_more_than_the_limit() -> None:
    r = busy_router()
    huge = {"a": list(range(10**7))}
    with pytest.raises(InvalidArgument, match="bytes"):
        r.submit(C(attributes=huge), now=NOW)
    with pytest.raises(InvalidArgument, match="bytes"):
        r.submit(C(attributes={"a": "x" * 10**8}), now=NOW)


# ---------------------------------------------------------------------- the tracker


def tracked() -> tuple[Router, PromiseTracker]:
    r = Router(prestige(), start=0.0)
    tracker = PromiseTracker(r)
    r.add_agent(A(agent_id="ana"), presence="ready", now=0.0)
    r.submit(C(contact_id="c1", attributes={"account": "acme"}), now=1.0)
    r.advance(6.0)  # as busy_router(): "backwards" (5.0) is before it
    return r, tracker


@pytest.mark.parametrize("label", [*COMMON, "zero", "str"])
def test_tracker_constructor_refuses_hostile_arguments(label: str) -> None:
    value = {"zero": 0.0, "str": "60"}.get(label, COMMON.get(label))
    r = Router(prestige(), start=0.0)
    before = state(r)
    with pytest.raises(InvalidArgument, match="window_s"):
        PromiseTracker(r, window_s=value)
    if label not in {"zero", "str"}:
        with pytest.raises(InvalidArgument, match="router"):
            PromiseTracker(value)
        if value is not None:
            with pytest.raises(InvalidArgument, match="promises"):
                PromiseTracker(r, value)
    assert state(r) == before
    PromiseTracker(r)  # nothing was attached by the refused ones


@pytest.mark.parametrize("label", list(LOOKUP))
def test_tracker_accept_callback_refuses_a_hostile_id(label: str) -> None:
    r, tracker = tracked()
    before = state(r)
    with pytest.raises(TierRouteError) as info:
        tracker.accept_callback(LOOKUP[label], now=2.0)
    assert isinstance(info.value, LOOKUP_ERRORS)
    assert state(r) == before


@pytest.mark.parametrize("label", list(NOW_VALUES))
def test_tracker_times_refuse_hostile_values(label: str) -> None:
    r, tracker = tracked()
    before = state(r)
    value = NOW_VALUES[label]
    if label != "backwards":  # a past time is a fine window end for attainment
        with pytest.raises(InvalidArgument, match="now"):
            tracker.attainment(value)
    with pytest.raises(InvalidArgument, match="now"):
        tracker.accept_callback("c1", now=value)
    assert state(r) == before


def test_tracker_credits_refuse_hostile_fees() -> None:
    _, tracker = tracked()
    for fees in (None, ["acme"], {"acme": NAN}, {"acme": HUGE}, {"acme": -1.0}, {1: 1.0}):
        with pytest.raises(InvalidArgument):
            tracker.credits(fees)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- the journal


def journaled(tmp_path: Path) -> JournaledRouter:
    return JournaledRouter.open(tmp_path / "j", init=busy_router(), sync="os")


def check_journal_healthy(jr: JournaledRouter, tmp_path: Path) -> None:
    """The journal carries on: the next call works and recovery agrees."""
    jr.advance(NOW + 1.0)
    jr.submit(C(contact_id="after"), now=NOW + 1.0)
    live = state(jr)
    jr.close()
    assert state(recover(tmp_path / "j")) == live


@pytest.mark.parametrize(("key", "label"), CASES)
def test_journal_refuses_a_hostile_value_and_stays_healthy(
    tmp_path: Path, key: str, label: str
) -> None:
    jr = journaled(tmp_path)
    check_refused(jr, hostile(key, label), SLOTS[key].errors)
    check_journal_healthy(jr, tmp_path)


@pytest.mark.parametrize(("name", "label"), NOW_CASES)
def test_journal_refuses_a_hostile_now_and_stays_healthy(
    tmp_path: Path, name: str, label: str
) -> None:
    jr = journaled(tmp_path)
    check_refused(jr, Operation(name, VALID[name], NOW_VALUES[label]), (InvalidArgument,))
    check_journal_healthy(jr, tmp_path)


def test_journal_refuses_what_is_not_an_operation(tmp_path: Path) -> None:
    jr = journaled(tmp_path)
    with pytest.raises(InvalidArgument, match="Operation"):
        jr.apply("submit")  # type: ignore[arg-type]
    check_journal_healthy(jr, tmp_path)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("path", SURROGATE),
        ("path", 5),
        ("path", b"j"),
        ("path", ""),
        ("sync", ["os"]),
        ("group_ms", NAN),
        ("group_ms", HUGE),
        ("group_ms", "5"),
        ("checkpoint_records", 0),
        ("checkpoint_bytes", 1.5),
        ("init", "router"),
        ("clock", 5),
        ("timer", None),
    ],
)
def test_journal_open_refuses_hostile_options(tmp_path: Path, option: str, value: Any) -> None:
    options: dict[str, Any] = {"path": tmp_path / "j", "init": Router()}
    options[option] = value
    with pytest.raises(InvalidArgument, match=option):
        JournaledRouter.open(**options)
    assert not (tmp_path / "j").exists()


@pytest.mark.parametrize(
    "args", [["offer_id"], "offer_id", 5, {"offer_id": "o2", 1: 2}, {("offer_id",): "o2"}]
)
def test_operations_refuse_hostile_argument_records(args: Any) -> None:
    with pytest.raises(InvalidArgument, match="accept"):
        Operation("accept", args, NOW)
    for name in (["accept"], None, SURROGATE, 5):
        with pytest.raises(InvalidArgument, match="operation"):
            Operation(name, {"offer_id": "o2"}, NOW)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- the driver


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("router", None),
        ("on_offers", 5),
        ("clock", "now"),
        ("rate", NAN),
        ("rate", HUGE),
        ("rate", 0),
        ("on_applied", ["f"]),
        ("snapshot_path", 5),
    ],
)
def test_driver_refuses_hostile_options(option: str, value: Any) -> None:
    options: dict[str, Any] = {"router": Router()}
    options[option] = value
    with pytest.raises(InvalidArgument, match=option):
        RouterDriver(**options)


def driver_run(target: Router | JournaledRouter) -> list[str]:
    """Every hostile case of the table through a driver (which stamps the time):
    each fails its caller only; returns what went wrong."""
    problems: list[str] = []

    async def main() -> None:
        async with RouterDriver(target, rate=1e-6) as driver:
            for key, slot in SLOTS.items():
                for label, value in slot.values.items():
                    before = state(target)
                    try:
                        await driver.apply(Operation(slot.name, slot.args(value)))
                    except slot.errors:
                        pass
                    except Exception as exc:  # collected and reported
                        problems.append(f"{key}={label}: {exc!r}")
                    else:
                        problems.append(f"{key}={label}: accepted")
                    if not driver.running or state(target) != before:
                        problems.append(f"{key}={label}: driver stopped or state changed")
                        return
            await driver.submit(C(contact_id="after"))

    asyncio.run(main())
    return problems


def test_driver_refuses_hostile_values_and_goes_on() -> None:
    r = busy_router()
    assert driver_run(r) == []
    assert r.contact_status("after").contact_id == "after"


def test_journaled_driver_refuses_hostile_values_and_goes_on(tmp_path: Path) -> None:
    jr = journaled(tmp_path)
    assert driver_run(jr) == []
    live = state(jr)  # the driver checkpointed and left the journal open
    jr.close()
    assert state(recover(tmp_path / "j")) == live
    assert '"after"' in live


# ---------------------------------------------------------------------- issue #15


def test_issue15_defect1_a_lone_surrogate_is_refused_before_memory_or_journal(
    tmp_path: Path,
) -> None:
    """1. ``jr.submit(ContactSpec("\\ud800", "voice", "standard"))`` was applied in
    memory, then failed to encode in ``_append`` without marking the journal failed;
    later calls were accepted and ``recover()`` raised ``JournalReplayError`` (or
    silently dropped the call)."""
    jr = JournaledRouter.open(tmp_path / "j", init=Router(), sync="os")
    before = state(jr)
    for bad in ("\ud800", json.loads('"\\ud800"')):
        with pytest.raises(InvalidArgument, match="Unicode"):
            jr.submit(ContactSpec(bad, "voice", "standard"), now=0.0)
        assert state(jr) == before
    # every other string slot of a submit, through the same path
    for contact in (
        ContactSpec("c1", "voice", "standard", language="\ud800"),
        ContactSpec("c1", "voice", "standard", concierge="\ud800"),
        ContactSpec("c1", "voice", "standard", skills={"\ud800": 1}),
        ContactSpec("c1", "voice", "standard", attributes={"k": "\ud800"}),
    ):
        with pytest.raises(InvalidArgument):
            jr.submit(contact, now=0.0)
        assert state(jr) == before
    # a lookup id that cannot be journaled is refused first, too
    with pytest.raises(TierRouteError):
        jr.abandon("\ud800", now=0.0)
    jr.add_agent(AgentSpec("a"), presence="ready", now=1.0)  # later calls are accepted
    [offer] = jr.submit(ContactSpec("c2", "voice", "standard"), now=2.0)
    live = state(jr)
    jr.close()
    recovered = recover(tmp_path / "j")  # no JournalReplayError, nothing dropped
    assert state(recovered) == live
    assert recovered.contact_status("c2").offer_id == offer.offer_id


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda t: t.add_agent(AgentSpec("a", languages=None), now=1.0), id="None"),
        pytest.param(lambda t: t.add_agent(AgentSpec("a", languages=5), now=1.0), id="langs 5"),
        pytest.param(lambda t: t.add_agent(AgentSpec(["a"]), now=1.0), id="agent_id list"),
        pytest.param(lambda t: t.advance(10**400), id="now=10**400"),
        pytest.param(
            lambda t: t.submit(ContactSpec("c", "voice", "standard", arrived_at=10**400), now=1),
            id="arrived_at=10**400",
        ),
    ],
)
def test_issue15_defect2_one_bad_argument_no_longer_stops_journal_or_driver(
    tmp_path: Path, call: Callable[[Any], Any]
) -> None:
    """2. These raised a plain ``TypeError`` or ``OverflowError``: the journaled router
    was marked failed (every later call raised ``JournalError``) and the driver
    stopped."""
    r = Router()
    with pytest.raises(InvalidArgument):
        call(r)
    jr = JournaledRouter.open(tmp_path / "j", init=Router(), sync="os")
    with pytest.raises(InvalidArgument):
        call(jr)
    jr.add_agent(AgentSpec("b"), presence="ready", now=2.0)  # not JournalError
    live = state(jr)
    jr.close()
    assert state(recover(tmp_path / "j")) == live
    with pytest.raises(InvalidArgument, match="start"):
        Router(start=10**400)

    async def main() -> None:
        async with RouterDriver(Router()) as driver:
            for op in (
                Operation("add_agent", {"spec": AgentSpec("a", languages=None), "presence": 0}),
                Operation("add_agent", {"spec": AgentSpec(["a"]), "presence": "ready"}),  # type: ignore[arg-type]
                Operation(
                    "submit", {"contact": ContactSpec("c", "voice", "standard", arrived_at=10**400)}
                ),
            ):
                with pytest.raises(InvalidArgument):
                    await driver.apply(op)
                assert driver.running
            await driver.add_agent(AgentSpec("a"), presence="ready")

    asyncio.run(main())


def test_issue15_defect3_agent_attributes_must_be_a_json_mapping(tmp_path: Path) -> None:
    """3. ``add_agent(AgentSpec("a", attributes=[1, 2]))`` succeeded, then
    ``snapshot()`` raised: under a journal every call past the compaction threshold
    raised although it was applied, and ``RouterDriver.stop()`` failed. A plain router
    accepted sets, objects and NaN, so ``snapshot()`` was no longer JSON."""
    r = Router()
    for bad in ([1, 2], {"s": {1}}, {"o": Opaque()}, {"n": NAN}, {"n": [math.inf]}):
        with pytest.raises(InvalidArgument, match="attributes"):
            r.add_agent(AgentSpec("a", attributes=bad), now=0.0)  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument, match="attributes"):
            r.submit(ContactSpec("c", "voice", "standard", attributes=bad), now=0.0)  # type: ignore[arg-type]
    json.dumps(r.snapshot(), allow_nan=False)  # still JSON

    jr = JournaledRouter.open(tmp_path / "j", init=Router(), sync="os", checkpoint_records=3)
    with pytest.raises(InvalidArgument, match="attributes"):
        jr.add_agent(AgentSpec("a", attributes=[1, 2]), now=0.0)  # type: ignore[arg-type]
    for i in range(8):  # well past the compaction threshold
        jr.add_agent(AgentSpec(f"a{i}", attributes={"i": i}), now=float(i))
    assert jr.generation > 1
    live = state(jr)
    jr.close()
    assert state(recover(tmp_path / "j")) == live

    async def main() -> dict[str, Any]:
        driver = RouterDriver(Router())
        await driver.start()
        with pytest.raises(InvalidArgument, match="attributes"):
            await driver.add_agent(AgentSpec("a", attributes=[1, 2]))  # type: ignore[arg-type]
        await driver.add_agent(AgentSpec("b"))
        return await driver.stop()  # the final snapshot works

    assert [a["id"] for a in asyncio.run(main())["agents"]] == ["b"]
