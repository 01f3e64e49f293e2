"""The simulator's door to the router: :class:`RouterPort`."""

from __future__ import annotations

from collections.abc import Callable

from tierroute.policy.model import Policy
from tierroute.promises.model import PromisePolicy
from tierroute.promises.tracker import PromiseTracker
from tierroute.routing.router import Router

__all__ = ["RouterPort"]


class RouterPort:
    """The only door between the engine and :class:`~tierroute.Router`.

    Each attribute is a plain callable the engine binds once, so a faster router
    entry point can be swapped in here without touching the loop. The ``*_trusted``
    ones skip the checks of the public methods they mirror and make the same state
    changes and decisions; they take positional arguments the engine guarantees
    valid: ``now`` a float never before the router's time, and ids that are still
    valid once the router's timers due by ``now`` fired (they are on the engine's
    heap, which fires them first, through ``fire_timer``).
    """

    __slots__ = (
        "abandon_trusted",
        "accept_callback",
        "add_agent",
        "complete_trusted",
        "fire_timer",
        "router",
        "set_state",
        "set_timer_host",
        "skills",
        "stats",
        "submit",
        "submit_trusted",
        "tier",
        "tracker",
    )

    def __init__(self, policy: Policy, promises: PromisePolicy | None = None) -> None:
        router = Router(policy, start=0.0)
        self.router = router
        # with promises, a tracker rides along; its events come back on Decisions
        self.tracker = None if promises is None else PromiseTracker(router, promises)
        self.accept_callback: Callable[..., None] | None = (
            None if self.tracker is None else self.tracker.accept_callback
        )
        self.add_agent = router.add_agent
        self.submit = router.submit
        # Arrivals come from a validated scenario: the router's trusted entry point
        # skips the per-call checks and makes the same decisions.
        self.submit_trusted = router._submit_trusted
        self.tier = router._tier_trusted
        self.skills = router._skills_trusted
        # Completions, abandonments and timers come from the engine's own event heap,
        # in time order, each for a live assignment or waiting contact.
        self.complete_trusted = router._complete_trusted
        self.abandon_trusted = router._abandon_trusted
        self.set_timer_host = router.set_timer_host
        self.fire_timer = router.fire_timer
        self.set_state = router.set_agent_state
        self.stats = router.stats
