"""The OpenAPI schema (drf-spectacular) is valid and tells the truth.

* ``/api/schema/`` parses and validates as OpenAPI 3; ``/api/docs/`` renders (assets served
  locally by drf-spectacular-sidecar, a declared dependency).
* The error codes documented per status are exactly those the code can raise: every
  ``BackupError`` construction in ``backup_restore`` (found by reading the source) and every
  ``streaming.ErrorCode``, each under the status the API maps it to.
* Real requests that fail in each documented way answer a body that validates against the
  schema documented for that status (and successful ones against theirs).
"""

import ast
import copy
import json
from pathlib import Path

import openapi_schema_validator
import openapi_spec_validator
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from rest_framework.test import APIClient

import backup_restore
from backup_restore import errors as error_module
from backup_restore.schema import AUTH_CODES, PARSE_CODES, THROTTLE_CODES
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
    assert set(spec["paths"]) == {"/api/auth/token/", "/api/auth/token/refresh/", "/api/backup/", "/api/restore/"}


def test_schema_is_served_as_yaml_too_without_credentials():
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def test_auth_is_jwt_bearer_on_backup_and_restore(spec):
    scheme = spec["components"]["securitySchemes"]["jwtAuth"]
    assert scheme == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    for path, method in ((BACKUP, "get"), (RESTORE, "post")):
        assert spec["paths"][path][method]["security"] == [{"jwtAuth": []}]
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
    assert set(documented_codes(spec, RESTORE, "post")) == {400, 401, 403, 409, 411, 413, 415, 500}


def test_docs_page_renders_and_points_at_the_schema(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/schema/" in html
    assert "cdn.jsdelivr" not in html and "/static/drf_spectacular_sidecar/" in html


# -- documented codes == codes in the source --------------------------------------------------


def _error_classes() -> dict[str, type]:
    return {
        name: cls
        for name, cls in vars(error_module).items()
        if isinstance(cls, type) and issubclass(cls, error_module.ServiceError)
    }


def raised_in_source() -> dict[str, int]:
    """code -> status of every ``SomeServiceError(...)`` call in backup_restore/*.py (AST)."""
    classes = _error_classes()
    found: dict[str, int] = {}
    for path in Path(backup_restore.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes):
                continue
            cls = classes[node.func.id]
            if cls is error_module.ServiceError:
                continue
            code = next((kw.value for kw in node.keywords if kw.arg == "code"), None)
            if code is None:
                name = cls.code
            else:
                assert isinstance(code, ast.Constant), f"{path}:{node.lineno}: code must be a literal to be documented"
                name = code.value
            assert found.get(name, cls.status) == cls.status, f"{name} raised with two statuses"
            found[name] = cls.status
    return found


def expected_codes(extra: tuple[dict[int, tuple[str, ...]], ...], source: dict[str, int]) -> dict[int, set[str]]:
    codes: dict[int, set[str]] = {}
    for name, status in source.items():
        codes.setdefault(status, set()).add(name)
    for mapping in extra:
        for status, names in mapping.items():
            codes.setdefault(status, set()).update(names)
    return codes


def test_restore_codes_are_exactly_those_the_code_can_raise(spec):
    source = {k: v for k, v in raised_in_source().items() if k != "unknown_format"}  # unknown_format: backup only
    for code in ErrorCode:
        source[str(code)] = error_module.http_status(error_module.BackupFormatError(code, ""))
    assert source[ErrorCode.TOO_LARGE] == 413 and source[ErrorCode.NOT_A_BACKUP] == 415
    assert documented_codes(spec, RESTORE, "post") == expected_codes((AUTH_CODES, PARSE_CODES), source)


def test_backup_codes_are_exactly_those_the_code_can_raise(spec):
    assert raised_in_source()["unknown_format"] == 400
    expected = expected_codes((AUTH_CODES, THROTTLE_CODES), {"unknown_format": 400})
    assert documented_codes(spec, BACKUP, "get") == expected


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
    assert assert_documented(spec, bad, "/api/auth/token/refresh/", "post")["code"] == "token_not_valid"
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
