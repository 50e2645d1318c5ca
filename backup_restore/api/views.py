"""The API: views only parse the request, call one service and render its answer."""

from django.contrib.auth import get_user
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView, exception_handler

from streaming import Container
from streaming.errors import shorten

from ..conf import backup_settings
from ..audit import audit_record
from ..errors import (
    BackupError,
    InvalidContentLength,
    InvalidFlag,
    LengthRequired,
    MissingFile,
    Unavailable,
    UnknownFormat,
    UploadTooLarge,
)
from ..export import backup_filename, tenant_backup_stream
from .http import IgnoreAcceptHeader, attachment_head, attachment_stream, client_ip, http_status
from .permissions import CanBackup, CanRestore, TenantBackupThrottle, request_membership
from ..restore import tenant_restore
from ..tenancy import membership_for
from .schema import backup_schema, restore_schema
from .serializers import RestoreUploadSerializer


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    """Spools the upload to disk (never memory) and stops it once it passes ``MAX_UPLOAD_BYTES``."""

    def new_file(self, *args, **kwargs):
        self.received = 0
        return super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > backup_settings.MAX_UPLOAD_BYTES:
            raise upload_too_large()
        return super().receive_data_chunk(raw_data, start)


def error_body(error: dict) -> dict:
    """The one error shape of these endpoints: ``{"ok": false, "error": {code, message, line, section, field}}``."""
    return {"ok": False, "error": error}


def api_exception_handler(exc, context):
    """Every error of the API in one shape, DRF's and simplejwt's included (the ``EXCEPTION_HANDLER``
    setting: the token endpoints too). Messages are in the request's language (``LocaleMiddleware``)."""
    if isinstance(exc, BackupError):
        response = Response(error_body(exc.to_dict()), status=http_status(exc))
        if isinstance(exc, Unavailable):
            response["Retry-After"] = str(exc.retry_after)
        return response
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        code, message, field = _code_message_field(exc)
        response.data = error_body({"code": code, "message": message, "line": None, "section": None, "field": field})
    return response


def _code_message_field(exc: exceptions.APIException) -> tuple[str, str, str | None]:
    detail = exc.detail
    if isinstance(detail, dict) and "detail" in detail:  # simplejwt: {"detail", "code", "messages"}
        return str(detail.get("code") or exc.default_code), str(detail["detail"]), None
    if isinstance(detail, str):
        return str(exc.get_codes()), str(detail), None
    field, message = _first_error(detail)
    return "invalid_request", message, field


def _first_error(detail, field: str | None = None) -> tuple[str | None, str]:
    """A form's first error (DRF: ``{field: [message, ...]}``, or a list): the field it names
    (none for errors of the whole form) and its message."""
    if isinstance(detail, dict) and detail:
        name, errors = next(iter(detail.items()))
        return _first_error(errors, field if name == api_settings.NON_FIELD_ERRORS_KEY else str(name))
    if isinstance(detail, list) and detail:
        return _first_error(detail[0], field)
    return field, str(detail)


class BackupAPIView(APIView):
    """Every request is audited: by the service once the view hands the work to it, otherwise
    (refused before that: 401, 403, 411, 413, 415, 429, a bad form...) here."""

    permission_classes = [IsAuthenticated]
    audit_action: str

    def get_exception_handler(self):
        return api_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400 and not getattr(request, "audited", False):
            _audit_refusal(request, self.audit_action, response)
        return response


def _audit_refusal(request, action: str, response) -> None:
    error = (response.data or {}).get("error") if isinstance(response.data, dict) else None
    user = getattr(request, "_user", None)  # never authenticate again just to audit
    if not getattr(user, "is_authenticated", False):
        # Refused before DRF knew the user (a session request without its CSRF token): the
        # session's own user is who tried (DRF has set the request's user to anonymous).
        user = get_user(request._request) if hasattr(request._request, "session") else user
    authenticated = getattr(user, "is_authenticated", False)
    membership = membership_for(user) if authenticated else None
    details = {"event": action, "outcome": "refused", "status": response.status_code, "error": error}
    audit_record(
        tenant=membership.tenant if membership else None, user=user, action=action, ip=client_ip(request), details=details
    )


