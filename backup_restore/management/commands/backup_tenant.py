import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from streaming import BackupError, Container

from backup_restore.export import BackupStats, backup_filename, tenant_backup_stream
from backup_restore.jobs import services
from backup_restore.jobs.models import BackupJob
from backup_restore.tenancy import tenant_by_slug

from ._jobs import human_size, job_failure, run_job_here
from ._progress import progress_bar


class Command(BaseCommand):
    requires_system_checks: list = []  # long transfers need no URL or model checks first; saves ~0.2 s
    help = (
        "Write a tenant's backup to a file (or '-' for standard output), or with --store keep it "
        "as an archive in the backups storage, listed by list_backups and the API."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the tenant's slug")
        target = parser.add_mutually_exclusive_group()
        target.add_argument("-o", "--output", help="file to write, '-' for stdout (default: backup_<slug>_<stamp>.<ext>)")
        target.add_argument(
            "--store",
            action="store_true",
            help="run a backup job here and keep the verified archive in STORAGES['backups'] (ndjson.zst)",
        )
        parser.add_argument("--format", choices=[c.value for c in Container], help="default: ndjson.zst")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")

    def handle(self, *args, slug, output, store, format, no_progress, **options):
        tenant = tenant_by_slug(slug)
        if tenant is None:
            raise CommandError(_("No tenant with slug %(slug)s.") % {"slug": repr(slug)})
        if store:
            if format not in (None, Container.NDJSON_ZST):
                raise CommandError(_("Stored archives are always ndjson.zst; leave out --format with --store."))
            return self._store(tenant, enabled=False if no_progress else None)
        container = Container(format or Container.NDJSON_ZST)
        stats = BackupStats(container=container)
        chunks = tenant_backup_stream(tenant=tenant, container=container, stats=stats)
        with progress_bar(unit="row", desc=_("backup %(slug)s") % {"slug": slug}, enabled=False if no_progress else None) as bar:
            try:
                if output == "-":
                    self._write(chunks, sys.stdout.buffer, stats, bar)
                    sys.stdout.buffer.flush()
                    target = _("standard output")
                else:
                    target = Path(output or backup_filename(tenant, container))
                    self._write_file(chunks, target, stats, bar)
            except BackupError as error:
                raise CommandError(
                    _("No backup was made [%(code)s]: %(message)s") % {"code": error.code, "message": error.message}
                ) from error
        self.stderr.write(
            _("%(rows)s rows, %(bytes)s bytes -> %(target)s") % {"rows": stats.rows, "bytes": stats.bytes, "target": target}
        )

    def _store(self, tenant, *, enabled: bool | None) -> None:
        """A backup job (origin ``command``) run in this process: the same runner as a worker."""
        job, created = services.backup_job_start(tenant=tenant, user=None, origin=BackupJob.Origin.COMMAND)
        if not created:
            self.stderr.write(
                _("A backup of %(slug)s is already %(state)s (job %(job)s); following it.")
                % {"slug": tenant.slug, "state": job.state, "job": job.pk}
            )
        job = run_job_here(job, tenant=tenant, desc=_("backup %(slug)s") % {"slug": tenant.slug}, enabled=enabled, stderr=self.stderr)
        if job.state != BackupJob.State.SUCCEEDED:
            raise job_failure(job, _("No backup was stored"))
        self.stdout.write(
            _(
                "Stored backup %(job)s of %(slug)s: %(rows)s rows, %(sections)s sections, "
                "%(size)s (%(bytes)s bytes), sha256 %(sha256)s, file %(file)s"
            )
            % {
                "job": job.pk,
                "slug": tenant.slug,
                "rows": job.rows,
                "sections": job.sections,
                "size": human_size(job.size),
                "bytes": job.size,
                "sha256": job.sha256,
                "file": job.filename,
            }
        )

    def _write_file(self, chunks, target: Path, stats, bar) -> None:
        """Write next to the target and rename at the end: a failed backup leaves no half file."""
        partial = target.with_name(target.name + ".part")
        try:
            with partial.open("wb") as out:
                self._write(chunks, out, stats, bar)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    @staticmethod
    def _write(chunks, out, stats, bar) -> None:
        for chunk in chunks:
            out.write(chunk)
            bar.update(stats.rows - bar.n)
