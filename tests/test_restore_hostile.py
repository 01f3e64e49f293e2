"""``Router.restore`` trusts nothing (issue #15, item 4).

A snapshot is read in two stages — its schema (the type, shape and range of every
value, unique ids, references that resolve), then the invariants that tie the state
together — and anything wrong is refused with ``InvalidArgument`` naming the place
(``snapshot.works[0].agent``). Restore never changes its input. A snapshot that is
accepted gives a router whose ``_check()`` passes, whose own snapshot round-trips,
and which carries on without error.
"""

from __future__ import annotations

import copy
import json
import math
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierroute import (
    AgentSpec,
    ContactSpec,
    InvalidArgument,
    PromiseTracker,
    Router,
    TierRouteError,
    prestige,
)

START = 1_768_384_800.0  # Wednesday 2026-01-14 10:00 UTC: the business calendar is open
SRC = Path(__file__).resolve().parents[1] / "src"


def rich_router() -> Router:
    """A prestige router with a promise tracker and state of every kind.

    ana: in service with c1 (o1); eve: wrap-up of c4, finished (o2, detached);
    zed: declined c5 (o3), which waits with zed excluded; bob: o4 ringing for c2;
    zed: o5 ringing for c7, which arrived long before its submit (its callback
    check is late); cat logged out; dan not ready, named concierge of c6 (waiting);
    c3 waiting for a skill nobody has, offered a callback, escalating (P1).
    """
    # declines hold for good here (the ids below were chosen under that rule); the
    # cooldowns of declines have their own tests at the end of this module
    policy = prestige()
    policy = policy.model_copy(
        update={"offer": policy.offer.model_copy(update={"decline_cooldown_s": None})}
    )
    r = Router(policy, start=START)
    PromiseTracker(r)
    t = START

    def agent(spec: AgentSpec, presence: str) -> None:
        r.add_agent(spec, presence=presence, now=t)

    agent(
        AgentSpec(
            "ana",
            skills={"billing": 3},
            languages=("en",),
            seniority="senior",
            channels={"voice": 1, "chat": 2},
            attributes={"site": "porto"},
        ),
        "ready",
    )
    agent(AgentSpec("bob", skills={"billing": 2}, languages=("en",)), "ready")
    agent(AgentSpec("cat"), "logged_out")
    agent(AgentSpec("dan", languages=("en",)), "not_ready")
    agent(AgentSpec("eve", languages=("en",), channels={"email": 1}), "ready")
    agent(
        AgentSpec(
            "zed",
            skills={"wealth": 4},
            languages=("fr",),
            seniority="expert",
            channels={"voice": 1},
        ),
        "ready",
    )
    spec = ContactSpec(
        "c1",
        "voice",
        "standard",
        skills={"billing": 1},
        language="en",
        attributes={"account": "acme"},
    )
    [o1] = r.submit(spec, now=t + 1)
    r.accept(o1.offer_id, now=t + 2)
    [o2] = r.submit(ContactSpec("c4", "email", "standard", language="en"), now=t + 3)
    r.accept(o2.offer_id, now=t + 3)
    r.complete(o2.offer_id, now=t + 4)
    spec = ContactSpec(
        "c3",
        "voice",
        "premium",
        severity=1,
        skills={"tech": 1},
        language="en",
        attributes={"account": "acme", "vip": True, "tags": ["a", 1.5, None]},
    )
    assert r.submit(spec, now=t + 5) == []
    [o3] = r.submit(ContactSpec("c5", "voice", "premium", skills={"wealth": 2}), now=t + 6)
    r.reject(o3.offer_id, now=t + 7)
    r.advance(t + 60)  # c3 and c5 are offered callbacks; their answer promises breach
    spec = ContactSpec("c6", "voice", "elite", severity=2, skills={"tech": 1}, concierge="dan")
    assert r.submit(spec, now=t + 61) == []
    [o4] = r.submit(ContactSpec("c2", "voice", "standard", language="en"), now=t + 62)
    assert o4.agent_id == "bob"
    spec = ContactSpec("c7", "voice", "premium", skills={"wealth": 1}, arrived_at=t)
    [o5] = r.submit(spec, now=t + 63)
    assert o5.agent_id == "zed"
    return r


