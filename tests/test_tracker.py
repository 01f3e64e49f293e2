"""Unit tests of :class:`tierroute.promises.tracker.PromiseTracker` on a manual clock.

Every time is passed with ``now=``; router time is a Unix timestamp (the default
epoch), so the ``business`` calendar of the prestige preset (Monday to Friday,
09:00-17:00 UTC) sees real weekdays. January 2026: Monday 12 to Friday 16, then
Monday 19. Every router call below goes through :class:`Center`, which runs
``router._check()`` after it and keeps the events it returned.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierroute import (
    AgentSpec,
    BusinessCalendar,
    ContactSpec,
    Decisions,
    Offer,
    Policy,
    Router,
    prestige,
)
from tierroute.errors import InvalidArgument, RoutingStateError, UnknownContact
from tierroute.models import Channel, ContactState, Severity
from tierroute.promises.calendar import from_local
from tierroute.promises.credits import Credit
from tierroute.promises.model import CallbackOffer, EscalationEvent, PromiseEvent
from tierroute.promises.tracker import PromiseTracker

MIN = 60.0
HOUR = 3600.0
DAY = 86400.0


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> float:
    """Router time (Unix seconds) of a UTC wall-clock time."""
    return from_local(datetime(y, mo, d, h, mi, s), "UTC")


MONDAY = utc(2026, 1, 12, 10)  # Monday 12 January 2026, 10:00 UTC: business hours
POST_INCIDENT = "post-incident report due"


class Center:
    """A router on the prestige policy (offers are accepted by hand) with a tracker.

    Each call checks the router's invariants afterwards and records the events of
    the :class:`Decisions` it returned in :attr:`events`.
    """

    def __init__(self, start: float, *, tracked: bool = True, policy: Policy | None = None):
        self.r = Router(policy if policy is not None else prestige(), start=start)
        self.tracker = PromiseTracker(self.r) if tracked else None
        self.events: list[Any] = []
        self.decisions: list[Decisions] = []

    @property
    def tr(self) -> PromiseTracker:
        assert self.tracker is not None
        return self.tracker

    def _take(self, d: Decisions) -> Decisions:
        self.r._check()
        self.decisions.append(d)
        self.events.extend(d.events)
        return d

    def agent(
        self,
        aid: str,
        t: float,
        presence: str = "ready",
        channel: str = "voice",
        seniority: str = "senior",
        billing: int = 5,
    ) -> Decisions:
        spec = AgentSpec(
            aid,
            skills={"billing": billing},
            languages=("en",),
            seniority=seniority,
            channels={channel: 1},
        )
        return self._take(self.r.add_agent(spec, presence=presence, now=t))

    def ready(self, aid: str, t: float, presence: str = "ready") -> Decisions:
        return self._take(self.r.set_agent_state(aid, presence, now=t))

    def submit(
        self,
        cid: str,
        t: float,
        channel: str = "voice",
        tier: str = "elite",
        severity: int = 3,
        account: str | None = None,
    ) -> Decisions:
        spec = ContactSpec(
            cid,
            channel,
            tier,
            severity=severity,
            skills={"billing": 3},
            language="en",
            attributes=None if account is None else {"account": account},
        )
        return self._take(self.r.submit(spec, now=t))

    def accept(self, offer: Offer, t: float) -> Decisions:
        return self._take(self.r.accept(offer.offer_id, now=t))

    def complete(self, offer: Offer, t: float) -> Decisions:
        return self._take(self.r.complete(offer.offer_id, now=t))

    def abandon(self, cid: str, t: float) -> Decisions:
        return self._take(self.r.abandon(cid, now=t))

    def advance(self, t: float) -> Decisions:
        return self._take(self.r.advance(t))

    def run_until(self, t: float) -> list[Any]:
        """Fire every timer up to ``t``, one ``advance(next_deadline())`` at a time;
        return the events raised."""
        before = len(self.events)
        while True:
            d = self.r.next_deadline()
            if d is None or d > t:
                break
            self.advance(d)
        self.advance(t)
        return self.events[before:]


def promises(events: Iterable[Any], kind: str | None = None) -> list[PromiseEvent]:
    return [e for e in events if isinstance(e, PromiseEvent) and kind in (None, e.promise)]


def escalations(events: Iterable[Any], cid: str | None = None) -> list[EscalationEvent]:
    return [e for e in events if isinstance(e, EscalationEvent) and cid in (None, e.contact_id)]


def offers_of(events: Iterable[Any]) -> list[CallbackOffer]:
    return [e for e in events if isinstance(e, CallbackOffer)]


def only(items: Sequence[Any]) -> Any:
    assert len(items) == 1, items
    return items[0]


# ------------------------------------------------------------------ answer promise


def test_elite_voice_answer_attained_with_its_margin() -> None:
    c = Center(MONDAY)
    c.agent("ana", MONDAY)
    offer = only(c.submit("c1", MONDAY + 1, account="acme"))
    assert c.decisions[-1].events == ()  # nothing decided at submit
    d = c.accept(offer, MONDAY + 6)
    assert list(d.events) == [
        PromiseEvent(
            "attained",
            "answer",
            "c1",
            "acme",
            "elite",
            Channel.VOICE,
            Severity.P3,
            due=MONDAY + 21,
            at=MONDAY + 6,
            margin=15.0,
        )
    ]


def test_answer_breached_exactly_at_its_due_time() -> None:
    c = Center(MONDAY)
    c.submit("c1", MONDAY)
    assert c.advance(MONDAY + 19.999).events == ()
    d = c.advance(MONDAY + 25)  # the breach is decided at the due time, not at 25 s
    e = only(d.events)
    assert (e.outcome, e.promise, e.due, e.at, e.margin) == (
        "breached",
        "answer",
        MONDAY + 20,
        MONDAY + 20,
        0.0,
    )
    # answered later: the promise was decided once and stays breached
    c.agent("ana", MONDAY + 30)
    [offer] = c.decisions[-1]
    assert promises(c.accept(offer, MONDAY + 31).events) == []
    assert c.tr.counts()[("elite", "voice", "answer")] == {
        "attained": 0,
        "breached": 1,
        "abandoned": 0,
        "open": 0,
    }
    assert c.tr.breaches() == [e]


def test_answer_at_exactly_the_due_time_is_attained() -> None:
    c = Center(MONDAY)
    c.agent("ana", MONDAY, presence="not_ready")
    c.submit("c1", MONDAY)
    offer = only(c.ready("ana", MONDAY + 10))
    e = only(promises(c.accept(offer, MONDAY + 20).events))
    assert (e.outcome, e.margin) == ("attained", 0.0)


# ------------------------------------------------------------------ first response


@pytest.mark.parametrize(
    ("tier", "arrival", "due"),
    [
        # Premium: 60 min in business hours (Mon-Fri 09-17 UTC), 4 h wall clock after hours
        pytest.param(
            "premium", utc(2026, 1, 14, 10, 0), utc(2026, 1, 14, 11, 0), id="prem-in-hours"
        ),
        pytest.param(
            "premium", utc(2026, 1, 16, 16, 59), utc(2026, 1, 19, 9, 59), id="prem-fri-1659-carry"
        ),
        pytest.param(
            "premium", utc(2026, 1, 16, 17, 59), utc(2026, 1, 16, 21, 59), id="prem-fri-1759-after"
        ),
        pytest.param("premium", utc(2026, 1, 17, 12, 0), utc(2026, 1, 17, 16, 0), id="prem-sat"),
        pytest.param(
            "premium", utc(2026, 1, 19, 8, 59), utc(2026, 1, 19, 12, 59), id="prem-mon-0859"
        ),
        # Elite: 60 min, 24/7
        pytest.param("elite", utc(2026, 1, 16, 17, 59), utc(2026, 1, 16, 18, 59), id="elite-fri"),
        pytest.param("elite", utc(2026, 1, 17, 3, 0), utc(2026, 1, 17, 4, 0), id="elite-sat-night"),
        # Standard: 24 h (the low end of 24-48 h), 24/7
        pytest.param(
            "standard", utc(2026, 1, 16, 17, 59), utc(2026, 1, 17, 17, 59), id="standard-24h"
        ),
    ],
)
def test_email_first_response_due_time(tier: str, arrival: float, due: float) -> None:
    c = Center(arrival)
    c.submit("m1", arrival, channel="email", tier=tier)
    assert promises(c.run_until(due - 0.5), "first_response") == []
    e = only(promises(c.run_until(due + HOUR), "first_response"))
    assert (e.outcome, e.due, e.at, e.channel) == ("breached", due, due, Channel.EMAIL)


def test_premium_email_first_response_attained_across_the_weekend() -> None:
    friday = utc(2026, 1, 16, 16, 59)
    c = Center(friday)
    c.agent("eva", friday, presence="not_ready", channel="email")
    c.submit("m1", friday, channel="email", tier="premium")
    monday = utc(2026, 1, 19, 9, 30)
    c.run_until(monday)
    offer = only(c.ready("eva", monday))
    e = only(promises(c.accept(offer, monday + 10).events, "first_response"))
    assert (e.outcome, e.due, e.margin) == ("attained", utc(2026, 1, 19, 9, 59), 29 * MIN - 10)


# ------------------------------------------------------------------ resolution, abandon


def test_resolution_decided_at_complete() -> None:
    c = Center(MONDAY)
    c.agent("ana", MONDAY)
    offer = only(c.submit("c1", MONDAY))
    c.accept(offer, MONDAY + 5)
    assert promises(c.run_until(MONDAY + HOUR)) == []  # resolution stays open in service
    e = only(promises(c.complete(offer, MONDAY + HOUR).events))
    assert (e.outcome, e.promise, e.due, e.at, e.margin) == (
        "attained",
        "resolution",
        MONDAY + 2 * HOUR,
        MONDAY + HOUR,
        HOUR,
    )


def test_resolution_breached_at_its_due_time_while_in_service() -> None:
    c = Center(MONDAY)
    c.agent("ana", MONDAY)
    offer = only(c.submit("c1", MONDAY, tier="premium"))
    c.accept(offer, MONDAY + 5)
    e = only(promises(c.run_until(MONDAY + 4 * HOUR + 1)))
    assert (e.outcome, e.promise, e.at) == ("breached", "resolution", MONDAY + 4 * HOUR)
    assert promises(c.complete(offer, MONDAY + 5 * HOUR).events) == []


def test_abandon_voids_open_promises_and_they_leave_attainment() -> None:
    c = Center(MONDAY)
    c.submit("c1", MONDAY)
    d = c.abandon("c1", MONDAY + 10)
    got = sorted((e.promise, e.outcome, e.at, e.margin) for e in promises(d.events))
    assert got == [
        ("answer", "abandoned", MONDAY + 10, 10.0),
        ("resolution", "abandoned", MONDAY + 10, 2 * HOUR - 10),
    ]
    assert c.tr.attainment() == {}
    assert c.tr.breaches() == []
    counts = c.tr.counts()
    assert counts[("elite", "voice", "answer")]["abandoned"] == 1
    assert counts[("elite", "voice", "resolution")]["abandoned"] == 1
    # a breach decided before the customer left stays a breach
    c.submit("c2", MONDAY + 20)
    c.run_until(MONDAY + 50)
    d = c.abandon("c2", MONDAY + 50)
    assert [(e.promise, e.outcome) for e in promises(d.events)] == [("resolution", "abandoned")]
    assert c.tr.attainment() == {("elite", "answer"): 0.0}


# ------------------------------------------------------------------ escalation ladders


def ladder(events: Iterable[Any], t0: float) -> list[tuple[str, float, int]]:
    return [(e.step, e.at - t0, e.count) for e in escalations(events)]


def test_p1_ladder_then_status_updates_every_eight_business_hours() -> None:
    c = Center(MONDAY)  # Monday 10:00; nobody serves voice
    c.submit("p1", MONDAY, tier="premium", severity=1)
    got = [(e.step, e.at, e.count) for e in escalations(c.run_until(utc(2026, 1, 19, 12)))]
    assert got == [
        ("L1 triage", MONDAY + 5 * MIN, 1),
        ("L2 ownership", MONDAY + 15 * MIN, 1),
        ("engineering on the bridge", MONDAY + 30 * MIN, 1),
        ("executive notified", MONDAY + 60 * MIN, 1),
        # 8 business hours after Monday 10:00 is Tuesday 10:00; the weekend does not count
        ("status update", utc(2026, 1, 13, 10), 1),
        ("status update", utc(2026, 1, 14, 10), 2),
        ("status update", utc(2026, 1, 15, 10), 3),
        ("status update", utc(2026, 1, 16, 10), 4),
        ("status update", utc(2026, 1, 19, 10), 5),
    ]
    assert c.tr.escalations_fired == 9
    assert c.r.next_deadline() == utc(2026, 1, 20, 10)  # the next status update


def test_p2_ladder_is_the_p1_ladder_doubled() -> None:
    c = Center(MONDAY)
    c.submit("p2", MONDAY, tier="elite", severity=2)
    assert ladder(c.run_until(MONDAY + 3 * HOUR), MONDAY) == [
        ("L1 triage", 10 * MIN, 1),
        ("L2 ownership", 30 * MIN, 1),
        ("engineering on the bridge", 60 * MIN, 1),
        ("executive notified", 120 * MIN, 1),
    ]


def test_p3_daily_updates() -> None:
    friday = utc(2026, 1, 16, 15)
    c = Center(friday)
    c.submit("p3", friday, channel="email", tier="standard", severity=3)
    assert ladder(c.run_until(friday + 3 * DAY + 1), friday) == [
        ("daily update", DAY, 1),
        ("daily update", 2 * DAY, 2),  # a wall-clock day: weekends count
        ("daily update", 3 * DAY, 3),
    ]


def test_escalations_stop_at_resolution_with_a_post_incident_report() -> None:
    c = Center(MONDAY)
    c.agent("ana", MONDAY)
    offer = only(c.submit("p1", MONDAY, tier="premium", severity=1))
    c.accept(offer, MONDAY + 10)
    # the ladder runs until the contact is resolved, not answered
    assert ladder(c.run_until(MONDAY + 16 * MIN), MONDAY) == [
        ("L1 triage", 5 * MIN, 1),
        ("L2 ownership", 15 * MIN, 1),
    ]
    done = MONDAY + 20 * MIN
    d = c.complete(offer, done)
    report = only(escalations(d.events))
    assert report == EscalationEvent("p1", "premium", Severity.P1, POST_INCIDENT, done + DAY, 1)
    assert escalations(c.run_until(MONDAY + 10 * DAY)) == []
    assert c.tr.escalations_fired == 2  # the report is not an escalation step


@pytest.mark.parametrize(
    ("tier", "severity", "report"),
    [("elite", 1, True), ("premium", 1, True), ("standard", 1, False), ("elite", 2, False)],
)
def test_post_incident_report_only_for_premium_and_elite_p1(
    tier: str, severity: int, report: bool
) -> None:
    c = Center(MONDAY)
    c.agent("ana", MONDAY, seniority="expert")
    offer = only(c.submit("x", MONDAY, tier=tier, severity=severity))
    c.accept(offer, MONDAY + 1)
    d = c.complete(offer, MONDAY + 60)
    assert [e.step for e in escalations(d.events)] == ([POST_INCIDENT] if report else [])


def test_escalations_stop_when_the_contact_is_abandoned() -> None:
    c = Center(MONDAY)
    c.submit("p1", MONDAY, tier="elite", severity=1)
    c.run_until(MONDAY + 7 * MIN)
    d = c.abandon("p1", MONDAY + 7 * MIN)
    assert escalations(d.events) == []  # no post-incident report for an abandoned contact
    assert escalations(c.run_until(MONDAY + 10 * DAY)) == []
    assert [e.step for e in escalations(c.events)] == ["L1 triage"]


# ------------------------------------------------------------------ VIP callback


@pytest.mark.parametrize(
    ("tier", "channel", "offered"),
    [
        ("elite", "voice", True),
        ("premium", "voice", True),
        ("standard", "voice", False),
        ("elite", "chat", False),
    ],
)
def test_time_based_callback_offer_once_the_wait_passes_45s(
    tier: str, channel: str, offered: bool
) -> None:
    c = Center(MONDAY)
    c.submit("c1", MONDAY, tier=tier, channel=channel)
    assert offers_of(c.run_until(MONDAY + 44.9)) == []
    got = offers_of(c.run_until(MONDAY + 600))
    assert got == ([CallbackOffer("c1", tier, None, MONDAY + 45)] if offered else [])
    assert c.tr.callbacks_offered == int(offered)


def test_no_callback_offer_once_answered() -> None:
    c = Center(MONDAY)
    c.agent("ana", MONDAY)
    offer = only(c.submit("c1", MONDAY))
    c.accept(offer, MONDAY + 15)
    assert offers_of(c.run_until(MONDAY + 600)) == []


def test_callback_offered_to_a_contact_that_was_ringing_at_45s() -> None:
    c = Center(MONDAY)
    c.agent("ana", MONDAY, presence="not_ready")
    c.submit("c1", MONDAY)
    c.ready("ana", MONDAY + 40)  # rings from 40 s to 60 s; nobody picks up
    c.run_until(MONDAY + 61)
    assert c.r.contact_status("c1").state == ContactState.WAITING
    c.run_until(MONDAY + 300)
    # offered once, when it is back in the queue at 60 s
    assert offers_of(c.events) == [CallbackOffer("c1", "elite", None, MONDAY + 60)]


RATE = 0.1  # departures per second from the premium voice queue below


def queue_with_known_rate(k: int) -> tuple[Center, Decisions, float]:
    """Five premium callers answered at once 10 s apart (every agent then busy),
    ``k`` premium callers queued, then one more: its :class:`Decisions` and time."""
    c = Center(MONDAY)
    for i in range(5):
        t = MONDAY + 10 * i
        c.agent(f"a{i}", t)
        c.accept(only(c.submit(f"s{i}", t, tier="premium")), t)
    for j in range(k):
        c.submit(f"q{j}", MONDAY + 41 + j, tier="premium")
    t = MONDAY + 41 + k
    return c, c.submit("new", t, tier="premium"), t


@pytest.mark.parametrize("k", range(8))
def test_estimated_wait_offer_iff_it_passes_the_threshold(k: int) -> None:
    c, d, t = queue_with_known_rate(k)
    expected = (k + 1) / RATE
    got = [e for e in offers_of(d.events) if e.contact_id == "new"]
    if expected > 45.0:
        assert got == [CallbackOffer("new", "premium", pytest.approx(expected), t)]
    else:
        assert got == []
        # the time-based check still offers it 45 s after arrival
        later = [e for e in offers_of(c.run_until(t + 45)) if e.contact_id == "new"]
        assert later == [CallbackOffer("new", "premium", None, t + 45)]


def test_accepted_callback_replaces_the_answer_promise_and_is_kept() -> None:
    c, d, t = queue_with_known_rate(4)
    assert offers_of(d.events)
    c.tr.accept_callback("new", now=t)
    assert c.tr.callbacks_accepted == 1
    for i in range(5):  # five agents free up 200 s later: every caller is offered
        c.agent(f"b{i}", t + 200)
    offer = only([o for d in c.decisions[-5:] for o in d if o.contact_id == "new"])
    c.accept(offer, t + 210)
    mine = [e for e in promises(c.events) if e.contact_id == "new"]
    assert [(e.promise, e.outcome, e.due, e.margin) for e in mine] == [
        ("callback", "attained", t + 300, 90.0)
    ]
    counts = c.tr.counts()
    assert counts[("premium", "voice", "callback")]["attained"] == 1
    # the replaced answer promise is neither decided nor open
    assert sum(counts[("premium", "voice", "answer")].values()) == 9


def test_accepted_callback_breached_at_its_due_time() -> None:
    c, _, t = queue_with_known_rate(4)
    c.tr.accept_callback("new", now=t + 2)
    c.run_until(t + 400)
    mine = [(e.promise, e.outcome, e.at) for e in promises(c.events) if e.contact_id == "new"]
    assert mine == [("callback", "breached", t + 302)]
    assert c.tr.breaches()[-1].promise == "callback"


def test_callback_after_the_answer_breach_is_an_extra_promise() -> None:
    c = Center(MONDAY)
    c.submit("c1", MONDAY)
    c.run_until(MONDAY + 45)
    c.tr.accept_callback("c1", now=MONDAY + 45)
    c.agent("ana", MONDAY + 100)
    c.accept(only(c.decisions[-1]), MONDAY + 100)
    got = [(e.promise, e.outcome, e.at) for e in promises(c.events)]
    assert got == [("answer", "breached", MONDAY + 20), ("callback", "attained", MONDAY + 100)]


def test_accept_callback_errors() -> None:
    c = Center(MONDAY)
    with pytest.raises(UnknownContact):
        c.tr.accept_callback("nobody", now=MONDAY)
    c.submit("std", MONDAY, tier="standard")
    c.submit("vip", MONDAY)
    c.run_until(MONDAY + 50)
    with pytest.raises(RoutingStateError, match="no callback was offered"):
        c.tr.accept_callback("std", now=MONDAY + 50)
    c.agent("ana", MONDAY + 60)  # the elite caller is offered to ana: no longer waiting
    assert [o.contact_id for o in c.decisions[-1]] == ["vip"]
    with pytest.raises(RoutingStateError, match="no longer waiting"):
        c.tr.accept_callback("vip", now=MONDAY + 60)
    c.r._check()


def test_accepting_a_callback_twice_is_an_error() -> None:
    c = Center(MONDAY)
    c.submit("c1", MONDAY)
    c.run_until(MONDAY + 45)
    c.tr.accept_callback("c1", now=MONDAY + 45)
    with pytest.raises(RoutingStateError):
        c.tr.accept_callback("c1", now=MONDAY + 46)


# ------------------------------------------------------------------ service credits


def breach_answer(c: Center, cid: str, t: float, tier: str, account: str) -> None:
    """Submit a voice contact at ``t``, let its answer promise breach, then abandon."""
    c.submit(cid, t, tier=tier, account=account)
    c.run_until(t + 30)
    c.abandon(cid, t + 30)


def test_two_elite_breaches_in_a_month_earn_five_percent() -> None:
    c = Center(MONDAY)
    breach_answer(c, "e1", MONDAY, "elite", "acme")
    assert c.tr.credits({"acme": 1000.0}) == []  # one breach: no credit
    breach_answer(c, "e2", MONDAY + DAY, "elite", "acme")
    breach_answer(c, "e3", MONDAY + DAY + HOUR, "elite", "zeta")
    assert c.tr.credits({"acme": 1000.0, "zeta": 400.0}) == [
        Credit("acme", "2026-01", 2, 0.05, 1000.0, 50.0)
    ]


def test_premium_breaches_and_resolution_breaches_earn_no_credit() -> None:
    c = Center(MONDAY)
    for i in range(3):
        breach_answer(c, f"p{i}", MONDAY + i * HOUR, "premium", "acme")
    c.agent("ana", MONDAY + 5 * HOUR)
    for i in range(2):  # elite answered in time, resolved late
        t = MONDAY + 5 * HOUR + i * 3 * HOUR
        offer = only(c.submit(f"e{i}", t, account="acme"))
        c.accept(offer, t + 1)
        c.run_until(t + 2 * HOUR + 1)
        c.complete(offer, t + 2 * HOUR + 1)
    kinds = Counter((e.tier, e.promise) for e in c.tr.breaches())
    assert kinds == {("premium", "answer"): 3, ("elite", "resolution"): 2}
    assert c.tr.credits({"acme": 1000.0}) == []


def test_breaches_in_two_months_do_not_add_up() -> None:
    jan = utc(2026, 1, 31, 23, 0)
    c = Center(jan)
    breach_answer(c, "e1", jan, "elite", "acme")
    breach_answer(c, "e2", utc(2026, 2, 1, 1, 0), "elite", "acme")
    assert c.tr.credits({"acme": 1000.0}) == []


def test_credits_need_a_credit_rule() -> None:
    policy = prestige()
    assert policy.promises is not None
    bare = policy.model_copy(
        update={"promises": policy.promises.model_copy(update={"credits": None})}
    )
    c = Center(MONDAY, policy=bare)
    with pytest.raises(InvalidArgument, match="no credit rule"):
        c.tr.credits({})


# ------------------------------------------------------------------ counts, attainment, timers


def test_counts_and_attainment() -> None:
    c = Center(MONDAY)
    for aid in ("a", "b", "x"):
        c.agent(aid, MONDAY, presence="not_ready")
    for i, cid in enumerate(("c1", "c2", "c3", "c4")):
        c.submit(cid, MONDAY + i)
    c.accept(only(c.ready("a", MONDAY + 5)), MONDAY + 5)  # c1 at 5 s: attained
    c.accept(only(c.ready("b", MONDAY + 10)), MONDAY + 10)  # c2 at 9 s: attained
    c.abandon("c4", MONDAY + 12)
    c.run_until(MONDAY + 30)  # c3 breaches at 22 s
    offer3 = only(c.ready("x", MONDAY + 30))
    c.accept(offer3, MONDAY + 30)
    assert c.tr.counts() == {
        ("elite", "voice", "answer"): {"attained": 2, "breached": 1, "abandoned": 1, "open": 0},
        ("elite", "voice", "resolution"): {
            "attained": 0,
            "breached": 0,
            "abandoned": 1,
            "open": 3,
        },
    }
    assert c.tr.attainment() == {("elite", "answer"): pytest.approx(2 / 3)}
    c.complete(offer3, MONDAY + 100)
    assert c.tr.attainment() == {
        ("elite", "answer"): pytest.approx(2 / 3),
        ("elite", "resolution"): 1.0,
    }
    # a window of an hour: nothing decided between 10:30 and 11:30
    c.run_until(MONDAY + 90 * MIN)
    assert c.tr.attainment() == {}


def test_next_deadline_covers_the_tracker_timers() -> None:
    tracked, bare = Center(MONDAY), Center(MONDAY, tracked=False)
    for c in (tracked, bare):
        c.submit("m1", MONDAY, channel="email", tier="standard")
        c.run_until(MONDAY + 10 * MIN)  # past the relaxation steps (60 s, 120 s)
    assert bare.r.next_deadline() is None
    # the 24 h first-response promise and the P3 daily update
    assert tracked.r.next_deadline() == MONDAY + DAY
    elite = Center(MONDAY)
    elite.submit("c1", MONDAY)
    # the answer promise comes first (a breach timer one ulp after the due time is fine)
    assert elite.r.next_deadline() == pytest.approx(MONDAY + 20, abs=1e-6)


def script(c: Center) -> None:
    """A small day touching every router call, tracker or not."""
    c.agent("ana", MONDAY, presence="not_ready")
    c.agent("bob", MONDAY, presence="not_ready", channel="email")
    c.submit("v1", MONDAY, severity=1)
    c.submit("v2", MONDAY + 1, tier="premium", severity=2)
    c.submit("m1", MONDAY + 2, channel="email", tier="premium")
    c.run_until(MONDAY + 50)
    o1 = only(c.ready("ana", MONDAY + 50))
    c.accept(o1, MONDAY + 51)
    c.abandon("v2", MONDAY + 52)
    o2 = only(c.ready("bob", MONDAY + 60))
    c.accept(o2, MONDAY + 61)
    c.run_until(MONDAY + 40 * MIN)
    c.complete(o1, MONDAY + 40 * MIN)
    c.complete(o2, MONDAY + 41 * MIN)
    c.run_until(MONDAY + 3 * DAY)


def test_events_stay_empty_without_a_tracker() -> None:
    bare = Center(MONDAY, tracked=False)
    script(bare)
    assert all(d.events == () for d in bare.decisions)
    tracked = Center(MONDAY)
    script(tracked)
    # the same decisions (the tracked run makes more calls: its timers add deadlines)
    assert [o for d in tracked.decisions for o in d] == [o for d in bare.decisions for o in d]

    def what(e: Any) -> tuple[Any, ...]:
        if isinstance(e, PromiseEvent):
            return (e.contact_id, e.promise, e.outcome, e.at - MONDAY)
        if isinstance(e, EscalationEvent):
            return (e.contact_id, e.step, e.at - MONDAY)
        return (e.contact_id, "callback offer", e.at - MONDAY)

    assert [what(e) for e in tracked.events] == [
        ("v1", "answer", "breached", 20.0),
        ("v2", "answer", "breached", 21.0),
        ("v1", "callback offer", 45.0),
        ("v2", "callback offer", 46.0),
        ("v2", "resolution", "abandoned", 52.0),  # its P2 ladder stops before 10 min
        ("m1", "first_response", "attained", 61.0),
        ("v1", "L1 triage", 5 * MIN),
        ("v1", "L2 ownership", 15 * MIN),
        ("v1", "engineering on the bridge", 30 * MIN),
        ("v1", "resolution", "attained", 40 * MIN),
        ("v1", POST_INCIDENT, 40 * MIN + DAY),
        ("m1", "resolution", "attained", 41 * MIN),
    ]


def test_events_of_timers_fired_by_a_failing_call_reach_the_host() -> None:
    policy = prestige()
    policy = policy.model_copy(
        update={"offer": policy.offer.model_copy(update={"auto_accept": True})}
    )
    c = Center(MONDAY, policy=policy)
    c.agent("jo", MONDAY, seniority="junior", billing=3)  # eligible from the 'skilled' step
    c.submit("c1", MONDAY)
    # timers due by 200 s: answer breach (20 s), callback offer (45 s), relaxation to
    # 'skilled' (60 s) where jo answers; then the abandon itself fails
    with pytest.raises(RoutingStateError) as info:
        c.r.abandon("c1", now=MONDAY + 200)
    assert [o.contact_id for o in info.value.offers] == ["c1"]
    kinds = [type(e).__name__ for e in getattr(info.value, "events", ())]
    assert kinds == ["PromiseEvent", "CallbackOffer"]


def test_tracker_construction_errors() -> None:
    with pytest.raises(InvalidArgument, match="no promises"):
        PromiseTracker(Router(Policy(), start=0.0))
    r = Router(prestige(), start=0.0)
    PromiseTracker(r)
    with pytest.raises(InvalidArgument, match="already has a promise tracker"):
        PromiseTracker(r)


# ------------------------------------------------------------------ reconciliation property

LIVE = {"voice", "chat", "video"}


def domain_kinds(tier: str, channel: str) -> set[str]:
    """The prestige table of the domain notes, written out independently of the
    tracker's target matching: the promise kinds a contact gets."""
    kinds = set()
    if tier in ("premium", "elite"):
        kinds.add("resolution")
        kinds.add("answer" if channel in LIVE else "first_response")
    elif channel not in LIVE:
        kinds.add("first_response")
    return kinds


