"""The job API: backups and restores as background jobs, the stored archives and their links.

Views parse the request, call one service of ``backup_restore.jobs.services`` and render its
answer; errors go through ``api_exception_handler`` like those of the two direct endpoints.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from streaming import Container
from streaming.errors import shorten

from ..errors import InvalidFlag, MissingSource, RangeNotSatisfiable
from ..jobs import services
from ..jobs.models import BackupJob
from ..jobs.storage import archive_chunks
from . import job_schema as docs
from .http import IgnoreAcceptHeader, attachment_stream, client_ip
from .job_serializers import DownloadLinkSerializer, JobPagination, RestoreRequestSerializer, job_data, job_serializer
from .permissions import CanBackup, CanRestore, request_membership
from .ranges import byte_range, if_range_matches
from .views import BackupAPIView, check_declared_size

Kind = BackupJob.Kind


class _JobView(BackupAPIView):
    kind: str
    pagination_class = JobPagination  # the list views'; also tells the schema their pages' shape

    def tenant(self):
        return request_membership(self.request).tenant

    def job_get(self, pk: int) -> BackupJob:
        return services.job_get(tenant=self.tenant(), job_id=pk, kind=self.kind)

    def job_list(self, request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(services.job_list(tenant=self.tenant(), kind=self.kind), request, view=self)
        serializer = job_serializer(BackupJob(kind=self.kind))
        return paginator.get_paginated_response(serializer(page, many=True).data)

    def accepted(self, job: BackupJob) -> Response:
        """``202``, the job, and where to poll it."""
        location = self.request.build_absolute_uri(reverse(f"{job.kind}-job", args=[job.pk]))
        return Response(job_data(job), status=202, headers={"Location": location})


class _BackupJobView(_JobView):
    permission_classes = [IsAuthenticated, CanBackup]
    audit_action = "backup"
    kind = Kind.BACKUP


class _RestoreJobView(_JobView):
    permission_classes = [IsAuthenticated, CanRestore]
    audit_action = "restore"
    kind = Kind.RESTORE


# -- backups ------------------------------------------------------------------------------------


class BackupsView(_BackupJobView):
    """``GET /api/backups/``: the shop's backups; ``POST``: start one."""

    @docs.backup_list
    def get(self, request):
        return self.job_list(request)

    @docs.backup_start
    def post(self, request):
        request.audited = True  # the service audits the start
        job, _created = services.backup_job_start(tenant=self.tenant(), user=request.user, ip=client_ip(request))
        return self.accepted(job)


class BackupJobView(_BackupJobView):
    """``GET /api/backups/{id}/``; ``DELETE``: the archive and its file."""

    @docs.backup_get
    def get(self, request, pk: int):
        return Response(job_data(self.job_get(pk)))

    @docs.backup_delete
    def delete(self, request, pk: int):
        request.audited = True
        services.archive_delete(tenant=self.tenant(), archive_id=pk, user=request.user, ip=client_ip(request))
        return Response(status=204)


class BackupCancelView(_BackupJobView):
    """``POST /api/backups/{id}/cancel/``: stop a backup; nothing is stored."""

    @docs.backup_cancel
    def post(self, request, pk: int):
        return _cancel(self, request, pk)


class DownloadLinkView(_BackupJobView):
    """``POST /api/backups/{id}/download-link/``: a signed, expiring URL of the stored file."""

    @docs.download_link
    def post(self, request, pk: int):
        request.audited = True
        archive, token, expires_at = services.download_link_create(
            tenant=self.tenant(), archive_id=pk, user=request.user, ip=client_ip(request)
        )
        path = reverse("backup-download", args=[archive.pk]) + "?" + urlencode({"token": token})
        link = {"url": request.build_absolute_uri(path), "expires_at": expires_at}
        return Response(DownloadLinkSerializer(link).data)


