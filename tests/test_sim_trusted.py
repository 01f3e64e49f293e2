"""The simulator's trusted router entry points against the checked public API.

:class:`~tierroute.planning.simulation.RouterPort` hands the simulator the router's
``_submit_trusted``, ``_complete_trusted`` and ``_abandon_trusted`` (its timers it
keeps on its own heap and fires through ``fire_timer``); the router's own loop uses
``_advance_trusted``: they skip validation and must otherwise be the public
``submit``, ``complete``, ``abandon`` and ``advance``. Here

- two routers get the same random calls, one through the checked API and one
  through the trusted entry points (accept, reject and presence changes, which have
  no trusted twin, go through the checked API on both); every call must return the
  same offers and promise events, and the routers must keep the same state;
- whole replications run through a port whose ``*_trusted`` attributes are bound to
  the checked methods must give the same data, bit for bit, as through the real port.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.property.test_oracle import prestige_variant, random_policy
from tierroute import (
    AgentSpec,
    Channel,
    ChannelPolicy,
    ContactSpec,
    OfferPolicy,
    Policy,
    Router,
    TierPolicy,
    TierRouteError,
    prestige,
)
from tierroute.models import Decisions
from tierroute.planning.simulation import ReplicationData, RouterPort, Scenario
from tierroute.planning.simulation.engine import _Run
from tierroute.planning.simulation.plan import build_plan
from tierroute.promises.tracker import PromiseTracker
from tierroute.routing._state import ACTIVE, CHANNEL_INDEX, CHANNELS, IN_SERVICE, OFFERED, RESERVED

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SKILLS = ("billing", "tech", "sales")
ROUTED = (Channel.VOICE, Channel.CHAT, Channel.EMAIL)  # the agents' channels
LANGS = ("en", "fr", "de")

# ----------------------------------------------------------------------------- routers


def wrap_and_expiry() -> Policy:
    """Two tiers with a relaxation ladder, wrap-up on every channel, offers that
    expire after 8 s and agents set not ready after two missed offers."""
    channels = dict(Policy().channels)
    for ch, wrap in ((Channel.VOICE, 12.0), (Channel.CHAT, 5.0), (Channel.EMAIL, 20.0)):
        channels[ch] = channels[ch].model_copy(update={"wrap_up_s": wrap})
    ladder = (
        {"name": "exact", "wait_s": 15.0},
        {"name": "any-language", "wait_s": 30.0, "language": "ignore"},
        {"name": "anyone", "skills": "ignore", "language": "ignore", "min_seniority": 0},
    )
    return Policy(
        tiers=(
            TierPolicy(name="gold", targets={Channel.VOICE: 10.0}, relaxation=ladder),
            TierPolicy(name="basic", strategy="most_proficient"),
        ),
        channels=channels,
        offer=OfferPolicy(timeout_s=8.0, auto_accept=False, max_no_answers=2),
    )


def auto_accept_with_wrap() -> Policy:
    """The simulator's case: every offer is accepted at once; wrap-up on voice."""
    channels: dict[Channel, ChannelPolicy] = dict(Policy().channels)
    channels[Channel.VOICE] = channels[Channel.VOICE].model_copy(update={"wrap_up_s": 9.0})
    return Policy(
        tiers=(TierPolicy(name="standard"), TierPolicy(name="vip", value_boost=0.5)),
        channels=channels,
        offer=OfferPolicy(auto_accept=True),
    )


def policies() -> list[Any]:
    return [
        pytest.param(prestige(), True, id="prestige-tracked"),
        pytest.param(prestige(), False, id="prestige"),
        pytest.param(prestige_variant(auto_accept=True, wrap=True), True, id="prestige-auto"),
        pytest.param(wrap_and_expiry(), False, id="wrap-and-expiry"),
        pytest.param(auto_accept_with_wrap(), False, id="auto-accept-wrap"),
        pytest.param(random_policy(np.random.default_rng(5)), False, id="random-5"),
        pytest.param(random_policy(np.random.default_rng(8)), False, id="random-8"),
    ]


def same(got: Decisions, want: Decisions, what: str) -> None:
    """Same offers, in the same order, and the same promise events."""
    assert list(got) == list(want), f"{what}: offers differ"
    assert list(got.events) == list(want.events), f"{what}: events differ"


