"""The ``tierroute`` command line.

Commands: ``demo`` (route a mixed workload and explain it), ``schema`` (JSON
Schemas of the input files), ``simulate`` (run a scenario file) and ``staff``
(Erlang staffing per interval). Invalid input files and arguments end with a
message on stderr naming the flag or file, and exit status 2, never a traceback.

Flag values are text, so their form says what they mean: a duration needs a unit
(``30m``, ``1800s``, ``1h``; ``--interval 15`` is refused), and a share is a
fraction (``0.8``) or a percentage written with ``%`` (``80%``; ``--sl 80`` is
refused). Input files (scenario, ``--forecast``) must be regular files within the
bounds of :mod:`tierroute.policy.loading`.
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
from typing import Any, Final

from tierroute._args import int_in_range
from tierroute.errors import InvalidArgument, PolicyError

__all__ = ["build_parser", "main"]

_EXIT_BAD_INPUT: Final = 2
_EXIT_INTERRUPTED: Final = 130  # 128 + SIGINT, as shells report it
_MAX_WORKERS: Final = 256
_MAX_DEMO_CONTACTS: Final = 100_000
_MAX_STAFF_INTERVALS: Final = 100_000
"""Most intervals ``staff`` plans (a year of 15-minute intervals is 35,040)."""


def _cmd_demo(args: argparse.Namespace) -> int:
    from tierroute.demo import run_demo

    run_demo(
        seed=int_in_range(args.seed, "--seed", 0),
        contacts=int_in_range(args.contacts, "--contacts", 0, _MAX_DEMO_CONTACTS),
        show=int_in_range(args.show, "--show", 0),
    )
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

    reps = (
        None if args.replications is None else int_in_range(args.replications, "--replications", 1)
    )
    seed = None if args.seed is None else int_in_range(args.seed, "--seed", 0)
    workers = int_in_range(args.workers, "--workers", 1, _MAX_WORKERS)
    for flag, path, folder in (
        ("--json", args.json, False),
        ("--csv", args.csv, True),
        ("--plot", args.plot, False),
    ):
        if path is not None:
            _check_output(flag, path, folder=folder)
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
    n = scenario.replications if reps is None else reps
    callback, bar = _progress(n, args.quiet)
    executor: Executor | None = None
    if workers > 1:
        executor = ProcessPoolExecutor(max_workers=workers)
    started = time.perf_counter()
    try:
        result = simulate(
            scenario,
            replications=reps,
            seed=seed,
            executor=executor,
            progress=callback,
            force=args.force,
        )
    except PolicyError as exc:  # past a limit (checked before any work)
        if exc.location == "replications" and reps is not None:
            raise InvalidArgument(f"--replications {reps}: {exc}") from None
        where = f"{args.scenario}: "
        raise PolicyError(where + str(exc), source=args.scenario, location=exc.location) from None
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
    for flag, path, write in (
        ("--json", args.json, result.to_json),
        ("--csv", args.csv, result.to_csv),
        ("--plot", args.plot, lambda p: plot(result, p)),
    ):
        if path is not None:
            try:
                write(path)
            except (OSError, ValueError) as exc:  # ValueError: matplotlib's unknown format
                raise InvalidArgument(f"{flag} {path}: cannot write: {_reason(exc)}") from None
    return 0


def _check_output(flag: str, path: str, *, folder: bool) -> None:
    """Refuse an output path that cannot be written, before a long run is wasted."""
    p = Path(path)
    try:
        if folder:
            if p.exists() and not p.is_dir():
                raise InvalidArgument(f"{flag} {path}: exists and is not a directory")
        elif p.is_dir():
            raise InvalidArgument(f"{flag} {path}: is a directory")
        elif not p.parent.is_dir():
            raise InvalidArgument(f"{flag} {path}: no directory {str(p.parent)!r}")
    except OSError as exc:  # a name too long, a loop of links
        raise InvalidArgument(f"{flag} {path}: cannot write: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _read_forecast(path: str) -> tuple[list[str], list[float], list[float] | None]:
    """Labels, volumes and optional AHTs (seconds) from a forecast CSV.

    Columns: ``calls`` (or ``volume`` / ``contacts`` / ``offered``), optionally
    ``start`` (or ``interval`` / ``time``) and ``aht``.
    """
    from tierroute.planning.staffing._checks import non_negative, positive
    from tierroute.policy.loading import read_text_file

    try:
        text = read_text_file(path)
    except PolicyError as exc:
        raise PolicyError(f"--forecast {exc}", source=path) from None
    where = f"--forecast {path}"
    try:
        reader = csv.DictReader(text.splitlines())
        fields = {f.strip().lower(): f for f in (reader.fieldnames or [])}
        volume = next(
            (fields[k] for k in ("calls", "volume", "contacts", "offered") if k in fields), None
        )
        if volume is None:
            raise PolicyError(
                f"{where}: needs a 'calls' column (or volume, contacts, offered); "
                f"got {list(fields)[:20]}",
                source=path,
            )
        label = next((fields[k] for k in ("start", "interval", "time") if k in fields), None)
        aht_col = fields.get("aht")
        labels: list[str] = []
        calls: list[float] = []
        ahts: list[float] = []
        for line, row in enumerate(reader, start=2):
            if len(calls) == _MAX_STAFF_INTERVALS:
                raise PolicyError(
                    f"{where}: more than {_MAX_STAFF_INTERVALS:,} intervals", source=path
                )
            at = f"{where}: line {line}"
            calls.append(non_negative(f"{at}: {volume}", _number(row.get(volume), at)))
            if aht_col is not None:
                ahts.append(positive(f"{at}: {aht_col} (seconds)", _number(row.get(aht_col), at)))
            labels.append(str(row[label])[:40] if label else str(line - 1))
    except csv.Error as exc:  # a NUL byte, an over-long field
        raise PolicyError(f"{where}: not a CSV file: {exc}", source=path) from None
    except InvalidArgument as exc:
        raise PolicyError(str(exc), source=path) from None
    return labels, calls, (ahts if aht_col is not None else None)


def _number(cell: object, at: str) -> float:
    """A CSV cell as a float (range checks follow)."""
    try:
        return float(str(cell))
    except ValueError:
        shown = repr(cell) if len(repr(cell)) <= 40 else repr(cell)[:37] + "..."
        raise InvalidArgument(f"{at}: not a number: {shown}") from None


def _duration(text: str, flag: str, *, zero: bool = False) -> float:
    """A duration flag in seconds: it needs a unit; ``> 0`` unless ``zero``."""
    from tierroute.planning.simulation._units import parse_duration

    seconds = parse_duration(text, flag)
    if seconds == 0.0 and not zero:
        raise InvalidArgument(f"{flag} must be longer than 0, got {text!r}")
    return seconds


def _share(text: str, flag: str, check: Callable[[str, object], float]) -> float:
    """A share flag: a fraction (``0.8``) or a percentage with ``%`` (``80%``),
    then ``check``-ed (a range rule of the staffing functions, named by the flag)."""
    raw = text.strip()
    percent = raw.endswith("%")
    try:
        value = float(raw[:-1] if percent else raw)
    except ValueError:
        raise InvalidArgument(
            f"{flag} must be a fraction like 0.8 or a percentage like '80%', got {text[:40]!r}"
        ) from None
    try:
        return check(flag, value / 100.0 if percent else value)
    except InvalidArgument as exc:
        raise InvalidArgument(f"{exc} (a fraction like 0.8, or a percentage like '80%')") from None


def _calls(text: str) -> list[float]:
    """``--calls``: contacts per interval, numbers separated by commas."""
    from tierroute.planning.staffing._checks import non_negative

    items = text.split(",")
    if len(items) > _MAX_STAFF_INTERVALS:
        raise InvalidArgument(f"--calls: more than {_MAX_STAFF_INTERVALS:,} intervals")
    out = []
    for i, item in enumerate(items):
        name = f"--calls: forecast[{i}]"
        try:
            value = float(item)
        except ValueError:
            raise InvalidArgument(
                f"{name} is {item[:40]!r}; give numbers separated by commas, like 360,420,300"
            ) from None
        out.append(non_negative(name, value))
    return out


def _staff_load(
    args: argparse.Namespace, interval: float
) -> tuple[list[str], list[float], list[float]]:
    """Labels, contacts and AHTs (s) per interval from ``--calls``/``--forecast`` and
    ``--aht``, each interval's traffic within the staffing functions' limit."""
    from tierroute.planning.simulation._units import format_clock, parse_clock
    from tierroute.planning.staffing._checks import positive, staffed_traffic

    start = parse_clock(args.start, "--start")
    flag_aht = None if args.aht is None else positive("--aht", _duration(args.aht, "--aht"))
    if args.forecast:
        labels, calls, ahts = _read_forecast(args.forecast)
        where = [f"--forecast line {i + 2}" for i in range(len(calls))]
        missing = "give --aht or an 'aht' column in the forecast"
    else:
        missing = "give --calls and --aht, or --forecast FILE.csv"
        if args.calls is None:
            raise InvalidArgument(missing)
        calls, ahts = _calls(args.calls), None
        labels = [format_clock(start + i * interval) for i in range(len(calls))]
        where = [f"--calls: forecast[{i}]" for i in range(len(calls))]
    if ahts is None:
        if flag_aht is None:
            raise InvalidArgument(missing)
        ahts = [flag_aht] * len(calls)
    for name, c, h in zip(where, calls, ahts, strict=True):
        staffed_traffic(f"{name} at this --aht and --interval", c / interval * h)
    return labels, calls, ahts


def _cmd_staff(args: argparse.Namespace) -> int:
    from tierroute.planning.staffing import required_agents_by_interval
    from tierroute.planning.staffing._checks import (
        fraction_open,
        probability,
        shrinkage_share,
        surge_share,
    )

    interval = _duration(args.interval, "--interval")
    target = _duration(args.target, "--target", zero=True)
    patience = None if args.patience is None else _duration(args.patience, "--patience", zero=True)
    sl = _share(args.sl, "--sl", fraction_open)
    max_abandon = None
    if args.max_abandon is not None:
        max_abandon = _share(args.max_abandon, "--max-abandon", probability)
    shrinkage = _share(args.shrinkage, "--shrinkage", shrinkage_share)
    surge = _share(args.surge, "--surge", surge_share)
    labels, calls, aht = _staff_load(args, interval)
    try:
        results = required_agents_by_interval(
            calls,
            interval_s=interval,
            aht=aht,
            target=target,
            service_level=sl,
            max_abandon=max_abandon,
            patience=patience,
            shrinkage=shrinkage,
            surge=surge,
        )
    except InvalidArgument as exc:  # the flags are each valid: the targets cannot be met
        raise InvalidArgument(f"{exc} (see --sl, --target, --max-abandon, --patience)") from None
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
        f"\ntarget {100 * sl:.0f}% in {target:g} s"
        + (f", patience {patience:g} s" if patience else "")
        + f", shrinkage {100 * shrinkage:.0f}%, surge {100 * surge:.0f}%;"
        f" {total:,.1f} scheduled agent-hours"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``tierroute`` command."""
    parser = argparse.ArgumentParser(prog="tierroute", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="route a mixed workload and explain the decisions")
    demo.add_argument("--seed", type=int, default=7, help="workload seed, >= 0 (7)")
    demo.add_argument(
        "--contacts", type=int, default=40, help=f"contacts, at most {_MAX_DEMO_CONTACTS:,} (40)"
    )
    demo.add_argument("--show", type=int, default=3, help="decisions to explain in full (3)")
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
        "--workers",
        type=int,
        default=1,
        help=f"processes to run replications on, 1 to {_MAX_WORKERS} (default 1)",
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
    sim.add_argument(
        "--force",
        action="store_true",
        help="raise the scenario limits (expected contacts, agents, horizon, ...) 100-fold",
    )
    sim.set_defaults(func=_cmd_simulate)

    staff = sub.add_parser("staff", help="Erlang C / A agents needed per interval")
    staff.add_argument("--calls", help="contacts per interval: one number or a comma list")
    staff.add_argument(
        "--forecast", metavar="FILE.csv", help="CSV with a calls (and aht, in seconds) column"
    )
    staff.add_argument("--interval", default="30m", help="interval length, with a unit (30m)")
    staff.add_argument("--start", default="08:00", help="first interval's start (labels)")
    staff.add_argument("--aht", help="mean handle time, with a unit: 240s, 4m")
    staff.add_argument("--target", default="20s", help="answer target, with a unit (20s)")
    staff.add_argument("--sl", default="0.8", help="service level: 0.8 or 80%% (0.8)")
    staff.add_argument("--patience", help="mean patience, with a unit (Erlang A): 2m")
    staff.add_argument("--max-abandon", help="largest abandonment share: 0.05 or 5%%")
    staff.add_argument("--shrinkage", default="0", help="share of paid time off: 0.3 or 30%%")
    staff.add_argument(
        "--surge", default="0", help="extra share held for peaks, up to 10 (1000%%): 0.2 or 20%%"
    )
    staff.set_defaults(func=_cmd_staff)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for invalid input)."""
    args = build_parser().parse_args(argv)  # a usage error exits with status 2
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
    except KeyboardInterrupt:
        print(f"tierroute {args.command}: interrupted", file=sys.stderr)
        return _EXIT_INTERRUPTED
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
