"""Watching a live server: a free loopback port, and its resident memory sampled in a thread.

Shared by the benchmarks (the HTTP export) and tests/e2e. For the benchmarks the server's
worker is not our child: the sampled peak is per request, while ``os.wait4`` on the master
gives the exact peak over the server's whole life.
"""

from __future__ import annotations

import socket
import threading

import psutil

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class RssSampler:
    """Peak RSS of a process, sampled every ``interval`` seconds while the ``with`` block runs.

    ``baseline`` is the RSS on entry, ``peak`` the highest sample, ``growth`` their difference.
    With ``tree=True`` the watched process is the busiest descendant of ``pid`` (a server's
    worker; ``pid`` itself while it has none) and ``peak_tree`` the peak of the whole tree.
    Listing descendants scans /proc, so it is off by default for fast sampling.
    """

    def __init__(self, pid: int, interval: float = 0.01, *, tree: bool = False) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.tree = tree
        self.baseline = 0
        self.peak = 0
        self.peak_tree = 0
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> RssSampler:
        self.sample()
        self.baseline = self.peak
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sample()

    @property
    def growth(self) -> int:
        return self.peak - self.baseline

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        sizes = [_rss(p) for p in [self.root, *(_children(self.root) if self.tree else [])]]
        self.count += 1
        self.peak = max(self.peak, max(sizes[1:], default=sizes[0]))
        self.peak_tree = max(self.peak_tree, sum(sizes))


def _children(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children(recursive=True)
    except psutil.Error:
        return []


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0
