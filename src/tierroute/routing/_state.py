"""Hot-path state of the router: plain slotted classes, no pydantic, no validation.

Everything here is trusted input that :mod:`tierroute.routing.router` has validated.
The structures:

- :class:`Compiled` — the policy flattened into tuples indexed by channel, tier,
  severity and strategy numbers.
- :class:`Sig` — one requirement signature: its waiting queue (a binary heap with
  lazy deletion whose head is always live) and how to find its eligible agents.
- :class:`Group` and :class:`Bucket` — the agents who can take a channel, have a
  set of skills (perhaps none) and speak a language (or any) — or the one named
  concierge — split by their proficiencies in those skills and their seniority.
  A signature's eligible agents are exactly those of the buckets of its group at
  or above its minimum proficiencies and seniority (its *cover*), so signatures
  keep no agent lists and no pools of their own.
- :class:`Pool` — the available agents of a bucket ordered by one strategy's key
  (a heap with lazy deletion by agent version).
- :class:`AgentRT`, :class:`ContactRT`, :class:`Work` — agents, contacts, and
  offers/assignments; :class:`Exclusion` — an agent a contact is not offered to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from heapq import heapify, heappop, heappush
from typing import Any, Final

from tierroute.models import Channel
from tierroute.policy.model import Policy
from tierroute.policy.strategies import STRATEGY_RULES, Strategy
from tierroute.routing._hooks import (
    CHANNELS,
    IN_SERVICE,
    OFFERED,
    WAITING,
    ContactView,
    is_live,
)

__all__ = [
    "ACTIVE",
    "BY_PROFICIENCY",
    "CHANNELS",
    "CHANNEL_INDEX",
    "COMPACT_SLACK",
    "INF",
    "IN_SERVICE",
    "LOGGED_OUT",
    "NOT_READY",
    "NO_POOLS",
    "OFFERED",
    "POOL_COMPACT_FACTOR",
    "POOL_OF",
    "QUEUE_COMPACT_FACTOR",
    "RANK_KEY",
    "READY",
    "RESERVED",
    "STRATEGIES",
    "STRATEGY_INDEX",
    "WAITING",
    "WRAP",
    "AgentFields",
    "AgentRT",
    "Bucket",
    "Compiled",
    "ContactRT",
    "Exclusion",
    "Group",
    "Pool",
    "Sig",
    "StepRT",
    "TierRT",
    "Work",
    "agent_entry",
    "sig_proficiency",
]

CHANNEL_INDEX: dict[Channel, int] = {c: i for i, c in enumerate(CHANNELS)}
# The strategies of policy/strategies.py by number (their order in Strategy).
STRATEGIES: tuple[Strategy, ...] = tuple(Strategy)
STRATEGY_INDEX: dict[Strategy, int] = {s: i for i, s in enumerate(STRATEGIES)}
RANK_KEY: tuple[Callable[[AgentRT], tuple[Any, ...]], ...] = tuple(
    STRATEGY_RULES[s].key for s in STRATEGIES
)
BY_PROFICIENCY: tuple[bool, ...] = tuple(STRATEGY_RULES[s].by_proficiency for s in STRATEGIES)
# The strategy whose bucket pools serve each strategy: a bucket's members are equally
# proficient, so a by-proficiency strategy uses the pools of the first strategy with
# its key (its own if there is none) and ranks buckets by proficiency at lookup.
POOL_OF: tuple[int, ...] = tuple(
    next(
        (j for j, t in enumerate(STRATEGIES) if STRATEGY_RULES[t].key is STRATEGY_RULES[s].key),
        i,
    )
    for i, s in enumerate(STRATEGIES)
)

# Agent presence
LOGGED_OUT, READY, NOT_READY = 0, 1, 2
# Work states
RESERVED, ACTIVE, WRAP = 0, 1, 2

INF = float("inf")

# Lazy deletion leaves stale entries in the heaps (see is_live); a heap is rebuilt
# from its live entries once they are outnumbered: beyond FACTOR x live + SLACK
# entries. A rebuild costs O(entries) and comes at least (FACTOR - 1) x live + SLACK
# pushes after the previous one, so it is amortised O(1) per push, and memory stays
# within FACTOR times the live entries. A pool takes a fresh entry for each member at
# every change of that member's figures, so stale entries pile up fast and a rebuild
# mostly re-pushes the same agents: it gets more room than a queue, whose contacts
# leave it once. SLACK spares small heaps any rebuild.
POOL_COMPACT_FACTOR: Final = 4  # entries per eligible agent before a pool is rebuilt
QUEUE_COMPACT_FACTOR: Final = 2  # entries per waiting contact before a queue is rebuilt
COMPACT_SLACK: Final = 64

AgentFields = tuple[dict[str, int], frozenset[str], int, tuple[int, ...], int, Any]
"""A checked agent profile: skills, languages, seniority, max concurrent contacts by
channel, capacity, attributes (the trailing arguments of :class:`AgentRT`)."""
NO_POOLS: tuple[None, ...] = (None,) * len(STRATEGIES)


class StepRT:
    """One compiled relaxation step."""

    __slots__ = (
        "concierge",
        "index",
        "lang_ignore",
        "min_prof",
        "min_sen",
        "name",
        "skills_ignore",
        "strategy",
        "wait_s",
    )

    def __init__(
        self,
        index: int,
        name: str,
        wait_s: float | None,
        concierge: bool,
        skills_ignore: bool,
        min_prof: int | None,
        lang_ignore: bool,
        min_sen: int | None,
        strategy: int,
    ) -> None:
        self.index = index
        self.name = name
        self.wait_s = INF if wait_s is None else wait_s
        self.concierge = concierge
        self.skills_ignore = skills_ignore
        self.min_prof = min_prof
        self.lang_ignore = lang_ignore
        self.min_sen = min_sen
        self.strategy = strategy


class TierRT:
    """One compiled tier."""

    __slots__ = ("index", "name", "steps", "targets", "value_boost")

    def __init__(
        self,
        index: int,
        name: str,
        targets: tuple[float, ...],
        value_boost: float,
        steps: tuple[StepRT, ...],
    ) -> None:
        self.index = index
        self.name = name
        self.targets = targets
        self.value_boost = value_boost
        self.steps = steps


class Compiled:
    """The policy as tuples for the hot path."""

    __slots__ = (
        "auto_accept",
        "cooldown",
        "cost",
        "exclusive",
        "max_no_answers",
        "reject_no_answer",
        "sev_factor",
        "tier_by_name",
        "tiers",
        "timeout",
        "wrap",
    )

    def __init__(self, policy: Policy) -> None:
        self.cost = tuple(policy.channels[c].cost for c in CHANNELS)
        self.exclusive = tuple(policy.channels[c].exclusive for c in CHANNELS)
        self.wrap = tuple(policy.channels[c].wrap_up_s for c in CHANNELS)
        self.sev_factor = (
            0.0,
            *(policy.severity_factor[s] for s in sorted(policy.severity_factor)),
        )
        self.timeout = policy.offer.timeout_s
        self.auto_accept = policy.offer.auto_accept
        self.max_no_answers = policy.offer.max_no_answers
        self.reject_no_answer = policy.offer.reject_counts_as_no_answer
        cooldown = policy.offer.decline_cooldown_s
        self.cooldown = INF if cooldown is None else cooldown
        tiers = []
        for ti, tier in enumerate(policy.tiers):
            raw_steps = tier.relaxation or ()
            steps = []
            for si, step in enumerate(raw_steps):
                steps.append(
                    StepRT(
                        si,
                        step.name,
                        step.wait_s,
                        step.concierge,
                        step.skills == "ignore",
                        step.min_proficiency,
                        step.language == "ignore",
                        None
                        if step.min_seniority is None
                        else policy.seniority_index(step.min_seniority),
                        STRATEGY_INDEX[step.strategy or tier.strategy],
                    )
                )
            if not steps:
                steps.append(
                    StepRT(
                        0,
                        "requested",
                        None,
                        False,
                        False,
                        None,
                        False,
                        None,
                        STRATEGY_INDEX[tier.strategy],
                    )
                )
            targets = tuple(policy.target(tier.name, c) for c in CHANNELS)
            tiers.append(TierRT(ti, tier.name, targets, tier.value_boost, tuple(steps)))
        self.tiers = tuple(tiers)
        self.tier_by_name = {t.name: t for t in self.tiers}

    def key(self, tier: TierRT, ch: int, severity: int, value: float, arrived: float) -> float:
        """The static priority key (see :mod:`tierroute.policy.model`); every entry point
        computes it here so that keys are bit-identical whatever the path."""
        return arrived + tier.targets[ch] * self.sev_factor[severity] * (
            1.0 - tier.value_boost * value
        )


class AgentRT:
    """An agent's profile and live state."""

    __slots__ = (
        "attributes",
        "buckets",
        "capacity",
        "chans",
        "counts",
        "excl_busy",
        "handled",
        "id",
        "idle_since",
        "languages",
        "last_offer",
        "load",
        "maxc",
        "no_answers",
        "pools",
        "presence",
        "seniority",
        "seq",
        "skills",
        "stamp",
        "tasks",
    )

    def __init__(
        self,
        agent_id: str,
        seq: int,
        skills: dict[str, int],
        languages: frozenset[str],
        seniority: int,
        maxc: tuple[int, ...],
        capacity: int,
        attributes: Any,
    ) -> None:
        self.id = agent_id
        self.seq = seq
        self.skills = skills
        self.languages = languages
        self.seniority = seniority
        self.maxc = maxc
        self.chans = tuple(i for i, n in enumerate(maxc) if n)
        self.capacity = capacity
        self.attributes = attributes
        self.presence = 0  # 0 logged out, 1 ready, 2 not ready
        self.load = 0
        self.counts = [0] * len(CHANNELS)
        self.excl_busy = 0
        self.tasks: dict[str, Work] = {}
        self.idle_since = 0.0
        self.last_offer = -1
        self.handled = 0
        self.no_answers = 0
        self.stamp = 0
        # by channel: the buckets it is in (it is eligible for their signatures), the
        # pools it feeds
        self.buckets: list[list[Bucket]] = [[] for _ in CHANNELS]
        self.pools: list[list[Pool]] = [[] for _ in CHANNELS]

    def can_take(self, ch: int, cost: int, exclusive: bool) -> bool:
        """Whether the agent, if ready, has room for one more contact on ``ch``."""
        return (
            self.counts[ch] < self.maxc[ch]
            and self.load + cost <= self.capacity
            and self.excl_busy == 0
            and (not exclusive or self.load == 0)
        )

    def _check(self, c: Compiled) -> None:
        """Check the agent's own invariants: capacity and counts match its tasks, and
        it holds only work its presence allows. Raises ``AssertionError`` explicitly:
        restores run this under ``python -O`` too."""
        aid = self.id
        tasks = self.tasks.values()
        load = sum(c.cost[w.contact.ch] for w in tasks)
        if not load == self.load <= self.capacity:
            raise AssertionError(f"agent {aid}: load {self.load} (tasks {load}) > {self.capacity}")
        for ch in range(len(CHANNELS)):
            n = sum(1 for w in tasks if w.contact.ch == ch)
            if not self.counts[ch] == n <= self.maxc[ch]:
                raise AssertionError(f"agent {aid}: channel {ch} over ({n} > {self.maxc[ch]})")
        excl = sum(1 for w in tasks if c.exclusive[w.contact.ch])
        if self.excl_busy != excl or (excl and len(self.tasks) != 1):
            raise AssertionError(f"agent {aid}: exclusive contact shares the agent")
        if not all(w.agent is self and w.id == wid for wid, w in self.tasks.items()):
            raise AssertionError(f"agent {aid}: holds another agent's work")
        if self.presence == LOGGED_OUT and self.tasks:
            raise AssertionError(f"logged-out agent {aid} holds work")
        if self.presence != READY and any(w.state == RESERVED for w in tasks):
            raise AssertionError(f"agent {aid} not ready but reserved")
        if self.chans != tuple(i for i, n in enumerate(self.maxc) if n):
            raise AssertionError(f"agent {aid}: stale channel list")


