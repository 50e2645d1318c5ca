"""The OpenAPI schema (drf-spectacular) is valid and tells the truth.

* ``/api/schema/`` parses and validates as OpenAPI 3; ``/api/docs/`` renders (assets served
  locally by drf-spectacular-sidecar, a declared dependency).
* The error codes documented per status are exactly the error classes of
  ``backup_restore.errors`` and every ``streaming.ErrorCode``, each under the status the API
  layer maps it to.
* Real requests that fail in each documented way answer a body that validates against the
  schema documented for that status (and successful ones against theirs).
"""

import copy
import json

import openapi_schema_validator
import openapi_spec_validator
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from rest_framework.test import APIClient

from backup_restore import errors as error_module
from backup_restore.api.http import http_status
from backup_restore.api.schema import AUTH_CODES, PARSE_CODES, THROTTLE_CODES
from streaming import ErrorCode, encode_line
from tests.conftest import PASSWORD, client_for

from .helpers import backup_bytes, craft, records, restore_in_progress

BACKUP, RESTORE = "/api/backup/", "/api/restore/"


@pytest.fixture(scope="module")
def spec() -> dict:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def _resolve(spec: dict, schema: dict) -> dict:
    """``schema`` with every ``$ref`` inlined (the schema has no recursive components)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return _resolve(spec, copy.deepcopy(spec["components"]["schemas"][name]))
        return {k: _resolve(spec, v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_resolve(spec, v) for v in schema]
    return schema


def body_schema(spec: dict, path: str, method: str, status: int, media: str = "application/json") -> dict:
    responses = spec["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} does not document HTTP {status}"
    content = responses[str(status)]["content"]
    assert media in content, f"{method.upper()} {path} {status} does not document {media}"
    return _resolve(spec, content[media]["schema"])


def documented_codes(spec: dict, path: str, method: str) -> dict[int, set[str]]:
    codes = {}
    for status, response in spec["paths"][path][method]["responses"].items():
        schema = _resolve(spec, response.get("content", {}).get("application/json", {}).get("schema", {}))
        enum = schema.get("properties", {}).get("error", {}).get("properties", {}).get("code", {}).get("enum")
        if enum:
            codes[int(status)] = set(enum)
    return codes


def assert_documented(spec: dict, response, path: str, method: str) -> dict:
    """The response's status is documented for the operation and its body validates."""
    body = json.loads(response.content)
    schema = body_schema(spec, path, method, response.status_code)
    openapi_schema_validator.validate(body, schema, cls=openapi_schema_validator.OAS30Validator)
    return body


# -- the schema itself --------------------------------------------------------------------------


def test_schema_is_valid_openapi_3(spec):
    openapi_spec_validator.validate(spec)
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/api/auth/token/", "/api/auth/token/refresh/", "/api/backup/", "/api/restore/",
        "/api/backups/", "/api/backups/{id}/", "/api/backups/{id}/cancel/", "/api/backups/{id}/download-link/",
        "/api/backups/{id}/download/", "/api/restores/", "/api/restores/{id}/", "/api/restores/{id}/cancel/",
        "/api/backups/schedule/",
    }  # fmt: skip


def test_schema_is_served_as_yaml_too_without_credentials():
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


API_AUTH = [{"jwtAuth": []}, {"cookieAuth": []}]  # either a JWT or the page's session


def test_auth_is_jwt_bearer_on_backup_and_restore(spec):
    scheme = spec["components"]["securitySchemes"]["jwtAuth"]
    assert scheme == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    # ...or the owners' page's session cookie (DRF's SessionAuthentication, CSRF enforced).
    assert spec["components"]["securitySchemes"]["cookieAuth"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}
    for path, method in ((BACKUP, "get"), (RESTORE, "post")):
        assert spec["paths"][path][method]["security"] == API_AUTH
    for path in ("/api/auth/token/", "/api/auth/token/refresh/"):
        assert "jwtAuth" not in str(spec["paths"][path]["post"].get("security", []))


def test_backup_documents_formats_and_binary_bodies(spec):
    operation = spec["paths"][BACKUP]["get"]
    (fmt,) = [p for p in operation["parameters"] if p["name"] == "format"]
    assert fmt["in"] == "query" and set(fmt["schema"]["enum"]) == {"ndjson.zst", "ndjson", "json"}
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"application/zstd", "application/x-ndjson", "application/json"}
    assert all(c["schema"] == {"type": "string", "format": "binary"} for c in content.values())
    assert "Content-Disposition" in operation["responses"]["200"]["headers"]


