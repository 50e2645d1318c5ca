"""A job whose worker process is gone is failed as lost as soon as anybody looks, and never
stands in the way of the shop's next job (starting one sweeps first)."""

import io
import socket
import subprocess
import sys

import pytest

from backup_restore.jobs import services
from backup_restore.jobs.models import BackupJob
from backup_restore.jobs.runner import job_run

from ..helpers import seeded

pytestmark = pytest.mark.django_db(databases=["default", "jobs"], transaction=True)


def _claimed_by_a_dead_worker(job: BackupJob) -> None:
    """The job as a worker of this machine left it when it was SIGKILLed: running, its pid gone."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    BackupJob.objects.filter(pk=job.pk).update(state="running", worker=f"{socket.gethostname()}:{child.pid}")


def test_a_lost_backup_does_not_block_the_next_backup(backups_root):
    tenant = seeded("alfa", rows=100)
    lost, _ = services.backup_job_start(tenant=tenant, user=tenant.owner)
    _claimed_by_a_dead_worker(lost)

    job, created = services.backup_job_start(tenant=tenant, user=tenant.owner)
    assert created and job.pk != lost.pk and job.state == "queued"
    lost.refresh_from_db()
    assert lost.state == "failed" and lost.error["code"] == "worker_lost"


def test_a_lost_restore_does_not_block_the_next_restore(backups_root):
    tenant = seeded("alfa", rows=100)
    archive, _ = services.backup_job_start(tenant=tenant, user=tenant.owner)
    assert job_run(job_id=archive.pk).state == "succeeded"
    lost = services.restore_job_start(tenant=tenant, user=tenant.owner, archive_id=archive.pk)
    _claimed_by_a_dead_worker(lost)

    upload = io.BytesIO((backups_root / BackupJob.objects.get(pk=archive.pk).file).read_bytes())
    job = services.restore_job_start(tenant=tenant, user=tenant.owner, upload=upload, replace=True)
    assert job.pk != lost.pk and job.state == "queued"
    lost.refresh_from_db()
    assert lost.state == "failed" and lost.error["code"] == "worker_lost"
