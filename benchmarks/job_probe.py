"""The job path against the direct path, measured in a child process with the project's settings.

``python -m benchmarks.job_probe backup OUT [--job-first]`` runs the direct export (the export
service writing ``OUT``, as ``backup_tenant`` does) and a backup job (``backup_job_start``, run
by a ``db_worker`` the harness started), one after the other. ``python -m benchmarks.job_probe
restore [--job-first]`` runs the direct restore (``tenant_restore --replace`` from the newest
stored archive) and a restore job from that archive. Each prints its figures as JSON on stdout.

No second copy of export or restore logic: both paths call the project's own services. The
direct path is timed inside this process (Django already set up), and the job path from the
enqueue to the job row's ``finished_at``, with a worker that is already running: neither
includes a process start-up. The job's stages come from its row: ``started_at`` (claimed),
``heartbeat_at`` as seen when ``phase`` first changes (every progress write stamps it), and
``finished_at``. The row is polled every ``POLL`` seconds, the way an API client would; the
figures are the row's own timestamps, so the polling delay is not in them.

The archive checks the job path adds (the backup's verify after writing, the restore's sha256
before reading) are timed once more here, on the same archive with the job's own code, and
reported apart: ``machinery_s`` is the job path's wall time minus the direct path's and minus
those checks.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

TENANT = "bench"
OWNER = f"{TENANT}_owner"
POLL = 0.05  # seconds between two reads of the job row
TIMEOUT = 4 * 3600.0


def backup(out: Path, *, job_first: bool) -> dict:
    from backup_restore.jobs.services import backup_job_start

    tenant, user = _tenant_and_owner()
    paths = {
        "direct": lambda: _timed(lambda: _export_to_file(tenant, user, out)),
        "job": lambda: _run_job(lambda: backup_job_start(tenant=tenant, user=user, origin="command")[0]),
    }
    results = _in_order(paths, job_first)
    direct, job = results["direct"], results["job"]
    verify = _timed(lambda: _verify_stored(job["row"]["file"], job["row"]["sha256"]))  # what the job did last
    verifying = job["phases"].get("verifying")  # a short phase can pass between two polls
    return _overhead(job, direct, verify) | {
        "verify_s": verify.wall_s,
        "write_s": verifying - job["first_progress"] if verifying else None,
        "prepare_s": job["first_progress"] - job["started"],
        "rows": job["row"]["rows"],
        "file_bytes": job["row"]["size"],
        "direct_file_bytes": out.stat().st_size,
        "job_first": int(job_first),
    }


def restore(*, job_first: bool) -> dict:
    from backup_restore.jobs.models import BackupJob
    from backup_restore.jobs.services import restore_job_start
    from backup_restore.jobs.storage import backups_storage, local_copy

    tenant, user = _tenant_and_owner()
    archive = (
        BackupJob.objects.filter(tenant_id=tenant.pk, kind="backup", state="succeeded").order_by("-id").first()
    )
    if archive is None:
        raise SystemExit("no stored archive of the bench shop: run the job_backup step first")

    def direct():
        from backup_restore.restore import tenant_restore

        with open(backups_storage().path(archive.file), "rb") as source:
            return tenant_restore(tenant=tenant, fileobj=source, replace=True, user=user)

    def job():
        return restore_job_start(tenant=tenant, user=user, archive_id=archive.pk, replace=True, origin="command")

    results = _in_order({"direct": lambda: _timed(direct), "job": lambda: _run_job(job)}, job_first)
    check = _timed(lambda: _digest(local_copy, archive.file))  # what the job checks first
    if check.result != archive.sha256:
        raise SystemExit("the stored archive does not match its sha256")
    direct, job = results["direct"], results["job"]
    summary = direct.result
    job_summary = job["row"]["summary"]
    if job_summary["rows"] != summary.rows:
        raise SystemExit(f"the job restored {job_summary['rows']} rows, the direct restore {summary.rows}")
    return _overhead(job, direct, check) | {
        "sha256_s": check.wall_s,
        "rows": summary.rows,
        "inserted_rows": sum(s["created"] for s in job_summary["sections"].values()),
        "file_bytes": archive.size,
        "job_first": int(job_first),
    }


def _overhead(job: dict, direct: Timed, check: Timed) -> dict:
    """The job path's time beyond the direct path's: with its archive checks (verify after
    writing, sha256 before restoring) and without them (the machinery alone), and without the
    queue's wait either (what the worker adds once it has the job)."""
    direct_s, checks_s = direct.wall_s, check.wall_s
    wall_s = job["finished"] - job["enqueued"]
    pickup_s = job["started"] - job["enqueued"]
    machinery_s = wall_s - direct_s - checks_s
    return {
        "wall_s": wall_s,
        "direct_s": direct_s,
        "enqueue_s": job["enqueue_call_s"],
        "pickup_s": pickup_s,
        "first_progress_s": job["first_progress"] - job["enqueued"],
        "machinery_s": machinery_s,
        "overhead_pct": 100 * machinery_s / direct_s,
        "overhead_in_worker_pct": 100 * (machinery_s - pickup_s) / direct_s,
        "overhead_with_checks_pct": 100 * (wall_s - direct_s) / direct_s,
        "direct_cpu_s": direct.cpu_s,
        "check_cpu_s": check.cpu_s,
    }


