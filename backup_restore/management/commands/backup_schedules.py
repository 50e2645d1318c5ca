import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from backup_restore.conf import backup_settings
from backup_restore.jobs.schedules import schedules_enqueue_due, schedules_prune
from backup_restore.jobs.storage import stored_files_prune
from backup_restore.web.restores import STAGED_FOLDER


class Command(BaseCommand):
    help = (
        "Queue the scheduled backups that are due and prune old scheduled archives, once (for cron "
        "or a systemd timer) or every SECONDS with --loop. The workers (db_worker) run the backups. "
        "Two schedulers at once are harmless: each due backup is queued once. Dry-run uploads the "
        "owners' page staged and nobody used for a day are removed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop",
            type=int,
            nargs="?",
            const=-1,
            metavar="SECONDS",
            help="keep running, checking every SECONDS (default: SCHEDULER_INTERVAL_SECONDS, 60)",
        )

    def handle(self, *args, loop, **options):
        if loop is None:
            self._pass(quiet=False)
            return
        interval = backup_settings.SCHEDULER_INTERVAL_SECONDS if loop == -1 else loop
        if interval <= 0:
            raise CommandError(_("--loop takes a number of seconds above 0."))
        self.stdout.write(_("Checking backup schedules every %(seconds)s s; Ctrl-C stops.") % {"seconds": interval})
        try:
            while True:
                close_old_connections()
                self._pass(quiet=True)
                close_old_connections()
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write(_("Scheduler stopped."))

    def _pass(self, *, quiet: bool) -> None:
        """One pass: what is due is queued, then each shop's retention is applied."""
        now = timezone.now()
        lines = []
        for run in schedules_enqueue_due(now=now):
            values = {"slug": run.tenant.slug, "job": run.job.pk, "state": run.job.state}
            if run.created:
                lines.append(_("%(slug)s: scheduled backup job %(job)s queued") % values)
            else:
                lines.append(_("%(slug)s: scheduled backup job %(job)s already %(state)s, not queued again") % values)
        for slug, deleted in schedules_prune().items():
            lines.append(
                ngettext(
                    "%(slug)s: pruned %(count)s old scheduled archive: %(ids)s",
                    "%(slug)s: pruned %(count)s old scheduled archives: %(ids)s",
                    len(deleted),
                )
                % {"slug": slug, "count": len(deleted), "ids": ", ".join(map(str, deleted))}
            )
        staged = stored_files_prune(folder=STAGED_FOLDER, older_than=timedelta(days=1), now=now)
        if staged:
            lines.append(
                ngettext(
                    "removed %(count)s dry-run upload left over a day",
                    "removed %(count)s dry-run uploads left over a day",
                    len(staged),
                )
                % {"count": len(staged)}
            )
        if not lines and not quiet:
            lines.append(_("nothing due, nothing to prune"))
        for line in lines:
            self.stdout.write(f"{_stamp(now)} {line}")


def _stamp(now) -> str:
    return timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S")
