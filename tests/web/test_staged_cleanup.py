"""A dry run's staged upload that nobody used is removed by the scheduler's next pass after a
day; a fresh one is kept."""

import io
import os
import time

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(databases=["default", "jobs"])


def test_the_scheduler_removes_staged_uploads_left_over_a_day(backups_root):
    old = backups_root / "staged" / "shop-a" / "old.upload"
    fresh = backups_root / "staged" / "shop-b" / "fresh.upload"
    archive = backups_root / "shop-a" / "1-backup.ndjson.zst"
    for path in (old, fresh, archive):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    os.utime(archive, (two_days_ago, two_days_ago))

    out = io.StringIO()
    call_command("backup_schedules", stdout=out)

    assert not old.exists()
    assert fresh.exists() and archive.exists()  # only the page's staged folder is swept
    assert "removed 1 dry-run upload left over a day" in out.getvalue()
