"""Drive a run: for each database and size, prepare the data, measure every step, save.

Failures are recorded and the run moves on: a failed step does not lose the others, a
failed size does not lose the next one, and the report is rebuilt after every size.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from . import procs
from .databases import Database, PostgresDatabase, SqliteDatabase, redact
from .publish import publish
from .measurements import Measurement, ResultsLog, SizeResult, StepError, now
from .scenarios import SizeRun, prepare
from .steps import STEPS, on
from .site import REPO, Site


@dataclass(frozen=True)
class RunConfig:
    rows: list[int]
    dbs: list[str]
    repeat: list[int]  # one per size
    out: Path
    loaddata_max_rows: int
    step_timeout_s: float
    pg_admin_url: str
    keep_files: bool = False
    quick: bool = False
    ops: tuple[str, ...] = tuple(step.name for step in STEPS)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["out"] = str(self.out)
        data["pg_admin_url"] = redact(self.pg_admin_url) if "postgres" in self.dbs else None
        return data


def execute(config: RunConfig, log: ResultsLog) -> str:
    """Measure everything ``config`` asks for; returns the run's final status."""
    status = "failed"
    with tqdm(total=_total_steps(config), file=sys.stderr, unit="step", dynamic_ncols=True) as bar:
        try:
            for engine in config.dbs:
                _run_engine(engine, config, log, bar)
            status = "complete"
        except (KeyboardInterrupt, SystemExit):
            status = "interrupted"
            procs.stop_all()
            raise
        finally:
            log.finish(status)
            publish(log.results, config.out)
    return status


def _total_steps(config: RunConfig) -> int:
    return sum(1 + len(on(engine, config.ops)) * r for engine in config.dbs for r in config.repeat)


def _database(engine: str, config: RunConfig, name: str) -> Database:
    if engine == "sqlite":
        return SqliteDatabase(config.out / "work" / f"{name}.sqlite3")
    return PostgresDatabase(config.pg_admin_url, f"bench_{name}_p{os.getpid()}")


def _run_engine(engine: str, config: RunConfig, log: ResultsLog, bar: tqdm) -> None:
    template = _database(engine, config, "template")
    bar.set_description(f"{engine}: migrate template")
    template.create()
    try:
        site = Site(template.url, config.out / "work" / "media")
        for alias in ("default", "jobs"):  # the job rows and the task queue: a second SQLite file
            procs.run(site.manage("migrate", "--noinput", "-v0", "--database", alias), env=site.env(), cwd=REPO,
                      log_stem=config.out / "logs" / f"{engine}-migrate-{alias}", timeout=config.step_timeout_s)
        for rows, repeat in zip(config.rows, config.repeat):
            _run_size(engine, rows, repeat, template, config, log, bar)
    finally:
        if not config.keep_files:
            template.drop()


def _run_size(engine: str, rows: int, repeat: int, template: Database, config: RunConfig, log: ResultsLog, bar: tqdm) -> None:
    entry = log.start_size(engine, rows, repeat)
    started = time.perf_counter()
    name = f"{engine}-{rows}"
    run = SizeRun(
        engine=engine, rows=rows, db=_database(engine, config, str(rows)), template=template,
        scratch=_database(engine, config, f"{rows}_load"), work=config.out / "work" / name,
        logs=config.out / "logs" / name, timeout=config.step_timeout_s,
    )
    try:
        bar.set_description(f"{engine} {rows:,}: seed")
        seed = entry.setup["seed"] = _attempt(prepare, run)
        entry.dataset = run.dataset
        bar.update(1)
        if seed.ok:
            _measure_all(run, repeat, config, entry, log, bar)
        else:
            entry.errors.append(StepError("seed", seed.error))
            bar.update(len(on(engine, config.ops)) * repeat)
        entry.status = "complete" if not entry.errors else "partial"
    finally:
        entry.elapsed_s = time.perf_counter() - started
        entry.status = entry.status if entry.status != "running" else "interrupted"
        _clean(run, config)
        log.save()
        publish(log.results, config.out)


def _measure_all(run: SizeRun, repeat: int, config: RunConfig, entry: SizeResult, log: ResultsLog, bar: tqdm) -> None:
    for step in on(run.engine, config.ops):
        if step.capped and run.rows > config.loaddata_max_rows:
            entry.skipped[step.name] = f"{run.rows:,} rows > --loaddata-max-rows {config.loaddata_max_rows:,}"
            bar.update(repeat)
            continue
        for rep in range(1, repeat + 1):
            bar.set_description(f"{run.engine} {run.rows:,}: {step.name} {rep}/{repeat}")
            log.add(entry, step, _attempt(step.measure, run, rep, rep=rep, at=now()))
            bar.update(1)


def _attempt(measure, *args, rep: int | None = None, at: str | None = None) -> Measurement:
    try:
        return Measurement(True, measure(*args), rep, at)
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        print(f"\n{message}\n{traceback.format_exc(limit=3)}", file=sys.stderr)
        return Measurement(False, {}, rep, at, message)


def _clean(run: SizeRun, config: RunConfig) -> None:
    """Big sizes leave gigabytes behind: drop the database and the files unless asked to keep them."""
    if config.keep_files:
        return
    run.db.drop()
    run.scratch.drop()
    shutil.rmtree(run.work, ignore_errors=True)
