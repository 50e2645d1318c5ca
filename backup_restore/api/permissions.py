"""Who may back up or restore: the tenant's owner and admins, by default (see conf.py)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from ..conf import backup_settings
from ..tenancy import Membership, membership_for


def request_membership(request) -> Membership | None:
    """The requester's tenant and role, looked up once per request."""
    if not hasattr(request, "_membership"):
        request._membership = membership_for(request.user)
    return request._membership


class _HasRole(BasePermission):
    roles_setting: str

    def has_permission(self, request, view) -> bool:
        membership = request_membership(request)
        return membership is not None and membership.role in getattr(backup_settings, self.roles_setting)


class CanBackup(_HasRole):
    roles_setting = "BACKUP_ROLES"
    message = _("Only the shop's owner or an administrator can download its backup.")


class CanRestore(_HasRole):
    roles_setting = "RESTORE_ROLES"
    message = _("Only the shop's owner or an administrator can restore a backup.")


class TenantBackupThrottle(SimpleRateThrottle):
    """Backups per tenant, not per user: ``BACKUP_THROTTLE_RATE`` (None disables it)."""

    scope = "backup"

    def get_rate(self) -> str | None:
        return backup_settings.BACKUP_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str | None:
        membership = request_membership(request)
        if membership is None or request.method == "HEAD":  # a HEAD reads no data
            return None
        return self.cache_format % {"scope": self.scope, "ident": membership.tenant.pk}
