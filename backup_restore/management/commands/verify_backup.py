from django.core.management.base import BaseCommand, CommandError

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
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        except BackupFormatError as exc:
            where = f" at line {exc.line}" if exc.line else ""
            raise CommandError(f"INVALID{where}: {exc.message} [{exc.code}]") from exc
        tenant = report.header.get("tenant", {})
        self.stdout.write(
            f"OK {file}: {report.compression}/{report.layout}, tenant {tenant.get('slug')} ({tenant.get('uuid')}), "
            f"created {report.header.get('created_at')}, {len(report.sections)} sections, {report.rows} rows, "
            f"sha256 {report.sha256}"
        )
