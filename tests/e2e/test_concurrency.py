"""Four shops download their backups at once while a fifth restores: nothing mixes."""

import threading
import time

import pytest

from .support import (
    access_token,
    client,
    download,
    header_of,
    log_events,
    manage,
    mb,
    ndjson_lines,
    post_restore,
    section_values,
    verify_file,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # on the big seeded e2e database

DOWNLOADERS = ("c1", "c2", "c3", "c4")
RESTORER = "c5"


def plates(db, slug: str) -> set[str]:
    return {
        placa
        for (placa,) in db.rows(
            "SELECT v.placa FROM operaciones_inventario_vehiculo v "
            "JOIN personal_admin_tenant t ON t.id = v.tenant_id WHERE t.slug = %s",
            [slug],
        )
    }


@pytest.mark.parametrize("kind", ["gunicorn", "uvicorn"])
def test_four_downloads_and_a_restore_at_once(e2e, servers, files, report, kind):
    server = servers(kind, workers=5)  # gunicorn: one sync worker per request; uvicorn: one process
    slugs = (*DOWNLOADERS, RESTORER)
    tokens = {slug: access_token(server.url, e2e.tenants[slug].owner) for slug in slugs}
    with client(server.url) as http:
        before = download(http, tokens[RESTORER], files / "c5-before.ndjson.zst")
    assert before.status == 200 and before.error is None

    results: dict[str, object] = {}
    errors: list[BaseException] = []
    gate = threading.Barrier(len(slugs), timeout=30)

    def run(slug: str) -> None:
        try:
            with client(server.url, timeout=180) as http:
                gate.wait()
                if slug == RESTORER:
                    results[slug] = post_restore(http, tokens[slug], before.path, replace=True)
                else:
                    results[slug] = download(http, tokens[slug], files / f"{slug}.ndjson.zst")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(slug,), name=f"e2e-{slug}") for slug in slugs]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    wall = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "a client did not finish in 240 s"
    assert not errors, errors

    # The restore: a full replace of c5 from its own backup, answered with the summary.
    response = results[RESTORER]
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["ok"] is True and summary["mode"] == "replace" and summary["dry_run"] is False
    restored_rows = summary["rows"]
    assert restored_rows == sum(sum(c.values()) for c in summary["sections"].values())

    # Every download verifies, carries its own tenant, and nothing of any other tenant.
    uuids = {slug: e2e.tenants[slug].uuid for slug in slugs}
    total_bytes = total_rows = 0
    for slug in DOWNLOADERS:
        result = results[slug]
        assert result.status == 200 and result.error is None, result
        check = verify_file(e2e.env, result.path)
        assert check.returncode == 0, check.stderr
        total_rows += int(check.stdout.split(" sections, ")[1].split(" rows")[0])
        total_bytes += result.bytes
        assert header_of(result.path)["tenant"]["uuid"] == uuids[slug]
        assert set(section_values(result.path, "operaciones_inventario.vehiculo", "placa")) == plates(e2e.db, slug)
        body = b"".join(ndjson_lines(result.path))
        for other in slugs:
            if other != slug:
                assert uuids[other].encode() not in body, f"{slug}'s file names tenant {other}"
                assert f'"{other}_'.encode() not in body, f"{slug}'s file names a user of {other}"

    # One structured log line per backup and restore, next to the audit log.
    events = log_events(server.log())
    for slug in DOWNLOADERS:
        (line,) = [e for e in events if e["action"] == "backup" and e["tenant"] == slug]
        assert line["user"] == f"{slug}_owner" and line["outcome"] == "ok"
        assert line["bytes"] == results[slug].bytes and line["seconds"] >= 0 and line["rows"] > 0
    (line,) = [e for e in events if e["action"] == "restore" and e["tenant"] == RESTORER]
    assert line["outcome"] == "ok" and line["rows"] == restored_rows and line["user"] == f"{RESTORER}_owner"

    # The restored tenant holds what its backup held (ids aside; stored file names are cleared
    # because the seed's files do not exist on disk, and the restore says so in its warnings).
    with client(server.url) as http:
        after = download(http, tokens[RESTORER], files / "c5-after.ndjson.zst")
    compare = manage(
        e2e.env, "compare_backups", str(before.path), str(after.path),
        "--ignore", "personal_admin.bitacora", "--across-tenants",
    )  # fmt: skip
    assert compare.returncode == 0, compare.stdout + compare.stderr

    report(
        f"[{e2e.db.vendor}/{kind}] 4 downloads + 1 restore at once: {wall:.2f}s wall; downloads "
        f"{total_rows:,} rows / {mb(total_bytes)} zstd ({total_rows / wall:,.0f} rows/s, {mb(total_bytes / wall)}/s "
        f"aggregate); restore of {restored_rows:,} rows in the same window"
    )
