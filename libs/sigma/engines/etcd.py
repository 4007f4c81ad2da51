"""A real etcd on loopback: ``EtcdEngine`` starts Debian's binary with its data in a temporary
folder (tests share one per session: ``tests/plugins/engines.py``).

The engine runs with a short heartbeat and election timeout: a one-member cluster elects itself at
once, and etcd's minimum lease TTL (1.5 election timeouts, rounded up to whole seconds) drops from
2 s to 1 s, which keeps lease tests quick.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import grpc
from aetcd import rpc

from sigma.engines._process import EngineProcess, free_port, tail

_NAME = "sigma-test"


class EtcdNotInstalled(RuntimeError):
    pass


def etcd_binary() -> str:
    """The etcd executable: on PATH, or Debian's /usr/bin/etcd."""
    found = shutil.which("etcd") or (
        "/usr/bin/etcd" if os.access("/usr/bin/etcd", os.X_OK) else None
    )
    if found is None:
        raise EtcdNotInstalled("no etcd binary on PATH or at /usr/bin/etcd; run `make engines`")
    return found


class EtcdEngine(EngineProcess):
    """One etcd member on 127.0.0.1, with its data in a temporary folder.

    ``host`` is where the client port listens: ``0.0.0.0`` makes the member reachable from a
    network namespace of this machine too (partition tests), while local clients keep using
    127.0.0.1.

    ``restart()`` keeps the data and the ports, so clients reconnect to the same endpoint; it is
    what fault tests use to take etcd away under a running system.
    """

    def __init__(
        self, *, keep_data: bool = False, start_timeout: float = 20.0, host: str = "127.0.0.1"
    ) -> None:
        self.binary = etcd_binary()
        self.host = host
        self.keep_data = keep_data
        self.start_timeout = start_timeout
        self.client_port = free_port()
        self.peer_port = free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix="sigma-etcd-"))
        self.version = self._read_version()

    @property
    def endpoint(self) -> str:
        host = "127.0.0.1" if self.host == "0.0.0.0" else self.host
        return f"{host}:{self.client_port}"

    @property
    def url(self) -> str:
        return f"etcd://{self.endpoint}"

    def start(self) -> EtcdEngine:
        if self.running:
            return self
        client = f"http://{self.endpoint}"
        peer = f"http://127.0.0.1:{self.peer_port}"
        args = [
            self.binary,
            f"--name={_NAME}",
            f"--data-dir={self.data_dir / 'data'}",
            f"--listen-client-urls=http://{self.host}:{self.client_port}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster={_NAME}={peer}",
            "--initial-cluster-state=new",
            "--heartbeat-interval=25",
            "--election-timeout=250",
            "--logger=zap",
            "--log-level=warn",
        ]
        log = (self.data_dir / "etcd.log").open("ab")
        try:
            self._proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        finally:
            log.close()
        self._wait_ready()
        return self

    def stop(self, *, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if etcd does not leave in time; drop the data unless kept."""
        self.terminate(timeout)
        if not self.keep_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def restart(self, *, down_for: float = 0.0) -> None:
        """Stop (keeping data and ports), optionally stay down a while, start again."""
        self.terminate(10.0)
        if down_for:
            time.sleep(down_for)
        self.start()

    def log_tail(self, lines: int = 40) -> str:
        return tail([self.data_dir / "etcd.log"], lines)

    def _read_version(self) -> str:
        out = subprocess.run(
            [self.binary, "--version"], capture_output=True, text=True, check=False, timeout=10
        ).stdout
        for line in out.splitlines():
            if line.startswith("etcd Version:"):
                return line.split(":", 1)[1].strip()
        return "unknown"

    def _wait_ready(self) -> None:
        """Poll a real client call until etcd serves it (a leader exists, the KV answers)."""
        deadline = time.monotonic() + self.start_timeout
        with grpc.insecure_channel(self.endpoint) as channel:
            kv = rpc.KVStub(channel)
            while True:
                if self._proc is None or self._proc.poll() is not None:
                    raise RuntimeError(f"etcd exited while starting:\n{self.log_tail()}")
                try:
                    kv.Range(rpc.RangeRequest(key=b"\0"), timeout=0.5)
                    return
                except grpc.RpcError:
                    if time.monotonic() > deadline:
                        self.terminate(5.0)
                        raise RuntimeError(
                            f"etcd did not answer within {self.start_timeout}s:\n{self.log_tail()}"
                        ) from None
                    time.sleep(0.05)
