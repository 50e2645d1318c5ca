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
from django.utils.translation import gettext as _

from backup_restore.errors import BackupError
from backup_restore.jobs import services
from backup_restore.jobs.models import BackupJob
from backup_restore.jobs.messages import error_shown
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
            raise CommandError(
                _("Interrupted: job %(job)s was cancelled; nothing was changed or kept.") % {"job": job.pk}
            ) from None
        if ended is not None:
            return ended
        stderr.write(_("Job %(job)s is run by a worker; following it.") % {"job": job.pk})
        try:
            return _follow(job, phases)
        except KeyboardInterrupt:
            stderr.write(_("Interrupted: asking job %(job)s to cancel…") % {"job": job.pk})
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
    error = error_shown(job.error) or {}
    values = {
        "what": what,
        "job": job.pk,
        "state": job.state,
        "message": error.get("message") or _("no reason recorded"),
        "code": error.get("code") or job.state,
        "line": error.get("line"),
    }
    if error.get("line"):
        return CommandError(_("%(what)s (job %(job)s, %(state)s): %(message)s [%(code)s] (line %(line)s)") % values)
    return CommandError(_("%(what)s (job %(job)s, %(state)s): %(message)s [%(code)s]") % values)


def human_size(size: int | None) -> str:
    return filesizeformat(size).replace("\xa0", " ") if size is not None else "-"
