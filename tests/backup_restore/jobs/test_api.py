"""The job API over real HTTP (Django's test client, real JWTs), with the jobs run in this
process by the worker's own ``job_run``, real files in a backups folder, both databases."""

from __future__ import annotations

import io
import time

import pytest
from django.core import signing

from backup_restore.conf import backup_settings
from backup_restore.jobs import links
from backup_restore.jobs.models import BackupJob
from backup_restore.jobs.runner import job_run
from streaming import verify
from tests.conftest import client_for

from ..helpers import audit_entries, database_checksum, post_restore, seeded
from .api_support import Before, anonymous, body_of, files_in, path_of, token_of, upload, with_token

pytestmark = pytest.mark.django_db(databases=["default", "jobs"], transaction=True)

BACKUPS, RESTORES = "/api/backups/", "/api/restores/"


@pytest.fixture
def shop():
    return seeded("alfa", rows=150)


@pytest.fixture
def owner(shop):
    return client_for("alfa_owner")


def stored_backup(client) -> dict:
    """Start a backup through the API, run it as a worker does, and answer its final JSON."""
    started = client.post(BACKUPS)
    assert started.status_code == 202, started.content
    job_run(job_id=started.json()["id"])
    done = client.get(f"{BACKUPS}{started.json()['id']}/")
    assert done.status_code == 200 and done.json()["state"] == "succeeded", done.json()
    return done.json()


def link_for(client, archive_id: int) -> str:
    response = client.post(f"{BACKUPS}{archive_id}/download-link/")
    assert response.status_code == 200, response.content
    return path_of(response.json()["url"])


# -- the flow ----------------------------------------------------------------------------------


def test_backup_job_link_and_download_whole_and_in_two_ranges(shop, owner, backups_root):
    started = owner.post(BACKUPS)
    assert started.status_code == 202
    job = started.json()
    assert started["Location"] == f"http://testserver{BACKUPS}{job['id']}/"
    assert job["kind"] == "backup" and job["state"] == "queued" and job["created_by"] == "alfa_owner"
    assert "summary" not in job and "filename" in job
    again = owner.post(BACKUPS)  # a double click
    assert again.status_code == 202 and again.json()["id"] == job["id"]
    assert owner.get(BACKUPS).json()["count"] == 1

    job_run(job_id=job["id"])
    archive = owner.get(f"{BACKUPS}{job['id']}/").json()
    assert archive["state"] == "succeeded" and archive["progress"] == 100 and archive["rows"] > 0
    stored = (backups_root / BackupJob.objects.get(pk=job["id"]).file).read_bytes()
    assert len(stored) == archive["size"]

    link = owner.post(f"{BACKUPS}{job['id']}/download-link/")
    assert link.status_code == 200 and link.json()["url"].startswith(f"http://testserver{BACKUPS}{job['id']}/download/?token=")
    assert link.json()["expires_at"]
    url = path_of(link.json()["url"])

    whole = anonymous().get(url)  # no Authorization: the link is the credential
    assert whole.status_code == 200
    assert whole["Accept-Ranges"] == "bytes" and whole["Content-Length"] == str(len(stored))
    assert whole["ETag"] == f'"{archive["sha256"]}"'
    assert whole["Content-Disposition"] == f'attachment; filename="{archive["filename"]}"'
    assert whole["Content-Type"] == "application/zstd"
    assert body_of(whole) == stored

    half = len(stored) // 2
    first = anonymous().get(url, HTTP_RANGE=f"bytes=0-{half - 1}")
    second = anonymous().get(url, HTTP_RANGE=f"bytes={half}-")
    assert (first.status_code, second.status_code) == (206, 206)
    assert first["Content-Range"] == f"bytes 0-{half - 1}/{len(stored)}" and first["Content-Length"] == str(half)
    assert second["Content-Range"] == f"bytes {half}-{len(stored) - 1}/{len(stored)}"
    joined = body_of(first) + body_of(second)
    assert joined == stored
    report = verify(io.BytesIO(joined))
    assert report.rows == archive["rows"] and len(report.sections) == archive["sections"]

    tail = anonymous().get(url, HTTP_RANGE="bytes=-10")
    assert tail.status_code == 206 and body_of(tail) == stored[-10:]
    past_end = anonymous().get(url, HTTP_RANGE=f"bytes={half}-{len(stored) * 2}")  # end clipped to the file
    assert past_end.status_code == 206 and body_of(past_end) == stored[half:]
    for ignored in ("bytes=0-1,5-9", "bytes=9-2", "lines=1-2", "bytes=abc"):  # RFC 9110: may be ignored
        response = anonymous().get(url, HTTP_RANGE=ignored)
        assert response.status_code == 200 and body_of(response) == stored, ignored
    stale = anonymous().get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"0000"')
    assert stale.status_code == 200 and body_of(stale) == stored
    fresh = anonymous().get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=whole["ETag"])
    assert fresh.status_code == 206 and body_of(fresh) == stored[:10]
    head = anonymous().head(url)
    assert head.status_code == 200 and head["Content-Length"] == str(len(stored)) and body_of(head) == b""

    downloads = [e.descripcion for e in audit_entries(shop, "backup") if '"event":"download"' in e.descripcion]
    assert len(downloads) == 12 and sum('"outcome":"partial"' in d for d in downloads) == 5
    assert '"outcome":"link_created"' in "".join(e.descripcion for e in audit_entries(shop, "backup"))


