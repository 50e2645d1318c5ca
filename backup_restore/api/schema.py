"""OpenAPI description of the backup/restore API (drf-spectacular), for ``/api/schema/``.

Serializers here only *describe* bodies, except the restore form (``serializers.py``), which
the view validates with. The error codes of each
status are read off the error classes of ``backup_restore.errors`` and ``streaming.ErrorCode``,
mapped by the API's own ``http_status``; ``tests/backup_restore/test_openapi.py`` checks them
against the live API.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from streaming import Container, ErrorCode
from streaming.errors import BackupFormatError

from ..errors import ExportError, JobError, StreamFailure, Unavailable, leaf_errors
from .http import http_status
from .serializers import RestoreUploadSerializer

# -- which codes come with which status ---------------------------------------------------------

# Codes of DRF / simplejwt exceptions, rendered in the same body by ``api_exception_handler``.
AUTH_CODES = {
    401: (
        "not_authenticated",  # no Authorization header
        "authentication_failed",
        "bad_authorization_header",  # simplejwt: not "Bearer <token>"
        "token_not_valid",  # simplejwt: expired, forged or a refresh token
        "user_not_found",
        "user_inactive",
        "password_changed",
    ),
    403: ("permission_denied",),  # not the tenant's owner or an admin
}
PARSE_CODES = {400: ("parse_error",), 415: ("unsupported_media_type",)}  # malformed / non-multipart body
THROTTLE_CODES = {429: ("throttled",)}


def format_error_codes() -> dict[int, set[str]]:
    """Every ``streaming.ErrorCode``, by the status ``http_status`` gives it."""
    by_status: dict[int, set[str]] = {}
    for code in ErrorCode:
        by_status.setdefault(http_status(BackupFormatError(code, "")), set()).add(str(code))
    return by_status


def _service_codes(*, export: bool) -> dict[int, set[str]]:
    """Codes of the service errors of one endpoint, read off the error tree (``errors.py``)."""
    codes: dict[int, set[str]] = {}
    for cls in leaf_errors():
        if issubclass(cls, (StreamFailure, JobError)):  # never an answer of these two endpoints
            continue
        if issubclass(cls, ExportError) == export or issubclass(cls, Unavailable):
            codes.setdefault(http_status(cls()), set()).add(cls.code)
    return codes


def _merge(*tables: dict[int, set[str] | tuple[str, ...]]) -> dict[int, set[str]]:
    merged: dict[int, set[str]] = {}
    for table in tables:
        for status, names in table.items():
            merged.setdefault(status, set()).update(names)
    return merged


def restore_error_codes() -> dict[int, set[str]]:
    return _merge(format_error_codes(), _service_codes(export=False), AUTH_CODES, PARSE_CODES)


def backup_error_codes() -> dict[int, set[str]]:
    return _merge(_service_codes(export=True), AUTH_CODES, THROTTLE_CODES)


# -- bodies ---------------------------------------------------------------------------------------


@extend_schema_field({"type": "boolean", "enum": [False]})
class _FalseField(serializers.BooleanField):
    pass


@extend_schema_field({"type": "boolean", "enum": [True]})
class _TrueField(serializers.BooleanField):
    pass


def _error_body(name: str, codes: set[str], description: str) -> type[serializers.Serializer]:
    """``{"ok": false, "error": {"code", "message", "line", "section", "field"}}`` with ``code`` limited to ``codes``."""
    code_field = extend_schema_field({"type": "string", "enum": sorted(codes)})(
        type(f"{name}Code", (serializers.CharField,), {})
    )
    detail = type(
        f"{name}Detail",
        (serializers.Serializer,),
        {
            "code": code_field(help_text="Stable machine-readable code; match on it, not on the message."),
            "message": serializers.CharField(help_text="What went wrong and what to do, for a person."),
            "line": serializers.IntegerField(
                allow_null=True, help_text="Line of the (decompressed) backup file, when the problem is in the file."
            ),
            "section": serializers.CharField(
                allow_null=True, help_text="Model section of the file (e.g. clientes_servicios.cliente), when known."
            ),
            "field": serializers.CharField(
                allow_null=True, help_text="Field of that section (e.g. email), when the problem is one field's."
            ),
        },
    )
    body = type(
        name,
        (serializers.Serializer,),
        {"ok": _FalseField(), "error": detail(), "__doc__": description},
    )
    return body


class SectionCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Rows inserted.")
    matched = serializers.IntegerField(help_text="Rows that already existed (merge mode, by natural key) and were reused.")
    skipped = serializers.IntegerField(help_text="Rows read but not restored (export-only models such as the audit log).")


class RestoreSummarySerializer(serializers.Serializer):
    """What a restore did (or, with ``dry_run``, would do)."""

    ok = _TrueField()
    mode = serializers.ChoiceField(choices=["merge", "replace"])
    dry_run = serializers.BooleanField()
    sections = serializers.DictField(
        child=SectionCountsSerializer(), help_text="Per model label (e.g. operaciones_inventario.vehiculo)."
    )
    deleted = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Replace mode: rows deleted per model label before inserting. Empty in merge mode.",
    )
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="Things restored differently, e.g. stored file names that were cleared."
    )
    rows = serializers.IntegerField(help_text="Rows read from the file.")


Error401 = _error_body("AuthError", set(AUTH_CODES[401]), "Missing, malformed or expired access token.")
Error403 = _error_body("PermissionError", set(AUTH_CODES[403]), "The user is not the shop's owner or an admin.")
_backup_codes = backup_error_codes()
_restore_codes = restore_error_codes()
BackupError400 = _error_body("BackupBadRequest", _backup_codes[400], "Bad query parameter.")
BackupError429 = _error_body("BackupThrottled", _backup_codes[429], "Too many backups of this shop.")
BackupError503 = _error_body("BackupUnavailable", _backup_codes[503], "The database is busy; try again.")
RestoreError = {
    status: _error_body(f"RestoreError{status}", codes, f"Restore error answered with HTTP {status}.")
    for status, codes in sorted(_restore_codes.items())
    if status not in (401, 403)
}

_RESTORE_STATUS_TEXT = {
    400: "The file is not a valid, complete backup of this shop, or the request is malformed. Nothing was changed.",
    409: "Another restore of this shop is running. Try again when it has finished.",
    411: "The upload was sent without a Content-Length (chunked transfer encoding); send it with one.",
    413: "The upload (MAX_UPLOAD_BYTES) or its decompressed content (MAX_DECOMPRESSED_BYTES) is too large.",
    415: "Not a backup made by this application, or the request is not multipart/form-data.",
    500: "The restore failed for a reason outside the file (database, disk) and was rolled back.",
    503: "The database is busy with another write (SQLite: one at a time); nothing was changed. See Retry-After.",
}


def _json(serializer, description: str) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


# -- the two endpoints ----------------------------------------------------------------------------

_DOWNLOAD_TEXT = {
    Container.NDJSON_ZST: "zstd-compressed NDJSON (the default): header, sections of rows, `end` record with the "
    "SHA-256 of everything before it.",
    Container.NDJSON: "The same records, uncompressed, one JSON value per line.",
    Container.JSON: "One JSON document with the same content, for tools and older clients.",
}

backup_schema = extend_schema(
    operation_id="backup_download",
    tags=["backup"],
    summary="Download the shop's backup",
    description=(
        "Streams a backup of the requester's own shop (tenant) as an attachment "
        "`backup_<slug>_<UTC stamp>.<ext>`. The body is streamed without a Content-Length while the "
        "database is read in one snapshot; if the stream breaks (server or database failure, client gone) "
        "the file has no `end` record and every reader, restore included, rejects it. "
        "Owners and admins only; limited per shop by `BACKUP_THROTTLE_RATE`."
    ),
    parameters=[
        OpenApiParameter(
            "format",
            str,
            OpenApiParameter.QUERY,
            enum=[c.value for c in Container],
            default=Container.NDJSON_ZST.value,
            description="Container of the file. " + " ".join(f"`{c.value}`: {t}" for c, t in _DOWNLOAD_TEXT.items()),
        ),
        OpenApiParameter(
            "Content-Disposition",
            str,
            OpenApiParameter.HEADER,
            response=[200],
            description='attachment; filename="backup_<slug>_<YYYYMMDDTHHMMSSZ>.<ext>"',
        ),
        OpenApiParameter(
            "X-Accel-Buffering",
            str,
            OpenApiParameter.HEADER,
            response=[200],
            description="`no`: tells nginx not to buffer the stream.",
        ),
        OpenApiParameter(
            "Retry-After", int, OpenApiParameter.HEADER, response=[429, 503], description="Seconds to wait before trying again."
        ),
    ],
    responses={
        **{
            (200, Container(c).content_type): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The backup file. "
                + " ".join(f"`{Container(k).content_type}` for `format={k.value}`: {t}" for k, t in _DOWNLOAD_TEXT.items()),
            )
            for c in Container
        },
        (400, "application/json"): _json(BackupError400, "Unknown `format`."),
        (401, "application/json"): _json(Error401, "Missing, malformed or expired access token."),
        (403, "application/json"): _json(Error403, "Only the shop's owner or an admin can download its backup."),
        (429, "application/json"): _json(BackupError429, "Too many backups of this shop; see Retry-After."),
        (503, "application/json"): _json(BackupError503, "The database is busy (SQLite: one writer at a time); see Retry-After."),
    },
)

restore_schema = extend_schema(
    operation_id="backup_restore",
    tags=["backup"],
    summary="Restore a backup into the shop",
    description=(
        "Uploads a backup of the requester's own shop and restores it in one transaction: all or nothing. "
        "The upload is spooled to disk (FILE_UPLOAD_TEMP_DIR), never held in memory, up to MAX_UPLOAD_BYTES. "
        "The whole file is checked (format, framing, counts, digest, origin) before anything is written. "
        "One restore per shop at a time (409). Every attempt is recorded in the shop's audit log."
    ),
    request={"multipart/form-data": RestoreUploadSerializer},
    responses={
        (200, "application/json"): OpenApiResponse(
            RestoreSummarySerializer,
            description="Restored (or checked, with dry_run).",
            examples=[
                OpenApiExample(
                    "merge",
                    value={
                        "ok": True,
                        "mode": "merge",
                        "dry_run": False,
                        "sections": {
                            "clientes_servicios.cliente": {"created": 12, "matched": 340, "skipped": 0},
                            "personal_admin.bitacora": {"created": 0, "matched": 0, "skipped": 5120},
                        },
                        "deleted": {},
                        "warnings": ["operaciones_inventario.imagenorden: 3 stored file names cleared (files missing)"],
                        "rows": 5472,
                    },
                )
            ],
        ),
        **{
            (status, "application/json"): _json(body, _RESTORE_STATUS_TEXT[status])
            for status, body in RestoreError.items()
            if status < 401
        },
        (401, "application/json"): _json(Error401, "Missing, malformed or expired access token."),
        (403, "application/json"): _json(Error403, "Only the shop's owner or an admin can restore a backup."),
        **{
            (status, "application/json"): _json(body, _RESTORE_STATUS_TEXT[status])
            for status, body in RestoreError.items()
            if status > 403
        },
    },
)


# -- the JWT endpoints (simplejwt's views, annotated without touching them) ----------------------


TokenError401 = _error_body(
    "TokenError401",
    {"no_active_account", "token_not_valid", "authentication_failed"},
    "Wrong credentials, or a refresh token that is invalid or expired.",
)
_TOKEN_400 = OpenApiResponse(
    _error_body("TokenError400", {"invalid_request"}, "A required field is missing or invalid."),
    description="A required field is missing or invalid: `field` names it.",
)


def _documented_post(view_class, **schema):
    """``view_class`` with its POST described by ``schema``, leaving simplejwt's code untouched."""

    @extend_schema_view(post=extend_schema(**schema))
    class Documented(view_class):
        pass

    return Documented


class _TokenObtainPairDocs(OpenApiViewExtension):
    target_class = "rest_framework_simplejwt.views.TokenObtainPairView"

    def view_replacement(self):
        return _documented_post(
            self.target_class,
            operation_id="auth_token_obtain",
            tags=["auth"],
            summary="Log in: get an access and a refresh token",
            description=(
                "Send the access token as `Authorization: Bearer <access>` (SIMPLE_JWT's ACCESS_TOKEN_LIFETIME, "
                "30 minutes by default); get a new one from `/api/auth/token/refresh/` with the refresh token."
            ),
            responses={
                200: TokenObtainPairSerializer,
                400: _TOKEN_400,
                401: OpenApiResponse(TokenError401, description="Wrong username or password."),
            },
        )


class _TokenRefreshDocs(OpenApiViewExtension):
    target_class = "rest_framework_simplejwt.views.TokenRefreshView"

    def view_replacement(self):
        return _documented_post(
            self.target_class,
            operation_id="auth_token_refresh",
            tags=["auth"],
            summary="Get a new access token from a refresh token",
            responses={
                200: TokenRefreshSerializer,
                400: _TOKEN_400,
                401: OpenApiResponse(TokenError401, description="Refresh token invalid or expired."),
            },
        )
