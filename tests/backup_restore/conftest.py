"""The restore tests run on both write paths (``RESTORE_WRITE_PATH``): every roundtrip, reject
and hardening test is the proof that the fast path stores what ``bulk_create`` stores and
refuses what it refuses, with the same code, message and line."""

import pytest

from backup_restore import conf
from backup_restore.writes import WRITE_PATHS

BOTH_PATHS = {"test_restore_roundtrip", "test_restore_rejects", "test_hardening"}


def pytest_generate_tests(metafunc):
    if metafunc.module.__name__.rsplit(".", 1)[-1] in BOTH_PATHS:
        metafunc.parametrize("write_path", WRITE_PATHS, indirect=True)


@pytest.fixture(autouse=True)
def write_path(request, monkeypatch) -> str:
    """The write path of this test: the default's default is patched, so that a test replacing
    ``settings.BACKUP_RESTORE`` with its own dict keeps it."""
    path = getattr(request, "param", "fast")
    monkeypatch.setitem(conf.DEFAULTS, "RESTORE_WRITE_PATH", path)
    return path
