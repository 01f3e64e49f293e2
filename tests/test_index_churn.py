"""The router forgets the requirements nobody uses any more (issue #15, item 8).

Signatures, groups, buckets, pools, interned skill sets and the agent indexes are
derived data: a sweep every few thousand placements drops what was not used since
the previous one, so a long-running router whose requirements keep changing
(temporary concierges, skill names) stays at a flat size.
"""

from __future__ import annotations

import pytest
from benchmarks.churn import WORKLOADS, churn_memory

from tierroute import AgentSpec, ContactSpec, Policy, Router, prestige
from tierroute.routing._engine import Engine


def sizes(r: Router) -> dict[str, int]:
    return {
        "signatures": len(r._sigs),
        "groups": len(r._groups),
        "buckets": sum(len(g.buckets) for g in r._groups.values()),
        "skill sets": len(r._skill_sets),
        "skills": len(r._by_skill),
        "languages": len(r._by_lang),
        "concierges": len(r._concierge_sigs) + len(r._concierge_groups),
    }


def test_what_nobody_uses_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``sweep_every`` at 1 a sweep keeps one idle signature at least (as many
    as agents and waiting contacts: here one agent), the one last used."""
    monkeypatch.setattr(Engine, "sweep_every", 1)
    r = Router(prestige(), start=0.0)
    r.add_agent(AgentSpec("a", skills={"billing": 3}, languages=("en",)), presence="ready", now=0)
    t = 0.0
    # temporary agents with skills and languages of their own, named as concierges,
    # asked for by contacts that leave: none of it is used again
    for k in range(50):
        t += 1.0
        spec = AgentSpec(f"tmp{k}", skills={f"s{k}": 2}, languages=(f"l{k}",))
        r.add_agent(spec, presence="not_ready", now=t)
        c = ContactSpec(f"c{k}", "voice", "elite", skills={f"s{k}": 1}, concierge=f"tmp{k}")
        assert r.submit(c, now=t) == []  # nobody is ready for it
        r.abandon(f"c{k}", now=t)
        r.set_agent_state(f"tmp{k}", "logged_out", now=t)
        r.remove_agent(f"tmp{k}", now=t)
    peak = sizes(r)
    r._check()
    # what is in use: "a"'s skill and language, the requirement of this contact
    for k in range(30):
        t += 1.0
        [offer] = r.submit(ContactSpec(f"d{k}", "voice", "standard", skills={"billing": 1}), now=t)
        r.abandon(offer.contact_id, now=t)
        r._check()
    now = sizes(r)
    assert now == {
        "signatures": 1,
        "groups": 1,
        "buckets": 1,
        "skill sets": 1,
        "skills": 1,
        "languages": 1,
        "concierges": 0,
    }, (peak, now)
    assert r.waiting_count() == 0


def test_signatures_in_use_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A signature with a waiting contact stays, however long it is not looked up;
    the idle one looked up last stays too (it is not rebuilt over and over)."""
    monkeypatch.setattr(Engine, "sweep_every", 1)
    r = Router(Policy(), start=0.0)
    r.add_agent(AgentSpec("a", skills={"x": 1}), presence="ready", now=0.0)
    r.submit(ContactSpec("waits", "voice", "standard", skills={"y": 1}), now=0.0)
    waits = r._sigs[next(iter(r._sigs))]
    for k in range(40):
        [offer] = r.submit(ContactSpec(f"c{k}", "voice", "standard", skills={"x": 1}), now=k)
        r.abandon(offer.contact_id, now=k)
    assert len(r._sigs) == 2
    assert r._sigs[waits.key] is waits
    used = next(s for s in r._sigs.values() if s is not waits)
    for k in range(40, 80):  # the same object all along: never dropped and rebuilt
        [offer] = r.submit(ContactSpec(f"c{k}", "voice", "standard", skills={"x": 1}), now=k)
        r.abandon(offer.contact_id, now=k)
        assert r._sigs[used.key] is used
    assert r.waiting_count() == 1
    r._check()


@pytest.mark.slow
@pytest.mark.parametrize("workload", sorted(WORKLOADS))
def test_memory_stays_flat_under_churn(workload: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """tracemalloc after gc.collect(): memory after 3n contacts within 25 % of its
    level after n. The issue's figure is n = 100k with the default sweeps, which
    ``python benchmarks/churn.py`` measures; here n = 15k keeps the test near 10 s,
    and sweeps keeping at least 512 idle signatures (not 4,096) reach their steady
    state well before n."""
    monkeypatch.setattr(Engine, "sweep_every", 512)
    first, _, last = churn_memory(workload, 45_000, 15_000)
    assert last <= 1.25 * first, f"{workload}: {first} -> {last} bytes"
