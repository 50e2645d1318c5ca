"""The owners' page in a real browser: Debian's Chromium driven by Playwright, against gunicorn
and a real ``db_worker`` over a database of their own. Every wait is for an event on the page
(an attribute, a text, a download), bounded; screenshots of each state go to test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from django.conf import settings

from .browser import DEMO_PASSWORD, FRONTEND, Shots, chromium, require_chromium, site, static_site
from .support import access_token, verify_file

pytestmark = pytest.mark.e2e
ZSTD_MAGIC = bytes.fromhex("28b52ffd")
JOB_TIMEOUT = 60_000  # ms: a 500-row shop's job takes a second or two
SHOP_DATA = ("clientes_servicios_", "operaciones_inventario_", "finanzas_facturacion_", "servicios_ia_")


@pytest.fixture(scope="module")
def frontends(tmp_path_factory) -> Iterator[dict[str, str]]:
    """Two static sites on other loopback origins serving tests/e2e/frontend/: one allowed by
    CORS_ALLOWED_ORIGINS, one not."""
    logs = tmp_path_factory.mktemp("frontends")
    with static_site(FRONTEND, logs / "allowed.log") as allowed, static_site(FRONTEND, logs / "denied.log") as denied:
        yield {"allowed": allowed, "denied": denied}


@pytest.fixture(scope="module")
def web(tmp_path_factory, frontends):
    require_chromium()
    with site(tmp_path_factory.mktemp("web"), extra_env={"CORS_ALLOWED_ORIGINS": frontends["allowed"]}) as running:
        yield running


@pytest.fixture(scope="module")
def browser(web) -> Iterator:
    with chromium() as browser:
        yield browser


@pytest.fixture
def shots(request) -> Shots:
    return Shots(request.node.name)


def new_page(browser, *, locale: str = "es-ES", width: int = 1280, height: int = 900):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height}, accept_downloads=True)
    context.set_default_timeout(JOB_TIMEOUT)
    return context.new_page()


def log_in(page, url: str, username: str) -> None:
    """Through the login form, by keyboard: the user name field has the focus."""
    page.goto(f"{url}/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/backups/"))
    # Typing starts once the field has the focus (autofocus lands after the load, not with it).
    page.wait_for_function("document.activeElement && document.activeElement.name === 'username'")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")


def shop_checksums(web) -> dict[str, str]:
    tables = [t for t in web.db.tables() if t.lower().startswith(SHOP_DATA)]
    assert tables
    return web.db.checksums(tables)


def make_backup(page) -> str:
    """Click "Crear copia ahora" and follow the progress bar to 100 %; the new archive's id."""
    page.get_by_role("button", name="Crear copia ahora").click()
    job = page.locator('#backup-progress [data-testid="job"][data-kind="backup"]')
    job.wait_for()
    page.wait_for_function(
        "() => document.querySelector('#backup-progress [data-testid=job]')?.dataset.state === 'succeeded'",
        timeout=JOB_TIMEOUT,
    )
    assert job.locator('[data-testid="percent"]').inner_text() == "100 %"
    assert job.locator("progress").get_attribute("value") == "100"
    archive = job.get_attribute("data-job")
    # The finished job makes the table reload (HX-Trigger): the archive is there, ready.
    page.locator(f'tr[data-archive="{archive}"][data-state="succeeded"]').wait_for()
    return archive


def wait_job_ended(page) -> str:
    page.wait_for_function(
        "() => ['succeeded', 'failed', 'cancelled'].includes(document.querySelector('[data-testid=job]')?.dataset.state)",
        timeout=JOB_TIMEOUT,
    )
    return page.locator('[data-testid="job"]').get_attribute("data-state")


