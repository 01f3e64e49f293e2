"""Tests of tierroute.hosting.driver with real asyncio (no mocks).

Router time runs at ``RATE`` router seconds per loop second, so offer timeouts
(2 s of router time) and relaxation steps fire within the tests' fraction of a
second. Interleavings between tasks depend on real timing; every check is made
against what the driver recorded it applied (``on_applied``), replayed into a bare
router.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
from pathlib import Path
from typing import Any

import pytest

from tierroute import (
    AgentSpec,
    ContactSpec,
    DuplicateId,
    InvalidArgument,
    Offer,
    OfferPolicy,
    Policy,
    Router,
    RoutingStateError,
    TierRouteError,
    UnknownContact,
    prestige,
)
from tierroute.hosting.driver import Applied, RouterDriver
from tierroute.hosting.journal import JournaledRouter, JournalError, load_snapshot, recover

RATE = 20.0  # router seconds per loop second
SKILLS = ("billing", "technical")


def fast_policy() -> Policy:
    """The prestige preset with 2 s offers and 0.5 s wrap-up."""
    base = prestige()
    channels = {c: p.model_copy(update={"wrap_up_s": 0.5}) for c, p in base.channels.items()}
    return base.model_copy(
        update={"offer": OfferPolicy(timeout_s=2.0, max_no_answers=0), "channels": channels}
    )


def agents(n: int) -> list[AgentSpec]:
    return [
        AgentSpec(
            f"a{k}",
            skills={SKILLS[k % 2]: 4, SKILLS[(k + 1) % 2]: 2},
            languages=("en",) if k % 3 else ("en", "fr"),
            seniority=k % 3,
            channels={"voice": 1, "chat": 2},
        )
        for k in range(n)
    ]


def contact(name: str, rng: random.Random) -> ContactSpec:
    tier = rng.choice(("standard", "premium", "elite"))
    return ContactSpec(
        name,
        rng.choice(("voice", "chat")),
        tier,
        value=rng.random(),
        skills={rng.choice(SKILLS): rng.randint(1, 3)},
        language=rng.choice(("en", "en", "fr")),
        concierge="a0" if tier == "elite" else None,
    )


def replay(applied: list[Applied], router: Router) -> None:
    """Feed the driver's events to a bare router in the same order: same offers."""
    for a in applied:
        offers = getattr(router, a.op)(*a.args, now=a.now, **a.kwargs)
        assert offers == a.offers, a


