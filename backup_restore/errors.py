"""Errors of backup and restore, on top of the file-format errors of ``streaming``.

Every error has a stable ``code``, a message a shop owner can act on, and where known the
``line`` and ``section`` of the file. ``http_status`` maps each to the API's answer.
"""

from streaming.errors import BackupError, BackupFormatError, ErrorCode

__all__ = [
    "BackupError",
    "BackupFormatError",
    "BadRequest",
    "InvalidBackupContent",
    "LengthRequired",
    "RestoreFailed",
    "RestoreInProgress",
    "ServiceError",
    "UnexportableValue",
    "UploadTooLarge",
    "WrongTenant",
    "http_status",
]


class ServiceError(BackupError):
    """An error raised by the Django side; ``status`` is the HTTP status the API answers with."""

    status = 400


class BadRequest(ServiceError):
    code = "bad_request"


class InvalidBackupContent(ServiceError):
    """The file is well-formed but a row cannot be restored (bad value, dangling reference...)."""

    code = "invalid_content"


class RestoreFailed(ServiceError):
    """Something outside the file went wrong (database down, disk full); nothing was changed."""

    code = "restore_failed"
    status = 500


class UnexportableValue(ServiceError):
    """The database holds a value a backup cannot carry or a restore would refuse.

    The export stops before the user trusts a file that could not be restored; the message
    names the model, the row id and the field, so the shop's data can be corrected.
    """

    code = "unexportable_value"
    status = 500

    def __init__(self, message: str, *, section: str | None = None, field: str | None = None) -> None:
        super().__init__(message, section=section)
        self.field = field

    def to_dict(self) -> dict:
        return {**super().to_dict(), "field": self.field}


class WrongTenant(ServiceError):
    code = "wrong_tenant"


class RestoreInProgress(ServiceError):
    code = "restore_in_progress"
    status = 409


class UploadTooLarge(ServiceError):
    code = "upload_too_large"
    status = 413


class LengthRequired(ServiceError):
    """A chunked upload: Django reads no request body without a Content-Length."""

    code = "length_required"
    status = 411


_FORMAT_STATUS = {
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.NOT_A_BACKUP: 415,
}


def http_status(error: BackupError) -> int:
    if isinstance(error, ServiceError):
        return error.status
    return _FORMAT_STATUS.get(error.code, 400)
