"""Scheduled backups per shop, and what is kept of them.

A shop's schedule (``BackupSchedule``) says: back up daily at ``hour`` o'clock in the shop's
``timezone``, keep the newest archive of each of the last ``keep_daily`` days and of each of the
last ``keep_weekly`` ISO weeks that have one. The scheduler (``manage.py backup_schedules``, from
cron, a systemd timer or ``--loop``) calls ``schedules_enqueue_due`` and ``schedules_prune``; a
worker prunes again as soon as a scheduled backup succeeds (``tasks.run_job``).

- **Due**: ``next_run_at <= now``. The next run is computed in the shop's zone with ``zoneinfo``
  (``next_run``), so it stays at the shop's hour across daylight-saving changes. A scheduler
  that was down for days makes one backup when it comes back, not one per missed day.
- **Two schedulers at once** (two cron hosts, a timer plus ``make run``) are harmless: each
  moves ``next_run_at`` forward with a compare-and-set on the value it read, and only the one
  whose update matched enqueues (``schedule_claim``). A backup of the shop already queued or
  running is reused, not doubled (``services.backup_job_start``).
- **Retention** touches only archives the schedule made (``origin=schedule``). An archive made
  by a person (the API, ``backup_tenant --store``) was asked for on purpose: before a risky
  change, for an accountant, to move a shop. A policy set for the daily backups must not
  silently delete it; it goes when someone deletes it (``DELETE /api/backups/{id}/``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from streaming.errors import shorten

from ..audit import audit_record
from ..conf import backup_settings
from ..errors import InvalidSchedule, JobActive, JobNotFound
from ..tenancy import tenant_by_pk
from . import services
from .models import BackupJob, BackupSchedule
from .router import jobs_db

logger = logging.getLogger("backup_restore")

FIELDS = ("enabled", "hour", "timezone", "keep_daily", "keep_weekly")
READ_ONLY = ("next_run_at",)  # sent back by clients that PUT what they GOT; ignored
RANGES = {"hour": (0, 23), "keep_daily": (0, 366), "keep_weekly": (0, 520)}


@dataclass(frozen=True)
class ScheduledBackup:
    """A backup the scheduler asked for: the job it queued, or the active one it found (``created`` False)."""

    tenant: Any
    job: BackupJob
    created: bool


# -- reading and changing a schedule ------------------------------------------------------------


def schedule_get(*, tenant) -> BackupSchedule:
    """The shop's schedule; an unsaved one with the defaults of ``conf.py`` if it has none yet."""
    schedule = BackupSchedule.objects.filter(tenant_id=tenant.pk).first()
    return schedule if schedule is not None else _default_schedule(tenant)


def schedule_update(
    *,
    tenant,
    user,
    changes: Mapping[str, Any] | None = None,
    require_all: bool = False,
    ip: str | None = None,
    now: datetime | None = None,
    **fields: Any,
) -> BackupSchedule:
    """Change the shop's schedule and compute its next run: ``schedule_update(tenant=, user=,
    hour=4)`` from code, or ``changes=<a request body>`` (any of ``FIELDS``; all of them with
    ``require_all``, as a PUT does). A bad value raises ``InvalidSchedule`` naming the field,
    and nothing changes. Both outcomes are audited.

    A request body goes in as ``changes``, never as keyword arguments, so that a key such as
    ``"user"`` or ``"now"`` is refused as an unknown setting, not bound to a parameter.
    """
    schedule = schedule_get(tenant=tenant)
    try:
        if changes is not None and not isinstance(changes, Mapping):
            raise InvalidSchedule(_("Send the schedule as a JSON object with: %(fields)s."), params={"fields": _fields_text()})
        values = _validated(schedule, {**(changes or {}), **fields}, require_all=require_all)
    except InvalidSchedule as exc:
        _audit(tenant, user, ip, "refused", code=exc.code, field=exc.field)
        raise
    for name, value in values.items():
        setattr(schedule, name, value)
    schedule.next_run_at = _first_run(schedule, now or timezone.now())
    schedule, _created = BackupSchedule.objects.update_or_create(
        tenant_id=tenant.pk, defaults={name: getattr(schedule, name) for name in (*FIELDS, "next_run_at")}
    )
    _audit(tenant, user, ip, "updated", changes=values, next_run_at=schedule.next_run_at)
    return schedule


def _default_schedule(tenant) -> BackupSchedule:
    return BackupSchedule(
        tenant_id=tenant.pk,
        enabled=False,
        hour=backup_settings.SCHEDULE_HOUR,
        timezone=backup_settings.SCHEDULE_TIMEZONE or settings.TIME_ZONE,
        keep_daily=backup_settings.SCHEDULE_KEEP_DAILY,
        keep_weekly=backup_settings.SCHEDULE_KEEP_WEEKLY,
        next_run_at=None,
    )