class DownloadView(BackupAPIView):
    """``GET /api/backups/{id}/download/?token=...``: the stored file, whole or one byte range.

    The signed token is the only credential (a browser follows the link without a JWT). Every
    request is audited, refused ones too, by the services.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreAcceptHeader
    audit_action = "backup"

    @docs.download
    def get(self, request, pk: int):
        return self._serve(request, pk, head=False)

    def head(self, request, pk: int):
        """The download's headers without reading the file."""
        return self._serve(request, pk, head=True)

    def _serve(self, request, pk: int, *, head: bool):
        request.audited = True
        ip = client_ip(request)
        archive, user = services.archive_download(token=request.query_params.get("token", ""), archive_id=pk, ip=ip)
        etag = f'"{archive.sha256}"'
        asked = request.META.get("HTTP_RANGE")
        try:
            wanted = byte_range(asked, archive.size) if if_range_matches(request.META.get("HTTP_IF_RANGE"), etag) else None
        except RangeNotSatisfiable as exc:
            services.archive_download_audit(
                archive=archive, user=user, ip=ip, outcome="refused", byte_range=shorten(asked, 80), error=exc
            )
            response = self.handle_exception(exc)
            response["Content-Range"] = f"bytes */{archive.size}"
            return response
        first, last = wanted or (0, archive.size - 1)
        outcome = "head" if head else ("partial" if wanted else "full")
        services.archive_download_audit(
            archive=archive, user=user, ip=ip, outcome=outcome, byte_range=f"{first}-{last}" if wanted else None
        )
        chunks = iter(()) if head else archive_chunks(archive.file, first, last)
        response = attachment_stream(
            request, chunks, filename=archive.filename, content_type=Container(archive.container).content_type
        )
        response["Accept-Ranges"] = "bytes"
        response["Content-Length"] = str(last - first + 1)
        response["ETag"] = etag
        if wanted:
            response.status_code = 206
            response["Content-Range"] = f"bytes {first}-{last}/{archive.size}"
        return response


# -- restores -----------------------------------------------------------------------------------


class RestoresView(_RestoreJobView):
    """``GET /api/restores/``: the shop's restores; ``POST``: start one from an upload or an archive."""

    parser_classes = [MultiPartParser, JSONParser]

    @docs.restore_list
    def get(self, request):
        return self.job_list(request)

    @docs.restore_start
    def post(self, request):
        if request.content_type.startswith("multipart/"):
            check_declared_size(request)  # before a byte of the upload is read
        form = _restore_form(request.data)
        request.audited = True  # the service audits every outcome from here on
        job = services.restore_job_start(
            tenant=self.tenant(),
            user=request.user,
            upload=form.get("backup_file"),
            archive_id=form.get("backup"),
            replace=form["replace"],
            dry_run=form["dry_run"],
            ip=client_ip(request),
        )
        return self.accepted(job)


class RestoreJobView(_RestoreJobView):
    """``GET /api/restores/{id}/``: phase, progress and, once done, the summary."""

    @docs.restore_get
    def get(self, request, pk: int):
        return Response(job_data(self.job_get(pk)))


class RestoreCancelView(_RestoreJobView):
    """``POST /api/restores/{id}/cancel/``: the restore rolls back; nothing changes."""

    @docs.restore_cancel
    def post(self, request, pk: int):
        return _cancel(self, request, pk)


def _cancel(view: _JobView, request, pk: int) -> Response:
    request.audited = True
    job = services.job_cancel(tenant=view.tenant(), job_id=pk, kind=view.kind, user=request.user, ip=client_ip(request))
    return Response(job_data(job), status=202)


def _restore_form(data) -> dict:
    """The restore request, multipart or JSON, checked by the serializer the schema documents."""
    if not isinstance(data, Mapping):
        raise MissingSource(_('Send a JSON object with a "backup" id, or a multipart form with a "backup_file".'))
    form = RestoreRequestSerializer(data=data)
    if form.is_valid():
        return form.validated_data
    if "backup" in form.errors:
        given = shorten(str(data.get("backup")), 40)
        raise MissingSource(
            _('"backup" must be the id of a stored backup (a whole number), not %(value)s.'),
            params={"value": given},
            field="backup",
        )
    name = next(iter(form.errors))
    if name in ("replace", "dry_run"):
        raise InvalidFlag(
            _("%(name)s must be true or false, not %(value)s."),
            params={"name": repr(name), "value": shorten(str(data.get(name)), 40)},
            field=name,
        )
    raise MissingSource(_('"backup_file" must be a file sent as multipart/form-data.'), field=name)
