"""The promise tracker: every contact's promises marked attained or breached at the
moment they are decided, escalation ladders, VIP callbacks and service credits.

A :class:`PromiseTracker` attaches to one :class:`~tierroute.routing.router.Router` as its
hook and hears its events (submit, queueing, answer, complete, abandon, transfer)
through the hook protocol of :mod:`tierroute.routing._hooks` — the only part of
routing it imports. Its timers — a promise falling due, an escalation step, a
callback check — are the router's timers (kind ``T_EXT``), so
:meth:`Router.next_deadline` covers them and they fire inside :meth:`Router.advance`
(or any call at a later ``now``). The events they raise come back on the call's
:class:`~tierroute.models.Decisions` as ``.events``. It snapshots its own state and
registers its loader under :attr:`PromiseTracker.kind`, so a restored router has it
back.

With no tracker attached the router pays one attribute check per event.

>>> from tierroute import AgentSpec, ContactSpec, Router, prestige
>>> router = Router(prestige(), start=0.0)
>>> tracker = PromiseTracker(router)
>>> router.add_agent(AgentSpec("ana", skills={"billing": 5}, languages=("en",),
...                            seniority="senior"), presence="ready", now=0.0)
[]
>>> [offer] = router.submit(ContactSpec("c1", "voice", "elite", skills={"billing": 3},
...                                     language="en"), now=1.0)
>>> decisions = router.accept(offer.offer_id, now=5.0)
>>> [(e.promise, e.outcome, e.margin) for e in decisions.events]
[('answer', 'attained', 16.0)]
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, Final, get_args

from tierroute._args import finite_number, finite_time
from tierroute._schema import (
    Rule,
    array_of,
    choice,
    count,
    flag,
    inside,
    integer,
    json_data,
    json_object,
    number,
    optional,
    record_of,
    row_of,
    seconds,
    string,
)
from tierroute.errors import InvalidArgument, RoutingStateError
from tierroute.models import Channel, Severity
from tierroute.promises.credits import Credit, compute_credits
from tierroute.promises.model import (
    CallbackOffer,
    EscalationEvent,
    EscalationLadder,
    PromiseEvent,
    PromiseKind,
    PromisePolicy,
)
from tierroute.promises.targets import TargetTable, promise_targets
from tierroute.routing._hooks import (
    CHANNELS,
    WAITING,
    Attachable,
    ContactView,
    HookPort,
    QueueView,
    Timed,
    attach,
    register_hook,
)

__all__ = ["PromiseTracker"]

_RATE_WINDOW = 20  # answers remembered per queue for the expected-wait estimate
_RATE_MIN = 5  # fewer recent answers than this: no estimate (the 45 s check still runs)
_RATE_HORIZON = 10  # answers older than this many thresholds are forgotten


class _Promise:
    """One open promise; also its own due-time timer."""

    __slots__ = ("account", "ch", "cid", "done", "due", "kind", "owner", "sev", "stamp", "tier")

    def __init__(
        self,
        owner: PromiseTracker,
        cid: str,
        account: str | None,
        tier: str,
        ch: Channel,
        sev: Severity,
        kind: Any,
        due: float,
    ) -> None:
        self.owner = owner
        self.cid = cid
        self.account = account
        self.tier = tier
        self.ch = ch
        self.sev = sev
        self.kind = kind
        self.due = due
        self.done = False
        self.stamp = 0

    def fire(self, now: float) -> None:
        self.owner._decide(self, "breached", now)


class _Escalation:
    """The escalation ladder of one contact; its own timer."""

    __slots__ = ("arrived", "cid", "count", "index", "ladder", "owner", "sev", "stamp", "tier")

    def __init__(
        self, owner: PromiseTracker, cid: str, tier: str, sev: Severity, ladder: Any, arrived: float
    ) -> None:
        self.owner = owner
        self.cid = cid
        self.tier = tier
        self.sev = sev
        self.ladder = ladder
        self.arrived = arrived
        self.index = 0
        self.count = 0
        self.stamp = 0

    def fire(self, now: float) -> None:
        self.owner._escalate(self, now)


class _CallbackCheck:
    """Fires when a contact's actual wait reaches the callback threshold."""

    __slots__ = ("c", "owner", "stamp")

    def __init__(self, owner: PromiseTracker, c: ContactView) -> None:
        self.owner = owner
        self.c = c
        self.stamp = 0

    def fire(self, now: float) -> None:
        self.owner._callback_due(self.c, now, None)


