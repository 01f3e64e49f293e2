"""Old code against new, measured in the same run, interleaved.

Usage::

    python benchmarks/compare.py --base REV [--rounds 7] [--size 10k]

The revision ``REV`` is checked out into a temporary git worktree; every round runs
one fresh process per tree, in alternating order, each measuring the same workloads
from this folder's ``workload.py`` and ``simpy_model.py`` (the public API only, so both
trees run them unchanged):

- ``submit`` and ``complete`` latency p50 at the chosen size (moments (a) and (b) of
  ``report.py``);
- routing events per second in the mixed stream at 10k / 2k;
- the simulator's arrivals per second on the two-class M/M/50+M model.

It prints, per figure, the median over rounds for each tree and the ratio new / old.
Interleaving makes the machine's other load fall on both trees alike; the median over
rounds drops the outliers. Latency ratios above 1 and throughput ratios below 1 mean
the new code is slower.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

WORKER = r"""
import gc, json, sys, time
import workload as wl
import simpy_model as sm
size_label, calls = sys.argv[1], int(sys.argv[2])
out = {}
size = wl.SIZES[size_label]
idle = max(20, size.agents // 20)
state = wl.build_saturated(size, policy=wl.nowrap_prestige(), idle_agents=idle)
out["submit p50 (us)"] = wl.ArrivalMoment(state).run(calls).summary()["p50_us"]
out["complete p50 (us)"] = wl.FreedMoment(state).run(calls).summary()["p50_us"]
del state; gc.collect()
state = wl.build_saturated(wl.SIZES["10k"], seed=2)
stream = wl.MixedStream(state)
stream.run(calls)
out["mixed stream (events/s)"] = stream.run(4 * calls).events_per_s
del state, stream; gc.collect()
params = sm.CenterParams(horizon=2 * 3600.0)
o = sm.run_tierroute(params, 12345)
out["simulator (arrivals/s)"] = o.arrivals / o.elapsed
print(json.dumps(out))
"""


def measure(tree: Path, size: str, calls: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": f"{tree / 'src'}{os.pathsep}{HERE}"}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, size, str(calls)],
        env=env,
        cwd=HERE,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="git revision of the old code")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--size", default="10k", choices=("1k", "10k", "100k"))
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old), args.base],
            check=True,
        )
        try:
            trees = {"old": old, "new": ROOT}
            runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
            for i in range(args.rounds):
                order = ("old", "new") if i % 2 == 0 else ("new", "old")
                for name in order:
                    runs[name].append(measure(trees[name], args.size, args.calls))
                print(f"round {i + 1}/{args.rounds} done", file=sys.stderr)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=True
            )
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(
        f"old = {args.base}, new = {head} (worktree), {args.rounds} interleaved rounds, "
        f"size {args.size}, medians"
    )
    print(f"{'figure':28} {'old':>12} {'new':>12} {'new/old':>8}")
    for key in runs["old"][0]:
        o = statistics.median(r[key] for r in runs["old"])
        n = statistics.median(r[key] for r in runs["new"])
        print(f"{key:28} {o:12.2f} {n:12.2f} {n / o:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
