"""Fixtures of the end-to-end suite: one seeded database per session, real servers per test.

The database is chosen like the app chooses it: ``DATABASE_URL`` naming PostgreSQL gives a
dedicated database ``taller_e2e_<random>`` (dropped at the end), anything else a SQLite file
in a temporary folder (WAL). pytest-django's test database is never used here.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .support import PASSWORD, E2EDatabase, Server, Worker, environment, manage, migrate

# slug -> (rows, seed). "big" is the Bitacora-heavy tenant of the memory and fault tests; c1..c5
# are the concurrent run (c5 restores while c1..c4 download); "up" receives the 1 GB upload.
TENANTS = {
    "big": (250_000, 1),
    "c1": (60_000, 11),
    "c2": (60_000, 12),
    "c3": (60_000, 13),
    "c4": (60_000, 14),
    "c5": (30_000, 15),
    "up": (500, 21),
}

_REPORT_KEY = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_REPORT_KEY] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    lines = config.stash.get(_REPORT_KEY, [])
    if lines:
        terminalreporter.section("e2e measurements")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def report(pytestconfig) -> Callable[[str], None]:
    """``report("...")``: a measured number, printed in the summary at the end of the run."""
    return pytestconfig.stash[_REPORT_KEY].append


@dataclass
class Tenant:
    slug: str
    uuid: str
    rows: int

    @property
    def owner(self) -> str:
        return f"{self.slug}_owner"

    @property
    def staff(self) -> str:
        return f"{self.slug}_staff"


@dataclass
class E2E:
    """The prepared environment: database, folders, the environment of every subprocess."""

    db: E2EDatabase
    root: Path
    env: dict[str, str]
    tenants: dict[str, Tenant]

    @property
    def media_root(self) -> Path:
        return Path(self.env["MEDIA_ROOT"])

    @property
    def upload_dir(self) -> Path:
        return Path(self.env["FILE_UPLOAD_TEMP_DIR"])

    @property
    def lock_dir(self) -> Path:
        """SQLite restore locks: ``<MEDIA_ROOT>/../locks`` (``BACKUP_RESTORE['LOCK_DIR']`` unset)."""
        return self.media_root.parent / "locks"


@pytest.fixture(scope="session")
def e2e(tmp_path_factory, report) -> Iterator[E2E]:
    root = tmp_path_factory.mktemp("e2e")
    db = E2EDatabase.create(os.environ.get("DATABASE_URL"), root)
    try:
        env = environment(root, db)
        started = time.monotonic()
        migrate(env)
        tenants = seed_tenants(env, db, TENANTS)
        report(f"[{db.vendor}] e2e database prepared (migrate + {sum(r for r, _ in TENANTS.values()):,} seeded rows) "
               f"in {time.monotonic() - started:.1f}s")  # fmt: skip
        yield E2E(db=db, root=root, env=env, tenants=tenants)
    finally:
        db.drop()
        shutil.rmtree(root / "files", ignore_errors=True)  # downloads; the server logs stay


def seed_tenants(env: dict[str, str], db: E2EDatabase, tenants: dict[str, tuple[int, int]]) -> dict[str, Tenant]:
    """``seed_tenant`` for each ``slug -> (rows, seed)``, through the command, as an operator would."""
    seeded = {}
    for slug, (rows, seed) in tenants.items():
        result = manage(
            env, "seed_tenant", slug, "--rows", str(rows), "--seed", str(seed), "--password", PASSWORD,
            "--no-progress", timeout=180,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        uuid = db.value("SELECT uuid FROM personal_admin_tenant WHERE slug = %s", [slug])
        seeded[slug] = Tenant(slug, _uuid_text(uuid), rows)
    return seeded


def _uuid_text(value) -> str:
    """UUID as its canonical text (SQLite stores it as 32 hex digits)."""
    import uuid

    return str(uuid.UUID(str(value)))


@dataclass
class Demo:
    """A gunicorn over a small database of its own holding the shop ``make run`` seeds."""

    server: Server
    env: dict[str, str]
    db: E2EDatabase
    root: Path


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Iterator[Demo]:
    """The ``demo`` shop (500 rows, password ``demo1234``) served by gunicorn: for the tests
    that need a real server but not the big seeded database of ``e2e``."""
    root = tmp_path_factory.mktemp("demo")
    db = E2EDatabase.create(os.environ.get("DATABASE_URL"), root)
    try:
        env = environment(root, db)
        migrate(env)
        seeded = manage(env, "seed_tenant", "demo", "--rows", "500", "--password", "demo1234", "--no-progress")
        assert seeded.returncode == 0, seeded.stderr
        server = Server("gunicorn", env, root / "logs" / "demo-gunicorn.log").start()
        try:
            yield Demo(server, env, db, root)
        finally:
            server.stop()
    finally:
        db.drop()


@pytest.fixture
def servers(e2e, request) -> Iterator[Callable[..., Server]]:
    """``servers("gunicorn" | "uvicorn", workers=1)`` starts a server; all are stopped afterwards."""
    started: list[Server] = []

    def start(kind: str, *, workers: int = 1, env: dict[str, str] | None = None) -> Server:
        name = f"{request.node.name}-{kind}-{len(started)}".replace("/", "_").replace("[", "_").replace("]", "")
        server = Server(kind, env or e2e.env, e2e.root / "logs" / f"{name}.log", workers=workers)
        started.append(server)
        return server.start()

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def files(e2e, request) -> Path:
    """A folder for this test's downloaded files."""
    folder = e2e.root / "files" / request.node.name.replace("[", "_").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- background jobs: a database of their own, a server, and real worker processes --------------