# ---------------------------------------------------------------------- snapshot schema
# What :meth:`PromiseTracker.load_state` reads: one rule per field (see
# tierroute._schema); rows are the arrays :meth:`PromiseTracker.dump_state` writes.

_CHANNEL_OF: Final = {c.value: c for c in Channel}
_SEVERITY_OF: Final = {int(s): s for s in Severity}
_KIND: Final = choice(get_args(PromiseKind))
_CHANNEL_NAME: Final = choice(_CHANNEL_OF)
_SEV: Final = integer(1, 4)


def _channel(value: Any, name: str) -> Channel:
    """A channel name, read as the :class:`~tierroute.models.Channel`."""
    return _CHANNEL_OF[_CHANNEL_NAME(value, name)]


def _severity(value: Any, name: str) -> Severity:
    """A severity 1..4, read as the :class:`~tierroute.models.Severity`."""
    return _SEVERITY_OF[_SEV(value, name)]


def _positive(value: Any, name: str) -> float:
    out = number(value, name)
    if out <= 0:
        raise InvalidArgument(f"{name} must be > 0, got {out!r}")
    return out


_PROMISE_TIMER: Final = row_of(number, integer(1), choice("p"), string, count)
_OTHER_TIMER: Final = row_of(number, integer(1), choice("ec"), string)


def _timer(value: Any, name: str) -> list[Any]:
    """``[at, seq, "p", contact, index]`` (an open promise) or ``[at, seq, "e" | "c",
    contact]`` (a ladder, a callback check)."""
    if type(value) is list and len(value) == 5:
        return _PROMISE_TIMER(value, name)  # type: ignore[no-any-return]
    return _OTHER_TIMER(value, name)  # type: ignore[no-any-return]


_OPEN_PROMISE: Final = row_of(_KIND, number, json_data, string, _channel, _severity, flag)
_STATE: Final[dict[str, Rule]] = {
    "promises": optional(json_object),  # the tracker's own promises, if not the policy's
    "window_s": _positive,
    # [contact, [[kind, due, account, tier, channel, severity, done], ...]]
    "open": array_of(
        row_of(
            string, array_of(row_of(_KIND, number, json_data, string, _channel, _severity, flag))
        )
    ),
    # [contact, ladder, tier, severity, arrived, step, count]
    "escalations": array_of(row_of(string, count, string, _severity, seconds, count, count)),
    "callback_checks": array_of(string),
    "callbacks_offered": array_of(string),
    "callbacks_late": array_of(string),
    # [tier, channel, kind, attained, breached, abandoned]
    "counts": array_of(row_of(string, _CHANNEL_NAME, _KIND, count, count, count)),
    # [at, tier, channel, kind, attained]
    "recent": array_of(row_of(number, string, _CHANNEL_NAME, _KIND, flag)),
    # the fields of PromiseEvent
    "breaches": array_of(
        row_of(
            choice(("attained", "breached", "abandoned")),
            _KIND,
            string,
            json_data,
            string,
            _channel,
            _severity,
            number,
            number,
            number,
        )
    ),
    # [queue key (channel, [[skill, proficiency], ...], language, seniority, concierge),
    #  [answer times]]
    "departures": array_of(
        row_of(
            row_of(
                integer(0, len(CHANNELS) - 1),
                array_of(row_of(string, integer(1))),
                optional(string),
                count,
                optional(string),
            ),
            array_of(number),
        )
    ),
    "fired": row_of(count, count, count),  # escalations fired, callbacks offered, accepted
    "timers": array_of(_timer),
}
_READ_STATE: Final = record_of(_STATE)


