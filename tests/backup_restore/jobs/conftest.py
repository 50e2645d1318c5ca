"""Job tests in this process: both databases (the shop's and ``jobs``), real files in a
backups folder of the test's own."""

import pytest


@pytest.fixture(autouse=True)
def _backups_in_a_folder_of_the_test(backups_root):
    """Every test here stores archives in a folder of its own (``backups_root``, tests/conftest.py)."""


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    """One local S3 server (moto) for the session's S3 tests."""
    from tests.s3 import MotoServer

    server = MotoServer(tmp_path_factory.mktemp("moto")).start()
    yield server
    server.stop()


@pytest.fixture
def s3_backups(settings, moto_server, backups_root):
    """``STORAGES["backups"]`` on a new bucket of the session's moto server; yields (server, bucket)."""
    from tests.s3 import s3_backups_storage

    bucket = moto_server.bucket()
    settings.STORAGES = settings.STORAGES | {"backups": s3_backups_storage(moto_server, bucket)}
    return moto_server, bucket
