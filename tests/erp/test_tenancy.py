from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from erp.personal_admin.models import UserProfile
from erp.personal_admin.tenancy import membership_for


def test_roles_of_the_three_users(tenant, other_tenant):
    User = get_user_model()
    for suffix, role in (("owner", "owner"), ("admin", "admin"), ("staff", "employee")):
        membership = membership_for(User.objects.get(username=f"alfa_{suffix}"))
        assert membership.tenant == tenant
        assert membership.role == role


def test_recorded_owner_is_owner_whatever_the_profile_says(tenant):
    owner = tenant.owner
    UserProfile.objects.filter(user=owner).update(role=UserProfile.Role.EMPLOYEE)
    assert membership_for(owner).role == "owner"


def test_no_membership_for_anonymous_or_tenantless(db):
    assert membership_for(AnonymousUser()) is None
    assert membership_for(None) is None
    lone = get_user_model().objects.create_user("lone", password="x")
    assert membership_for(lone) is None