def _ladder_of(ladders: Sequence[EscalationLadder], tier: str, sev: Severity) -> int | None:
    """The index of the escalation ladder of a contact (as :meth:`on_submit` picks it)."""
    return next(
        (
            i
            for i, x in enumerate(ladders)
            if x.severity == sev and (not x.tiers or tier in x.tiers)
        ),
        None,
    )


class PromiseTracker:
    """Tracks the promises of :class:`~tierroute.promises.model.PromisePolicy` on a router.

    Args:
        router: The router to attach to (one tracker per router).
        promises: The promises; default the router policy's ``promises``.
        window_s: Length of the window :meth:`attainment` looks back over.

    Raises:
        InvalidArgument: ``router`` is not a router, ``promises`` not a
            ``PromisePolicy``, ``window_s`` not a finite number > 0; the policy has no
            promises, a target names an unknown tier, or the router already has a
            tracker.
    """

    kind: Final = "promises"
    """The name of the tracker's state in router snapshots."""

    def __init__(
        self, router: Attachable, promises: PromisePolicy | None = None, *, window_s: float = 3600.0
    ) -> None:
        if not callable(getattr(router, "_attach_hook", None)):
            raise InvalidArgument(f"router must be a Router, got {type(router).__name__}")
        promises = promises if promises is not None else router.policy.promises
        if promises is None:
            raise InvalidArgument("the router's policy has no promises; pass promises=")
        if not isinstance(promises, PromisePolicy):
            raise InvalidArgument(
                f"promises must be a PromisePolicy or None, got {type(promises).__name__}"
            )
        if finite_number(window_s, "window_s") <= 0:
            raise InvalidArgument(f"window_s must be > 0, got {window_s!r}")
        tiers = router.policy.tier_names
        unknown = sorted({t.tier for t in promises.targets} - set(tiers))
        if unknown:
            raise InvalidArgument(f"promise targets name unknown tiers {unknown}")
        self._p = promises
        self._window = window_s
        self._targets: TargetTable = promise_targets(promises, tiers)
        self._open: dict[str, list[_Promise]] = {}
        self._esc: dict[str, _Escalation] = {}
        self._cb_checks: dict[str, _CallbackCheck] = {}
        self._cb_offered: set[str] = set()
        self._cb_late: set[str] = set()
        self._counts: dict[tuple[str, str, str], list[int]] = {}
        self._recent: deque[tuple[float, str, str, str, bool]] = deque()
        self._breaches: list[PromiseEvent] = []
        self._departures: dict[Any, deque[float]] = {}
        self.escalations_fired = 0
        self.callbacks_offered = 0
        self.callbacks_accepted = 0
        self._port: HookPort = attach(router, self)  # last: attach only a whole tracker

    # ------------------------------------------------------------------ router hooks

    def on_submit(self, c: ContactView, now: float) -> None:
        """Router hook: a contact arrived; open its promises, ladder and callback check."""
        tier = c.tier.name
        ch = CHANNELS[c.ch]
        sev = Severity(c.sev)
        account = None if c.attributes is None else c.attributes.get("account")
        promises = []
        for target in self._targets[tier, ch, sev]:
            due = target.due(c.arrived_at, self._p.calendars[target.calendar], epoch=self._p.epoch)
            p = _Promise(self, c.id, account, tier, ch, sev, target.kind, due)
            promises.append(p)
            if due < now:  # the contact arrived (e.g. in the IVR) long before its submit
                self._decide(p, "breached", now)
            else:
                self._schedule_due(p)
        self._open[c.id] = promises
        for ladder in self._p.escalation:
            if ladder.severity == sev and (not ladder.tiers or tier in ladder.tiers):
                esc = _Escalation(self, c.id, tier, sev, ladder, c.arrived_at)
                self._esc[c.id] = esc
                self._next_step(esc, now)
                break
        rule = self._p.callback
        if rule is not None and tier in rule.tiers and ch in rule.channels:
            check = _CallbackCheck(self, c)
            self._cb_checks[c.id] = check
            at = c.arrived_at + rule.threshold_s
            if at > now:
                self._port.schedule(at, check)
            else:
                self._cb_late.add(c.id)  # offered when it is queued

    def on_queued(self, c: ContactView, queue: QueueView, now: float) -> None:
        """Router hook: a contact joined a queue; offer a callback if its expected wait
        passes the threshold."""
        if c.id not in self._cb_checks or c.id in self._cb_offered:
            return
        if c.id in self._cb_late:
            self._callback_due(c, now, None)
            return
        rule = self._p.callback
        if rule is None:
            return
        rate = self._rate(queue.key, now, rule.threshold_s)
        if rate is None or queue.live <= rule.threshold_s * rate:
            return  # no recent answers to go by, or even the whole queue is quick enough
        # Place in line: one pass over this one queue, only for callback-eligible
        # contacts not yet offered a callback.
        ahead = queue.ahead(c)
        if not ahead:
            # With nobody ahead the queue's answer rate is its arrival rate, not its
            # service rate: no estimate (the time-based check still runs).
            return
        expected = (ahead + 1) / rate
        if expected > rule.threshold_s:
            self._callback_due(c, now, expected)

    def on_answer(self, c: ContactView, now: float) -> None:
        """Router hook: an offer was accepted; decide the answer-type promises."""
        key = self._port.queue_of(c).key
        times = self._departures.get(key)
        if times is None:
            times = self._departures[key] = deque(maxlen=_RATE_WINDOW)
        times.append(now)
        for p in self._open.get(c.id, ()):
            if not p.done and p.kind in ("answer", "first_response", "callback"):
                self._decide(p, "attained" if now <= p.due else "breached", now)
        self._cancel_callback_check(c.id)

    def on_complete(self, c: ContactView, now: float) -> None:
        """Router hook: the contact was completed; decide the rest, stop escalating."""
        for p in self._open.pop(c.id, ()):
            if not p.done:
                self._decide(p, "attained" if now <= p.due else "breached", now)
        self._stop_escalation(c.id)
        self._cancel_callback_check(c.id)
        self._cb_offered.discard(c.id)
        rule_s = self._p.post_incident_report_s
        if (
            rule_s is not None
            and c.tier.name in self._p.post_incident_tiers
            and Severity(c.sev) in self._p.post_incident_severities
        ):
            self._emit(
                EscalationEvent(
                    c.id, c.tier.name, Severity(c.sev), "post-incident report due", now + rule_s, 1
                )
            )

    def on_abandon(self, c: ContactView, now: float) -> None:
        """Router hook: the customer left; open promises end as abandoned."""
        for p in self._open.pop(c.id, ()):
            if not p.done:
                self._decide(p, "abandoned", now)
        self._stop_escalation(c.id)
        self._cancel_callback_check(c.id)
        self._cb_offered.discard(c.id)

    def on_transfer(self, c: ContactView, now: float) -> None:
        """Router hook: a transfer keeps the arrival time, so promises keep their due
        times."""

    # ------------------------------------------------------------------ public

    def accept_callback(self, contact_id: str, *, now: float | None = None) -> None:
        """The customer accepted the offered callback: they keep their place in line,
        their answer promise is replaced by a callback promise due within the rule's
        ``due_s``. The host no longer reports their abandonment.

        Raises:
            UnknownContact: No live contact with this id.
            RoutingStateError: No callback was offered to it, or it is not waiting.
        """
        t = self._port.begin(now)
        c = self._port.contact(contact_id)
        if contact_id not in self._cb_offered:
            raise RoutingStateError(f"no callback was offered to contact {contact_id!r}")
        if c.state != WAITING:
            raise RoutingStateError(f"contact {contact_id!r} is no longer waiting")
        rule = self._p.callback
        assert rule is not None
        promises = self._open.setdefault(contact_id, [])
        if any(p.kind == "callback" and not p.done for p in promises):
            raise RoutingStateError(f"contact {contact_id!r} already accepted its callback")
        for p in promises:
            if not p.done and p.kind == "answer":
                p.done = True  # replaced, not decided
                p.stamp += 1
        p = _Promise(
            self,
            c.id,
            None if c.attributes is None else c.attributes.get("account"),
            c.tier.name,
            CHANNELS[c.ch],
            Severity(c.sev),
            "callback",
            t + rule.due_s,
        )
        promises.append(p)
        self._schedule_due(p)
        self.callbacks_accepted += 1

    def counts(self) -> dict[tuple[str, str, str], dict[str, int]]:
        """Decided promises per (tier, channel, promise kind): attained, breached,
        abandoned; plus the open ones."""
        out = {
            k: {"attained": v[0], "breached": v[1], "abandoned": v[2], "open": 0}
            for k, v in self._counts.items()
        }
        for promises in self._open.values():
            for p in promises:
                if not p.done:
                    key = (p.tier, p.ch.value, p.kind)
                    row = out.setdefault(
                        key, {"attained": 0, "breached": 0, "abandoned": 0, "open": 0}
                    )
                    row["open"] += 1
        return dict(sorted(out.items()))

    def attainment(self, now: float | None = None) -> dict[tuple[str, str], float]:
        """Share of promises attained per (tier, kind) among those decided in the last
        ``window_s`` seconds (abandoned ones excluded).

        Raises:
            InvalidArgument: ``now`` is not a finite number of seconds >= 0.
        """
        t = self._port.now if now is None else finite_time(now, "now")
        self._prune(t)
        tally: dict[tuple[str, str], list[int]] = {}
        for _, tier, _, kind, ok in self._recent:
            row = tally.setdefault((tier, kind), [0, 0])
            row[0] += ok
            row[1] += 1
        return {k: v[0] / v[1] for k, v in sorted(tally.items())}

    def breaches(self) -> list[PromiseEvent]:
        """Every breach so far, in the order decided."""
        return list(self._breaches)

    def credits(self, fees: Mapping[str, float]) -> list[Credit]:
        """Service credits owed under the policy's credit rule (see
        :func:`tierroute.promises.credits.compute_credits`)."""
        rule = self._p.credits
        if rule is None:
            raise InvalidArgument("the promise policy has no credit rule")
        return compute_credits(self._breaches, fees, rule, epoch=self._p.epoch)

    # ------------------------------------------------------------------ snapshots

    def dump_state(self) -> dict[str, Any]:
        """The tracker's state as JSON-serialisable data, timers included (with their
        places in the router's heap). :meth:`Router.snapshot` embeds it."""
        refs: dict[int, list[Any]] = {}
        for cid, promises in self._open.items():
            for i, p in enumerate(promises):
                refs[id(p)] = ["p", cid, i]
        for cid, esc in self._esc.items():
            refs[id(esc)] = ["e", cid]
        for cid, check in self._cb_checks.items():
            refs[id(check)] = ["c", cid]
        timers = [
            [t, seq, *refs[id(obj)]] for t, seq, obj in self._port.timers() if id(obj) in refs
        ]
        own = self._p if self._p != self._port.policy.promises else None
        return {
            "promises": None if own is None else own.model_dump(mode="json"),
            "window_s": self._window,
            "open": [
                [
                    cid,
                    [
                        [p.kind, p.due, p.account, p.tier, p.ch.value, int(p.sev), p.done]
                        for p in promises
                    ],
                ]
                for cid, promises in self._open.items()
            ],
            "escalations": [
                [
                    cid,
                    self._p.escalation.index(e.ladder),
                    e.tier,
                    int(e.sev),
                    e.arrived,
                    e.index,
                    e.count,
                ]
                for cid, e in self._esc.items()
            ],
            "callback_checks": list(self._cb_checks),
            "callbacks_offered": sorted(self._cb_offered),
            "callbacks_late": sorted(self._cb_late),
            "counts": [[*k, *v] for k, v in self._counts.items()],
            "recent": [list(x) for x in self._recent],
            "breaches": [
                [
                    e.outcome,
                    e.promise,
                    e.contact_id,
                    e.account,
                    e.tier,
                    e.channel.value,
                    int(e.severity),
                    e.due,
                    e.at,
                    e.margin,
                ]
                for e in self._breaches
            ],
            "departures": [
                [[k[0], [list(x) for x in k[1]], *k[2:]], list(v)]
                for k, v in self._departures.items()
            ],
            "fired": [self.escalations_fired, self.callbacks_offered, self.callbacks_accepted],
            "timers": timers,
        }

    @classmethod
    def load_state(cls, router: Attachable, data: Mapping[str, Any]) -> PromiseTracker:
        """Attach a tracker rebuilt from :meth:`dump_state` data to ``router`` (used by
        :meth:`Router.restore`, which has rebuilt the router's contacts first).

        Nothing in ``data`` is trusted: every value is read against :data:`_STATE`,
        and the state must match the router: promises, ladders and callbacks of live
        contacts only, each timer acting on one of them, every open promise and
        ladder with its timer.

        Raises:
            InvalidArgument: The data is malformed or does not match the router; the
                message names the place (``snapshot.hooks.promises.open[3]``).
        """
        where = f"snapshot.hooks.{cls.kind}"
        try:
            state = _READ_STATE(data, "")
        except InvalidArgument as exc:
            raise inside(where, exc) from None
        own = state["promises"]
        try:
            promises = None if own is None else PromisePolicy.model_validate(own)
            tracker = cls(router, promises, window_s=state["window_s"])
        except ValueError as exc:  # InvalidArgument, or pydantic's ValidationError
            raise InvalidArgument(f"{where}: {exc}") from None
        try:
            tracker._check_state(state)
        except InvalidArgument as exc:
            raise inside(where, exc) from None
        tracker._load(state)
        return tracker

    def _check_state(self, state: dict[str, Any]) -> None:
        """Refuse state read by :data:`_STATE` that does not match the router: what
        is kept of a contact must be of a live contact, once, and what it copied from
        the contact (tier, channel, severity, account, arrival) must be the contact's."""
        live = self._port.live_contact
        ladders = self._p.escalation
        ladder_of: dict[tuple[str, Severity], int | None] = {}

        def contacts(section: str, rows: list[Any]) -> dict[str, ContactView]:
            found: dict[str, ContactView] = {}
            for i, row in enumerate(rows):
                cid = row if type(row) is str else row[0]
                c = live(cid)
                if c is None or cid in found:
                    raise InvalidArgument(f".{section}[{i}]: contact {cid!r} is twice or not live")
                found[cid] = c
            return found

        found = contacts("open", state["open"]).values()
        for i, ((cid, rows), c) in enumerate(zip(state["open"], found, strict=True)):
            copied = [
                None if c.attributes is None else c.attributes.get("account"),
                c.tier.name,
                CHANNELS[c.ch],
                _SEVERITY_OF[c.sev],
            ]
            for j, row in enumerate(rows):
                if row[2:6] != copied:
                    k = next(k for k in range(4) if row[2 + k] != copied[k])
                    where = f".open[{i}][1][{j}][{2 + k}]"
                    raise InvalidArgument(f"{where}: contact {cid!r} has {copied[k]!r}")
        found = contacts("escalations", state["escalations"]).values()
        for i, (row, c) in enumerate(zip(state["escalations"], found, strict=True)):
            _, ladder, tier, sev, arrived, index, _ = row
            if (tier, sev, arrived) != (c.tier.name, c.sev, c.arrived_at):
                raise InvalidArgument(f".escalations[{i}]: not as contact {c.id!r} has it")
            if (tier, sev) not in ladder_of:
                ladder_of[tier, sev] = _ladder_of(ladders, tier, sev)
            if ladder != ladder_of[tier, sev] or index >= len(ladders[ladder].steps):
                raise InvalidArgument(f".escalations[{i}]: no ladder {ladder} step {index} here")
        checks = set(contacts("callback_checks", state["callback_checks"]))
        offered = set(contacts("callbacks_offered", state["callbacks_offered"]))
        late = set(state["callbacks_late"])
        if offered & checks or not late <= checks or len(late) != len(state["callbacks_late"]):
            raise InvalidArgument(
                ".callbacks_late: callbacks offered must have no check, late ones one"
            )
        for section, keys in (
            ("counts", [tuple(row[:3]) for row in state["counts"]]),
            ("departures", [repr(key) for key, _ in state["departures"]]),
        ):
            if len(set(keys)) != len(keys):
                raise InvalidArgument(f".{section}: a key appears twice")
        if any(len(times) > _RATE_WINDOW for _, times in state["departures"]):
            raise InvalidArgument(f".departures: more than {_RATE_WINDOW} answers for a queue")
        self._check_timers(state, checks - late)

    @staticmethod
    def _check_timers(state: dict[str, Any], waiting_checks: set[str]) -> None:
        """Each timer acts on an open promise, a ladder or a callback check, and each
        of those that is still to fire has exactly one."""
        want: set[tuple[Any, ...]] = {("e", cid) for cid, *_ in state["escalations"]}
        want |= {("c", cid) for cid in waiting_checks}
        want |= {
            ("p", cid, i) for cid, rows in state["open"] for i, row in enumerate(rows) if not row[6]
        }
        for i, (_, _, what, cid, *rest) in enumerate(state["timers"]):
            ref = (what, cid, *rest)
            if ref not in want:
                raise InvalidArgument(f".timers[{i}]: {ref} is not open, or has two timers")
            want.discard(ref)
        if want:
            raise InvalidArgument(f".timers: {min(want)} has no timer")

    def _load(self, state: dict[str, Any]) -> None:
        """Fill this new tracker from state checked by :meth:`_check_state`."""
        port = self._port
        for cid, rows in state["open"]:
            self._open[cid] = promises = []
            for kind, due, account, tier, ch, sev, done in rows:
                p = _Promise(self, cid, account, tier, ch, sev, kind, due)
                p.done = done
                promises.append(p)
        ladders = self._p.escalation
        for cid, ladder, tier, sev, arrived, index, n in state["escalations"]:
            esc = _Escalation(self, cid, tier, sev, ladders[ladder], arrived)
            esc.index, esc.count = index, n
            self._esc[cid] = esc
        for cid in state["callback_checks"]:
            self._cb_checks[cid] = _CallbackCheck(self, port.contact(cid))
        self._cb_offered = set(state["callbacks_offered"])
        self._cb_late = set(state["callbacks_late"])
        self._counts = {(t, c, k): [a, b, x] for t, c, k, a, b, x in state["counts"]}
        self._recent = deque((a, t, c, k, ok) for a, t, c, k, ok in state["recent"])
        self._breaches = [PromiseEvent(*row) for row in state["breaches"]]
        for (ch, skills, *rest), times in state["departures"]:
            key = (ch, tuple((s, p) for s, p in skills), *rest)
            self._departures[key] = deque(times, maxlen=_RATE_WINDOW)
        self.escalations_fired, self.callbacks_offered, self.callbacks_accepted = state["fired"]
        for t, seq, what, cid, *rest in state["timers"]:
            obj: Timed
            if what == "p":
                obj = self._open[cid][rest[0]]
            elif what == "e":
                obj = self._esc[cid]
            else:
                obj = self._cb_checks[cid]
            port.restore_timer(t, seq, obj)

    # ------------------------------------------------------------------ internals

    def _schedule_due(self, p: _Promise) -> None:
        # "Within" includes the due instant: the breach timer fires just after it, so
        # an answer at exactly ``due`` is attained (``_decide`` reports the breach at
        # ``due`` itself).
        self._port.schedule(math.nextafter(p.due, math.inf), p)

    def _emit(self, event: Any) -> None:
        self._port.emit(event)

    def _decide(self, p: _Promise, outcome: Any, now: float) -> None:
        p.done = True
        p.stamp += 1
        at = p.due if outcome == "breached" and now >= p.due else now
        event = PromiseEvent(
            outcome, p.kind, p.cid, p.account, p.tier, p.ch, p.sev, p.due, at, p.due - at
        )
        key = (p.tier, p.ch.value, p.kind)
        row = self._counts.get(key)
        if row is None:
            row = self._counts[key] = [0, 0, 0]
        row[("attained", "breached", "abandoned").index(outcome)] += 1
        if outcome != "abandoned":
            self._recent.append((at, p.tier, p.ch.value, p.kind, outcome == "attained"))
        if outcome == "breached":
            self._breaches.append(event)
        self._emit(event)

    def _prune(self, now: float) -> None:
        recent = self._recent
        while recent and recent[0][0] < now - self._window:
            recent.popleft()

    def _step_time(self, esc: _Escalation) -> float:
        step = esc.ladder.steps[esc.index]
        cal = self._p.calendars[step.calendar]
        offset: float = step.after_s + (step.repeat_s or 0.0) * max(0, esc.count)
        if not offset or cal.always_open:
            return esc.arrived + offset
        due: float = cal.add_business_seconds(esc.arrived, offset, epoch=self._p.epoch)
        return due

    def _escalate(self, esc: _Escalation, now: float) -> None:
        """Fire the ladder's due step, then every step already past, each once, and
        schedule the next. The repeats of a repeating step that fell due before the
        tracker heard of the contact (an old ``arrived_at``) collapse into one firing:
        a loop, not a recursion, and no event per missed repeat."""
        steps = esc.ladder.steps
        while True:
            step = steps[esc.index]
            esc.count += 1
            self.escalations_fired += 1
            self._emit(EscalationEvent(esc.cid, esc.tier, esc.sev, step.name, now, esc.count))
            if step.repeat_s is None:
                esc.index += 1
                esc.count = 0
                if esc.index >= len(steps):
                    self._esc.pop(esc.cid, None)
                    return
            else:
                self._skip_missed_repeats(esc, step.after_s, step.repeat_s, step.calendar, now)
            at = self._step_time(esc)
            if at > now:
                self._port.schedule(at, esc)
                return

    def _skip_missed_repeats(
        self, esc: _Escalation, after_s: float, repeat_s: float, calendar: str, now: float
    ) -> None:
        """Count as fired every repeat due by ``now`` (none when timers fire on time)."""
        cal = self._p.calendars[calendar]
        if cal.always_open:
            elapsed = now - esc.arrived
        else:
            elapsed = cal.business_seconds_between(esc.arrived, now, epoch=self._p.epoch)
        due = math.floor((elapsed - after_s) / repeat_s) + 1
        esc.count = max(esc.count, due)

    def _next_step(self, esc: _Escalation, now: float) -> None:
        """Schedule the ladder's next step; steps already past fire at once."""
        at = self._step_time(esc)
        if at > now:
            self._port.schedule(at, esc)
        else:
            self._escalate(esc, now)

    def _stop_escalation(self, cid: str) -> None:
        esc = self._esc.pop(cid, None)
        if esc is not None:
            esc.stamp += 1

    def _cancel_callback_check(self, cid: str) -> None:
        self._cb_late.discard(cid)
        check = self._cb_checks.pop(cid, None)
        if check is not None:
            check.stamp += 1

    def _callback_due(self, c: ContactView, now: float, expected: float | None) -> None:
        if c.id in self._cb_offered or self._port.live_contact(c.id) is not c:
            return
        if c.state != WAITING:  # ringing now: offer it if it is queued again
            self._cb_late.add(c.id)
            return
        self._cb_offered.add(c.id)
        self._cancel_callback_check(c.id)
        self.callbacks_offered += 1
        self._emit(CallbackOffer(c.id, c.tier.name, expected, now))

    def _rate(self, key: Any, now: float, threshold: float) -> float | None:
        """Answers per second from this queue, from its answers of the last
        ``_RATE_HORIZON`` thresholds; ``None`` with fewer than ``_RATE_MIN`` of them."""
        times = self._departures.get(key)
        if times is None:
            return None
        since = now - _RATE_HORIZON * threshold
        while times and times[0] < since:
            times.popleft()
        if len(times) < _RATE_MIN:
            return None
        span = times[-1] - times[0]
        return (len(times) - 1) / span if span > 0 else None


register_hook(PromiseTracker.kind, PromiseTracker.load_state)
