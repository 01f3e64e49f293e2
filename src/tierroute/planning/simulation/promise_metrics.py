"""One replication's promise figures, from its promise events.

:func:`promise_tables` turns a tracked replication's
:class:`~tierroute.planning.simulation.recorder.PromiseData` into the promise,
service and escalation tables of :class:`~tierroute.planning.simulation.metrics.Tables`:
attainment per tier × promise kind × channel, VIP callbacks, escalation steps and
service credits. The definitions are in :mod:`~tierroute.planning.simulation.metrics`.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from tierroute.planning.simulation.plan import POST_INCIDENT, PROMISE_KINDS, Meta, PromiseMeta
from tierroute.planning.simulation.recorder import PromiseData, ReplicationData
from tierroute.promises.credits import Breach, CreditRule, compute_credits

__all__ = ["PromiseTables", "promise_tables"]

PromiseTables = tuple[
    dict[tuple[str, str, str], dict[str, float]],
    dict[str, dict[str, float]],
    dict[tuple[str, str], dict[str, float]],
]
"""``(promises, service, escalations)``, as in
:class:`~tierroute.planning.simulation.metrics.Tables`."""

_N_KINDS: Final = 3  # answer, first_response, resolution; callbacks are counted apart
_ATTAINED: Final = 0  # outcome codes, as in PROMISE_OUTCOMES
_BREACHED: Final = 1

Ints = NDArray[np.int64]


def promise_tables(meta: Meta, data: ReplicationData, keep: NDArray[np.bool_]) -> PromiseTables:
    """One replication's promise, service and escalation tables (contacts in
    ``keep`` only)."""
    pm, pd = meta.promises, data.promises
    assert pm is not None
    assert pd is not None
    c_tier = data.columns["tier"]
    n_t = len(meta.tiers)
    col = pd.promises
    m = keep[col["contact"]]
    ci, kind, outcome = col["contact"][m], col["kind"][m], col["outcome"][m]
    tier = c_tier[ci]
    promises = _attainment(meta, pm, data.columns, ci, kind, outcome)

    # VIP callbacks: offers and acceptances, then the callback promises' outcomes
    offers = pd.offers
    mo = keep[offers["contact"]]
    o_tier = c_tier[offers["contact"][mo]]
    offered = np.bincount(o_tier, minlength=n_t)
    accepted = np.bincount(o_tier[offers["accepted"][mo]], minlength=n_t)
    cb = ~(kind < _N_KINDS)
    kept = np.bincount(tier[cb][outcome[cb] == _ATTAINED], minlength=n_t)
    late = np.bincount(tier[cb][outcome[cb] == _BREACHED], minlength=n_t)

    ladder, report, escalations = _escalations(meta, pm, pd, c_tier, keep)
    breached = (outcome == _BREACHED, tier, kind, ci, col["at"][m])
    counted, credited, owed = _credits(meta, pm, pd, *breached)

    service: dict[str, dict[str, float]] = {}
    present = np.flatnonzero(np.bincount(c_tier[keep], minlength=n_t) > 0).tolist()
    columns = (ladder, report, offered, accepted, kept, late, counted, credited, owed)
    rows: list[tuple[str, Any]] = [(meta.tiers[ti], ti) for ti in present]
    for name, index in [*rows, ("all", slice(None))]:
        esc_n, rep_n, off_n, acc_n, kept_n, late_n, cnt_n, cred_n, owed_n = (
            float(np.sum(x[index])) for x in columns
        )
        service[name] = {
            "escalations": esc_n,
            "post_incident_reports": rep_n,
            "callbacks_offered": off_n,
            "callbacks_accepted": acc_n,
            "callbacks_kept": kept_n,
            "callbacks_late": late_n,
            "callback_kept_share": _ratio(kept_n, kept_n + late_n),
            "credit_breaches": cnt_n,
            "accounts_credited": cred_n,
            "credits_owed": owed_n,
        }
    return promises, service, escalations


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def _attainment(
    meta: Meta,
    pm: PromiseMeta,
    columns: dict[str, NDArray[Any]],
    ci: Ints,
    kind: Ints,
    outcome: Ints,
) -> dict[tuple[str, str, str], dict[str, float]]:
    """Per (tier, kind, channel) and per tier: outcome counts, goal, attainment."""
    tiers, n_t, n_c, n_k = meta.tiers, len(meta.tiers), len(meta.channels), _N_KINDS
    tier, ch = columns["tier"][ci], columns["channel"][ci]
    tgt = kind < n_k
    goal = pm.goal[tier[tgt], ch[tgt], columns["severity"][ci[tgt]] - 1, kind[tgt]]
    key = (tier[tgt] * n_k + kind[tgt]) * n_c + ch[tgt]
    n_keys = n_t * n_k * n_c
    out = outcome[tgt]
    by = [np.bincount(key[out == o], minlength=n_keys) for o in range(4)]
    goal_sum = np.bincount(key, weights=np.nan_to_num(goal), minlength=n_keys)
    n_all = by[0] + by[1] + by[2] + by[3]
    promises: dict[tuple[str, str, str], dict[str, float]] = {}
    tier_met: dict[int, bool] = {}
    for k in np.flatnonzero(n_all).tolist():
        ti, rest = divmod(k, n_k * n_c)
        ki, chi = divmod(rest, n_c)
        att, br, ab, op = (float(b[k]) for b in by)
        share = _ratio(att, att + br)
        g = float(goal_sum[k] / n_all[k])
        met = math.nan if math.isnan(share) else float(share >= g - 1e-12)
        if not math.isnan(met):
            tier_met[ti] = tier_met.get(ti, True) and met == 1.0
        promises[(tiers[ti], PROMISE_KINDS[ki], meta.channels[chi])] = {
            "decided": att + br,
            "attained": att,
            "breached": br,
            "abandoned": ab,
            "open": op,
            "attainment": share,
            "goal": g,
            "met": met,
        }
    per_tier = [np.bincount(tier[tgt][out == o], minlength=n_t) for o in range(4)]
    for ti in np.flatnonzero(per_tier[0] + per_tier[1] + per_tier[2] + per_tier[3]).tolist():
        att, br, ab, op = (float(b[ti]) for b in per_tier)
        promises[(tiers[ti], "all", "all")] = {
            "decided": att + br,
            "attained": att,
            "breached": br,
            "abandoned": ab,
            "open": op,
            "attainment": _ratio(att, att + br),
            "goal": math.nan,
            "met": float(tier_met[ti]) if ti in tier_met else math.nan,
        }
    return promises


def _escalations(
    meta: Meta, pm: PromiseMeta, pd: PromiseData, c_tier: Ints, keep: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], NDArray[np.float64], dict[tuple[str, str], dict[str, float]]]:
    """Escalation steps fired per tier (the post-incident report counted apart) and
    per (tier, step), in ladder order."""
    n_t = len(meta.tiers)
    esc = pd.escalations
    me = keep[esc["contact"]]
    e_tier, e_step = c_tier[esc["contact"][me]], esc["step"][me]
    n_s = max(len(pd.steps), 1)
    fired = np.bincount(e_tier * n_s + e_step, minlength=n_t * n_s).reshape(n_t, n_s)
    escalations: dict[tuple[str, str], dict[str, float]] = {}
    report = np.zeros(n_t)
    ladder = np.zeros(n_t)
    for si, name in enumerate(pd.steps):
        if name == POST_INCIDENT:
            report += fired[:, si]
        else:
            ladder += fired[:, si]
    order = [*pm.steps, *(x for x in pd.steps if x not in pm.steps)]  # ladder order
    for ti in range(n_t):
        for name in order:
            if name in pd.steps and fired[ti, pd.steps.index(name)]:
                escalations[(meta.tiers[ti], name)] = {
                    "fired": float(fired[ti, pd.steps.index(name)])
                }
    return ladder, report, escalations


def _credits(
    meta: Meta,
    pm: PromiseMeta,
    pd: PromiseData,
    breached: NDArray[np.bool_],
    tier: Ints,
    kind: Ints,
    ci: Ints,
    at: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Service credits per tier: breaches that count, accounts credited and the
    amount owed (per account, billed by month)."""
    tiers, n_t = meta.tiers, len(meta.tiers)
    counted = np.zeros(n_t)
    credited = np.zeros(n_t)
    owed = np.zeros(n_t)
    if pm.credit_rule is None:
        return counted, credited, owed
    rule = CreditRule(**pm.credit_rule)
    kinds = [PROMISE_KINDS.index(k) for k in rule.promises if k in PROMISE_KINDS]
    if rule.tier not in tiers:
        return counted, credited, owed
    rt = tiers.index(rule.tier)
    mb = breached & (tier == rt) & np.isin(kind, kinds)
    counted[rt] = float(mb.sum())
    acct = pd.account[ci[mb]]
    names = [
        f"{rule.tier}-{a}" if a >= 0 else f"contact-{x}"
        for a, x in zip(acct.tolist(), ci[mb].tolist(), strict=True)
    ]
    breaches = [
        Breach(name, rule.tier, PROMISE_KINDS[k], float(t))
        for name, k, t in zip(names, kind[mb].tolist(), at[mb], strict=True)
    ]
    fees = dict.fromkeys(names, pm.monthly_fee[rt])
    credits = compute_credits(breaches, fees, rule, epoch=pm.epoch)
    credited[rt] = float(len(credits))
    owed[rt] = float(sum(x.amount for x in credits))
    return counted, credited, owed
