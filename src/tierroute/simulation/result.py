""":class:`SimulationResult`: summaries with confidence intervals, flat per-contact
records, and exports to pandas, JSON and CSV.
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

from tierroute.simulation._units import format_clock
from tierroute.simulation.engine import ReplicationData
from tierroute.simulation.metrics import (
    CONTACT_METRICS,
    Estimate,
    Tables,
    combine,
    replication_tables,
)
from tierroute.simulation.plan import Meta

__all__ = ["SimulationResult"]

_OUTCOMES = ("unanswered", "answered", "abandoned")
_OCCUPANCY = ("occupancy", "paid_hours", "available_hours", "busy_hours", "agent_cost")


@dataclass
class SimulationResult:
    """What :func:`~tierroute.simulation.simulate` returns.

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

    def to_pandas(self, table: str = "records") -> Any:
        """A pandas DataFrame of ``"records"``, ``"summary"``, ``"intervals"`` or
        ``"occupancy"``.

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
        }
        if table not in rows:
            raise ValueError(
                f"table must be 'records', 'summary', 'intervals' or 'occupancy', got {table!r}"
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
        if records:
            out["records"] = [_jsonable(r) for r in self.records()]
        return out

    def to_json(self, path: str | Path, *, records: bool = False) -> None:
        """Write :meth:`to_dict` as JSON (NaN written as ``null``)."""
        Path(path).write_text(json.dumps(self.to_dict(records=records), indent=2) + "\n")

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write ``summary.csv``, ``intervals.csv``, ``occupancy.csv`` and
        ``records.csv`` into ``directory`` (created if needed); returns the paths."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        written = []
        for name, rows in (
            ("summary", self.summary_rows()),
            ("intervals", self.interval_rows()),
            ("occupancy", self.occupancy_rows()),
        ):
            written.append(_write_csv(d / f"{name}.csv", rows))
        cols = self.columns()
        path = d / "records.csv"
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(list(cols))
            w.writerows(zip(*(c.tolist() for c in cols.values()), strict=True))
        written.append(path)
        return written


def _flat(row: dict[str, Estimate]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in (*CONTACT_METRICS, *_OCCUPANCY):
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
