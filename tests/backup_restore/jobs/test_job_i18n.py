"""A job runs in a worker, but its error is answered in the READER's language: the job keeps the
error's template and params and the API renders them per request. Expected texts are the
catalog's own (``in_language``), so a message left out of the catalog fails here."""

from __future__ import annotations

import io

import pytest

from backup_restore.jobs.runner import job_run
from streaming import iter_records
from tests.conftest import client_for

from ..helpers import backup_bytes, craft, post_restore, records
from ..test_i18n import LANGUAGES, in_language
from .api_support import upload

pytestmark = pytest.mark.django_db(databases=["default", "jobs"], transaction=True)

RESTORES = "/api/restores/"


def _malformed(tenant) -> bytes:
    lines = craft(records(backup_bytes(tenant))).split(b"\n")
    lines.insert(2, b"")  # a blank line where the first section record must be
    return b"\n".join(lines)


@pytest.mark.parametrize("starter", LANGUAGES)
def test_a_failed_jobs_error_is_answered_in_the_readers_language(tenant, backups_root, starter):
    started = client_for("alfa_owner", language=starter).post(
        RESTORES, {"backup_file": upload(_malformed(tenant), "b.ndjson")}, format="multipart"
    )
    assert started.status_code == 202, started.content
    job_run(job_id=started.json()["id"])
    for reader in LANGUAGES:
        response = client_for("alfa_owner", language=reader).get(f"{RESTORES}{started.json()['id']}/")
        assert response.status_code == 200 and response["Content-Language"] == reader
        job = response.json()
        assert job["state"] == "failed"
        assert set(job["error"]) == {"code", "message", "line", "section", "field"}
        assert job["error"]["code"] == "bad_framing" and job["error"]["line"] == 3
        problem = in_language(reader, "a blank line, where a record must be")
        assert job["error"]["message"] == in_language(
            reader, "The backup is malformed: %(problem)s (line %(line)s).", problem=problem, line=3
        )
        listed = client_for("alfa_owner", language=reader).get(RESTORES).json()["results"][0]
        assert listed["error"] == job["error"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_restore_jobs_summary_equals_the_direct_answer_in_the_starters_language(tenant, backups_root, language):
    values = records(backup_bytes(tenant))
    first_end = next(i for i, v in enumerate(values) if isinstance(v, dict) and v.get("kind") == "section_end")
    data = craft(values[: first_end + 1])
    assert any(hasattr(e, "fields") for e in iter_records(io.BytesIO(data)))
    client = client_for("alfa_owner", language=language)
    started = client.post(RESTORES, {"backup_file": upload(data, "b.ndjson"), "dry_run": "true"}, format="multipart")
    job_run(job_id=started.json()["id"])
    summary = client.get(f"{RESTORES}{started.json()['id']}/").json()["summary"]
    direct = post_restore(client, data, dry_run="true").json()
    assert summary == direct and summary["warnings"]
    template = "%(section)s: the backup has no section for it; its existing rows were kept"
    for line in summary["warnings"]:
        assert line == in_language(language, template, section=line.split(":", 1)[0])
