"""Backups and restores as jobs, against the direct path: one repetition each.

Every repetition starts its own ``manage.py db_worker`` (as ``make run`` does:
``--interval 1``; ``--max-tasks 1``, so it ends after the job), waits until it is polling the
queue, then runs ``job_probe`` in a second process: the direct path and the job path, in an
order that alternates between repetitions (a warmer cache never favours one path). The worker's
memory is sampled with psutil while the probe runs, and its exact peak comes from ``os.wait4``
when it ends (see ``procs``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import psutil

from . import procs
from .probes import RssSampler
from .site import REPO

if TYPE_CHECKING:
    from .scenarios import SizeRun

WORKER_INTERVAL = "1"  # seconds between two looks at an empty queue: `make run`'s worker
READY_LINE = b"Starting worker"
READY_TIMEOUT = 120.0
EXIT_TIMEOUT = 60.0


def measure_job_backup(run: SizeRun, rep: int) -> dict:
    target = run.work / f"job-direct-{rep}.ndjson.zst"
    try:
        return _with_worker(run, f"job_backup-{rep}", "backup", str(target), *_order(rep))
    finally:
        target.unlink(missing_ok=True)


def measure_job_restore(run: SizeRun, rep: int) -> dict:
    return _with_worker(run, f"job_restore-{rep}", "restore", *_order(rep))


def _order(rep: int) -> tuple[str, ...]:
    return ("--job-first",) if rep % 2 == 0 else ()


def _with_worker(run: SizeRun, step: str, *probe_args: str) -> dict:
    site = run.site
    worker_log = run.logs / f"{step}-worker"
    argv = site.manage("db_worker", "--interval", WORKER_INTERVAL, "--max-tasks", "1", "--no-startup-delay", "--no-reload")
    pid = procs.start(argv, env=site.env(), cwd=REPO, log_stem=worker_log)
    try:
        _wait_ready(pid, Path(f"{worker_log}.out"))
        idle_cpu_s = _cpu_s(pid)  # Django's start-up; the job's CPU is what the worker spends after
        with RssSampler(pid, interval=0.05) as sampler:
            run.module(step, "benchmarks.job_probe", *probe_args)
        worker = procs.reap(pid, EXIT_TIMEOUT)  # --max-tasks 1: it ends after the job
    except Exception:
        procs.terminate(pid)
        procs.reap(pid, EXIT_TIMEOUT)
        raise
    except BaseException:  # interrupted: the spawner may still be waiting for the probe; the run stops both
        procs.terminate(pid)
        raise
    if worker.returncode != 0:
        raise procs.StepFailed(f"db_worker exited {worker.returncode}: {procs.tail(Path(f'{worker_log}.err'))}")
    figures = orjson.loads(run.stdout(step))
    return figures | _cpu_figures(figures, worker.cpu_s - idle_cpu_s) | {
        "peak_rss_bytes": worker.peak_rss_bytes,
        "worker_sampled_peak_rss_bytes": sampler.peak,
        "worker_rss_before_bytes": sampler.baseline,
        "worker_cpu_s": worker.cpu_s,
    }


def _cpu_figures(figures: dict, job_cpu_s: float) -> dict:
    """The overhead in CPU seconds, which other work on the machine does not inflate: the
    worker's CPU for the job against the probe's for the direct path, the check's left out.
    (On PostgreSQL the server's own CPU, the same queries on both paths, is in neither.)"""
    machinery = job_cpu_s - figures["direct_cpu_s"] - figures["check_cpu_s"]
    return {
        "job_cpu_s": job_cpu_s,
        "machinery_cpu_s": machinery,
        "overhead_cpu_pct": 100 * machinery / figures["direct_cpu_s"],
    }


def _cpu_s(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def _wait_ready(pid: int, log: Path) -> None:
    """Until the worker says it is polling the queue (it logs that once Django is up)."""
    deadline = time.monotonic() + READY_TIMEOUT
    while READY_LINE not in _read(log):
        if time.monotonic() > deadline or not _running(pid):
            raise procs.StepFailed(f"db_worker {pid} did not start: {procs.tail(log.with_name(log.stem + '.err'))}")
        time.sleep(0.02)


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
