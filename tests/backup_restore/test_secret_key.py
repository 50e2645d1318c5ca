"""No usable default secret: tokens cannot be forged with a key anyone could read."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from rest_framework.test import APIClient

from backup_restore.checks import PUBLISHED_KEYS

ROOT = Path(__file__).resolve().parents[2]


def run(code_or_args, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "HTTPS", "DJANGO_SETTINGS_MODULE"}}
    args = [sys.executable, "-c", code_or_args] if isinstance(code_or_args, str) else [sys.executable, *code_or_args]
    return subprocess.run(
        args, cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_the_server_refuses_to_start_without_a_secret_key(module):
    result = run(f"import {module}")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr and "token_urlsafe" in result.stderr


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_the_server_refuses_a_key_published_in_the_repository(module):
    result = run(f"import {module}", SECRET_KEY=next(iter(PUBLISHED_KEYS)))
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


def test_the_server_starts_with_a_private_key():
    result = run("import config.wsgi; print('served')", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0 and "served" in result.stdout, result.stderr


def test_a_debug_run_makes_a_random_key_of_its_own():
    code = "from django.conf import settings; import config.wsgi; print(settings.SECRET_KEY)"
    first, second = run(code, DEBUG="1"), run(code, DEBUG="1")
    assert first.returncode == second.returncode == 0, first.stderr
    keys = {first.stdout.strip(), second.stdout.strip()}
    assert len(keys) == 2 and all(len(k) >= 50 for k in keys) and not keys & PUBLISHED_KEYS


def test_the_system_check_flags_the_published_key():
    result = run(["manage.py", "check"], SECRET_KEY=next(iter(PUBLISHED_KEYS)), DEBUG="1")
    assert result.returncode != 0
    assert "backup_restore.E001" in result.stderr and "published" in result.stderr


def test_check_deploy_is_clean_with_the_documented_production_settings():
    env = {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "backups.example.com", "HTTPS": "1"}
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_a_token_signed_with_the_published_key_is_refused(tenant):
    forged = jwt.encode(
        {"token_type": "access", "user_id": str(tenant.owner.pk), "exp": 4102444800, "jti": "x"},
        next(iter(PUBLISHED_KEYS)),
        algorithm="HS256",
    )
    response = APIClient(HTTP_AUTHORIZATION=f"Bearer {forged}").get("/api/backup/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "token_not_valid"
