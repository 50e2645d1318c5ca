"""The one task: run a job. The framework (django.tasks + django-tasks-db) queues and runs it;
the job's own row (``models.BackupJob``) holds everything the API shows."""

from django.tasks import task

from .runner import job_run


@task()
def run_job(job_id: int) -> str | None:
    job = job_run(job_id=job_id)
    return job.state if job else None
