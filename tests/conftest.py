"""Shared fixtures: tenants with their three users, and JWT-authenticated API clients."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from erp.personal_admin.models import Tenant, UserProfile

PASSWORD = "s3cret-Pass!"


def make_tenant(slug: str) -> Tenant:
    """A tenant with users ``<slug>_owner``, ``<slug>_admin`` and ``<slug>_staff``."""
    User = get_user_model()
    owner = User.objects.create_user(f"{slug}_owner", password=PASSWORD)
    tenant = Tenant.objects.create(name=f"Taller {slug}", slug=slug, owner=owner)
    UserProfile.objects.create(user=owner, tenant=tenant, role=UserProfile.Role.OWNER)
    for suffix, role in (("admin", UserProfile.Role.ADMIN), ("staff", UserProfile.Role.EMPLOYEE)):
        user = User.objects.create_user(f"{slug}_{suffix}", password=PASSWORD)
        UserProfile.objects.create(user=user, tenant=tenant, role=role)
    return tenant


def client_for(username: str) -> APIClient:
    """An API client sending a real JWT access token for ``username``."""
    user = get_user_model().objects.get(username=username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def tenant(db) -> Tenant:
    return make_tenant("alfa")


@pytest.fixture
def other_tenant(db) -> Tenant:
    return make_tenant("beta")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 is slow on purpose; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
