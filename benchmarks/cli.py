"""Command line of ``python -m benchmarks``: ``run``, ``plan`` and ``report``.

No Django here: the measured work runs in child processes (see ``site``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import datetime
from pathlib import Path

from .databases import admin_url_from, postgres_version
from .site import REPO

DEFAULT_ROWS = (10_000, 100_000, 1_000_000)
QUICK_ROWS = (2_000, 5_000)
LARGE_ROWS = 500_000  # from this size on, one repetition by default
RESULTS_DIR = REPO / "benchmarks" / "results"
PLAN_NEEDS = "export_cli"  # plan's default run: the newest that measured the export


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="{run,plan,report}")

    run = commands.add_parser("run", help="measure export, restore and the dumpdata/loaddata baselines")
    run.add_argument("--rows", type=_int_list, help=f"tenant sizes (default {','.join(map(str, DEFAULT_ROWS))})")
    run.add_argument("--db", choices=("sqlite", "postgres", "both"), help="default: both (quick: postgres only if reachable)")
    run.add_argument("--repeat", type=_int_list, help=f"repetitions, one number or one per size (default 3, 1 from {LARGE_ROWS:,} rows)")
    run.add_argument("--out", type=Path, help="output folder (default benchmarks/out/<timestamp>)")
    run.add_argument("--quick", action="store_true", help=f"CI smoke run: sizes {','.join(map(str, QUICK_ROWS))}, one repetition")
    run.add_argument("--loaddata-max-rows", type=int, default=100_000, help="largest size loaddata runs at (default 100000)")
    run.add_argument("--step-timeout", type=float, default=4 * 3600, help="seconds before a step is killed (default 4 h)")
    run.add_argument("--pg-url", help="PostgreSQL server (default: $DATABASE_URL if postgres, else postgres://postgres@127.0.0.1:5432)")
    run.add_argument("--keep-files", action="store_true", help="keep databases, backups and fixtures for inspection")
    run.add_argument("--steps", type=_step_list, help="only these steps, comma-separated (default: all)")
    run.set_defaults(handler=_run)

    plan = commands.add_parser("plan", help="predict time, memory and file size for a tenant of N rows")
    plan.add_argument("--rows", type=int, required=True, help="tenant rows (audit log included)")
    plan.add_argument("--bitacora-share", type=float, help="share of audit-log rows, 0-1 (default: as measured)")
    plan.add_argument("--results", type=Path, help="results.json (default: the newest under benchmarks/results/ that measured export_cli)")
    plan.add_argument(
        "--hide-above", type=int, metavar="ROWS",
        help="ignore the runs larger than ROWS (check the model: predict a measured size from the smaller ones)",
    )
    plan.set_defaults(handler=_plan)

    report = commands.add_parser("report", help="rebuild report.md and the charts from a results.json")
    report.add_argument("results", type=Path)
    report.set_defaults(handler=_report)
    return parser


def _int_list(text: str) -> list[int]:
    try:
        values = [int(v.replace("_", "")) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("values must be positive")
    return values


def _step_list(text: str) -> tuple[str, ...]:
    from .steps import BY_NAME

    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in BY_NAME]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown steps {unknown}; the steps are {', '.join(BY_NAME)}")
    return names


def _run(args: argparse.Namespace) -> int:
    from .machine import describe
    from .measurements import ResultsLog
    from .runner import RunConfig, execute

    pg_url = admin_url_from(args.pg_url or os.environ.get("DATABASE_URL"))
    config = RunConfig(
        rows=args.rows or list(QUICK_ROWS if args.quick else DEFAULT_ROWS),
        dbs=_databases(args, pg_url),
        repeat=[],
        out=(args.out or REPO / "benchmarks" / "out" / datetime.now().strftime("%Y%m%dT%H%M%S")).resolve(),
        loaddata_max_rows=args.loaddata_max_rows,
        step_timeout_s=args.step_timeout,
        pg_admin_url=pg_url,
        keep_files=args.keep_files,
        quick=args.quick,
        **({"ops": args.steps} if args.steps else {}),
    )
    config = _with_repeats(config, args)
    config.out.mkdir(parents=True, exist_ok=True)
    machine = describe(pg_url if "postgres" in config.dbs else None)
    log = ResultsLog(config.out / "results.json", config=config.as_dict(), machine=machine, command=["python", "-m", "benchmarks", *sys.argv[1:]])
    if args.quick and args.db is None and "postgres" not in config.dbs:
        log.results.notes.append("PostgreSQL not reachable: quick run on SQLite only.")
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    status = execute(config, log)
    print(f"{status}: {config.out}/report.md", file=sys.stderr)
    return 0 if status == "complete" and not any(r.errors for r in log.results.runs) else 1


def _exit_on_sigterm(signum, frame) -> None:
    """Unwind like Ctrl-C, so databases are dropped and results.json says "interrupted"."""
    raise SystemExit(128 + signum)


def _databases(args: argparse.Namespace, pg_url: str) -> list[str]:
    if args.db == "sqlite":
        return ["sqlite"]
    reachable = postgres_version(pg_url) is not None
    if args.db is None and args.quick and not reachable:
        return ["sqlite"]
    if not reachable:
        raise SystemExit(f"PostgreSQL is not reachable at {pg_url} (use --db sqlite or --pg-url)")
    return ["postgres"] if args.db == "postgres" else ["sqlite", "postgres"]


def _with_repeats(config, args: argparse.Namespace):
    from dataclasses import replace

    if args.repeat and len(args.repeat) not in (1, len(config.rows)):
        raise SystemExit("--repeat takes one number or one per size")
    if args.repeat:
        repeat = args.repeat * len(config.rows) if len(args.repeat) == 1 else args.repeat
    elif args.quick:
        repeat = [1] * len(config.rows)
    else:
        repeat = [3 if rows < LARGE_ROWS else 1 for rows in config.rows]
    return replace(config, repeat=repeat)


def _plan(args: argparse.Namespace) -> int:
    from .plan import predict, render
    from .measurements import load, newest

    path = args.results or newest(RESULTS_DIR, having=PLAN_NEEDS)
    if path is None:
        raise SystemExit(f"no results under {RESULTS_DIR}; pass --results FILE")
    if args.bitacora_share is not None and not 0 <= args.bitacora_share < 1:
        raise SystemExit("--bitacora-share must be in [0, 1)")
    data = load(path)
    predictions = predict(data, args.rows, args.bitacora_share, args.hide_above)
    if not predictions:
        raise SystemExit(f"no runs of at most {args.hide_above:,} rows in {path}")
    hidden = f", runs above {args.hide_above:,} rows hidden" if args.hide_above else ""
    print(render(predictions, f"{path} ({data.started_at}, {data.status}{hidden})"))
    return 0


def _report(args: argparse.Namespace) -> int:
    from .publish import publish
    from .measurements import load

    return 0 if publish(load(args.results), args.results.parent) else 1