class ContactRT:
    """A live contact."""

    __slots__ = (
        "arrived_at",
        "attributes",
        "ch",
        "concierge",
        "excluded",
        "id",
        "key",
        "lang",
        "min_sen",
        "seq",
        "sev",
        "sig",
        "skills",
        "stamp",
        "state",
        "step",
        "step_until",
        "submitted_at",
        "tier",
        "value",
        "work",
    )

    def __init__(
        self,
        contact_id: str,
        seq: int,
        ch: int,
        tier: TierRT,
        value: float,
        sev: int,
        skills: tuple[tuple[str, int], ...],
        lang: str | None,
        min_sen: int,
        concierge: str | None,
        arrived_at: float,
        key: float,
        submitted_at: float,
        attributes: Any,
    ) -> None:
        self.id = contact_id
        self.seq = seq
        self.ch = ch
        self.tier = tier
        self.value = value
        self.sev = sev
        self.skills = skills
        self.lang = lang
        self.min_sen = min_sen
        self.concierge = concierge
        self.arrived_at = arrived_at
        self.key = key
        self.submitted_at = submitted_at
        self.attributes = attributes
        self.state = WAITING
        self.step = 0
        self.step_until = INF
        self.sig: Sig | None = None
        self.stamp = 0  # of its queue entry and its relaxation timer (see Sig.push)
        # by agent id: those who declined it (lapsed ones too: see Exclusion), or
        # whose contact it was before a transfer
        self.excluded: dict[str, Exclusion] | None = None
        self.work: Work | None = None


