"""Router snapshots: the whole routing state as JSON-serialisable data, and back.

Only facts are stored (agents, live contacts, offers and assignments, live timers
with their sequence numbers, counters); derived structures — signatures, queues,
pools, eligibility caches — are rebuilt on load. Every ordering the router uses is
total on stored data (keys, values, sequence numbers), so a restored router makes
the same decisions as the original.

An attached hook (the promise tracker) stores its own state, under ``hooks`` by its
kind, and is rebuilt by the loader registered for that kind (see
:mod:`tierroute.routing._hooks`).

Formats: the data carries ``version``; older versions are brought up to
:data:`VERSION` by the functions of :data:`MIGRATIONS`, applied in order, before
anything is read. Version 1 (tierroute 0.1) kept the tracker under ``tracker``;
version 2 keeps every hook under ``hooks``; version 3 adds the cooldown of declines
(``offer.decline_cooldown_s`` in the policy, each contact's ``cooldowns``, the
timers of kind ``T_LAPSE``, and how an offer readmitted an excluded agent, last in
each work's ``why``).

:func:`load` trusts nothing it reads, in two stages:

1. *Schema.* Every section is read against its table of rules (:mod:`tierroute._schema`):
   the type, shape and range of every value (finite numbers, strings that encode
   as UTF-8, closed records), then what a table cannot say: ranges set by the
   policy, unique ids, references that resolve (a work's contact and agent, a
   timer's object, a finished contact some work still holds), times not after
   ``now``. What is read is a fresh copy: the caller's data is neither changed
   nor kept. The router is built from it and its hooks' loaders check their own
   state the same way.
2. *Invariants.* :func:`~tierroute.routing._check.check_state`, the part of
   ``Router._check`` that ties the stored facts together: every waiting contact
   queued once with its relaxation timer, every reservation with its expiry, every
   wrap-up with its end, agents within capacity and holding only work their
   presence allows, no agent idle beside a contact it could take, the counters of
   agents, contacts, offers and timers ahead of every id and timer.

Either stage raises :class:`~tierroute.errors.InvalidArgument` naming the place,
e.g. ``snapshot.works[3].agent``; nothing else escapes, under ``python -O`` too.

A new field of a section is its line in the section's table (``_AGENT``,
``_CONTACT``, ``_WORK``, ``_TOP``; the tracker's in
:mod:`tierroute.promises.tracker`), its value in :func:`dump` and its use in
``_build``; snapshots written before it need a migration that adds it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from heapq import heapify
from typing import Any, Final, TypeVar, cast

from tierroute._args import _show
from tierroute._schema import (
    MAX_INT,
    Rule,
    array_of,
    choice,
    count,
    dict_of,
    integer,
    json_object,
    mapping,
    number,
    optional,
    record_of,
    row_of,
    seconds,
    step,
    string,
)
from tierroute.errors import InvalidArgument, RoutingStateError
from tierroute.policy.model import Policy
from tierroute.routing._check import Broken, check_state
from tierroute.routing._engine import Engine
from tierroute.routing._hooks import (
    T_EXT,
    T_LAPSE,
    T_RELAX,
    Attachable,
    hook_loader,
)
from tierroute.routing._state import (
    ACTIVE,
    CHANNELS,
    IN_SERVICE,
    INF,
    LOGGED_OUT,
    NOT_READY,
    OFFERED,
    RESERVED,
    STRATEGIES,
    WAITING,
    WRAP,
    AgentRT,
    ContactRT,
    Exclusion,
    Work,
)
from tierroute.routing.explain import _MOMENTS, _READMITTED

E = TypeVar("E", bound=Engine)

FORMAT: Final = "tierroute.router"  # a format marker, not a module path: it never changes
VERSION: Final = 3


def migrate_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 -> 2: the tracker's state moves from ``tracker`` to ``hooks``."""
    tracker = data.pop("tracker", None)
    data["hooks"] = {} if tracker is None else {"promises": tracker}
    data["version"] = 2
    return data


