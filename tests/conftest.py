"""Shared fixtures: tenants with their three users, and JWT-authenticated API clients."""

import atexit
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

if not os.environ.get("SECRET_KEY"):
    # The suite signs with a random key of its own, never a published one; the servers and
    # commands it starts inherit it through the environment. Set before simplejwt is imported:
    # it reads the key once, at import.
    os.environ["SECRET_KEY"] = settings.SECRET_KEY = secrets.token_urlsafe(50)

# Stored files and the SQLite restore locks (<MEDIA_ROOT>/../locks) of this run alone: two runs at
# once (two checkouts, an editor's runner) never share a lock file or a stored file.
_RUN_ROOT = Path(tempfile.mkdtemp(prefix="taller-tests-"))
settings.MEDIA_ROOT = _RUN_ROOT / "media"
atexit.register(shutil.rmtree, _RUN_ROOT, ignore_errors=True)

import pytest  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import translation  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from erp.personal_admin.models import Tenant, UserProfile  # noqa: E402

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


def client_for(username: str, language: str | None = "en") -> APIClient:
    """An API client sending a real JWT access token for ``username``, asking for answers in
    ``language`` (the suite reads messages in English; None: no Accept-Language, the server's
    default, Spanish)."""
    user = get_user_model().objects.get(username=username)
    client = APIClient(headers={"Accept-Language": language} if language else {})
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def tenant(db) -> Tenant:
    return make_tenant("alfa")


@pytest.fixture
def other_tenant(db) -> Tenant:
    return make_tenant("beta")


@pytest.fixture(autouse=True)
def _english():
    """Messages made outside a request (services, commands, the streaming reader) in English, as
    the tests read them; a request still gets the language it asks for (LocaleMiddleware), Spanish
    when it asks for none (tests/backup_restore/test_i18n.py)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 is slow on purpose; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def backups_root(settings, tmp_path):
    """``STORAGES["backups"]`` in a folder of this test (the job and page tests use it always)."""
    root = tmp_path / "backups"
    settings.STORAGES = settings.STORAGES | {
        "backups": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}}
    }
    return root
