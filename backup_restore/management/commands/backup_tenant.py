import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from streaming import BackupError, Container

from backup_restore.export import BackupStats, backup_filename, tenant_backup_stream
from backup_restore.tenancy import tenant_by_slug

from ._progress import progress_bar


class Command(BaseCommand):
    requires_system_checks: list = []  # long transfers need no URL or model checks first; saves ~0.2 s
    help = "Write a tenant's backup to a file (or '-' for standard output)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the tenant's slug")
        parser.add_argument("-o", "--output", help="file to write, '-' for stdout (default: backup_<slug>_<stamp>.<ext>)")
        parser.add_argument("--format", default=Container.NDJSON_ZST, choices=[c.value for c in Container])
        parser.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")

    def handle(self, *args, slug, output, format, no_progress, **options):
        tenant = tenant_by_slug(slug)
        if tenant is None:
            raise CommandError(_("No tenant with slug %(slug)s.") % {"slug": repr(slug)})
        container = Container(format)
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
