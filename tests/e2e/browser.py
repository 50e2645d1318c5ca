"""Plumbing of the browser tests: the shop served by gunicorn with a real job worker beside it,
and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .support import PYTHON, ROOT, E2EDatabase, Server, Worker, environment, manage, migrate

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
# Screenshots of each state: test artifacts, not committed (.gitignore).
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", ROOT / "test-artifacts" / "web"))
DEMO_PASSWORD = "demo1234"


def require_chromium() -> None:
    """CI installs Debian's chromium (.ci/run); a developer machine without it skips."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs the chromium package")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")


@dataclass
class Site:
    server: Server
    worker: Worker
    env: dict[str, str]
    db: E2EDatabase
    root: Path

    @property
    def url(self) -> str:
        return self.server.url


@contextlib.contextmanager
def site(root: Path, *, extra_env: dict[str, str] | None = None) -> Iterator[Site]:
    """The ``demo`` shop (as ``make run`` seeds it) in a database of its own, served by a
    two-worker gunicorn (one can poll while the other streams a download), and one job worker."""
    db = E2EDatabase.create(os.environ.get("DATABASE_URL"), root)
    try:
        env = environment(root, db) | {"BACKUPS_ROOT": str(root / "backups")} | (extra_env or {})
        migrate(env)
        seeded = manage(env, "seed_tenant", "demo", "--rows", "500", "--password", DEMO_PASSWORD, "--no-progress")
        assert seeded.returncode == 0, seeded.stderr
        worker = Worker(env, root / "logs" / "db_worker.log").start()
        server = Server("gunicorn", env, root / "logs" / "web-gunicorn.log", workers=2)
        try:
            server.start()
            yield Site(server, worker, env, db, root)
        finally:
            server.stop()
            worker.stop()
    finally:
        db.drop()


@contextlib.contextmanager
def chromium() -> Iterator:
    """A headless Debian Chromium under Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Shots:
    """``shots(page, "name")``: a full-page PNG under ARTIFACTS/<test>/."""

    def __init__(self, test_name: str):
        self.folder = ARTIFACTS / test_name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


FRONTEND = Path(__file__).resolve().parent / "frontend"


@contextlib.contextmanager
def static_site(folder: Path, log_path: Path) -> Iterator[str]:
    """``python -m http.server`` on a free loopback port serving ``folder``: another origin."""
    import httpx

    from .support import HOST, free_port, wait_until

    port = free_port()
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [PYTHON, "-m", "http.server", str(port), "--bind", HOST, "--directory", str(folder)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    origin = f"http://{HOST}:{port}"

    def up() -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"{origin}/index.html", timeout=2).status_code == 200
        return False

    try:
        wait_until(up, timeout=20, what=f"static site on {origin}")
        yield origin
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
