"""Run every tierroute benchmark without pytest and print one table.

Usage::

    .venv/bin/python benchmarks/report.py [--quick] [--json out.json] [--profile]

``--quick`` (about 10 s on the machine of the README) measures the 1k and 10k
sizes only, memory at 10k and fewer calls and replications; the full run (about
1.5 minutes there, plus 2 for memory under churn) adds the 100k size and memory
under churn (``churn.py``). ``--json`` writes the rows, the details
and the machine (platform, CPU model, cores, Python, git commit). ``--profile``
adds cProfile's top functions of the router for each router measurement (the
timings then include profiler overhead, so the table is printed from the
unprofiled runs first).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import io
import json
import math
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import simpy_model as sm
import workload as wl


@dataclass
class Row:
    """One line of the table."""

    metric: str
    size: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None  # None: no target

    def cells(self) -> tuple[str, str, str, str, str]:
        """The row as text."""
        status = "" if self.ok is None else ("pass" if self.ok else "FAIL")
        return self.metric, self.size, _fmt(self.value, self.unit), self.target, status


def _fmt(value: float, unit: str) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if unit in ("x",):
        return f"{value:.2f}x"
    if abs(value) >= 10_000:
        return f"{value:,.0f} {unit}".strip()
    if abs(value) >= 100:
        return f"{value:.0f} {unit}".strip()
    return f"{value:.3g} {unit}".strip()


class Report:
    """Collects rows, details and optional profiles."""

    def __init__(self, *, profile: bool) -> None:
        self.rows: list[Row] = []
        self.details: dict[str, Any] = {}
        self.profiles: dict[str, str] = {}
        self.profile = profile
        self.skipped: list[str] = []

    def add(self, *args: Any, **kwargs: Any) -> Row:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        return row

    def log(self, text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    def profiled(self, name: str, fn: Callable[[], Any]) -> None:
        """Run ``fn`` under cProfile (when asked) and keep the top functions."""
        if not self.profile:
            return
        prof = cProfile.Profile()
        prof.enable()
        fn()
        prof.disable()
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats("tottime").print_stats(r"tierroute", 14)
        self.profiles[name] = buf.getvalue()


# ---------------------------------------------------------------------- router


def bench_router(rep: Report, sizes: list[str], calls: int) -> None:
    """Moments (a) and (b): per-call latency by size, and p50 growth."""
    p50: dict[str, dict[str, float]] = {"a": {}, "b": {}}
    for label in sizes:
        size = wl.SIZES[label]
        rep.log(f"router {label}: building {size.waiting} waiting / {size.agents} agents")
        state = wl.build_saturated(
            size, policy=wl.nowrap_prestige(), idle_agents=max(20, size.agents // 20)
        )
        rep.log(f"router {label}: built in {state.build_s:.1f} s; warming up moment (a)")
        arrival = wl.ArrivalMoment(state)
        lat_a = arrival.run(calls)
        rep.log(f"router {label}: moment (b)")
        freed = wl.FreedMoment(state)
        lat_b = freed.run(calls)
        where = size.name
        if arrival.new_signature_ns:
            made = wl.Latency(arrival.new_signature_ns, 0).summary()
            rep.add("(a) submit making a new signature p50", where, made["p50_us"], "us")
            rep.details[f"new_signature_{label}"] = made
        for moment, lat, call in (("a", lat_a, "submit"), ("b", lat_b, "complete")):
            s = lat.summary()
            p50[moment][label] = s["p50_us"]
            gated = label == "10k"
            rep.add(
                f"({moment}) {call} latency p50",
                where,
                s["p50_us"],
                "us",
                "<= 10 us" if gated else "",
                s["p50_us"] <= 10 if gated else None,
            )
            rep.add(
                f"({moment}) {call} latency p99",
                where,
                s["p99_us"],
                "us",
                "<= 50 us" if gated else "",
                s["p99_us"] <= 50 if gated else None,
            )
            rep.add(f"({moment}) {call} latency max", where, s["max_us"], "us")
            rep.details[f"latency_{moment}_{label}"] = s
        rep.details[f"state_{label}"] = {
            "build_s": state.build_s,
            "stats": state.router.stats(),
            "agent_shape": wl.agent_shape(state),
            "templates": len(arrival.templates),
        }
        rep.profiled(f"(a) submit {label}", lambda m=arrival: m.run(calls))
        rep.profiled(f"(b) complete {label}", lambda m=freed: m.run(calls))
        del state, arrival, freed
        gc.collect()
    big = sizes[-1]
    if big != "1k" and "1k" in sizes:
        for moment, call in (("a", "submit"), ("b", "complete")):
            ratio = p50[moment][big] / p50[moment]["1k"]
            rep.add(
                f"({moment}) {call} p50 growth {big}/1k", big, ratio, "x", "<= 2x", ratio <= 2.0
            )


def bench_throughput(rep: Report, calls: int, warmup: int) -> None:
    """Routing events per second in a steady mixed stream at 10k / 2k."""
    size = wl.SIZES["10k"]
    rep.log("throughput: building 10k / 2k (prestige, with wrap-up)")
    state = wl.build_saturated(size, seed=2)
    stream = wl.MixedStream(state)
    rep.log(f"throughput: warm-up {warmup} calls, then {calls} router calls")
    stream.run(warmup)
    res = stream.run(calls)
    rep.add(
        "routing events/s (mixed stream)",
        "10k/2k",
        res.events_per_s,
        "/s",
        ">= 100,000/s",
        res.events_per_s >= 100_000,
    )
    detail = asdict(res)
    detail["events_per_s"] = res.events_per_s
    detail["mean_us_per_call"] = 1e6 * res.router_s / res.calls
    # Diagnostic: the same stream with the cyclic garbage collector paused, to show
    # its share (hosts can tune it; the router can avoid making cycles).
    gc.collect()
    gc.disable()
    try:
        no_gc = stream.run(calls // 2)
    finally:
        gc.enable()
    rep.add("  same, cyclic GC paused (diagnostic)", "10k/2k", no_gc.events_per_s, "/s")
    detail["gc_paused"] = {**asdict(no_gc), "events_per_s": no_gc.events_per_s}
    rep.details["throughput"] = detail
    rep.profiled("mixed stream 10k", lambda: stream.run(calls // 2))


def bench_memory(rep: Report, label: str) -> None:
    """tracemalloc bytes per waiting contact."""
    size = wl.SIZES[label]
    rep.log(f"memory: {size.waiting} waiting contacts under tracemalloc")
    mem = wl.memory_per_contact(size)
    where = size.name
    rep.add(
        "memory per waiting contact",
        where,
        mem.per_contact,
        "B",
        "<= 1024 B",
        mem.per_contact <= 1024,
    )
    rep.add("  of which marginal (signatures made)", where, mem.bytes_marginal, "B")
    rep.details["memory"] = {**asdict(mem), "per_contact": mem.per_contact}


def bench_churn(rep: Report, contacts: int, every: int) -> None:
    """Memory of a router whose requirements keep changing (see ``churn.py``)."""
    from churn import WORKLOADS, churn_memory

    churn: dict[str, list[int]] = {}
    for name in sorted(WORKLOADS):
        rep.log(f"memory under churn ({name}): {contacts} contacts under tracemalloc")
        levels = churn[name] = churn_memory(name, contacts, every)
        ratio = levels[-1] / levels[0]
        rep.add(
            f"memory under churn ({name}), {contacts // 1000}k / {every // 1000}k contacts",
            "churn",
            ratio,
            "x",
            "<= 1.25x",
            ratio <= 1.25,
        )
    rep.details["churn_bytes"] = churn


# ---------------------------------------------------------------------- planning


def bench_planning(rep: Report, repeat: int) -> None:
    """score_batch on 1M customers; erlang_c and required_agents at 100k."""
    from tierroute.value import ValueModel

    rep.log("planning: score_batch 1M")
    arrays = wl.customer_arrays(1_000_000)
    model = ValueModel()
    model.score_batch(**arrays)  # first touch of the memory
    times = sorted(wl.timed(lambda: model.score_batch(**arrays), 1)[0] for _ in range(repeat))
    median = times[len(times) // 2]
    rep.add("ValueModel.score_batch", "1M", median * 1e3, "ms", "<= 100 ms", median * 1e3 <= 100)
    rep.details["score_batch_s"] = times
    try:
        from tierroute.planning.staffing import erlang_c, required_agents
    except ImportError as exc:
        rep.skipped.append(f"staffing: {exc}")
        return
    rep.log("planning: erlang_c / required_agents")
    n = 200
    per_call = wl.timed(lambda: [erlang_c(99_000.0, 100_000) for _ in range(n)], repeat)[0] / n
    rep.add(
        "erlang_c(99k erl, 100k agents)",
        "100k",
        per_call * 1e6,
        "us",
        "< 1000 us",
        per_call < 1e-3,
    )
    n = 20
    per_call = (
        wl.timed(
            lambda: [required_agents(100_000.0, aht=300.0, target=20.0) for _ in range(n)],
            repeat,
        )[0]
        / n
    )
    rep.add("required_agents(100k erl)", "100k", per_call * 1e3, "ms")
    rep.details["required_agents_s"] = per_call


def bench_journal(rep: Report, events: int) -> None:
    """Journal overhead per routing call for each durability policy (on this disk)."""
    from journal_overhead import measure_journal_overhead

    rep.log("journal: overhead per routing call by sync policy")
    us = measure_journal_overhead(events)
    rep.add("routing call, no journal", "mixed", us["bare"], "us")
    for policy in ("os", "group", "always"):
        rep.add(
            f"journal sync={policy}: overhead per call", "mixed", us[f"{policy}_overhead"], "us"
        )
    rep.details["journal_us"] = us


# ---------------------------------------------------------------------- simulation


def bench_sim(rep: Report, reps: int, horizon_h: float) -> None:
    """tierroute's simulator against SimPy (and a bare heapq loop), interleaved."""
    params = sm.CenterParams(horizon=horizon_h * 3600.0)
    found = sm.tierroute_simulator()
    engines: dict[str, Callable[[sm.CenterParams, int], sm.Outcome]] = {
        "SimPy": sm.run_simpy,
        "bare heapq": sm.run_heapq,
    }
    if isinstance(found, str):
        rep.skipped.append(found)
    else:
        engines["tierroute"] = sm.run_tierroute
    rep.log(f"simulation: {reps} replications x {len(engines)} engines, {horizon_h:g} h")
    runs: dict[str, list[sm.Outcome]] = {name: [] for name in engines}
    for i in range(reps):
        for name, run in engines.items():
            runs[name].append(run(params, 10_000 + i))
    # Medians over replications: one slow replication (the machine's other load) does
    # not sway them. Ratios pair replication i of both engines, run back to back.
    per_rep = {name: [o.arrivals / o.elapsed for o in outs] for name, outs in runs.items()}
    speed = {name: statistics.median(v) for name, v in per_rep.items()}

    def ratio_to_simpy(name: str) -> float:
        pairs = zip(per_rep[name], per_rep["SimPy"], strict=True)
        return statistics.median(a / b for a, b in pairs)

    where = f"c={params.agents}"
    for name in engines:
        rep.add(f"{name} arrivals/s (2-class M/M/c+M)", where, speed[name], "/s")
    rep.add("bare heapq / SimPy", where, ratio_to_simpy("bare heapq"), "x")
    detail: dict[str, Any] = {"params": asdict(params), "reps": reps, "arrivals_per_s": per_rep}
    if "tierroute" in runs:
        ratio = ratio_to_simpy("tierroute")
        rep.add("tierroute simulator / SimPy", where, ratio, "x", ">= 5x", ratio >= 5.0)
        for k in (0, 1):
            for stat, fn in (
                ("mean wait", sm.Outcome.mean_wait),
                ("abandon", sm.Outcome.abandon_share),
            ):
                ag = sm.agreement(
                    [fn(o, k) for o in runs["tierroute"]], [fn(o, k) for o in runs["SimPy"]]
                )
                unit = "s" if stat == "mean wait" else ""
                rep.add(
                    f"class {k + 1} {stat}: tierroute - SimPy",
                    where,
                    ag.diff,
                    unit,
                    f"|d| <= {ag.half_width:.3g} (99% CI)",
                    ag.agree,
                )
                detail[f"class{k + 1}_{stat.replace(' ', '_')}"] = asdict(ag)
        rep.profiled("simulator replication", lambda: sm.run_tierroute(params, 99))
    rep.details["simulation"] = detail


