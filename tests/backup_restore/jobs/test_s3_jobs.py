"""Backup and restore jobs with their archives on S3 (a local moto server), in this process:
the whole flow, and the S3 server stopped in the middle of a backup's upload."""

import hashlib
import io
import threading

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from backup_restore.jobs import services
from backup_restore.jobs.runner import job_run
from backup_restore.jobs.storage import archive_chunks, archive_exists
from tests.e2e.support import wait_until
from tests.s3 import MotoServer, PartGate, s3_backups_storage

from ..helpers import backup_bytes, canonical, seeded

pytestmark = pytest.mark.django_db(databases=["default", "jobs"], transaction=True)

NOT_RESTORED = ("personal_admin.bitacora", "personal_admin.userprofile")
NO_FILES = frozenset({"file"})  # the seed names images it never stored; a restore drops such names


def test_a_backup_job_stores_its_archive_on_s3_and_a_restore_job_restores_it(s3_backups):
    server, bucket = s3_backups
    tenant = seeded("alfa", rows=600)
    job, _ = services.backup_job_start(tenant=tenant, user=tenant.owner)
    done = job_run(job_id=job.pk)
    assert done.state == "succeeded", done.error
    assert archive_exists(done.file)
    assert server.keys(bucket) == [f"archives/{done.file}"] and server.multipart_uploads(bucket) == []
    stored = server.client().get_object(Bucket=bucket, Key=f"archives/{done.file}")["Body"].read()
    assert len(stored) == done.size and hashlib.sha256(stored).hexdigest() == done.sha256
    assert b"".join(archive_chunks(done.file, 10, done.size - 11)) == stored[10:-10]
    before = canonical(stored, ignore=NOT_RESTORED, blank=NO_FILES)
    assert before == canonical(backup_bytes(tenant), ignore=NOT_RESTORED, blank=NO_FILES)

    restore = services.restore_job_start(tenant=tenant, user=tenant.owner, archive_id=done.pk, replace=True)
    finished = job_run(job_id=restore.pk)
    assert finished.state == "succeeded", finished.error
    assert finished.summary["ok"] is True and finished.summary["mode"] == "replace"
    assert finished.rows_done == finished.rows_total == done.rows
    assert canonical(backup_bytes(tenant), ignore=NOT_RESTORED, blank=NO_FILES) == before
    assert server.keys(bucket) == [f"archives/{done.file}"]  # the restore read the archive, kept it


def test_a_restore_job_from_an_upload_keeps_it_on_s3_only_while_it_runs(s3_backups):
    server, bucket = s3_backups
    tenant = seeded("alfa", rows=300)
    data = backup_bytes(tenant)
    restore = services.restore_job_start(tenant=tenant, user=tenant.owner, upload=io.BytesIO(data), dry_run=True)
    assert [k for k in server.keys(bucket) if k.startswith("archives/uploads/")] != []
    finished = job_run(job_id=restore.pk)
    assert finished.state == "succeeded", finished.error
    assert finished.summary["dry_run"] is True
    assert server.keys(bucket) == []


@pytest.fixture
def doomed_s3(settings, tmp_path, backups_root):
    """A moto server of this test only, to be stopped by it, reached through a ``PartGate``
    that holds the first part of an upload; uploads in parts of 16 KiB, so that a small
    shop's archive is a multipart upload. Yields (server, gate, bucket)."""
    server = MotoServer(tmp_path).start()
    gate = PartGate(server)
    bucket = server.bucket()
    parts = TransferConfig(multipart_threshold=16 * 1024, multipart_chunksize=16 * 1024, max_concurrency=1)
    quick = Config(retries={"total_max_attempts": 2, "mode": "standard"}, connect_timeout=2, read_timeout=30)
    storage = s3_backups_storage(server, bucket, endpoint_url=gate.url, transfer_config=parts, client_config=quick)
    settings.STORAGES = settings.STORAGES | {"backups": storage}
    yield server, gate, bucket
    gate.close()
    server.stop()


def test_the_s3_server_stopped_during_a_backup_fails_the_job_and_lists_nothing(doomed_s3):
    """The gate holds the upload's first part: the multipart upload is then under way on the
    server and cannot finish; the server is stopped right then (moto killed, the gate closed)."""
    server, gate, bucket = doomed_s3
    tenant = seeded("alfa", rows=1000)  # an archive of several parts
    job, _ = services.backup_job_start(tenant=tenant, user=tenant.owner)
    ended = threading.Event()
    seen: list[str] = []

    def stop_while_uploading() -> None:
        try:
            wait_until(lambda: gate.held.is_set() or ended.is_set(), timeout=60, what="the upload's first part")
            if gate.held.is_set():
                seen.extend(server.multipart_uploads(bucket))
        finally:  # whatever happened, the held part is let go: the job always ends
            server.stop()
            gate.close()

    watcher = threading.Thread(target=stop_while_uploading)
    watcher.start()
    try:
        failed = job_run(job_id=job.pk)
    finally:
        ended.set()
        watcher.join()

    assert seen == [f"archives/{failed.file}"]  # stopped while this job's upload was under way
    assert failed.state == "failed"
    assert failed.error["code"] == "storage_failed"
    assert failed.error["message"].startswith("The backup storage (S3) could not be reached (")
    assert failed.error["message"].endswith("); nothing was stored.")
    assert failed.sha256 == "" and failed.size is None
    listed = list(services.job_list(tenant=tenant, kind="backup"))
    assert [j.pk for j in listed] == [job.pk] and [j.state for j in listed] == ["failed"]
    with pytest.raises(Exception) as refused:  # noqa: PT011 - any refusal: not ready
        services.archive_get(tenant=tenant, archive_id=job.pk, ready=True)
    assert refused.value.code == "archive_not_ready"
