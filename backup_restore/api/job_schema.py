"""OpenAPI description of the job API (``jobs.py``), in the manner of ``schema.py``.

Each endpoint names the error classes it answers with; their statuses come from the API's own
``http_status``, their codes from the classes, so the schema cannot drift from the code.
``tests/backup_restore/test_openapi.py`` checks them against the live API.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from streaming import Container

from ..errors import (
    ArchiveNotReady,
    InvalidContentLength,
    InvalidFlag,
    JobActive,
    JobFinished,
    JobNotFound,
    LengthRequired,
    LinkExpired,
    LinkInvalid,
    MissingSource,
    RangeNotSatisfiable,
    RestoreInProgress,
    StorageFailed,
    UploadTooLarge,
)
from .http import http_status
from .job_serializers import BackupJobSerializer, DownloadLinkSerializer, RestoreJobSerializer, RestoreRequestSerializer
from .schema import AUTH_CODES, PARSE_CODES, _error_body, _merge

# The error classes each endpoint answers with (besides 401/403 of AUTH_CODES).
NOT_FOUND = (JobNotFound,)  # also DRF's NotFound (code not_found) for a page past the last
ENDPOINT_ERRORS: dict[str, tuple[type, ...]] = {
    "backup_list": NOT_FOUND,
    "backup_start": (),
    "backup_get": NOT_FOUND,
    "backup_delete": (JobNotFound, JobActive),
    "backup_cancel": (JobNotFound, JobFinished),
    "backup_download_link": (JobNotFound, ArchiveNotReady),
    "backup_download": (LinkInvalid, LinkExpired, JobNotFound, RangeNotSatisfiable, StorageFailed),
    "restore_list": NOT_FOUND,
    "restore_start": (
        InvalidFlag, MissingSource, InvalidContentLength, LengthRequired, UploadTooLarge,
        JobNotFound, ArchiveNotReady, RestoreInProgress,
    ),  # fmt: skip
    "restore_get": NOT_FOUND,
    "restore_cancel": (JobNotFound, JobFinished),
}
_NO_AUTH = {"backup_download"}  # the signed link is the credential
_PARSES = {"restore_start"}  # a body DRF parses (JSON or multipart)

_STATUS_TEXT = {
    400: "The request is malformed; nothing was changed.",
    401: "Missing, malformed or expired access token.",
    403: "Only the shop's owner or an admin may do this.",
    404: "No such job or archive in your shop (another shop's ids are not found either).",
    409: "The job's state does not allow this now.",
    411: "The upload was sent without a Content-Length (chunked transfer encoding); send it with one.",
    413: "The upload is larger than MAX_UPLOAD_BYTES.",
    415: "The body is neither multipart/form-data nor JSON.",
    416: "The range starts past the end of the file; Content-Range says the file's size.",
    503: "The backup storage could not be read; try again.",
}


def job_error_codes(operation: str) -> dict[int, set[str]]:
    """The documented error codes of ``operation``, by status."""
    codes = {} if operation in _NO_AUTH else _merge(AUTH_CODES)
    codes = _merge(codes, PARSE_CODES) if operation in _PARSES else codes
    for cls in ENDPOINT_ERRORS[operation]:
        codes.setdefault(http_status(cls()), set()).add(cls.code)
    return codes


def _errors(operation: str, **texts: str) -> dict:
    name = "".join(part.title() for part in operation.split("_"))
    return {
        (status, "application/json"): OpenApiResponse(
            _error_body(f"{name}Error{status}", codes, f"{operation}: HTTP {status}."),
            description=texts.get(f"e{status}", _STATUS_TEXT[status]),
        )
        for status, codes in sorted(job_error_codes(operation).items())
    }


def _backup(description: str) -> OpenApiResponse:
    return OpenApiResponse(BackupJobSerializer, description=description)


def _restore(description: str) -> OpenApiResponse:
    return OpenApiResponse(RestoreJobSerializer, description=description)


_PAGE = OpenApiParameter("page", int, OpenApiParameter.QUERY, description="Page number, from 1 (20 jobs a page).")


_LOCATION = OpenApiParameter(
    "Location", str, OpenApiParameter.HEADER, response=[202], description="Absolute URL of the job, to poll."
)
_JOB_TEXT = (
    " A job is `queued`, then `running` (with `phase`, `rows_done`, `rows_total` and `progress` updated "
    "while it runs), then `succeeded`, `failed` (see `error`) or `cancelled`; `cancel_requested` while a "
    "running job stops."
)

backup_list = extend_schema(
    operation_id="backups_list",
    tags=["jobs"],
    summary="List the shop's backups",
    description="The shop's backup jobs and their stored archives, newest first, 20 a page.",
    parameters=[_PAGE],
    responses={200: BackupJobSerializer(many=True), **_errors("backup_list", e404="A page past the last.")},
)

backup_start = extend_schema(
    operation_id="backups_start",
    tags=["jobs"],
    summary="Start a backup",
    description="Queues a backup of the shop, stored on the server and verified once written. If a backup "
    "of the shop is queued or running already, that job is answered instead: a double click makes one job."
    + _JOB_TEXT,
    request=None,
    parameters=[_LOCATION],
    responses={202: _backup("The backup job (new, or the one already active)."), **_errors("backup_start")},
)

backup_get = extend_schema(
    operation_id="backups_get",
    tags=["jobs"],
    summary="A backup job and its archive",
    responses={200: _backup("The backup job."), **_errors("backup_get")},
)

backup_delete = extend_schema(
    operation_id="backups_delete",
    tags=["jobs"],
    summary="Delete a backup and its stored file",
    responses={
        204: OpenApiResponse(description="Deleted."),
        **_errors("backup_delete", e409="`job_active`: the backup has not ended; cancel it or wait."),
    },
)

backup_cancel = extend_schema(
    operation_id="backups_cancel",
    tags=["jobs"],
    summary="Cancel a backup",
    description="A queued backup is cancelled at once; a running one stops at its next progress report and "
    "leaves no file.",
    request=None,
    responses={
        202: _backup("The job: `cancelled`, or `cancel_requested` while it stops."),
        **_errors("backup_cancel", e409="`job_finished`: the job has ended already."),
    },
)

download_link = extend_schema(
    operation_id="backups_download_link",
    tags=["jobs"],
    summary="A signed download link to a stored backup",
    description="The URL needs no Authorization header (a browser can follow it, and resume it): it is signed "
    "for this archive and this user and expires after DOWNLOAD_LINK_SECONDS (15 minutes by default). The "
    "user must still be allowed to download when it is used.",
    request=None,
    responses={
        200: OpenApiResponse(DownloadLinkSerializer, description="The link."),
        **_errors("backup_download_link", e409="`archive_not_ready`: the backup did not succeed (yet)."),
    },
)

_BINARY = {
    (status, Container(c).content_type): OpenApiResponse(OpenApiTypes.BINARY, description=text)
    for status, text in ((200, "The whole file."), (206, "The requested byte range."))
    for c in Container
}
download = extend_schema(
    operation_id="backups_download",
    tags=["jobs"],
    summary="Download a stored backup through a signed link",
    description="No Authorization: the `token` is the credential. One byte range (`Range: bytes=a-b`, `a-` "
    "or `-n`) answers 206; several ranges or a malformed header are ignored (the whole file, 200); "
    "`If-Range` with another ETag sends the whole file. Every request, refused ones too, is audited.",
    auth=[],
    parameters=[
        OpenApiParameter("token", str, OpenApiParameter.QUERY, required=True, description="The link's signed token."),
        OpenApiParameter("Range", str, OpenApiParameter.HEADER, description="e.g. `bytes=0-1048575`"),
        OpenApiParameter("If-Range", str, OpenApiParameter.HEADER, description="The ETag the client holds."),
        *(
            OpenApiParameter(name, str, OpenApiParameter.HEADER, response=statuses, description=text)
            for name, statuses, text in (
                ("Accept-Ranges", [200, 206], "`bytes`"),
                ("ETag", [200, 206], '`"<sha256 of the file>"`'),
                ("Content-Disposition", [200, 206], '`attachment; filename="backup_<slug>_<stamp>.<ext>"`'),
                ("Content-Range", [206, 416], "`bytes a-b/size`; with 416, `bytes */size`."),
            )
        ),
    ],
    responses={
        **_BINARY,
        **_errors(
            "backup_download",
            e403="`link_invalid`: tampered with, for another archive, or its user may no longer download; "
            "`link_expired`: ask for a new link.",
            e404="The archive is gone.",
        ),
    },
)

restore_list = extend_schema(
    operation_id="restores_list",
    tags=["jobs"],
    summary="List the shop's restores",
    description="The shop's restore jobs, newest first, 20 a page.",
    parameters=[_PAGE],
    responses={200: RestoreJobSerializer(many=True), **_errors("restore_list", e404="A page past the last.")},
)

restore_start = extend_schema(
    operation_id="restores_start",
    tags=["jobs"],
    summary="Start a restore from an upload or a stored backup",
    description="Either the multipart upload of POST /api/restore/ (`backup_file`, `replace`, `dry_run`) or "
    'JSON `{"backup": <id of a stored backup>, "replace": false, "dry_run": false}`. The file is checked '
    "whole before anything is written, in the job; a failed or cancelled restore changes nothing. One "
    "restore per shop at a time (409)." + _JOB_TEXT + " Once it succeeded, `summary` is exactly what "
    "POST /api/restore/ answers.",
    request={"multipart/form-data": RestoreRequestSerializer, "application/json": RestoreRequestSerializer},
    parameters=[_LOCATION],
    responses={
        202: _restore("The restore job."),
        **_errors(
            "restore_start",
            e404="`not_found`: no such stored backup in your shop.",
            e409="`restore_in_progress`: another restore of the shop is active; `archive_not_ready`: the "
            "stored backup did not succeed.",
        ),
    },
)

restore_get = extend_schema(
    operation_id="restores_get",
    tags=["jobs"],
    summary="A restore job: phase, progress, summary",
    responses={200: _restore("The restore job."), **_errors("restore_get")},
)

restore_cancel = extend_schema(
    operation_id="restores_cancel",
    tags=["jobs"],
    summary="Cancel a restore",
    description="A queued restore is cancelled at once; a running one rolls back at its next progress "
    "report. Either way nothing changes.",
    request=None,
    responses={
        202: _restore("The job: `cancelled`, or `cancel_requested` while it rolls back."),
        **_errors("restore_cancel", e409="`job_finished`: the job has ended already."),
    },
)