RICH: dict[str, Any] = json.loads(json.dumps(rich_router().snapshot()))


@pytest.fixture
def rich() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(RICH)
    return data


def refused(snap: Any, *needles: str) -> str:
    """Restore ``snap``: it must be refused with ``InvalidArgument`` (nothing else),
    leave ``snap`` unchanged, and the message must hold every needle."""
    before = pickle.dumps(snap)
    with pytest.raises(InvalidArgument) as info:
        Router.restore(snap)
    assert pickle.dumps(snap) == before, "restore changed its input"
    message = str(info.value)
    for needle in needles:
        assert needle in message, (needle, message)
    return message


def sound(r: Router) -> None:
    """``r`` is consistent, its snapshot is JSON that restores to itself, and it
    carries on: calls that are valid in any state raise nothing."""
    r._check()
    snap = r.snapshot()
    json.dumps(snap, allow_nan=False).encode("utf-8")
    assert Router.restore(snap).snapshot() == snap
    t = r.now
    r.advance(t + 1.0)
    r.submit(ContactSpec("probe-1", "voice", r.policy.tier_names[0]), now=t + 2.0)
    for agent in snap["agents"]:
        r.set_agent_state(agent["id"], "ready", now=t + 3.0)
    r._check()
    r.advance(t + 200_000.0)  # every relaxation, expiry, wrap-up and promise timer
    r.submit(ContactSpec("probe-2", "chat", r.policy.tier_names[-1]), now=t + 200_001.0)
    r._check()


# ----------------------------------------------------------------------------- the base


def test_the_rich_snapshot_holds_state_of_every_kind(rich: dict[str, Any]) -> None:
    assert {a["presence"] for a in rich["agents"]} == {0, 1, 2}
    assert {c["state"] for c in rich["contacts"]} == {0, 1, 2}
    assert any(c["excluded"] for c in rich["contacts"])
    assert rich["detached"]
    assert {w["state"] for w in rich["works"]} == {0, 1, 2}
    assert {kind for _, _, kind, _ in rich["timers"]} == {0, 1, 2}
    hook = rich["hooks"]["promises"]
    for section in (
        "open",
        "escalations",
        "callback_checks",
        "callbacks_offered",
        "callbacks_late",
        "counts",
        "recent",
        "breaches",
        "departures",
        "timers",
    ):
        assert hook[section], section
    assert {what for _, _, what, *_ in hook["timers"]} == {"p", "e", "c"}


def test_the_rich_snapshot_restores(rich: dict[str, Any]) -> None:
    before = copy.deepcopy(rich)
    r = Router.restore(rich)
    assert rich == before
    assert r.snapshot() == rich
    sound(r)


def test_restore_keeps_no_reference_to_its_input(rich: dict[str, Any]) -> None:
    snap = copy.deepcopy(rich)
    r = Router.restore(snap)
    snap["contacts"][1]["attributes"]["account"] = "changed"
    snap["agents"][0]["attributes"]["site"] = "changed"
    snap["contacts"][2]["excluded"].append("ana")
    assert r.snapshot() == rich


# ----------------------------------------------------------------------------- hostile values


def path_text(path: tuple[Any, ...]) -> str:
    """A path as restore names it: ``snapshot.works[0].agent``."""
    out = "snapshot"
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif step.isidentifier():
            out += f".{step}"
        else:
            out += f"[{step!r}]"
    return out


# Arrays whose items all have one JSON type but are fields of their own (a row):
# other rows are told apart by their items' mixed types.
ROWS = {("hooks", "promises", "departures", "*"), ("hooks", "promises", "fired")}


