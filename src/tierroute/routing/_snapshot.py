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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from heapq import heapify
from typing import Any, Final, TypeVar

from tierroute.errors import InvalidArgument, RoutingStateError, TierRouteError
from tierroute.models import Channel
from tierroute.policy.model import Policy
from tierroute.routing._engine import Engine
from tierroute.routing._hooks import T_EXT, T_LAPSE, T_RELAX
from tierroute.routing._state import (
    ACTIVE,
    CHANNEL_INDEX,
    CHANNELS,
    IN_SERVICE,
    INF,
    OFFERED,
    RESERVED,
    WAITING,
    AgentRT,
    ContactRT,
    Exclusion,
    Work,
)

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
        [t, seq, kind, _timer_ref(kind, obj)]
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


def load(
    cls: type[E], data: Mapping[str, Any], clock: Callable[[], float] | None
) -> tuple[E, Mapping[str, Any]]:
    """Rebuild a router from snapshot ``data``; return it with the states of its
    hooks by kind (the caller attaches them, inside :func:`reading`)."""
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise InvalidArgument("not a tierroute router snapshot (missing format marker)")
    version = data.get("version")
    if version != VERSION:
        if type(version) is not int or version not in MIGRATIONS:
            raise InvalidArgument(
                f"snapshot version {version!r} is not supported "
                f"(this tierroute reads {[*sorted(MIGRATIONS), VERSION]})"
            )
        # Migrations rewrite top-level entries of this copy; one that changes a nested
        # value copies it first, so the caller's data is never modified.
        data = dict(data)
        with reading():  # a malformed old snapshot fails its migration
            while data["version"] != VERSION:
                data = MIGRATIONS[data["version"]](data)
    with reading():
        return _load(cls, data, clock), data["hooks"]


@contextmanager
def reading() -> Iterator[None]:
    """Turn a malformed snapshot's lookup and conversion errors into
    :class:`~tierroute.errors.InvalidArgument`."""
    try:
        yield
    except TierRouteError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise InvalidArgument(f"corrupt router snapshot: {exc!r}") from None


def _timer_ref(kind: int, obj: Any) -> Any:
    if kind == T_RELAX:
        return obj.seq
    if kind == T_LAPSE:
        return [obj.contact.seq, obj.agent]
    return obj.id


def _make_contact(r: Engine, d: Mapping[str, Any]) -> ContactRT:
    c = ContactRT(
        d["id"],
        d["seq"],
        CHANNEL_INDEX[Channel(d["channel"])],
        r._c.tier_by_name[d["tier"]],
        float(d["value"]),
        int(d["severity"]),
        tuple((s, int(p)) for s, p in d["skills"]),
        d["language"],
        int(d["min_seniority"]),
        d["concierge"],
        float(d["arrived_at"]),
        float(d["key"]),
        float(d["submitted_at"]),
        d["attributes"],
    )
    c.state = int(d["state"])
    c.step = int(d["step"])
    c.step_until = _unf(d["step_until"])
    if d["excluded"] is not None:
        cooldowns = d["cooldowns"]
        c.excluded = {}
        for aid in d["excluded"]:
            since, until = cooldowns.get(aid, (INF, INF))
            x = c.excluded[str(aid)] = Exclusion(c, str(aid), float(since), float(until))
            x.lapsed = x.until < INF  # unless its timer is still set (see below)
    return c


def _load(cls: type[E], data: Mapping[str, Any], clock: Callable[[], float] | None) -> E:
    policy = Policy.model_validate(data["policy"])
    r = cls(policy, clock=clock, start=float(data["now"]))
    seq = data["seq"]
    r._agent_seq, r._contact_seq = int(seq["agent"]), int(seq["contact"])
    r._offer_seq, r._heap.seq = int(seq["offer"]), int(seq["timer"])
    counts = data["counts"]
    r._submitted, r._finished = int(counts["submitted"]), int(counts["finished"])
    r._abandoned = int(counts["abandoned"])
    for d in data["agents"]:
        maxc = [0] * len(CHANNELS)
        for ch, n in d["channels"].items():
            maxc[CHANNEL_INDEX[Channel(ch)]] = int(n)
        a = AgentRT(
            d["id"],
            int(d["seq"]),
            dict(d["skills"]),
            frozenset(d["languages"]),
            int(d["seniority"]),
            tuple(maxc),
            int(d["capacity"]),
            d["attributes"],
        )
        a.presence = int(d["presence"])
        a.idle_since = float(d["idle_since"])
        a.last_offer = int(d["last_offer"])
        a.handled = int(d["handled"])
        a.no_answers = int(d["no_answers"])
        r._agents[a.id] = a
        r._link_agent(a)
    contacts: dict[int, ContactRT] = {}  # by submit sequence, unique for all time
    for d in data["contacts"]:
        c = _make_contact(r, d)
        r._contacts[c.id] = c
        contacts[c.seq] = c
    for d in data["detached"]:
        c = _make_contact(r, d)
        contacts[c.seq] = c
    cost, excl = r._c.cost, r._c.exclusive
    for d in data["works"]:
        c = contacts[int(d["contact"])]
        a = r._agents[d["agent"]]
        why = d["why"]
        rival = None if why[9] is None else (str(why[9][0]), float(why[9][1]))
        readmitted = None if why[10] is None else str(why[10])
        w = Work(
            d["id"],
            c,
            a,
            float(d["offered_at"]),
            _unf(d["expires_at"]),
            d["step"],
            int(d["state"]),
            (why[0], *why[1:8], tuple(why[8]), rival, readmitted),
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
    for t, tseq, kind, ref in data["timers"]:
        obj: Any
        if kind == T_RELAX:
            obj = contacts[int(ref)]
        elif kind == T_LAPSE:
            obj = contacts[int(ref[0])].excluded[ref[1]]  # type: ignore[index]
            obj.lapsed = False  # its timer is still to fire (even if due at "now")
        else:
            obj = r._works[ref]
        # the object's current stamp: a waiting contact's queue entry has it too
        timers.append((float(t), int(tseq), int(kind), obj.stamp, obj))
    heapify(timers)
    r._heap.heap[:] = timers  # the list itself is never rebound
    return r
