"""The page in this process: Django's test client with a session, both databases, real files."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD, make_tenant


@pytest.fixture(autouse=True)
def backups_root(settings, tmp_path):
    """``STORAGES["backups"]`` in a folder of this test."""
    root = tmp_path / "backups"
    settings.STORAGES = settings.STORAGES | {
        "backups": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}}
    }
    return root


@pytest.fixture
def shop(db):
    return make_tenant("alfa")


def logged_in(username: str, **kwargs) -> Client:
    client = Client(**kwargs)
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def owner(shop) -> Client:
    return logged_in("alfa_owner", HTTP_ACCEPT_LANGUAGE="es")
