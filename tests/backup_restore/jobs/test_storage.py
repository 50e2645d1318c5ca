"""The archive storage on both backends, the private folder and S3 (a local moto server):
exact bytes back, ranges, nothing left by a failed write, and bounded memory on S3."""

import hashlib
import os
import tracemalloc

import pytest

from backup_restore.errors import StorageFailed
from backup_restore.jobs import storage
from backup_restore.jobs.s3 import MIB
from backup_restore.jobs.storage import archive_chunks, archive_delete, archive_exists, archive_open, archive_write, local_copy
from tests.s3 import s3_backups_storage

PIECE = 256 * 1024


def chunks_of(data: bytes, size: int = 100_000):
    for i in range(0, len(data), size):
        yield data[i : i + size]


def random_chunks(total: int, *, fail_after: int | None = None):
    """``total`` random bytes in pieces, made as they are asked for (never held whole); with
    ``fail_after``, an error once that many bytes have gone out."""
    sent = 0
    while sent < total:
        if fail_after is not None and sent >= fail_after:
            raise RuntimeError("the export broke")
        block = os.urandom(min(PIECE, total - sent))
        sent += len(block)
        yield block


@pytest.fixture(params=["filesystem", "s3"])
def backend(request, backups_root):
    """Each test on both storages; yields a function listing what is stored (S3: objects and
    unfinished multipart uploads)."""
    if request.param == "filesystem":
        return lambda: sorted(str(p.relative_to(backups_root)) for p in backups_root.rglob("*") if p.is_file())
    server, bucket = request.getfixturevalue("s3_backups")
    return lambda: sorted(
        [k.removeprefix("archives/") for k in server.keys(bucket)]
        + [f"unfinished:{k}" for k in server.multipart_uploads(bucket)]
    )


def test_an_archive_reads_back_exactly_whole_and_in_ranges(backend):
    data = os.urandom(11 * MIB + 12345)  # S3: a multipart upload of two parts
    written = archive_write("shop/1-ab-backup.ndjson.zst", chunks_of(data))
    assert written.size == len(data) and written.sha256 == hashlib.sha256(data).hexdigest()
    assert archive_exists(written.name) and len(backend()) == 1

    assert b"".join(archive_chunks(written.name)) == data
    for start, end in [(0, 0), (5, 1_000_000), (8 * MIB - 3, 8 * MIB + 3), (len(data) - 10, None), (7, len(data) - 1)]:
        expected = data[start : None if end is None else end + 1]
        assert b"".join(archive_chunks(written.name, start, end)) == expected, (start, end)
    assert b"".join(archive_chunks(written.name, len(data) + 5)) == b""
    with archive_open(written.name) as f:
        assert f.read(3) == data[:3] and f.read() == data[3:]
    with local_copy(written.name) as (copy, digest):
        assert digest == written.sha256 and copy.read() == data
        copy.seek(len(data) - 4)
        assert copy.read() == data[-4:]

    archive_delete(written.name)
    assert not archive_exists(written.name) and backend() == []


def test_an_archive_never_overwrites_another(backend):
    first = archive_write("shop/same-name.ndjson", chunks_of(b"first"))
    second = archive_write("shop/same-name.ndjson", chunks_of(b"second"))
    assert first.name != second.name
    assert b"".join(archive_chunks(first.name)) == b"first"
    assert b"".join(archive_chunks(second.name)) == b"second"


@pytest.mark.parametrize("fail_after", [0, 3 * MIB, 10 * MIB])
def test_a_writer_failing_mid_archive_leaves_nothing(backend, fail_after):
    """Before any byte, inside the first part, after a part went out: the producer's own error
    comes out, and no file, object or unfinished upload remains."""
    with pytest.raises(RuntimeError, match="the export broke"):
        archive_write("shop/2-cd-backup.ndjson.zst", random_chunks(32 * MIB, fail_after=fail_after))
    assert backend() == []
    written = archive_write("shop/3-ef-backup.ndjson.zst", random_chunks(MIB))  # the storage still works
    assert backend() == [written.name]


