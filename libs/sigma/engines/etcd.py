"""A real etcd on loopback: ``EtcdEngine`` starts Debian's binary with its data in a temporary
folder (tests share one per session: ``tests/plugins/engines.py``); ``EtcdCluster`` starts three
of them as one cluster (``tests/plugins/engines.py``: ``etcd_cluster``).

A lone engine runs with a short heartbeat and election timeout: a one-member cluster elects itself
at once, and etcd's minimum lease TTL (1.5 election timeouts, rounded up to whole seconds) drops
from 2 s to 1 s, which keeps lease tests quick. A cluster's members take twice as long (50 ms,
500 ms; etcd's defaults are 100 ms, 1 s): three members on a shared two-core machine would
otherwise hold elections whenever one of them is starved of CPU for a quarter second, while a
lost leader is still replaced within about a second.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import grpc
from aetcd import rpc

from sigma.engines._process import EngineProcess, free_port, tail


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


@dataclass(frozen=True)
class EtcdMember:
    """Who one member is: its name, its ports, and the cluster it forms with its peers
    (``peers``: name -> peer URL of every member, itself included; empty for a lone member)."""

    name: str = "sigma-test"
    client_port: int = field(default_factory=free_port)
    peer_port: int = field(default_factory=free_port)
    peers: tuple[tuple[str, str], ...] = ()
    heartbeat_ms: int = 25
    election_ms: int = 250

    @property
    def peer_url(self) -> str:
        return f"http://127.0.0.1:{self.peer_port}"

    @property
    def initial_cluster(self) -> str:
        peers = self.peers or ((self.name, self.peer_url),)
        return ",".join(f"{name}={url}" for name, url in peers)


class EtcdEngine(EngineProcess):
    """One etcd member on 127.0.0.1, with its data in a temporary folder.

    ``host`` is where the client port listens: ``0.0.0.0`` makes the member reachable from a
    network namespace of this machine too (partition tests), while local clients keep using
    127.0.0.1.

    ``restart()`` keeps the data and the ports, so clients reconnect to the same endpoint; it is
    what fault tests use to take etcd away under a running system.
    """

    def __init__(
        self,
        *,
        keep_data: bool = False,
        start_timeout: float = 20.0,
        member: EtcdMember | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.binary = etcd_binary()
        self.host = host
        self.keep_data = keep_data
        self.start_timeout = start_timeout
        self.member = member or EtcdMember()
        self.client_port = self.member.client_port
        self.peer_port = self.member.peer_port
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"sigma-etcd-{self.member.name}-"))
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
        self.launch()
        self.wait_ready()
        return self

    def launch(self) -> None:
        """Start the process without waiting: a member of a cluster serves only once a quorum
        of its peers runs too. Data already in the folder wins over the initial-cluster flags."""
        m = self.member
        client = f"http://{self.endpoint}"
        args = [
            self.binary,
            f"--name={m.name}",
            f"--data-dir={self.data_dir / 'data'}",
            f"--listen-client-urls=http://{self.host}:{self.client_port}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={m.peer_url}",
            f"--initial-advertise-peer-urls={m.peer_url}",
            f"--initial-cluster={m.initial_cluster}",
            "--initial-cluster-state=new",
            f"--heartbeat-interval={m.heartbeat_ms}",
            f"--election-timeout={m.election_ms}",
            "--logger=zap",
            "--log-level=warn",
        ]
        log = (self.data_dir / "etcd.log").open("ab")
        try:
            self._proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        finally:
            log.close()

    def stop(self, *, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if etcd does not leave in time; drop the data unless kept."""
        self.resume()
        self.terminate(timeout)
        if not self.keep_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def restart(self, *, down_for: float = 0.0) -> None:
        """Stop (keeping data and ports), optionally stay down a while, start again."""
        self.terminate(10.0)
        if down_for:
            time.sleep(down_for)
        self.start()

    def pause(self) -> None:
        """SIGSTOP: a hung member, its sockets open and nothing answered."""
        if self._proc is not None and self.running:
            self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT after ``pause`` (harmless when running)."""
        if self._proc is not None and self.running:
            self._proc.send_signal(signal.SIGCONT)

    def status(self, timeout: float = 1.0) -> rpc.StatusResponse:
        """The Maintenance Status of this member (its id, the leader it knows, its raft term)."""
        with grpc.insecure_channel(self.endpoint) as channel:
            return rpc.MaintenanceStub(channel).Status(rpc.StatusRequest(), timeout=timeout)

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

    def wait_ready(self) -> None:
        """Poll a real client call until etcd serves it (a leader exists, the KV answers)."""
        with grpc.insecure_channel(self.endpoint) as channel:
            kv = rpc.KVStub(channel)

            def answers() -> bool:
                try:
                    kv.Range(rpc.RangeRequest(key=b"\0"), timeout=0.5)
                except grpc.RpcError:
                    return False
                return True

            self.wait_until(answers, what="etcd", timeout=self.start_timeout, log=self.log_tail)


class EtcdCluster:
    """``size`` etcd members on loopback forming one cluster; ``url`` names every member.

    Faults act on one member at a time (``members[i].kill()``, ``.pause()``, ``.start()`` again
    with its data); ``leader()`` says which member leads, as the members themselves report it.
    """

    def __init__(self, size: int = 3, *, start_timeout: float = 30.0) -> None:
        names = [f"m{i}" for i in range(size)]
        ports = [(free_port(), free_port()) for _ in names]
        peers = tuple((n, f"http://127.0.0.1:{p}") for n, (_, p) in zip(names, ports, strict=True))
        self.members = [
            EtcdEngine(
                start_timeout=start_timeout,
                member=EtcdMember(n, c, p, peers, heartbeat_ms=50, election_ms=500),
            )
            for n, (c, p) in zip(names, ports, strict=True)
        ]
        self.version = self.members[0].version

    @property
    def endpoints(self) -> list[str]:
        return [m.endpoint for m in self.members]

    @property
    def url(self) -> str:
        return "etcd://" + ",".join(self.endpoints)

    def start(self) -> Self:
        for m in self.members:
            if not m.running:
                m.launch()
        try:
            with ThreadPoolExecutor(len(self.members)) as pool:
                list(pool.map(lambda m: m.wait_ready(), self.members))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for m in self.members:
            m.stop()

    def leader(self, *, among: Sequence[EtcdEngine] = (), timeout: float = 15.0) -> EtcdEngine:
        """The member the running members agree leads (waits through an election)."""
        candidates = list(among or [m for m in self.members if m.running])
        deadline = time.monotonic() + timeout
        while True:
            ids: dict[int, EtcdEngine] = {}
            leaders: set[int] = set()
            for m in candidates:
                try:
                    status = m.status(timeout=0.5)
                except grpc.RpcError:
                    continue
                ids[status.header.member_id] = m
                leaders.add(status.leader)
            if len(leaders) == 1 and (lead := leaders.pop()) in ids:
                return ids[lead]
            if time.monotonic() > deadline:
                raise RuntimeError(f"no agreed etcd leader within {timeout}s")
            time.sleep(0.05)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
