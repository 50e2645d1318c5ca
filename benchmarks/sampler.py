"""Resident memory of a process tree, sampled in a background thread.

Used for the HTTP server, whose worker is not our child: the sampled peak is per request,
while ``os.wait4`` on the master gives the exact peak over the server's whole life.
"""

from __future__ import annotations

import threading

import psutil


class RssSampler:
    """Tracks the peak RSS of the busiest descendant of ``pid`` and of the whole tree."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_worker = 0
        self.peak_tree = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> RssSampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        sizes = [_rss(p) for p in [self.root, *_children(self.root)]]
        self.peak_tree = max(self.peak_tree, sum(sizes))
        self.peak_worker = max(self.peak_worker, max(sizes[1:], default=sizes[0]))


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
