"""The API with the page's session as well as with a JWT: the session needs the CSRF token on
every unsafe method, and a refused request changes nothing and is audited."""

import pytest
from django.middleware.csrf import get_token
from django.test import RequestFactory

from backup_restore.jobs.models import BackupJob
from tests.backup_restore.helpers import audit_entries

from .conftest import logged_in

pytestmark = pytest.mark.django_db(databases=["default", "jobs"])


def _csrf_token(client) -> str:
    """The token the page's forms carry, for this client's session."""
    request = RequestFactory().get("/")
    request.COOKIES.update({k: v.value for k, v in client.cookies.items()})
    token = get_token(request)
    client.cookies["csrftoken"] = request.META["CSRF_COOKIE"]
    return token


def test_the_session_reads_the_api_without_a_token(shop):
    client = logged_in("alfa_owner", enforce_csrf_checks=True)
    listed = client.get("/api/backups/", HTTP_ACCEPT_LANGUAGE="en")
    assert listed.status_code == 200, listed.content
    assert listed.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_the_session_starts_a_job_only_with_the_csrf_token(shop):
    client = logged_in("alfa_owner", enforce_csrf_checks=True)
    refused = client.post("/api/backups/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403, refused.content
    error = refused.json()["error"]
    assert error["code"] == "permission_denied" and "CSRF" in error["message"]
    assert not BackupJob.objects.exists()
    assert '"outcome":"refused"' in audit_entries(shop, "backup").get().descripcion

    started = client.post("/api/backups/", HTTP_X_CSRFTOKEN=_csrf_token(client), HTTP_ACCEPT_LANGUAGE="en")
    assert started.status_code == 202, started.content
    assert BackupJob.objects.get().pk == started.json()["id"]


def test_an_employees_session_is_refused_like_their_token(shop):
    client = logged_in("alfa_staff")
    refused = client.get("/api/backups/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
