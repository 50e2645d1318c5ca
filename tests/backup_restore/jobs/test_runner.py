"""The runner in this process: a backup job stores a verified archive, a restore job restores
it, failures and cancels leave nothing behind."""

import pytest

from backup_restore.jobs import services
from backup_restore.jobs.models import BackupJob
from backup_restore.jobs.runner import job_run
from backup_restore.jobs.storage import archive_exists
from streaming import verify

from ..helpers import audit_entries, database_checksum, seeded

pytestmark = pytest.mark.django_db(databases=["default", "jobs"], transaction=True)


def test_backup_job_stores_a_verified_archive_and_a_restore_job_restores_it(backups_root):
    tenant = seeded("alfa", rows=300)
    owner = tenant.owner
    job, created = services.backup_job_start(tenant=tenant, user=owner)
    assert created and job.state == "queued"
    again, created_again = services.backup_job_start(tenant=tenant, user=owner)
    assert again.pk == job.pk and not created_again

    done = job_run(job_id=job.pk)
    assert done.state == "succeeded", done.error
    assert done.rows > 0 and done.rows == done.rows_done == done.rows_total
    assert archive_exists(done.file)
    with open(backups_root / done.file, "rb") as f:
        report = verify(f)
    assert report.rows == done.rows and len(report.sections) == done.sections

    audit_entries(tenant, "restore").delete()
    before = database_checksum()
    restore = services.restore_job_start(tenant=tenant, user=owner, archive_id=done.pk, dry_run=True)
    finished = job_run(job_id=restore.pk)
    assert finished.state == "succeeded", finished.error
    assert finished.summary["ok"] is True and finished.summary["dry_run"] is True
    assert finished.rows_total == done.rows
    assert [e.descripcion for e in audit_entries(tenant, "restore")][-1].count('"outcome":"dry_run"') == 1
    audit_entries(tenant, "restore").delete()
    assert database_checksum() == before
