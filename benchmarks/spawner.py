"""A tiny process that starts the measured commands and reaps them with ``os.wait4``.

Why it exists: Linux carries the parent's memory high-water mark into a child's
``ru_maxrss`` across fork and exec, so a child started by the harness (tens of MB once
matplotlib and httpx are loaded) would report at least the harness's peak. Started from this
process, which imports nothing but the standard library's core, a child's ``ru_maxrss`` has
a floor of about 10 MB, far below any Django process.

Run as ``python -I -S spawner.py``; it reads one JSON request per line on stdin and answers
one JSON line on stdout:

- ``{"op": "start", "argv": [...], "env": {...}, "cwd": "...", "out": path, "err": path}`` → ``{"pid": n}``
- ``{"op": "wait", "pid": n, "timeout": s}`` → ``{"wall_s", "user_s", "sys_s", "maxrss_kb", "status"}``
"""

import json
import os
import signal
import sys
import time

started = {}
waiting = []


def start(request):
    os.chdir(request["cwd"])
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, request["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    clock = time.perf_counter()
    pid = os.posix_spawn(request["argv"][0], request["argv"], request["env"], file_actions=actions)
    started[pid] = clock
    return {"pid": pid}


def wait(request):
    pid = request["pid"]
    waiting[:] = [pid]
    if request.get("timeout"):
        signal.setitimer(signal.ITIMER_REAL, request["timeout"])
    try:
        _, status, usage = os.wait4(pid, 0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        waiting.clear()
    return {
        "wall_s": time.perf_counter() - started.pop(pid),
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "maxrss_kb": usage.ru_maxrss,
        "status": os.waitstatus_to_exitcode(status),
    }


def on_timeout(signum, frame):
    for pid in waiting:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def main():
    signal.signal(signal.SIGALRM, on_timeout)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = {"start": start, "wait": wait}[request["op"]](request)
        except Exception as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


main()
