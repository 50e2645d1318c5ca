"""The shop's schedule, as the page reads and writes it.

A thin seam: ``backup_restore.jobs.schedules`` (``schedule_get`` / ``schedule_update``) owns
schedules; until it is there, the page reads and writes the ``BackupSchedule`` row itself.
Swap the fallback out once the service exists: the page calls only these two functions.
"""

from __future__ import annotations

from typing import Any

from ..jobs.models import BackupSchedule

FIELDS = ("enabled", "hour", "timezone", "keep_daily", "keep_weekly")

try:  # pragma: no cover - depends on what is merged
    from ..jobs.schedules import schedule_get as _service_get
    from ..jobs.schedules import schedule_update as _service_update
except ImportError:  # pragma: no cover
    _service_get = _service_update = None


def page_schedule_get(*, tenant) -> BackupSchedule:
    """The shop's schedule (its defaults if it never saved one)."""
    if _service_get is not None:
        return _service_get(tenant=tenant)
    return BackupSchedule.objects.filter(tenant_id=tenant.pk).first() or BackupSchedule(tenant_id=tenant.pk)


def page_schedule_update(*, tenant, user, values: dict[str, Any]) -> BackupSchedule:
    """Save the settings the form validated."""
    if _service_update is not None:
        return _service_update(tenant=tenant, user=user, **values)
    schedule, _ = BackupSchedule.objects.update_or_create(tenant_id=tenant.pk, defaults=values)
    return schedule
