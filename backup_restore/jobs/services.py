"""The job service layer: views, commands, the page and the scheduler call these, and only these.

Every function takes the shop it acts for; a job or archive of another shop is "not found",
never "forbidden", so ids reveal nothing. Every attempt that changes something is audited.
"""

from __future__ import annotations

import uuid
from typing import Any, BinaryIO

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from ..audit import audit_record
from ..errors import ArchiveNotReady, Cancelled, JobActive, JobFinished, JobNotFound, MissingSource, RestoreInProgress
from .models import BackupJob
from .router import jobs_db
from .runner import jobs_sweep
from .storage import archive_delete as storage_delete
from .storage import backups_storage
from .tasks import run_job

Kind, State = BackupJob.Kind, BackupJob.State


def backup_job_start(*, tenant, user, origin: str = BackupJob.Origin.API, ip: str | None = None) -> tuple[BackupJob, bool]:
    """Queue a backup of ``tenant``; if one is queued or running already, that one (not created)."""
    job, created = _start(tenant=tenant, user=user, kind=Kind.BACKUP, origin=origin)
    _audit(tenant, user, ip, "backup", "job_started" if created else "job_reused", job)
    return job, created


def restore_job_start(
    *,
    tenant,
    user,
    upload: BinaryIO | None = None,
    archive_id: int | None = None,
    replace: bool = False,
    dry_run: bool = False,
    origin: str = BackupJob.Origin.API,
    ip: str | None = None,
) -> BackupJob:
    """Queue a restore of ``tenant`` from an uploaded file or from one of its stored archives.

    A second restore of a shop while one is queued or running is refused (``RestoreInProgress``):
    two restores of one shop never interleave.
    """
    if (upload is None) == (archive_id is None):
        raise MissingSource()
    source = archive_get(tenant=tenant, archive_id=archive_id, ready=True) if archive_id is not None else None
    stored = _keep_upload(tenant, upload) if upload is not None else ""
    try:
        job, created = _start(
            tenant=tenant, user=user, kind=Kind.RESTORE, origin=origin,
            source=source, upload=stored, replace=replace, dry_run=dry_run,
        )  # fmt: skip
    except BaseException:
        storage_delete(stored)
        raise
    if not created:
        storage_delete(stored)
        _audit(tenant, user, ip, "restore", "refused", job, code=RestoreInProgress.code)
        raise RestoreInProgress()
    _audit(tenant, user, ip, "restore", "job_started", job)
    return job


def job_get(*, tenant, job_id: int, kind: str | None = None) -> BackupJob:
    """One job of ``tenant`` (any kind unless ``kind``); ``JobNotFound`` otherwise."""
    jobs_sweep(tenant_id=tenant.pk)
    jobs = BackupJob.objects.filter(tenant_id=tenant.pk)
    if kind:
        jobs = jobs.filter(kind=kind)
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise JobNotFound()
    return job


def job_list(*, tenant, kind: str) -> QuerySet[BackupJob]:
    """The shop's jobs of ``kind``, newest first."""
    jobs_sweep(tenant_id=tenant.pk)
    return BackupJob.objects.filter(tenant_id=tenant.pk, kind=kind).order_by("-created_at", "-id")


def archive_get(*, tenant, archive_id: int, ready: bool = False) -> BackupJob:
    """A backup of ``tenant``; with ``ready``, only one whose archive is stored and verified."""
    archive = job_get(tenant=tenant, job_id=archive_id, kind=Kind.BACKUP)
    if ready and archive.state != State.SUCCEEDED:
        raise ArchiveNotReady()
    return archive


def job_cancel(*, tenant, job_id: int, kind: str | None = None, user=None, ip: str | None = None) -> BackupJob:
    """Ask a job to stop. A queued job is cancelled at once; a running one stops at its next
    progress report, and a restore then rolls back. An ended job: ``JobFinished``."""
    job = job_get(tenant=tenant, job_id=job_id, kind=kind)
    queued = BackupJob.objects.filter(pk=job.pk, state=State.QUEUED).update(state=State.CANCELLED, error=_cancelled())
    if not queued:
        running = BackupJob.objects.filter(pk=job.pk, state=State.RUNNING).update(state=State.CANCEL_REQUESTED)
        if not running and job.state != State.CANCEL_REQUESTED:
            _audit(tenant, user, ip, job.kind, "refused", job, code=JobFinished.code)
            raise JobFinished()
    if queued:
        storage_delete(job.upload)
    _audit(tenant, user, ip, job.kind, "cancel_requested", job)
    job.refresh_from_db()
    return job


def archive_delete(*, tenant, archive_id: int, user=None, ip: str | None = None) -> None:
    """Delete a backup of ``tenant`` and its stored file. A job still running: ``JobActive``."""
    archive = archive_get(tenant=tenant, archive_id=archive_id)
    if archive.state in BackupJob.ACTIVE:
        _audit(tenant, user, ip, "backup", "refused", archive, code=JobActive.code)
        raise JobActive()
    storage_delete(archive.file)
    archive.delete()
    _audit(tenant, user, ip, "backup", "archive_deleted", archive)


def _start(*, tenant, user, kind: str, origin: str, **fields: Any) -> tuple[BackupJob, bool]:
    """Create the job and enqueue its task in one transaction of the jobs database; an active
    job of the same shop and kind (the unique constraint says so) is returned instead.

    A job whose worker died still counts as active until a sweep fails it: sweep first, so a
    killed worker never blocks the shop's next job until somebody happens to read the old one."""
    jobs_sweep(tenant_id=tenant.pk)
    try:
        with transaction.atomic(using=jobs_db()):
            job = BackupJob.objects.create(
                tenant_id=tenant.pk,
                kind=kind,
                origin=origin,
                created_by_id=getattr(user, "pk", None),
                created_by=getattr(user, "username", "") or "",
                **fields,
            )
            result = run_job.enqueue(job.pk)
            job.task_id = str(result.id)
            job.save(update_fields=["task_id"])
    except IntegrityError:
        active = BackupJob.objects.filter(tenant_id=tenant.pk, kind=kind, state__in=BackupJob.ACTIVE).first()
        if active is None:
            raise
        return active, False
    return job, True


def _keep_upload(tenant, upload: BinaryIO) -> str:
    """The uploaded file, kept in the backups storage until its job ends, so that a worker on
    any machine can read it."""
    name = f"uploads/{tenant.uuid}/{uuid.uuid4().hex}.upload"
    upload.seek(0)
    return backups_storage().save(name, File(upload, name=name))


def _cancelled() -> dict:
    return Cancelled().to_dict()


def _audit(tenant, user, ip, action: str, event: str, job: BackupJob, code: str | None = None) -> None:
    details = {"event": f"{job.kind}_job", "outcome": event, "job": job.pk}
    if code:
        details["code"] = code
    audit_record(tenant=tenant, user=user, action=action, ip=ip, details=details)
