"""The restore flow of the page: a dry run first, then (confirmed) the real restore.

An uploaded file is needed twice (the dry run, then the real run), and a job's own copy of an
upload is deleted when that job ends: so the page keeps one staged copy in the backups storage,
named in the user's session, until the real restore starts from it.
"""

from __future__ import annotations

import uuid

from django.core.files import File
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from ..api.http import client_ip, http_status
from ..api.views import SizeLimitedUploadHandler, upload_too_large
from ..conf import backup_settings
from ..errors import BackupError, JobFinished, UploadTooLarge
from ..jobs.models import BackupJob
from ..jobs.services import job_get, restore_job_start
from ..jobs.storage import archive_delete, archive_open, backups_storage
from .access import shop_view
from .forms import ReplaceConfirmForm, accepted_file_name
from .messages import error_text
from .views import error_response, page_context, restore_form

STAGED_FOLDER = "staged"  # in the backups storage; `backup_schedules` removes what is left a day
STAGED = "backup_web_staged"  # session key: {dry-run job id: staged upload name}
Kind, State = BackupJob.Kind, BackupJob.State


@csrf_exempt  # checked by _restore_start, once the upload handlers are chosen
@require_POST
@shop_view("RESTORE_ROLES")
def restore_start(request: HttpRequest) -> HttpResponse:
    """The form's first step: a dry run of the chosen archive or uploaded file."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > backup_settings.MAX_UPLOAD_BYTES:
        return _refused(request, upload_too_large())  # before a byte is read
    request.upload_handlers = [SizeLimitedUploadHandler(request)]
    try:
        return _restore_start(request)
    except UploadTooLarge as exc:
        return _refused(request, exc)


@csrf_protect
def _restore_start(request: HttpRequest) -> HttpResponse:
    form = restore_form(request, request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "backup_web/page.html", page_context(request, restore_form=form), status=400)
    data = form.cleaned_data
    replace = data["mode"] == "replace"
    upload = data["backup_file"] if data["source"] == form.SOURCE_UPLOAD else None
    if upload is not None and not accepted_file_name(upload.name):
        return _refused(request, None, status=415, code="unsupported_file_type")
    try:
        if upload is None:
            job = _start(request, archive_id=data["archive"], replace=replace, dry_run=True)
        else:
            job = _start(request, upload=upload, replace=replace, dry_run=True)
            _stage(request, job, upload)
    except BackupError as exc:
        return _refused(request, exc)
    return redirect("backup_web:restore", job_id=job.pk)


@require_GET
@shop_view("RESTORE_ROLES")
def restore_page(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        job = job_get(tenant=request.shop, job_id=job_id, kind=Kind.RESTORE)
    except BackupError as exc:
        return error_response(request, exc)
    return render(request, "backup_web/restore.html", _restore_context(request, job))


@require_POST
@shop_view("RESTORE_ROLES")
def restore_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    """The real restore, from the same source and in the same mode as a finished dry run."""
    try:
        dry = job_get(tenant=request.shop, job_id=job_id, kind=Kind.RESTORE)
        if not (dry.dry_run and dry.state == State.SUCCEEDED):
            raise JobFinished(_("Only a successful dry run can be confirmed."))
        if dry.replace:
            form = ReplaceConfirmForm(request.POST, expected=request.shop.name)
            if not form.is_valid():
                context = _restore_context(request, dry, confirm_form=form)
                return render(request, "backup_web/restore.html", context, status=400)
        job = _start_from_dry_run(request, dry)
    except BackupError as exc:
        return error_response(request, exc)
    return redirect("backup_web:restore", job_id=job.pk)


def _restore_context(request, job: BackupJob, **extra) -> dict:
    context = {"shop": request.shop, "membership": request.membership, "job": job}
    if job.dry_run and job.state == State.SUCCEEDED and job.replace:
        context["confirm_form"] = ReplaceConfirmForm(expected=request.shop.name)
    needs_upload = job.dry_run and job.source_id is None and str(job.pk) not in request.session.get(STAGED, {})
    return context | {"staged_missing": needs_upload} | extra


def _start(request, **kwargs) -> BackupJob:
    return restore_job_start(tenant=request.shop, user=request.user, ip=client_ip(request), **kwargs)


def _start_from_dry_run(request, dry: BackupJob) -> BackupJob:
    if dry.source_id is not None:
        return _start(request, archive_id=dry.source_id, replace=dry.replace, dry_run=False)
    staged = request.session.get(STAGED, {}).get(str(dry.pk))
    if not staged:
        raise JobFinished(_("The uploaded file of this dry run is no longer kept: upload it again."))
    with archive_open(staged) as fileobj:
        job = _start(request, upload=fileobj, replace=dry.replace, dry_run=False)
    _unstage(request, dry.pk)
    return job


def _stage(request, job: BackupJob, upload) -> None:
    """Keep the upload for the real run, and forget older staged files of this session."""
    upload.seek(0)
    name = f"{STAGED_FOLDER}/{request.shop.uuid}/{uuid.uuid4().hex}.upload"
    name = backups_storage().save(name, File(upload, name=name))
    for old in list(request.session.get(STAGED, {})):
        _unstage(request, old)
    request.session[STAGED] = {str(job.pk): name}


def _unstage(request, job_id) -> None:
    staged = dict(request.session.get(STAGED, {}))
    name = staged.pop(str(job_id), None)
    if name:
        archive_delete(name)
    request.session[STAGED] = staged


def _refused(request, exc: BackupError | None, *, status: int | None = None, code: str | None = None):
    """The page again, the restore form showing why, with the status the API gives it."""
    code = code or exc.code
    error = {"code": code, "text": error_text(code, str(exc or "")), "line": None, "section": None}
    if exc is not None:
        error |= {"line": exc.line, "section": exc.section}
    context = page_context(request, restore_error=error)
    return render(request, "backup_web/page.html", context, status=status or http_status(exc))
