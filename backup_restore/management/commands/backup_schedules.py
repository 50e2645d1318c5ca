import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from backup_restore.conf import backup_settings
from backup_restore.jobs.schedules import schedules_enqueue_due, schedules_prune


class Command(BaseCommand):
    help = (
        "Queue the scheduled backups that are due and prune old scheduled archives, once (for cron "
        "or a systemd timer) or every SECONDS with --loop. The workers (db_worker) run the backups. "
        "Two schedulers at once are harmless: each due backup is queued once."
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
            raise CommandError("--loop takes a number of seconds above 0.")
        self.stdout.write(f"Checking backup schedules every {interval} s; Ctrl-C stops.")
        try:
            while True:
                close_old_connections()
                self._pass(quiet=True)
                close_old_connections()
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Scheduler stopped.")

    def _pass(self, *, quiet: bool) -> None:
        """One pass: what is due is queued, then each shop's retention is applied."""
        now = timezone.now()
        lines = []
        for run in schedules_enqueue_due(now=now):
            what = "queued" if run.created else f"already {run.job.state}, not queued again"
            lines.append(f"{run.tenant.slug}: scheduled backup job {run.job.pk} {what}")
        for slug, deleted in schedules_prune().items():
            lines.append(f"{slug}: pruned {len(deleted)} old scheduled archive(s): {', '.join(map(str, deleted))}")
        if not lines and not quiet:
            lines.append("nothing due, nothing to prune")
        for line in lines:
            self.stdout.write(f"{_stamp(now)} {line}")


def _stamp(now) -> str:
    return timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S")
