"""The ``tierroute`` command line.

Commands: ``demo`` (route a mixed workload and explain it), ``schema`` (JSON
Schemas of the input files), ``simulate`` (run a scenario file) and ``staff``
(Erlang staffing per interval). Invalid input files and arguments end with a
one-paragraph message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tierroute.errors import InvalidArgument, PolicyError

__all__ = ["build_parser", "main"]

_EXIT_BAD_INPUT = 2


def _cmd_demo(args: argparse.Namespace) -> int:
    from tierroute.demo import run_demo

    run_demo(seed=args.seed, contacts=args.contacts, show=args.show)
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from tierroute.planning.simulation.scenario import Scenario
    from tierroute.policy.model import Policy

    schemas = {"policy": Policy.json_schema(), "scenario": Scenario.json_schema()}
    which = schemas if args.which == "all" else {args.which: schemas[args.which]}
    print(json.dumps(which if len(which) > 1 else next(iter(which.values())), indent=2))
    return 0


def _progress(total: int, quiet: bool) -> tuple[Callable[[int, int], None] | None, Any]:
    """A progress callback: tqdm when installed, else a plain stderr line; only on a
    terminal and for more than one replication."""
    if quiet or total < 2 or not sys.stderr.isatty():
        return None, None
    try:
        tqdm: Any = importlib.import_module("tqdm").tqdm
    except ImportError:
        start = time.perf_counter()

        def line(done: int, n: int) -> None:
            sys.stderr.write(
                f"\rreplication {done}/{n}  ({time.perf_counter() - start:.1f} s)"
                + ("\n" if done == n else "")
            )
            sys.stderr.flush()

        return line, None
    bar = tqdm(total=total, unit="rep", desc="simulating", file=sys.stderr, leave=False)

    def tick(done: int, _total: int) -> None:
        bar.update(done - bar.n)

    return tick, bar


def _cmd_simulate(args: argparse.Namespace) -> int:
    from concurrent.futures import Executor, ProcessPoolExecutor

    from tierroute.planning.simulation.report import plot, print_report
    from tierroute.planning.simulation.runner import simulate
    from tierroute.planning.simulation.scenario import Scenario

    scenario = Scenario.from_file(args.scenario)
    if args.no_promises:
        scenario = scenario.model_copy(update={"track_promises": False})
    if args.plot:
        try:
            importlib.import_module("matplotlib")
        except ImportError:
            raise InvalidArgument(
                "--plot needs matplotlib: pip install 'tierroute[plot]'"
            ) from None
    n = scenario.replications if args.replications is None else args.replications
    callback, bar = _progress(n, args.quiet)
    executor: Executor | None = None
    if args.workers > 1:
        executor = ProcessPoolExecutor(max_workers=args.workers)
    started = time.perf_counter()
    try:
        result = simulate(
            scenario,
            replications=args.replications,
            seed=args.seed,
            executor=executor,
            progress=callback,
        )
    finally:
        if executor is not None:
            executor.shutdown()
        if bar is not None:
            bar.close()
    elapsed = time.perf_counter() - started
    if not args.quiet:
        print_report(result, plain=args.plain)
        contacts = sum(len(r.columns["tier"]) for r in result.replications)
        print(f"\n{result.n_replications} replications, {contacts:,} contacts in {elapsed:.1f} s")
    if args.json:
        result.to_json(args.json)
    if args.csv:
        result.to_csv(args.csv)
    if args.plot:
        plot(result, args.plot)
    return 0


def _read_forecast(path: str) -> tuple[list[str], list[float], list[float] | None]:
    """Labels, volumes and optional AHTs from a forecast CSV.

    Columns: ``calls`` (or ``volume`` / ``contacts`` / ``offered``), optionally
    ``start`` (or ``interval`` / ``time``) and ``aht``.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{p}: cannot read file: {exc.strerror}", source=str(p)) from None
    reader = csv.DictReader(text.splitlines())
    fields = {f.strip().lower(): f for f in (reader.fieldnames or [])}
    volume = next(
        (fields[k] for k in ("calls", "volume", "contacts", "offered") if k in fields), None
    )
    if volume is None:
        raise PolicyError(
            f"{p}: needs a 'calls' column (or volume, contacts, offered); got {list(fields)}",
            source=str(p),
        )
    label = next((fields[k] for k in ("start", "interval", "time") if k in fields), None)
    aht_col = fields.get("aht")
    labels, calls, ahts = [], [], []
    for line, row in enumerate(reader, start=2):
        try:
            calls.append(float(row[volume]))
            if aht_col is not None:
                ahts.append(float(row[aht_col]))
        except (TypeError, ValueError):
            raise PolicyError(
                f"{p}: line {line}: not a number in {row!r}", source=str(p), location=str(line)
            ) from None
        labels.append(row[label] if label else str(line - 1))
    return labels, calls, (ahts if aht_col is not None else None)


