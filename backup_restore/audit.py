"""Audit-log entries for every backup and restore attempt, successful or not."""

import logging
from typing import Any

import orjson
from django.db import transaction

from erp.personal_admin.models import Bitacora

logger = logging.getLogger("backup_restore")


def audit_record(*, tenant, user, action: str, ip: str | None, details: dict[str, Any]) -> None:
    """Write one Bitacora row and one structured log line.

    Called after the work's own transaction has ended, so a rolled-back restore
    still leaves the record of its failure.
    """
    description = orjson.dumps(details, default=str).decode()
    logger.info("%s tenant=%s user=%s %s", action, tenant.slug, getattr(user, "username", None), description)
    with transaction.atomic():
        Bitacora.objects.create(
            tenant=tenant,
            usuario=user if getattr(user, "pk", None) else None,
            accion=action,
            modulo="backup_restore",
            descripcion=description,
            ip=ip,
        )
