"""Embedding tierroute in an asyncio service, with a journal and a restart.

A simulated telephony platform feeds events — agents logging in, calls and chats
arriving, agents answering (or not), finishing, customers hanging up — through a
:class:`~tierroute.hosting.driver.RouterDriver` at 100x real time. The router is
journaled (``sync="always"``). Halfway through, the routing service stops without
a checkpoint and restarts from its journal; the platform's calls wait for it and
carry on. No contact is lost: the counts are printed and asserted.

Run: ``python examples/embed_asyncio.py`` (about 7 s).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from tierroute import (
    AgentSpec,
    ContactSpec,
    Offer,
    RoutingStateError,
    TierRouteError,
    UnknownContact,
    prestige,
)
from tierroute.hosting.driver import RouterDriver
from tierroute.hosting.journal import JournaledRouter, recover
from tierroute.routing.router import Router

RATE = 100.0  # router seconds per real second
CONTACTS_PER_HALF = 30
SKILLS = ("billing", "technical", "wealth")


class Platform:
    """The telephony side: it owns calls and agents' phones, not the routing."""

    def __init__(self, journal: Path, seed: int = 7) -> None:
        self.journal = journal
        self.rng = random.Random(seed)
        self.driver: RouterDriver | None = None
        self.jr: JournaledRouter | None = None
        self.up = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        self.submitted: list[str] = []  # contacts whose submit returned
        self.explained = 0
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        # One time base for the platform and every incarnation of the router.
        self.clock = lambda: (loop.time() - t0) * RATE

    # -- the routing service --------------------------------------------------------

    async def start_routing(self) -> None:
        self.jr = JournaledRouter.open(
            self.journal, init=Router(prestige()), clock=self.clock, sync="always"
        )
        self.driver = RouterDriver(self.jr, on_offers=self.on_offers, clock=self.clock, rate=RATE)
        await self.driver.start()
        self.up.set()

    async def stop_routing(self, *, checkpoint: bool) -> dict[str, Any]:
        """Stop the routing service; returns the router's last snapshot."""
        assert self.driver is not None
        assert self.jr is not None
        self.up.clear()
        last = await self.driver.stop(checkpoint=checkpoint)
        self.jr.close()
        return last

    async def call(self, method: str, *args: object, **kwargs: object) -> list[Offer]:
        """Send an event to the router, waiting while the routing service is down."""
        while True:
            await self.up.wait()
            driver = self.driver
            assert driver is not None
            try:
                offers: list[Offer] = await getattr(driver, method)(*args, **kwargs)
                return offers
            except RoutingStateError:
                if driver.running:
                    raise  # the router refused the event
                # The service went down before the event was queued: send it again.

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # -- events ---------------------------------------------------------------------

    async def on_offers(self, offers: list[Offer]) -> None:
        assert self.driver is not None
        for offer in offers:
            print(
                f"t={offer.offered_at:6.1f}s  {offer.contact_id:>4} ({offer.tier:<8} "
                f"{offer.channel.value:<5}) -> {offer.agent_id} at step '{offer.step}'"
            )
            if self.explained < 2:
                self.explained += 1
                print(
                    "    "
                    + self.driver.router.explain(offer.offer_id).text().replace("\n", "\n    ")
                )
            self.spawn(self.ring(offer))

    async def ring(self, offer: Offer) -> None:
        """The agent's phone rings: answer most of the time, then finish the call."""
        if self.rng.random() < 0.15:
            return  # no answer: the offer expires and the contact is routed again
        await asyncio.sleep(self.rng.uniform(2.0, 8.0) / RATE)
        try:
            await self.call("accept", offer.offer_id)
        except TierRouteError:
            return  # the customer hung up, or the offer expired meanwhile
        await asyncio.sleep(self.rng.expovariate(1 / 60.0) / RATE)
        await self.call("complete", offer.offer_id)

    async def customer(self, contact: ContactSpec) -> None:
        """A customer arrives and hangs up if not answered within their patience."""
        await self.call("submit", contact)
        self.submitted.append(contact.contact_id)
        await asyncio.sleep(self.rng.uniform(60.0, 180.0) / RATE)
        await self.up.wait()
        assert self.driver is not None
        try:
            if self.driver.router.contact_status(contact.contact_id).state.value != "in_service":
                await self.call("abandon", contact.contact_id)
                print(f"        {contact.contact_id} hung up after waiting too long")
        except (UnknownContact, RoutingStateError):
            pass  # finished already, or got into service meanwhile

    async def arrivals(self, first: int, count: int) -> None:
        for n in range(first, first + count):
            await asyncio.sleep(self.rng.expovariate(1 / 5.0) / RATE)
            tier = self.rng.choices(("standard", "premium", "elite"), (6, 3, 1))[0]
            self.spawn(
                self.customer(
                    ContactSpec(
                        f"c{n}",
                        self.rng.choice(("voice", "voice", "chat", "email")),
                        tier,
                        value=self.rng.random(),
                        skills={self.rng.choice(SKILLS): self.rng.randint(1, 3)},
                        language="en",
                        concierge="agent-0" if tier == "elite" else None,
                    )
                )
            )


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        platform = Platform(Path(tmp) / "journal")
        await platform.start_routing()
        for k in range(6):
            spec = AgentSpec(
                f"agent-{k}",
                skills={SKILLS[k % 3]: 5, SKILLS[(k + 1) % 3]: 3},
                languages=("en",),
                seniority=("junior", "senior", "expert")[k % 3],
                channels={"voice": 1, "chat": 2, "email": 2},
            )
            await platform.call("add_agent", spec, presence="ready")

        await platform.arrivals(0, CONTACTS_PER_HALF)

        # Halfway: the routing service goes down without a checkpoint, as a crash
        # would leave it (tests/test_crash.py does it with SIGKILL), and restarts.
        last = await platform.stop_routing(checkpoint=False)
        print("\n--- routing service down; recovering from its journal ---")
        recovered = recover(platform.journal)
        stats = recovered.stats()
        print(
            f"--- recovered: submitted={stats['submitted']} waiting={stats['waiting']} "
            f"offered={stats['offered']} in_service={stats['in_service']} "
            f"finished={stats['finished']} abandoned={stats['abandoned']} "
            f"(the platform saw {len(platform.submitted)} submits return) ---"
        )
        assert recovered.snapshot() == last, "the recovered router differs"
        assert stats["submitted"] == len(platform.submitted), "a contact was lost"
        await platform.start_routing()
        assert platform.jr is not None
        print(
            f"--- routing service back up ({platform.jr.replayed} journal records replayed) ---\n"
        )

        await platform.arrivals(CONTACTS_PER_HALF, CONTACTS_PER_HALF)
        while platform.tasks:
            await asyncio.gather(*list(platform.tasks))
        await platform.stop_routing(checkpoint=True)

        s = recover(platform.journal).stats()  # from the checkpoint stop() wrote
        print(
            f"\nall {len(platform.submitted)} contacts accounted for: "
            f"finished={s['finished']} abandoned={s['abandoned']} "
            f"still live={s['waiting'] + s['offered'] + s['in_service']}"
        )
        assert s["submitted"] == len(platform.submitted) == 2 * CONTACTS_PER_HALF
        assert s["finished"] + s["abandoned"] == s["submitted"]


if __name__ == "__main__":
    asyncio.run(main())
