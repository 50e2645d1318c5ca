"""Run a job in this process with a progress bar: the commands' side of the job machinery.

The job runs here through ``runner.job_run``, the very code a worker runs, and its progress
reports move the bar (``observer``). If a worker (``db_worker``) claimed the job first, the
command follows it instead, reading its row as the API's clients do; Ctrl-C then asks it to
cancel. Ctrl-C while the job runs here stops it at once: it is recorded cancelled, a restore
rolls back, a half-written archive is removed.
"""

from __future__ import annotations

import time

from django.core.management.base import CommandError
from django.template.defaultfilters import filesizeformat

from backup_restore.errors import BackupError
from backup_restore.jobs import services
from backup_restore.jobs.models import BackupJob
from backup_restore.jobs.runner import job_run

from ._progress import PhaseBar, progress_bar

POLL_SECONDS = 0.5


def run_job_here(job: BackupJob, *, tenant, desc: str, enabled: bool | None, stderr) -> BackupJob:
    """Run ``job`` here (or follow the worker that runs it) to its end, a bar on the terminal."""
    with progress_bar(unit="row", desc=desc, enabled=enabled) as bar:
        phases = PhaseBar(bar)
        try:
            ended = job_run(job_id=job.pk, observer=phases)
        except KeyboardInterrupt:
            raise CommandError(f"Interrupted: job {job.pk} was cancelled; nothing was changed or kept.") from None
        if ended is not None:
            return ended
        stderr.write(f"Job {job.pk} is run by a worker; following it.")
        try:
            return _follow(job, phases)
        except KeyboardInterrupt:
            stderr.write(f"Interrupted: asking job {job.pk} to cancel…")
            _cancel(tenant, job)
            return _follow(job, phases)


def _follow(job: BackupJob, phases: PhaseBar) -> BackupJob:
    while True:
        job.refresh_from_db()
        phases(job.phase or job.state, job.rows_done, job.rows_total)
        if job.finished:
            return job
        time.sleep(POLL_SECONDS)


def _cancel(tenant, job: BackupJob) -> None:
    try:
        services.job_cancel(tenant=tenant, job_id=job.pk)
    except BackupError:  # it ended meanwhile
        pass


def job_failure(job: BackupJob, what: str) -> CommandError:
    """The error a command exits with when its job did not succeed."""
    error = job.error or {}
    detail = f"{error.get('message', 'no reason recorded')} [{error.get('code', job.state)}]"
    if error.get("line"):
        detail += f" (line {error['line']})"
    return CommandError(f"{what} (job {job.pk}, {job.state}): {detail}")


def human_size(size: int | None) -> str:
    return filesizeformat(size).replace("\xa0", " ") if size is not None else "-"
