"""Errors of backup and restore, on top of the file-format errors of ``streaming``.

One class per code, as DRF's ``exceptions.py`` does it: each carries its stable machine
``code`` and a ``default_message``, and is raised with a message that says what to do and,
where known, the ``line``, ``section`` and ``field`` of the file. Services know no HTTP:
the API layer (``backup_restore.api.http.http_status``) maps classes to statuses.

The tree::

    BackupError                      streaming.errors: code, message, line, section, field
    ├── BackupFormatError            the file is not a valid, complete backup (streaming.ErrorCode)
    ├── UnrestorableRow              the writer met a row no reader would accept (streaming)
    └── ServiceError                 raised by the Django side
        ├── ExportError              raised by the download only
        │   ├── UnknownFormat          unknown_format        ?format= names no container (also a RequestError)
        │   └── StreamFailure        ends a started download without its end record (no HTTP answer)
        │       └── UnexportableValue  unexportable_value  a value no restore would accept
        ├── RequestError             the request itself is malformed
        │   ├── MissingFile            missing_file          no backup_file part
        │   ├── InvalidFlag            invalid_flag          replace / dry_run not a boolean
        │   ├── LengthRequired         length_required       chunked upload (no Content-Length)
        │   ├── InvalidContentLength   invalid_content_length  Content-Length is not a number
        │   └── UploadTooLarge         upload_too_large      over MAX_UPLOAD_BYTES
        ├── InvalidBackupContent     the file is well-formed, but its content cannot be restored
        │   ├── UnknownSection         unknown_section
        │   ├── UnknownField           unknown_field
        │   ├── MissingField           missing_field
        │   ├── InvalidValue           invalid_value
        │   ├── DuplicateRow           duplicate_row         two rows of one file share a natural key
        │   └── RejectedByDatabase     rejected_by_database
        ├── WrongTenant                wrong_tenant          a backup of another shop
        ├── RestoreInProgress          restore_in_progress   another restore of the shop runs
        ├── RestoreFailed              restore_failed        server-side failure; nothing changed
        ├── Unavailable              the server cannot serve now; try again (both endpoints)
        │   └── DatabaseBusy           database_busy         SQLite's single writer is taken
        └── JobError                 the job API (backup_restore/jobs)
            ├── JobNotFound            not_found             no such job or archive in the user's shop
            ├── JobFinished            job_finished          cancel of a job that has ended
            ├── JobActive              job_active            delete of a job that has not ended
            ├── ArchiveNotReady        archive_not_ready     a link to an archive that did not succeed
            ├── MissingSource          missing_source        a restore job with no file and no archive
            ├── InvalidSchedule        invalid_schedule      a schedule setting out of range
            ├── LinkInvalid            link_invalid          a download link tampered with, or for another archive
            ├── LinkExpired            link_expired          a download link past its time
            ├── RangeNotSatisfiable    range_not_satisfiable a Range beyond the end of the file
            ├── Cancelled              cancelled             the job was cancelled; nothing changed
            ├── WorkerLost             worker_lost           the process running the job died
            ├── ArchiveCorrupt         archive_corrupt       a stored archive does not match its digest
            └── StorageFailed          storage_failed        the archive storage refused a read or write

Messages follow Django's ``ValidationError``: a translatable template (``gettext_lazy``) with named
``%(name)s`` placeholders and its ``params``, translated into the active language (the request's,
``LocaleMiddleware``) when the error is made, then formatted. ``streaming``'s own messages go through
the same translation (``translate``, installed by ``BackupRestoreConfig.ready``). Codes never change
with the language.

Which endpoint raises what is read off this tree (``backup_restore.api.schema``): classes under
``ExportError`` belong to the download, those under ``Unavailable`` to both, everything else
to the restore; those under ``JobError`` to the job API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from streaming.errors import BackupError, BackupFormatError, ErrorCode

__all__ = [
    "BackupError",
    "BackupFormatError",
    "DatabaseBusy",
    "DuplicateRow",
    "ErrorCode",
    "ExportError",
    "InvalidBackupContent",
    "InvalidContentLength",
    "InvalidFlag",
    "InvalidValue",
    "ArchiveCorrupt",
    "ArchiveNotReady",
    "Cancelled",
    "InvalidSchedule",
    "JobActive",
    "JobError",
    "JobFinished",
    "JobNotFound",
    "LinkExpired",
    "LinkInvalid",
    "MissingSource",
    "RangeNotSatisfiable",
    "StorageFailed",
    "WorkerLost",
    "LengthRequired",
    "MissingField",
    "MissingFile",
    "RejectedByDatabase",
    "RequestError",
    "RestoreFailed",
    "RestoreInProgress",
    "ServiceError",
    "StreamFailure",
    "UnexportableValue",
    "UnknownField",
    "UnknownFormat",
    "UnknownSection",
    "Unavailable",
    "UploadTooLarge",
    "WrongTenant",
    "leaf_errors",
    "translate",
]


def translate(template: Any) -> str:
    """A message template in the active language: a lazy translation (``gettext_lazy``) is
    resolved, a plain string (``streaming``'s templates, marked with ``gettext_noop``) looked up."""
    return str(template) if isinstance(template, Promise) else gettext(template)


class ServiceError(BackupError):
    """An error raised by the Django side. ``default_message`` is used when none is given."""

    default_message: Any = _("The backup or restore could not be done.")

    def __init__(
        self,
        message: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        line: int | None = None,
        section: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message or self.default_message, params=params, line=line, section=section, field=field)


class RequestError(ServiceError):
    """The request is malformed; nothing was read or changed."""


class ExportError(ServiceError):
    """Raised by the download endpoint only."""


class UnknownFormat(ExportError, RequestError):
    code = "unknown_format"
    default_message = _("Unknown backup format.")


class MissingFile(RequestError):
    code = "missing_file"
    default_message = _("Attach the backup file in the 'backup_file' field.")


class InvalidFlag(RequestError):
    code = "invalid_flag"
    default_message = _("A flag must be true or false.")


class LengthRequired(RequestError):
    """A chunked upload: Django reads no request body without a Content-Length."""

    code = "length_required"
    default_message = _(
        "Send the backup with a Content-Length header: Django does not read chunked uploads "
        "(curl -F, browsers and most HTTP clients send one)."
    )


class InvalidContentLength(RequestError):
    code = "invalid_content_length"
    default_message = _("The Content-Length header is not a number of bytes.")


class UploadTooLarge(RequestError):
    code = "upload_too_large"
    default_message = _("The file is larger than this server accepts for a restore.")


class InvalidBackupContent(ServiceError):
    """The file is well-formed but a row cannot be restored (bad value, dangling reference...)."""

    code = "invalid_content"


class UnknownSection(InvalidBackupContent):
    code = "unknown_section"


class UnknownField(InvalidBackupContent):
    code = "unknown_field"


class MissingField(InvalidBackupContent):
    code = "missing_field"


class InvalidValue(InvalidBackupContent):
    code = "invalid_value"


class DuplicateRow(InvalidBackupContent):
    code = "duplicate_row"


class RejectedByDatabase(InvalidBackupContent):
    code = "rejected_by_database"
    default_message = _("The database refused the restored data. Nothing was changed.")


class StreamFailure(ExportError):
    """Raised once the download has started: it ends the stream without its end record (so no
    reader accepts the file) and lands in the audit entry and the log, never in an HTTP answer."""


class UnexportableValue(StreamFailure):
    """The database holds a value a backup cannot carry or a restore would refuse.

    The export stops before the user trusts a file that could not be restored; the message
    names the model, the row id and the field, so the shop's data can be corrected.
    """

    code = "unexportable_value"


class WrongTenant(ServiceError):
    code = "wrong_tenant"
    default_message = _("The backup does not say which shop it belongs to.")


class RestoreInProgress(ServiceError):
    code = "restore_in_progress"
    default_message = _("A restore of this shop is already running. Wait for it to finish, then try again.")


class RestoreFailed(ServiceError):
    """Something outside the file went wrong (database down, disk full); nothing was changed."""

    code = "restore_failed"
    default_message = _("The restore failed and was rolled back; nothing was changed.")


class Unavailable(ServiceError):
    """The server cannot do it now (nothing was changed); the same request may work later."""

    retry_after = 30  # seconds


class DatabaseBusy(Unavailable):
    code = "database_busy"
    default_message = _(
        "The database is busy with another long write (a restore of another shop?): the embedded "
        "SQLite database lets one write happen at a time. Nothing was changed; try again in a minute."
    )


class JobError(ServiceError):
    """Raised by the job API and the workers (``backup_restore.jobs``)."""


class JobNotFound(JobError):
    code = "not_found"
    default_message = _("There is no such backup or job in your shop.")


class JobFinished(JobError):
    code = "job_finished"
    default_message = _("The job has already ended; there is nothing to cancel.")


class JobActive(JobError):
    code = "job_active"
    default_message = _("The job has not ended yet; cancel it or wait for it to end first.")


class ArchiveNotReady(JobError):
    code = "archive_not_ready"
    default_message = _("This backup is not ready: only a backup that finished successfully can be downloaded or restored.")


class MissingSource(JobError):
    code = "missing_source"
    default_message = _('Send a backup file (multipart "backup_file") or the id of a stored backup ("backup").')


class InvalidSchedule(JobError):
    code = "invalid_schedule"
    default_message = _("The schedule has a value out of range.")


class LinkInvalid(JobError):
    code = "link_invalid"
    default_message = _("This download link is not valid. Ask for a new link.")


class LinkExpired(JobError):
    code = "link_expired"
    default_message = _("This download link has expired. Ask for a new link.")


class RangeNotSatisfiable(JobError):
    code = "range_not_satisfiable"
    default_message = _("The requested byte range lies beyond the end of the file.")


class Cancelled(JobError):
    code = "cancelled"
    default_message = _("The job was cancelled; nothing was changed.")


class WorkerLost(JobError):
    code = "worker_lost"
    default_message = _("The process running this job stopped before it ended; nothing was changed. Start it again.")


class ArchiveCorrupt(JobError):
    code = "archive_corrupt"
    default_message = _("The stored backup does not match the digest recorded when it was made; it was not used.")


class StorageFailed(JobError):
    code = "storage_failed"
    default_message = _("The backup storage could not be reached; nothing was stored. Try again later.")


def leaf_errors(base: type[ServiceError] = ServiceError) -> list[type[ServiceError]]:
    """The concrete error classes under ``base`` (those raised; each has its own code)."""
    leaves = []
    for cls in base.__subclasses__():
        children = leaf_errors(cls)
        leaves.extend(children if children else [cls])
    return sorted(set(leaves), key=lambda cls: cls.code)
