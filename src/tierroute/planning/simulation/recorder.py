"""What one replication records, and the arrays it hands the metrics.

:class:`ContactLog` keeps the per-contact facts (arrival, answer, departure,
outcome) as a run goes; :class:`PromiseLog` keeps the promise, escalation and
callback events of a tracked run. At the end each turns its lists into numpy
columns on the scenario's clock: :class:`ReplicationData` and :class:`PromiseData`,
what :mod:`~tierroute.planning.simulation.metrics` aggregates.

Hot path: a contact's fixed facts are appended when it arrives; its answer and its
departure are appended when they happen and scattered into their columns at the
end, so nothing is written twice and a contact that is never answered costs no
answer entries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from tierroute.planning.simulation.plan import PROMISE_KINDS, PROMISE_OUTCOMES, Plan
from tierroute.promises.model import CallbackOffer, EscalationEvent, PromiseEvent
from tierroute.promises.tracker import PromiseTracker

__all__ = [
    "ABANDONED",
    "ANSWERED",
    "WAITING",
    "ContactLog",
    "PromiseData",
    "PromiseLog",
    "ReplicationData",
    "Segments",
]

# Contact outcomes
WAITING: Final = 0
ANSWERED: Final = 1
ABANDONED: Final = 2

Segments = tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]
"""Presence segments ``(group, start, end)`` as three arrays."""

_NAN: Final = float("nan")
_KIND_CODE: Final = {k: i for i, k in enumerate(PROMISE_KINDS)}
_OUTCOME_CODE: Final = {k: i for i, k in enumerate(PROMISE_OUTCOMES)}


@dataclass
class PromiseData:
    """The promise events of one replication, as columns (clock times).

    Attributes:
        promises: One row per promise: ``contact``, ``kind`` (code into
            :data:`~tierroute.planning.simulation.plan.PROMISE_KINDS`), ``outcome`` (code into
            :data:`~tierroute.planning.simulation.plan.PROMISE_OUTCOMES`; ``open`` when the
            run stopped before it was decided), ``due``, ``at`` (NaN when open).
        escalations: One row per escalation event: ``contact``, ``step`` (code into
            :attr:`steps`), ``at`` (the due time of a post-incident report).
        steps: Step names of the escalation codes.
        offers: One row per VIP-callback offer: ``contact``, ``at``, ``expected``
            (the estimated wait that triggered it, NaN when the actual wait did),
            ``accepted`` (bool).
        account: Account number of each contact within its tier (-1: its own).
    """

    promises: dict[str, NDArray[Any]]
    escalations: dict[str, NDArray[Any]]
    steps: tuple[str, ...]
    offers: dict[str, NDArray[Any]]
    account: NDArray[np.int64]


@dataclass
class ReplicationData:
    """What one replication produced: per-contact columns and agent presence.

    Times are clock times (seconds since midnight of the scenario's day). Codes
    index the :class:`~tierroute.planning.simulation.plan.Meta` tables.

    Attributes:
        index: Replication number.
        busyness: The day's busyness factor.
        end: When the day ended (the last contact left, or the stop time).
        columns: ``stream, tier, channel, severity, language, step, group, agent,
            outcome`` (ints), ``arrived, answered, left, handle`` (floats, NaN when
            not reached), ``backlog`` (bool).
        login: Presence segments ``(group, start, end)`` as three arrays.
        breaks: Break segments taken while logged in, same form.
        agent_ids: Agent id by agent code.
        stats: The router's final :meth:`~tierroute.Router.stats`.
        events: Engine events processed.
        elapsed: Wall time in seconds (not part of the results).
        promises: The promise events, when promises are tracked.
    """

    index: int
    busyness: float
    end: float
    columns: dict[str, NDArray[Any]]
    login: Segments
    breaks: Segments
    agent_ids: tuple[str, ...]
    stats: dict[str, int] = field(default_factory=dict)
    events: int = 0
    elapsed: float = 0.0
    promises: PromiseData | None = None


def segments(segs: list[tuple[int, float, float]], shift: float) -> Segments:
    """Presence segments as arrays, their times moved by ``shift``."""
    arr = np.asarray(segs, dtype=float).reshape(-1, 3)
    return arr[:, 0].astype(np.int64), arr[:, 1] + shift, arr[:, 2] + shift


class ContactLog:
    """Per-contact records of one run, indexed by contact number.

    A contact's number is its position in the arrival columns (the engine submits
    it to the router as ``str(number)``). Every column is a list of numbers or
    strings, never of tuples: rows kept as tuples would be containers the garbage
    collector has to track, and it would walk them as the day goes on. The engine
    reads :attr:`outcome` and :attr:`stream` on the hot path; the rest only
    :meth:`columns` reads.
    """

    __slots__ = (
        "answer_agent",
        "answer_at",
        "answer_ci",
        "answer_step",
        "arrived",
        "exit_at",
        "exit_ci",
        "handle",
        "lang",
        "outcome",
        "sev",
        "stream",
        "tier",
    )

    def __init__(self) -> None:
        # one entry per contact, appended when it arrives
        self.stream: list[int] = []
        self.tier: list[int] = []
        self.sev: list[int] = []
        self.lang: list[str | None] = []
        self.arrived: list[float] = []
        self.handle: list[float] = []
        self.outcome: list[int] = []  # WAITING, ANSWERED or ABANDONED
        # one entry per answer: contact, time, agent code, relaxation step
        self.answer_ci: list[int] = []
        self.answer_at: list[float] = []
        self.answer_agent: list[int] = []
        self.answer_step: list[str] = []
        # one entry per contact that left (completed or abandoned): contact, time
        self.exit_ci: list[int] = []
        self.exit_at: list[float] = []

    def __len__(self) -> int:
        return len(self.outcome)

    def in_system(self) -> int:
        """Contacts that arrived and have not left (waiting or in service)."""
        return len(self.outcome) - len(self.exit_ci)

    def arrive(
        self, stream: int, tier: int, sev: int, lang: str | None, at: float, handle: float
    ) -> int:
        """Record a contact that arrives (waiting); returns its number."""
        outcome = self.outcome
        ci = len(outcome)
        outcome.append(WAITING)
        self.stream.append(stream)
        self.tier.append(tier)
        self.sev.append(sev)
        self.lang.append(lang)
        self.arrived.append(at)
        self.handle.append(handle)
        return ci

    def answer(self, ci: int, at: float, agent: int, step: str) -> float:
        """Record that contact ``ci`` was answered by ``agent`` at relaxation ``step``;
        returns its handle time (the service that starts)."""
        self.outcome[ci] = ANSWERED
        self.answer_ci.append(ci)
        self.answer_at.append(at)
        self.answer_agent.append(agent)
        self.answer_step.append(step)
        return self.handle[ci]

    def leave(self, ci: int, at: float) -> None:
        """Record that answered contact ``ci`` left (its service completed)."""
        self.exit_ci.append(ci)
        self.exit_at.append(at)

    def abandon(self, ci: int, at: float) -> None:
        """Record that waiting contact ``ci`` hung up."""
        self.outcome[ci] = ABANDONED
        self.exit_ci.append(ci)
        self.exit_at.append(at)

    def columns(
        self,
        plan: Plan,
        n_backlog: int,
        agent_group: list[int],
    ) -> dict[str, NDArray[Any]]:
        """The records as numpy columns on the scenario's clock (see
        :attr:`ReplicationData.columns`); the first ``n_backlog`` contacts were
        waiting at the day's start.

        A contact is answered at most once and leaves at most once, so scattering
        the answer and exit rows into their columns sets each cell at most once.
        """
        meta = plan.meta
        shift = meta.start - plan.base
        n = len(self.outcome)
        lang_code = {lang: i for i, lang in enumerate(meta.languages)}
        step_code = {s: i for i, s in enumerate(meta.steps)}
        answered = np.asarray(self.answer_ci, dtype=np.int64)
        agent = np.full(n, -1, dtype=np.int64)
        agent[answered] = self.answer_agent
        step = np.full(n, -1, dtype=np.int64)
        step[answered] = [step_code.get(x, -1) for x in self.answer_step]
        answered_at = np.full(n, _NAN)
        answered_at[answered] = self.answer_at
        left = np.full(n, _NAN)
        left[np.asarray(self.exit_ci, dtype=np.int64)] = self.exit_at
        stream = np.asarray(self.stream, dtype=np.int64)
        groups = np.asarray([*agent_group, -1], dtype=np.int64)
        channel_of = np.asarray(meta.stream_channel, dtype=np.int64)
        backlog = np.zeros(n, dtype=bool)
        backlog[:n_backlog] = True
        return {
            "stream": stream,
            "tier": np.asarray(self.tier, dtype=np.int64),
            "channel": channel_of[stream] if n else np.zeros(0, dtype=np.int64),
            "severity": np.asarray(self.sev, dtype=np.int64),
            "language": np.asarray(
                [-1 if x is None else lang_code[x] for x in self.lang], dtype=np.int64
            ),
            "step": step,
            "group": groups[agent] if n else np.zeros(0, dtype=np.int64),
            "agent": agent,
            "outcome": np.asarray(self.outcome, dtype=np.int64),
            "arrived": np.asarray(self.arrived, dtype=float) + shift,
            "answered": answered_at + shift,
            "left": left + shift,
            "handle": np.asarray(self.handle, dtype=float),
            "backlog": backlog,
        }


class PromiseLog:
    """The promise events of a tracked run, as columns of numbers (engine times).

    Args:
        decide: Whether the customer takes a VIP-callback offer, ``decide(contact,
            offer)``; the engine's (it draws the customer's answer and tells the
            tracker).
    """

    __slots__ = (
        "decide",
        "escalation_at",
        "escalation_ci",
        "escalation_step",
        "offer_accepted",
        "offer_at",
        "offer_ci",
        "offer_expected",
        "promise_at",
        "promise_ci",
        "promise_due",
        "promise_kind",
        "promise_outcome",
        "steps",
    )

    def __init__(self, decide: Callable[[int, CallbackOffer], bool]) -> None:
        self.decide = decide
        self.promise_ci: list[int] = []
        self.promise_kind: list[int] = []
        self.promise_outcome: list[int] = []
        self.promise_due: list[float] = []
        self.promise_at: list[float] = []
        self.escalation_ci: list[int] = []
        self.escalation_step: list[int] = []
        self.escalation_at: list[float] = []
        self.steps: dict[str, int] = {}  # escalation step -> code, in order first seen
        self.offer_ci: list[int] = []
        self.offer_at: list[float] = []
        self.offer_expected: list[float] = []  # NaN when the actual wait triggered it
        self.offer_accepted: list[bool] = []

    def note(self, events: Sequence[Any]) -> None:
        """Record a router call's events (``Decisions.events``), in order; a callback
        offer is recorded with whether :attr:`decide` says the customer took it."""
        for e in events:
            cls = type(e)
            if cls is PromiseEvent:
                self._promise(int(e.contact_id), e.promise, e.outcome, e.due, e.at)
            elif cls is EscalationEvent:
                self._escalation(e)
            elif cls is CallbackOffer:
                self._offer(e)

    def _promise(self, ci: int, kind: str, outcome: str, due: float, at: float) -> None:
        self.promise_ci.append(ci)
        self.promise_kind.append(_KIND_CODE[kind])
        self.promise_outcome.append(_OUTCOME_CODE[outcome])
        self.promise_due.append(due)
        self.promise_at.append(at)

    def _escalation(self, e: EscalationEvent) -> None:
        steps = self.steps
        code = steps.get(e.step)
        if code is None:
            code = steps[e.step] = len(steps)
        self.escalation_ci.append(int(e.contact_id))
        self.escalation_step.append(code)
        self.escalation_at.append(e.at)

    def _offer(self, e: CallbackOffer) -> None:
        ci = int(e.contact_id)
        accepted = self.decide(ci, e)
        self.offer_ci.append(ci)
        self.offer_at.append(e.at)
        self.offer_expected.append(_NAN if e.expected_wait is None else e.expected_wait)
        self.offer_accepted.append(accepted)

    def close(self, tracker: PromiseTracker) -> None:
        """Record the promises still undecided when the run stopped (drain off or
        capped) as ``open``."""
        for cid, promises in tracker._open.items():
            for p in promises:
                if not p.done:
                    self._promise(int(cid), p.kind, "open", p.due, _NAN)

    def data(self, plan: Plan, tiers: NDArray[np.int64], rng: np.random.Generator) -> PromiseData:
        """The promise columns on the scenario's clock, with each contact's account
        (drawn from ``rng`` by contact tier ``tiers``)."""
        shift = plan.meta.start - plan.base
        meta = plan.meta.promises
        assert meta is not None
        n_accounts = np.asarray(meta.accounts, dtype=np.int64)[tiers]
        drawn = np.floor(rng.random(len(tiers)) * n_accounts).astype(np.int64)
        account = np.where(n_accounts > 0, drawn, -1)

        def ints(x: list[int]) -> NDArray[np.int64]:
            return np.asarray(x, dtype=np.int64)

        def times(x: list[float]) -> NDArray[np.float64]:
            return np.asarray(x, dtype=float) + shift

        return PromiseData(
            promises={
                "contact": ints(self.promise_ci),
                "kind": ints(self.promise_kind),
                "outcome": ints(self.promise_outcome),
                "due": times(self.promise_due),
                "at": times(self.promise_at),
            },
            escalations={
                "contact": ints(self.escalation_ci),
                "step": ints(self.escalation_step),
                "at": times(self.escalation_at),
            },
            steps=tuple(sorted(self.steps, key=self.steps.__getitem__)),
            offers={
                "contact": ints(self.offer_ci),
                "at": times(self.offer_at),
                "expected": np.asarray(self.offer_expected, dtype=float),
                "accepted": np.asarray(self.offer_accepted, dtype=bool),
            },
            account=account,
        )