def test_owner_backs_up_then_restores_with_a_dry_run_then_for_real_and_logs_out(web, browser, shots):
    page = new_page(browser)
    page.goto(f"{web.url}/accounts/login/")
    shots(page, "login")
    log_in(page, web.url, "demo_owner")
    page.wait_for_url(f"{web.url}/backups/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Copias de seguridad de")
    shots(page, "page-empty")

    archive = make_backup(page)
    shots(page, "backup-done")
    row = page.locator(f'tr[data-archive="{archive}"]')
    assert "demo_owner" in row.inner_text()

    before = shop_checksums(web)
    row.get_by_role("link", name="Restaurar").click()
    assert page.get_by_label("Copia guardada", exact=True).input_value() == archive
    assert page.get_by_label("Combinar: conservar lo que hay y añadir lo que falta").is_checked()
    page.get_by_role("button", name="Simular").click()
    page.wait_for_url(re.compile(r"/backups/restores/\d+/$"))
    assert wait_job_ended(page) == "succeeded"
    summary = page.locator('[data-testid="summary"]')
    assert "Lo que haría la restauración" in summary.inner_text()
    assert summary.locator("tfoot td").first.inner_text() == "0"  # merging its own backup creates nothing
    shots(page, "dry-run-summary")

    page.get_by_role("button", name="Restaurar ahora").click()
    page.wait_for_url(re.compile(r"/backups/restores/\d+/$"))
    assert wait_job_ended(page) == "succeeded"
    page.locator('[data-testid="restore-done"]').wait_for()
    assert "Lo que hizo la restauración" in page.locator('[data-testid="summary"]').inner_text()
    shots(page, "restore-done")
    assert shop_checksums(web) == before

    page.goto(f"{web.url}/backups/")
    trail = page.locator('[data-testid="trail"]').inner_text()
    assert "demo_owner" in trail and "Restaurar" in trail
    page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.goto(f"{web.url}/backups/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/backups/"))
    shots(page, "logged-out")
    page.context.close()


def _download_route_served(url: str) -> bool:
    """The job API's download endpoint (issue 9) answers in its JSON error shape."""
    response = httpx.get(f"{url}/api/backups/0/download/?token=x", timeout=30)
    return response.headers.get("content-type", "").startswith("application/json")


def test_download_streams_the_archive_to_disk_and_it_restores_as_an_upload(web, browser, shots, tmp_path):
    if not _download_route_served(web.url):
        pytest.skip("GET /api/backups/{id}/download/ (the job API) is not on this branch yet")
    page = new_page(browser)
    log_in(page, web.url, "demo_owner")
    page.wait_for_url(f"{web.url}/backups/")
    archive = make_backup(page)
    with page.expect_download() as event:
        page.locator(f'tr[data-archive="{archive}"]').get_by_role("button", name="Descargar").click()
    download = event.value
    assert download.suggested_filename.endswith(".ndjson.zst")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes()[:4] == ZSTD_MAGIC
    verified = verify_file(web.env, path)
    assert verified.returncode == 0, verified.stderr

    page.get_by_label("Un archivo de este equipo").check()
    page.get_by_label("Archivo de copia").set_input_files(str(path))
    page.get_by_role("button", name="Simular").click()
    page.wait_for_url(re.compile(r"/backups/restores/\d+/$"))
    assert wait_job_ended(page) == "succeeded"
    page.get_by_role("button", name="Restaurar ahora").click()
    page.wait_for_url(re.compile(r"/backups/restores/\d+/$"))
    assert wait_job_ended(page) == "succeeded"
    shots(page, "upload-restore-done")
    page.context.close()


def test_an_employee_sees_that_they_lack_the_right(web, browser, shots):
    page = new_page(browser)
    log_in(page, web.url, "demo_staff")
    page.wait_for_url(f"{web.url}/backups/")
    forbidden = page.locator('[data-testid="forbidden"]')
    assert "No tiene permiso para gestionar las copias de seguridad" in forbidden.inner_text()
    assert page.get_by_role("button", name="Crear copia ahora").count() == 0
    shots(page, "employee")
    page.context.close()


