"""Export through the real endpoint: a gunicorn server on 127.0.0.1 and a streaming client.

A fresh server per repetition, so ``os.wait4`` on its master gives the exact peak RSS of
that one download (the master reaps its worker on shutdown, and the kernel folds the
worker's peak into the master's).
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from . import procs
from .probes import HOST, RssSampler, free_port
from .site import REPO, Site

BENCH_USER = "bench_owner"
SERVER_TIMEOUT_S = 7200
READY_TIMEOUT_S = 60
CHUNK_BYTES = 1 << 16
SAMPLE_INTERVAL_S = 0.05


@dataclass(frozen=True, slots=True)
class HttpDownload:
    client_wall_s: float
    first_byte_s: float
    bytes: int
    status: int
    server_cpu_s: float  # the worker's CPU during the request only
    server_rss_before_bytes: int  # the worker after start-up and the token request
    server_sampled_peak_rss_bytes: int
    server_tree_sampled_peak_rss_bytes: int


def measure_download(site: Site, *, password: str, target: Path, log_stem: Path) -> tuple[HttpDownload, procs.ProcessCost]:
    """Start a server, download the backup as ``bench_owner`` into ``target``, stop the server."""
    port = free_port()
    argv = site.module(
        "gunicorn", "config.wsgi:application", "--bind", f"{HOST}:{port}", "--workers", "1",
        "--worker-class", "sync", "--timeout", str(SERVER_TIMEOUT_S), "--log-level", "warning",
    )
    server = procs.start(argv, env=site.env(), cwd=REPO, log_stem=log_stem)
    try:
        _wait_ready(server, port, log_stem)
        with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=httpx.Timeout(SERVER_TIMEOUT_S, connect=10)) as client:
            token = _token(client, password)
            download = _download(client, server, token, target)
    finally:
        procs.terminate(server)  # graceful: the master stops and reaps its worker
    return download, procs.reap(server, timeout=60)


def _wait_ready(server: int, port: int, log_stem: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if not _alive(server):
            raise procs.StepFailed(f"gunicorn exited before serving: {procs.tail(Path(f'{log_stem}.err'))}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise procs.StepFailed(f"gunicorn did not listen on port {port} within {READY_TIMEOUT_S} s")


def _token(client: httpx.Client, password: str) -> str:
    """The first request also makes the worker import the whole application."""
    response = client.post("/api/auth/token/", json={"username": BENCH_USER, "password": password})
    if response.status_code != 200:
        raise procs.StepFailed(f"token request answered {response.status_code}: {response.text[:200]}")
    return response.json()["access"]


def _download(client: httpx.Client, server_pid: int, token: str, target: Path) -> HttpDownload:
    worker = _worker(server_pid)
    cpu_before = _cpu(worker)
    received = 0
    with RssSampler(server_pid, interval=SAMPLE_INTERVAL_S, tree=True) as sampler:
        started = time.perf_counter()
        first_byte = None
        headers = {"Authorization": f"Bearer {token}"}
        with client.stream("GET", "/api/backup/", headers=headers) as response, open(target, "wb") as out:
            for chunk in response.iter_raw(CHUNK_BYTES):
                first_byte = first_byte or time.perf_counter() - started
                received += len(chunk)
                out.write(chunk)
            wall = time.perf_counter() - started
            status = response.status_code
    if status != 200:
        raise procs.StepFailed(f"GET /api/backup/ answered {status}: {target.read_bytes()[:200]!r}")
    return HttpDownload(
        client_wall_s=wall,
        first_byte_s=first_byte or wall,
        bytes=received,
        status=status,
        server_cpu_s=_cpu(worker) - cpu_before,
        server_rss_before_bytes=sampler.baseline,
        server_sampled_peak_rss_bytes=sampler.peak,
        server_tree_sampled_peak_rss_bytes=sampler.peak_tree,
    )


def _worker(server_pid: int) -> psutil.Process:
    children = psutil.Process(server_pid).children(recursive=True)
    return children[0] if children else psutil.Process(server_pid)


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False