def test_restore_from_upload_and_from_archive_answers_the_direct_summary(shop, owner, backups_root):
    archive = stored_backup(owner)
    data = (backups_root / BackupJob.objects.get(pk=archive["id"]).file).read_bytes()

    started = owner.post(RESTORES, {"backup_file": upload(data), "dry_run": "true"}, format="multipart")
    assert started.status_code == 202, started.content
    assert started["Location"] == f"http://testserver{RESTORES}{started.json()['id']}/"
    assert started.json()["source"] is None and started.json()["dry_run"] is True and "filename" not in started.json()
    assert len(files_in(backups_root)) == 2  # the upload, kept for the worker
    job_run(job_id=started.json()["id"])
    from_upload = owner.get(f"{RESTORES}{started.json()['id']}/").json()
    assert from_upload["state"] == "succeeded", from_upload["error"]
    assert len(files_in(backups_root)) == 1  # the upload is gone with its job
    assert from_upload["summary"] == post_restore(owner, data, name="b.ndjson.zst", dry_run="true").json()

    started = owner.post(RESTORES, {"backup": archive["id"], "replace": True}, format="json")
    assert started.status_code == 202, started.content
    assert started.json()["source"] == archive["id"] and started.json()["replace"] is True
    job_run(job_id=started.json()["id"])
    from_archive = owner.get(f"{RESTORES}{started.json()['id']}/").json()
    assert from_archive["state"] == "succeeded", from_archive["error"]
    assert from_archive["progress"] == 100 and from_archive["rows_total"] == archive["rows"]
    assert from_archive["summary"]["deleted"] and from_archive["summary"]["mode"] == "replace"
    assert from_archive["summary"] == post_restore(owner, data, name="b.ndjson.zst", replace="true").json()

    listed = owner.get(RESTORES).json()
    assert listed["count"] == 2 and [j["id"] for j in listed["results"]] == [from_archive["id"], from_upload["id"]]


def test_cancel_a_queued_restore_changes_nothing_and_a_finished_job_is_409(shop, owner, backups_root):
    archive = stored_backup(owner)
    audit_entries(shop, "backup").delete()
    before = database_checksum()
    started = owner.post(RESTORES, {"backup": archive["id"], "replace": True}, format="json")
    cancelled = owner.post(f"{RESTORES}{started.json()['id']}/cancel/")
    assert cancelled.status_code == 202
    assert cancelled.json()["state"] == "cancelled" and cancelled.json()["error"]["code"] == "cancelled"
    assert cancelled.json()["finished_at"]
    assert job_run(job_id=started.json()["id"]) is None  # a worker that picks it up later does nothing
    audit_entries(shop, "restore").delete()
    assert database_checksum() == before

    state = Before.take(backups_root)
    state.assert_refused(owner.post(f"{RESTORES}{started.json()['id']}/cancel/"), 409, "job_finished")
    state.assert_refused(owner.post(f"{BACKUPS}{archive['id']}/cancel/"), 409, "job_finished")


def test_a_second_restore_is_refused_while_one_is_queued(shop, owner, backups_root):
    archive = stored_backup(owner)
    first = owner.post(RESTORES, {"backup": archive["id"]}, format="json")
    assert first.status_code == 202
    state = Before.take(backups_root)
    data = (backups_root / BackupJob.objects.get(pk=archive["id"]).file).read_bytes()
    state.assert_refused(owner.post(RESTORES, {"backup": archive["id"]}, format="json"), 409, "restore_in_progress")
    state.assert_refused(
        owner.post(RESTORES, {"backup_file": upload(data)}, format="multipart"), 409, "restore_in_progress"
    )  # and its upload is not kept


