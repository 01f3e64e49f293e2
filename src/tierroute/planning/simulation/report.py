"""Readable reports of a :class:`~tierroute.planning.simulation.result.SimulationResult`:
a table per tier (rich when installed, plain text otherwise) and plots of service
level and wait by interval (matplotlib, Agg backend).

With promises tracked, each tier also gets a compact promises table (attainment of
each promise against its goal, breaches, on how many simulated days the goal was
met), a line of escalations, VIP callbacks and service credits, and whether the
tier met its own promises; the report ends with whether the lower tiers did.
"""

from __future__ import annotations

import importlib
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tierroute.planning.simulation._units import format_clock
from tierroute.planning.simulation.metrics import Estimate
from tierroute.planning.simulation.result import SimulationResult

__all__ = [
    "format_duration",
    "plot",
    "print_report",
    "promise_report_rows",
    "report_rows",
    "report_text",
    "service_lines",
]

_HEADERS = (
    "channel",
    "offered",
    "SL (target)",
    "ASA",
    "p90 wait",
    "abandoned",
    "cost/contact",
)


def format_duration(seconds: float) -> str:
    """Seconds as ``"12.3 s"``, ``"4.2 min"`` or ``"2.1 h"``.

    >>> format_duration(12.34), format_duration(252), format_duration(7560)
    ('12.3 s', '4.2 min', '2.1 h')
    """
    if not math.isfinite(seconds):
        return "–"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _pm(e: Estimate, fmt: Callable[[float], str]) -> str:
    if not math.isfinite(e.mean):
        return "–"
    if not math.isfinite(e.half_width):
        return fmt(e.mean)
    return f"{fmt(e.mean)} ± {fmt(e.half_width)}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _with_cost(result: SimulationResult) -> bool:
    return any(row["cost_per_contact"].mean > 0 for row in result.summary.values())


def _headers(result: SimulationResult) -> tuple[str, ...]:
    return _HEADERS if _with_cost(result) else _HEADERS[:-1]


def report_rows(result: SimulationResult) -> dict[str, list[tuple[str, ...]]]:
    """Tier → rows of the report table (strings, one row per channel, then
    ``"all"`` when the tier uses several channels). The cost column is left out
    when the scenario gives no costs."""
    width = len(_headers(result))
    m = result.meta
    summary = result.summary
    out: dict[str, list[tuple[str, ...]]] = {}
    tiers = [t for t in (*m.tiers, "all") if any(k[0] == t for k in summary)]
    for tier in tiers:
        channels = [c for c in m.channels if (tier, c) in summary]
        if len(channels) > 1:
            channels.append("all")
        rows: list[tuple[str, ...]] = []
        for ch in channels:
            row = summary[(tier, ch)]
            if ch != "all" and tier != "all":
                target = format_duration(
                    float(m.targets[m.tiers.index(tier), m.channels.index(ch)])
                )
                sl_label = f"{_pm(row['service_level'], _pct)} ({target})"
            else:
                sl_label = _pm(row["service_level"], _pct)
            rows.append(
                (
                    ch,
                    f"{row['offered'].mean:,.0f}",
                    sl_label,
                    _pm(row["mean_wait"], format_duration),
                    _pm(row["p90_wait"], format_duration),
                    _pm(row["abandon_rate"], _pct),
                    _pm(row["cost_per_contact"], lambda x: f"{x:.2f}"),
                )[:width]
            )
        out[tier] = rows
    return out


PROMISE_HEADERS = ("promise", "decided", "attained (goal)", "breached", "abandoned", "goal met")


def _count(e: Estimate) -> str:
    """A mean count: whole numbers from 100 up, one decimal below."""
    digits = 0 if abs(e.mean) >= 100 else 1
    return _pm(e, lambda x: f"{x:,.{digits}f}")


def _yes_no(flag: bool | None) -> str:
    return "–" if flag is None else ("yes" if flag else "no")


