"""HTTP plumbing shared by the views: error statuses, the download response, client IP, content negotiation."""

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from rest_framework.negotiation import DefaultContentNegotiation

from streaming import ErrorCode

from ..errors import (
    ArchiveNotReady,
    BackupError,
    JobActive,
    JobFinished,
    JobNotFound,
    LinkExpired,
    LinkInvalid,
    RangeNotSatisfiable,
    StorageFailed,
    BackupFormatError,
    LengthRequired,
    RestoreFailed,
    RestoreInProgress,
    ServiceError,
    Unavailable,
    UploadTooLarge,
)

_DONE = object()

# The one map from errors to HTTP statuses: by class (most specific first), then by format code.
_STATUS_BY_CLASS: dict[type[BackupError], int] = {
    LengthRequired: 411,
    UploadTooLarge: 413,
    RestoreInProgress: 409,
    RestoreFailed: 500,
    Unavailable: 503,
    JobNotFound: 404,
    JobFinished: 409,
    JobActive: 409,
    ArchiveNotReady: 409,
    LinkInvalid: 403,
    LinkExpired: 403,
    RangeNotSatisfiable: 416,
    StorageFailed: 503,
}
_STATUS_BY_FORMAT_CODE = {ErrorCode.TOO_LARGE: 413, ErrorCode.NOT_A_BACKUP: 415}


def http_status(error: BackupError) -> int:
    """The status the API answers ``error`` with: 400 unless the tables above say otherwise."""
    for cls in type(error).__mro__:
        if cls in _STATUS_BY_CLASS:
            return _STATUS_BY_CLASS[cls]
        if cls is ServiceError:
            return 400
    if isinstance(error, BackupFormatError):
        return _STATUS_BY_FORMAT_CODE.get(error.code, 400)
    return 400


class AttachmentStream(StreamingHttpResponse):
    """A file download whose bytes are final.

    Compression middleware (``GZipMiddleware``) skips responses that already declare an
    encoding; this one tells it so, without sending a ``Content-Encoding`` header that would
    make HTTP clients decompress the zstd file.
    """

    def has_header(self, header: str) -> bool:
        return header.lower() == "content-encoding" or super().has_header(header)


def attachment_stream(request, chunks: Iterator[bytes], *, filename: str, content_type: str) -> AttachmentStream:
    """Stream ``chunks`` as a download. Under ASGI the sync generator is driven from an async
    iterator, because Django would otherwise buffer a sync iterator whole."""
    django_request = getattr(request, "_request", request)
    content = _async_chunks(chunks) if isinstance(django_request, ASGIRequest) else chunks
    response = AttachmentStream(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attachment_head(request, *, filename: str, content_type: str) -> AttachmentStream:
    """What ``HEAD`` answers for a download: the same headers, no body, and no work.

    Django answers ``HEAD`` with the ``GET`` view, and servers drain the body they then drop:
    for a backup that would build, and audit, a whole export. Streaming and empty, so that no
    ``Content-Length: 0`` is added (the download has none either).
    """
    return attachment_stream(request, iter(()), filename=filename, content_type=content_type)


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    # thread_sensitive: every step runs on the same thread, which owns the DB connection.
    step = sync_to_async(next, thread_sensitive=True)
    try:
        while (chunk := await step(chunks, _DONE)) is not _DONE:
            yield chunk
    finally:
        await sync_to_async(chunks.close, thread_sensitive=True)()


def client_ip(request) -> str | None:
    """The peer address. Behind a proxy, configure the proxy to set REMOTE_ADDR (not parsed here:
    X-Forwarded-For is client-controlled)."""
    return request.META.get("REMOTE_ADDR") or None


class IgnoreAcceptHeader(DefaultContentNegotiation):
    """Downloads are served whatever ``Accept`` says (``application/zstd`` is no DRF renderer),
    and ``?format=`` names the backup format, not a DRF renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