def test_spanish_by_default_english_by_the_switch_or_the_browser_and_a_phone_width(web, browser, shots):
    page = new_page(browser, width=375, height=812)
    log_in(page, web.url, "demo_owner")
    page.wait_for_url(f"{web.url}/backups/")
    assert page.get_by_role("button", name="Crear copia ahora").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than a phone
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                 .filter(c => !c.labels?.length && !c.getAttribute('aria-label')).map(c => c.name)"""
    )
    assert unlabelled == []
    shots(page, "es-375")

    page.get_by_label("Idioma", exact=True).select_option("en")
    page.get_by_role("button", name="Cambiar idioma").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.get_by_role("button", name="Back up now").is_visible()
    assert page.get_by_role("heading", name="Stored backups").is_visible()
    shots(page, "en-375")
    page.context.close()

    english = new_page(browser, locale="en-US")
    english.goto(f"{web.url}/accounts/login/")
    assert english.get_by_role("heading", name="Log in").is_visible()
    assert english.locator("html").get_attribute("lang") == "en"
    english.context.close()


def test_keyboard_starts_a_backup(web, browser):
    page = new_page(browser)
    log_in(page, web.url, "demo_owner")
    page.wait_for_url(f"{web.url}/backups/")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.dataset.testid") == "backup-now":
            break
    else:
        raise AssertionError("Tab never reached the backup button")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#backup-progress [data-testid=job]')?.dataset.state === 'succeeded'"
    )
    page.context.close()


def test_wrong_type_and_too_large_files_are_refused_before_the_upload(web, browser, shots):
    page = new_page(browser)
    log_in(page, web.url, "demo_owner")
    page.wait_for_url(f"{web.url}/backups/")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/backups/restore/" in r.url else None)
    page.get_by_label("Un archivo de este equipo").check()
    field = page.get_by_label("Archivo de copia")
    field.set_input_files(files=[{"name": "foto.png", "mimeType": "image/png", "buffer": b"\x89PNG...."}])
    page.get_by_role("button", name="Simular").click()
    error = page.locator('[data-testid="file-error"]')
    assert "Este tipo de archivo no se puede restaurar" in error.inner_text()
    shots(page, "wrong-type")
    # The limit is rendered into the page; here lowered in the page to a size a test can send.
    page.evaluate("document.getElementById('restore-form').dataset.maxBytes = '100'")
    field.set_input_files(files=[{"name": "copia.ndjson", "mimeType": "application/x-ndjson", "buffer": b"x" * 1000}])
    page.get_by_role("button", name="Simular").click()
    assert "El archivo pesa más de los" in error.inner_text()
    shots(page, "too-large")
    assert posts == []  # nothing was sent
    page.context.close()


def test_the_seeds_axios_snippets_from_another_origin(web, browser, frontends):
    """``axios.get('/api/backup/', {responseType: 'blob'})`` and a FormData POST /api/restore/
    with replace false, with a JWT, from a page on another loopback origin: allowed by
    CORS_ALLOWED_ORIGINS, they work; from an origin that is not, the browser refuses them."""
    if "corsheaders" not in settings.INSTALLED_APPS:
        pytest.skip("django-cors-headers (the CORS part of issue 11) is not on this branch yet")
    token = access_token(web.url, "demo_owner", DEMO_PASSWORD)
    page = new_page(browser)
    page.goto(f"{frontends['allowed']}/index.html")
    result = page.evaluate("([api, token]) => backupAndRestore(api, token)", [web.url, token])
    assert "error" not in result, result
    assert result["backup"]["status"] == 200 and result["backup"]["magic"] == list(ZSTD_MAGIC)
    assert result["backup"]["disposition"].startswith("attachment;")  # exposed to the SPA
    assert result["restore"]["status"] == 200 and result["restore"]["data"]["ok"] is True
    assert result["restore"]["data"]["mode"] == "merge"

    page.goto(f"{frontends['denied']}/index.html")
    refused = page.evaluate("([api, token]) => backupAndRestore(api, token)", [web.url, token])
    assert refused.get("error") == {"message": "Network Error", "code": "ERR_NETWORK", "response": None}, refused
    page.context.close()