# ---------------------------------------------------------------------- output


def machine() -> dict[str, Any]:
    """Platform, CPU model, cores, Python and git commit."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()

    import tierroute

    # the repository of the tierroute actually imported (PYTHONPATH may point elsewhere)
    src = Path(tierroute.__file__).resolve().parent

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=src, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--", ".")),
        "tierroute": str(src),
    }


def table(rows: list[Row]) -> str:
    """The rows as one aligned text table."""
    head = ("metric", "size", "value", "target", "result")
    cells = [head, *(r.cells() for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(len(head))).rstrip() for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k only, fewer calls")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    parser.add_argument("--profile", action="store_true", help="add cProfile top functions")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time calls with perf_counter (wall, default) or thread CPU time (busy machines)",
    )
    args = parser.parse_args(argv)
    if args.clock == "cpu":
        wl.clock_ns = time.thread_time_ns
        sm.clock_s = time.thread_time
    quick = args.quick
    rep = Report(profile=args.profile)
    started = time.perf_counter()
    load_before = os.getloadavg()
    bench_router(rep, ["1k", "10k"] if quick else ["1k", "10k", "100k"], 3000 if quick else 20000)
    bench_throughput(rep, 30_000 if quick else 200_000, 10_000 if quick else 50_000)
    bench_memory(rep, "10k" if quick else "100k")
    if quick:
        rep.skipped.append("memory under churn (full run only: python benchmarks/churn.py)")
    else:
        bench_churn(rep, 300_000, 100_000)
    bench_planning(rep, 3 if quick else 7)
    bench_journal(rep, 1000 if quick else 3000)
    bench_sim(rep, 6 if quick else 20, 4.0 if quick else 8.0)
    elapsed = time.perf_counter() - started
    info = machine()
    info["clock"] = args.clock
    info["load_before"] = load_before
    info["load_after"] = os.getloadavg()
    print(
        f"tierroute benchmarks ({'quick' if quick else 'full'}) - {info['cpu']}, "
        f"{info['cores']} cores, Python {info['python']}, commit {info['git_commit'][:10]}"
        f"{' + uncommitted changes' if info['git_dirty'] else ''}, {elapsed:.0f} s, "
        f"load average {load_before[0]:.1f} before / {info['load_after'][0]:.1f} after, "
        f"{args.clock} clock"
    )
    print(table(rep.rows))
    failed = [r for r in rep.rows if r.ok is False]
    print(f"\n{len(failed)} of {sum(r.ok is not None for r in rep.rows)} targets missed.")
    for note in rep.skipped:
        print(f"skipped: {note}")
    for name, text in rep.profiles.items():
        print(f"\n=== cProfile: {name} (sorted by own time, tierroute functions) ===")
        print(text.strip())
    if args.json:
        payload = {
            "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "mode": "quick" if quick else "full",
            "elapsed_s": elapsed,
            "machine": info,
            "rows": [asdict(r) for r in rep.rows],
            "details": rep.details,
            "skipped": rep.skipped,
        }
        Path(args.json).write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
