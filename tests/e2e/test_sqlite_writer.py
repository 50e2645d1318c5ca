"""SQLite has one writer: while another shop's long restore holds it, a restore answers a
clear 503 with Retry-After (never a 500), and its audit entry is written once the writer is free."""

import sqlite3
import time

import pytest

from .support import access_token, audit_rows, client, download, post_restore, wait_until

pytestmark = pytest.mark.e2e


def test_a_restore_while_another_holds_the_writer_is_a_503_and_still_audited(e2e, servers, files):
    if e2e.db.is_postgres:
        pytest.skip("PostgreSQL locks rows, not the database")
    server = servers("gunicorn", workers=2, env={**e2e.env, "SQLITE_TIMEOUT": "2"})
    token = access_token(server.url, e2e.tenants["c2"].owner)
    with client(server.url) as http:
        backup = download(http, token, files / "c2.ndjson.zst")
    assert backup.status == 200 and backup.error is None
    tables = [t for t in e2e.db.tables() if t != "taller_cache"]
    before = e2e.db.checksums(tables)
    audited_before = len(audit_rows(e2e.db, "c2", "restore"))

    # Another shop's long restore, as SQLite sees it: a transaction holding the write lock.
    writer = sqlite3.connect(e2e.db.path, isolation_level=None)
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
        assert len(audit_rows(e2e.db, "c2", "restore")) == audited_before  # cannot be written yet
    finally:
        writer.execute("COMMIT")
        writer.close()

    entries = wait_until(
        lambda: audit_rows(e2e.db, "c2", "restore")[audited_before:], timeout=60, what="the kept-back audit entry"
    )
    assert entries[0]["outcome"] == "failed" and entries[0]["error"]["code"] == "database_busy"
    after = e2e.db.checksums(tables)
    changed = {t for t in tables if before[t] != after[t]}
    assert changed <= {"personal_admin_bitacora"}, changed  # only the audit entry was added
    with client(server.url) as http:
        assert post_restore(http, token, backup.path, replace=True).status_code == 200
