"""The one door to the host ERP: its tenant model, memberships, users, file prefix and audit log.

Nothing else in ``backup_restore`` imports the ERP. Each piece is named by a setting
(``conf.py``), so the app plugs into another ERP by changing settings, not code:

- ``TENANT_MODEL``: the model that *is* a shop (with ``slug``, ``name`` and ``uuid``);
- ``MEMBERSHIP``: ``user -> object with .tenant and .role``, or None for users of no shop;
- ``TENANT_USERS``: ``tenant -> queryset of the shop's user accounts``;
- ``TENANT_FILE_PREFIX``: ``tenant uuid -> storage prefix`` under which the shop's files live;
- ``AUDIT_MODEL`` and ``AUDIT_FIELDS``: the shop's audit log, and which of its fields hold
  the tenant, user, action, module, details and IP of an entry.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.module_loading import import_string

from .conf import backup_settings


class Membership(Protocol):
    tenant: Any
    role: str


def tenant_model() -> type[models.Model]:
    return apps.get_model(backup_settings.TENANT_MODEL)


def tenant_by_slug(slug: str):
    """The shop with ``slug``, or None."""
    return tenant_model()._default_manager.filter(slug=slug).first()


def membership_for(user) -> Membership | None:
    return import_string(backup_settings.MEMBERSHIP)(user)


def tenant_users(tenant) -> models.QuerySet:
    return import_string(backup_settings.TENANT_USERS)(tenant)


def tenant_file_prefix(tenant) -> str:
    return import_string(backup_settings.TENANT_FILE_PREFIX)(tenant.uuid)


def audit_model() -> type[models.Model]:
    return apps.get_model(backup_settings.AUDIT_MODEL)


def audit_entry(*, tenant, user, action: str, details: str, ip: str | None) -> models.Model:
    """An unsaved row of the shop's audit log."""
    names = backup_settings.AUDIT_FIELDS
    return audit_model()(
        **{
            names["tenant"]: tenant,
            names["user"]: user,
            names["action"]: action,
            names["module"]: "backup_restore",
            names["details"]: details,
            names["ip"]: ip,
        }
    )


def tenant_by_pk(pk: int):
    """The shop with primary key ``pk``, or None."""
    return tenant_model()._default_manager.filter(pk=pk).first()


def user_by_pk(pk: int | None):
    """The user account with primary key ``pk``, or None."""
    if pk is None:
        return None
    return get_user_model()._default_manager.filter(pk=pk).first()


def audit_trail(tenant, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest ``limit`` backup/restore entries of the shop's audit log, newest first:
    ``{"when", "user", "action", "details", "ip"}`` (``details`` as the text that was stored)."""
    names = backup_settings.AUDIT_FIELDS
    model = audit_model()
    when = names.get("when") or next(
        (f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)), "pk"
    )
    entries = (
        model._default_manager.filter(**{names["tenant"]: tenant, names["module"]: "backup_restore"})
        .select_related(names["user"])
        .order_by(f"-{when}", "-pk")[:limit]
    )
    return [
        {
            "when": getattr(entry, when),
            "user": getattr(getattr(entry, names["user"]), "username", None),
            "action": getattr(entry, names["action"]),
            "details": getattr(entry, names["details"]),
            "ip": getattr(entry, names["ip"]),
        }
        for entry in entries
    ]