class Host:
    """A simulated platform: agents answer most offers, ignore some, finish calls."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.driver: RouterDriver | None = None
        self.delivered: list[Offer] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.refused = 0

    async def on_offers(self, offers: list[Offer]) -> None:
        self.delivered.extend(offers)
        for offer in offers:
            task = asyncio.create_task(self.answer(offer, self.rng.random(), self.rng.random()))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def answer(self, offer: Offer, u: float, v: float) -> None:
        assert self.driver is not None
        try:
            if u < 0.6:
                await asyncio.sleep(0.01 + 0.04 * v)
                await self.driver.accept(offer.offer_id)
                await asyncio.sleep(0.02 + 0.1 * v)
                await self.driver.complete(offer.offer_id)
            elif u < 0.75:
                await asyncio.sleep(0.02 * v)
                await self.driver.reject(offer.offer_id)
            # else: nobody answers; the offer expires at its deadline
        except TierRouteError:  # expired, abandoned or transferred meanwhile, or stopped
            self.refused += 1

    async def settle(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks))


# ---------------------------------------------------------------------- concurrency


def test_concurrent_producers_match_a_bare_router_replay() -> None:
    applied: list[Applied] = []
    host = Host(seed=1)
    results: dict[str, list[Offer]] = {}

    async def producer(k: int, driver: RouterDriver) -> None:
        rng = random.Random(100 + k)
        for n in range(12):
            await asyncio.sleep(rng.uniform(0.0, 0.05))
            spec = contact(f"p{k}-{n}", rng)
            results[spec.contact_id] = await driver.submit(spec)
            if rng.random() < 0.1:
                with contextlib.suppress(TierRouteError):  # in service already
                    await driver.abandon(spec.contact_id)

    async def main() -> dict[str, Any]:
        driver = RouterDriver(
            Router(fast_policy()), on_offers=host.on_offers, rate=RATE, on_applied=applied.append
        )
        host.driver = driver
        async with driver:
            for spec in agents(6):
                await driver.add_agent(spec, presence="ready")
            await asyncio.gather(*(producer(k, driver) for k in range(8)))
            await host.settle()
            await asyncio.sleep(0.2)  # let the last deadlines fire
            await host.settle()
        return driver.router.snapshot()

    final = asyncio.run(main())
    bare = Router(fast_policy())
    replay(applied, bare)
    bare._check()
    assert bare.snapshot() == final
    # Callers got the offers of their own events; on_offers got every offer, in order.
    submits = {a.args[0].contact_id: a.offers for a in applied if a.op == "submit"}
    assert submits == results
    assert host.delivered == [o for a in applied for o in a.offers]
    # Deadlines fired while events arrived: expiries re-offered contacts.
    timed = [a for a in applied if a.op == "advance"]
    assert any(a.offers for a in timed)
    assert all(a.now >= b.now for a, b in zip(applied[1:], applied, strict=False))
    assert final["counts"]["submitted"] == 96


def test_deadlines_fire_without_events_and_without_polling() -> None:
    seen: list[Offer] = []
    got_second = asyncio.Event()
    applied: list[Applied] = []

    async def on_offers(offers: list[Offer]) -> None:
        seen.extend(offers)
        if len(seen) >= 2:
            got_second.set()

    async def main() -> None:
        slow_wrap = {
            c: p.model_copy(update={"wrap_up_s": 120.0}) for c, p in Policy().channels.items()
        }
        router = Router(Policy(offer=OfferPolicy(timeout_s=2.0), channels=slow_wrap))
        async with RouterDriver(
            router, on_offers=on_offers, rate=RATE, on_applied=applied.append
        ) as driver:
            await driver.add_agent(AgentSpec("a"), presence="ready")
            await driver.add_agent(AgentSpec("b"), presence="not_ready")
            [first] = await driver.submit(ContactSpec("c1", "voice", "standard"))
            await driver.set_agent_state("b", "ready")  # busy a: nothing for b yet
            await asyncio.wait_for(got_second.wait(), timeout=5.0)
            second = seen[1]
            assert (second.contact_id, second.agent_id) == ("c1", "b")
            assert second.offered_at == first.expires_at  # the timer fired at its time
            await driver.accept(second.offer_id)
            await driver.complete(second.offer_id)
            await asyncio.sleep(0.1)  # wrap-up (120 s of router time) is still running
            assert driver.router.next_deadline() is not None
            # Idle with a far deadline: the driver sleeps, it does not poll.
            before = driver.applied
            await asyncio.sleep(0.3)
            assert driver.applied == before

    asyncio.run(main())
    assert [a.op for a in applied].count("advance") == 1


# ---------------------------------------------------------------------- cancellation


def test_a_producer_cancelled_before_its_event_is_applied_withdraws_it() -> None:
    applied: list[Applied] = []

    async def main() -> None:
        async with RouterDriver(Router(), on_applied=applied.append) as driver:
            await driver.add_agent(AgentSpec("a"), presence="ready")
            task = asyncio.create_task(driver.submit(ContactSpec("c1", "voice", "standard")))
            await asyncio.sleep(0)  # the producer queued its event; the driver has not run
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await driver.advance()  # a barrier: applied after the withdrawn event
            with pytest.raises(UnknownContact):
                driver.router.contact_status("c1")
            assert driver.router.stats()["submitted"] == 0

    asyncio.run(main())
    assert [a.op for a in applied] == ["add_agent", "advance"]


def test_a_producer_cancelled_after_its_event_was_applied_leaves_it_standing() -> None:
    delivered: list[Offer] = []
    tasks: list[asyncio.Task[list[Offer]]] = []

    def cancel_the_submitter(a: Applied) -> None:
        if a.op == "submit":
            tasks[0].cancel()  # applied, result set, the producer not resumed yet

    async def on_offers(offers: list[Offer]) -> None:
        delivered.extend(offers)

    async def main() -> None:
        async with RouterDriver(
            Router(), on_offers=on_offers, on_applied=cancel_the_submitter
        ) as driver:
            await driver.add_agent(AgentSpec("a"), presence="ready")
            tasks.append(asyncio.create_task(driver.submit(ContactSpec("c1", "voice", "standard"))))
            with pytest.raises(asyncio.CancelledError):
                await tasks[0]
            await driver.advance()
            assert driver.router.contact_status("c1").state.value == "offered"

    asyncio.run(main())
    assert [o.contact_id for o in delivered] == ["c1"]


# ---------------------------------------------------------------------- shutdown


def test_shutdown_mid_stream_drains_and_checkpoints(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    returned: list[str] = []
    refused: list[str] = []
    applied: list[Applied] = []
    host = Host(seed=2)

    async def producer(k: int, driver: RouterDriver) -> None:
        rng = random.Random(k)
        n = 0
        while True:
            spec = contact(f"s{k}-{n}", rng)
            n += 1
            try:
                await driver.submit(spec)
            except RoutingStateError:
                refused.append(spec.contact_id)
                return
            returned.append(spec.contact_id)
            await asyncio.sleep(rng.uniform(0.0, 0.01))

    async def main() -> dict[str, Any]:
        jr = JournaledRouter.open(folder, init=Router(fast_policy()), sync="group", group_ms=5)
        driver = RouterDriver(jr, on_offers=host.on_offers, rate=RATE, on_applied=applied.append)
        host.driver = driver
        await driver.start()
        for spec in agents(5):
            await driver.add_agent(spec, presence="ready")
        producers = [asyncio.create_task(producer(k, driver)) for k in range(6)]
        await asyncio.sleep(0.3)
        final = await driver.stop()  # while producers are mid-stream
        await asyncio.wait_for(asyncio.gather(*producers), timeout=5.0)
        await asyncio.wait_for(host.settle(), timeout=5.0)
        assert not driver.running
        assert jr.generation == 2  # stop() checkpointed
        with pytest.raises(RoutingStateError, match="stopped"):
            await driver.submit(ContactSpec("late", "voice", "standard"))
        jr.close()
        return final

    final = asyncio.run(main())
    assert len(refused) == 6  # every producer was turned away once, and only then
    submitted = {a.args[0].contact_id for a in applied if a.op == "submit"}
    assert submitted == set(returned)  # queued events were applied, refused ones not
    assert final["counts"]["submitted"] == len(returned)
    got = recover(folder)
    got._check()
    assert got.snapshot() == final
    bare = Router(fast_policy())
    replay(applied, bare)
    assert bare.snapshot() == final


def test_stop_without_checkpoint_leaves_a_recoverable_journal(tmp_path: Path) -> None:
    async def main() -> dict[str, Any]:
        jr = JournaledRouter.open(tmp_path / "j", init=Router(), sync="os")
        async with RouterDriver(jr) as driver:
            await driver.add_agent(AgentSpec("a"), presence="ready")
            await driver.submit(ContactSpec("c1", "voice", "standard"))
            final = await driver.stop(checkpoint=False)
            assert await driver.stop() == final  # idempotent
        assert jr.generation == 1
        jr.close()
        return final

    final = asyncio.run(main())
    assert recover(tmp_path / "j").snapshot() == final


def test_a_bare_router_snapshot_is_written_on_stop(tmp_path: Path) -> None:
    path = tmp_path / "router.json"

    async def main() -> dict[str, Any]:
        async with RouterDriver(Router(), snapshot_path=path) as driver:
            await driver.add_agent(AgentSpec("a"), presence="ready")
            await driver.submit(ContactSpec("c1", "voice", "standard"))
        return driver.router.snapshot()

    final = asyncio.run(main())
    assert load_snapshot(path).snapshot() == final


def test_group_sync_happens_while_idle(tmp_path: Path) -> None:
    async def main() -> None:
        jr = JournaledRouter.open(tmp_path / "j", init=Router(), sync="group", group_ms=20)
        async with RouterDriver(jr) as driver:
            await driver.add_agent(AgentSpec("a"), presence="ready")
            await driver.add_agent(AgentSpec("b"), presence="ready")
            assert jr.next_sync_in() is not None  # the second record waits for a sync
            await asyncio.sleep(0.1)
            assert jr.next_sync_in() is None  # the driver woke up and synced it
        jr.close()

    asyncio.run(main())


# ---------------------------------------------------------------------- errors


def test_router_errors_go_to_the_caller_and_the_driver_goes_on() -> None:
    async def main() -> None:
        async with RouterDriver(Router()) as driver:
            await driver.add_agent(AgentSpec("a"), presence="ready")
            with pytest.raises(DuplicateId):
                await driver.add_agent(AgentSpec("a"))
            with pytest.raises(InvalidArgument, match="tier"):
                await driver.submit(ContactSpec("c1", "voice", "nope"))
            [offer] = await driver.submit(ContactSpec("c1", "voice", "standard"))
            await driver.transfer("c1", language="en")
            assert driver.running
            assert offer.agent_id == "a"

    asyncio.run(main())


def test_a_bad_argument_fails_its_call_only() -> None:
    async def main() -> None:
        async with RouterDriver(Router()) as driver:
            for call in (
                lambda: driver.add_agent(AgentSpec("a", languages=None)),  # type: ignore[arg-type]
                lambda: driver.add_agent(AgentSpec(["a"])),  # type: ignore[arg-type]
                lambda: driver.add_agent(AgentSpec("a", attributes=[1, 2])),  # type: ignore[arg-type]
                lambda: driver.submit(ContactSpec("\ud800", "voice", "standard")),
                lambda: driver.submit(ContactSpec("c", "voice", "standard", arrived_at=10**400)),
                lambda: driver.apply("advance"),  # type: ignore[arg-type]
            ):
                with pytest.raises(InvalidArgument):
                    await call()
                assert driver.running
            await driver.add_agent(AgentSpec("a"), presence="ready")
            [offer] = await driver.submit(ContactSpec("c1", "voice", "standard"))
            assert offer.agent_id == "a"

    asyncio.run(main())


def test_a_router_bug_stops_the_driver() -> None:
    reported: list[dict[str, Any]] = []

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: reported.append(ctx))
        router = Router()
        driver = RouterDriver(router)
        await driver.start()
        await driver.add_agent(AgentSpec("a"), presence="ready")

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("an invariant does not hold")

        router._submit_trusted = broken  # type: ignore[method-assign]
        with pytest.raises(AssertionError):
            await driver.submit(ContactSpec("c1", "voice", "standard"))
        with pytest.raises(RoutingStateError, match="stopped after an error"):
            await driver.submit(ContactSpec("c2", "voice", "standard"))
        assert not driver.running
        with pytest.raises(RoutingStateError) as info:
            await driver.stop()
        assert isinstance(info.value.__cause__, AssertionError)

    asyncio.run(main())
    assert [type(r["exception"]) for r in reported] == [AssertionError]


def test_on_offers_errors_are_reported_not_fatal() -> None:
    reported: list[dict[str, Any]] = []

    async def on_offers(offers: list[Offer]) -> None:
        raise ValueError("host bug")

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: reported.append(ctx))
        async with RouterDriver(Router(), on_offers=on_offers) as driver:
            await driver.add_agent(AgentSpec("a"), presence="ready")
            await driver.submit(ContactSpec("c1", "voice", "standard"))
            await asyncio.sleep(0.01)
            await driver.submit(ContactSpec("c2", "voice", "standard"))
            assert driver.running

    asyncio.run(main())
    assert [str(r["exception"]) for r in reported] == ["host bug"]


def test_calls_outside_a_running_driver_are_refused() -> None:
    async def main() -> None:
        driver = RouterDriver(Router())
        with pytest.raises(RoutingStateError, match="not started"):
            await driver.submit(ContactSpec("c1", "voice", "standard"))
        with pytest.raises(RoutingStateError, match="not started"):
            await driver.stop()
        await driver.start()
        with pytest.raises(RoutingStateError, match="already"):
            await driver.start()
        await driver.stop()
        with pytest.raises(RoutingStateError, match="stopped"):
            await driver.advance()

    asyncio.run(main())
    with pytest.raises(InvalidArgument, match="rate"):
        RouterDriver(Router(), rate=0)
    with pytest.raises(InvalidArgument, match="router"):
        RouterDriver(object())  # type: ignore[arg-type]


def test_an_injected_clock_stamps_events() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        router = Router(start=1000.0)

        def clock() -> float:
            return 1000.0 + (loop.time() - t0) * RATE

        async with RouterDriver(router, clock=clock, rate=RATE) as driver:
            await driver.add_agent(AgentSpec("a"), presence="ready")
            await asyncio.sleep(0.05)
            [offer] = await driver.submit(ContactSpec("c1", "voice", "standard"))
            assert 1000.0 + 0.05 * RATE <= offer.offered_at < 1000.0 + 5 * RATE

    asyncio.run(main())


def test_a_journal_failure_stops_the_driver(tmp_path: Path) -> None:
    reported: list[dict[str, Any]] = []

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: reported.append(ctx))
        jr = JournaledRouter.open(tmp_path / "j", init=Router(), sync="os")
        driver = RouterDriver(jr)
        await driver.start()
        await driver.add_agent(AgentSpec("a"), presence="ready")
        os.close(jr._fd)  # fault injection: the journal's file goes bad
        with pytest.raises(JournalError, match="write failed"):
            await driver.submit(ContactSpec("c1", "voice", "standard"))
        with pytest.raises(RoutingStateError, match="stopped after an error"):
            await driver.submit(ContactSpec("c2", "voice", "standard"))
        assert not driver.running
        with pytest.raises(RoutingStateError) as info:
            await driver.stop()
        assert isinstance(info.value.__cause__, JournalError)
        jr._fd = os.open(os.devnull, os.O_RDONLY)
        jr.close()

    asyncio.run(main())
    assert [type(r["exception"]) for r in reported] == [JournalError]
    assert recover(tmp_path / "j").stats()["submitted"] == 0


def test_a_clock_behind_the_router_is_clamped_to_its_time() -> None:
    async def main() -> None:
        async with RouterDriver(Router(start=500.0), clock=lambda: 0.0) as driver:
            await driver.add_agent(AgentSpec("a"), presence="ready")
            [offer] = await driver.submit(ContactSpec("c1", "voice", "standard"))
            assert offer.offered_at == 500.0
            assert driver.current_time() == 500.0

    asyncio.run(main())
