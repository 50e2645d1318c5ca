import orjson
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from backup_restore.errors import BackupError, JobNotFound
from backup_restore.jobs import services
from backup_restore.jobs.models import BackupJob
from backup_restore.restore import tenant_restore
from backup_restore.tenancy import tenant_by_pk, tenant_by_slug

from ._jobs import job_failure, run_job_here
from ._progress import PhaseBar, progress_bar


class Command(BaseCommand):
    requires_system_checks: list = []  # long transfers need no URL or model checks first; saves ~0.2 s
    help = (
        "Restore a backup file, or with --archive ID a stored archive of the tenant, into the tenant "
        "(all or nothing) and print the JSON summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the tenant to restore into")
        parser.add_argument(
            "file", nargs="?", help="the backup file (.ndjson.zst, .ndjson, .json, optionally gzipped); not with --archive"
        )
        parser.add_argument(
            "--archive", type=int, metavar="ID", help="restore the tenant's stored archive ID (see list_backups) as a job"
        )
        parser.add_argument("--replace", action="store_true", help="delete the tenant's data first (audit log kept)")
        parser.add_argument("--dry-run", action="store_true", help="do everything, then roll back")
        parser.add_argument(
            "--allow-other-tenant",
            action="store_true",
            help="platform operators only: accept a backup file taken from another tenant (e.g. a migration)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")

    def handle(self, *args, slug, file, archive, replace, dry_run, allow_other_tenant, no_progress, **options):
        tenant = tenant_by_slug(slug)
        if tenant is None:
            raise CommandError(_("No tenant with slug %(slug)s.") % {"slug": repr(slug)})
        if (file is None) == (archive is None):
            raise CommandError(_("Give either a backup FILE or --archive ID (see list_backups), not both and not neither."))
        enabled = False if no_progress else None
        if archive is not None:
            if allow_other_tenant:
                raise CommandError(_("--allow-other-tenant is for backup files; a stored archive is the tenant's own."))
            summary = self._from_archive(tenant, archive, replace=replace, dry_run=dry_run, enabled=enabled)
        else:
            summary = self._from_file(
                tenant, file, replace=replace, dry_run=dry_run, allow_other_tenant=allow_other_tenant, enabled=enabled
            )
        self.stdout.write(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())

    def _from_file(self, tenant, file, *, replace, dry_run, allow_other_tenant, enabled) -> dict:
        try:
            source = open(file, "rb")
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(reason)s.") % {"file": file, "reason": exc.strerror}) from None
        with source, progress_bar(unit="row", desc=_("restore %(slug)s") % {"slug": tenant.slug}, enabled=enabled) as bar:
            try:
                summary = tenant_restore(
                    tenant=tenant,
                    fileobj=source,
                    replace=replace,
                    dry_run=dry_run,
                    allow_other_tenant=allow_other_tenant,
                    progress=PhaseBar(bar),
                )
            except BackupError as exc:
                raise CommandError(_failure(exc)) from exc
        return summary.to_dict()

    def _from_archive(self, tenant, archive_id: int, *, replace, dry_run, enabled) -> dict:
        """A restore job (origin ``command``) from the stored archive, run here by the worker's runner."""
        try:
            job = services.restore_job_start(
                tenant=tenant,
                user=None,
                archive_id=archive_id,
                replace=replace,
                dry_run=dry_run,
                origin=BackupJob.Origin.COMMAND,
            )
        except JobNotFound:
            raise CommandError(_not_found(tenant, archive_id)) from None
        except BackupError as exc:
            raise CommandError(_failure(exc)) from exc
        job = run_job_here(job, tenant=tenant, desc=_("restore %(slug)s") % {"slug": tenant.slug}, enabled=enabled, stderr=self.stderr)
        if job.state != BackupJob.State.SUCCEEDED:
            raise job_failure(job, _("Archive %(archive)s was not restored; nothing was changed") % {"archive": archive_id})
        return job.summary


def _not_found(tenant, archive_id: int) -> str:
    """Operators may know every shop: say whose archive it is (the API says "not found" only)."""
    owner_id = BackupJob.objects.filter(pk=archive_id, kind=BackupJob.Kind.BACKUP).values_list("tenant_id", flat=True).first()
    if owner_id is None:
        return _("There is no stored backup %(archive)s (list_backups %(slug)s lists them).") % {
            "archive": archive_id,
            "slug": tenant.slug,
        }
    owner = tenant_by_pk(owner_id)
    whose = _("shop %(slug)s") % {"slug": repr(owner.slug)} if owner is not None else _("a shop that no longer exists")
    return _(
        "Backup %(archive)s belongs to %(whose)s, not to %(slug)s: a shop is restored only from its own "
        "archives (download it and use FILE --allow-other-tenant to move data between shops)."
    ) % {"archive": archive_id, "whose": whose, "slug": repr(tenant.slug)}


def _failure(exc: BackupError) -> str:
    values = {"message": exc.message, "code": exc.code, "line": exc.line}
    if exc.line:
        return _("%(message)s [%(code)s] (line %(line)s)") % values
    return _("%(message)s [%(code)s]") % values

