"""The owners' page through Django's test client: the same services, roles and errors as the API."""

from __future__ import annotations

import io
import re

import orjson
import pytest
import zstandard
from django.test import Client, override_settings

from backup_restore.jobs.links import download_link_check
from backup_restore.jobs.models import BackupJob
from backup_restore.jobs.runner import job_run

from .conftest import logged_in

pytestmark = pytest.mark.django_db(databases=["default", "jobs"], transaction=True)
HTMX = {"HTTP_HX_REQUEST": "true"}


def backup_made(client: Client) -> BackupJob:
    response = client.post("/backups/start/", **HTMX)
    assert response.status_code == 200
    job = BackupJob.objects.get()
    assert f'hx-get="/backups/jobs/{job.pk}/"' in response.content.decode()  # polls while it runs
    assert job_run(job_id=job.pk).state == "succeeded"
    return BackupJob.objects.get(pk=job.pk)


def test_root_and_page_lead_an_anonymous_user_to_the_login(shop):
    client = Client()
    assert client.get("/").headers["Location"] == "/backups/"
    response = client.get("/backups/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/login/?next=/backups/")
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'for="id_username"' in page and 'for="id_password"' in page and "Iniciar sesión" in page


def test_login_form_then_the_page(shop):
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    response = client.post("/accounts/login/", {"username": "alfa_owner", "password": "s3cret-Pass!", "next": "/backups/"})
    assert response.status_code == 302 and response.headers["Location"] == "/backups/"
    page = client.get("/backups/").content.decode()
    assert "Crear copia ahora" in page and "Taller alfa" in page


def test_an_employee_is_told_they_lack_the_right(shop):
    client = logged_in("alfa_staff", HTTP_ACCEPT_LANGUAGE="es")
    response = client.get("/backups/")
    assert response.status_code == 403
    assert "No tiene permiso para gestionar las copias de seguridad" in response.content.decode()
    assert client.post("/backups/start/").status_code == 403
    assert not BackupJob.objects.exists()


def test_backup_progress_fragment_download_link_and_audit_trail(owner, shop):
    job = backup_made(owner)
    fragment = owner.get(f"/backups/jobs/{job.pk}/", **HTMX)
    body = fragment.content.decode()
    assert 'value="100"' in body and "hx-trigger" not in body  # polling stops at the end
    assert fragment.headers["HX-Trigger"] == "backups-changed"
    response = owner.post(f"/backups/{job.pk}/download/")
    assert response.status_code == 302
    match = re.fullmatch(rf"/api/backups/{job.pk}/download/\?token=(.+)", response.headers["Location"])
    assert match, response.headers["Location"]
    from urllib.parse import unquote

    archive, user = download_link_check(token=unquote(match.group(1)), archive_id=job.pk)
    assert archive.pk == job.pk and user.username == "alfa_owner"
    page = owner.get("/backups/").content.decode()
    assert job.filename in page  # in the restore form's choices
    trail = owner.get("/backups/trail/").content.decode()
    assert "alfa_owner" in trail and "iniciada" in trail


def test_restore_dry_run_then_merge_from_a_stored_archive(owner, shop):
    archive = backup_made(owner)
    response = owner.post("/backups/restore/", {"source": "archive", "archive": archive.pk, "mode": "merge"})
    assert response.status_code == 302
    dry = BackupJob.objects.get(kind="restore")
    assert dry.dry_run and not dry.replace and dry.source_id == archive.pk
    assert job_run(job_id=dry.pk).state == "succeeded"
    page = owner.get(response.headers["Location"]).content.decode()
    assert 'data-testid="summary"' in page and 'data-testid="confirm-form"' in page
    confirmed = owner.post(f"/backups/restores/{dry.pk}/confirm/")
    assert confirmed.status_code == 302
    real = BackupJob.objects.filter(kind="restore", dry_run=False).get()
    assert job_run(job_id=real.pk).state == "succeeded"
    done = owner.get(confirmed.headers["Location"]).content.decode()
    assert 'data-testid="restore-done"' in done and "Lo que hizo la restauración" in done


def test_replace_needs_the_shops_name_typed(owner, shop):
    archive = backup_made(owner)
    owner.post("/backups/restore/", {"source": "archive", "archive": archive.pk, "mode": "replace"})
    dry = BackupJob.objects.get(kind="restore")
    job_run(job_id=dry.pk)
    refused = owner.post(f"/backups/restores/{dry.pk}/confirm/", {"shop_name": "Taller otro"})
    assert refused.status_code == 400
    assert "Ese no es el nombre del taller" in refused.content.decode()
    assert BackupJob.objects.filter(kind="restore").count() == 1  # nothing started
    accepted = owner.post(f"/backups/restores/{dry.pk}/confirm/", {"shop_name": "Taller alfa"})
    assert accepted.status_code == 302
    real = BackupJob.objects.get(kind="restore", dry_run=False)
    assert real.replace and job_run(job_id=real.pk).state == "succeeded"


