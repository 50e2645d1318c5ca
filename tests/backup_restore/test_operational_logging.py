"""Operational logging: one structured ``backup_restore`` log line per backup and restore
(tenant, user, rows, bytes, duration, outcome), in addition to the audit log.

These run in-process with pytest-django's database (they are not e2e tests); the e2e suite
checks the same lines in the real servers' logs (``test_concurrency``).
"""

import logging

import orjson
import pytest

from tests.backup_restore.helpers import backup_bytes, download, post_restore
from tests.conftest import client_for


def structured(caplog, action: str) -> list[dict]:
    """The JSON details of the ``backup_restore`` INFO records of ``action``, with tenant and user."""
    found = []
    for record in caplog.records:
        if record.name != "backup_restore" or record.levelno != logging.INFO:
            continue
        message = record.getMessage()
        if not message.startswith(f"{action} tenant="):
            continue
        head, _, details = message.partition(" {")
        fields = dict(part.split("=", 1) for part in head.split()[1:])
        found.append({**fields, **orjson.loads("{" + details)})
    return found


@pytest.fixture
def owner(tenant):
    return client_for(f"{tenant.slug}_owner")


@pytest.mark.django_db
def test_backup_logs_tenant_user_rows_bytes_duration_outcome(tenant, owner, caplog):
    caplog.set_level(logging.INFO, logger="backup_restore")
    data = download(owner, "ndjson")
    (line,) = structured(caplog, "backup")
    assert line["tenant"] == tenant.slug and line["user"] == f"{tenant.slug}_owner"
    assert line["outcome"] == "ok" and line["format"] == "ndjson"
    assert line["bytes"] == len(data) and line["rows"] >= 1 and line["seconds"] >= 0


@pytest.mark.django_db
def test_restore_logs_tenant_user_rows_duration_outcome(tenant, owner, caplog):
    data = backup_bytes(tenant)
    caplog.set_level(logging.INFO, logger="backup_restore")
    response = post_restore(owner, data, replace="true")
    assert response.status_code == 200
    (line,) = structured(caplog, "restore")
    assert line["tenant"] == tenant.slug and line["user"] == f"{tenant.slug}_owner"
    assert line["outcome"] == "ok" and line["mode"] == "replace"
    assert line["rows"] == response.json()["rows"] and line["seconds"] >= 0

    caplog.clear()
    assert post_restore(owner, data[: len(data) // 2]).status_code == 400
    (failed,) = structured(caplog, "restore")
    assert failed["outcome"] == "failed" and failed["error"]["code"] in {"truncated", "invalid_json"}


@pytest.mark.django_db
def test_restore_log_line_has_the_upload_size(tenant, owner, caplog):
    data = backup_bytes(tenant)
    caplog.set_level(logging.INFO, logger="backup_restore")
    assert post_restore(owner, data, dry_run="true").status_code == 200
    (line,) = structured(caplog, "restore")
    assert line["bytes"] == len(data)
