"""The job commands: ``backup_tenant SLUG --store``, ``list_backups SLUG``,
``restore_tenant SLUG --archive ID``, run in this process through the worker's runner."""

from io import StringIO

import orjson
import pytest
from django.core.management import CommandError, call_command

from backup_restore.jobs import services
from backup_restore.jobs.models import BackupJob
from backup_restore.jobs.storage import archive_exists
from erp.personal_admin.models import Bitacora
from streaming import verify

from ..helpers import audit_entries, database_checksum, seeded

pytestmark = pytest.mark.django_db(databases=["default", "jobs"], transaction=True)


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_store_list_and_restore_an_archive_from_the_command_line(backups_root):
    tenant = seeded("alfa", rows=200)
    out, _ = run("backup_tenant", "alfa", "--store", "--no-progress")
    job = BackupJob.objects.get()
    assert (job.origin, job.state, job.created_by) == ("command", "succeeded", "")
    assert out.startswith(f"Stored backup {job.pk} of alfa: {job.rows} rows, {job.sections} sections")
    assert f"({job.size} bytes), sha256 {job.sha256}, file {job.filename}" in out
    with open(backups_root / job.file, "rb") as stored:
        assert verify(stored).rows == job.rows

    listing, _ = run("list_backups", "alfa")
    header, rule, row = listing.splitlines()
    assert header.split() == ["id", "created", "by", "state", "rows", "size", "sha256"]
    assert set(rule.replace(" ", "")) == {"-"}
    cells = row.split()
    assert cells[0] == str(job.pk) and cells[3:6] == ["command", "succeeded", str(job.rows)]
    assert cells[-1] == job.sha256[:12]

    before = database_checksum()
    out, _ = run("restore_tenant", "alfa", "--archive", str(job.pk), "--dry-run", "--no-progress")
    summary = orjson.loads(out)
    assert summary["ok"] is True and summary["dry_run"] is True and summary["rows"] == job.rows
    restore = BackupJob.objects.get(kind="restore")
    assert (restore.source_id, restore.origin, restore.state, restore.summary) == (job.pk, "command", "succeeded", summary)
    audit_entries(tenant, "restore").delete()
    assert database_checksum() == before

    out, _ = run("restore_tenant", "alfa", "--archive", str(job.pk), "--replace", "--no-progress")
    assert orjson.loads(out)["mode"] == "replace"


def test_a_backup_already_running_is_followed_not_doubled(backups_root):
    alfa = seeded("alfa", rows=60)
    queued, _ = services.backup_job_start(tenant=alfa, user=None)  # e.g. from the API, no worker yet
    out, err = run("backup_tenant", "alfa", "--store", "--no-progress")
    assert f"already queued (job {queued.pk}); following it" in err
    assert out.startswith(f"Stored backup {queued.pk} of alfa") and BackupJob.objects.count() == 1


def test_list_backups_shows_every_state_and_who(backups_root):
    tenant = seeded("alfa", rows=40)
    run("backup_tenant", "alfa", "--store", "--no-progress")
    services.backup_job_start(tenant=tenant, user=tenant.owner)  # queued, by the owner
    listing, _ = run("list_backups", "alfa")
    rows = [line.split() for line in listing.splitlines()[2:]]
    assert [(r[3], r[4]) for r in rows] == [(tenant.owner.username, "queued"), ("command", "succeeded")]
    assert rows[0][-2:] == ["-", "-"]  # no size, no digest yet
    seeded("beta", rows=10)
    assert run("list_backups", "beta")[0] == "No backups of beta yet.\n"


def test_the_commands_say_clearly_what_is_wrong(backups_root):
    tenant = seeded("alfa", rows=40)
    seeded("beta", rows=10)
    run("backup_tenant", "beta", "--store", "--no-progress")
    betas = BackupJob.objects.get()
    queued, _ = services.backup_job_start(tenant=tenant, user=None)
    Bitacora.objects.filter(modulo="backup_restore").delete()  # refusals are audited: compared apart
    before = database_checksum()
    cases = [
        (("backup_tenant", "nope", "--store"), "No tenant with slug 'nope'."),
        (("backup_tenant", "alfa", "--store", "--format", "json"), "Stored archives are always ndjson.zst"),
        (("list_backups", "nope"), "No tenant with slug 'nope'."),
        (("restore_tenant", "nope", "--archive", "1"), "No tenant with slug 'nope'."),
        (("restore_tenant", "alfa", "--archive", "9999"), "There is no stored backup 9999 (list_backups alfa lists them)."),
        (("restore_tenant", "alfa", "--archive", str(betas.pk)), f"Backup {betas.pk} belongs to shop 'beta', not to 'alfa'"),
        (("restore_tenant", "alfa", "--archive", str(queued.pk)), "This backup is not ready"),
        (("restore_tenant", "alfa"), "Give either a backup FILE or --archive ID"),
        (("restore_tenant", "alfa", "x.ndjson", "--archive", str(betas.pk)), "Give either a backup FILE or --archive ID"),
        (("restore_tenant", "alfa", "--archive", str(betas.pk), "--allow-other-tenant"), "--allow-other-tenant is for backup files"),
    ]
    for args, message in cases:
        with pytest.raises(CommandError) as caught:
            run(*args, "--no-progress") if args[0] != "list_backups" else run(*args)
        assert message in str(caught.value), (args, str(caught.value))
    Bitacora.objects.filter(modulo="backup_restore").delete()
    assert database_checksum() == before
    assert BackupJob.objects.count() == 2 and archive_exists(betas.file)  # no job was added


def test_a_failed_restore_job_exits_with_its_error_and_changes_nothing(backups_root):
    tenant = seeded("alfa", rows=40)
    run("backup_tenant", "alfa", "--store", "--no-progress")
    archive = BackupJob.objects.get()
    (backups_root / archive.file).write_bytes(b"not the archive any more")
    before = database_checksum()
    with pytest.raises(CommandError) as caught:
        run("restore_tenant", "alfa", "--archive", str(archive.pk), "--no-progress")
    assert "was not restored; nothing was changed" in str(caught.value) and "[archive_corrupt]" in str(caught.value)
    assert BackupJob.objects.get(kind="restore").state == "failed"
    audit_entries(tenant, "restore").delete()
    assert database_checksum() == before


def test_the_progress_bar_follows_the_job_on_a_terminal(backups_root, capsys, monkeypatch):
    """With a terminal on stderr the bar is drawn from the job's row: its phases and counts."""
    seeded("alfa", rows=100)
    from backup_restore.management.commands import _progress

    monkeypatch.setattr(_progress.sys.stderr, "isatty", lambda: True, raising=False)
    call_command("backup_tenant", "alfa", "--store")
    drawn = capsys.readouterr().err
    job = BackupJob.objects.get()
    assert "backup" in drawn and "row" in drawn and job.state == "succeeded"
