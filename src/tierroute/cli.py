"""The ``tierroute`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _cmd_demo(args: argparse.Namespace) -> int:
    from tierroute.demo import run_demo

    run_demo(seed=args.seed, contacts=args.contacts, show=args.show)
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from tierroute.policy import Policy

    schemas = {"policy": Policy.json_schema()}
    which = schemas if args.which == "all" else {args.which: schemas[args.which]}
    print(json.dumps(which if len(which) > 1 else next(iter(which.values())), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``tierroute`` command."""
    parser = argparse.ArgumentParser(prog="tierroute", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="route a mixed workload and explain the decisions")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--contacts", type=int, default=40)
    demo.add_argument("--show", type=int, default=3, help="decisions to explain in full")
    demo.set_defaults(func=_cmd_demo)
    schema = sub.add_parser("schema", help="print JSON Schemas of the input files")
    schema.add_argument("which", nargs="?", default="policy", choices=["policy", "all"])
    schema.set_defaults(func=_cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
