"""Per-replication statistics and confidence intervals across replications.

Each replication's contact columns are aggregated with numpy into one value per
cell (tier × channel, and the same per interval of arrival) and metric; the
replications are then independent observations of each value, summarised by
their mean and a Student-t 95 % confidence interval.

Definitions (contacts arriving in the warm-up or from the initial backlog are left
out; "offered" = contacts that arrived):

- ``service_level``: answered within the tier's target for the channel / offered;
- ``wait_probability``: share of offered contacts not answered at once;
- ``mean_wait``, ``p90_wait``, ``p95_wait``: wait of answered contacts (ASA and
  percentiles);
- ``mean_queue_time``: time in queue of every contact that left the queue
  (answered or abandoned), the waiting time of queueing theory's ``E[W]``;
- ``abandon_rate``: abandoned / offered; ``unanswered`` are still waiting when the
  run stopped (only with ``drain = false`` or ``max_drain``);
- ``cost_per_contact``: channel rates plus the agents' paid cost, spread over
  handled contacts in proportion to the capacity-time each used;
- ``occupancy`` (per agent group): capacity-weighted busy time (handle plus
  wrap-up) / logged-in time outside breaks, both after the warm-up;
  ``paid_hours`` and ``agent_cost`` count the whole day (warm-up included).

Promises (when the scenario tracks the policy's promises; same contacts):

- per ``(tier, promise kind, channel)``: ``decided`` (attained + breached),
  ``attained``, ``breached``, ``abandoned`` (the customer left first: not counted
  in attainment), ``open`` (undecided when the run stopped), ``attainment``
  (attained / decided), ``goal`` (the target's share to keep) and ``met`` (1 when
  attainment >= goal in the replication, so its mean is the share of days the
  goal was met); ``(tier, "all", "all")`` totals every promise of the tier, its
  ``met`` being 1 when every promise of the tier met its goal;
- per tier (``service``): escalation steps fired and post-incident reports due,
  VIP callbacks offered, accepted, kept (answered within their due time) and
  late, and service credits: breaches that count under the credit rule, accounts
  credited and credits owed (each replication's breaches alone, billed in the
  month of the scenario's date);
- per ``(tier, escalation step)``: steps ``fired``.

>>> est = estimate(np.array([1.0, 2.0, 3.0]))
>>> round(est.mean, 3), round(est.half_width, 3), est.n
(2.0, 2.484, 3)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tierroute.planning.simulation.plan import Meta
from tierroute.planning.simulation.promise_metrics import promise_tables
from tierroute.planning.simulation.recorder import ABANDONED, ANSWERED, ReplicationData

__all__ = [
    "CONTACT_METRICS",
    "ESCALATION_METRICS",
    "PROMISE_METRICS",
    "SERVICE_METRICS",
    "Estimate",
    "Tables",
    "estimate",
    "replication_tables",
    "t_quantile_975",
]

CONTACT_METRICS = (
    "offered",
    "answered",
    "abandoned",
    "unanswered",
    "service_level",
    "wait_probability",
    "mean_wait",
    "p90_wait",
    "p95_wait",
    "mean_queue_time",
    "abandon_rate",
    "mean_handle",
    "cost_per_contact",
)
"""Metrics of a tier × channel cell, in report order."""

PROMISE_METRICS = (
    "decided",
    "attained",
    "breached",
    "abandoned",
    "open",
    "attainment",
    "goal",
    "met",
)
"""Metrics of a tier × promise kind × channel row, in report order."""

SERVICE_METRICS = (
    "escalations",
    "post_incident_reports",
    "callbacks_offered",
    "callbacks_accepted",
    "callbacks_kept",
    "callbacks_late",
    "callback_kept_share",
    "credit_breaches",
    "accounts_credited",
    "credits_owed",
)
"""Per-tier service figures: escalations, VIP callbacks and credits."""

ESCALATION_METRICS = ("fired",)
"""Metrics of a tier × escalation step row."""

_COUNTS = frozenset(
    {"offered", "answered", "abandoned", "unanswered"}
    | {"decided", "attained", "breached", "open", "fired"}
    | (set(SERVICE_METRICS) - {"callback_kept_share"})
)

_T975 = (
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
)  # fmt: skip


def t_quantile_975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom.

    Tabulated up to 30; beyond, the Cornish–Fisher expansion (Abramowitz & Stegun
    26.7.5), exact to 1e-4 there.

    >>> t_quantile_975(9), round(t_quantile_975(1000), 4)
    (2.2622, 1.9623)
    """
    if df < 1:
        return math.nan
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959963984540054
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