def _cmd_staff(args: argparse.Namespace) -> int:
    from tierroute.planning.simulation._units import format_clock, parse_clock, parse_duration
    from tierroute.planning.staffing import required_agents_by_interval

    interval = parse_duration(args.interval, "--interval")
    start = parse_clock(args.start, "--start")
    aht: float | list[float]
    if args.forecast:
        labels, calls, ahts = _read_forecast(args.forecast)
        if ahts is None and args.aht is None:
            raise InvalidArgument("give --aht or an 'aht' column in the forecast")
        aht = ahts if ahts is not None else float(args.aht)
    else:
        if args.calls is None or args.aht is None:
            raise InvalidArgument("give --calls and --aht, or --forecast FILE.csv")
        try:
            calls = [float(x) for x in args.calls.split(",")]
        except ValueError:
            raise InvalidArgument(
                f"--calls must be numbers separated by commas, got {args.calls!r}"
            ) from None
        labels = [format_clock(start + i * interval) for i in range(len(calls))]
        aht = float(args.aht)
    sl = args.sl / 100.0 if args.sl > 1 else args.sl
    results = required_agents_by_interval(
        calls,
        interval_s=interval,
        aht=aht,
        target=args.target,
        service_level=sl,
        max_abandon=args.max_abandon,
        patience=args.patience,
        shrinkage=args.shrinkage,
        surge=args.surge,
    )
    headers = ("interval", "calls", "agents", "scheduled", "SL", "ASA", "abandon", "occupancy")
    rows = [
        (
            lab,
            f"{c:g}",
            str(r.agents),
            str(r.scheduled),
            f"{100 * r.service_level:.1f}%",
            "–" if math.isinf(r.asa) else f"{r.asa:.1f} s",
            f"{100 * r.abandon_probability:.1f}%",
            f"{100 * r.occupancy:.1f}%",
        )
        for lab, c, r in zip(labels, calls, results, strict=True)
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    for r in rows:
        print("  ".join(x.rjust(w) for x, w in zip(r, widths, strict=True)))
    total = sum(r.scheduled for r in results) * interval / 3600.0
    print(
        f"\ntarget {100 * sl:.0f}% in {args.target:g} s"
        + (f", patience {args.patience:g} s" if args.patience else "")
        + f", shrinkage {100 * args.shrinkage:.0f}%, surge {100 * args.surge:.0f}%;"
        f" {total:,.1f} scheduled agent-hours"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``tierroute`` command."""
    parser = argparse.ArgumentParser(prog="tierroute", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="route a mixed workload and explain the decisions")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--contacts", type=int, default=40)
    demo.add_argument("--show", type=int, default=3, help="decisions to explain in full")
    demo.set_defaults(func=_cmd_demo)

    schema = sub.add_parser("schema", help="print JSON Schemas of the input files")
    schema.add_argument("which", nargs="?", default="policy", choices=["policy", "scenario", "all"])
    schema.set_defaults(func=_cmd_schema)

    sim = sub.add_parser(
        "simulate", help="simulate a scenario file and report per tier, channel and interval"
    )
    sim.add_argument("scenario", help="scenario file (.toml, .yaml, .yml or .json)")
    sim.add_argument("--replications", type=int, help="override the scenario's replications")
    sim.add_argument("--seed", type=int, help="override the scenario's seed")
    sim.add_argument(
        "--workers", type=int, default=1, help="processes to run replications on (default 1)"
    )
    sim.add_argument("--json", metavar="FILE", help="write the summary as JSON")
    sim.add_argument("--csv", metavar="DIR", help="write summary, interval and record CSVs")
    sim.add_argument("--plot", metavar="FILE", help="draw SL and wait by interval to a PNG")
    sim.add_argument("--quiet", action="store_true", help="print nothing, write files only")
    sim.add_argument("--plain", action="store_true", help="plain-text tables even with rich")
    sim.add_argument(
        "--no-promises",
        action="store_true",
        help="do not track the policy's service promises (faster; no promise tables)",
    )
    sim.set_defaults(func=_cmd_simulate)

    staff = sub.add_parser("staff", help="Erlang C / A agents needed per interval")
    staff.add_argument("--calls", help="contacts per interval: one number or a comma list")
    staff.add_argument("--forecast", metavar="FILE.csv", help="CSV with a calls (and aht) column")
    staff.add_argument("--interval", default="30m", help="interval length (default 30m)")
    staff.add_argument("--start", default="08:00", help="first interval's start (labels)")
    staff.add_argument("--aht", type=float, help="mean handle time, seconds")
    staff.add_argument("--target", type=float, default=20.0, help="answer target, s (20)")
    staff.add_argument("--sl", type=float, default=0.8, help="service level, 0.8 or 80 (0.8)")
    staff.add_argument("--patience", type=float, help="mean patience, s (Erlang A)")
    staff.add_argument("--max-abandon", type=float, help="largest abandonment share")
    staff.add_argument("--shrinkage", type=float, default=0.0, help="share of paid time off")
    staff.add_argument("--surge", type=float, default=0.0, help="extra share held for peaks")
    staff.set_defaults(func=_cmd_staff)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for invalid input)."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.func(args)
    except BrokenPipeError:
        # The reader went away (e.g. piped into `head`): stop quietly, as the Python
        # docs recommend, by pointing stdout at devnull before the interpreter flushes.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (PolicyError, InvalidArgument) as exc:
        print(f"tierroute {args.command}: error: {exc}", file=sys.stderr)
        return _EXIT_BAD_INPUT
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
