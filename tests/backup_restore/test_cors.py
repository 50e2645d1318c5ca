"""CORS for a shop's own frontend on another origin (django-cors-headers), through real HTTP.

Only the origins of ``CORS_ALLOWED_ORIGINS`` get CORS headers (credentials included); a preflight
is answered before authentication; a script may read the download's file name.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from ..conftest import client_for
from .helpers import audit_entries

ALLOWED = "http://127.0.0.1:5173"
OTHER = "http://127.0.0.1:6666"


@pytest.fixture(autouse=True)
def allowed_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def preflight(path: str, origin: str, method: str = "GET", headers: str = "authorization"):
    return APIClient().options(
        path,
        headers={"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers},
    )


@pytest.mark.parametrize(
    "path, method, headers",
    [
        ("/api/backup/", "GET", "authorization"),
        ("/api/restore/", "POST", "authorization"),
        ("/api/auth/token/", "POST", "content-type"),
    ],
)
def test_a_preflight_from_an_allowed_origin_needs_no_authentication(tenant, path, method, headers):
    response = preflight(path, ALLOWED, method, headers)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert method in response["Access-Control-Allow-Methods"]
    assert headers in response["Access-Control-Allow-Headers"]
    assert not audit_entries(tenant, "backup").exists() and not audit_entries(tenant, "restore").exists()


def test_a_preflight_from_another_origin_gets_no_cors_headers(db):
    response = preflight("/api/backup/", OTHER)
    assert not any(name.lower().startswith("access-control-") for name in response.headers)


def test_the_download_exposes_its_file_name_to_an_allowed_origin(tenant):
    response = client_for("alfa_owner").get("/api/backup/", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    exposed = {name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert {"content-disposition", "location", "etag", "content-range", "accept-ranges"} <= exposed
    assert response["Content-Disposition"].startswith('attachment; filename="backup_alfa_')


def test_another_origin_never_gets_credentials_or_the_answer(tenant):
    response = client_for("alfa_owner").get("/api/backup/", headers={"Origin": OTHER})
    b"".join(response.streaming_content)
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response


def test_errors_carry_cors_headers_too(db):
    """A refused request from an allowed origin: the frontend can read why (401, in its shape)."""
    response = APIClient().get("/api/backup/", headers={"Origin": ALLOWED, "Accept-Language": "en"})
    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response.json()["error"]["code"] == "not_authenticated"


def test_only_the_api_gets_cors_headers(db):
    response = APIClient().get("/admin/login/", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize(
    "value, expected",
    [(None, []), ("", []), (" https://taller.example.com , http://127.0.0.1:5173,", ["https://taller.example.com", "http://127.0.0.1:5173"])],
)
def test_allowed_origins_come_from_the_environment(value, expected):
    env = {k: v for k, v in os.environ.items() if k != "CORS_ALLOWED_ORIGINS"}
    if value is not None:
        env["CORS_ALLOWED_ORIGINS"] = value
    code = "import json; from config import settings; print(json.dumps(settings.CORS_ALLOWED_ORIGINS))"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == expected
