"""The OpenAPI schema and the docs page are served by a production server, with no network."""

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_schema_and_docs_are_served_by_gunicorn(demo):
    server = demo.server
    schema = httpx.get(f"{server.url}/api/schema/", params={"format": "json"}, timeout=30)
    assert schema.status_code == 200, schema.text
    spec = schema.json()
    assert spec["openapi"].startswith("3.") and "/api/restore/" in spec["paths"]
    docs = httpx.get(f"{server.url}/api/docs/", timeout=30)
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    assert "/api/schema/" in docs.text
