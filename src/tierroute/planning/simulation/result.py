""":class:`SimulationResult`: summaries with confidence intervals, flat per-contact
records, and exports to pandas, JSON and CSV.

When the scenario tracks the policy's promises the result also has, per tier, the
attainment of each promise against its goal, escalations, VIP callbacks and
service credits (:attr:`SimulationResult.promises`, :attr:`~SimulationResult.service`,
:attr:`~SimulationResult.escalations`, :meth:`~SimulationResult.targets_met`).
"""

from __future__ import annotations

import csv
import importlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tierroute.planning.simulation._units import format_clock
from tierroute.planning.simulation.metrics import (
    CONTACT_METRICS,
    ESCALATION_METRICS,
    PROMISE_METRICS,
    SERVICE_METRICS,
    Estimate,
    Tables,
    combine,
    replication_tables,
)
from tierroute.planning.simulation.plan import Meta
from tierroute.planning.simulation.recorder import ReplicationData

__all__ = ["SimulationResult"]

_OUTCOMES = ("unanswered", "answered", "abandoned")
_OCCUPANCY = ("occupancy", "paid_hours", "available_hours", "busy_hours", "agent_cost")


@dataclass
class SimulationResult:
    """What :func:`~tierroute.planning.simulation.simulate` returns.

    Attributes:
        meta: Names, targets and costs of the scenario.
        replications: Each replication's raw data, in replication order.
        tables: Each replication's aggregated values.
        seed: The root seed.
    """

    meta: Meta
    replications: list[ReplicationData]
    tables: list[Tables]
    seed: int

    @classmethod
    def from_replications(
        cls, meta: Meta, replications: list[ReplicationData], seed: int
    ) -> SimulationResult:
        """Aggregate raw replications (sorted by index)."""
        reps = sorted(replications, key=lambda r: r.index)
        return cls(meta, reps, [replication_tables(meta, r) for r in reps], seed)

    # ------------------------------------------------------------------ summaries

    @property
    def n_replications(self) -> int:
        """Number of replications."""
        return len(self.replications)

    @cached_property
    def summary(self) -> dict[tuple[str, str], dict[str, Estimate]]:
        """``(tier, channel)`` → metric → :class:`Estimate` (``"all"`` for totals)."""
        return combine([dict(t.cells) for t in self.tables])

    @cached_property
    def by_interval(self) -> dict[tuple[str, str, int], dict[str, Estimate]]:
        """``(tier, channel, interval)`` → metric → :class:`Estimate`."""
        return combine([dict(t.intervals) for t in self.tables])

    @cached_property
    def occupancy(self) -> dict[str, dict[str, Estimate]]:
        """Agent group (and ``"all"``) → occupancy figures → :class:`Estimate`."""
        return combine([dict(t.occupancy) for t in self.tables])

    @cached_property
    def occupancy_by_interval(self) -> dict[tuple[str, int], Estimate]:
        """``(group, interval)`` → occupancy :class:`Estimate`."""
        rows = combine(
            [{k: {"occupancy": v} for k, v in t.interval_occupancy.items()} for t in self.tables]
        )
        return {k: v["occupancy"] for k, v in rows.items()}

    # ------------------------------------------------------------------ promises

    @property
    def has_promises(self) -> bool:
        """Whether the scenario tracked the policy's promises."""
        return self.meta.promises is not None

    @cached_property
    def promises(self) -> dict[tuple[str, str, str], dict[str, Estimate]]:
        """``(tier, kind, channel)`` → promise metric → :class:`Estimate`
        (``(tier, "all", "all")`` for the tier's totals); empty without promises,
        e.g. ``result.promises[("elite", "answer", "voice")]["attainment"]``."""
        rows = combine([dict(t.promises) for t in self.tables])
        return dict(sorted(rows.items(), key=lambda kv: self._promise_order(kv[0])))

    @cached_property
    def service(self) -> dict[str, dict[str, Estimate]]:
        """Tier (and ``"all"``) → escalations, VIP callbacks and credits →
        :class:`Estimate`; empty without promises."""
        return combine([dict(t.service) for t in self.tables])

    @cached_property
    def escalations(self) -> dict[tuple[str, str], dict[str, Estimate]]:
        """``(tier, step)`` → ``{"fired": Estimate}``; empty without promises."""
        return combine([dict(t.escalations) for t in self.tables])

    def targets_met(self) -> dict[str, bool | None]:
        """Tier → whether it met its own promises: for every promise (kind and
        channel) of the tier, the mean attainment across replications is at least
        the goal. ``None`` for a tier with no decided promise."""
        out: dict[str, bool | None] = {}
        for tier in self.meta.tiers:
            rows = [
                row
                for (t, kind, _), row in self.promises.items()
                if t == tier and kind != "all" and math.isfinite(row["attainment"].mean)
            ]
            if rows or any(t == tier for t, _, _ in self.promises):
                out[tier] = (
                    all(r["attainment"].mean >= r["goal"].mean - 1e-12 for r in rows)
                    if rows
                    else None
                )
        return out

    def lower_tiers_met(self) -> bool | None:
        """Whether every tier below the top one met its own promises (value buys
        priority, not the starvation of the rest); ``None`` when none has any."""
        met = self.targets_met()
        lower = [met[t] for t in self.meta.tiers[:-1] if met.get(t) is not None]
        return all(lower) if lower else None

    def _promise_order(self, key: tuple[str, str, str]) -> tuple[int, int, int]:
        tiers = (*self.meta.tiers, "all")
        kinds = ("answer", "first_response", "resolution", "callback", "all")
        chans = (*self.meta.channels, "all")
        return (tiers.index(key[0]), kinds.index(key[1]), chans.index(key[2]))

    def get(
        self, metric: str, tier: str = "all", channel: str = "all", interval: int | None = None
    ) -> Estimate:
        """One figure, e.g. ``result.get("service_level", "elite", "voice")``.

        Raises:
            KeyError: No contact of that tier and channel (in that interval).
        """
        if interval is None:
            return self.summary[(tier, channel)][metric]
        return self.by_interval[(tier, channel, interval)][metric]

    def interval_label(self, k: int) -> str:
        """``"HH:MM"`` start of interval ``k``."""
        return format_clock(self.meta.start + k * self.meta.interval)

    # ------------------------------------------------------------------ records

    def columns(self) -> dict[str, NDArray[Any]]:
        """Per-contact records of every replication as named numpy columns.

        Names are decoded to strings; times are seconds since midnight; ``wait`` is
        NaN for contacts never answered.
        """
        m = self.meta
        reps = self.replications
        if not reps:
            return {}

        def cat(name: str) -> NDArray[Any]:
            return np.concatenate([r.columns[name] for r in reps])

        def decode(codes: NDArray[np.int64], names: tuple[str, ...]) -> NDArray[Any]:
            table = np.asarray([*names, ""], dtype=object)
            return table[np.where(codes < 0, len(names), codes)]

        rep = np.concatenate([np.full(len(r.columns["tier"]), r.index) for r in reps])
        contact = np.concatenate([np.arange(len(r.columns["tier"])) for r in reps])
        agent = np.concatenate(
            [
                np.asarray([*r.agent_ids, ""], dtype=object)[
                    np.where(r.columns["agent"] < 0, len(r.agent_ids), r.columns["agent"])
                ]
                for r in reps
            ]
        )
        arrived, answered = cat("arrived"), cat("answered")
        backlog = cat("backlog")
        return {
            "replication": rep,
            "contact": contact,
            "stream": decode(cat("stream"), m.streams),
            "channel": decode(cat("channel"), m.channels),
            "tier": decode(cat("tier"), m.tiers),
            "severity": cat("severity"),
            "language": decode(cat("language"), m.languages),
            "arrived": arrived,
            "interval": np.clip(
                ((arrived - m.start) // m.interval).astype(np.int64), -1, m.n_intervals - 1
            ),
            "outcome": decode(cat("outcome"), _OUTCOMES),
            "answered": answered,
            "left": cat("left"),
            "wait": answered - arrived,
            "handle": cat("handle"),
            "agent": agent,
            "group": decode(cat("group"), m.groups),
            "step": decode(cat("step"), m.steps),
            "backlog": backlog,
            "warmup": ~backlog & (arrived < m.start + m.warmup),
        }

    def records(self) -> list[dict[str, Any]]:
        """Per-contact records as a list of flat dicts (see :meth:`columns`)."""
        cols = self.columns()
        if not cols:
            return []
        names = list(cols)
        lists = [cols[n].tolist() for n in names]
        return [dict(zip(names, row, strict=True)) for row in zip(*lists, strict=True)]

    # ------------------------------------------------------------------ tables

    def summary_rows(self) -> list[dict[str, Any]]:
        """The summary as flat rows: one per tier × channel, ``metric`` and
        ``metric_low`` / ``metric_high`` columns."""
        return [
            {"tier": t, "channel": c, **_flat(row)} for (t, c), row in _sorted(self.summary, self)
        ]

    def interval_rows(self) -> list[dict[str, Any]]:
        """Per-interval summary rows (``interval`` index and ``start`` clock time)."""
        out = []
        for (t, c, k), row in sorted(self.by_interval.items(), key=lambda kv: _order(kv[0], self)):
            out.append(
                {"tier": t, "channel": c, "interval": k, "start": self.interval_label(k)}
                | _flat(row)
            )
        return out

    def occupancy_rows(self) -> list[dict[str, Any]]:
        """Per agent group rows of occupancy, hours and agent cost."""
        return [{"group": g} | _flat(row) for g, row in self.occupancy.items()]

    def promise_rows(self) -> list[dict[str, Any]]:
        """One row per tier × promise kind × channel (and the tier's totals):
        decided, attained, breached, abandoned, open, attainment, goal, met, each
        with ``_low`` / ``_high``. Empty without promises."""
        return [
            {"tier": t, "promise": k, "channel": c} | _flat(row, PROMISE_METRICS)
            for (t, k, c), row in self.promises.items()
        ]

    def service_rows(self) -> list[dict[str, Any]]:
        """One row per tier (and ``"all"``): escalations, post-incident reports,
        callbacks offered / accepted / kept / late, credit breaches, accounts credited,
        credits owed, and ``targets_met`` (see :meth:`targets_met`; on the ``"all"``
        row, whether every tier met its own; ``None`` without promises to judge)."""
        met = self.targets_met()
        judged = [m for m in met.values() if m is not None]
        met["all"] = all(judged) if judged else None
        order = (*self.meta.tiers, "all")
        return [
            {"tier": t} | _flat(row, SERVICE_METRICS) | {"targets_met": met.get(t)}
            for t, row in sorted(self.service.items(), key=lambda kv: order.index(kv[0]))
        ]

    def escalation_rows(self) -> list[dict[str, Any]]:
        """One row per tier × escalation step: steps ``fired``."""
        return [
            {"tier": t, "step": step} | _flat(row, ESCALATION_METRICS)
            for (t, step), row in self.escalations.items()
        ]

    def to_pandas(self, table: str = "records") -> Any:
        """A pandas DataFrame of ``"records"``, ``"summary"``, ``"intervals"``,
        ``"occupancy"``, or (with promises) ``"promises"``, ``"service"`` or
        ``"escalations"``.

        Raises:
            ImportError: pandas is not installed (``pip install 'tierroute[pandas]'``).
            ValueError: Unknown table.
        """
        try:
            pd = importlib.import_module("pandas")
        except ImportError:
            raise ImportError("to_pandas needs pandas: pip install 'tierroute[pandas]'") from None
        if table == "records":
            return pd.DataFrame(self.columns())
        rows = {
            "summary": self.summary_rows,
            "intervals": self.interval_rows,
            "occupancy": self.occupancy_rows,
            "promises": self.promise_rows,
            "service": self.service_rows,
            "escalations": self.escalation_rows,
        }
        if table not in rows:
            raise ValueError(
                "table must be 'records', 'summary', 'intervals', 'occupancy', 'promises', "
                f"'service' or 'escalations', got {table!r}"
            )
        return pd.DataFrame(rows[table]())

    def to_dict(self, *, records: bool = False) -> dict[str, Any]:
        """JSON-ready summary (and, if asked, the records)."""
        m = self.meta
        out: dict[str, Any] = {
            "scenario": m.name,
            "seed": self.seed,
            "replications": self.n_replications,
            "start": format_clock(m.start),
            "horizon_s": m.horizon,
            "interval_s": m.interval,
            "warmup_s": m.warmup,
            "confidence": 0.95,
            "busyness": [r.busyness for r in self.replications],
            "day_end": [format_clock(r.end) for r in self.replications],
            "summary": [_jsonable(r) for r in self.summary_rows()],
            "intervals": [_jsonable(r) for r in self.interval_rows()],
            "occupancy": [_jsonable(r) for r in self.occupancy_rows()],
        }
        if self.has_promises:
            out["promises"] = {
                "promises": [_jsonable(r) for r in self.promise_rows()],
                "service": [_jsonable(r) for r in self.service_rows()],
                "escalations": [_jsonable(r) for r in self.escalation_rows()],
                "targets_met": self.targets_met(),
                "lower_tiers_met": self.lower_tiers_met(),
            }
        if records:
            out["records"] = [_jsonable(r) for r in self.records()]
        return out

    def to_json(self, path: str | Path, *, records: bool = False) -> None:
        """Write :meth:`to_dict` as JSON (NaN written as ``null``)."""
        Path(path).write_text(json.dumps(self.to_dict(records=records), indent=2) + "\n")

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write ``summary.csv``, ``intervals.csv``, ``occupancy.csv`` and
        ``records.csv`` (with promises also ``promises.csv``, ``service.csv`` and
        ``escalations.csv``) into ``directory`` (created if needed); returns the
        paths."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        written = []
        tables = [
            ("summary", self.summary_rows()),
            ("intervals", self.interval_rows()),
            ("occupancy", self.occupancy_rows()),
        ]
        if self.has_promises:
            tables += [
                ("promises", self.promise_rows()),
                ("service", self.service_rows()),
                ("escalations", self.escalation_rows()),
            ]
        for name, rows in tables:
            written.append(_write_csv(d / f"{name}.csv", rows))
        cols = self.columns()
        path = d / "records.csv"
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(list(cols))
            w.writerows(zip(*(c.tolist() for c in cols.values()), strict=True))
        written.append(path)
        return written


def _flat(
    row: dict[str, Estimate], metrics: tuple[str, ...] = (*CONTACT_METRICS, *_OCCUPANCY)
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in metrics:
        if m in row:
            e = row[m]
            out[m] = e.mean
            out[m + "_low"] = e.low
            out[m + "_high"] = e.high
    return out


def _order(key: tuple[Any, ...], result: SimulationResult) -> tuple[Any, ...]:
    tiers = (*result.meta.tiers, "all")
    chans = (*result.meta.channels, "all")
    return (chans.index(key[1]), tiers.index(key[0]), *key[2:])


def _sorted(
    table: dict[tuple[str, str], dict[str, Estimate]], result: SimulationResult
) -> Iterator[tuple[tuple[str, str], dict[str, Estimate]]]:
    yield from sorted(table.items(), key=lambda kv: _order(kv[0], result))


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        x = v.item() if isinstance(v, np.generic) else v
        out[k] = None if isinstance(x, float) and not math.isfinite(x) else x
    return out


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as fh:
        if rows:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return path
