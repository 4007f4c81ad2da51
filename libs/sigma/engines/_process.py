"""What the real engines for tests share: a child process owned by the test session.

``EngineProcess`` holds the process and the ways it can end: ``terminate`` (SIGTERM, then SIGKILL
when it lingers; what a clean stop is) and ``kill`` (SIGKILL; what a crash is). Subclasses say
how to start and what a stop leaves behind.
"""

from __future__ import annotations

import random
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Self

_PICK = random.SystemRandom()  # not the random module's: a seeded run would pick alike
LOWEST = 10_000


def free_port() -> int:
    """A loopback port nobody listens on right now, below the machine's ephemeral range.

    An engine binds the port seconds after this returns (a JVM's start). A port the OS hands
    out for port 0 is one it also gives outgoing connections, which churn in a test run and in
    a second run beside it: one could take the port in between. Below the ephemeral range only
    another listener can, and a random pick there makes that unlikely.
    """
    below = _ephemeral_low()
    for _ in range(100) if below - LOWEST >= 1_000 else ():
        port = _PICK.randrange(LOWEST, below)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ephemeral_low(path: str = "/proc/sys/net/ipv4/ip_local_port_range") -> int:
    try:
        return int(Path(path).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def tail(paths: Iterable[Path], lines: int = 40) -> str:
    """The last ``lines`` of each existing log, for the message of a failed start."""
    text = ""
    for path in paths:
        if path.exists():
            text += "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
    return text


class EngineProcess:
    """A started engine; ``with Engine() as e`` starts it and stops it again."""

    _proc: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def terminate(self, timeout: float) -> None:
        """SIGTERM and wait up to ``timeout`` seconds, then SIGKILL."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def wait_until(
        self, ready: Callable[[], bool], *, what: str, timeout: float, log: Callable[[], str]
    ) -> None:
        """Poll ``ready`` until it holds; fail with the log's tail if the engine exits or
        ``timeout`` passes (then the engine is terminated). ``ready`` handles its own errors."""
        deadline = time.monotonic() + timeout
        while not ready():
            if not self.running:
                raise RuntimeError(f"{what} exited while starting:\n{log()}")
            if time.monotonic() > deadline:
                self.terminate(5.0)
                raise RuntimeError(f"{what} was not ready within {timeout}s:\n{log()}")
            time.sleep(0.01)

    def kill(self) -> None:
        """SIGKILL, as a machine crash would; the data stays for ``start``/``restart``."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
