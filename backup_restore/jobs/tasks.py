"""The one task: run a job. The framework (django.tasks + django-tasks-db) queues and runs it;
the job's own row (``models.BackupJob``) holds everything the API shows."""

import logging

from django.tasks import task

from .runner import job_run

logger = logging.getLogger("backup_restore")


@task()
def run_job(job_id: int) -> str | None:
    job = job_run(job_id=job_id)
    if job is not None:
        _after(job)
    return job.state if job else None


def _after(job) -> None:
    """A scheduled backup that succeeded prunes its shop's old scheduled archives at once, on
    the worker that made it (``schedules.after_scheduled_backup``). A failure here is logged,
    never the job's: the archive is stored, and the scheduler's next pass prunes again."""
    from .schedules import after_scheduled_backup  # schedules -> services -> tasks

    try:
        after_scheduled_backup(job)
    except Exception:
        logger.exception("pruning after %s failed", job)
