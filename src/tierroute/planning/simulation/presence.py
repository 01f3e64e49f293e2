"""Agent presence in a replication: shifts, breaks, wrap-up and logging out.

:class:`Presence` is the state machine between an agent's schedule (its presence
windows and breaks, compiled by :mod:`~tierroute.planning.simulation.plan`) and what
the router is told (logged out, ready, not ready). Its rule, per agent:

- on shift and not on break: ready;
- on shift and on break: not ready (the break is recorded while logged in);
- off shift but still busy or wrapping up: not ready (busy agents finish their
  contact, and its wrap-up, and then leave; idle ones leave at once);
- otherwise: logged out.

Staffing that changes by interval is windows opening and closing, so when it drops
idle agents leave first and busy ones after their contact; when it rises, new agents
log in ready and take waiting work at once (the router offers it in the same call).

The machine records login and break segments for the occupancy metrics. Its event
methods take ``(time, agent)``; the engine hands them its presence events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from tierroute.models import Decisions
from tierroute.planning.simulation.plan import AgentPlan

__all__ = ["Presence"]

# What the router was last told about an agent
_OUT: Final = 0
_READY: Final = 1
_NOT_READY: Final = 2
_STATE_NAME: Final = ("logged_out", "ready", "not_ready")


class Presence:
    """Every agent's presence state, driven by shift, break and logout events.

    Args:
        agents: The agents, by agent code.
        set_state: The router's ``set_agent_state``.
        decided: Takes the decisions a presence change made (offers to an agent
            who became ready, events).
        logout_at: Schedules a :meth:`logout` event ``(time, agent)`` for an agent
            who leaves once its wrap-up is done.
    """

    __slots__ = (
        "active",
        "break_at",
        "decided",
        "group",
        "ids",
        "logged",
        "login_at",
        "logout_at",
        "on_break",
        "on_shift",
        "seg_break",
        "seg_login",
        "set_state",
        "state",
        "wrap_until",
    )

    def __init__(
        self,
        agents: tuple[AgentPlan, ...],
        set_state: Callable[..., Decisions],
        decided: Callable[[Decisions], None],
        logout_at: Callable[[float, int], None],
    ) -> None:
        n = len(agents)
        self.ids = [a.spec.agent_id for a in agents]
        self.group = [a.group for a in agents]
        self.set_state = set_state
        self.decided = decided
        self.logout_at = logout_at
        self.on_shift = [False] * n
        self.on_break = [False] * n
        self.logged = [False] * n
        self.state = [_OUT] * n  # what the router was last told
        # Contacts each agent is serving: the engine counts an assignment here as
        # it schedules the completion (per contact, so no call), :meth:`release`
        # counts it out.
        self.active = [0] * n
        self.wrap_until = [0.0] * n
        self.login_at = [0.0] * n
        self.break_at = [0.0] * n
        self.seg_login: list[tuple[int, float, float]] = []
        self.seg_break: list[tuple[int, float, float]] = []

    # ------------------------------------------------------------------ events

    def shift_on(self, t: float, a: int) -> None:
        """Agent ``a``'s presence window opens."""
        self.on_shift[a] = True
        self._sync(a, t)

    def shift_off(self, t: float, a: int) -> None:
        """Agent ``a``'s presence window closes: it leaves now if idle, otherwise
        once its last contact and wrap-up are done."""
        self.on_shift[a] = False
        self._sync(a, t)
        if not self.active[a] and self.wrap_until[a] > t:
            self.logout_at(self.wrap_until[a], a)

    def break_on(self, t: float, a: int) -> None:
        """Agent ``a``'s break starts (it finishes a contact in hand first)."""
        self.on_break[a] = True
        if self.logged[a]:
            self.break_at[a] = t
        self._sync(a, t)

    def break_off(self, t: float, a: int) -> None:
        """Agent ``a``'s break ends."""
        if self.on_break[a] and self.logged[a]:
            self.seg_break.append((self.group[a], self.break_at[a], t))
        self.on_break[a] = False
        self._sync(a, t)

    def logout(self, t: float, a: int) -> None:
        """Agent ``a``'s wrap-up after its shift is over: it may leave now."""
        self._sync(a, t)

    def release(self, a: int, wrap_end: float) -> None:
        """Agent ``a`` finished a contact; its wrap-up lasts until ``wrap_end``.

        Off shift with nothing left in hand, it leaves once the wrap-up is done.
        """
        active = self.active
        active[a] -= 1
        wrap_until = self.wrap_until
        if wrap_end > wrap_until[a]:  # noqa: PLR1730 - a compare is cheaper than max()
            wrap_until[a] = wrap_end
        if not self.on_shift[a] and not active[a]:
            self.logout_at(wrap_until[a], a)

    def close(self, end: float) -> None:
        """End the segments of agents still logged in at ``end``."""
        for a, logged in enumerate(self.logged):
            if logged:
                g = self.group[a]
                if self.on_break[a]:
                    self.seg_break.append((g, self.break_at[a], end))
                self.seg_login.append((g, self.login_at[a], end))

    # ------------------------------------------------------------------ the rule

    def _sync(self, a: int, t: float) -> None:
        """Bring agent ``a``'s router state in line with its shift and break."""
        if self.on_shift[a]:
            want = _NOT_READY if self.on_break[a] else _READY
        elif self.active[a] or (self.logged[a] and self.wrap_until[a] > t):
            want = _NOT_READY
        else:
            want = _OUT
        if want == self.state[a]:
            return
        if want == _OUT:
            g = self.group[a]
            if self.on_break[a]:
                self.seg_break.append((g, self.break_at[a], t))
            self.seg_login.append((g, self.login_at[a], t))
            self.logged[a] = False
        elif not self.logged[a]:
            self.logged[a] = True
            self.login_at[a] = t
            if self.on_break[a]:
                self.break_at[a] = t
        decisions = self.set_state(self.ids[a], _STATE_NAME[want], now=t)
        self.state[a] = want
        self.decided(decisions)
