"""A running job's progress and heartbeat, written outside the work's own transaction.

Every write goes through the ``jobs`` alias, a connection of its own (``router.py``), so it
commits at once and is readable while a restore's transaction is still open. The same call
reads back whether somebody asked to cancel: the work then raises ``Cancelled``, which rolls
a restore back.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

from django.utils import timezone

from ..errors import Cancelled
from .models import BackupJob
from .router import progress_db

WRITE_EVERY = 0.5  # seconds: at most two progress writes a second, whatever the row rate

Observer = Callable[[str, int, "int | None"], None]  # (phase, rows, total): every report, unthrottled


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobProgress:
    """``progress(phase, rows, total=None)``: the callback the services take."""

    def __init__(self, job: BackupJob, observer: Observer | None = None) -> None:
        self.job_id = job.pk
        self.phase = ""
        self._last = 0.0
        self._observer = observer

    def __call__(self, phase: str, rows: int, total: int | None = None) -> None:
        if self._observer is not None:
            self._observer(phase, rows, total)
        now = time.monotonic()
        if phase == self.phase and total is None and now - self._last < WRITE_EVERY:
            return
        self.phase, self._last = phase, now
        fields = {"phase": phase, "rows_done": rows, "heartbeat_at": timezone.now()}
        if total is not None:
            fields["rows_total"] = total
        self.save(**fields)

    def save(self, **fields) -> None:
        """Write ``fields`` to the job; raise ``Cancelled`` if a cancel was asked for."""
        jobs = BackupJob.objects.using(progress_db()).filter(pk=self.job_id)
        jobs.update(**fields)
        state = jobs.values_list("state", flat=True).first()
        if state in (BackupJob.State.CANCEL_REQUESTED, BackupJob.State.CANCELLED, None):
            raise Cancelled()