@dataclass(frozen=True)
class Estimate:
    """A mean across replications with its 95 % confidence interval.

    Attributes:
        mean: Mean of the replications' values (NaN when none has one).
        half_width: Half-width of the Student-t 95 % interval (NaN with fewer than
            two values).
        n: Replications that had a value (a cell with no contacts has none).
    """

    mean: float
    half_width: float
    n: int

    @property
    def low(self) -> float:
        """Lower end of the interval."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """Upper end of the interval."""
        return self.mean + self.half_width

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the interval."""
        return bool(self.low <= value <= self.high)

    def as_dict(self) -> dict[str, float | int]:
        """``{"mean", "low", "high", "half_width", "n"}``."""
        return {
            "mean": self.mean,
            "low": self.low,
            "high": self.high,
            "half_width": self.half_width,
            "n": self.n,
        }


def estimate(values: NDArray[np.float64]) -> Estimate:
    """Mean and 95 % CI of independent replication values (NaNs ignored)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return Estimate(math.nan, math.nan, 0)
    mean = float(v.mean())
    if n < 2:
        return Estimate(mean, math.nan, 1)
    sd = float(v.std(ddof=1))
    return Estimate(mean, t_quantile_975(n - 1) * sd / math.sqrt(n), n)


@dataclass(frozen=True)
class Tables:
    """One replication's values.

    Attributes:
        cells: ``(tier, channel)`` names (``"all"`` for the totals) → metric → value.
        intervals: ``(tier, channel, interval)`` → metric → value.
        occupancy: agent group (or ``"all"``) → ``{"occupancy", "paid_hours",
            "available_hours", "busy_hours", "agent_cost"}``.
        interval_occupancy: ``(group, interval)`` → occupancy.
        promises: ``(tier, kind, channel)`` → :data:`PROMISE_METRICS` (empty when
            promises are not tracked).
        service: tier (and ``"all"``) → :data:`SERVICE_METRICS`.
        escalations: ``(tier, step)`` → ``{"fired"}``.
    """

    cells: dict[tuple[str, str], dict[str, float]]
    intervals: dict[tuple[str, str, int], dict[str, float]]
    occupancy: dict[str, dict[str, float]]
    interval_occupancy: dict[tuple[str, int], float]
    promises: dict[tuple[str, str, str], dict[str, float]] = field(default_factory=dict)
    service: dict[str, dict[str, float]] = field(default_factory=dict)
    escalations: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)


def _percentiles(
    keys: NDArray[np.int64], values: NDArray[np.float64], n_keys: int, q: float
) -> NDArray[np.float64]:
    """Per-key ``q`` quantile (numpy's linear interpolation), NaN for empty keys."""
    out = np.full(n_keys, np.nan)
    if len(keys) == 0:
        return out
    order = np.lexsort((values, keys))
    k, v = keys[order], values[order]
    counts = np.bincount(k, minlength=n_keys)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    has = counts > 0
    pos = q * (counts[has] - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, counts[has] - 1)
    base = first[has]
    out[has] = v[base + lo] + (pos - lo) * (v[base + hi] - v[base + lo])
    return out


def _cell_values(
    keys: NDArray[np.int64],
    n_keys: int,
    outcome: NDArray[np.int64],
    wait: NDArray[np.float64],
    queue: NDArray[np.float64],
    within: NDArray[np.bool_],
    handle: NDArray[np.float64],
    cost: NDArray[np.float64],
) -> dict[str, NDArray[np.float64]]:
    """Every contact metric for each key."""

    def count(mask: NDArray[np.bool_] | None = None) -> NDArray[np.float64]:
        k = keys if mask is None else keys[mask]
        out: NDArray[np.float64] = np.bincount(k, minlength=n_keys).astype(float)
        return out

    def total(x: NDArray[np.float64], mask: NDArray[np.bool_]) -> NDArray[np.float64]:
        out = np.bincount(keys[mask], weights=x[mask], minlength=n_keys)
        return out.astype(float, copy=False)

    ans = outcome == ANSWERED
    left = ans | (outcome == ABANDONED)
    offered = count()
    answered = count(ans)
    abandoned = count(outcome == ABANDONED)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_offered = np.where(offered > 0, 1.0, np.nan) / offered
        per_answered = np.where(answered > 0, 1.0, np.nan) / answered
        n_left = count(left)
        return {
            "offered": offered,
            "answered": answered,
            "abandoned": abandoned,
            "unanswered": offered - answered - abandoned,
            "service_level": count(ans & within) * per_offered,
            "wait_probability": (offered - count(ans & (wait <= 0.0))) * per_offered,
            "mean_wait": total(wait, ans) * per_answered,
            "p90_wait": _percentiles(keys[ans], wait[ans], n_keys, 0.90),
            "p95_wait": _percentiles(keys[ans], wait[ans], n_keys, 0.95),
            "mean_queue_time": total(queue, left) / np.where(n_left > 0, n_left, np.nan),
            "abandon_rate": abandoned * per_offered,
            "mean_handle": total(handle, ans) * per_answered,
            "cost_per_contact": total(cost, ans) * per_answered,
        }


def _overlap(
    starts: NDArray[np.float64],
    ends: NDArray[np.float64],
    weights: NDArray[np.float64],
    edges: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Weighted time the segments ``[start, end)`` spend in each bin of ``edges``."""

    def integral(points: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
        # sum of w * max(0, x - p) over points p, for each x
        order = np.argsort(points)
        p, w = points[order], weights[order]
        cw = np.concatenate(([0.0], np.cumsum(w)))
        cwp = np.concatenate(([0.0], np.cumsum(w * p)))
        i = np.searchsorted(p, x, side="left")
        out: NDArray[np.float64] = x * cw[i] - cwp[i]
        return out

    if len(starts) == 0:
        return np.zeros(len(edges) - 1)
    f = integral(starts, edges) - integral(ends, edges)
    return np.diff(f)


def replication_tables(meta: Meta, data: ReplicationData) -> Tables:
    """Aggregate one replication into :class:`Tables`."""
    c = data.columns
    ans = c["outcome"] == ANSWERED
    wrap = np.asarray(meta.wrap)[c["channel"]]
    busy_w, cost = _costs(meta, data, ans, wrap)
    # contacts in the summaries: arrived in the horizon after the warm-up
    keep = ~c["backlog"] & (c["arrived"] >= meta.start + meta.warmup)
    cells, intervals = _cells(meta, c, ans, keep, cost)
    occupancy, interval_occupancy = _occupancy(meta, data, ans, wrap, busy_w)
    if data.promises is None or meta.promises is None:
        return Tables(cells, intervals, occupancy, interval_occupancy)
    promises, service, escalations = promise_tables(meta, data, keep)
    return Tables(cells, intervals, occupancy, interval_occupancy, promises, service, escalations)


def _costs(
    meta: Meta, data: ReplicationData, ans: NDArray[np.bool_], wrap: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each contact's capacity-time used (``busy_w``, zero unless answered) and its
    cost: channel rates, then the paid agent cost spread by capacity-time used."""
    c = data.columns
    channel, handle = c["channel"], c["handle"]
    ch_cost = np.asarray(meta.channel_cost, dtype=float)[channel]
    capacity = np.asarray([*meta.group_capacity, 1], dtype=float)[c["group"]]
    busy_w = np.where(ans, (handle + wrap) * ch_cost / capacity, 0.0)
    g_login, s_login, e_login = data.login
    rate = np.asarray(meta.group_cost_per_hour, dtype=float)
    agent_cost = float((rate[g_login] * (e_login - s_login)).sum() / 3600.0)
    spent = busy_w.sum()
    cost = (
        np.asarray(meta.per_contact)[channel]
        + np.asarray(meta.per_busy_hour)[channel] * (handle + wrap) / 3600.0
        + (agent_cost * busy_w / spent if spent > 0 else 0.0)
    )
    return busy_w, cost


def _cells(
    meta: Meta,
    c: dict[str, NDArray[Any]],
    ans: NDArray[np.bool_],
    keep: NDArray[np.bool_],
    cost: NDArray[np.float64],
) -> tuple[dict[tuple[str, str], dict[str, float]], dict[tuple[str, str, int], dict[str, float]]]:
    """The contact metrics of the kept contacts per (tier, channel) and per interval of
    arrival, with ``"all"`` totals."""
    n_t, n_c, n_i = len(meta.tiers), len(meta.channels), meta.n_intervals
    tier, channel, outcome = c["tier"], c["channel"], c["outcome"]
    arrived, answered, left, handle = c["arrived"], c["answered"], c["left"], c["handle"]
    wait = answered - arrived
    queue = np.where(ans, wait, left - arrived)
    within = ans & (wait <= meta.targets[tier, channel] + 1e-9)
    k_int = np.clip(((arrived - meta.start) // meta.interval).astype(np.int64), 0, n_i - 1)
    idx = np.flatnonzero(keep)
    # four views: (tier, channel), (all, channel), (tier, all), (all, all)
    t4 = np.concatenate([tier[idx], np.full(len(idx), n_t), tier[idx], np.full(len(idx), n_t)])
    c4 = np.concatenate(
        [channel[idx], channel[idx], np.full(len(idx), n_c), np.full(len(idx), n_c)]
    )
    i4 = np.tile(k_int[idx], 4)
    r4 = np.tile(idx, 4)
    cell = t4 * (n_c + 1) + c4
    n_cells = (n_t + 1) * (n_c + 1)
    args = (outcome[r4], wait[r4], queue[r4], within[r4], handle[r4], cost[r4])
    by_cell = _cell_values(cell, n_cells, *args)
    by_int = _cell_values(cell * n_i + i4, n_cells * n_i, *args)
    tier_names = (*meta.tiers, "all")
    ch_names = (*meta.channels, "all")
    cells: dict[tuple[str, str], dict[str, float]] = {}
    intervals: dict[tuple[str, str, int], dict[str, float]] = {}
    for key in np.unique(cell).tolist():
        ti, ci = divmod(key, n_c + 1)
        name = (tier_names[ti], ch_names[ci])
        cells[name] = {m: float(v[key]) for m, v in by_cell.items()}
        for k in range(n_i):
            j = key * n_i + k
            if by_int["offered"][j] > 0:
                intervals[(*name, k)] = {m: float(v[j]) for m, v in by_int.items()}
    return cells, intervals


def _occupancy(
    meta: Meta,
    data: ReplicationData,
    ans: NDArray[np.bool_],
    wrap: NDArray[np.float64],
    busy_w: NDArray[np.float64],
) -> tuple[dict[str, dict[str, float]], dict[tuple[str, int], float]]:
    """Occupancy per agent group (and ``"all"``), overall after the warm-up and per
    interval."""
    c = data.columns
    n_i = meta.n_intervals
    group, answered, handle = c["group"], c["answered"], c["handle"]
    g_login, s_login, e_login = data.login
    g_break, s_break, e_break = data.breaks
    rate = np.asarray(meta.group_cost_per_hour, dtype=float)
    lo = meta.start + meta.warmup
    span = np.array([lo, max(lo, data.end)])
    edges = meta.start + meta.interval * np.arange(n_i + 1, dtype=float)
    occupancy: dict[str, dict[str, float]] = {}
    interval_occupancy: dict[tuple[str, int], float] = {}
    totals = np.zeros(4)
    for gi, g_name in enumerate(meta.groups):
        m_a = ans & (group == gi)
        m_l, m_b = g_login == gi, g_break == gi
        ones_l, ones_b = np.ones(int(m_l.sum())), np.ones(int(m_b.sum()))
        busy_s, busy_e = answered[m_a], answered[m_a] + handle[m_a] + wrap[m_a]
        weight = busy_w[m_a] / np.maximum(handle[m_a] + wrap[m_a], 1e-12)
        figures = []
        for bins in (span, edges):
            busy = _overlap(busy_s, busy_e, weight, bins)
            paid = _overlap(s_login[m_l], e_login[m_l], ones_l, bins)
            avail = paid - _overlap(s_break[m_b], e_break[m_b], ones_b, bins)
            figures.append((busy, paid, avail))
        (busy, paid, avail), (busy_i, _, avail_i) = figures
        paid_all = float((e_login[m_l] - s_login[m_l]).sum())
        g_cost = float(rate[gi] * paid_all / 3600.0)
        occupancy[g_name] = {
            "occupancy": float(busy[0] / avail[0]) if avail[0] > 0 else math.nan,
            "paid_hours": paid_all / 3600.0,
            "available_hours": float(avail[0]) / 3600.0,
            "busy_hours": float(busy[0]) / 3600.0,
            "agent_cost": g_cost,
        }
        totals += (busy[0], avail[0], paid_all, g_cost)
        for k in range(n_i):
            if avail_i[k] > 0:
                interval_occupancy[(g_name, k)] = float(busy_i[k] / avail_i[k])
    occupancy["all"] = {
        "occupancy": float(totals[0] / totals[1]) if totals[1] > 0 else math.nan,
        "paid_hours": float(totals[2]) / 3600.0,
        "available_hours": float(totals[1]) / 3600.0,
        "busy_hours": float(totals[0]) / 3600.0,
        "agent_cost": float(totals[3]),
    }
    return occupancy, interval_occupancy


def combine(
    per_rep: list[dict[Any, dict[str, float]]],
) -> dict[Any, dict[str, Estimate]]:
    """Across replications: for every key and metric, the :class:`Estimate`.

    A key missing from a replication counts as "no value" there (NaN), except
    counts (contacts, promises, escalations, callbacks, credits), which are zero.
    """
    keys: list[Any] = []
    seen: set[Any] = set()
    for table in per_rep:
        for key in table:
            if key not in seen:
                seen.add(key)
                keys.append(key)
    zero = _COUNTS
    out: dict[Any, dict[str, Estimate]] = {}
    for key in keys:
        metrics: list[str] = []
        for table in per_rep:
            if key in table:
                metrics = list(table[key])
                break
        row = {}
        for m in metrics:
            default = 0.0 if m in zero else math.nan
            values = np.array([t.get(key, {}).get(m, default) for t in per_rep], dtype=float)
            row[m] = estimate(values)
        out[key] = row
    return out
