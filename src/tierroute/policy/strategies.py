"""Agent-selection strategies: each name and how it ranks agents, in one table.

A strategy chooses among the *available* agents eligible for a contact. Its rule
(:class:`StrategyRule`) has two parts:

- ``by_proficiency``: rank first by the agent's proficiency for the contact's
  requirement (the lowest over its required skills), highest first;
- ``key``: then by a key of the agent's own figures, smallest first, ending with the
  agent's registration order ``seq`` so that the order is total.

Adding a strategy means adding a member to :class:`Strategy` and its row to
:data:`STRATEGY_RULES` (and tests: the test oracle keeps its own independent table).
The router compiles the table into tuples indexed by the strategy's position in
:class:`Strategy`, and keeps one pool of available agents per key (agents of one
bucket are equally proficient, so a ``by_proficiency`` strategy shares the pools of
the strategy with the same key, and ranks buckets by proficiency at lookup).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Final, NamedTuple, Protocol

__all__ = ["STRATEGY_RULES", "Figures", "Strategy", "StrategyRule"]


class Strategy(StrEnum):
    """How to choose among the available agents eligible for a contact.

    - ``longest_idle``: the agent idle the longest (earliest ``idle_since``).
    - ``most_proficient``: highest proficiency in the contact's required skills
      (the lowest of them when several), then longest idle.
    - ``least_occupied``: lowest share of capacity in use, then longest idle.
    - ``round_robin``: the agent offered work least recently (agents never offered
      come first, in registration order) — round robin over a changing set.
    - ``fair_share``: the agent with the least handled work so far (accepted
      contacts weighted by channel cost), then longest idle.

    Every strategy breaks remaining ties by registration order. The rules are in
    :data:`STRATEGY_RULES`.
    """

    LONGEST_IDLE = "longest_idle"
    MOST_PROFICIENT = "most_proficient"
    LEAST_OCCUPIED = "least_occupied"
    ROUND_ROBIN = "round_robin"
    FAIR_SHARE = "fair_share"


class Figures(Protocol):
    """The figures of an agent that strategies rank by."""

    @property
    def idle_since(self) -> float:
        """When the agent last became idle (or was last offered work)."""

    @property
    def seq(self) -> int:
        """Registration order."""

    @property
    def load(self) -> int:
        """Capacity units in use."""

    @property
    def capacity(self) -> int:
        """Capacity units in all."""

    @property
    def last_offer(self) -> int:
        """Number of the agent's last offer (-1: never offered)."""

    @property
    def handled(self) -> int:
        """Accepted work so far, in capacity units."""


Key = tuple[float | int, ...]


class StrategyRule(NamedTuple):
    """How one strategy ranks agents (see the module docstring)."""

    by_proficiency: bool
    key: Callable[[Figures], Key]


def _longest_idle(a: Figures) -> Key:
    return (a.idle_since, a.seq)


def _least_occupied(a: Figures) -> Key:
    return (a.load / a.capacity, a.idle_since, a.seq)


def _round_robin(a: Figures) -> Key:
    return (a.last_offer, a.seq)


def _fair_share(a: Figures) -> Key:
    return (a.handled, a.idle_since, a.seq)


STRATEGY_RULES: Final[dict[Strategy, StrategyRule]] = {
    Strategy.LONGEST_IDLE: StrategyRule(by_proficiency=False, key=_longest_idle),
    Strategy.MOST_PROFICIENT: StrategyRule(by_proficiency=True, key=_longest_idle),
    Strategy.LEAST_OCCUPIED: StrategyRule(by_proficiency=False, key=_least_occupied),
    Strategy.ROUND_ROBIN: StrategyRule(by_proficiency=False, key=_round_robin),
    Strategy.FAIR_SHARE: StrategyRule(by_proficiency=False, key=_fair_share),
}
"""Every strategy's rule, in :class:`Strategy` order.

>>> [s.value for s, rule in STRATEGY_RULES.items() if rule.by_proficiency]
['most_proficient']
"""
