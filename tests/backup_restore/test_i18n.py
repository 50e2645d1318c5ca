"""Languages: Spanish by default, English on request (Accept-Language), one language per response.

Real HTTP through Django's test client; every expected text is the catalog's own translation
(``gettext`` under ``translation.override``), so a test fails when a message is left out of the
catalog or answered in another language. Machine codes, lines and sections never change.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from rest_framework.exceptions import NotAuthenticated
from rest_framework.test import APIClient

from backup_restore import errors as error_module
from backup_restore.api.permissions import CanBackup
from streaming import iter_records

from ..conftest import PASSWORD, client_for
from .helpers import audit_entries, backup_bytes, craft, database_checksum, post_restore, records

LANGUAGES = ["es", "en"]
NO_PREFERENCE = None  # no Accept-Language header: the default, Spanish


def in_language(language: str, template: str, **params) -> str:
    """``template`` as the catalog translates it into ``language``, formatted after translating."""
    with translation.override(language):
        text = translation.gettext(template)
    return text % params if params else text


def anonymous(language: str | None) -> APIClient:
    return APIClient(headers={"Accept-Language": language} if language else {})


def error_of(response, status: int, code: str, language: str) -> dict:
    """The common error body, its code, and the language the response declares."""
    body = response.json()
    assert response.status_code == status, body
    assert body["ok"] is False and set(body["error"]) == {"code", "message", "line", "section", "field"}
    assert body["error"]["code"] == code
    assert response["Content-Language"] == language
    return body["error"]


# -- our own errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("asked, language", [(NO_PREFERENCE, "es"), ("es", "es"), ("en", "en"), ("en-US,en;q=0.9", "en")])
def test_a_file_that_is_no_backup_is_refused_in_the_asked_language(tenant, asked, language):
    before = database_checksum()
    response = post_restore(client_for("alfa_owner", language=asked), b"GIF89a not a backup at all")
    error = error_of(response, 415, "not_a_backup", language)
    assert error["message"] == in_language(language, "This file is not a backup made by this application.")
    assert_unchanged(tenant, before)


def assert_unchanged(tenant, before: str) -> None:
    """Nothing changed but the attempt's audit entry."""
    audit_entries(tenant, "restore").get().delete()
    assert database_checksum() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_malformed_file_keeps_its_line_and_translates_the_clause_too(tenant, language):
    values = records(backup_bytes(tenant))
    data = craft(values)
    lines = data.split(b"\n")
    lines.insert(2, b"")  # a blank line where the first section record must be
    before = database_checksum()
    response = post_restore(client_for("alfa_owner", language=language), b"\n".join(lines))
    error = error_of(response, 400, "bad_framing", language)
    assert error["line"] == 3
    problem = in_language(language, "a blank line, where a record must be")
    assert error["message"] == in_language(
        language, "The backup is malformed: %(problem)s (line %(line)s).", problem=problem, line=3
    )
    assert_unchanged(tenant, before)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_employee_is_refused_in_the_asked_language(tenant, language):
    response = client_for("alfa_staff", language=language).get("/api/backup/")
    error = error_of(response, 403, "permission_denied", language)
    with translation.override(language):
        assert error["message"] == str(CanBackup.message)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unknown_format_is_refused_in_the_asked_language(tenant, language):
    response = client_for("alfa_owner", language=language).get("/api/backup/", {"format": "xml"})
    error = error_of(response, 400, "unknown_format", language)
    assert error["message"] == in_language(
        language,
        "Unknown backup format %(format)s; choose one of: %(choices)s.",
        format="'xml'",
        choices="ndjson.zst, ndjson, json",
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_restore_summary_warnings_are_in_the_asked_language(tenant, language):
    values = records(backup_bytes(tenant))
    first_end = next(i for i, v in enumerate(values) if isinstance(v, dict) and v.get("kind") == "section_end")
    data = craft(values[: first_end + 1])
    sections = {e.model for e in iter_records(io.BytesIO(data)) if hasattr(e, "fields")}
    response = post_restore(client_for("alfa_owner", language=language), data, dry_run="true")
    assert response.status_code == 200, response.json()
    assert response["Content-Language"] == language
    warnings = response.json()["warnings"]
    assert warnings, "a backup with one section leaves the other sections' rows as they are"
    template = "%(section)s: the backup has no section for it; its existing rows were kept"
    for line in warnings:
        section = line.split(":", 1)[0]
        assert section not in sections
        assert line == in_language(language, template, section=section)


def test_a_command_answers_in_the_active_language(tmp_path):
    bad = tmp_path / "bad.ndjson"
    bad.write_bytes(b"not a backup")
    for language in LANGUAGES:
        with translation.override(language), pytest.raises(CommandError) as failure:
            call_command("verify_backup", str(bad))
        message = in_language(language, "This file is not a backup made by this application.")
        assert str(failure.value) == in_language(
            language, "INVALID: %(message)s [%(code)s]", message=message, code="not_a_backup"
        )


# -- DRF's and simplejwt's own messages follow the same language -----------------------------------


@pytest.mark.parametrize("asked, language", [(NO_PREFERENCE, "es"), ("en", "en")])
def test_drf_no_credentials_follows_the_language(db, asked, language):
    error = error_of(anonymous(asked).get("/api/backup/"), 401, "not_authenticated", language)
    with translation.override(language):
        assert error["message"] == str(NotAuthenticated.default_detail)


def test_drf_and_simplejwt_messages_differ_between_the_languages(db):
    """Proof that the catalogs of both libraries are really used (not English twice)."""
    texts = {
        language: (
            anonymous(language).get("/api/backup/").json()["error"]["message"],
            _bad_token(language).get("/api/backup/").json()["error"]["message"],
        )
        for language in LANGUAGES
    }
    assert texts["es"][0] != texts["en"][0] and texts["es"][1] != texts["en"][1]


def _bad_token(language: str) -> APIClient:
    client = anonymous(language)
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    return client


@pytest.mark.parametrize("language", LANGUAGES)
def test_simplejwt_bad_token_follows_the_language(db, language):
    error = error_of(_bad_token(language).get("/api/backup/"), 401, "token_not_valid", language)
    assert error["message"] == in_language(language, "Given token not valid for any token type")


# -- the token endpoints answer errors in the common shape ----------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_token_endpoint_missing_field_names_it(db, language):
    response = anonymous(language).post("/api/auth/token/", {"password": PASSWORD}, format="json")
    error = error_of(response, 400, "invalid_request", language)
    assert error["field"] == "username"
    assert error["message"] == in_language(language, "This field is required.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_token_endpoint_wrong_password(tenant, language):
    response = anonymous(language).post("/api/auth/token/", {"username": "alfa_owner", "password": "nope"}, format="json")
    error = error_of(response, 401, "no_active_account", language)
    assert error["message"] == in_language(language, "No active account found with the given credentials")
    assert error["field"] is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_token_refresh_with_a_bad_token(db, language):
    response = anonymous(language).post("/api/auth/token/refresh/", {"refresh": "x.y.z"}, format="json")
    error = error_of(response, 401, "token_not_valid", language)
    assert error["message"] == in_language(language, "Token is invalid")


def test_token_endpoint_success_is_unchanged(tenant):
    response = anonymous("es").post("/api/auth/token/", {"username": "alfa_owner", "password": PASSWORD}, format="json")
    assert response.status_code == 200 and set(response.json()) == {"access", "refresh"}


# -- the catalog covers every error ------------------------------------------------------------------


@pytest.mark.parametrize("cls", error_module.leaf_errors(), ids=lambda cls: cls.code)
def test_every_error_has_a_spanish_default_message(cls):
    with translation.override("en"):
        english = cls().message
    with translation.override("es"):
        spanish = cls().message
        assert cls().code == cls.code  # codes never change with the language
    assert spanish != english, f"{cls.__name__}: {english!r} has no Spanish translation"
