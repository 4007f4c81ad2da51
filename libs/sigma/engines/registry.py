"""A real image registry for tests: Debian's ``docker-registry`` (the CNCF distribution registry)
on a free loopback port, plain HTTP, its blobs in a temporary folder.

Tests share one per session (``tests/plugins/engines.py``), skipped with a one-line reason where
the registry is not installed (``make engines`` installs it).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from sigma.engines._process import EngineProcess, free_port, tail


class RegistryNotInstalled(RuntimeError):
    pass


def registry_binary() -> str:
    found = shutil.which("docker-registry")
    if found is None:
        raise RegistryNotInstalled("docker-registry is not installed; run `make engines`")
    return found


class RegistryEngine(EngineProcess):
    """``with RegistryEngine() as r: r.address`` -> ``127.0.0.1:<port>``, serving /v2/."""

    def __init__(self, *, start_timeout: float = 20.0, address: str = "") -> None:
        """``address``: host:port to serve on (default: a free loopback port)."""
        self.binary = registry_binary()
        self.start_timeout = start_timeout
        self.address = address or f"127.0.0.1:{free_port()}"
        self.port = int(self.address.rpartition(":")[2])
        self.data_dir = Path(tempfile.mkdtemp(prefix="sigma-registry-"))
        out = subprocess.run(
            [self.binary, "--version"], capture_output=True, text=True, check=False, timeout=10
        ).stdout
        self.version = (out.split() or ["unknown"])[-1]

    @property
    def log_file(self) -> Path:
        return self.data_dir / "registry.log"

    def start(self) -> RegistryEngine:
        if self.running:
            return self
        config = self.data_dir / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.data_dir / 'data'}\n"
            "  delete:\n    enabled: true\n"
            f"http:\n  addr: {self.address}\n"
        )
        with self.log_file.open("ab") as log:
            self._proc = subprocess.Popen(
                [self.binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_ready()
        return self

    def stop(self) -> None:
        self.terminate(10.0)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def _wait_ready(self) -> None:
        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"http://{self.address}/v2/", timeout=0.5):
                    return True
            except OSError:
                return False

        self.wait_until(answers, what="the registry", timeout=self.start_timeout, log=self.log_tail)

    def log_tail(self, lines: int = 40) -> str:
        return tail([self.log_file], lines)