class Twin:
    """``ref`` is driven through the checked API, ``fast`` through the trusted entry
    points; every call is made on both and compared."""

    def __init__(self, policy: Policy, rng: np.random.Generator, *, tracked: bool) -> None:
        self.ref = Router(policy, start=0.0)
        self.fast = Router(policy, start=0.0)
        if tracked:
            PromiseTracker(self.ref)
            PromiseTracker(self.fast)
        self.policy = policy
        self.rng = rng
        self.now = 0.0
        self.n_contacts = 0
        self.agent_ids = [f"a{i}" for i in range(7)]
        self.calls: list[str] = []
        self.counts: dict[str, int] = {}
        for name in ("submit", "complete", "abandon", "advance"):
            self.counts[name] = self.counts[f"{name} with offers"] = 0
        self.counts["abandon offered"] = 0
        for aid in self.agent_ids:
            spec = self.agent_spec(aid)
            pres = "ready" if rng.random() < 0.8 else "not_ready"
            self.both("add_agent", spec, presence=pres, now=0.0)

    # -- helpers

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def pick(self, seq: list[Any]) -> Any:
        return seq[int(self.rng.integers(len(seq)))]

    def agent_spec(self, aid: str) -> AgentSpec:
        rng = self.rng
        channels = {
            Channel.VOICE: int(rng.integers(0, 2)),
            Channel.CHAT: int(rng.integers(0, 3)),
            Channel.EMAIL: int(rng.integers(0, 3)),
        }
        if not any(channels.values()):
            channels[Channel.VOICE] = 1
        for ch in channels:
            if self.policy.channels[ch].cost > 100:
                channels[ch] = 0
        return AgentSpec(
            aid,
            skills={s: int(rng.integers(1, 6)) for s in SKILLS if rng.random() < 0.7},
            languages=tuple(x for x in LANGS if rng.random() < 0.6) or ("en",),
            seniority=int(rng.integers(0, len(self.policy.seniority_levels))),
            channels=channels,
        )

    def both(self, name: str, *args: Any, **kwargs: Any) -> None:
        """A checked call with no trusted twin, made on both routers (an error raised
        after due timers fired must be the same, with the same offers)."""
        self.calls.append(f"{name}{args}")
        results = []
        for router in (self.ref, self.fast):
            try:
                out = getattr(router, name)(*args, **kwargs)
            except TierRouteError as exc:
                out = (type(exc), list(exc.offers), list(exc.events))
            else:
                out = (None, list(out), list(out.events))
            results.append(out)
        assert results[0] == results[1], self.calls[-1]

    def pair(self, checked: Any, trusted: Any, what: str) -> None:
        """``checked()`` on ``ref``, ``trusted()`` on ``fast``. When the checked call
        finds, after due timers fired, that it is no longer valid, ``ref`` is left as
        ``advance(now)`` would leave it: ``fast`` then advances."""
        self.calls.append(what)
        name = what.split("(", maxsplit=1)[0]
        try:
            want = checked()
        except TierRouteError as exc:
            want = Decisions(exc.offers)
            want.events = exc.events
            trusted = partial(self.fast._advance_trusted, self.now)
            name = "advance"
        got = trusted()
        same(got, want, what)
        self.counts[name] += 1
        if want:
            self.counts[f"{name} with offers"] += 1

    # -- calls

    def tick(self) -> None:
        r = self.rng.random()
        if r < 0.1:
            return  # same instant as the previous call
        deadline = self.ref.next_deadline()
        if r < 0.3 and deadline is not None and deadline > self.now:
            self.now = deadline  # exactly at a deadline
        else:
            self.now += float(self.rng.exponential(2.0))

    def submit(self) -> None:
        rng, now = self.rng, self.now
        self.n_contacts += 1
        cid = f"c{self.n_contacts}"
        ch = self.pick(list(ROUTED))
        tier = self.pick(list(self.policy.tier_names))
        value = float(rng.random())
        sev = int(rng.integers(1, 5))
        skills = {s: int(rng.integers(1, 5)) for s in SKILLS if rng.random() < 0.2}
        lang = self.pick(list(LANGS)) if rng.random() < 0.3 else None
        min_sen = int(rng.integers(0, len(self.policy.seniority_levels))) if self.chance(0.2) else 0
        conc = self.pick(self.agent_ids) if rng.random() < 0.3 else None
        spec = ContactSpec(cid, ch, tier, value, sev, skills, lang, min_sen, conc)
        fast = self.fast
        self.pair(
            lambda: self.ref.submit(spec, now=now),
            lambda: fast._submit_trusted(
                cid,
                CHANNEL_INDEX[ch],
                fast._c.tier_by_name[tier],
                value,
                sev,
                tuple(sorted(skills.items())),
                lang,
                min_sen,
                conc,
                now,
            ),
            f"submit({cid!r}, {now})",
        )

    def complete(self) -> None:
        active = [w.id for w in self.ref._works.values() if w.state == ACTIVE]
        if not active:
            return
        oid, now = self.pick(active), self.now
        self.pair(
            lambda: self.ref.complete(oid, now=now),
            lambda: self.fast._complete_trusted(oid, now),
            f"complete({oid!r}, {now})",
        )

    def abandon(self) -> None:
        live = [c.id for c in self.ref._contacts.values() if c.state != IN_SERVICE]
        offered = [c.id for c in self.ref._contacts.values() if c.state == OFFERED]
        if not live:
            return
        cid, now = self.pick(offered if offered and self.chance(0.5) else live), self.now
        if self.ref._contacts[cid].work is not None:
            self.counts["abandon offered"] += 1
        self.pair(
            lambda: self.ref.abandon(cid, now=now),
            lambda: self.fast._abandon_trusted(cid, now),
            f"abandon({cid!r}, {now})",
        )

    def advance(self) -> None:
        now = self.now
        self.pair(
            lambda: self.ref.advance(now=now),
            lambda: self.fast._advance_trusted(now),
            f"advance({now})",
        )

    def answer(self) -> None:
        ringing = [w.id for w in self.ref._works.values() if w.state == RESERVED]
        ringing = [oid for oid in ringing if self.ref._works[oid].expires_at > self.now]
        if ringing:
            name = "accept" if self.chance(0.85) else "reject"
            self.both(name, self.pick(ringing), now=self.now)

    def presence(self) -> None:
        aid = self.pick(self.agent_ids)
        a = self.ref._agents[aid]
        busy = any(w.state == ACTIVE for w in a.tasks.values())
        choices = ["ready", "ready", "not_ready"] + ([] if busy else ["logged_out"])
        self.both("set_agent_state", aid, self.pick(choices), now=self.now)

    def step(self) -> None:
        self.tick()
        actions = (self.submit, self.answer, self.complete, self.abandon, self.advance)
        weights = np.array([5.0, 3.0, 4.0, 1.5, 1.0, 1.0])
        k = int(self.rng.choice(len(weights), p=weights / weights.sum()))
        (*actions, self.presence)[k]()

    def check(self) -> None:
        ref, fast = self.ref, self.fast
        trace = "\n  ".join(self.calls[-20:])
        assert fast.now == ref.now, trace
        assert fast.next_deadline() == ref.next_deadline(), trace
        assert fast.stats() == ref.stats(), trace
        assert fast.snapshot() == ref.snapshot(), trace