class Exclusion:
    """Agent ``agent`` is not offered contact ``contact``: it declined the contact or
    let its offer ring out at ``since`` (until ``until``, when the policy's cooldown
    ends: then its timer marks it ``lapsed``; kept so that a later offer to the agent
    can say so), or the contact was transferred away from it (``until`` is
    infinite: for good). While it holds, the engine may still offer the contact to
    the agent after ``since`` if nobody else could take it (see
    :meth:`~tierroute.routing._index.Index._held_off`). Its stamp versions its timer.
    """

    __slots__ = ("agent", "contact", "lapsed", "since", "stamp", "until")

    def __init__(self, contact: ContactRT, agent: str, since: float, until: float) -> None:
        self.contact = contact
        self.agent = agent
        self.since = since
        self.until = until
        self.lapsed = False
        self.stamp = 0


class Work:
    """An offer, and after acceptance the assignment, under one id."""

    __slots__ = (
        "accepted_at",
        "agent",
        "contact",
        "expires_at",
        "id",
        "offered_at",
        "stamp",
        "state",
        "step",
        "until",
        "why",
    )

    def __init__(
        self,
        work_id: str,
        contact: ContactRT,
        agent: AgentRT,
        offered_at: float,
        expires_at: float,
        step: str,
        state: int,
        why: tuple[Any, ...],
    ) -> None:
        self.id = work_id
        self.contact = contact
        self.agent = agent
        self.offered_at = offered_at
        self.expires_at = expires_at
        self.step = step
        self.state = state
        self.accepted_at = offered_at if state == ACTIVE else INF
        self.until = INF  # wrap-up end
        self.stamp = 0
        self.why = why