def migrate_v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 -> 3: declines gained a cooldown. A router written before keeps
    declines for good (its policy's ``offer.decline_cooldown_s`` becomes ``None``),
    so that it, and the journal replayed on it, decide as recorded; its contacts'
    exclusions hold for good (no ``cooldowns``), and no offer readmitted an agent."""
    policy = dict(data["policy"])
    policy["offer"] = {**policy.get("offer", {}), "decline_cooldown_s": None}
    data["policy"] = policy
    for part in ("contacts", "detached"):
        data[part] = [{**c, "cooldowns": {}} for c in data[part]]
    data["works"] = [{**w, "why": [*w["why"], None]} for w in data["works"]]
    data["version"] = 3
    return data


MIGRATIONS: Final[dict[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    1: migrate_v1_to_v2,
    2: migrate_v2_to_v3,
}
"""``MIGRATIONS[v]`` turns version ``v`` data into version ``v + 1`` data."""


def _f(x: float) -> float | None:
    return None if x == INF else x


def _unf(x: float | None) -> float:
    return INF if x is None else float(x)


def _contact(c: ContactRT) -> dict[str, Any]:
    return {
        "id": c.id,
        "seq": c.seq,
        "channel": CHANNELS[c.ch].value,
        "tier": c.tier.name,
        "value": c.value,
        "severity": c.sev,
        "skills": [list(s) for s in c.skills],
        "language": c.lang,
        "min_seniority": c.min_sen,
        "concierge": c.concierge,
        "arrived_at": c.arrived_at,
        "key": c.key,
        "submitted_at": c.submitted_at,
        "attributes": None if c.attributes is None else dict(c.attributes),
        "state": c.state,
        "step": c.step,
        "step_until": _f(c.step_until),
        "excluded": None if c.excluded is None else sorted(c.excluded),
        # those that end (the others hold for good): [since, until]; lapsed unless a
        # timer of kind T_LAPSE names it
        "cooldowns": {}
        if c.excluded is None
        else {a: [x.since, x.until] for a, x in sorted(c.excluded.items()) if x.until < INF},
    }


def dump(r: Engine) -> dict[str, Any]:
    """Snapshot data of router ``r``."""
    if r._heap.foreign is not None:
        raise RoutingStateError(
            "a router whose timers live on a foreign timer host cannot be snapshot"
        )
    works = sorted(r._works.values(), key=lambda w: int(w.id[1:]))
    live = {id(c) for c in r._contacts.values()}
    detached = {w.contact.seq: w.contact for w in works if id(w.contact) not in live}
    # Relaxation timers name a contact by its submit sequence; expiry and wrap-up
    # timers name a work by its offer id (the two id spaces may overlap); cooldown
    # timers name the contact's sequence and the agent.
    timers = sorted(
        [t, seq, kind, _dump_ref(kind, obj)]
        for t, seq, kind, _, obj in r._heap.live()
        if kind != T_EXT  # tracker timers belong to the tracker
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "policy": r._policy.model_dump(mode="json"),
        "now": r._now,
        "seq": {
            "agent": r._agent_seq,
            "contact": r._contact_seq,
            "offer": r._offer_seq,
            "timer": r._heap.seq,
        },
        "counts": {"submitted": r._submitted, "finished": r._finished, "abandoned": r._abandoned},
        "agents": [
            {
                "id": a.id,
                "seq": a.seq,
                "skills": dict(sorted(a.skills.items())),
                "languages": sorted(a.languages),
                "seniority": a.seniority,
                "channels": {CHANNELS[i].value: n for i, n in enumerate(a.maxc) if n},
                "capacity": a.capacity,
                "attributes": None if a.attributes is None else dict(a.attributes),
                "presence": a.presence,
                "idle_since": a.idle_since,
                "last_offer": a.last_offer,
                "handled": a.handled,
                "no_answers": a.no_answers,
            }
            for a in sorted(r._agents.values(), key=lambda a: a.seq)
        ],
        "contacts": [_contact(c) for c in sorted(r._contacts.values(), key=lambda c: c.seq)],
        "detached": [_contact(c) for c in sorted(detached.values(), key=lambda c: c.seq)],
        "works": [
            {
                "id": w.id,
                "contact": w.contact.seq,
                "agent": w.agent.id,
                "offered_at": w.offered_at,
                "expires_at": _f(w.expires_at),
                "step": w.step,
                "state": w.state,
                "accepted_at": _f(w.accepted_at),
                "until": _f(w.until),
                "why": [
                    w.why[0],
                    *w.why[1:8],
                    list(w.why[8]),
                    None if w.why[9] is None else list(w.why[9]),
                    w.why[10],
                ],
            }
            for w in works
        ],
        "timers": timers,
        "hooks": {} if r._hook is None else {r._hook.kind: r._hook.dump_state()},
    }


def load(cls: type[E], data: Mapping[str, Any], clock: Callable[[], float] | None) -> E:
    """Rebuild a router from snapshot ``data`` (see the module docstring), its hooks
    attached; ``data`` is neither kept nor changed.

    Raises:
        InvalidArgument: ``data`` is not a snapshot of a known version, or a value in
            it is malformed or inconsistent (the message names its place, e.g.
            ``snapshot.works[3].agent``).
    """
    data = _upgraded(data)
    with _bulk():
        try:
            snap = _READ_TOP(data, "")
        except InvalidArgument as exc:
            raise InvalidArgument(f"corrupt router snapshot: snapshot{exc}") from None
        try:
            policy = _policy(snap["policy"])
        except InvalidArgument as exc:
            raise InvalidArgument(f"corrupt router snapshot: {exc}") from None
        r = cls(policy, clock=clock, start=snap["now"])  # a bad clock is the caller's
        try:
            _read_agents(r, snap)
            _read_works(r, snap, _read_contacts(r, snap))
            _read_timers(r, snap)
            _build(r, snap)
            for kind, state in snap["hooks"].items():
                # ``cls`` is Router (or a subclass), which hooks attach to
                hook_loader(kind)(cast(Attachable, r), state)
        except InvalidArgument as exc:
            raise InvalidArgument(f"corrupt router snapshot: {exc}") from None
        try:
            check_state(r)
        except Broken as exc:
            raise InvalidArgument(
                f"corrupt router snapshot: {_place(exc.where, snap)}: inconsistent: {exc}"
            ) from None
    return r


@contextmanager
def _bulk() -> Iterator[None]:
    """No cyclic garbage collection while a snapshot is read: reading allocates
    objects by the hundred thousand, all of them kept, and each full collection
    would walk the snapshot data and the router built so far for nothing (it takes
    half the time of a 10k-contact restore with a tracker)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _upgraded(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """``data`` at :data:`VERSION` (migrated on a copy if older)."""
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise InvalidArgument("not a tierroute router snapshot (missing format marker)")
    version = data.get("version")
    if version != VERSION:
        if type(version) is not int or version not in MIGRATIONS:
            raise InvalidArgument(
                f"snapshot version {_show(version)} is not supported "
                f"(this tierroute reads {[*sorted(MIGRATIONS), VERSION]})"
            )
        # Migrations rewrite top-level entries of this copy; one that changes a nested
        # value copies it first, so the caller's data is never modified.
        data = dict(data)
        while data["version"] != VERSION:
            data = MIGRATIONS[data["version"]](data)
    return data


# ---------------------------------------------------------------------- the schema
# One table per section: a field is one line. The readers below check what a table
# cannot: ranges that depend on the policy or on other sections, unique ids,
# references, times not after ``now``.

_CHANNEL_OF: Final = {c.value: i for i, c in enumerate(CHANNELS)}


def _channel(value: Any, name: str) -> int:
    """A channel name, read as its index."""
    if type(value) is str and value in _CHANNEL_OF:
        return _CHANNEL_OF[value]
    raise InvalidArgument(f"{name} must be a channel {list(_CHANNEL_OF)}, got {_show(value)}")


def _unit(value: Any, name: str) -> float:
    """A number in [0, 1]."""
    if type(value) is float and 0.0 <= value <= 1.0:
        return value
    out = number(value, name)
    if not 0.0 <= out <= 1.0:
        raise InvalidArgument(f"{name} must be a number in [0, 1], got {_show(value)}")
    return out


def _offer_id(value: Any, name: str) -> str:
    """An offer id as the router makes them: ``o<n>``, ``n`` from 1 without leading zeros."""
    if (
        type(value) is str
        and 2 <= len(value) <= 20
        and value[0] == "o"
        and value[1] != "0"
        and value[1:].isascii()
        and value[1:].isdigit()
        and int(value[1:]) <= MAX_INT
    ):
        return value
    raise InvalidArgument(f"{name} must be an offer id o<n>, got {_show(value)}")


_PAIRS: Final = array_of(row_of(string, integer(1)))


def _skill_pairs(value: Any, name: str) -> tuple[tuple[str, int], ...]:
    """A contact's skills: ``[skill, proficiency]`` pairs sorted by skill, each skill
    once (read as the tuple the engine keys signatures with)."""
    if type(value) is list and len(value) == 1:  # the common case, checked inline
        pair = value[0]
        if type(pair) is list and len(pair) == 2:
            s, p = pair
            if type(s) is str and s and s.isascii() and type(p) is int and 1 <= p <= MAX_INT:
                return ((s, p),)
    pairs = tuple((s, p) for s, p in _PAIRS(value, name))
    if any(pairs[i][0] >= pairs[i + 1][0] for i in range(len(pairs) - 1)):
        raise InvalidArgument(f"{name} must be sorted by skill, each skill once, got {pairs}")
    return pairs


_LAPSE_REF: Final = row_of(integer(1), string)


def _timer_ref(value: Any, name: str) -> int | str | list[Any]:
    """What a timer acts on: a contact's submit sequence, an offer id, or a
    ``[contact sequence, agent]`` cooldown."""
    if type(value) is int:
        return cast(int, integer(1)(value, name))
    if type(value) is list:
        return cast(list[Any], _LAPSE_REF(value, name))
    return _offer_id(value, name)


_AGENT: Final[dict[str, Rule]] = {
    "id": string,
    "seq": integer(1),
    "skills": dict_of(string, integer(1)),
    "languages": array_of(string),
    "seniority": count,
    "channels": dict_of(_channel, count),
    "capacity": integer(1),
    "attributes": optional(json_object),
    "presence": integer(LOGGED_OUT, NOT_READY),
    "idle_since": seconds,
    "last_offer": integer(-1),
    "handled": count,
    "no_answers": count,
}
_CONTACT: Final[dict[str, Rule]] = {
    "id": string,
    "seq": integer(1),
    "channel": _channel,
    "tier": string,
    "value": _unit,
    "severity": integer(1, 4),
    "skills": _skill_pairs,
    "language": optional(string),
    "min_seniority": count,
    "concierge": optional(string),
    "arrived_at": seconds,
    "key": number,
    "submitted_at": seconds,
    "attributes": optional(json_object),
    "state": integer(WAITING, IN_SERVICE),
    "step": count,
    "step_until": optional(seconds),  # null: on its last step for good
    "excluded": optional(array_of(string)),
    "cooldowns": dict_of(string, row_of(seconds, seconds)),  # agent: [since, until]
}
_WHY: Final = row_of(
    choice(_MOMENTS),  # what made the decision
    integer(0, len(STRATEGIES) - 1),  # the strategy
    count,  # the step
    count,  # the agent's proficiency
    seconds,  # ... idle since
    count,  # ... load
    count,  # ... handled
    integer(-1),  # ... last offer
    array_of(string),  # passed over
    optional(row_of(string, number)),  # the runner-up contact and its key
    optional(choice(_READMITTED)),  # how a declined agent was offered the contact again
)
_WORK: Final[dict[str, Rule]] = {
    "id": _offer_id,
    "contact": integer(1),  # its submit sequence
    "agent": string,
    "offered_at": seconds,
    "expires_at": optional(seconds),
    "step": string,
    "state": integer(RESERVED, WRAP),
    "accepted_at": optional(seconds),
    "until": optional(seconds),
    "why": _WHY,
}
_TOP: Final[dict[str, Rule]] = {
    "format": string,
    "version": count,
    "policy": json_object,
    "now": seconds,
    "seq": record_of({"agent": count, "contact": count, "offer": count, "timer": count}),
    "counts": record_of({"submitted": count, "finished": count, "abandoned": count}),
    "agents": array_of(record_of(_AGENT)),
    "contacts": array_of(record_of(_CONTACT)),
    "detached": array_of(record_of(_CONTACT)),
    "works": array_of(record_of(_WORK)),
    "timers": array_of(row_of(seconds, integer(1), integer(T_RELAX, T_LAPSE), _timer_ref)),
    "hooks": dict_of(string, mapping),
}


_READ_TOP: Final = record_of(_TOP)


def _bad(path: str, problem: str) -> InvalidArgument:
    return InvalidArgument(f"snapshot.{path}: {problem}")


def _policy(data: dict[str, Any]) -> Policy:
    try:
        return Policy.model_validate(data)
    except ValueError as exc:  # pydantic's ValidationError, PolicyError
        raise _bad("policy", str(exc)) from None


def _dump_ref(kind: int, obj: Any) -> Any:
    """What a timer acts on, as a snapshot names it."""
    if kind == T_RELAX:
        return obj.seq
    if kind == T_LAPSE:
        return [obj.contact.seq, obj.agent]
    return obj.id


def _read_agents(r: Engine, snap: dict[str, Any]) -> None:
    policy = r._policy
    top, levels, cost, now = policy.max_proficiency, len(policy.seniority_levels), r._c.cost, r._now
    ids: set[str] = set()
    seqs: set[int] = set()
    for i, d in enumerate(snap["agents"]):
        if d["id"] in ids:
            raise _bad(f"agents[{i}].id", f"agent {d['id']!r} appears twice")
        ids.add(d["id"])
        if d["seq"] in seqs:
            raise _bad(f"agents[{i}].seq", f"sequence number {d['seq']} appears twice")
        seqs.add(d["seq"])
        for s, p in d["skills"].items():
            if p > top:
                raise _bad(f"agents[{i}].skills{step(s)}", f"{p} is above max_proficiency {top}")
        if len(set(d["languages"])) != len(d["languages"]):
            raise _bad(f"agents[{i}].languages", "a language appears twice")
        if d["seniority"] >= levels:
            raise _bad(f"agents[{i}].seniority", f"is not a level (0..{levels - 1})")
        for ch, n in d["channels"].items():
            if n and cost[ch] > d["capacity"]:
                raise _bad(
                    f"agents[{i}].channels",
                    f"{CHANNELS[ch].value} costs {cost[ch]}, above the capacity {d['capacity']}",
                )
        if d["idle_since"] > now:
            raise _bad(f"agents[{i}].idle_since", f"{d['idle_since']} is after now {now}")


def _read_contacts(r: Engine, snap: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Check the live and the detached contacts; return them by submit sequence."""
    policy, tiers, now = r._policy, r._c.tier_by_name, r._now
    top, levels = policy.max_proficiency, len(policy.seniority_levels)
    by_seq: dict[int, dict[str, Any]] = {}
    ids: set[str] = set()
    for section in ("contacts", "detached"):
        for i, d in enumerate(snap[section]):
            if section == "contacts":
                if d["id"] in ids:
                    raise _bad(f"contacts[{i}].id", f"contact {d['id']!r} appears twice")
                ids.add(d["id"])
            if d["seq"] in by_seq:
                raise _bad(f"{section}[{i}].seq", f"sequence number {d['seq']} appears twice")
            by_seq[d["seq"]] = d
            tier = tiers.get(d["tier"])
            if tier is None:
                raise _bad(f"{section}[{i}].tier", f"unknown tier {d['tier']!r} ({list(tiers)})")
            if d["step"] >= len(tier.steps):
                raise _bad(f"{section}[{i}].step", f"tier {tier.name!r} has no step {d['step']}")
            for s, p in d["skills"]:
                if p > top:
                    raise _bad(f"{section}[{i}].skills", f"{s}: {p} is above max_proficiency {top}")
            if d["min_seniority"] >= levels:
                raise _bad(f"{section}[{i}].min_seniority", f"is not a level (0..{levels - 1})")
            if not d["arrived_at"] <= d["submitted_at"] <= now:
                raise _bad(
                    f"{section}[{i}]",
                    f"arrived_at {d['arrived_at']} <= submitted_at {d['submitted_at']} "
                    f"<= now {now} does not hold",
                )
            excluded = d["excluded"]
            if excluded is not None and len(set(excluded)) != len(excluded):
                raise _bad(f"{section}[{i}].excluded", "an agent appears twice")
            for aid, (since, until) in d["cooldowns"].items():
                if excluded is None or aid not in excluded:
                    raise _bad(f"{section}[{i}].cooldowns{step(aid)}", "the agent is not excluded")
                if not since <= min(until, now):
                    raise _bad(
                        f"{section}[{i}].cooldowns{step(aid)}",
                        f"since {since} <= until {until} and since <= now {now} do not hold",
                    )
    return by_seq


def _read_works(r: Engine, snap: dict[str, Any], contacts: dict[int, dict[str, Any]]) -> None:
    tiers, now = r._c.tier_by_name, r._now
    agents = {d["id"] for d in snap["agents"]}
    ids: set[str] = set()
    held: set[int] = set()
    for i, d in enumerate(snap["works"]):
        if d["id"] in ids:
            raise _bad(f"works[{i}].id", f"offer {d['id']!r} appears twice")
        ids.add(d["id"])
        c = contacts.get(d["contact"])
        if c is None:
            raise _bad(f"works[{i}].contact", f"no contact has sequence number {d['contact']}")
        held.add(d["contact"])
        if d["agent"] not in agents:
            raise _bad(f"works[{i}].agent", f"unknown agent {d['agent']!r}")
        if d["offered_at"] > now or (d["accepted_at"] or 0.0) > now:
            raise _bad(f"works[{i}]", f"offered or accepted after now {now}")
        why = d["why"]
        steps = tiers[c["tier"]].steps
        if why[2] >= len(steps) or d["step"] != steps[why[2]].name:
            raise _bad(f"works[{i}].step", f"is not step why[2] of tier {c['tier']!r}")
        if why[7] >= int(d["id"][1:]):
            raise _bad(f"works[{i}].why[7]", "the agent's last offer is not before this one")
    for i, d in enumerate(snap["detached"]):
        if d["seq"] not in held:
            raise _bad(f"detached[{i}]", "no offer holds this finished contact")


def _read_timers(r: Engine, snap: dict[str, Any]) -> None:
    now = r._now
    live = {d["seq"] for d in snap["contacts"]}
    cooldowns = {d["seq"]: d["cooldowns"] for d in (*snap["contacts"], *snap["detached"])}
    works = {d["id"] for d in snap["works"]}
    seqs: set[int] = set()
    for i, (t, seq, kind, ref) in enumerate(snap["timers"]):
        if not t > now:
            raise _bad(f"timers[{i}][0]", f"{t} is not after now {now}")
        if seq in seqs:
            raise _bad(f"timers[{i}][1]", f"sequence number {seq} appears twice")
        seqs.add(seq)
        if kind == T_RELAX:
            if type(ref) is not int or ref not in live:
                raise _bad(f"timers[{i}][3]", f"no live contact has sequence number {ref!r}")
        elif kind == T_LAPSE:
            if type(ref) is not list or cooldowns.get(ref[0], {}).get(ref[1], (0, None))[1] != t:
                raise _bad(f"timers[{i}][3]", f"no cooldown {ref!r} ends at {t}")
        elif kind == T_EXT:
            raise _bad(f"timers[{i}][2]", "a hook's timer is stored with its hook")
        elif type(ref) is not str or ref not in works:
            raise _bad(f"timers[{i}][3]", f"no offer {ref!r}")


# ---------------------------------------------------------------------- building


def _make_contact(r: Engine, d: dict[str, Any]) -> ContactRT:
    skills = d["skills"]
    c = ContactRT(
        d["id"],
        d["seq"],
        d["channel"],
        r._c.tier_by_name[d["tier"]],
        d["value"],
        d["severity"],
        r._skill_sets.setdefault(skills, skills),  # one copy per requirement, as submit keeps
        d["language"],
        d["min_seniority"],
        d["concierge"],
        d["arrived_at"],
        d["key"],
        d["submitted_at"],
        d["attributes"],
    )
    c.state = d["state"]
    c.step = d["step"]
    c.step_until = _unf(d["step_until"])
    if d["excluded"] is not None:
        cooldowns = d["cooldowns"]
        c.excluded = {}
        for aid in d["excluded"]:
            since, until = cooldowns.get(aid, (INF, INF))
            x = c.excluded[str(aid)] = Exclusion(c, str(aid), float(since), float(until))
            x.lapsed = x.until < INF  # unless its timer is still set (see below)
    return c


def _build(r: Engine, snap: dict[str, Any]) -> None:
    """Fill router ``r`` from snapshot data read by :func:`load` (trusted from here)."""
    seq = snap["seq"]
    r._agent_seq, r._contact_seq = seq["agent"], seq["contact"]
    r._offer_seq, r._heap.seq = seq["offer"], seq["timer"]
    counts = snap["counts"]
    r._submitted, r._finished = counts["submitted"], counts["finished"]
    r._abandoned = counts["abandoned"]
    for d in snap["agents"]:
        maxc = [0] * len(CHANNELS)
        for ch, n in d["channels"].items():
            maxc[ch] = n
        a = AgentRT(
            d["id"],
            d["seq"],
            d["skills"],
            frozenset(d["languages"]),
            d["seniority"],
            tuple(maxc),
            d["capacity"],
            d["attributes"],
        )
        a.presence = d["presence"]
        a.idle_since = d["idle_since"]
        a.last_offer = d["last_offer"]
        a.handled = d["handled"]
        a.no_answers = d["no_answers"]
        r._agents[a.id] = a
        r._link_agent(a)
    contacts: dict[int, ContactRT] = {}  # by submit sequence, unique for all time
    for d in snap["contacts"]:
        c = _make_contact(r, d)
        r._contacts[c.id] = c
        contacts[c.seq] = c
    for d in snap["detached"]:
        c = _make_contact(r, d)
        contacts[c.seq] = c
    cost, excl = r._c.cost, r._c.exclusive
    for d in snap["works"]:
        c = contacts[d["contact"]]
        a = r._agents[d["agent"]]
        why = d["why"]
        rival = None if why[9] is None else (why[9][0], why[9][1])
        readmitted = why[10]
        w = Work(
            d["id"],
            c,
            a,
            d["offered_at"],
            _unf(d["expires_at"]),
            d["step"],
            d["state"],
            (*why[:8], tuple(why[8]), rival, readmitted),
        )
        w.accepted_at = _unf(d["accepted_at"])
        w.until = _unf(d["until"])
        a.tasks[w.id] = w
        a.load += cost[c.ch]
        a.counts[c.ch] += 1
        if excl[c.ch]:
            a.excl_busy += 1
        if r._contacts.get(c.id) is c and (
            (c.state == OFFERED and w.state == RESERVED)
            or (c.state == IN_SERVICE and w.state == ACTIVE)
        ):
            c.work = w
        r._works[w.id] = w
    for c in r._contacts.values():
        if c.state == WAITING:
            r._sig_for(c).push(c)
            r._waiting += 1
    timers = []
    for t, tseq, kind, ref in snap["timers"]:
        obj: Any
        if kind == T_RELAX:
            obj = contacts[ref]
        elif kind == T_LAPSE:
            excluded = contacts[ref[0]].excluded
            assert excluded is not None  # checked by _read_timers
            obj = excluded[ref[1]]
            obj.lapsed = False  # its timer is still to fire (even if due at "now")
        else:
            obj = r._works[ref]
        # the object's current stamp: a waiting contact's queue entry has it too
        timers.append((t, tseq, kind, obj.stamp, obj))
    heapify(timers)
    r._heap.heap[:] = timers  # the list itself is never rebound


def _place(where: object, snap: dict[str, Any]) -> str:
    """Where in the snapshot the object ``where`` of a :class:`Broken` invariant is."""
    if isinstance(where, str):
        return f"snapshot.{where}"
    if isinstance(where, AgentRT):
        section, i = "agents", next(i for i, d in enumerate(snap["agents"]) if d["id"] == where.id)
    elif isinstance(where, ContactRT):
        found = [
            (section, i)
            for section in ("contacts", "detached")
            for i, d in enumerate(snap[section])
            if d["seq"] == where.seq
        ]
        section, i = found[0]
    elif isinstance(where, Work):
        section, i = "works", next(i for i, d in enumerate(snap["works"]) if d["id"] == where.id)
    else:
        return "snapshot.hooks"  # a hook's timer
    return f"snapshot.{section}[{i}]"