class BackupView(BackupAPIView):
    """``GET /api/backup/?format=ndjson.zst|ndjson|json``: the requester's own tenant, streamed."""

    permission_classes = [IsAuthenticated, CanBackup]
    throttle_classes = [TenantBackupThrottle]
    content_negotiation_class = IgnoreAcceptHeader
    audit_action = "backup"

    @backup_schema
    def get(self, request):
        container = _container(request.query_params.get("format", Container.NDJSON_ZST))
        tenant = request_membership(request).tenant
        request.audited = True  # the stream audits how it ends
        chunks = tenant_backup_stream(tenant=tenant, container=container, user=request.user, ip=client_ip(request))
        return attachment_stream(
            request, chunks, filename=backup_filename(tenant, container), content_type=container.content_type
        )

    def head(self, request):
        """The download's headers, without reading the database; audited like any attempt."""
        container = _container(request.query_params.get("format", Container.NDJSON_ZST))
        tenant = request_membership(request).tenant
        request.audited = True
        details = {"event": "backup", "outcome": "head", "format": str(container)}
        audit_record(tenant=tenant, user=request.user, action="backup", ip=client_ip(request), details=details)
        return attachment_head(request, filename=backup_filename(tenant, container), content_type=container.content_type)


def _container(name: str) -> Container:
    try:
        return Container(name)
    except ValueError:
        choices = ", ".join(c.value for c in Container)
        raise UnknownFormat(
            _("Unknown backup format %(format)s; choose one of: %(choices)s."),
            params={"format": shorten(name, 40), "choices": choices},
        ) from None


class RestoreView(BackupAPIView):
    """``POST /api/restore/`` (multipart): ``backup_file``, ``replace``, ``dry_run``."""

    permission_classes = [IsAuthenticated, CanRestore]
    parser_classes = [MultiPartParser]
    audit_action = "restore"

    @restore_schema
    def post(self, request):
        check_declared_size(request)
        form = _valid_form(request.data)
        request.audited = True  # tenant_restore audits every outcome
        summary = tenant_restore(
            tenant=request_membership(request).tenant,
            fileobj=form["backup_file"],
            replace=form["replace"],
            dry_run=form["dry_run"],
            user=request.user,
            ip=client_ip(request),
        )
        return Response(summary.to_dict())


def _valid_form(data) -> dict:
    """The restore form, parsed once by the serializer the schema documents."""
    form = RestoreUploadSerializer(data=data)
    if form.is_valid():
        return form.validated_data
    if "backup_file" in form.errors:
        raise MissingFile()
    name = next(iter(form.errors))
    raise InvalidFlag(
        _("%(field)s must be true or false, not %(value)s."),
        params={"field": shorten(name), "value": shorten(str(data.get(name)), 40)},
    )


def check_declared_size(request) -> None:
    """Refuse an upload over the limit before a byte of it is read. ``SizeLimitedUploadHandler``
    also counts what actually arrives, in case a client sends more than it declared."""
    declared = request.META.get("CONTENT_LENGTH")
    if not declared:
        raise LengthRequired()
    if not declared.isascii() or not declared.isdigit():
        raise InvalidContentLength(
            _("The Content-Length header %(value)s is not a number of bytes."), params={"value": shorten(declared, 40)}
        )
    if int(declared) > backup_settings.MAX_UPLOAD_BYTES:
        raise upload_too_large()
    request._request.upload_handlers = [SizeLimitedUploadHandler(request._request)]


def upload_too_large() -> UploadTooLarge:
    return UploadTooLarge(
        _("The file is larger than the %(limit)s this server accepts for a restore."),
        params={"limit": filesizeformat(backup_settings.MAX_UPLOAD_BYTES)},
    )