TIERS = ("standard", "premium", "elite")
CHANNELS = ("voice", "voice", "chat", "email")
AGENTS = (
    AgentSpec(
        "sen",
        skills={"billing": 5},
        languages=("en",),
        seniority="senior",
        channels={"voice": 1, "chat": 2, "email": 2},
    ),
    AgentSpec(
        "jun",
        skills={"billing": 2},
        languages=("en",),
        seniority="junior",
        channels={"voice": 1, "chat": 1, "email": 3},
    ),
    AgentSpec("mail", skills={"billing": 4}, languages=("en",), channels={"email": 4}),
)
Op = tuple[str, int, float]


class Reconciler:
    """Drives a tracked prestige router with a list of operations and checks, after
    every step, that the tracker reconciles with the router and the domain table."""

    def __init__(self, start: float) -> None:
        self.r = Router(prestige(), start=start)
        self.tr = PromiseTracker(self.r)
        self.t = start
        self.n = 0
        self.expected: dict[str, set[str]] = {}
        self.info: dict[str, tuple[str, str]] = {}
        self.decided: dict[str, Counter[str]] = {}
        self.outcomes: Counter[tuple[str, str, str, str]] = Counter()
        self.finished: set[str] = set()
        self.cb_offered: set[str] = set()
        self.cb_accepted: set[str] = set()
        self.breaches: list[PromiseEvent] = []
        for spec in AGENTS:
            self.r.add_agent(spec, presence="not_ready", now=start)

    def live(self, *states: ContactState) -> list[tuple[str, Any]]:
        out = []
        for cid in sorted(self.expected):
            if cid not in self.finished:
                status = self.r.contact_status(cid)
                if status.state in states:
                    out.append((cid, status))
        return out

    def observe(self, d: Decisions, ending: str | None = None, completed: bool = False) -> None:
        for e in d.events:
            cid = e.contact_id
            assert cid in self.expected and cid not in self.finished, f"event after the end: {e}"
            if isinstance(e, PromiseEvent):
                assert e.promise in self.expected[cid], e
                self.decided[cid][e.promise] += 1
                assert self.decided[cid][e.promise] == 1, f"decided twice: {e}"
                assert (e.tier, e.channel.value) == self.info[cid]
                assert e.margin == e.due - e.at
                if e.outcome == "breached":
                    assert e.at == e.due and e.margin == 0.0, e
                    self.breaches.append(e)
                elif e.outcome == "attained":
                    assert e.at <= e.due and e.at == self.t, e
                else:
                    assert cid == ending and not completed and e.at == self.t, e
                self.outcomes[(e.tier, e.channel.value, e.promise, e.outcome)] += 1
            elif isinstance(e, EscalationEvent):
                if e.step == POST_INCIDENT:
                    assert cid == ending and completed and e.at == self.t + DAY, e
                    assert e.tier in ("premium", "elite") and e.severity == Severity.P1
                else:
                    assert e.at <= self.t
            else:
                assert isinstance(e, CallbackOffer)
                assert cid not in self.cb_offered, f"offered twice: {e}"
                # (later in the same call the contact may already be offered to an agent)
                assert self.info[cid] in {("premium", "voice"), ("elite", "voice")}
                assert e.at <= self.t
                self.cb_offered.add(cid)
        if ending is not None:
            self.finished.add(ending)
            assert set(self.decided[ending]) == self.expected[ending], ending
            assert all(n == 1 for n in self.decided[ending].values())

    def check(self) -> None:
        self.r._check()
        open_ = Counter()
        for cid, kinds in self.expected.items():
            still = kinds - set(self.decided[cid])
            if cid in self.finished:
                assert not still
            else:
                tier, ch = self.info[cid]
                for kind in still:
                    open_[(tier, ch, kind)] += 1
                # white box: the tracker's own open promises of this contact
                mine = {p.kind for p in self.tr._open.get(cid, ()) if not p.done}
                assert mine == still, (cid, mine, still)
        want: dict[tuple[str, str, str], dict[str, int]] = {}
        for (tier, ch, kind, outcome), n in self.outcomes.items():
            row = want.setdefault((tier, ch, kind), dict.fromkeys(_OUTCOMES, 0))
            row[outcome] += n
        for (tier, ch, kind), n in open_.items():
            row = want.setdefault((tier, ch, kind), dict.fromkeys(_OUTCOMES, 0))
            row["open"] += n
        assert self.tr.counts() == dict(sorted(want.items()))
        assert self.tr.breaches() == self.breaches
        assert self.tr.callbacks_offered == len(self.cb_offered)
        assert self.tr.callbacks_accepted == len(self.cb_accepted)

    def step(self, op: str, k: int, x: float) -> None:
        self.t += 3 * DAY * x if op == "wait" else 40.0 * x
        self.observe(self.r.advance(self.t))  # calls below fire no timer
        t = self.t
        if op == "submit":
            self.n += 1
            cid = f"c{self.n}"
            tier, ch = TIERS[k % 3], CHANNELS[(k // 3) % 4]
            spec = ContactSpec(
                cid,
                ch,
                tier,
                severity=1 + (k // 12) % 4,
                skills={"billing": 1 + (k // 48) % 3},
                language="en",
                attributes={"account": f"acct{(k // 144) % 3}"},
            )
            self.expected[cid] = domain_kinds(tier, ch)
            self.info[cid] = (tier, ch)
            self.decided[cid] = Counter()
            self.observe(self.r.submit(spec, now=t))
        elif op == "agent":
            spec = AGENTS[k % len(AGENTS)]
            state = ("ready", "not_ready")[(k // 3) % 2]
            self.observe(self.r.set_agent_state(spec.agent_id, state, now=t))
        elif op in ("accept", "reject"):
            ringing = self.live(ContactState.OFFERED)
            if ringing:
                _, status = ringing[k % len(ringing)]
                call = self.r.accept if op == "accept" else self.r.reject
                self.observe(call(status.offer_id, now=t))
        elif op == "complete":
            serving = self.live(ContactState.IN_SERVICE)
            if serving:
                cid, status = serving[k % len(serving)]
                self.observe(self.r.complete(status.offer_id, now=t), cid, completed=True)
        elif op == "abandon":
            waiting = self.live(ContactState.WAITING, ContactState.OFFERED)
            if waiting:
                cid, _ = waiting[k % len(waiting)]
                self.observe(self.r.abandon(cid, now=t), cid)
        elif op == "callback":
            live = self.live(ContactState.WAITING, ContactState.OFFERED, ContactState.IN_SERVICE)
            live = [(cid, s) for cid, s in live if cid not in self.cb_accepted]
            if live:
                cid, status = live[k % len(live)]
                if cid in self.cb_offered and status.state == ContactState.WAITING:
                    self.tr.accept_callback(cid, now=t)
                    self.cb_accepted.add(cid)
                    if not self.decided[cid]["answer"]:
                        self.expected[cid].discard("answer")  # replaced, never decided
                    self.expected[cid].add("callback")
                else:
                    with pytest.raises(RoutingStateError):
                        self.tr.accept_callback(cid, now=t)
        self.check()

    def finish(self) -> None:
        """Serve everyone: every promise ends decided."""
        for spec in AGENTS:
            self.step("agent", AGENTS.index(spec), 0.0)  # k % 3 picks it, (k // 3) % 2 == 0
        for _ in range(200):
            if not self.live(ContactState.WAITING, ContactState.OFFERED, ContactState.IN_SERVICE):
                break
            self.step("accept", 0, 0.5)
            self.step("complete", 0, 0.5)
            self.step("wait", 0, 0.01)
        assert all(row["open"] == 0 for row in self.tr.counts().values())


_OUTCOMES = ("attained", "breached", "abandoned", "open")
OP_NAMES = ("submit", "submit", "agent", "accept", "reject", "complete", "abandon", "callback")
ops = st.lists(
    st.tuples(
        st.sampled_from((*OP_NAMES, "wait")),
        st.integers(0, 10**6),
        st.floats(0.0, 1.0, allow_nan=False),
    ),
    max_size=50,
)


@settings(max_examples=60)
@given(ops)
def test_tracker_reconciles_with_the_router(steps: list[Op]) -> None:
    rec = Reconciler(utc(2026, 1, 16, 16, 30))  # Friday: business hours end soon
    for op in steps:
        rec.step(*op)
    rec.finish()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tracker_reconciles_on_a_long_seeded_workload(seed: int) -> None:
    rng = random.Random(seed)
    rec = Reconciler(utc(2026, 1, 15, 8, 0) + rng.random() * DAY)
    weights = (6, 6, 2, 5, 1, 4, 2, 2, 1)
    names = (*OP_NAMES, "wait")
    for _ in range(400):
        op = rng.choices(names, weights)[0]
        x = rng.random() ** 3 if op == "wait" else rng.random()
        rec.step(op, rng.randrange(10**6), x)
    rec.finish()
    # the workload did exercise breaches, callbacks and the ladders
    assert len(rec.breaches) > 10 and rec.cb_offered and rec.cb_accepted
    assert rec.tr.escalations_fired > 0


@pytest.mark.parametrize("calendar", ["always", "business"])
def test_old_arrival_fires_each_missed_step_once(calendar: str) -> None:
    """Regression (issue #15 review): a P1 contact whose ``arrived_at`` lies decades
    back made ``submit`` recurse once per missed repeat of a repeating ladder step
    (RecursionError, which would stop a journal). Each step already past now fires
    once, and the next repeat is scheduled after ``now``."""
    policy = prestige()
    if calendar == "business":
        cal = BusinessCalendar.nine_to_five()
        promises = policy.promises
        assert promises is not None
        policy = policy.model_copy(
            update={
                "promises": promises.model_copy(
                    update={"calendars": dict.fromkeys(promises.calendars, cal)}
                )
            }
        )
    router = Router(policy, start=0.0)
    tracker = PromiseTracker(router)
    now = 1.77e9
    decisions = router.submit(
        ContactSpec("c", "voice", "standard", severity=1, arrived_at=0.0), now=now
    )
    escalations = [e for e in decisions.events if isinstance(e, EscalationEvent)]
    steps = [e.step for e in escalations]
    assert len(steps) == len(set(steps))  # each step once
    assert escalations, "the ladder's past steps fire"
    deadline = router.next_deadline()
    assert deadline is not None
    assert deadline > now
    assert tracker is router.tracker
