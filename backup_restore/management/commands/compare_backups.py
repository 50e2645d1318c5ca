from itertools import zip_longest

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from backup_restore.compare import canonical_rows


class Command(BaseCommand):
    requires_system_checks: list = []  # long transfers need no URL or model checks first; saves ~0.2 s
    help = "Compare two backups by content, ignoring database ids; exit status 1 when they differ."

    def add_arguments(self, parser):
        parser.add_argument("first")
        parser.add_argument("second")
        parser.add_argument("--ignore", action="append", default=[], help="a model label to leave out (repeatable)")
        parser.add_argument(
            "--across-tenants",
            action="store_true",
            help="leave out user links and file names, which do not carry over to another tenant",
        )

    def handle(self, *args, first, second, ignore, across_tenants, **options):
        blank = frozenset({"user", "file"} if across_tenants else ())
        with open(first, "rb") as a, open(second, "rb") as b:
            rows_a = (r for r in canonical_rows(a, blank=blank) if r[0] not in ignore)
            rows_b = (r for r in canonical_rows(b, blank=blank) if r[0] not in ignore)
            for number, (row_a, row_b) in enumerate(zip_longest(rows_a, rows_b), start=1):
                if row_a != row_b:
                    message = _("backups differ at row %(number)s:") % {"number": number}
                    raise CommandError(f"{message}\n  {row_a}\n  {row_b}", returncode=1)
        self.stdout.write(_("same content"))
