"""What a worker does with a job: the same services the views and commands call, plus
progress, a heartbeat, cancellation, and cleanup that leaves no half-written archive behind."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import BinaryIO

from django.db import connections
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from streaming import Container, verify

from ..conf import backup_settings, reader_limits
from ..errors import ArchiveCorrupt, BackupError, Cancelled, RestoreFailed, StorageFailed, WorkerLost
from ..export import BackupStats, backup_filename, tenant_backup_stream
from ..registry import get_plan
from ..restore import tenant_restore
from ..tenancy import tenant_by_pk, user_by_pk
from .messages import error_record
from .models import BackupJob
from .progress import JobProgress, Observer, worker_name
from .storage import CHUNK, archive_delete, archive_open, archive_write, local_copy

logger = logging.getLogger("backup_restore")
State = BackupJob.State


def job_run(*, job_id: int, observer: Observer | None = None) -> BackupJob | None:
    """Run the queued job ``job_id`` to its end; None if it is not queued (cancelled, or run
    already by another worker). Every outcome is recorded on the job; nothing is raised but
    ``KeyboardInterrupt`` (the job is then recorded cancelled).

    ``observer(phase, rows, total)`` hears every progress report in this thread, also those
    not written to the row (a command's progress bar: ``management/commands/_jobs.py``)."""
    jobs_sweep()
    job = _claim(job_id)
    if job is None:
        return None
    # In the language of the one who started it: the summary's warnings are written now, for good.
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            with _heartbeat(job):
                if job.kind == BackupJob.Kind.BACKUP:
                    _run_backup(job, JobProgress(job, observer=observer))
                else:
                    _run_restore(job, JobProgress(job, observer=observer))
        except KeyboardInterrupt:  # Ctrl-C in a command running the job: a restore rolled back already
            _finish(job, State.CANCELLED, error=error_record(Cancelled(_("Interrupted; nothing was changed or kept."))))
            raise
        except Cancelled as exc:
            _finish(job, State.CANCELLED, error=error_record(exc))
        except BackupError as exc:
            _finish(job, State.FAILED, error=error_record(exc))
        except Exception as exc:  # recorded, logged; the worker goes on with the next job
            logger.exception("%s failed", job)
            _finish(job, State.FAILED, error=error_record(_unexpected(job, exc)))
        finally:
            _cleanup(job)
    job.refresh_from_db()
    return job


def jobs_sweep(*, tenant_id: int | None = None) -> int:
    """Fail the running jobs whose process is gone, and remove what they left; returns how many.

    A job is lost when its worker ran on this machine and that process no longer exists, or
    when its heartbeat is older than ``JOB_STALE_SECONDS`` (a worker on another machine).
    """
    running = BackupJob.objects.filter(state__in=[State.RUNNING, State.CANCEL_REQUESTED])
    if tenant_id is not None:
        running = running.filter(tenant_id=tenant_id)
    lost = 0
    for job in running:
        if _is_lost(job):
            updated = BackupJob.objects.filter(pk=job.pk, state=job.state, worker=job.worker).update(
                state=State.FAILED, finished_at=timezone.now(), error=error_record(WorkerLost())
            )
            if updated:
                logger.warning("%s lost its worker %s; marked failed", job, job.worker)
                _cleanup(job)
                lost += 1
    return lost


def _is_lost(job: BackupJob) -> bool:
    host, _sep, pid = job.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
        return True
    stale = timezone.now() - timezone.timedelta(seconds=backup_settings.JOB_STALE_SECONDS)
    return job.heartbeat_at is None or job.heartbeat_at < stale


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's process
        return True
    return True


def _claim(job_id: int) -> BackupJob | None:
    now = timezone.now()
    claimed = BackupJob.objects.filter(pk=job_id, state=State.QUEUED).update(
        state=State.RUNNING, started_at=now, heartbeat_at=now, worker=worker_name()
    )
    return BackupJob.objects.get(pk=job_id) if claimed else None


def _finish(job: BackupJob, state: str, **fields) -> None:
    BackupJob.objects.filter(pk=job.pk).update(state=state, finished_at=timezone.now(), **fields)


def _cleanup(job: BackupJob) -> None:
    """An unfinished or failed backup leaves no file; an uploaded restore file goes either way."""
    job.refresh_from_db(fields=["state", "file", "upload"])
    try:
        if job.kind == BackupJob.Kind.BACKUP and job.state != State.SUCCEEDED:
            archive_delete(job.file)
        if job.upload:
            archive_delete(job.upload)
    except Exception:  # the storage may be what failed; the job says so already
        logger.exception("could not remove the files of %s", job)


def _unexpected(job: BackupJob, exc: Exception) -> BackupError:
    if job.kind == BackupJob.Kind.RESTORE:
        return RestoreFailed(
            _("The restore failed (%(error)s) and was rolled back; nothing was changed."),
            params={"error": type(exc).__name__},
        )
    return StorageFailed(_("The backup failed (%(error)s); nothing was stored."), params={"error": type(exc).__name__})


@contextmanager
def _heartbeat(job: BackupJob) -> Iterator[None]:
    """A thread that says "still alive" every ``JOB_HEARTBEAT_SECONDS``, even through long
    silent steps (a replace's deletes, the final constraint check), on a connection of its own."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(backup_settings.JOB_HEARTBEAT_SECONDS):
                BackupJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"heartbeat-{job.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# -- backup ------------------------------------------------------------------------------------


def _run_backup(job: BackupJob, progress: JobProgress) -> None:
    tenant = _tenant(job)
    progress("writing", 0, total=_row_estimate(tenant))
    container = Container(job.container)
    filename = backup_filename(tenant, container, when=job.created_at)
    name = f"{tenant.uuid}/{job.pk}-{os.urandom(4).hex()}-{filename}"
    BackupJob.objects.filter(pk=job.pk).update(file=name, filename=filename)  # for cleanup if killed
    stats = BackupStats(container=container)
    chunks = tenant_backup_stream(tenant=tenant, container=container, user=user_by_pk(job.created_by_id), stats=stats)
    with closing(chunks):
        written = archive_write(name, _watched(chunks, stats, progress))  # storage errors: StorageFailed
    if written.name != name:  # the storage chose another name: record it before anything else
        BackupJob.objects.filter(pk=job.pk).update(file=written.name)
    progress("verifying", 0, total=stats.rows)
    report = _verify_stored(written.name, written.sha256)
    _finish(
        job,
        State.SUCCEEDED,
        phase="",
        file=written.name,
        size=written.size,
        sha256=written.sha256,
        rows=report.rows,
        rows_done=report.rows,
        rows_total=report.rows,
        bytes_done=written.size,
        sections=len(report.sections),
        format_version=report.header.get("version"),
    )


def _row_estimate(tenant) -> int:
    """Rows the backup will hold, counted before the snapshot: the total of the progress bar."""
    return sum(model_plan.rows_of(tenant).count() for model_plan in get_plan().models)


def _watched(chunks: Iterator[bytes], stats: BackupStats, progress: JobProgress) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk
        progress("writing", stats.rows)


def _verify_stored(name: str, sha256: str):
    """Read the stored archive back: framing, counts and the end record's digest
    (``streaming.verify``), and the bytes' own sha256 against what was written."""
    try:
        with archive_open(name) as stored:
            hashing = _HashingReader(stored)
            report = verify(hashing, limits=reader_limits())
            hashing.drain()
    except BackupError as exc:
        raise ArchiveCorrupt(
            _("The stored backup does not read back whole (%(code)s); it was removed."), params={"code": exc.code}
        ) from exc
    if hashing.hexdigest() != sha256:
        raise ArchiveCorrupt(_("The stored backup's bytes differ from those written; it was removed."))
    return report


class _HashingReader:
    def __init__(self, source: BinaryIO) -> None:
        self._source, self._digest = source, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        block = self._source.read(size)
        self._digest.update(block)
        return block

    def drain(self) -> None:
        while self.read(CHUNK):
            pass

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


# -- restore -----------------------------------------------------------------------------------


def _run_restore(job: BackupJob, progress: JobProgress) -> None:
    tenant = _tenant(job)
    source = job.source
    progress("checking", 0, total=source.rows if source else None)
    with _restore_file(job) as fileobj:
        summary = tenant_restore(
            tenant=tenant,
            fileobj=fileobj,
            replace=job.replace,
            dry_run=job.dry_run,
            user=user_by_pk(job.created_by_id),
            progress=progress,
        )
    _finish(job, State.SUCCEEDED, phase="", summary=summary.to_dict(), rows_done=summary.rows, rows_total=summary.rows)


@contextmanager
def _restore_file(job: BackupJob) -> Iterator[BinaryIO]:
    """The file to restore: a stored archive checked against its digest, or the upload."""
    if job.source_id is None:
        with local_copy(job.upload) as (fileobj, _digest):
            yield fileobj
        return
    archive = job.source
    if archive.state != State.SUCCEEDED or archive.tenant_id != job.tenant_id:
        raise ArchiveCorrupt(_("The stored backup is not available any more."))
    with local_copy(archive.file) as (fileobj, digest):
        if digest != archive.sha256:
            raise ArchiveCorrupt()
        yield fileobj


def _tenant(job: BackupJob):
    tenant = tenant_by_pk(job.tenant_id)
    if tenant is None:
        raise RestoreFailed(_("The shop of this job no longer exists."))
    return tenant
