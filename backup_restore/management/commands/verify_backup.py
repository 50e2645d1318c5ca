from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from streaming import BackupFormatError, verify

from backup_restore.conf import reader_limits


class Command(BaseCommand):
    requires_system_checks: list = []  # long transfers need no URL or model checks first; saves ~0.2 s
    help = "Check a backup file's integrity (framing, counts, digest) without touching the database."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            with open(file, "rb") as source:
                report = verify(source, limits=reader_limits())
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(reason)s.") % {"file": file, "reason": exc.strerror}) from None
        except BackupFormatError as exc:
            values = {"message": exc.message, "code": exc.code, "line": exc.line}
            if exc.line:
                raise CommandError(_("INVALID at line %(line)s: %(message)s [%(code)s]") % values) from exc
            raise CommandError(_("INVALID: %(message)s [%(code)s]") % values) from exc
        tenant = report.header.get("tenant", {})
        self.stdout.write(
            _(
                "OK %(file)s: %(compression)s/%(layout)s, tenant %(slug)s (%(uuid)s), created %(created)s, "
                "%(sections)s sections, %(rows)s rows, sha256 %(sha256)s"
            )
            % {
                "file": file,
                "compression": report.compression,
                "layout": report.layout,
                "slug": tenant.get("slug"),
                "uuid": tenant.get("uuid"),
                "created": report.header.get("created_at"),
                "sections": len(report.sections),
                "rows": report.rows,
                "sha256": report.sha256,
            }
        )