def promise_report_rows(result: SimulationResult) -> dict[str, list[tuple[str, ...]]]:
    """Tier → rows of its promises table (one per promise kind and channel, then
    ``"all"``): decided, attained share with its goal, breached, abandoned, and
    whether the goal was met (by the mean attainment) with the share of simulated
    days it was met. Empty without promises."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for (tier, kind, ch), row in result.promises.items():
        att, goal, met = row["attainment"], row["goal"].mean, row["met"]
        label = "all" if kind == "all" else f"{kind.replace('_', ' ')} {ch}"
        days = f"{round(met.mean * met.n)}/{met.n} days" if met.n else ""
        if math.isfinite(goal):
            attained = f"{_pm(att, _pct)} ({goal * 100:g}%)"
            verdict = _yes_no(att.mean >= goal - 1e-12) if math.isfinite(att.mean) else "–"
            verdict += f", {days}" if days else ""
        else:  # the tier's totals: on how many days every promise met its goal
            attained, verdict = _pm(att, _pct), f"all: {days}" if days else "–"
        out.setdefault(tier, []).append(
            (
                label,
                _count(row["decided"]),
                attained,
                _count(row["breached"]),
                _count(row["abandoned"]),
                verdict,
            )
        )
    return out


def service_lines(result: SimulationResult) -> dict[str, list[str]]:
    """Tier → lines of escalations, VIP callbacks, service credits and whether
    the tier met its own promises. Empty without promises."""
    met = result.targets_met()
    out: dict[str, list[str]] = {}
    for tier, row in result.service.items():
        if tier == "all":
            continue
        lines = [
            f"escalations fired {_count(row['escalations'])}"
            f" (post-incident reports due {_count(row['post_incident_reports'])})"
        ]
        if row["callbacks_offered"].mean > 0:
            kept = row["callback_kept_share"]
            lines.append(
                f"callbacks offered {_count(row['callbacks_offered'])},"
                f" accepted {_count(row['callbacks_accepted'])},"
                f" kept {_count(row['callbacks_kept'])}"
                + (f" ({_pm(kept, _pct)} within due)" if math.isfinite(kept.mean) else "")
            )
        if row["credit_breaches"].mean > 0 or row["credits_owed"].mean > 0:
            lines.append(_credit_line(result, tier, row))
        lines.append(f"own promises met: {_yes_no(met.get(tier))}")
        out[tier] = lines
    return out


def _credit_line(result: SimulationResult, tier: str, row: dict[str, Estimate]) -> str:
    pm = result.meta.promises
    assert pm is not None
    ti = result.meta.tiers.index(tier)
    need = pm.credit_rule["min_breaches"] if pm.credit_rule else 0
    line = (
        f"service credits owed {_pm(row['credits_owed'], lambda x: f'{x:,.2f}')}:"
        f" {_count(row['accounts_credited'])} accounts with >= {need} breaches"
        f" of the {_count(row['credit_breaches'])} that count"
    )
    notes = []
    if not pm.accounts[ti]:
        notes.append("no accounts set: each contact is its own account")
    if not pm.monthly_fee[ti]:
        notes.append("no monthly_fee set")
    return line + (f" ({'; '.join(notes)})" if notes else "")


def _lower_tiers_line(result: SimulationResult) -> str:
    return f"lower tiers met their own promises: {_yes_no(result.lower_tiers_met())}"


def _occupancy_rows(result: SimulationResult) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for group, row in result.occupancy.items():
        rows.append(
            (
                group,
                _pm(row["occupancy"], _pct),
                f"{row['paid_hours'].mean:,.1f}",
                f"{row['agent_cost'].mean:,.2f}",
            )
        )
    return rows


def _heading(result: SimulationResult) -> str:
    m = result.meta
    reps = result.replications
    ends = [r.end for r in reps]
    return (
        f"{m.name}: {result.n_replications} replications, seed {result.seed}, "
        f"{format_clock(m.start)}–{format_clock(m.start + m.horizon)}"
        f", last contact left {format_clock(min(ends))}–{format_clock(max(ends))}\n"
        "figures: mean ± half-width of the 95% confidence interval across replications"
    )


def _plain_table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(
            (c.ljust(w) if i == 0 else c.rjust(w))
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    return lines


def report_text(result: SimulationResult) -> str:
    """The report as plain text."""
    lines = [_heading(result), ""]
    promises = promise_report_rows(result)
    service = service_lines(result)
    for tier, rows in report_rows(result).items():
        lines.append(f"tier {tier}")
        lines += ["  " + x for x in _plain_table(_headers(result), rows)]
        if tier in promises:
            lines.append("")
            lines += ["  " + x for x in _plain_table(PROMISE_HEADERS, promises[tier])]
        lines += ["  " + x for x in service.get(tier, ())]
        lines.append("")
    if result.has_promises:
        lines += [_lower_tiers_line(result), ""]
    lines.append("agent groups")
    occ = ("group", "occupancy", "paid hours", "agent cost")
    lines += ["  " + x for x in _plain_table(occ, _occupancy_rows(result))]
    return "\n".join(lines)


def print_report(
    result: SimulationResult, *, plain: bool = False, echo: Callable[[str], None] = print
) -> None:
    """Print the report, with rich tables when rich is installed (and not ``plain``)."""
    rich: Any = None
    if not plain:
        try:
            rich = importlib.import_module("rich.console")
            table_mod: Any = importlib.import_module("rich.table")
        except ImportError:
            rich = None
    if rich is None:
        echo(report_text(result))
        return
    # piped output has no width: do not squeeze the tables into 80 columns
    console = rich.Console(width=None if sys.stdout.isatty() else 140)
    console.print(_heading(result))
    promises = promise_report_rows(result)
    service = service_lines(result)
    for tier, rows in report_rows(result).items():
        table = table_mod.Table(title=f"tier {tier}", title_justify="left")
        for i, h in enumerate(_headers(result)):
            table.add_column(h, justify="left" if i == 0 else "right", no_wrap=True)
        for r in rows:
            table.add_row(*r)
        console.print(table)
        if tier in promises:
            table = table_mod.Table(title=f"tier {tier}: promises", title_justify="left")
            for i, h in enumerate(PROMISE_HEADERS):
                table.add_column(h, justify="left" if i == 0 else "right", no_wrap=True)
            for r in promises[tier]:
                table.add_row(*r)
            console.print(table)
        for line in service.get(tier, ()):
            console.print("  " + line, highlight=False)
    if result.has_promises:
        console.print(_lower_tiers_line(result), highlight=False)
    table = table_mod.Table(title="agent groups", title_justify="left")
    for i, h in enumerate(("group", "occupancy", "paid hours", "agent cost")):
        table.add_column(h, justify="left" if i == 0 else "right")
    for r in _occupancy_rows(result):
        table.add_row(*r)
    console.print(table)


def plot(result: SimulationResult, path: str | Path) -> Path:
    """Draw service level and mean wait by interval, one line per tier and one
    column per channel, to a PNG.

    Raises:
        ImportError: matplotlib is not installed (``pip install 'tierroute[plot]'``).
    """
    try:
        matplotlib: Any = importlib.import_module("matplotlib")
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'tierroute[plot]'") from None
    matplotlib.use("Agg")
    plt: Any = importlib.import_module("matplotlib.pyplot")
    m = result.meta
    by_int = result.by_interval
    channels = [c for c in m.channels if any(k[1] == c for k in by_int)]
    fig, axes = plt.subplots(
        2, max(1, len(channels)), figsize=(5 * max(1, len(channels)), 7), squeeze=False
    )
    x_of = [(m.start + (k + 0.5) * m.interval) / 3600.0 for k in range(m.n_intervals)]
    for j, ch in enumerate(channels):
        ax_sl, ax_w = axes[0][j], axes[1][j]
        for tier in (*m.tiers, "all"):
            keys = [k for k in range(m.n_intervals) if (tier, ch, k) in by_int]
            if not keys:
                continue
            xs = [x_of[k] for k in keys]
            for ax, metric, scale in (
                (ax_sl, "service_level", 100.0),
                (ax_w, "mean_wait", 1.0),
            ):
                est = [by_int[(tier, ch, k)][metric] for k in keys]
                mean = [e.mean * scale for e in est]
                lo = [(e.low if math.isfinite(e.half_width) else e.mean) * scale for e in est]
                hi = [(e.high if math.isfinite(e.half_width) else e.mean) * scale for e in est]
                style = "--" if tier == "all" else "-"
                (line,) = ax.plot(xs, mean, style, marker=".", label=tier)
                ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.15)
        ax_sl.set_title(f"{ch}: service level by interval")
        ax_sl.set_ylabel("answered within target (%)")
        ax_sl.set_ylim(0, 105)
        ax_w.set_title(f"{ch}: mean wait of answered contacts")
        ax_w.set_ylabel("seconds")
        ax_w.set_xlabel("hour of day")
        ax_sl.legend(fontsize="small")
        for ax in (ax_sl, ax_w):
            ax.grid(alpha=0.3)
    fig.suptitle(f"{m.name}: {result.n_replications} replications, 95% confidence bands")
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