def test_an_uploaded_file_is_kept_for_the_real_run(owner, shop, backups_root):
    archive = backup_made(owner)
    data = (backups_root / archive.file).read_bytes()
    upload = io.BytesIO(data)
    upload.name = "copia.ndjson.zst"
    response = owner.post("/backups/restore/", {"source": "upload", "backup_file": upload, "mode": "merge"})
    assert response.status_code == 302, response.content.decode()[:2000]
    dry = BackupJob.objects.get(kind="restore")
    assert dry.source_id is None and job_run(job_id=dry.pk).state == "succeeded"
    staged = list((backups_root / "staged").rglob("*.upload"))
    assert len(staged) == 1
    owner.post(f"/backups/restores/{dry.pk}/confirm/")
    real = BackupJob.objects.get(kind="restore", dry_run=False)
    assert job_run(job_id=real.pk).state == "succeeded"
    assert not list((backups_root / "staged").rglob("*.upload"))  # the staged copy is gone


def test_a_failed_restore_shows_the_error_with_line_and_section(owner, shop, backups_root):
    archive = backup_made(owner)
    lines = zstandard.ZstdDecompressor().decompressobj().decompress((backups_root / archive.file).read_bytes()).splitlines()
    section = orjson.loads(lines[1])["model"]
    lines[2] = b"[1]"  # the first row of the first section, one value short
    upload = io.BytesIO(b"\n".join(lines) + b"\n")
    upload.name = "copia.ndjson"
    owner.post("/backups/restore/", {"source": "upload", "backup_file": upload, "mode": "merge"})
    dry = BackupJob.objects.get(kind="restore")
    assert job_run(job_id=dry.pk).state == "failed"
    dry.refresh_from_db()
    assert (dry.error["line"], dry.error["section"]) == (3, section)
    page = owner.get(f"/backups/restores/{dry.pk}/").content.decode()
    assert f'data-code="{dry.error["code"]}"' in page
    assert "Línea 3" in page and f"Sección {section}" in page
    assert "Una fila del archivo tiene un número incorrecto de valores." in page
    english = owner.get(f"/backups/restores/{dry.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Line 3" in english and "A row of the file has the wrong number of values." in english


def test_wrong_type_and_too_large_are_refused_and_nothing_starts(owner, shop):
    wrong = io.BytesIO(b"hello")
    wrong.name = "foto.png"
    response = owner.post("/backups/restore/", {"source": "upload", "backup_file": wrong, "mode": "merge"})
    assert response.status_code == 415
    assert 'data-code="unsupported_file_type"' in response.content.decode()
    with override_settings(BACKUP_RESTORE={"MAX_UPLOAD_BYTES": 100}):
        big = io.BytesIO(b"x" * 1000)
        big.name = "copia.ndjson"
        response = owner.post("/backups/restore/", {"source": "upload", "backup_file": big, "mode": "merge"})
        assert response.status_code == 413
        assert 'data-code="upload_too_large"' in response.content.decode()
        assert 'data-max-bytes="100"' in owner.get("/backups/").content.decode()
    assert not BackupJob.objects.exists()


def test_csrf_is_enforced_on_every_form(shop):
    client = logged_in("alfa_owner", enforce_csrf_checks=True)
    for url in ("/backups/start/", "/backups/restore/", "/backups/schedule/", "/accounts/logout/", "/i18n/setlang/"):
        assert client.post(url, {}).status_code == 403, url
    assert not BackupJob.objects.exists()


def test_schedule_form_saves_and_refuses_bad_values(owner, shop):
    values = {"enabled": "on", "hour": "4", "timezone": "America/La_Paz", "keep_daily": "5", "keep_weekly": "2"}
    assert owner.post("/backups/schedule/", values).status_code == 302
    from backup_restore.web.schedule import page_schedule_get

    schedule = page_schedule_get(tenant=shop)
    assert (schedule.enabled, schedule.hour, schedule.keep_daily, schedule.keep_weekly) == (True, 4, 5, 2)
    refused = owner.post("/backups/schedule/", values | {"hour": "24", "timezone": "Mars/Base"})
    assert refused.status_code == 400
    schedule = page_schedule_get(tenant=shop)
    assert schedule.hour == 4 and schedule.timezone == "America/La_Paz"


def test_spanish_by_default_english_by_accept_language_or_the_switch(shop):
    assert "Crear copia ahora" in logged_in("alfa_owner").get("/backups/").content.decode()
    english = logged_in("alfa_owner", HTTP_ACCEPT_LANGUAGE="en")
    page = english.get("/backups/").content.decode()
    assert '<html lang="en">' in page and "Back up now" in page and "Stored backups" in page
    spanish = logged_in("alfa_owner", HTTP_ACCEPT_LANGUAGE="en")
    spanish.post("/i18n/setlang/", {"language": "es", "next": "/backups/"})
    assert '<html lang="es">' in spanish.get("/backups/").content.decode()


def test_the_pages_spanish_wins_over_other_apps_catalogs():
    """Django picks a msgid's translation from the first catalog that has it: a short msgid the
    admin or DRF also translate (e.g. "Change", "Created") must show the project's words (the
    page's messages live in the project's catalog, locale/, which comes first)."""
    import polib
    from django.conf import settings
    from django.utils import translation

    po = polib.pofile(str(settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    ours = {e.msgid: e.msgstr for e in po if not e.msgid_plural and e.msgstr}
    with translation.override("es"):
        wrong = {msgid: translation.gettext(msgid) for msgid, text in ours.items() if translation.gettext(msgid) != text}
    assert wrong == {}
