"""The process runtime's view of its container processes: liveness, exit codes, exit events.

A container process is either a child this runtime spawned (a ``Popen``: its exit status is
exact) or one an earlier agent left running (adopted: known by pid and start time, because pids
are reused). Every watched process gets a pidfd registered on the event loop, so its exit calls
``on_exit`` at once; where pidfds are unavailable the agent's resync still polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import psutil

from sigma.clock import Clock


class Processes:
    def __init__(self) -> None:
        self.on_exit: Callable[[], None] | None = None
        self._children: dict[int, subprocess.Popen[bytes]] = {}
        self._create_times: dict[int, float] = {}
        self._pidfds: dict[int, int] = {}

    def spawned(self, proc: subprocess.Popen[bytes]) -> None:
        self._children[proc.pid] = proc
        self._create_times[proc.pid] = psutil.Process(proc.pid).create_time()
        self._watch(proc.pid)

    def adopt(self, pid: int, create_time: float) -> None:
        self._create_times[pid] = create_time
        if self.alive(pid):
            self._watch(pid)

    def create_time(self, pid: int) -> float:
        return self._create_times.get(pid, 0.0)

    def forget(self, pid: int) -> None:
        self._unwatch(pid)
        self._children.pop(pid, None)
        self._create_times.pop(pid, None)

    def close(self) -> None:
        for pid in list(self._pidfds):
            self._unwatch(pid)
        for proc in self._children.values():
            if proc.stdin is not None and not proc.stdin.closed:
                proc.stdin.close()

    # -- liveness ------------------------------------------------------------------------------
    def alive(self, pid: int) -> bool:
        self.reap(pid)
        proc = self._children.get(pid)
        if proc is not None:
            return proc.returncode is None
        try:
            p = psutil.Process(pid)
            same = abs(p.create_time() - self._create_times.get(pid, -1.0)) < 0.05
            return same and p.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def exit_code(self, pid: int) -> int | None:
        """The wrapper's own exit status (128 + n for a signal), when this runtime spawned it."""
        proc = self._children.get(pid)
        if proc is None or proc.returncode is None:
            return None
        rc = proc.returncode
        return 128 - rc if rc < 0 else rc

    def reap(self, pid: int) -> None:
        proc = self._children.get(pid)
        if proc is not None:
            proc.poll()
            return
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)  # a child of an earlier runtime in this process

    def groups_alive(self, leaders: list[int]) -> bool:
        for pid in leaders:
            self.reap(pid)
        return any(group_members(pid) for pid in leaders)

    async def terminate(self, leaders: list[int], grace: float, clock: Clock) -> None:
        """SIGTERM each group, SIGKILL what is left after ``grace``; wait until all are gone."""
        for pid in leaders:
            signal_group(pid, signal.SIGTERM)
        deadline = clock.now() + grace
        while self.groups_alive(leaders) and clock.now() < deadline:
            await clock.sleep(0.02)
        if self.groups_alive(leaders):
            for pid in leaders:
                signal_group(pid, signal.SIGKILL)
            while self.groups_alive(leaders):
                await clock.sleep(0.005)

    # -- exit events ---------------------------------------------------------------------------
    def _watch(self, pid: int) -> None:
        try:
            loop = asyncio.get_running_loop()
            fd = os.pidfd_open(pid)
        except (RuntimeError, OSError, AttributeError):
            return  # no loop or no pidfd here: the agent's resync polls instead
        self._pidfds[pid] = fd
        loop.add_reader(fd, self._exited, pid)

    def _exited(self, pid: int) -> None:
        self._unwatch(pid)
        if self.on_exit is not None:
            self.on_exit()

    def _unwatch(self, pid: int) -> None:
        fd = self._pidfds.pop(pid, None)
        if fd is None:
            return
        with contextlib.suppress(RuntimeError, ValueError):
            asyncio.get_running_loop().remove_reader(fd)
        os.close(fd)


def signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def kill_leftovers(leader: int) -> None:
    """SIGKILL what is left of the group a dead ``leader`` led (its command, what that forked).

    A pid is never handed out while a group of that id has members, so a live process with the
    leader's pid means the group is empty and the pid reused: then nothing is sent.
    """
    if _live_pid(leader):
        return
    signal_group(leader, signal.SIGKILL)


def tasks(pid: int) -> list[int]:
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return []


def group_members(pgid: int, leaders: tuple[int, ...] = ()) -> list[int]:
    """Every live (non-zombie) process of the group: the wrapper and whatever it started."""
    members = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.add(int(entry.name))
    return sorted(members | {p for p in leaders if _live_pid(p)})


def _live_pid(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
