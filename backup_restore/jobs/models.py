"""A job (backup or restore) and what it leaves: for a backup, the stored archive.

These rows live in the ``jobs`` database (``router.py``), which may be another file than the
shop's data: so they name the shop and the user by id, without foreign keys into the ERP.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class BackupJob(models.Model):
    class Kind(models.TextChoices):
        BACKUP = "backup"
        RESTORE = "restore"

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        CANCEL_REQUESTED = "cancel_requested"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Phase(models.TextChoices):
        CHECKING = "checking"  # a restore's first pass: the whole file read, nothing written
        RESTORING = "restoring"  # a restore's second pass: rows written, inside the transaction
        WRITING = "writing"  # a backup streamed into storage
        VERIFYING = "verifying"  # the stored archive read back: digest and counts

    class Origin(models.TextChoices):
        API = "api"
        SCHEDULE = "schedule"
        COMMAND = "command"

    ACTIVE = (State.QUEUED, State.RUNNING, State.CANCEL_REQUESTED)
    FINISHED = (State.SUCCEEDED, State.FAILED, State.CANCELLED)

    tenant_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(max_length=10, choices=Phase.choices, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.API)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.CharField(max_length=150, blank=True)  # the username, kept if the user goes
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # the runner's last sign of life
    worker = models.CharField(max_length=200, blank=True)  # "host:pid" of the process running it
    task_id = models.CharField(max_length=64, blank=True)
    rows_done = models.BigIntegerField(default=0)
    rows_total = models.BigIntegerField(null=True, blank=True)
    bytes_done = models.BigIntegerField(default=0)
    error = models.JSONField(null=True, blank=True)  # {code, message, line, section, field}
    summary = models.JSONField(null=True, blank=True)  # a restore's answer, as POST /api/restore/ gives it
    # The language of the one who started it: the worker writes the summary's warnings in it.
    language = models.CharField(max_length=10, blank=True)

    # The archive of a backup job (kept once it succeeded).
    file = models.CharField(max_length=500, blank=True)  # its name in STORAGES["backups"]
    filename = models.CharField(max_length=255, blank=True)  # the name a download gets
    container = models.CharField(max_length=20, default="ndjson.zst")
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)  # of the file's bytes
    rows = models.BigIntegerField(null=True, blank=True)
    sections = models.IntegerField(null=True, blank=True)
    format_version = models.IntegerField(null=True, blank=True)

    # A restore job: from an archive or from an upload kept in storage until the job ends.
    source = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="restores")
    upload = models.CharField(max_length=500, blank=True)
    replace = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant_id", "kind", "state"], name="backup_job_tenant_kind_state")]
        constraints = [
            # One active job of each kind per shop, whoever races: a double-click gets the job
            # already running, a second restore is refused (services.py).
            models.UniqueConstraint(
                fields=["tenant_id", "kind"],
                condition=models.Q(state__in=["queued", "running", "cancel_requested"]),
                name="one_active_job_per_shop_and_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} of shop {self.tenant_id} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED

    @property
    def progress(self) -> int | None:
        """Percent done, when the total is known."""
        if self.state == self.State.SUCCEEDED:
            return 100
        if not self.rows_total:
            return None
        return min(99, self.rows_done * 100 // self.rows_total)


class BackupSchedule(models.Model):
    """A shop's scheduled backups and what is kept of them (see ``schedules.py``)."""

    tenant_id = models.BigIntegerField(unique=True)
    enabled = models.BooleanField(default=False)
    hour = models.PositiveSmallIntegerField(default=3)  # shop-local hour of the daily backup
    timezone = models.CharField(max_length=64, default="America/La_Paz")
    keep_daily = models.PositiveSmallIntegerField(default=7)
    keep_weekly = models.PositiveSmallIntegerField(default=4)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"schedule of shop {self.tenant_id}"
