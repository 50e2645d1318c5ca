"""Audit-log entries for every backup and restore attempt, successful or not."""

import logging
from typing import Any

import orjson
from django.db import transaction

from .tenancy import audit_entry

logger = logging.getLogger("backup_restore")


def audit_record(*, tenant, user, action: str, ip: str | None, details: dict[str, Any]) -> None:
    """Write one row of the shop's audit log and one structured log line.

    Called after the work's own transaction has ended, so a rolled-back restore
    still leaves the record of its failure.
    """
    description = orjson.dumps(details, default=str).decode()
    logger.info("%s tenant=%s user=%s %s", action, tenant.slug, getattr(user, "username", None), description)
    with transaction.atomic():
        audit_entry(
            tenant=tenant, user=user if getattr(user, "pk", None) else None, action=action, details=description, ip=ip
        ).save()