def walk(
    value: Any, path: tuple[Any, ...] = (), pattern: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """Every path of ``value`` (containers and leaves), depth first, with its pattern:
    the path with the index into each array as ``"*"`` (rows keep their indexes)."""
    yield path, pattern
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, (*path, k), (*pattern, k))
    elif isinstance(value, list):
        row = len({type(v) for v in value}) > 1 or pattern in ROWS
        for i, v in enumerate(value):
            yield from walk(v, (*path, i), (*pattern, i if row else "*"))


def get(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(data)
    get(out, path[:-1])[path[-1]] = value
    return out


def free_form(path: tuple[Any, ...]) -> bool:
    """Paths of free-form JSON data, where any JSON value is valid: attributes, and
    the account a breach copied from them."""
    if "attributes" in path:
        return path[-1] != "attributes"
    return path[:3] == ("hooks", "promises", "breaches") and len(path) == 5 and path[-1] == 3


def representative_paths(snap: dict[str, Any]) -> list[tuple[Any, ...]]:
    """One path for every field of every section (the first found of each pattern),
    outside the policy (pydantic's domain: see the policy test)."""
    seen = set()
    out = []
    for path, pattern in walk(snap):
        if path and path[0] != "policy" and pattern not in seen:
            seen.add(pattern)
            out.append(path)
    return out


HOSTILE: list[tuple[str, Any]] = [
    ("nan", math.nan),
    ("inf", math.inf),
    ("-inf", -math.inf),
    ("10**400", 10**400),
    ("lone surrogate", "\ud800"),
    ("not JSON", {1, 2}),
]


CASES = [(path, name, value) for path in representative_paths(RICH) for name, value in HOSTILE]


def test_the_hostile_table_covers_every_field() -> None:
    paths = {path_text(p) for p in representative_paths(RICH)}
    for must in (
        "snapshot.now",
        "snapshot.seq.timer",
        "snapshot.counts.abandoned",
        "snapshot.agents[0].channels.voice",
        "snapshot.agents[0].attributes.site",
        "snapshot.contacts[0].skills[0][1]",
        "snapshot.contacts[2].excluded[0]",
        "snapshot.detached[0].step_until",
        "snapshot.works[0].why[9]",
        "snapshot.timers[0][3]",
        "snapshot.hooks.promises.open[1][1][0][6]",
        "snapshot.hooks.promises.departures[0][0][1][0][0]",
        "snapshot.hooks.promises.timers[0][4]",
    ):
        assert must in paths, must


@pytest.mark.parametrize(
    ("path", "name", "value"),
    CASES,
    ids=[f"{path_text(p)}={n}" for p, n, _ in CASES],
)
def test_a_hostile_value_is_refused_naming_its_place(
    path: tuple[Any, ...], name: str, value: Any
) -> None:
    bad = replaced(RICH, path, value)
    if free_form(path) and name == "10**400":  # a JSON integer: valid there
        sound(Router.restore(bad))
    elif path == ("format",):
        refused(bad, "not a tierroute router snapshot")
    elif path == ("version",):
        refused(bad, "is not supported")
    else:
        refused(bad, "corrupt router snapshot", path_text(path))


# The closed records of a snapshot, one of each kind.
RECORDS: list[tuple[Any, ...]] = [
    (),
    ("seq",),
    ("counts",),
    ("agents", 0),
    ("contacts", 0),
    ("detached", 0),
    ("works", 0),
    ("hooks", "promises"),
]


@pytest.mark.parametrize(
    ("path", "key"),
    [(p, k) for p in RECORDS for k in get(RICH, p)],
    ids=[f"{path_text(p)}.{k}" for p in RECORDS for k in get(RICH, p)],
)
def test_a_missing_field_is_refused(path: tuple[Any, ...], key: str) -> None:
    bad = copy.deepcopy(RICH)
    del get(bad, path)[key]
    if path == () and key in ("format", "version"):
        refused(bad, "not a tierroute router snapshot" if key == "format" else "version None")
        return
    refused(bad, f"{path_text((*path, key))} is missing")


@pytest.mark.parametrize("path", RECORDS, ids=path_text)
def test_an_unknown_field_is_refused(path: tuple[Any, ...]) -> None:
    bad = copy.deepcopy(RICH)
    get(bad, path)["colour"] = "red"
    refused(bad, path_text(path), "unknown key 'colour'")


def test_a_policy_with_hostile_values_is_refused() -> None:
    for value in (math.nan, math.inf, 10**400, "\ud800", -1):
        bad = copy.deepcopy(RICH)
        bad["policy"]["offer"]["timeout_s"] = value
        refused(bad, "snapshot.policy")
    bad = copy.deepcopy(RICH)
    bad["policy"]["tiers"][0]["name"] = "\ud800"
    refused(bad, "snapshot.policy.tiers[0].name", "lone surrogates")


def test_deeply_nested_attributes_are_refused() -> None:
    bad = copy.deepcopy(RICH)
    deep: Any = "leaf"
    for _ in range(150):
        deep = [deep]
    bad["contacts"][1]["attributes"]["deep"] = deep
    refused(bad, "snapshot.contacts[1].attributes.deep", "nested deeper")


def test_restore_refuses_a_huge_integer_anywhere_but_free_form_data() -> None:
    """Past issue: ``int(10**400)`` passed and ``float()`` of it raised OverflowError."""
    for path in (("now",), ("contacts", 0, "arrived_at"), ("agents", 0, "seq")):
        refused(replaced(RICH, path, 10**400), path_text(path))


# ----------------------------------------------------------------------------- inconsistent


def at(snap: dict[str, Any], section: str, ident: str) -> int:
    """The index of the item with this id in a section."""
    return next(i for i, d in enumerate(snap[section]) if d["id"] == ident)


def timer_index(snap: dict[str, Any], kind: int, ref: Any) -> int:
    return next(i for i, (_, _, k, r) in enumerate(snap["timers"]) if (k, r) == (kind, ref))


def seq_of(snap: dict[str, Any], cid: str) -> int:
    return int(snap["contacts"][at(snap, "contacts", cid)]["seq"])


def add_timer(snap: dict[str, Any], at_: float, kind: int, ref: Any) -> None:
    snap["seq"]["timer"] += 1
    snap["timers"].append([at_, snap["seq"]["timer"], kind, ref])


def hook(snap: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = snap["hooks"]["promises"]
    return state


def _decided_promise_timer(s: dict[str, Any]) -> None:
    cid, rows = next((cid, rows) for cid, rows in hook(s)["open"] if any(r[6] for r in rows))
    i = next(i for i, r in enumerate(rows) if r[6])
    s["seq"]["timer"] += 1
    hook(s)["timers"].append([s["now"] + 5.0, s["seq"]["timer"], "p", cid, i])


def _move(s: dict[str, Any], section: str, ident: str, field: str, value: Any) -> None:
    s[section][at(s, section, ident)][field] = value


Mutation = Callable[[dict[str, Any]], None]

# (what, how, needles of the message). Each is a state the router never reaches; the
# first group is refused while reading (schema), the rest by the invariants.
INCONSISTENT: list[tuple[str, Mutation, tuple[str, ...]]] = [
    # ids and references
    (
        "duplicate agent id",
        lambda s: _move(s, "agents", "bob", "id", "ana"),
        ("snapshot.agents[1].id", "appears twice"),
    ),
    (
        "duplicate agent seq",
        lambda s: _move(s, "agents", "bob", "seq", 1),
        ("snapshot.agents[1].seq", "appears twice"),
    ),
    (
        "duplicate contact id",
        lambda s: _move(s, "contacts", "c5", "id", "c3"),
        ("snapshot.contacts[2].id", "appears twice"),
    ),
    (
        "a live and a finished contact share a seq",
        lambda s: s["detached"][0].update(seq=s["contacts"][0]["seq"]),
        ("snapshot.detached[0].seq", "appears twice"),
    ),
    (
        "duplicate offer id",
        lambda s: _move(s, "works", "o2", "id", "o1"),
        ("snapshot.works[1].id", "appears twice"),
    ),
    (
        "duplicate timer seq",
        lambda s: s["timers"][1].__setitem__(1, s["timers"][0][1]),
        ("snapshot.timers[1][1]", "appears twice"),
    ),
    (
        "offer of an unknown agent",
        lambda s: _move(s, "works", "o1", "agent", "zoe"),
        ("snapshot.works[0].agent", "unknown agent 'zoe'"),
    ),
    (
        "offer of an unknown contact",
        lambda s: _move(s, "works", "o1", "contact", 99),
        ("snapshot.works[0].contact", "no contact has sequence number 99"),
    ),
    (
        "relaxation timer of a finished contact",
        lambda s: add_timer(s, s["now"] + 5.0, 0, s["detached"][0]["seq"]),
        ("snapshot.timers[", "no live contact"),
    ),
    (
        "expiry timer of an unknown offer",
        lambda s: add_timer(s, s["now"] + 5.0, 1, "o99"),
        ("snapshot.timers[", "no offer 'o99'"),
    ),
    (
        "finished contact no offer holds",
        lambda s: (s["works"].pop(at(s, "works", "o2")), s["timers"].pop(timer_index(s, 2, "o2"))),
        ("snapshot.detached[0]", "no offer holds"),
    ),
    (
        "timer not after now",
        lambda s: s["timers"][0].__setitem__(0, s["now"]),
        ("snapshot.timers[0][0]", "is not after now"),
    ),
    (
        "submitted after now",
        lambda s: _move(s, "contacts", "c1", "submitted_at", s["now"] + 1),
        ("snapshot.contacts[0]", "does not hold"),
    ),
    (
        "step past the tier's ladder",
        lambda s: _move(s, "contacts", "c3", "step", 9),
        ("snapshot.contacts[1].step", "has no step 9"),
    ),
    (
        "offer at a step of another tier",
        lambda s: _move(s, "works", "o1", "step", "concierge"),
        ("snapshot.works[0].step",),
    ),
    (
        "offer numbered before the agent's last",
        lambda s: s["works"][0]["why"].__setitem__(7, 1),
        ("snapshot.works[0].why[7]",),
    ),
    (
        "proficiency above the scale",
        lambda s: s["agents"][0]["skills"].update(billing=9),
        ("snapshot.agents[0].skills.billing", "max_proficiency"),
    ),
    (
        "skills not sorted",
        lambda s: _move(s, "contacts", "c3", "skills", [["x", 1], ["a", 1]]),
        ("snapshot.contacts[1].skills", "sorted"),
    ),
    (
        "capacity below a channel's cost",
        lambda s: _move(s, "agents", "ana", "capacity", 50),
        ("snapshot.agents[0].channels", "above the capacity 50"),
    ),
    (
        "NaN priority key",
        lambda s: _move(s, "contacts", "c3", "key", math.nan),
        ("snapshot.contacts[1].key", "finite"),
    ),
    (
        "negative count",
        lambda s: s["counts"].update(finished=-1),
        ("snapshot.counts.finished", ">= 0"),
    ),
    ("hook of an unknown kind", lambda s: s["hooks"].update(other={}), ("kind 'other'",)),
    # the invariants
    (
        "work held by a logged-out agent",
        lambda s: _move(s, "agents", "ana", "presence", 0),
        ("snapshot.agents[0]: inconsistent", "logged-out agent ana holds work"),
    ),
    (
        "reservation held by a not-ready agent",
        lambda s: _move(s, "agents", "bob", "presence", 2),
        ("snapshot.agents[1]: inconsistent", "not ready but reserved"),
    ),
    (
        "agent idle beside a contact it could take",
        lambda s: _move(s, "agents", "dan", "presence", 1),
        ("snapshot.agents[3]: inconsistent", "agent 'dan' is available for waiting contact 'c6'"),
    ),
    (
        "agent over capacity",
        lambda s: _move(s, "works", "o4", "agent", "ana"),
        ("snapshot.agents[0]: inconsistent", "load 200"),
    ),
    (
        "offer to an agent not eligible",
        lambda s: _move(s, "works", "o5", "agent", "bob"),
        ("snapshot.works[3]: inconsistent", "not eligible"),
    ),
    (
        "reset offer sequence",
        lambda s: s["seq"].update(offer=0),
        ("snapshot.seq.offer: inconsistent", "behind offer o5"),
    ),
    (
        "reset timer sequence",
        lambda s: s["seq"].update(timer=3),
        ("snapshot.seq.timer: inconsistent",),
    ),
    (
        "reset contact sequence",
        lambda s: s["seq"].update(contact=1),
        ("snapshot.seq.contact: inconsistent",),
    ),
    (
        "reset agent sequence",
        lambda s: s["seq"].update(agent=0),
        ("snapshot.seq.agent: inconsistent",),
    ),
    (
        "counts that lose a contact",
        lambda s: s["counts"].update(submitted=99),
        ("snapshot.counts: inconsistent", "lost or duplicated"),
    ),
    (
        "contact both waiting and in service",
        lambda s: _move(s, "contacts", "c1", "state", 0),
        ("snapshot.contacts[0]: inconsistent",),
    ),
    (
        "contact in service without its assignment",
        lambda s: s["works"].pop(at(s, "works", "o1")),
        ("snapshot.contacts[0]: inconsistent", "without its offer"),
    ),
    (
        "two assignments of one contact",
        lambda s: (
            s["works"].append({**copy.deepcopy(s["works"][0]), "id": "o6"}),
            s["seq"].update(offer=6),
        ),
        ("inconsistent",),
    ),
    (
        "expiry timer of an assignment",
        lambda s: add_timer(s, s["now"] + 5.0, 1, "o1"),
        ("snapshot.works[0]: inconsistent", "expiry timer"),
    ),
    (
        "reservation without its expiry",
        lambda s: s["timers"].pop(timer_index(s, 1, "o4")),
        ("snapshot.works[2]: inconsistent", "expiry timer None"),
    ),
    (
        "wrap-up without its end",
        lambda s: s["timers"].pop(timer_index(s, 2, "o2")),
        ("snapshot.works[1]: inconsistent", "wrap-up timer None"),
    ),
    (
        "waiting contact without its relaxation timer",
        lambda s: s["timers"].pop(timer_index(s, 0, seq_of(s, "c3"))),
        ("snapshot.contacts[1]: inconsistent", "relaxation timer None"),
    ),
    (
        "relaxation timer at another time",
        lambda s: s["timers"][timer_index(s, 0, seq_of(s, "c3"))].__setitem__(0, s["now"] + 1),
        ("snapshot.contacts[1]: inconsistent", "relaxation timer"),
    ),
    (
        "two relaxation timers of one contact",
        lambda s: add_timer(s, s["now"] + 1.0, 0, seq_of(s, "c3")),
        ("snapshot.contacts[1]: inconsistent", "two live timers"),
    ),
    # the tracker's state against the router's
    (
        "promises of a contact that is not live",
        lambda s: hook(s)["open"][0].__setitem__(0, "zoe"),
        ("snapshot.hooks.promises.open[0]", "not live"),
    ),
    (
        "promises of one contact twice",
        lambda s: hook(s)["open"][1].__setitem__(0, hook(s)["open"][0][0]),
        ("snapshot.hooks.promises.open[1]", "twice"),
    ),
    (
        "escalation of a contact that is not live",
        lambda s: hook(s)["escalations"][0].__setitem__(0, "zoe"),
        ("snapshot.hooks.promises.escalations[0]",),
    ),
    (
        "escalation past its ladder",
        lambda s: hook(s)["escalations"][0].__setitem__(5, 99),
        ("snapshot.hooks.promises.escalations[0]", "no ladder"),
    ),
    (
        "callback offered and still checked",
        lambda s: hook(s)["callback_checks"].append(hook(s)["callbacks_offered"][0]),
        ("snapshot.hooks.promises.callbacks_late",),
    ),
    (
        "late callback without its check",
        lambda s: hook(s)["callbacks_late"].append(hook(s)["callbacks_offered"][0]),
        ("snapshot.hooks.promises.callbacks_late",),
    ),
    (
        "timer of a decided promise",
        _decided_promise_timer,
        ("snapshot.hooks.promises.timers[", "is not open"),
    ),
    (
        "open promise without its timer",
        lambda s: hook(s)["timers"].pop(
            next(i for i, t in enumerate(hook(s)["timers"]) if t[2] == "p")
        ),
        ("snapshot.hooks.promises.timers", "has no timer"),
    ),
    (
        "tracker timer sharing a router timer's number",
        lambda s: hook(s)["timers"][0].__setitem__(1, s["timers"][0][1]),
        ("snapshot.timers: inconsistent", "sequence number"),
    ),
    (
        "tracker timer beyond the timer counter",
        lambda s: hook(s)["timers"][0].__setitem__(1, s["seq"]["timer"] + 7),
        ("snapshot.seq.timer: inconsistent",),
    ),
]


@pytest.mark.parametrize(
    ("how", "needles"),
    [(how, needles) for _, how, needles in INCONSISTENT],
    ids=[what for what, _, _ in INCONSISTENT],
)
def test_an_inconsistent_snapshot_is_refused(
    rich: dict[str, Any], how: Mutation, needles: tuple[str, ...]
) -> None:
    bad = copy.deepcopy(rich)
    how(bad)
    assert bad != rich
    refused(bad, "corrupt router snapshot", *needles)


def test_inconsistencies_are_refused_under_python_dash_O(rich: dict[str, Any]) -> None:
    """The invariants are checked by explicit raises, not asserts ``-O`` strips."""
    bad = copy.deepcopy(rich)
    _move(bad, "agents", "ana", "presence", 0)  # ana holds c1's assignment
    code = (
        "import json, sys\n"
        "from tierroute import Router, InvalidArgument\n"
        "assert False, 'asserts are on'\n"
        "try:\n"
        "    Router.restore(json.loads(sys.stdin.read()))\n"
        "except InvalidArgument as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-O", "-c", code],
        input=json.dumps(bad),
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC)},
    )
    assert "logged-out agent ana holds work" in out.stdout, out