class Pool:
    """Available agents among a bucket's ``members``, ordered by one strategy's key
    (never a by-proficiency one: a bucket's members are equally proficient; see
    :data:`POOL_OF`).

    Entries are ``(*strategy_key, agent.stamp, agent)`` (the key ends with
    ``agent.seq``: see :mod:`tierroute.policy.strategies`); an entry is live
    while the agent's version is unchanged (every change of an agent's availability
    or figures bumps its version and pushes fresh entries).
    """

    __slots__ = ("dead", "heap", "members", "strategy", "used")

    def __init__(self, strategy: int, members: list[AgentRT]) -> None:
        self.strategy = strategy
        self.members = members  # the eligible agents, shared with their owner
        self.heap: list[tuple[Any, ...]] = []
        self.used = True  # looked up since the last sweep (idle pools are dropped)
        self.dead = False  # dropped; agents forget it on their next refresh

    def push(self, a: AgentRT) -> None:
        heappush(self.heap, agent_entry(self.strategy, a))

    def compact(self) -> None:
        """Drop the stale entries (when :data:`POOL_COMPACT_FACTOR` says)."""
        self.heap = [e for e in self.heap if e[-2] == e[-1].stamp]  # is_live(e), inlined
        heapify(self.heap)

    def _check(self, ch: int, c: Compiled) -> None:
        """Assert that the live entries are exactly the members available on ``ch``,
        each once, with its current figures."""
        assert not self.dead
        assert POOL_OF[self.strategy] == self.strategy
        live = [e for e in self.heap if is_live(e)]
        agents = [e[-1] for e in live]
        assert len(agents) == len(set(agents)), "pool: an agent twice"
        want = {
            a
            for a in self.members
            if a.presence == READY and a.can_take(ch, c.cost[ch], c.exclusive[ch])
        }
        assert set(agents) == want, (
            f"pool: {sorted(a.id for a in agents)} != available {sorted(a.id for a in want)}"
        )
        for e in live:
            assert e == agent_entry(self.strategy, e[-1]), f"pool: {e[-1].id} is stale"


