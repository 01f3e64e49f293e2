"""How agents are indexed for lookups: groups, buckets and their pools.

These tests read router internals on purpose: they pin the cost model the
benchmarks rely on (an agent changing availability touches its buckets, not every
signature it is eligible for) and the decisions that depend on ordering pools
across buckets. ``Router._check`` verifies the structures themselves.
"""

from __future__ import annotations

import pytest

from tierroute import AgentSpec, ContactSpec, Policy, Router, Strategy, TierPolicy


def _policy(strategy: Strategy) -> Policy:
    return Policy(tiers=(TierPolicy(name="standard", strategy=strategy),))


def _pools(r: Router, agent_id: str) -> int:
    return sum(len(p) for p in r._agents[agent_id].pools)


def test_pools_an_agent_feeds_do_not_grow_with_signatures() -> None:
    r = Router(_policy(Strategy.LONGEST_IDLE), start=0.0)
    r.add_agent(
        AgentSpec("ana", skills={"billing": 5}, languages=("en",), seniority="senior"),
        presence="ready",
        now=0.0,
    )
    # 3 proficiencies x 2 seniority thresholds: six signatures of one group, each
    # served at once by ana (then abandoned, which gives her back)
    t = 0.0
    for i, (prof, sen) in enumerate((p, s) for p in (1, 3, 5) for s in (0, "senior")):
        t += 1.0
        spec = ContactSpec(
            f"c{i}",
            "voice",
            "standard",
            value=0.5,
            skills={"billing": prof},
            language="en",
            min_seniority=sen,
        )
        [offer] = r.submit(spec, now=t)
        assert offer.agent_id == "ana"
        r.abandon(spec.contact_id, now=t)
    assert len(r._sigs) == 6
    assert len(r._groups) == 1
    # one bucket, one pool (longest idle), fed once per change: not six
    assert _pools(r, "ana") == 1
    r._check()


@pytest.mark.parametrize(
    ("strategy", "winner", "proficiency"),
    [
        # the least proficient agent is the longest idle: it must not win on proficiency
        (Strategy.MOST_PROFICIENT, "high", 5),
        (Strategy.LONGEST_IDLE, "low", 2),
    ],
)
def test_strategies_rank_agents_across_buckets(
    strategy: Strategy, winner: str, proficiency: int
) -> None:
    r = Router(_policy(strategy), start=0.0)
    for t, (aid, prof) in enumerate((("low", 2), ("high", 5), ("mid", 4))):
        r.add_agent(
            AgentSpec(aid, skills={"billing": prof}, languages=("en",)),
            presence="ready",
            now=float(t),
        )
    spec = ContactSpec("c", "voice", "standard", value=0.5, skills={"billing": 2}, language="en")
    [offer] = r.submit(spec, now=10.0)
    [group] = r._groups.values()
    assert len(group.buckets) == 3  # one per proficiency
    assert offer.agent_id == winner
    assert r.explain(offer.offer_id).agent_figures["proficiency"] == proficiency
    r._check()


def test_a_bucket_gets_pools_only_once_a_member_is_ready() -> None:
    r = Router(_policy(Strategy.LONGEST_IDLE), start=0.0)
    r.add_agent(
        AgentSpec("ana", skills={"billing": 3}, languages=("en",)), presence="not_ready", now=0.0
    )
    spec = ContactSpec("c", "voice", "standard", value=0.5, skills={"billing": 1}, language="en")
    assert r.submit(spec, now=1.0) == []
    [bucket] = next(iter(r._groups.values())).buckets.values()
    assert bucket.ready == 0 and all(p is None for p in bucket.pools)
    [offer] = r.set_agent_state("ana", "ready", now=2.0)
    assert offer.contact_id == "c"
    assert bucket.ready == 1
    r._check()


def test_an_agent_added_later_joins_existing_groups_and_takes_work() -> None:
    r = Router(_policy(Strategy.LONGEST_IDLE), start=0.0)
    spec = ContactSpec(
        "c",
        "voice",
        "standard",
        value=0.5,
        skills={"billing": 4},
        language="fr",
        min_seniority="senior",
    )
    assert r.submit(spec, now=1.0) == []
    # not eligible: too junior; then one that is, in a bucket made for it
    assert (
        r.add_agent(
            AgentSpec("jo", skills={"billing": 5}, languages=("fr",), seniority="junior"),
            presence="ready",
            now=2.0,
        )
        == []
    )
    [offer] = r.add_agent(
        AgentSpec("al", skills={"billing": 4, "sales": 1}, languages=("fr",), seniority="expert"),
        presence="ready",
        now=3.0,
    )
    assert offer.agent_id == "al"
    [group] = r._groups.values()
    assert sorted(b.key for b in group.buckets.values()) == [(4, 2), (5, 0)]
    r._check()