@pytest.mark.parametrize(("policy", "tracked"), policies())
@pytest.mark.parametrize("seed", [1, 2])
def test_trusted_entry_points_decide_as_the_checked_api(
    policy: Policy, tracked: bool, seed: int
) -> None:
    twin = Twin(policy, np.random.default_rng(seed), tracked=tracked)
    for i in range(600):
        twin.step()
        if i % 25 == 0:
            twin.check()
    twin.check()
    twin.ref._check()
    twin.fast._check()
    # the workload reached every trusted entry point, with offers made in them
    counts = twin.counts
    assert min(counts[name] for name in ("submit", "complete", "abandon", "advance")) > 0
    assert counts["submit with offers"] > 0 and counts["complete with offers"] > 0, counts


def test_checked_methods_still_validate() -> None:
    r = Router(wrap_and_expiry(), start=0.0)
    r.add_agent(AgentSpec("a", channels={"voice": 1}), presence="ready", now=0.0)
    [offer] = r.submit(ContactSpec("c1", "voice", "basic"), now=1.0)
    with pytest.raises(TierRouteError, match="still ringing"):
        r.complete(offer.offer_id, now=2.0)
    with pytest.raises(TierRouteError, match="is not live"):
        r.complete("o999", now=2.0)
    with pytest.raises(TierRouteError, match="before the router's time"):
        r.advance(now=0.5)
    with pytest.raises(TierRouteError, match="finite number"):
        r.advance(now=float("nan"))
    r.accept(offer.offer_id, now=2.0)
    with pytest.raises(TierRouteError, match="in service"):
        r.abandon("c1", now=3.0)
    with pytest.raises(TierRouteError, match="is not live"):
        r.abandon("c2", now=3.0)
    assert r.now == 2.0  # nothing changed by the failed calls
    assert r.complete(offer.offer_id, now=3.0) == []
    with pytest.raises(TierRouteError, match="already completed"):
        r.complete(offer.offer_id, now=4.0)


# ----------------------------------------------------------------------------- replications


