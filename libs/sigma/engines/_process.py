"""What the real engines for tests share: a child process owned by the test session.

``EngineProcess`` holds the process and the ways it can end: ``terminate`` (SIGTERM, then SIGKILL
when it lingers; what a clean stop is) and ``kill`` (SIGKILL; what a crash is). Subclasses say
how to start and what a stop leaves behind.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Self


def free_port() -> int:
    """A loopback port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