def _first_run(schedule: BackupSchedule, now: datetime) -> datetime | None:
    return next_run(now, hour=schedule.hour, zone=schedule.timezone) if schedule.enabled else None


def _validated(current: BackupSchedule, changes: Mapping[str, Any], *, require_all: bool) -> dict[str, Any]:
    """The changes to apply, each checked, and the schedule they make checked as a whole."""
    unknown = [name for name in changes if name not in FIELDS and name not in READ_ONLY]
    if unknown:
        name = str(unknown[0])[:60]
        raise InvalidSchedule(f"{shorten(name, 40)} is not a schedule setting; they are: {_fields_text()}.", field=name)
    missing = [name for name in FIELDS if name not in changes] if require_all else []
    if missing:
        raise InvalidSchedule(
            _("%(name)s is missing: a PUT sends every setting (%(fields)s)."),
            params={"name": repr(missing[0]), "fields": _fields_text()},
            field=missing[0],
        )
    values = {name: changes[name] for name in FIELDS if name in changes}
    for name, value in values.items():
        _check(name, value)
    merged = {name: values.get(name, getattr(current, name)) for name in FIELDS}
    if merged["enabled"] and merged["keep_daily"] + merged["keep_weekly"] == 0:
        field = "keep_weekly" if "keep_weekly" in values and "keep_daily" not in values else "keep_daily"
        raise InvalidSchedule(
            _("An enabled schedule must keep at least one archive: set keep_daily or keep_weekly above 0."), field=field
        )
    return values


def _check(name: str, value: Any) -> None:
    shown = shorten(value, 40)
    if name == "enabled":
        if not isinstance(value, bool):
            raise InvalidSchedule(_("enabled must be true or false, not %(value)s."), params={"value": shown}, field=name)
    elif name == "timezone":
        if not isinstance(value, str) or value not in _zone_names():
            raise InvalidSchedule(
                _("timezone must be an IANA time zone name such as America/La_Paz or Europe/Madrid, not %(value)s."),
                params={"value": shown},
                field=name,
            )
    else:
        low, high = RANGES[name]
        if type(value) is not int or not low <= value <= high:
            raise InvalidSchedule(
                _("%(name)s must be a whole number from %(low)s to %(high)s, not %(value)s."),
                params={"name": name, "low": low, "high": high, "value": shown},
                field=name,
            )


def _fields_text() -> str:
    return ", ".join(FIELDS)


@cache
def _zone_names() -> frozenset[str]:
    """The zones ``zoneinfo`` can load here (the system's tz database, or the tzdata package)."""
    return frozenset(available_timezones())


def _audit(tenant, user, ip, outcome: str, **details: Any) -> None:
    audit_record(
        tenant=tenant, user=user, action="backup", ip=ip, details={"event": "backup_schedule", "outcome": outcome, **details}
    )


# -- when ----------------------------------------------------------------------------------------


def next_run(after: datetime, *, hour: int, zone: str) -> datetime:
    """The first instant strictly after ``after`` at which it is ``hour``:00 in ``zone`` (in UTC).

    Daylight saving: an hour that happens twice (clocks go back) runs once, at its first
    occurrence; an hour the clocks skip (02:00 -> 03:00) runs when they land, at 03:00: the
    wall time read with ``fold=0`` (PEP 495). Either way each local day runs once.
    """
    tz = ZoneInfo(zone)
    day = after.astimezone(tz).date()
    for offset in range(3):  # today, tomorrow; the day after if tomorrow's hour came early (a fold at midnight)
        candidate = _at_hour(day + timedelta(days=offset), hour, tz)
        if candidate > after:
            return candidate
    raise AssertionError(f"no {hour}:00 in {zone} within three days of {after}")  # pragma: no cover