class CheckedPort(RouterPort):
    """A port whose trusted doors are the router's checked public methods."""

    __slots__ = ()

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        router = self.router
        self.submit_trusted = self._submit
        self.complete_trusted = lambda oid, now: router.complete(oid, now=now)
        self.abandon_trusted = lambda cid, now: router.abandon(cid, now=now)

    def _submit(
        self, cid: str, ch: int, tier: Any, value: float, sev: int, skills: Any, *rest: Any
    ) -> Decisions:
        lang, min_sen, concierge, now = rest
        spec = ContactSpec(
            cid, CHANNELS[ch], tier.name, value, sev, dict(skills), lang, min_sen, concierge
        )
        return self.router.submit(spec, now=now)


def replicate(scenario: Scenario, seed: int, port_cls: type[RouterPort]) -> ReplicationData:
    plan = build_plan(scenario)
    run = _Run(plan, np.random.SeedSequence(seed), 0)
    run.port = port_cls(plan.policy, plan.promises)
    return run.run()


def assert_same_data(a: ReplicationData, b: ReplicationData) -> None:
    assert (a.index, a.busyness, a.end, a.events, a.stats, a.agent_ids) == (
        b.index,
        b.busyness,
        b.end,
        b.events,
        b.stats,
        b.agent_ids,
    )
    assert a.columns.keys() == b.columns.keys()
    for name in a.columns:
        x, y = a.columns[name], b.columns[name]
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), name
    for x, y in zip(a.login + a.breaks, b.login + b.breaks, strict=True):
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes()
    assert (a.promises is None) == (b.promises is None)
    if a.promises is not None and b.promises is not None:
        pa, pb = a.promises, b.promises
        assert pa.steps == pb.steps
        assert pa.account.tobytes() == pb.account.tobytes()
        for part in ("promises", "escalations", "offers"):
            ca, cb = getattr(pa, part), getattr(pb, part)
            assert ca.keys() == cb.keys()
            for name in ca:
                assert ca[name].tobytes() == cb[name].tobytes(), (part, name)


def center(**fields: Any) -> Scenario:
    """A small two-class center with wrap-up, like the SimPy benchmark's."""
    data: dict[str, Any] = {
        "horizon": "2h",
        "interval": "1h",
        "policy": {
            "tiers": [
                {"name": "gold", "targets": {"voice": 10}},
                {"name": "basic", "targets": {"voice": 120}},
            ],
            "channels": {"voice": {"wrap_up_s": 20}},
        },
        "agents": [{"name": "team", "count": 6, "channels": {"voice": 1}}],
        "streams": [
            {
                "name": "calls",
                "channel": "voice",
                "tiers": {"gold": 0.3, "basic": 0.7},
                "arrivals": {"rate_per_hour": 140},
                "handle_time": {"kind": "exponential", "mean": 150},
                "patience": {"kind": "exponential", "mean": 120},
            }
        ],
        **fields,
    }
    return Scenario.from_mapping(data)


def scenarios() -> list[Any]:
    prestige_day = Scenario.from_file(EXAMPLES / "prestige.toml")
    return [
        pytest.param(prestige_day, id="prestige-tracked"),
        pytest.param(
            prestige_day.model_copy(update={"callback_acceptance": 0.6}), id="prestige-callbacks"
        ),
        pytest.param(
            prestige_day.model_copy(update={"track_promises": False}), id="prestige-untracked"
        ),
        pytest.param(center(), id="center-wrap"),
        pytest.param(center(drain=False), id="center-stopped"),
    ]


@pytest.mark.parametrize("scenario", scenarios())
def test_replication_through_the_checked_port_is_identical(scenario: Scenario) -> None:
    fast = replicate(scenario, 3, RouterPort)
    checked = replicate(scenario, 3, CheckedPort)
    assert len(fast.columns["arrived"]) > 100
    assert_same_data(fast, checked)


@pytest.mark.parametrize("scenario", scenarios()[:1] + scenarios()[3:4])
def test_rows_not_answered_keep_their_fill_values(scenario: Scenario) -> None:
    data = replicate(scenario, 5, RouterPort)
    cols = data.columns
    answered = cols["outcome"] == 1
    assert answered.any() and (~answered).any()
    for name in ("agent", "group", "step"):
        assert (cols[name][~answered] == -1).all(), name
        assert (cols[name][answered] >= 0).all(), name
    assert np.isnan(cols["answered"][~answered]).all()
    assert not np.isnan(cols["answered"][answered]).any()
    gone = cols["outcome"] != 0
    assert not np.isnan(cols["left"][gone]).any() and np.isnan(cols["left"][~gone]).all()
