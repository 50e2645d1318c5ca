"""Run one child process and measure what it cost.

Wall time, CPU time and peak RSS all come from ``os.wait4`` in the ``spawner`` process
(see there why the harness cannot be the parent): the kernel fills them in exactly for the
child, and ``ru_maxrss`` also covers the descendants it reaped (gunicorn's worker), which
sampling would only approximate.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

SPAWNER = Path(__file__).with_name("spawner.py")


@dataclass(frozen=True, slots=True)
class ProcessCost:
    wall_s: float
    user_s: float
    sys_s: float
    peak_rss_bytes: int
    returncode: int

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s

    def as_dict(self) -> dict:
        return {
            "wall_s": self.wall_s,
            "cpu_s": self.cpu_s,
            "user_s": self.user_s,
            "sys_s": self.sys_s,
            "peak_rss_bytes": self.peak_rss_bytes,
            "returncode": self.returncode,
        }


class StepFailed(RuntimeError):
    """A measured command exited with an error; the message ends with its stderr tail."""


class _Spawner:
    """The harness's handle on the spawner process, started on first use."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def ask(self, request: dict) -> dict:
        with self._lock:
            proc = self._ensure()
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            answer = json.loads(proc.stdout.readline() or '{"error": "spawner died"}')
        if "error" in answer:
            raise StepFailed(f"spawner: {answer['error']}")
        return answer

    def _ensure(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-S", str(SPAWNER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
        return self._proc


_spawner = _Spawner()
_live: set[int] = set()  # started and not yet reaped


def start(argv: list[str], *, env: dict, cwd: Path, log_stem: Path) -> int:
    """Start a child with stdout/stderr in ``<log_stem>.out`` / ``.err``; returns its pid."""
    log_stem.parent.mkdir(parents=True, exist_ok=True)
    request = {"op": "start", "argv": argv, "env": env, "cwd": str(cwd), "out": f"{log_stem}.out", "err": f"{log_stem}.err"}
    pid = _spawner.ask(request)["pid"]
    _live.add(pid)
    return pid


def reap(pid: int, timeout: float | None = None) -> ProcessCost:
    """Wait for a child started with ``start`` (killed after ``timeout`` s) and return its cost."""
    answer = _spawner.ask({"op": "wait", "pid": pid, "timeout": timeout})
    _live.discard(pid)
    return ProcessCost(
        wall_s=answer["wall_s"],
        user_s=answer["user_s"],
        sys_s=answer["sys_s"],
        peak_rss_bytes=answer["maxrss_kb"] * 1024,  # kilobytes on Linux
        returncode=answer["status"],
    )


def run(argv: list[str], *, env: dict, cwd: Path, log_stem: Path, timeout: float | None = None) -> ProcessCost:
    """Run ``argv`` to completion; raise ``StepFailed`` when it exits non-zero."""
    cost = reap(start(argv, env=env, cwd=cwd, log_stem=log_stem), timeout)
    if cost.returncode != 0:
        raise StepFailed(f"{' '.join(argv[1:4])}... exited {cost.returncode}: {tail(Path(f'{log_stem}.err'))}")
    return cost


def stop_all() -> None:
    """On interruption: stop the children this run started (and only those)."""
    for pid in list(_live):
        terminate(pid)


def terminate(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


def tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""
