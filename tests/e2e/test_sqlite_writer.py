"""SQLite has one writer: while another shop's long restore holds it, a restore answers a
clear 503 with Retry-After (never a 500), and its audit entry is written once the writer is free."""

import sqlite3
import time

import pytest

from .support import Server, access_token, audit_rows, client, download, post_restore, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(demo):
    """A gunicorn over the demo database that waits 2 s for SQLite's writer (default 20)."""
    started = Server("gunicorn", {**demo.env, "SQLITE_TIMEOUT": "2"}, demo.root / "logs" / "busy.log", workers=2)
    yield started.start()
    started.stop()


def test_a_restore_while_another_holds_the_writer_is_a_503_and_still_audited(demo, server, tmp_path):
    if demo.db.is_postgres:
        pytest.skip("PostgreSQL locks rows, not the database")
    db = demo.db
    token = access_token(server.url, "demo_owner", "demo1234")
    with client(server.url) as http:
        backup = download(http, token, tmp_path / "demo.ndjson.zst")
    assert backup.status == 200 and backup.error is None
    tables = [t for t in db.tables() if t != "taller_cache"]
    before = db.checksums(tables)
    audited_before = len(audit_rows(db, "demo", "restore"))

    # Another shop's long restore, as SQLite sees it: a transaction holding the write lock.
    writer = sqlite3.connect(db.path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with client(server.url) as http:
            busy = post_restore(http, token, backup.path, replace=True)
        waited = time.monotonic() - started
        assert busy.status_code == 503, busy.text
        error = busy.json()["error"]
        assert error["code"] == "database_busy" and "one write" in error["message"]
        assert int(busy.headers["Retry-After"]) > 0
        assert waited < 15, waited  # the 2 s busy timeout, not a hang
        assert len(audit_rows(db, "demo", "restore")) == audited_before  # cannot be written yet
    finally:
        writer.execute("COMMIT")
        writer.close()

    entries = wait_until(
        lambda: audit_rows(db, "demo", "restore")[audited_before:], timeout=60, what="the kept-back audit entry"
    )
    assert entries[0]["outcome"] == "failed" and entries[0]["error"]["code"] == "database_busy"
    after = db.checksums(tables)
    changed = {t for t in tables if before[t] != after[t]}
    assert changed <= {"personal_admin_bitacora"}, changed  # only the audit entry was added
    with client(server.url) as http:
        assert post_restore(http, token, backup.path, replace=True).status_code == 200
