"""A restore upload of more than 1 GiB of NDJSON, generated and compressed on the fly by the
client and streamed through the real multipart path of gunicorn, in flat server memory."""

import threading
import time

import pytest

from .support import (
    GeneratedBackup,
    MiB,
    RssSampler,
    access_token,
    bearer,
    client,
    directory_bytes,
    download,
    header_of,
    mb,
    multipart,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # on the big seeded e2e database

GiB = 1024 * MiB
# Peak RSS of the gunicorn worker during upload, spooling, checking and restoring, minus its RSS
# before. Measured at 3-7 MB; a buffered upload would cost the ~125 MB of the compressed body.
RSS_GROWTH_BOUND = 40 * MiB


class SpoolSampler(threading.Thread):
    """Largest size the upload spooling folder (FILE_UPLOAD_TEMP_DIR) reaches."""

    def __init__(self, folder):
        super().__init__(daemon=True)
        self.folder, self.peak, self.stop = folder, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, directory_bytes(self.folder))
            self.stop.wait(0.05)


def test_one_gib_restore_upload_in_flat_memory(e2e, servers, files, report):
    up = e2e.tenants["up"]
    server = servers("gunicorn")
    token = access_token(server.url, up.owner)
    with client(server.url) as http:
        sample = download(http, token, files / "up.ndjson.zst")
    assert sample.status == 200

    generated = GeneratedBackup(header_of(sample.path), target_bytes=GiB)
    started = time.monotonic()
    size = sum(len(chunk) for chunk in generated.chunks())  # first pass: the Content-Length
    assert generated.uncompressed >= GiB
    first_pass = time.monotonic() - started
    headers, length, body = multipart(
        {"replace": "false", "dry_run": "false"}, "backup_file", "huge.ndjson.zst", generated.chunks, size
    )

    spooled_before = set(e2e.upload_dir.iterdir())
    spool = SpoolSampler(e2e.upload_dir)
    spool.start()
    pid = server.worker_pid()
    try:
        with client(server.url, timeout=600) as http, RssSampler(pid, interval=0.02) as rss:
            started = time.monotonic()
            response = http.post("/api/restore/", content=body, headers={**headers, **bearer(token)})
            seconds = time.monotonic() - started
    finally:
        spool.stop.set()
        spool.join(timeout=5)

    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["ok"] is True and summary["rows"] == generated.rows
    assert summary["sections"] == {
        "personal_admin.bitacora": {"created": 0, "matched": 0, "skipped": generated.rows}
    }
    assert spool.peak >= size, "the upload was not spooled to FILE_UPLOAD_TEMP_DIR"
    server.wait_until_request_finished()  # the spooled file is deleted when the request is closed
    assert set(e2e.upload_dir.iterdir()) <= spooled_before, "the spooled upload was not removed"
    report(
        f"[{e2e.db.vendor}/gunicorn] restore upload: {mb(generated.uncompressed)} NDJSON ({generated.rows:,} rows) "
        f"as {mb(length)} multipart zstd with Content-Length, in {seconds:.1f}s "
        f"(client's size pass {first_pass:.1f}s); worker RSS {mb(rss.baseline)} -> peak {mb(rss.peak)} "
        f"(+{mb(rss.growth)}); spooled to disk: {mb(spool.peak)}, removed afterwards"
    )
    assert rss.growth < RSS_GROWTH_BOUND, f"worker RSS grew by {mb(rss.growth)}"