def test_s3_refusing_the_file_is_storage_failed_and_leaves_nothing(settings, s3_backups):
    server, bucket = s3_backups
    settings.STORAGES = settings.STORAGES | {"backups": s3_backups_storage(server, "no-such-bucket")}
    with pytest.raises(StorageFailed) as caught:
        archive_write("shop/4-gh-backup.ndjson.zst", random_chunks(9 * MIB))
    assert caught.value.code == "storage_failed"
    assert "refused the file (NoSuchBucket)" in caught.value.message


def test_s3_unreachable_from_the_first_call_is_storage_failed_and_reads_nothing(settings, tmp_path, backups_root):
    """No server on the endpoint: the first call (picking the name) fails, and that is the same
    ``storage_failed`` as a failure in the middle of the upload; the producer is never asked."""
    from botocore.config import Config

    from tests.s3 import MotoServer

    nobody = MotoServer(tmp_path)  # a free port, never started
    once = Config(retries={"total_max_attempts": 1}, connect_timeout=2)
    settings.STORAGES = settings.STORAGES | {"backups": s3_backups_storage(nobody, "backups", client_config=once)}
    asked: list[int] = []
    with pytest.raises(StorageFailed) as caught:
        archive_write("shop/4-gh-backup.ndjson.zst", (asked.append(1) or b"x" for _ in range(1)))
    assert caught.value.code == "storage_failed"
    assert caught.value.message == "The backup storage (S3) could not be reached (EndpointConnectionError); nothing was stored."
    assert asked == []


def test_s3_upload_memory_is_bounded_by_its_parts(s3_backups):
    """A 64 MiB archive stored on S3 in parts of 8 MiB: boto3 holds at most 2 parts waiting or
    in flight plus the one it is reading (24 MiB), the pipe holds 4 MiB and its reader's buffer
    1 MiB; with 4 MiB of slack the peak of Python allocations stays under 33 MiB, about half
    the archive, and it would be the same for 64 GiB (measured: ~29 MiB)."""
    server, bucket = s3_backups
    archive_write("warm-up", random_chunks(MIB))  # the writer thread's boto3 session, once
    total = 64 * MIB
    tracemalloc.start()
    try:
        written = archive_write("shop/5-ij-backup.ndjson.zst", random_chunks(total))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written.size == total
    bound = 3 * 8 * MIB + storage.PIPE_BYTES + storage.CHUNK + 4 * MIB
    print(f"\nS3 upload of {total // MIB} MiB: Python peak {peak / MIB:.1f} MiB (bound {bound / MIB:.0f} MiB)")
    assert peak < bound
    head = server.client().head_object(Bucket=bucket, Key=f"archives/{written.name}")
    assert head["ContentLength"] == total
    assert head["ETag"].strip('"').endswith("-8")  # a multipart upload of 8 parts


def test_backups_s3_bucket_in_the_environment_switches_the_storage_to_s3(tmp_path):
    """settings.py, in a fresh process: BACKUPS_S3_BUCKET and django-storages' variables."""
    import json
    import subprocess
    import sys

    probe = (
        "import django, json; django.setup();"
        "from django.core.files.storage import storages; s = storages['backups'];"
        "c = s.transfer_config;"
        "print(json.dumps([type(s).__name__, s.bucket_name, s.endpoint_url, s.location, s.default_acl,"
        " s.file_overwrite, s.querystring_auth, c.multipart_chunksize, c.max_in_memory_upload_chunks]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "BACKUPS_S3_BUCKET": "taller-backups",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_LOCATION": "prod/backups",
        "BACKUPS_S3_PART_MIB": "16",
    }
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True, cwd=tmp_path)
    assert json.loads(out.stdout) == [
        "ArchiveS3Storage", "taller-backups", "http://127.0.0.1:9", "prod/backups", None, False, False, 16 * MIB, 2
    ]
    env.pop("BACKUPS_S3_BUCKET")
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.core.files.storage import storages;"
         "print(type(storages['backups']).__name__)"],
        env=env, capture_output=True, text=True, check=True, cwd=tmp_path,
    )
    assert out.stdout.strip() == "FileSystemStorage"