def test_a_reset_offer_sequence_would_have_clobbered_a_live_offer(rich: dict[str, Any]) -> None:
    """Why the counters are checked: with ``seq.offer`` reset, the next offer would be
    numbered like a live one and overwrite it (a later call raised KeyError)."""
    r = Router.restore(rich)
    live = {w["id"] for w in rich["works"]}
    offers = r.submit(ContactSpec("c8", "email", "standard", language="en"), now=r.now + 50)
    assert offers
    assert not live & {o.offer_id for o in offers}
    r._offer_seq = 0  # what a reset counter did: the next offer takes a live offer's id
    r.set_agent_state("dan", "ready", now=r.now)
    with pytest.raises(AssertionError):
        r._check()
    bad = copy.deepcopy(rich)
    bad["seq"]["offer"] = 0
    refused(bad, "snapshot.seq.offer")


# ----------------------------------------------------------------------------- random damage


def leaf_paths(snap: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [path for path, _ in walk(snap) if path]


LEAVES = leaf_paths(RICH)
VALUES = [get(RICH, p) for p in LEAVES if not isinstance(get(RICH, p), dict | list)]

SECTIONS = [(k,) for k in RICH if k not in ("format", "version", "hooks")] + [
    ("hooks", "promises", k) for k in RICH["hooks"]["promises"]
]
hostile_values = st.one_of(
    st.sampled_from(VALUES),  # another field's value: dangling or duplicated references
    st.integers(min_value=-3, max_value=12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([10**400, 2**63, "\ud800", "", None, True, [], {}, [[]], "o1", "ana"]),
    st.text(max_size=5),
)


@st.composite
def damaged(draw: st.DrawFn) -> dict[str, Any]:
    snap = copy.deepcopy(RICH)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        # a section first, so that the big policy does not take most draws (the
        # format and the version are the table's: any change is refused)
        section = draw(st.sampled_from(SECTIONS))
        paths = [p for p in leaf_paths(snap) if p[: len(section)] == section]
        if not paths:  # deleted by an earlier step
            continue
        path = draw(st.sampled_from(paths))
        parent = get(snap, path[:-1])
        action = draw(st.sampled_from(["set", "swap", "swap", "nudge", "nudge", "delete"]))
        value = get(snap, path)
        if action == "delete":
            del parent[path[-1]]
        elif (
            action == "nudge"
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and abs(value) < 2**60
        ):
            parent[path[-1]] = value + draw(st.sampled_from([-1, 1, 0.5, -1e-9]))
        elif action == "swap":
            parent[path[-1]] = draw(st.sampled_from(VALUES))
        else:
            parent[path[-1]] = draw(hostile_values)
    return snap


@settings(max_examples=1000 if os.environ.get("CI") else 200, deadline=None)
@given(damaged())
def test_a_damaged_snapshot_is_refused_or_restores_sound(snap: dict[str, Any]) -> None:
    before = pickle.dumps(snap)
    try:
        r: Router | None = Router.restore(snap)
        message = ""
    except InvalidArgument as exc:
        r, message = None, str(exc)
    assert pickle.dumps(snap) == before, "restore changed its input"
    if r is None:
        assert message.startswith(("corrupt router snapshot: ", "not a tierroute", "snapshot "))
        return
    try:
        sound(r)
    except TierRouteError as exc:  # a valid call on a sound router never fails
        pytest.fail(f"restored router refused a valid call: {exc!r}")


# ----------------------------------------------------------------------------- cooldowns


def cooling_router() -> Router:
    """One agent who let a contact ring out: its decline cools down (a live T_LAPSE
    timer and a ``cooldowns`` entry in the snapshot)."""
    policy = prestige()
    policy = policy.model_copy(
        update={"offer": policy.offer.model_copy(update={"decline_cooldown_s": 300.0})}
    )
    r = Router(policy, start=START)
    r.add_agent(AgentSpec("zed", skills={"wealth": 5}), presence="ready", now=START)
    r.add_agent(AgentSpec("amy", skills={"wealth": 5}), presence="ready", now=START)
    [o] = r.submit(ContactSpec("c1", "voice", "standard", skills={"wealth": 1}), now=START)
    r.reject(o.offer_id, now=START + 1)
    return r


def test_a_cooling_decline_round_trips() -> None:
    r = cooling_router()
    snap = json.loads(json.dumps(r.snapshot()))
    assert any(c["cooldowns"] for c in snap["contacts"])
    assert 4 in {kind for _, _, kind, _ in snap["timers"]}
    again = Router.restore(snap)
    again._check()
    assert again.snapshot() == snap


def test_a_cooldown_of_an_agent_not_excluded_is_refused() -> None:
    snap = json.loads(json.dumps(cooling_router().snapshot()))
    c = next(c for c in snap["contacts"] if c["cooldowns"])
    c["cooldowns"]["nobody"] = next(iter(c["cooldowns"].values()))
    refused(snap, "cooldowns", "not excluded")


def test_a_cooldown_timer_that_matches_no_cooldown_is_refused() -> None:
    snap = json.loads(json.dumps(cooling_router().snapshot()))
    i = next(i for i, t in enumerate(snap["timers"]) if t[2] == 4)
    snap["timers"][i][0] += 1.0
    refused(snap, "timers", "no cooldown")
