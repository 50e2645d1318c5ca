import orjson
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backup_restore.errors import BackupError
from backup_restore.restore import tenant_restore
from backup_restore.tenancy import tenant_by_slug

from ._progress import progress_bar


class Command(BaseCommand):
    requires_system_checks: list = []  # long transfers need no URL or model checks first; saves ~0.2 s
    help = "Restore a backup file into a tenant (all or nothing) and print the JSON summary."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the tenant to restore into")
        parser.add_argument("file", help="the backup file (.ndjson.zst, .ndjson, .json, optionally gzipped)")
        parser.add_argument("--replace", action="store_true", help="delete the tenant's data first (audit log kept)")
        parser.add_argument("--dry-run", action="store_true", help="do everything, then roll back")
        parser.add_argument(
            "--allow-other-tenant",
            action="store_true",
            help="platform operators only: accept a backup taken from another tenant (e.g. a migration)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")

    def handle(self, *args, slug, file, replace, dry_run, allow_other_tenant, no_progress, **options):
        tenant = tenant_by_slug(slug)
        if tenant is None:
            raise CommandError(_("No tenant with slug %(slug)s.") % {"slug": repr(slug)})
        try:
            source = open(file, "rb")
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(reason)s.") % {"file": file, "reason": exc.strerror}) from None
        with source, progress_bar(unit="row", desc=_("restore %(slug)s") % {"slug": slug}, enabled=False if no_progress else None) as bar:
            try:
                summary = tenant_restore(
                    tenant=tenant,
                    fileobj=source,
                    replace=replace,
                    dry_run=dry_run,
                    allow_other_tenant=allow_other_tenant,
                    progress=_Progress(bar),
                )
            except BackupError as exc:
                raise CommandError(_failure(exc)) from exc
        self.stdout.write(orjson.dumps(summary.to_dict(), option=orjson.OPT_INDENT_2).decode())


def _failure(exc: BackupError) -> str:
    values = {"message": exc.message, "code": exc.code, "line": exc.line}
    if exc.line:
        return _("%(message)s [%(code)s] (line %(line)s)") % values
    return _("%(message)s [%(code)s]") % values


_PHASES = {"checking": gettext_lazy("checking"), "restoring": gettext_lazy("restoring")}


class _Progress:
    """Two passes on one bar: the check of the whole file, then the restore itself."""

    def __init__(self, bar) -> None:
        self.bar = bar
        self.phase = None

    def __call__(self, phase: str, rows: int, total: int | None = None) -> None:
        if phase != self.phase:
            self.phase = phase
            self.bar.set_description(str(_PHASES.get(phase, phase)))
            self.bar.reset(total=total)
        elif total is not None:
            self.bar.total = total
        self.bar.update(rows - self.bar.n)