def test_delete_removes_the_archive_and_its_file(shop, owner, backups_root):
    archive = stored_backup(owner)
    url = link_for(owner, archive["id"])
    assert files_in(backups_root)
    deleted = owner.delete(f"{BACKUPS}{archive['id']}/")
    assert deleted.status_code == 204
    assert files_in(backups_root) == {}
    assert owner.get(f"{BACKUPS}{archive['id']}/").status_code == 404
    state = Before.take(backups_root)
    state.assert_refused(anonymous().get(url), 404, "not_found")  # the link outlives no archive


def test_lists_are_paginated_newest_first(shop, owner):
    for _ in range(23):
        BackupJob.objects.create(tenant_id=shop.pk, kind="backup", state="failed", created_by="alfa_owner")
    first = owner.get(BACKUPS).json()
    assert first["count"] == 23 and len(first["results"]) == 20 and first["previous"] is None
    ids = [j["id"] for j in first["results"]]
    assert ids == sorted(ids, reverse=True)
    second = owner.get(path_of(first["next"])).json()
    assert len(second["results"]) == 3 and second["next"] is None and max(j["id"] for j in second["results"]) < min(ids)
    assert owner.get(BACKUPS, {"page": 9}).json()["error"]["code"] == "not_found"


# -- bad input: the exact code, nothing changed, audited once ------------------------------------


@pytest.fixture
def archives(shop, owner):
    """Two stored archives of alfa, one of beta."""
    seeded("beta", rows=40, seed=2)
    return stored_backup(owner), stored_backup(owner), stored_backup(client_for("beta_owner"))


def _past_token(token: str, seconds: int) -> str:
    """The same link, signed ``seconds`` ago (time travel without sleeping)."""

    class Past(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - seconds)

    return Past(salt=links.SALT).sign_object(signing.loads(token, salt=links.SALT))


def test_bad_links_and_ranges_are_refused_and_audited(shop, owner, archives, backups_root):
    mine, other_mine, _theirs = archives
    url = link_for(owner, mine["id"])
    token = token_of(url)
    state = Before.take(backups_root)

    expired = _past_token(token, backup_settings.DOWNLOAD_LINK_SECONDS + 5)
    text = state.assert_refused(anonymous().get(with_token(url, expired)), 403, "link_expired")
    assert '"outcome":"refused"' in text
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    state.assert_refused(anonymous().get(with_token(url, tampered)), 403, "link_invalid")
    state.assert_refused(anonymous().get(f"{BACKUPS}{mine['id']}/download/"), 403, "link_invalid")  # no token
    replayed = with_token(f"{BACKUPS}{other_mine['id']}/download/", token)
    state.assert_refused(anonymous().get(replayed), 403, "link_invalid")

    response = anonymous().get(url, HTTP_RANGE=f"bytes={mine['size']}-")
    assert response["Content-Range"] == f"bytes */{mine['size']}"
    state.assert_refused(response, 416, "range_not_satisfiable")
    state.assert_refused(anonymous().get(url, HTTP_RANGE="bytes=-0"), 416, "range_not_satisfiable")

    staff = client_for("alfa_staff")  # an employee's JWT does not make a link work either
    state.assert_refused(staff.get(with_token(url, tampered)), 403, "link_invalid")


def test_expired_link_is_filed_in_the_shops_own_audit_log(shop, owner, archives, backups_root):
    mine = archives[0]
    url = link_for(owner, mine["id"])
    audit_entries(shop, "backup").delete()
    response = anonymous().get(with_token(url, _past_token(token_of(url), 3600)))
    assert response.status_code == 403 and response.json()["error"]["code"] == "link_expired"
    (entry,) = audit_entries(shop, "backup")
    assert '"code":"link_expired"' in entry.descripcion and entry.usuario.username == "alfa_owner"


def test_another_shops_archive_is_not_found_everywhere(shop, owner, archives, backups_root):
    theirs = archives[2]
    state = Before.take(backups_root)
    for request in (
        lambda: owner.get(f"{BACKUPS}{theirs['id']}/"),
        lambda: owner.delete(f"{BACKUPS}{theirs['id']}/"),
        lambda: owner.post(f"{BACKUPS}{theirs['id']}/download-link/"),
        lambda: owner.post(f"{BACKUPS}{theirs['id']}/cancel/"),
        lambda: owner.post(RESTORES, {"backup": theirs["id"]}, format="json"),
        lambda: owner.get(f"{RESTORES}{theirs['id']}/"),
        lambda: owner.post(f"{RESTORES}{theirs['id']}/cancel/"),
    ):
        state.assert_refused(request(), 404, "not_found")
    beta_link = link_for(client_for("beta_owner"), theirs["id"])
    state = Before.take(backups_root)
    mine = archives[0]
    stolen = with_token(f"{BACKUPS}{mine['id']}/download/", token_of(beta_link))
    state.assert_refused(anonymous().get(stolen), 403, "link_invalid")