def test_restore_documents_multipart_upload_and_summary(spec):
    operation = spec["paths"][RESTORE]["post"]
    upload = _resolve(spec, operation["requestBody"]["content"]["multipart/form-data"]["schema"])
    assert upload["properties"]["backup_file"] == {**upload["properties"]["backup_file"], "type": "string", "format": "binary"}
    assert upload["properties"]["replace"]["type"] == upload["properties"]["dry_run"]["type"] == "boolean"
    assert upload["required"] == ["backup_file"]
    summary = body_schema(spec, RESTORE, "post", 200)
    assert set(summary["properties"]) == {"ok", "mode", "dry_run", "sections", "deleted", "warnings", "rows"}
    counts = summary["properties"]["sections"]["additionalProperties"]["properties"]
    assert set(counts) == {"created", "matched", "skipped"}
    assert set(documented_codes(spec, RESTORE, "post")) == {400, 401, 403, 409, 411, 413, 415, 500, 503}


def test_docs_page_renders_and_points_at_the_schema(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/schema/" in html
    assert "cdn.jsdelivr" not in html and "/static/drf_spectacular_sidecar/" in html


# -- documented codes == the error classes ---------------------------------------------------


def expected_codes(classes, *extra: dict[int, tuple[str, ...]]) -> dict[int, set[str]]:
    codes: dict[int, set[str]] = {}
    for cls in classes:
        codes.setdefault(http_status(cls()), set()).add(cls.code)
    for mapping in extra:
        for status, names in mapping.items():
            codes.setdefault(status, set()).update(names)
    return codes


def test_every_error_class_has_its_own_code():
    leaves = error_module.leaf_errors()
    codes = [cls.code for cls in leaves]
    assert len(codes) == len(set(codes)) and "backup_error" not in codes
    assert not set(codes) & {str(code) for code in ErrorCode}


def test_statuses_live_in_the_api_layer_only():
    assert http_status(error_module.LengthRequired()) == 411
    assert http_status(error_module.UploadTooLarge()) == 413
    assert http_status(error_module.RestoreInProgress()) == 409
    assert http_status(error_module.RestoreFailed()) == 500
    assert http_status(error_module.DatabaseBusy()) == 503
    assert http_status(error_module.InvalidValue("x")) == 400
    assert http_status(error_module.BackupFormatError(ErrorCode.TOO_LARGE, "")) == 413
    assert http_status(error_module.BackupFormatError(ErrorCode.NOT_A_BACKUP, "")) == 415
    assert not any(hasattr(cls, "status") for cls in error_module.leaf_errors())


def test_restore_codes_are_exactly_the_error_classes(spec):
    restore_classes = [
        c for c in error_module.leaf_errors() if not issubclass(c, (error_module.ExportError, error_module.JobError))
    ]  # the job API's codes are its own endpoints' (test_job_endpoints_document_exactly_their_codes)
    assert error_module.UnexportableValue not in restore_classes  # ends a download's stream, never an answer
    expected = expected_codes(restore_classes, AUTH_CODES, PARSE_CODES)
    for code in ErrorCode:
        expected.setdefault(http_status(error_module.BackupFormatError(code, "")), set()).add(str(code))
    assert documented_codes(spec, RESTORE, "post") == expected


def test_backup_codes_are_exactly_the_error_classes(spec):
    export_classes = [
        c
        for c in error_module.leaf_errors()
        if issubclass(c, (error_module.ExportError, error_module.Unavailable))
        and not issubclass(c, error_module.StreamFailure)  # never an HTTP answer
    ]
    assert error_module.UnknownFormat in export_classes and error_module.DatabaseBusy in export_classes
    assert documented_codes(spec, BACKUP, "get") == expected_codes(export_classes, AUTH_CODES, THROTTLE_CODES)


# -- live answers validate against what is documented -----------------------------------------


@pytest.fixture
def owner(tenant):
    return client_for(f"{tenant.slug}_owner")


def upload(data: bytes, name: str = "backup.ndjson"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def restore(client, data: bytes, **fields):
    return client.post(RESTORE, {"backup_file": upload(data), **fields}, format="multipart")


def test_token_endpoints_answer_as_documented(spec, tenant):
    anonymous = APIClient()
    ok = anonymous.post("/api/auth/token/", {"username": "alfa_owner", "password": PASSWORD}, format="json")
    assert ok.status_code == 200
    assert set(assert_documented(spec, ok, "/api/auth/token/", "post")) == {"access", "refresh"}
    wrong = anonymous.post("/api/auth/token/", {"username": "alfa_owner", "password": "nope"}, format="json")
    assert wrong.status_code == 401
    assert_documented(spec, wrong, "/api/auth/token/", "post")
    bad = anonymous.post("/api/auth/token/refresh/", {"refresh": "x.y.z"}, format="json")
    assert bad.status_code == 401
    assert assert_documented(spec, bad, "/api/auth/token/refresh/", "post")["error"]["code"] == "token_not_valid"
    missing = anonymous.post("/api/auth/token/", {"password": PASSWORD}, format="json")
    assert missing.status_code == 400
    assert assert_documented(spec, missing, "/api/auth/token/", "post")["error"]["field"] == "username"
    refreshed = anonymous.post("/api/auth/token/refresh/", {"refresh": ok.json()["refresh"]}, format="json")
    assert refreshed.status_code == 200
    assert_documented(spec, refreshed, "/api/auth/token/refresh/", "post")


def test_backup_answers_as_documented(spec, tenant, owner, settings):
    for fmt, media in (("ndjson.zst", "application/zstd"), ("ndjson", "application/x-ndjson"), ("json", "application/json")):
        response = owner.get(BACKUP, {"format": fmt})
        assert response.status_code == 200 and response["Content-Type"] == media
        body_schema(spec, BACKUP, "get", 200, media)
        b"".join(response.streaming_content)
    cases = [
        (owner.get(BACKUP, {"format": "zip"}), 400, "unknown_format"),
        (APIClient().get(BACKUP), 401, "not_authenticated"),
        (client_for(f"{tenant.slug}_staff").get(BACKUP), 403, "permission_denied"),
    ]
    cache.clear()
    settings.BACKUP_RESTORE = {"BACKUP_THROTTLE_RATE": "1/hour"}
    try:
        b"".join(owner.get(BACKUP).streaming_content)
        cases.append((owner.get(BACKUP), 429, "throttled"))
    finally:
        cache.clear()
    for response, status, code in cases:
        assert response.status_code == status, response.content
        assert assert_documented(spec, response, BACKUP, "get")["error"]["code"] == code


@pytest.mark.parametrize(
    ("header", "code"), [("Bearer not.a.token", "token_not_valid"), ("Bearer a b", "bad_authorization_header")]
)
def test_simplejwt_errors_answer_their_own_code(spec, tenant, header, code):
    response = APIClient(HTTP_AUTHORIZATION=header).get(BACKUP)
    assert response.status_code == 401
    error = assert_documented(spec, response, BACKUP, "get")["error"]
    assert error["code"] == code and "ErrorDetail" not in error["message"]


def disk_failure_on_delete(execute, sql, params, many, context):
    """A real database error for every DELETE, as a full or failing disk raises it."""
    if sql.startswith("DELETE FROM"):
        raise OperationalError("disk I/O error")
    return execute(sql, params, many, context)


def test_restore_answers_as_documented(spec, tenant, other_tenant, owner, settings):
    good = backup_bytes(tenant)
    summary = assert_documented(spec, restore(owner, good, dry_run="true"), RESTORE, "post")
    assert summary["ok"] is True and summary["dry_run"] is True

    values = records(good)
    lines = good.splitlines(keepends=True)
    unknown_section = craft([values[0], {"kind": "section", "model": "nope.nada", "fields": ["id"]},
                             {"kind": "section_end", "model": "nope.nada", "rows": 0}])  # fmt: skip
    cases = [
        (restore(owner, good, replace="maybe"), 400, "invalid_flag"),
        (owner.post(RESTORE, {"replace": "true"}, format="multipart"), 400, "missing_file"),
        (restore(owner, b"".join(lines[:-1])), 400, "truncated"),
        (restore(owner, b"".join(lines[:-1]) + encode_line({**json.loads(lines[-1]), "sha256": "0" * 64})),
         400, "digest_mismatch"),
        (restore(owner, backup_bytes(other_tenant)), 400, "wrong_tenant"),
        (restore(owner, unknown_section), 400, "unknown_section"),
        (owner.post(RESTORE, b"garbage", content_type="multipart/form-data"), 400, "parse_error"),  # no boundary
        (APIClient().post(RESTORE, {}), 401, "not_authenticated"),
        (restore(client_for(f"{tenant.slug}_staff"), good), 403, "permission_denied"),
        (restore(owner, b"PK\x03\x04 not a backup at all"), 415, "not_a_backup"),
        (owner.post(RESTORE, {"backup_file": "x"}, format="json"), 415, "unsupported_media_type"),
    ]  # fmt: skip
    with restore_in_progress(tenant):
        cases.append((restore(owner, good), 409, "restore_in_progress"))
    with connection.execute_wrapper(disk_failure_on_delete):  # replace=true deletes first
        cases.append((restore(owner, good, replace="true"), 500, "restore_failed"))
    settings.BACKUP_RESTORE = {"MAX_UPLOAD_BYTES": 100}
    cases.append((restore(owner, good), 413, "upload_too_large"))
    settings.BACKUP_RESTORE = {"MAX_DECOMPRESSED_BYTES": 200}
    cases.append((restore(owner, good), 413, "too_large"))

    for response, status, code in cases:
        assert response.status_code == status, (code, response.content)
        assert assert_documented(spec, response, RESTORE, "post")["error"]["code"] == code, response.content


# -- the job API ----------------------------------------------------------------------------------

AUTH = {401: set(AUTH_CODES[401]), 403: set(AUTH_CODES[403])}
JOB_ENDPOINT_CODES = {  # what each job endpoint may answer, as issue 9 and the contract say
    ("/api/backups/", "get"): {**AUTH, 404: {"not_found"}},
    ("/api/backups/", "post"): AUTH,
    ("/api/backups/{id}/", "get"): {**AUTH, 404: {"not_found"}},
    ("/api/backups/{id}/", "delete"): {**AUTH, 404: {"not_found"}, 409: {"job_active"}},
    ("/api/backups/{id}/cancel/", "post"): {**AUTH, 404: {"not_found"}, 409: {"job_finished"}},
    ("/api/backups/{id}/download-link/", "post"): {**AUTH, 404: {"not_found"}, 409: {"archive_not_ready"}},
    ("/api/backups/{id}/download/", "get"): {
        403: {"link_invalid", "link_expired"}, 404: {"not_found"}, 416: {"range_not_satisfiable"},
        503: {"storage_failed"},
    },
    ("/api/restores/", "get"): {**AUTH, 404: {"not_found"}},
    ("/api/restores/", "post"): {
        **AUTH, 400: {"invalid_flag", "missing_source", "invalid_content_length", "parse_error"},
        404: {"not_found"}, 409: {"restore_in_progress", "archive_not_ready"}, 411: {"length_required"},
        413: {"upload_too_large"}, 415: {"unsupported_media_type"},
    },
    ("/api/restores/{id}/", "get"): {**AUTH, 404: {"not_found"}},
    ("/api/restores/{id}/cancel/", "post"): {**AUTH, 404: {"not_found"}, 409: {"job_finished"}},
}  # fmt: skip
# JobError codes no endpoint answers: they end a job, in its "error" (and the schedule's own endpoint).
JOB_ONLY_CODES = {"cancelled", "worker_lost", "archive_corrupt", "invalid_schedule"}


def test_job_endpoints_document_exactly_their_codes(spec):
    for (path, method), codes in JOB_ENDPOINT_CODES.items():
        assert documented_codes(spec, path, method) == codes, (method, path)
        assert spec["paths"][path][method]["tags"] == ["jobs"]
        security = spec["paths"][path][method].get("security", [])
        assert (security == API_AUTH) == (path != "/api/backups/{id}/download/"), path
    answered = {code for codes in JOB_ENDPOINT_CODES.values() for names in codes.values() for code in names}
    job_codes = {cls.code for cls in error_module.leaf_errors(error_module.JobError)}
    assert job_codes - answered == JOB_ONLY_CODES


def test_job_bodies_are_documented_per_kind(spec):
    backup = body_schema(spec, "/api/backups/{id}/", "get", 200)
    restore = body_schema(spec, "/api/restores/{id}/", "get", 200)
    common = {"id", "kind", "state", "phase", "progress", "rows_done", "rows_total", "bytes_done", "created_at",
              "started_at", "finished_at", "created_by", "origin", "error"}  # fmt: skip
    assert set(backup["properties"]) == common | {"filename", "size", "sha256", "rows", "sections", "format_version", "container"}
    assert set(restore["properties"]) == common | {"source", "replace", "dry_run", "summary"}
    page = body_schema(spec, "/api/backups/", "get", 200)
    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    request = spec["paths"]["/api/restores/"]["post"]["requestBody"]["content"]
    assert set(request) == {"multipart/form-data", "application/json"}
    download = spec["paths"]["/api/backups/{id}/download/"]["get"]["responses"]
    assert set(download["206"]["content"]) == {"application/zstd", "application/x-ndjson", "application/json"}
    assert "Content-Range" in download["416"]["headers"]


@pytest.fixture
def job_backups_root(settings, tmp_path):
    settings.STORAGES = settings.STORAGES | {
        "backups": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}
    }


@pytest.mark.django_db(databases=["default", "jobs"], transaction=True)
def test_job_endpoints_answer_as_documented(spec, job_backups_root):
    from urllib.parse import urlsplit

    from backup_restore.jobs.runner import job_run

    from .helpers import seeded

    seeded("alfa", rows=60)
    owner = client_for("alfa_owner")

    def documented(response, path, method, status, code=None, media="application/json"):
        assert response.status_code == status, response.content
        if media != "application/json":
            body_schema(spec, path, method, status, media)
            return None
        body = assert_documented(spec, response, path, method)
        if code:
            assert body["error"]["code"] == code
        return body

    job = documented(owner.post("/api/backups/"), "/api/backups/", "post", 202)
    job_run(job_id=job["id"])
    documented(owner.get("/api/backups/"), "/api/backups/", "get", 200)
    documented(owner.get("/api/backups/", {"page": 5}), "/api/backups/", "get", 404, "not_found")
    one = "/api/backups/{id}/"
    documented(owner.get(f"/api/backups/{job['id']}/"), one, "get", 200)
    documented(owner.get("/api/backups/0/"), one, "get", 404, "not_found")
    documented(APIClient().get(f"/api/backups/{job['id']}/"), one, "get", 401, "not_authenticated")
    documented(client_for("alfa_staff").get(f"/api/backups/{job['id']}/"), one, "get", 403, "permission_denied")
    cancel = "/api/backups/{id}/cancel/"
    documented(owner.post(f"/api/backups/{job['id']}/cancel/"), cancel, "post", 409, "job_finished")
    link = documented(owner.post(f"/api/backups/{job['id']}/download-link/"), "/api/backups/{id}/download-link/", "post", 200)
    url = urlsplit(link["url"])
    download = "/api/backups/{id}/download/"
    whole = APIClient().get(f"{url.path}?{url.query}")
    documented(whole, download, "get", 200, media=whole["Content-Type"])
    part = APIClient().get(f"{url.path}?{url.query}", HTTP_RANGE="bytes=0-9")
    documented(part, download, "get", 206, media=part["Content-Type"])
    documented(APIClient().get(f"{url.path}?{url.query}", HTTP_RANGE="bytes=99999999-"), download, "get", 416,
               "range_not_satisfiable")  # fmt: skip
    documented(APIClient().get(f"{url.path}?token=x"), download, "get", 403, "link_invalid")

    restores = "/api/restores/"
    started = documented(owner.post(restores, {"backup": job["id"], "dry_run": True}, format="json"), restores, "post", 202)
    documented(owner.post(restores, {"backup": job["id"]}, format="json"), restores, "post", 409, "restore_in_progress")
    documented(owner.post(restores, {"backup": "x"}, format="json"), restores, "post", 400, "missing_source")
    job_run(job_id=started["id"])
    done = documented(owner.get(f"/api/restores/{started['id']}/"), "/api/restores/{id}/", "get", 200)
    assert done["summary"]["ok"] is True
    documented(owner.get(restores), restores, "get", 200)
    documented(owner.post(f"/api/restores/{started['id']}/cancel/"), "/api/restores/{id}/cancel/", "post", 409, "job_finished")
    assert owner.delete(f"/api/backups/{job['id']}/").status_code == 204