# slug -> (rows, seed). "jbig" is big enough for a job to be caught in the middle of its work;
# "jbig" and j2..j4 are the four shops of the scale-out test.
JOB_TENANTS = {
    "jbig": (120_000, 31),
    "j2": (3_000, 32),
    "j3": (3_000, 33),
    "j4": (3_000, 34),
}


@dataclass
class JobSite:
    """A seeded database, its stored archives (``BACKUPS_ROOT``) and a gunicorn serving it;
    the job workers are started by each test (fixture ``workers``)."""

    db: E2EDatabase
    root: Path
    env: dict[str, str]
    tenants: dict[str, Tenant]
    server: Server

    @property
    def jobs_db(self) -> E2EDatabase:
        return self.db.jobs()

    @property
    def backups_root(self) -> Path:
        return Path(self.env["BACKUPS_ROOT"])

    @property
    def lock_dir(self) -> Path:
        """SQLite restore locks: ``<MEDIA_ROOT>/../locks``."""
        return Path(self.env["MEDIA_ROOT"]).parent / "locks"


@pytest.fixture(scope="session")
def jobsite(tmp_path_factory, report) -> Iterator[JobSite]:
    root = tmp_path_factory.mktemp("jobs")
    db = E2EDatabase.create(os.environ.get("DATABASE_URL"), root)
    try:
        env = environment(root, db) | {
            "BACKUPS_ROOT": str(root / "backups"),
            "BACKUP_RESTORE_PROGRESS_ROWS": "500",  # a restore's progress moves often
        }
        started = time.monotonic()
        migrate(env)
        tenants = seed_tenants(env, db, JOB_TENANTS)
        report(f"[{db.vendor}] jobs database prepared ({sum(r for r, _ in JOB_TENANTS.values()):,} seeded rows) "
               f"in {time.monotonic() - started:.1f}s")  # fmt: skip
        server = Server("gunicorn", env, root / "logs" / "jobs-gunicorn.log", workers=2).start()
        try:
            yield JobSite(db=db, root=root, env=env, tenants=tenants, server=server)
        finally:
            server.stop()
    finally:
        db.drop()


@pytest.fixture
def workers(jobsite, request) -> Iterator[Callable[[int], list[Worker]]]:
    """``workers(n)`` starts n ``manage.py db_worker`` processes on the jobs site; all are
    stopped afterwards (SIGTERM, then SIGKILL), their logs kept in ``<root>/logs``."""
    started: list[Worker] = []
    test = request.node.name.replace("/", "_").replace("[", "_").replace("]", "")

    def start(n: int = 1) -> list[Worker]:
        new = []
        for _ in range(n):
            log = jobsite.root / "logs" / f"{test}-worker-{len(started)}.log"
            worker = Worker(jobsite.env, log).start()
            started.append(worker)
            new.append(worker)
        return new

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