def _in_order(paths: dict, job_first: bool) -> dict:
    order = ("job", "direct") if job_first else ("direct", "job")
    return {name: paths[name]() for name in order}


class Timed(NamedTuple):
    wall_s: float
    cpu_s: float  # this process's: nothing else runs in it meanwhile
    result: Any


def _timed(work) -> Timed:
    clock, cpu = time.perf_counter(), time.process_time()
    result = work()
    return Timed(time.perf_counter() - clock, time.process_time() - cpu, result)


def _verify_stored(name: str, sha256: str):
    """The job's own check of a stored archive (framing, counts, digest, the bytes' sha256)."""
    from backup_restore.jobs import runner

    return runner._verify_stored(name, sha256)


def _digest(local_copy, name: str):
    with local_copy(name) as (_, digest):
        return digest


def _export_to_file(tenant, user, out: Path) -> int:
    from backup_restore.export import BackupStats, tenant_backup_stream

    stats = BackupStats(container="ndjson.zst")
    with out.open("wb") as target:
        for chunk in tenant_backup_stream(tenant=tenant, container="ndjson.zst", user=user, stats=stats):
            target.write(chunk)
    return stats.rows


def _run_job(start) -> dict:
    """Enqueue with ``start()``, poll the job row until it ends; its stages as Unix times
    (the row's own timestamps; the enqueue from the clock just before the call)."""
    from backup_restore.jobs.models import BackupJob

    enqueued = time.time()
    job = start()
    call_s = time.time() - enqueued
    phases: dict[str, float] = {}
    first_progress = None
    deadline = time.monotonic() + TIMEOUT
    while True:
        row = BackupJob.objects.filter(pk=job.pk).values().get()
        if first_progress is None and (row["phase"] or row["rows_done"]):
            first_progress = _ts(row["heartbeat_at"])
        if row["phase"] and row["phase"] not in phases:
            phases[row["phase"]] = _ts(row["heartbeat_at"])
        if row["state"] not in BackupJob.ACTIVE:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"job {job.pk} still {row['state']} after {TIMEOUT:.0f} s")
        time.sleep(POLL)
    if row["state"] != "succeeded":
        raise SystemExit(f"job {job.pk} ended {row['state']}: {row['error']}")
    return {
        "enqueued": enqueued,
        "enqueue_call_s": call_s,
        "started": _ts(row["started_at"]),
        "first_progress": first_progress if first_progress is not None else _ts(row["finished_at"]),
        "phases": phases,
        "finished": _ts(row["finished_at"]),
        "row": row,
    }


def _ts(value: datetime) -> float:
    return value.timestamp()


def _tenant_and_owner():
    from django.contrib.auth import get_user_model

    from backup_restore.tenancy import tenant_by_slug

    return tenant_by_slug(TENANT), get_user_model().objects.get(username=OWNER)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.job_probe", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    backup_cmd = commands.add_parser("backup")
    backup_cmd.add_argument("out", type=Path)
    restore_cmd = commands.add_parser("restore")
    for command in (backup_cmd, restore_cmd):
        command.add_argument("--job-first", action="store_true", help="the job path first, then the direct one")
    args = parser.parse_args(argv)

    import django

    django.setup()
    figures = backup(args.out, job_first=args.job_first) if args.command == "backup" else restore(job_first=args.job_first)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
