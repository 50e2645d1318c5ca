"""Plumbing of the end-to-end suite: a database of its own, real server processes, real clients.

Nothing here uses pytest-django's test database: the suite prepares its own database with
``manage.py migrate`` / ``manage.py seed_tenant`` subprocesses and talks to it directly
(``sqlite3`` or ``psycopg``) only to check what the servers did. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import httpx
import orjson
import psutil
import zstandard

from benchmarks.probes import RssSampler, free_port  # noqa: F401 - RssSampler is the tests' sampler too

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
HOST = "127.0.0.1"
PASSWORD = "e2e-Pass-1234"
MiB = 1024 * 1024

# A small client receive buffer (it also turns off Linux receive-buffer autotuning), so that
# a slow or stalled client really holds the server back instead of a 32 MB kernel buffer.
SMALL_RCVBUF = [(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)]


def wait_until(predicate: Callable[[], object], *, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


# -- the database ------------------------------------------------------------------------------


@dataclass
class E2EDatabase:
    """A database created for this run only: a PostgreSQL database ``taller_e2e_<random>``
    when ``DATABASE_URL`` names PostgreSQL, else a SQLite file (WAL) in a temporary folder."""

    url: str
    vendor: str  # "postgresql" or "sqlite"
    name: str
    path: Path | None = None
    _admin: dict = field(default_factory=dict, repr=False)

    @classmethod
    def create(cls, base_url: str | None, folder: Path) -> E2EDatabase:
        if base_url and base_url.split(":", 1)[0] in {"postgres", "postgresql", "pgsql"}:
            config = dj_database_url.parse(base_url)
            name = f"taller_e2e_{secrets.token_hex(4)}"
            admin = {
                "host": config.get("HOST") or HOST,
                "port": config.get("PORT") or 5432,
                "user": config.get("USER") or "postgres",
                "password": config.get("PASSWORD") or None,
            }
            db = cls(url="", vendor="postgresql", name=name, _admin=admin)
            with db._pg("postgres") as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            auth = admin["user"] + (f":{admin['password']}" if admin["password"] else "")
            db.url = f"postgres://{auth}@{admin['host']}:{admin['port']}/{name}"
            return db
        path = folder / "e2e.sqlite3"
        return cls(url=f"sqlite:///{path}", vendor="sqlite", name=path.name, path=path)

    @property
    def is_postgres(self) -> bool:
        return self.vendor == "postgresql"

    def _pg(self, dbname: str):
        import psycopg

        return psycopg.connect(dbname=dbname, autocommit=True, connect_timeout=10, **self._admin)

    @contextlib.contextmanager
    def connect(self) -> Iterator:
        """A direct connection in autocommit mode (never a Django connection)."""
        if self.is_postgres:
            conn = self._pg(self.name)
        else:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()

    def rows(self, sql: str, params: Iterable = ()) -> list[tuple]:
        """Run ``sql`` (``%s`` placeholders on both databases) and return every row."""
        with self.connect() as conn:
            if not self.is_postgres:
                sql = sql.replace("%s", "?")
            cursor = conn.execute(sql, tuple(params))
            return cursor.fetchall() if cursor.description else []

    def value(self, sql: str, params: Iterable = ()):
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def tables(self) -> list[str]:
        if self.is_postgres:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        return [name for (name,) in self.rows(sql)]

    def checksums(self, tables: Iterable[str] | None = None) -> dict[str, str]:
        """SHA-256 of every row of every table, in primary-key order (one read snapshot)."""
        result = {}
        with self.connect() as conn:
            if self.is_postgres:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            else:
                conn.execute("BEGIN")
            for table in tables or self.tables():
                digest = hashlib.sha256()
                count = 0
                cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')
                while batch := cursor.fetchmany(5000):
                    count += len(batch)
                    for row in batch:
                        digest.update(repr(row).encode())
                result[table] = f"{count}:{digest.hexdigest()[:16]}"
            conn.execute("COMMIT")
        return result

    def server_backends(self) -> list[tuple]:
        """PostgreSQL: (pid, state, query) of the client backends of this database, but ours."""
        assert self.is_postgres
        return self.rows(
            "SELECT pid, state, query FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'",
            [self.name],
        )

    def jobs(self) -> E2EDatabase:
        """The database of the job rows and the task queue (settings ``DATABASES["jobs"]``):
        on PostgreSQL this very database, on SQLite the file ``<name>-jobs.sqlite3`` beside it."""
        if self.is_postgres:
            return self
        path = self.path.with_name(f"{self.path.stem}-jobs{self.path.suffix}")
        return E2EDatabase(url=f"sqlite:///{path}", vendor="sqlite", name=path.name, path=path)

    def drop(self) -> None:
        if self.is_postgres:
            with self._pg("postgres") as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def audit_rows(db: E2EDatabase, slug: str, action: str = "backup") -> list[dict]:
    """The decoded ``descripcion`` of the backup_restore audit entries of ``slug``, oldest first."""
    rows = db.rows(
        "SELECT b.descripcion FROM personal_admin_bitacora b JOIN personal_admin_tenant t ON t.id = b.tenant_id "
        "WHERE t.slug = %s AND b.modulo = 'backup_restore' AND b.accion = %s ORDER BY b.id",
        [slug, action],
    )
    return [orjson.loads(text) for (text,) in rows]


# -- management commands ------------------------------------------------------------------------


def manage(env: dict[str, str], *args: str, timeout: float = 120, language: str = "en") -> subprocess.CompletedProcess:
    """``python manage.py *args`` in a subprocess with the e2e environment, speaking ``language``
    (the suite reads the commands' output in English; a server's default stays Spanish)."""
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env | {"LANGUAGE_CODE": language},
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def environment(root: Path, db: E2EDatabase) -> dict[str, str]:
    """The environment of every server and command of a run, production-like, with its own
    database and the folders ``root``/media, uploads (the upload spool), logs and files."""
    for folder in ("media", "uploads", "logs", "files"):
        (root / folder).mkdir(exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": db.url,
        "MEDIA_ROOT": str(root / "media"),
        "FILE_UPLOAD_TEMP_DIR": str(root / "uploads"),
        "DEBUG": "0",  # production-like: no per-query log in memory
        "SECRET_KEY": "e2e-" + secrets.token_hex(16),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }


def migrate(env: dict[str, str]) -> None:
    for database in ("default", "jobs"):
        result = manage(env, "migrate", "--noinput", "-v0", "--database", database, timeout=180)
        assert result.returncode == 0, result.stderr


def verify_file(env: dict[str, str], path: Path) -> subprocess.CompletedProcess:
    return manage(env, "verify_backup", str(path), timeout=120)


# -- servers ----------------------------------------------------------------------------------


def _gunicorn_has_control_socket() -> bool:
    try:
        from gunicorn.config import KNOWN_SETTINGS
    except ImportError:  # pragma: no cover
        return False
    return any(s.name == "control_socket_disable" or s.cli == ["--no-control-socket"] for s in KNOWN_SETTINGS)


class Server:
    """One real server process (and its workers) on a free loopback port.

    gunicorn: ``config.wsgi:application``, sync workers, long timeout. uvicorn:
    ``config.asgi:application``. Always started in a new session so that the whole process
    group can be stopped (or SIGKILLed) by its id.
    """

    def __init__(self, kind: str, env: dict[str, str], log_path: Path, *, workers: int = 1):
        assert kind in {"gunicorn", "uvicorn"}
        self.kind = kind
        self.env = env
        self.log_path = log_path
        self.workers = workers
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def command(self) -> list[str]:
        if self.kind == "gunicorn":
            cmd = [
                PYTHON, "-m", "gunicorn", "config.wsgi:application",
                "--bind", f"{HOST}:{self.port}",
                "--workers", str(self.workers),
                "--worker-class", "sync",
                "--timeout", "600",
                "--graceful-timeout", "5",
                "--access-logfile", "-",
            ]  # fmt: skip
            if _gunicorn_has_control_socket():
                cmd.append("--no-control-socket")
            return cmd
        return [
            PYTHON, "-m", "uvicorn", "config.asgi:application",
            "--host", HOST,
            "--port", str(self.port),
            "--lifespan", "off",
            "--timeout-graceful-shutdown", "5",
        ]  # fmt: skip

    def start(self, *, timeout: float = 30) -> Server:
        for attempt in range(3):
            self.port = free_port()
            log = open(self.log_path, "ab")  # noqa: SIM115 - the child writes to it
            try:
                self.proc = subprocess.Popen(
                    self.command(), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            finally:
                log.close()
            if self._wait_ready(timeout):
                return self
            self.stop()
            if attempt == 2 or "in use" not in self.log():
                break
        raise AssertionError(f"{self.kind} did not start; log:\n{self.log()[-3000:]}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            with contextlib.suppress(httpx.HTTPError):
                # No credentials: 401 answered by the app proves every layer is up.
                if httpx.get(f"{self.url}/api/backup/", timeout=2).status_code == 401:
                    if self.kind == "gunicorn":
                        wait_until(self.worker_pids, timeout=10, what="gunicorn workers")
                    return True
            time.sleep(0.1)
        return False

    def worker_pids(self) -> list[int]:
        """The processes that run the application: gunicorn's workers, or uvicorn itself."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        if self.kind == "uvicorn":
            return [self.proc.pid]
        try:
            return [child.pid for child in psutil.Process(self.proc.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def worker_pid(self) -> int:
        pids = self.worker_pids()
        assert len(pids) == 1, f"expected one worker, got {pids}"
        return pids[0]

    def wait_until_request_finished(self, *, timeout: float = 60) -> None:
        """Return once the only worker of a sync gunicorn has completely finished its last request.

        gunicorn's sync worker sends the response and writes the access-log line, and only
        then closes the response, which closes the request and its uploaded files (Django
        deletes a spooled upload there). It accepts the next connection only after all that,
        so its answer to a fresh request is the event "the previous request is over"."""
        assert self.kind == "gunicorn" and self.workers == 1, "only one sync worker serves requests in order"
        response = httpx.get(f"{self.url}/api/backup/", timeout=timeout)  # no credentials: 401
        assert response.status_code == 401, response.text

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def kill(self) -> None:
        """SIGKILL the whole process group: master and workers die at once, nothing cleans up."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


# -- job workers ------------------------------------------------------------------------------


class Worker:
    """One real ``manage.py db_worker`` process (django-tasks-db), in a session of its own,
    its output in ``log_path``. ``name`` is what the runner records as the job's ``worker``."""

    def __init__(self, env: dict[str, str], log_path: Path, *, interval: float = 0.1):
        self.env = env
        self.log_path = log_path
        self.interval = interval
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        command = [
            PYTHON, "manage.py", "db_worker", "--interval", str(self.interval), "--no-reload", "--no-startup-delay",
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def name(self) -> str:
        return f"{socket.gethostname()}:{self.pid}"

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def freeze(self) -> None:
        """SIGSTOP: the process stops where it is, holding whatever it holds."""
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: nothing in the worker runs any more, nothing cleans up."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self, *, timeout: float = 30) -> None:
        """SIGTERM (the worker ends its current task, then exits), SIGKILL if it does not."""
        if not self.alive:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGCONT)  # a frozen worker cannot handle SIGTERM
            os.kill(self.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


# -- clients ----------------------------------------------------------------------------------


def client(base_url: str, *, timeout: float = 120, small_buffer: bool = False, language: str = "en") -> httpx.Client:
    """An HTTP client asking for answers in ``language`` (the suite reads messages in English)."""
    transport = httpx.HTTPTransport(socket_options=SMALL_RCVBUF) if small_buffer else None
    return httpx.Client(
        base_url=base_url,
        headers={"Accept-Language": language},
        timeout=httpx.Timeout(timeout, connect=10),
        transport=transport,
    )


def access_token(base_url: str, username: str, password: str = PASSWORD) -> str:
    response = httpx.post(
        f"{base_url}/api/auth/token/", json={"username": username, "password": password}, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()["access"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class JobsAPI:
    """The job API (``/api/backups/``, ``/api/restores/``) as one user sees it, over httpx + JWT."""

    ENDED = ("succeeded", "failed", "cancelled")

    def __init__(self, base_url: str, username: str, password: str = PASSWORD):
        self.base_url = base_url
        self.http = client(base_url)
        self.http.headers.update(bearer(access_token(base_url, username, password)))

    def close(self) -> None:
        self.http.close()

    def start_backup(self) -> httpx.Response:
        return self.http.post("/api/backups/")

    def job(self, kind: str, job_id: int) -> dict:
        response = self.http.get(f"/api/{kind}s/{job_id}/")
        assert response.status_code == 200, response.text
        return response.json()

    def wait(
        self,
        kind: str,
        job_id: int,
        until: Callable[[dict], bool] | None = None,
        *,
        timeout: float = 120,
        seen: list[dict] | None = None,
        what: str = "",
    ) -> dict:
        """Poll the job until ``until(job)`` (default: the job has ended); every answer read
        is appended to ``seen``."""
        until = until or (lambda job: job["state"] in self.ENDED)

        def poll() -> dict | None:
            job = self.job(kind, job_id)
            if seen is not None:
                seen.append(job)
            return job if until(job) else None

        return wait_until(poll, timeout=timeout, interval=0.02, what=what or f"{kind} job {job_id}")

    def link(self, backup_id: int) -> httpx.Response:
        return self.http.post(f"/api/backups/{backup_id}/download-link/")

    def restore_upload(self, path: Path, *, replace: bool, dry_run: bool = False) -> httpx.Response:
        with open(path, "rb") as data:
            return self.http.post(
                "/api/restores/",
                data={"replace": str(replace).lower(), "dry_run": str(dry_run).lower()},
                files={"backup_file": (path.name, data, "application/octet-stream")},
            )

    def restore_archive(self, backup_id: int, *, replace: bool, dry_run: bool = False) -> httpx.Response:
        return self.http.post("/api/restores/", json={"backup": backup_id, "replace": replace, "dry_run": dry_run})

    def cancel(self, restore_id: int) -> httpx.Response:
        return self.http.post(f"/api/restores/{restore_id}/cancel/")


@dataclass
class Download:
    path: Path
    status: int
    bytes: int
    seconds: float
    headers: dict[str, str]
    error: str | None = None  # the transport error that cut the body short, if any


def download(
    http: httpx.Client,
    token: str,
    dest: Path,
    *,
    fmt: str | None = None,
    chunk_size: int = 64 * 1024,
    on_chunk: Callable[[int], None] | None = None,
    stop_after: int | None = None,
) -> Download:
    """Stream ``GET /api/backup/`` into ``dest``. ``on_chunk(received)`` runs after each chunk
    (a slow client sleeps there); ``stop_after`` hangs up once that many bytes arrived.
    A body cut short by the server is kept, with the transport error noted."""
    params = {"format": fmt} if fmt else {}
    started = time.monotonic()
    received, error = 0, None
    with open(dest, "wb") as out, http.stream("GET", "/api/backup/", params=params, headers=bearer(token)) as response:
        if response.status_code != 200:
            response.read()
            return Download(dest, response.status_code, 0, 0.0, dict(response.headers), response.text)
        try:
            for chunk in response.iter_raw(chunk_size):
                out.write(chunk)
                received += len(chunk)
                if on_chunk:
                    on_chunk(received)
                if stop_after is not None and received >= stop_after:
                    break
        except httpx.TransportError as exc:
            error = f"{type(exc).__name__}: {exc}"
    return Download(dest, 200, received, time.monotonic() - started, dict(response.headers), error)


def post_restore(http: httpx.Client, token: str, path: Path, *, replace: bool, dry_run: bool = False) -> httpx.Response:
    with open(path, "rb") as data:
        return http.post(
            "/api/restore/",
            headers=bearer(token),
            data={"replace": str(replace).lower(), "dry_run": str(dry_run).lower()},
            files={"backup_file": (path.name, data, "application/octet-stream")},
        )


def curl_download(base_url: str, token: str, dest: Path, *, fmt: str | None = None, timeout: float = 120):
    url = f"{base_url}/api/backup/" + (f"?format={fmt}" if fmt else "")
    return subprocess.run(
        ["curl", "-fsS", "--max-time", str(int(timeout)), "-o", str(dest), "-H", f"Authorization: Bearer {token}", url],
        capture_output=True, text=True, timeout=timeout + 10, check=False,
    )  # fmt: skip


# -- reading backups --------------------------------------------------------------------------


def ndjson_lines(path: Path) -> Iterator[bytes]:
    """The decompressed lines of a backup file (zstd detected by magic), streamed."""
    with open(path, "rb") as raw:
        magic = raw.read(4)
        raw.seek(0)
        if magic == b"\x28\xb5\x2f\xfd":
            reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
            stream = io.BufferedReader(reader, 1 << 20)
        else:
            stream = raw
        yield from stream


def header_of(path: Path) -> dict:
    return orjson.loads(next(ndjson_lines(path)))


def section_values(path: Path, model: str, column: str) -> list:
    """Every value of ``column`` in the rows of section ``model``."""
    values, index = [], None
    for line in ndjson_lines(path):
        if line.startswith(b"{"):
            record = orjson.loads(line)
            index = record["fields"].index(column) if record.get("kind") == "section" and record["model"] == model else None
        elif index is not None:
            values.append(orjson.loads(line)[index])
    return values


def last_line(path: Path) -> dict | list | None:
    last = None
    for line in ndjson_lines(path):
        last = line
    try:
        return orjson.loads(last) if last else None
    except orjson.JSONDecodeError:
        return None


# -- a big backup made on the fly -----------------------------------------------------------


class GeneratedBackup:
    """A valid NDJSON backup of ``target_bytes`` or more, generated deterministically, compressed
    with zstd on the fly. Nearly all of it is one ``personal_admin.bitacora`` section (the audit
    log is export-only: restore checks and counts those rows, then skips them), with long
    descriptions that are part fresh random hex (so the compressed upload stays big: about 12 %
    of the NDJSON with the defaults) and part repeated text.

    Iterating twice yields the same bytes, so the size can be measured in a first pass and
    sent as ``Content-Length`` in the second.
    """

    FIELDS = ["id", "usuario", "accion", "modulo", "descripcion", "ip", "fecha"]

    def __init__(
        self, header: dict, target_bytes: int, *, row_bytes: int = 4096, noise: float = 0.1, seed: int = 7, level: int = 1
    ):
        self.header = {k: v for k, v in header.items()}
        self.header["schema"] = {"personal_admin.bitacora": header["schema"]["personal_admin.bitacora"]}
        self.target_bytes = target_bytes
        self.row_bytes = row_bytes
        self.noise = noise  # share of each description that is random hex (incompressible-ish)
        self.seed = seed
        self.level = level
        self.uncompressed = 0
        self.rows = 0

    def _lines(self) -> Iterator[bytes]:
        import random

        rng = random.Random(self.seed)
        words = "cambio de aceite revisión de frenos alineación balanceo diagnóstico escáner ".split()
        text = [" ".join(rng.choice(words) for _ in range(self.row_bytes // 16)) for _ in range(16)]
        noise_bytes = int(self.row_bytes * self.noise / 2)  # as hex: that share of the row
        yield orjson.dumps(self.header) + b"\n"
        yield orjson.dumps({"kind": "section", "model": "personal_admin.bitacora", "fields": self.FIELDS}) + b"\n"
        size, rows = 0, 0
        while size < self.target_bytes:
            rows += 1
            descripcion = f"{rows:09d} {rng.randbytes(noise_bytes).hex()} {text[rows % 16]}"[: self.row_bytes]
            line = orjson.dumps(
                [rows, None, "restaurar", "e2e", descripcion, "127.0.0.1", "2025-06-01T12:00:00Z"]
            ) + b"\n"
            size += len(line)
            yield line
        yield orjson.dumps({"kind": "section_end", "model": "personal_admin.bitacora", "rows": rows}) + b"\n"
        self.rows = rows

    def chunks(self, chunk_bytes: int = 1 << 20) -> Iterator[bytes]:
        """The compressed file, in chunks of about ``chunk_bytes``."""
        digest = hashlib.sha256()
        compressor = zstandard.ZstdCompressor(level=self.level, write_checksum=True).compressobj()
        pending: list[bytes] = []
        pending_size = total = 0
        for line in self._lines():
            digest.update(line)
            total += len(line)
            out = compressor.compress(line)
            if out:
                pending.append(out)
                pending_size += len(out)
                if pending_size >= chunk_bytes:
                    yield b"".join(pending)
                    pending, pending_size = [], 0
        end = orjson.dumps({"kind": "end", "sections": 1, "rows": self.rows, "sha256": digest.hexdigest()}) + b"\n"
        total += len(end)
        pending.append(compressor.compress(end))
        pending.append(compressor.flush())
        self.uncompressed = total
        yield b"".join(pending)


def multipart(
    fields: dict[str, str], file_field: str, filename: str, file_chunks: Callable[[], Iterator[bytes]], file_size: int
) -> tuple[dict[str, str], int, Iterator[bytes]]:
    """A ``multipart/form-data`` body around a generator: (headers, content length, chunks).

    Django needs a ``Content-Length`` (it reads no body without one), hence ``file_size``."""
    boundary = "e2e-" + secrets.token_hex(12)
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: application/zstd\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head
        yield from file_chunks()
        yield tail

    length = len(head) + file_size + len(tail)
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(length)}
    return headers, length, body()


def directory_bytes(path: Path) -> int:
    total = 0
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(path):
            with contextlib.suppress(FileNotFoundError):
                if entry.is_file():
                    total += entry.stat().st_size
    return total


def flocks_held(pid: int, path: Path) -> bool:
    """Linux: whether process ``pid`` holds an flock on ``path`` (read from /proc/locks)."""
    try:
        inode = os.stat(path).st_ino
    except FileNotFoundError:
        return False
    pattern = re.compile(rf"FLOCK\s+\S+\s+\S+\s+{pid}\s+[0-9a-f]+:[0-9a-f]+:{inode}\s")
    return any(pattern.search(line) for line in Path("/proc/locks").read_text().splitlines())


def mb(value: float) -> str:
    return f"{value / MiB:.1f} MB"


_LOG_LINE = re.compile(r" backup_restore (backup|restore) tenant=(\S+) user=(\S+) (\{.*\})\s*$")


def log_events(text: str) -> list[dict]:
    """The structured backup/restore lines of a server log (written by backup_restore.audit):
    ``{"action", "tenant", "user", **details}``."""
    events = []
    for line in text.splitlines():
        if match := _LOG_LINE.search(line):
            action, tenant, user, details = match.groups()
            events.append({"action": action, "tenant": tenant, "user": user, **orjson.loads(details)})
    return events
