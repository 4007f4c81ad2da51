"""Processes in tests: which still run, and which outlived what should have ended them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import psutil

from sigma.testing.wait import eventually_sync


def alive(proc: psutil.Process) -> bool:
    """The process runs: it exists and is not a zombie (exited, not reaped yet)."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def outlived(procs: Iterable[psutil.Process], *, timeout: float = 5.0) -> list[str]:
    """The processes of ``procs`` still alive ``timeout`` s from now (as "pid: cmdline"), each
    killed first so one failure cannot leak into the next tests; [] once every one ended."""
    procs = list(procs)
    with contextlib.suppress(AssertionError):
        eventually_sync(lambda: not any(alive(p) for p in procs), timeout=timeout, interval=0.05)
    left = []
    for proc in procs:
        if alive(proc):
            with contextlib.suppress(psutil.Error):
                left.append(f"{proc.pid}: {' '.join(proc.cmdline())[:60]}")
                proc.kill()
    return left
