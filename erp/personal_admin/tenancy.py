"""Which tenant, and with which role, a user acts for."""

from dataclasses import dataclass

from .models import Tenant, UserProfile

Role = UserProfile.Role


@dataclass(frozen=True, slots=True)
class Membership:
    tenant: Tenant
    role: str


def membership_for(user) -> Membership | None:
    """The tenant and role of ``user``, or ``None`` for anonymous or tenant-less users.

    The tenant's recorded owner is always an owner, whatever their profile says.
    """
    if user is None or not user.is_authenticated:
        return None
    profile = UserProfile.objects.select_related("tenant").filter(user_id=user.pk).first()
    if profile is None:
        return None
    role = Role.OWNER if profile.tenant.owner_id == user.pk else profile.role
    return Membership(tenant=profile.tenant, role=role)


def tenant_users(tenant: Tenant):
    """The user accounts that belong to ``tenant``."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(profile__tenant=tenant)
