"""The job service layer: views, commands, the page and the scheduler call these, and only these.

Every function takes the shop it acts for; a job or archive of another shop is "not found",
never "forbidden", so ids reveal nothing. Every attempt that changes something is audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, BinaryIO

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..audit import audit_record
from ..errors import (
    ArchiveNotReady,
    BackupError,
    Cancelled,
    JobActive,
    JobFinished,
    JobNotFound,
    MissingSource,
    RestoreInProgress,
    StorageFailed,
)
from ..tenancy import tenant_by_pk
from .links import download_link_check, download_link_sign, download_link_signer
from .messages import error_record
from .models import BackupJob
from .router import jobs_db
from .runner import jobs_sweep
from .storage import archive_delete as storage_delete
from .storage import archive_exists, backups_storage
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
    with _refusals_audited(tenant, user, ip, "restore", job_id=archive_id):
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
    with _refusals_audited(tenant, user, ip, kind or Kind.BACKUP, job_id=job_id):
        job = job_get(tenant=tenant, job_id=job_id, kind=kind)
        queued = BackupJob.objects.filter(pk=job.pk, state=State.QUEUED).update(
            state=State.CANCELLED, error=_cancelled(), finished_at=timezone.now()
        )
        if not queued:
            running = BackupJob.objects.filter(pk=job.pk, state=State.RUNNING).update(state=State.CANCEL_REQUESTED)
            if not running and not BackupJob.objects.filter(pk=job.pk, state=State.CANCEL_REQUESTED).exists():
                raise JobFinished()
    if queued:
        storage_delete(job.upload)
    _audit(tenant, user, ip, job.kind, "cancelled" if queued else "cancel_requested", job)
    job.refresh_from_db()
    return job


def archive_delete(*, tenant, archive_id: int, user=None, ip: str | None = None) -> None:
    """Delete a backup of ``tenant`` and its stored file. A job still running: ``JobActive``."""
    with _refusals_audited(tenant, user, ip, "backup", job_id=archive_id):
        archive = archive_get(tenant=tenant, archive_id=archive_id)
        if archive.state in BackupJob.ACTIVE:
            raise JobActive()
    storage_delete(archive.file)
    archive.delete()
    _audit(tenant, user, ip, "backup", "archive_deleted", archive, job_id=archive_id)


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
                language=translation.get_language() or "",
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
    return error_record(Cancelled())


@contextmanager
def _refusals_audited(tenant, user, ip, action: str, *, job_id: int | None) -> Iterator[None]:
    """Audit an attempt the service refuses (not found, not ready, finished, in progress...)."""
    try:
        yield
    except BackupError as exc:
        details = {"event": f"{action}_job", "outcome": "refused", "job": job_id, "code": exc.code}
        audit_record(tenant=tenant, user=user, action=action, ip=ip, details=details)
        raise


def _audit(
    tenant, user, ip, action: str, event: str, job: BackupJob, code: str | None = None, job_id: int | None = None
) -> None:
    details = {"event": f"{job.kind}_job", "outcome": event, "job": job_id or job.pk}
    if code:
        details["code"] = code
    audit_record(tenant=tenant, user=user, action=action, ip=ip, details=details)


# -- downloads ---------------------------------------------------------------------------------


def download_link_create(*, tenant, archive_id: int, user, ip: str | None = None) -> tuple[BackupJob, str, datetime]:
    """A signed link token to a stored archive of ``tenant`` for ``user``, and when it expires.
    Only an archive that succeeded: ``ArchiveNotReady`` otherwise."""
    with _refusals_audited(tenant, user, ip, Kind.BACKUP, job_id=archive_id):
        archive = archive_get(tenant=tenant, archive_id=archive_id, ready=True)
    token, expires_at = download_link_sign(archive=archive, user=user)
    _audit(tenant, user, ip, Kind.BACKUP, "link_created", archive)
    return archive, token, expires_at


def archive_download(*, token: str, archive_id: int, ip: str | None = None) -> tuple[BackupJob, Any]:
    """The archive and user of a download link, once the link checks out and the file is there.

    A refusal (expired, tampered, for another archive, file gone) is audited: in the shop the
    link was signed for when its signature is genuine, as an attempt of no shop otherwise.
    """
    try:
        archive, user = download_link_check(token=token, archive_id=archive_id)
        _check_stored(archive)
    except BackupError as exc:
        tenant, user = download_link_signer(token)
        _audit_download(tenant=tenant, user=user, ip=ip, archive_id=archive_id, outcome="refused", error=exc)
        raise
    return archive, user


def archive_download_audit(
    *, archive: BackupJob, user, ip: str | None, outcome: str, byte_range: str | None = None, error: BackupError | None = None
) -> None:
    """Audit a download the view served (``outcome``: full, partial, head) or refused (a range)."""
    tenant = tenant_by_pk(archive.tenant_id)
    _audit_download(tenant=tenant, user=user, ip=ip, archive_id=archive.pk, outcome=outcome, byte_range=byte_range, error=error)


def _check_stored(archive: BackupJob) -> None:
    try:
        stored = archive_exists(archive.file)
    except Exception as exc:  # the storage (S3) cannot be reached
        raise StorageFailed(
            _("The backup storage could not be read (%(error)s). Try again later."), params={"error": type(exc).__name__}
        ) from exc
    if not stored:
        raise JobNotFound(_("The stored file of this backup is gone."))


def _audit_download(*, tenant, user, ip, archive_id: int, outcome: str, byte_range=None, error=None) -> None:
    details: dict[str, Any] = {"event": "download", "outcome": outcome, "archive": archive_id}
    if byte_range:
        details["range"] = byte_range
    if error is not None:
        details["error"] = error.to_dict()
    audit_record(tenant=tenant, user=user, action=Kind.BACKUP, ip=ip, details=details)