def _at_hour(day: date, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def schedules_due(now: datetime | None = None) -> list[BackupSchedule]:
    """The enabled schedules whose next run has come, earliest first."""
    now = now or timezone.now()
    return list(BackupSchedule.objects.filter(enabled=True, next_run_at__lte=now).order_by("next_run_at", "pk"))


def schedule_claim(schedule: BackupSchedule, *, now: datetime) -> bool:
    """Move ``schedule``'s next run past ``now``, if nobody did since it was read.

    A compare-and-set on the ``next_run_at`` that was read: of two schedulers that read the same
    due schedule, exactly one update matches a row; the other is told False and enqueues nothing.
    """
    following = next_run(now, hour=schedule.hour, zone=schedule.timezone)
    claimed = BackupSchedule.objects.filter(pk=schedule.pk, enabled=True, next_run_at=schedule.next_run_at).update(
        next_run_at=following
    )
    return claimed == 1


def schedules_enqueue_due(*, now: datetime | None = None) -> list[ScheduledBackup]:
    """Queue a backup of every shop whose schedule is due; what was queued (or found running)."""
    now = now or timezone.now()
    started = []
    for schedule in schedules_due(now):
        # The claim and the job in one transaction: a job that cannot be queued leaves the
        # schedule due for the next pass instead of skipping a day.
        with transaction.atomic(using=jobs_db()):
            if not schedule_claim(schedule, now=now):
                continue
            tenant = tenant_by_pk(schedule.tenant_id)
            if tenant is None:
                logger.warning("schedule of shop %s: the shop no longer exists", schedule.tenant_id)
                continue
            job, created = services.backup_job_start(tenant=tenant, user=None, origin=BackupJob.Origin.SCHEDULE)
        started.append(ScheduledBackup(tenant=tenant, job=job, created=created))
    return started


# -- what is kept ----------------------------------------------------------------------------------


def archives_prune(*, tenant, user=None) -> list[int]:
    """Delete the shop's scheduled archives its retention policy does not keep; their ids.

    Kept (restic's ``--keep-daily``/``--keep-weekly``): the newest archive of each of the last
    ``keep_daily`` shop-local days that have one, and of each of the last ``keep_weekly`` ISO
    weeks that have one; an archive may count for both. Counting days that *have* an archive
    (not calendar days) means a scheduler that stopped for a while never lets retention eat the
    last good archives. Only succeeded archives of ``origin=schedule`` are considered (see the
    module's docstring), never one a queued or running restore reads. A disabled schedule
    prunes nothing: it may hold keeps of 0.
    """
    schedule = BackupSchedule.objects.filter(tenant_id=tenant.pk, enabled=True).first()
    if schedule is None:
        return []
    archives = list(
        BackupJob.objects.filter(
            tenant_id=tenant.pk, kind=BackupJob.Kind.BACKUP, state=BackupJob.State.SUCCEEDED, origin=BackupJob.Origin.SCHEDULE
        ).order_by("-created_at", "-id")
    )
    kept = archives_kept(archives, zone=schedule.timezone, daily=schedule.keep_daily, weekly=schedule.keep_weekly)
    kept |= _being_restored(tenant)
    deleted = []
    for archive in archives:
        if archive.pk in kept:
            continue
        try:
            services.archive_delete(tenant=tenant, archive_id=archive.pk, user=user)
        except (JobNotFound, JobActive):  # pruned by another scheduler meanwhile
            continue
        deleted.append(archive.pk)
    if deleted:
        logger.info("pruned %d scheduled archives of shop %s: %s", len(deleted), tenant.slug, deleted)
    return deleted


def archives_kept(archives: Iterable[BackupJob], *, zone: str, daily: int, weekly: int) -> set[int]:
    """The ids the policy keeps among ``archives``, given newest first."""
    tz = ZoneInfo(zone)
    kept: set[int] = set()
    days: set[date] = set()
    weeks: set[tuple[int, int]] = set()
    for archive in archives:
        day = archive.created_at.astimezone(tz).date()
        week = day.isocalendar()[:2]
        if day not in days and len(days) < daily:
            days.add(day)
            kept.add(archive.pk)
        if week not in weeks and len(weeks) < weekly:
            weeks.add(week)
            kept.add(archive.pk)
    return kept


def _being_restored(tenant) -> set[int]:
    restores = BackupJob.objects.filter(
        tenant_id=tenant.pk, kind=BackupJob.Kind.RESTORE, state__in=BackupJob.ACTIVE, source__isnull=False
    )
    return set(restores.values_list("source_id", flat=True))


def schedules_prune() -> dict[str, list[int]]:
    """Prune every shop with an enabled schedule: shop slug -> ids deleted (shops with none left out)."""
    pruned = {}
    for tenant_id in BackupSchedule.objects.filter(enabled=True).values_list("tenant_id", flat=True):
        tenant = tenant_by_pk(tenant_id)
        if tenant is not None and (deleted := archives_prune(tenant=tenant)):
            pruned[tenant.slug] = deleted
    return pruned


def after_scheduled_backup(job: BackupJob) -> list[int]:
    """Called by the worker once a job ends: a scheduled backup that succeeded prunes its shop."""
    if job.kind != BackupJob.Kind.BACKUP or job.origin != BackupJob.Origin.SCHEDULE or job.state != BackupJob.State.SUCCEEDED:
        return []
    tenant = tenant_by_pk(job.tenant_id)
    return archives_prune(tenant=tenant) if tenant is not None else []
