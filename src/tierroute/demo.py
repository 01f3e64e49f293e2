"""A realistic mixed workload routed on a manual clock, printed with explanations.

Used by ``tierroute demo`` and ``examples/embed.py`` to show what an embedding
platform sees: it feeds events (agents log in, contacts arrive, agents accept and
finish), and acts on the offers the router returns.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tierroute.errors import RoutingStateError, UnknownOffer
from tierroute.models import AgentSpec, ContactSpec, Offer
from tierroute.policy.presets import prestige
from tierroute.routing.router import Router

__all__ = ["run_demo"]

_SKILLS = ("billing", "technical", "logistics", "wealth")
_LANGS = ("en", "fr", "de")


def run_demo(
    *, seed: int = 7, contacts: int = 40, show: int = 6, echo: Callable[[str], None] = print
) -> Router:
    """Route ``contacts`` contacts of three tiers over voice, chat and email.

    Args:
        seed: Seed of the workload's ``numpy.random.Generator``.
        contacts: Number of contacts to submit.
        show: How many decisions to print with their full explanation.
        echo: Where lines go.

    Returns:
        The router, after the workload, for inspection.

    >>> r = run_demo(contacts=20, show=0, echo=lambda line: None)
    >>> s = r.stats()
    >>> s["submitted"] == s["waiting"] + s["offered"] + s["in_service"] + s["finished"]
    True
    """
    rng = np.random.default_rng(seed)
    router = Router(prestige(), start=0.0)
    now = 0.0
    for i in range(8):
        spec = AgentSpec(
            f"agent-{i}",
            skills={s: int(rng.integers(2, 6)) for s in rng.choice(_SKILLS, 2, replace=False)},
            languages=tuple(str(x) for x in rng.choice(_LANGS, 2, replace=False)),
            seniority=int(i % 3),
            channels={"voice": 1, "chat": 2, "email": 3},
        )
        router.add_agent(spec, presence="ready", now=now)
    pending: list[tuple[float, str, str]] = []  # (time, action, offer id)
    shown = 0

    def handle(offers: list[Offer]) -> None:
        nonlocal shown
        for offer in offers:
            echo(
                f"t={offer.offered_at:7.1f}s  {offer.contact_id:>4} ({offer.tier:<8} "
                f"{offer.channel.value:<5}) -> {offer.agent_id} at step '{offer.step}'"
            )
            if shown < show:
                echo(router.explain(offer.offer_id).text())
                shown += 1
            answer = now + float(rng.uniform(2.0, 8.0))
            pending.append((answer, "accept", offer.offer_id))

    for n in range(contacts):
        now += float(rng.exponential(20.0))
        pending.sort()
        while pending and pending[0][0] <= now:
            t, action, oid = pending.pop(0)
            handle(router.advance(t))
            try:
                if action == "accept":
                    handle(router.accept(oid, now=t))
                    pending.append((t + float(rng.exponential(180.0)), "complete", oid))
                else:
                    handle(router.complete(oid, now=t))
            except (UnknownOffer, RoutingStateError) as exc:  # it expired meanwhile
                echo(f"t={t:7.1f}s  {action} {oid} refused: {exc}")
            pending.sort()
        tier = str(rng.choice(("standard", "premium", "elite"), p=(0.6, 0.3, 0.1)))
        contact = ContactSpec(
            f"c{n}",
            str(rng.choice(("voice", "chat", "email"), p=(0.5, 0.3, 0.2))),
            tier,
            value=float(rng.beta(2, 5) if tier == "standard" else rng.beta(5, 2)),
            severity=int(rng.choice((1, 2, 3, 4), p=(0.05, 0.15, 0.6, 0.2))),
            skills={str(rng.choice(_SKILLS)): int(rng.integers(1, 4))},
            language=str(rng.choice(_LANGS)),
            concierge="agent-0" if tier == "elite" else None,
        )
        handle(router.submit(contact, now=now))
    stats = router.stats()
    echo(
        f"after {contacts} contacts at t={now:.0f}s: "
        + ", ".join(f"{k}={v}" for k, v in stats.items())
    )
    return router