class Group:
    """The agents who can take channel ``ch``, have every skill of ``skills`` (sorted
    names; empty: any agent) and speak ``lang`` (``None``: any) — or, with
    ``concierge`` set, just that agent — in buckets by their proficiencies in
    ``skills`` and their seniority; and the signatures asking for that on ``ch``."""

    __slots__ = ("buckets", "ch", "concierge", "lang", "sigs", "skills")

    def __init__(
        self, ch: int, skills: tuple[str, ...], lang: str | None, concierge: str | None
    ) -> None:
        self.ch = ch
        self.skills = skills
        self.lang = lang
        self.concierge = concierge
        self.buckets: dict[tuple[int, ...], Bucket] = {}
        self.sigs: list[Sig] = []

    @property
    def key(self) -> tuple[int, tuple[str, ...], str | None, str | None]:
        """The group's key: channel, skills, language, named concierge."""
        return (self.ch, self.skills, self.lang, self.concierge)

    def admits(self, a: AgentRT) -> bool:
        """Whether agent ``a`` belongs in this group."""
        if a.maxc[self.ch] <= 0:
            return False
        if self.concierge is not None:
            return a.id == self.concierge
        mine = a.skills
        return all(s in mine for s in self.skills) and (
            self.lang is None or self.lang in a.languages
        )

    def _check(self, agents: Iterable[AgentRT], c: Compiled) -> None:
        """Assert that the buckets hold exactly the agents admitted, and check them."""
        assert list(self.skills) == sorted(self.skills)
        if self.concierge is not None:
            assert not self.skills
            assert self.lang is None
        members = [a for b in self.buckets.values() for a in b.members]
        assert len(members) == len(set(members)), f"group {self.key}: an agent twice"
        admitted = {a for a in agents if self.admits(a)}
        assert set(members) == admitted, f"group {self.key}: members are stale"
        for key, b in self.buckets.items():
            assert b.key == key
            b._check(self, c)


class Bucket:
    """The agents of a group with the same proficiencies and seniority, their pools
    (by strategy; by-proficiency lookups use the pool of :data:`POOL_OF`, since all
    members are equally proficient), and the grouped signatures covering them.

    ``key`` is the members' proficiencies in the group's skills, then their
    seniority; ``prof`` is the lowest of those proficiencies (0 without skills): the
    proficiency that by-proficiency strategies rank, as :func:`sig_proficiency` does.
    ``ready`` counts the members who are ready: a bucket gets pools only once one is.
    """

    __slots__ = ("key", "members", "pools", "prof", "ready", "sigs")

    def __init__(self, key: tuple[int, ...]) -> None:
        self.key = key
        self.prof = min(key[:-1]) if len(key) > 1 else 0
        self.ready = 0
        self.members: list[AgentRT] = []
        # made on the first pool (most buckets of a big center never get one)
        self.pools: list[Pool | None] | tuple[None, ...] = NO_POOLS
        self.sigs: list[Sig] = []

    def _check(self, g: Group, c: Compiled) -> None:
        """Assert the bucket's figures, members, covering signatures and pools."""
        assert len(self.key) == len(g.skills) + 1
        *profs, sen = self.key
        assert self.prof == min(profs, default=0)
        assert self.ready == sum(a.presence == READY for a in self.members)
        for a in self.members:
            assert a.seniority == sen
            assert [a.skills[s] for s in g.skills] == profs
            assert a.buckets[g.ch].count(self) == 1, f"agent {a.id} lost bucket {self.key}"
        assert self.sigs == [s for s in g.sigs if s.covers(self)], f"bucket {self.key}: sigs"
        for pool in self.pools:
            if pool is not None:
                assert pool.members is self.members
                pool._check(g.ch, c)


def sig_proficiency(a: AgentRT, sig: Sig) -> int:
    """The agent's proficiency for a signature: the lowest over its required skills."""
    skills = sig.skills
    if not skills:
        return 0
    if len(skills) == 1:
        return a.skills.get(skills[0][0], 0)
    return min(a.skills.get(s, 0) for s, _ in skills)


def agent_entry(strategy: int, a: AgentRT) -> tuple[Any, ...]:
    """The entry of agent ``a`` in a bucket's pool under ``strategy``: its rank key
    (smaller is preferred), then its version and itself (see :class:`Pool`)."""
    return RANK_KEY[strategy](a) + (a.stamp, a)  # noqa: RUF005  (faster than unpacking)


