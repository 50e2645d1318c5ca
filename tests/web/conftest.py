"""The page in this process: Django's test client with a session, both databases, real files."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD, make_tenant


@pytest.fixture(autouse=True)
def _backups_in_a_folder_of_the_test(backups_root):
    """Every test here stores archives in a folder of its own (``backups_root``, tests/conftest.py)."""


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
