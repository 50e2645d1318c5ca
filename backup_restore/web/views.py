"""The owners' page. Each view checks the role, calls one service of ``backup_restore.jobs``
(the job API's own service layer) and renders a template or a fragment of one."""

from __future__ import annotations

from urllib.parse import urlencode

import orjson
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..api.http import client_ip, http_status
from ..conf import backup_settings
from ..errors import BackupError
from ..jobs.links import download_link_sign
from ..jobs.models import BackupJob
from ..jobs.services import archive_delete, archive_get, backup_job_start, job_cancel, job_get, job_list
from ..tenancy import audit_trail
from .access import shop_view
from .forms import ACCEPT_ATTRIBUTE, ReplaceConfirmForm, RestoreForm, ScheduleForm
from .messages import error_text
from .schedule import FIELDS, page_schedule_get, page_schedule_update

Kind, State = BackupJob.Kind, BackupJob.State
ARCHIVES_SHOWN = 20
RESTORES_SHOWN = 5
TRAIL_SHOWN = 30


def home(request: HttpRequest) -> HttpResponse:
    """``/``: the page, or the login in front of it."""
    return redirect("backup_web:page")


@require_GET
@shop_view()
def page(request: HttpRequest) -> HttpResponse:
    return render(request, "backup_web/page.html", page_context(request))


def page_context(request, **overrides) -> dict:
    tenant = request.shop
    archives = list(job_list(tenant=tenant, kind=Kind.BACKUP)[:ARCHIVES_SHOWN])
    context = {
        "shop": tenant,
        "membership": request.membership,
        "archives": archives,
        "active_backup": next((a for a in archives if a.state in BackupJob.ACTIVE), None),
        "restores": list(job_list(tenant=tenant, kind=Kind.RESTORE)[:RESTORES_SHOWN]),
        "restore_form": restore_form(request),
        "schedule_form": ScheduleForm(initial=_schedule_values(tenant)),
        "trail": _trail(tenant),
        "max_upload_bytes": backup_settings.MAX_UPLOAD_BYTES,
        "accept": ACCEPT_ATTRIBUTE,
        "can_restore": request.membership.role in backup_settings.RESTORE_ROLES,
    }
    return context | overrides


def restore_form(request, data=None, files=None) -> RestoreForm:
    ready = job_list(tenant=request.shop, kind=Kind.BACKUP).filter(state=State.SUCCEEDED)[:ARCHIVES_SHOWN]
    by = _("by")
    choices = [(a, f"{a.filename} ({by} {a.created_by or '—'})") for a in ready]
    initial = {"archive": request.GET.get("archive")} if data is None and request.GET.get("archive") else None
    return RestoreForm(data, files, archives=choices, initial=initial)


def _schedule_values(tenant) -> dict:
    schedule = page_schedule_get(tenant=tenant)
    return {name: getattr(schedule, name) for name in FIELDS}


def _trail(tenant) -> list[dict]:
    rows = []
    for entry in audit_trail(tenant, limit=TRAIL_SHOWN):
        try:
            details = orjson.loads(entry["details"] or "{}")
        except orjson.JSONDecodeError:
            details = {}
        details = details if isinstance(details, dict) else {}
        error = details.get("error") if isinstance(details.get("error"), dict) else None
        if error is None and details.get("code"):
            error = {"code": details["code"], "message": ""}
        rows.append({**entry, "outcome": details.get("outcome", ""), "error": error})
    return rows


# -- backups -------------------------------------------------------------------------------------


@require_POST
@shop_view()
def backup_start(request: HttpRequest) -> HttpResponse:
    job, _created = backup_job_start(tenant=request.shop, user=request.user, ip=client_ip(request))
    if request.htmx:
        return job_fragment_response(request, job)
    return redirect("backup_web:page")


@require_GET
@shop_view()
def job_fragment(request: HttpRequest, job_id: int) -> HttpResponse:
    """One job's progress (htmx polls it every second while the job runs)."""
    try:
        job = job_get(tenant=request.shop, job_id=job_id)
    except BackupError as exc:
        return error_response(request, exc)
    return job_fragment_response(request, job)


def job_fragment_response(request, job: BackupJob) -> HttpResponse:
    context = {"job": job, "shop": request.shop}
    if job.kind == Kind.RESTORE and job.dry_run and job.state == State.SUCCEEDED and job.replace:
        context["confirm_form"] = ReplaceConfirmForm(expected=request.shop.name)
    response = render(request, "backup_web/_job.html", context)
    if job.finished:
        response["HX-Trigger"] = "backups-changed"  # the archive table and the audit trail reload
    return response


@require_GET
@shop_view()
def archives_fragment(request: HttpRequest) -> HttpResponse:
    return render(request, "backup_web/_archives.html", page_context(request))


@require_GET
@shop_view()
def trail_fragment(request: HttpRequest) -> HttpResponse:
    return render(request, "backup_web/_trail.html", {"trail": _trail(request.shop)})


@require_POST
@shop_view()
def archive_download(request: HttpRequest, archive_id: int) -> HttpResponse:
    """A fresh signed link, then the browser is sent to it: the file streams to disk, and no
    token is ever written into the page."""
    try:
        archive = archive_get(tenant=request.shop, archive_id=archive_id, ready=True)
    except BackupError as exc:
        return error_response(request, exc)
    token, _expires = download_link_sign(archive=archive, user=request.user)
    return redirect(download_url(archive.pk, token))


def download_url(archive_id: int, token: str) -> str:
    """The job API's download endpoint: ``GET /api/backups/{id}/download/?token=...``."""
    return f"{get_script_prefix()}api/backups/{archive_id}/download/?{urlencode({'token': token})}"


@require_POST
@shop_view()
def archive_remove(request: HttpRequest, archive_id: int) -> HttpResponse:
    try:
        archive_delete(tenant=request.shop, archive_id=archive_id, user=request.user, ip=client_ip(request))
    except BackupError as exc:
        return error_response(request, exc)
    messages.success(request, _("The backup was deleted."))
    return redirect("backup_web:page")


@require_POST
@shop_view()
def job_stop(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        job = job_cancel(tenant=request.shop, job_id=job_id, user=request.user, ip=client_ip(request))
    except BackupError as exc:
        return error_response(request, exc)
    if request.htmx:
        return job_fragment_response(request, job)
    return redirect("backup_web:page")


# -- schedule ------------------------------------------------------------------------------------


@require_POST
@shop_view()
def schedule_save(request: HttpRequest) -> HttpResponse:
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        return render(request, "backup_web/page.html", page_context(request, schedule_form=form), status=400)
    try:
        page_schedule_update(tenant=request.shop, user=request.user, values=form.cleaned_data)
    except BackupError as exc:
        return error_response(request, exc)
    messages.success(request, _("The schedule was saved."))
    return redirect(reverse("backup_web:page") + "#schedule")


def error_response(request, exc: BackupError) -> HttpResponse:
    """A refused action, in the reader's language, with the status the API would answer."""
    error = exc.to_dict()
    context = {"error": error, "text": error_text(error.get("code"), error.get("message", ""))}
    template = "backup_web/_error.html" if request.htmx else "backup_web/error.html"
    return render(request, template, context, status=http_status(exc))
