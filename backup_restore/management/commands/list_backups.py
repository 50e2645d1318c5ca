from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from backup_restore.jobs import services
from backup_restore.jobs.models import BackupJob
from backup_restore.tenancy import tenant_by_slug

from ._jobs import human_size

COLUMNS = ("id", "created", "by", "state", "rows", "size", "sha256")


class Command(BaseCommand):
    requires_system_checks: list = []
    help = "List a tenant's stored backups (archives and backup jobs), newest first."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the tenant's slug")
        parser.add_argument("--limit", type=int, default=50, help="at most this many, newest first (default 50; 0: all)")

    def handle(self, *args, slug, limit, **options):
        tenant = tenant_by_slug(slug)
        if tenant is None:
            raise CommandError(_("No tenant with slug %(slug)s.") % {"slug": repr(slug)})
        jobs = services.job_list(tenant=tenant, kind=BackupJob.Kind.BACKUP)
        if limit > 0:
            jobs = jobs[:limit]
        rows = [_row(job) for job in jobs]
        if not rows:
            self.stdout.write(_("No backups of %(slug)s yet.") % {"slug": slug})
            return
        self.stdout.write(_table(rows))


def _row(job: BackupJob) -> tuple[str, ...]:
    created = timezone.localtime(job.created_at).strftime("%Y-%m-%d %H:%M")
    by = job.created_by or job.origin
    if job.created_by and job.origin != BackupJob.Origin.API:
        by += f" ({job.origin})"
    rows = str(job.rows if job.rows is not None else job.rows_done)
    state = job.state
    if job.state in BackupJob.ACTIVE and job.progress is not None:
        state += f" {job.progress}%"  # a job running now: how far it got
    return (str(job.pk), created, by, state, rows, human_size(job.size), job.sha256[:12] or "-")


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    numeric = {0, 4, 5}

    def line(cells) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(COLUMNS), line("-" * w for w in widths), *(line(r) for r in rows)])
