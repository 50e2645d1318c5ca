from itertools import zip_longest

from django.core.management.base import BaseCommand, CommandError

from backup_restore.compare import canonical_rows


class Command(BaseCommand):
    help = "Compare two backups by content, ignoring database ids; exit status 1 when they differ."

    def add_arguments(self, parser):
        parser.add_argument("first")
        parser.add_argument("second")
        parser.add_argument("--ignore", action="append", default=[], help="a model label to leave out (repeatable)")

    def handle(self, *args, first, second, ignore, **options):
        with open(first, "rb") as a, open(second, "rb") as b:
            rows_a = (r for r in canonical_rows(a) if r[0] not in ignore)
            rows_b = (r for r in canonical_rows(b) if r[0] not in ignore)
            for number, (row_a, row_b) in enumerate(zip_longest(rows_a, rows_b), start=1):
                if row_a != row_b:
                    raise CommandError(f"backups differ at row {number}:\n  {row_a}\n  {row_b}", returncode=1)
        self.stdout.write("same content")