def test_bad_restore_requests_are_refused(shop, owner, archives, backups_root):
    mine = archives[0]
    queued = owner.post(BACKUPS).json()  # a backup not run yet
    state = Before.take(backups_root)
    data = (backups_root / BackupJob.objects.get(pk=mine["id"]).file).read_bytes()
    cases = [
        (lambda: owner.post(RESTORES, {"backup": mine["id"], "replace": "maybe"}, format="json"), 400, "invalid_flag"),
        (lambda: owner.post(RESTORES, {"backup": mine["id"], "dry_run": [1]}, format="json"), 400, "invalid_flag"),
        (lambda: owner.post(RESTORES, {"backup_file": upload(data), "replace": "x"}, format="multipart"), 400, "invalid_flag"),
        (lambda: owner.post(RESTORES, {}, format="json"), 400, "missing_source"),
        (lambda: owner.post(RESTORES, [1, 2], format="json"), 400, "missing_source"),
        (lambda: owner.post(RESTORES, {"backup": "abc"}, format="json"), 400, "missing_source"),
        (lambda: owner.post(RESTORES, {"backup": True}, format="json"), 400, "missing_source"),
        (lambda: owner.post(RESTORES, {"backup": 1.5}, format="json"), 400, "missing_source"),
        (lambda: owner.post(RESTORES, {"replace": "true"}, format="multipart"), 400, "missing_source"),
        (lambda: owner.post(RESTORES, {"backup_file": upload(data), "backup": mine["id"]}, format="multipart"),
         400, "missing_source"),
        (lambda: owner.post(RESTORES, b"{", content_type="application/json"), 400, "parse_error"),
        (lambda: owner.post(RESTORES, b"backup=1", content_type="text/plain"), 415, "unsupported_media_type"),
        (lambda: owner.post(RESTORES, {"backup": queued["id"]}, format="json"), 409, "archive_not_ready"),
        (lambda: owner.post(f"{BACKUPS}{queued['id']}/download-link/"), 409, "archive_not_ready"),
        (lambda: owner.delete(f"{BACKUPS}{queued['id']}/"), 409, "job_active"),
        (lambda: owner.get(f"{BACKUPS}999999/"), 404, "not_found"),
    ]  # fmt: skip
    for request, status, code in cases:
        state.assert_refused(request(), status, code)


def test_an_upload_over_the_limit_is_refused_before_it_is_read(shop, owner, archives, backups_root, settings):
    data = (backups_root / BackupJob.objects.get(pk=archives[0]["id"]).file).read_bytes()
    state = Before.take(backups_root)
    settings.BACKUP_RESTORE = {"MAX_UPLOAD_BYTES": 100}
    state.assert_refused(owner.post(RESTORES, {"backup_file": upload(data)}, format="multipart"), 413, "upload_too_large")


def _every_endpoint(ids: dict) -> list[tuple[str, str, dict]]:
    b, r = ids["backup"], ids["restore"]
    return [
        ("get", BACKUPS, {}), ("post", BACKUPS, {}), ("get", f"{BACKUPS}{b}/", {}), ("delete", f"{BACKUPS}{b}/", {}),
        ("post", f"{BACKUPS}{b}/cancel/", {}), ("post", f"{BACKUPS}{b}/download-link/", {}),
        ("get", RESTORES, {}), ("post", RESTORES, {"data": {"backup": b}, "format": "json"}),
        ("get", f"{RESTORES}{r}/", {}), ("post", f"{RESTORES}{r}/cancel/", {}),
    ]  # fmt: skip


def test_employees_and_anonymous_callers_are_refused_everywhere(shop, owner, archives, backups_root):
    mine = archives[0]
    restore = owner.post(RESTORES, {"backup": mine["id"], "dry_run": True}, format="json").json()
    job_run(job_id=restore["id"])
    ids = {"backup": mine["id"], "restore": restore["id"]}
    state = Before.take(backups_root)
    for caller, status, code in ((client_for("alfa_staff"), 403, "permission_denied"), (anonymous(), 401, "not_authenticated")):
        for method, path, extra in _every_endpoint(ids):
            state.assert_refused(getattr(caller, method)(path, **extra), status, code)
