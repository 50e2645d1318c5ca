"""Job tests in this process: both databases (the shop's and ``jobs``), real files in a
backups folder of the test's own."""

import pytest


@pytest.fixture(autouse=True)
def backups_root(settings, tmp_path):
    """``STORAGES["backups"]`` in a folder of this test."""
    root = tmp_path / "backups"
    settings.STORAGES = settings.STORAGES | {
        "backups": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}}
    }
    return root
