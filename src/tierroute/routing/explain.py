"""Explanations of routing decisions.

The router stores only numbers when it decides (a tuple on the offer); this module
turns them into an :class:`Explanation` — data a program can read and text a person
can — when somebody asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tierroute.models import Severity

if TYPE_CHECKING:
    from tierroute.routing._state import Compiled, Work

__all__ = ["Explanation", "PassedOver", "PriorityKey"]

_MOMENTS = {
    "contact_arrived": "the contact arrived and an eligible agent was available",
    "relaxed": "the contact moved to a new relaxation step and an agent fitted at once",
    "returned": "an earlier offer fell through and the contact was placed again",
    "transferred": "the contact was transferred with new requirements",
    "capacity_freed": "the agent freed capacity and took the best waiting contact it could serve",
    "agent_ready": "the agent became ready and took the best waiting contact it could serve",
    "agent_updated": "the agent's profile changed and it took the best contact it could serve",
    "exclusion_lapsed": "the cooldown after this agent declined or missed the contact ended "
    "and the agent was free",
}

_READMITTED = {
    "lapsed": "the agent had declined or missed this contact before; that cooldown has ended",
    "sole": "the agent had declined or missed this contact before; its cooldown gave way "
    "early because no other eligible agent was logged in to take the contact",
}


@dataclass(frozen=True, slots=True)
class PriorityKey:
    """How a contact's priority key (its due time) was built.

    ``key = arrived_at + target * severity_factor * (1 - value_boost * value)``
    """

    key: float
    arrived_at: float
    target: float
    severity: Severity
    severity_factor: float
    value: float
    value_boost: float
    tier: str

    @property
    def offset_s(self) -> float:
        """Seconds from arrival to the key (the contact's due time)."""
        return self.key - self.arrived_at


@dataclass(frozen=True, slots=True)
class PassedOver:
    """A candidate that ranked better but was not chosen, and why."""

    kind: str  # "agent" or "contact"
    id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a contact was offered to an agent.

    Attributes:
        offer_id: The offer explained.
        contact_id: The contact.
        agent_id: The agent.
        decided_at: Decision time.
        moment: What triggered the decision (``contact_arrived``, ``capacity_freed``, …).
        priority: The contact's key and its parts.
        step: Name of the relaxation step matched at, and its index.
        step_index: Index of that step in the tier's ladder.
        strategy: Agent-selection strategy used.
        agent_figures: The agent's figures at decision time (proficiency for the
            contact's skills, idle since, load, handled work, last offer number).
        runner_up: The next-best waiting contact the agent could have taken
            (id, key), when the agent chose.
        passed_over: Better-ranked candidates skipped, with the reason.
        readmitted: How the agent came to be offered a contact it had declined or
            let ring out before: ``"lapsed"`` (the policy's ``decline_cooldown_s``
            had passed) or ``"sole"`` (it gave way early: no other agent eligible
            for the contact was logged in); ``None`` if it had not.
    """

    offer_id: str
    contact_id: str
    agent_id: str
    decided_at: float
    moment: str
    priority: PriorityKey
    step: str
    step_index: int
    strategy: str
    agent_figures: dict[str, float]
    runner_up: tuple[str, float] | None
    passed_over: tuple[PassedOver, ...]
    readmitted: str | None = None

    def text(self) -> str:
        """A readable account of the decision."""
        p = self.priority
        f = self.agent_figures
        lines = [
            f"offer {self.offer_id}: contact {self.contact_id} -> agent {self.agent_id} "
            f"at t={self.decided_at:g}s",
            f"  when: {_MOMENTS.get(self.moment, self.moment)}",
            f"  why this contact: smallest priority key it could serve, {p.key:g} = arrived "
            f"{p.arrived_at:g} + target {p.target:g}s ({p.tier}) x severity P{int(p.severity)} "
            f"factor {p.severity_factor:g} x (1 - value boost {p.value_boost:g} x value "
            f"{p.value:g}); due {p.offset_s:g}s after arrival",
            f"  matched at step {self.step_index} '{self.step}'",
            f"  why this agent: strategy {self.strategy}; proficiency {f['proficiency']:g}, "
            f"idle since {f['idle_since']:g}s, load {f['load']:g}, handled {f['handled']:g}",
        ]
        if self.runner_up is not None:
            rid, rkey = self.runner_up
            lines.append(f"  runner-up contact: {rid} (key {rkey:g})")
        lines.extend(f"  passed over {po.kind} {po.id}: {po.reason}" for po in self.passed_over)
        if self.readmitted is not None:
            lines.append(f"  again: {_READMITTED.get(self.readmitted, self.readmitted)}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def build_explanation(compiled: Compiled, w: Work) -> Explanation:
    """Build the explanation of offer ``w`` from the numbers stored on it."""
    from tierroute.routing._state import STRATEGIES

    moment, strategy, step_index, prof, idle, load, handled, last, passed, rival, again = w.why
    c = w.contact
    tier = c.tier
    priority = PriorityKey(
        key=c.key,
        arrived_at=c.arrived_at,
        target=tier.targets[c.ch],
        severity=Severity(c.sev),
        severity_factor=compiled.sev_factor[c.sev],
        value=c.value,
        value_boost=tier.value_boost,
        tier=tier.name,
    )
    if moment in ("capacity_freed", "agent_ready", "agent_updated"):
        passed_over = tuple(
            PassedOver("contact", str(cid), "ranked ahead but this agent had declined it before")
            for cid in passed
        )
    else:
        passed_over = tuple(
            PassedOver(
                "agent", str(aid), "ranked ahead but had declined or missed this contact before"
            )
            for aid in passed
        )
    runner: tuple[str, float] | None = None
    if rival is not None:
        runner = (str(rival[0]), float(rival[1]))
    figures: dict[str, Any] = {
        "proficiency": float(prof),
        "idle_since": float(idle),
        "load": float(load),
        "handled": float(handled),
        "last_offer": float(last),
    }
    return Explanation(
        offer_id=w.id,
        contact_id=c.id,
        agent_id=w.agent.id,
        decided_at=w.offered_at,
        moment=moment,
        priority=priority,
        step=tier.steps[step_index].name,
        step_index=int(step_index),
        strategy=STRATEGIES[strategy].value,
        agent_figures=figures,
        runner_up=runner,
        passed_over=passed_over,
        readmitted=None if again is None else str(again),
    )