class Sig:
    """A requirement signature with its queue, and its eligible agents: the buckets
    of its group that it covers."""

    __slots__ = (
        "ch",
        "concierge",
        "cover",
        "group",
        "heap",
        "key",
        "lang",
        "live",
        "min_profs",
        "min_sen",
        "seen",
        "skills",
    )

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key
        self.ch: int = key[0]
        self.skills: tuple[tuple[str, int], ...] = key[1]
        self.lang: str | None = key[2]
        self.min_sen: int = key[3]
        self.concierge: str | None = key[4]
        self.heap: list[tuple[Any, ...]] = []
        self.live = 0
        self.min_profs = tuple(p for _, p in self.skills)
        self.group: Group | None = None
        self.cover: list[Bucket] = []  # the buckets of eligible agents
        self.seen = 0  # the placement that last used it (see Index._sweep)

    def group_key(self) -> tuple[int, tuple[str, ...], str | None, str | None]:
        """The key of the signature's group."""
        return (self.ch, tuple(s for s, _ in self.skills), self.lang, self.concierge)

    def covers(self, b: Bucket) -> bool:
        """Whether the agents of bucket ``b`` (of this signature's group) are eligible."""
        return b.key[-1] >= self.min_sen and all(
            p >= q for p, q in zip(b.key, self.min_profs, strict=False)
        )

    def eligible(self, a: AgentRT) -> bool:
        """Whether agent ``a``'s profile meets this signature (presence and load aside)."""
        if a.maxc[self.ch] <= 0:
            return False
        if self.concierge is not None:
            return a.id == self.concierge
        if self.lang is not None and self.lang not in a.languages:
            return False
        if a.seniority < self.min_sen:
            return False
        skills = a.skills
        return all(skills.get(s, 0) >= p for s, p in self.skills)

    # -- the waiting queue ------------------------------------------------------------

    def push(self, c: ContactRT) -> None:
        c.stamp += 1
        c.sig = self
        self.live += 1
        heappush(self.heap, (c.key, -c.value, c.seq, c.stamp, c))

    def remove(self, c: ContactRT) -> None:
        """Take ``c`` out of the queue (lazily unless it is the head)."""
        c.stamp += 1
        c.sig = None
        self.live -= 1
        heap = self.heap
        while heap and heap[0][-2] != heap[0][-1].stamp:  # not is_live(head), inlined
            heappop(heap)
        if len(heap) > QUEUE_COMPACT_FACTOR * self.live + COMPACT_SLACK:
            self.heap = [e for e in heap if e[-2] == e[-1].stamp]  # is_live(e), inlined
            heapify(self.heap)

    def ahead(self, c: ContactView) -> int:
        """How many live contacts of this queue are ahead of ``c`` (O(queue))."""
        me = (c.key, -c.value, c.seq)
        return sum(1 for e in self.heap if is_live(e) and e[:3] < me)

    def contacts(self) -> list[ContactRT]:
        """Live waiting contacts, best first (slow; for checks and snapshots)."""
        return [e[4] for e in sorted(self.heap) if is_live(e)]

    def _check(self, agents: Iterable[AgentRT]) -> None:
        """Assert the queue (live count, live head, entries matching their waiting
        contacts) and the cover (exactly the eligible agents, each once)."""
        key = self.key
        live = [e for e in self.heap if is_live(e)]
        assert len(live) == self.live, f"signature {key}: live count {self.live} != {len(live)}"
        assert not self.heap or is_live(self.heap[0]), f"signature {key}: stale head"
        for e in live:
            c = e[4]
            assert c.sig is self, f"{c.id} in queue {key} but not there"
            assert c.state == WAITING, f"{c.id} in queue {key} but not waiting"
            assert e[:3] == (c.key, -c.value, c.seq), f"{c.id}: stale queue entry"
        g = self.group
        assert g is not None
        assert g.sigs.count(self) == 1
        assert g.key == self.group_key()
        cover = [b for b in g.buckets.values() if self.covers(b)]
        assert sorted(map(id, self.cover)) == sorted(map(id, cover)), f"{key}: stale cover"
        assert all(b.sigs.count(self) == 1 for b in cover)
        members = [a for b in cover for a in b.members]
        assert len(members) == len(set(members)), f"signature {key}: an agent twice"
        eligible = {a for a in agents if self.eligible(a)}
        assert set(members) == eligible, f"signature {key}: eligible agents are stale"
