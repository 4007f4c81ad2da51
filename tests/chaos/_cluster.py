"""A whole Sigma cluster of real processes for fault tests: a private etcd, a private Kafka broker
(or, with ``quorum=3``, a three-member etcd and a three-broker Kafka), and several replicas of
every tier, each one `sigma <tier>` subprocess.

The engines are private (not the session fixtures) because the faults restart them, which other
tests sharing the session's engines would not survive. Every tier process gets a fixed port
chosen up front, so a replica killed and started again answers on the same address and a
round-robin client over the apiservers needs no new target list. Each process's stdout and
stderr go to files that survive restarts, so a failure message can quote them and the checks
can read every shutdown report.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from sigma.engines._process import free_port, tail
from sigma.engines.etcd import EtcdCluster, EtcdEngine
from sigma.engines.kafka import KafkaCluster, KafkaEngine

TIERS = ("apiserver", "scheduler", "colocator", "slave")
READY_TIMEOUT = 40.0  # seconds a tier has to print its address (Python start plus imports)
STOP_GRACE = 15.0  # seconds a tier has to leave after SIGTERM
_EXCEPTION = re.compile(r"^([a-z_]\w*\.)*[A-Z]\w*(: |$)")  # "sigma.errors.Unavailable: …"


@dataclass(frozen=True, slots=True)
class Shape:
    """How big the cluster is: replicas of each control tier, and slave processes (one node each).

    ``node_cpus`` is each simulated node's CPU count; memory follows at 4 GiB per CPU.
    """

    replicas: int = 2
    slaves: int = 3
    node_cpus: int = 64
    runtime: str = "simulated"  # or "process": real pods on this machine, every slave sharing it


class TierProcess:
    """One `sigma <tier>` subprocess that can be killed, restarted and stopped again and again."""

    def __init__(self, name: str, tier: str, args: Sequence[str], logs: Path) -> None:
        self.name = name
        self.tier = tier
        self.args = [sys.executable, "-m", "sigma.cli", tier, *args]
        self.stdout = logs / f"{name}.out"
        self.stderr = logs / f"{name}.err"
        self.proc: asyncio.subprocess.Process | None = None
        self.exit_codes: list[int] = []  # of every stop by SIGTERM, in order
        self.starts = 0

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        """Start and wait until the tier prints its address (it listens and its loops run)."""
        mark = self.stdout.stat().st_size if self.stdout.exists() else 0
        with self.stdout.open("ab") as out, self.stderr.open("ab") as err:
            self.proc = await asyncio.create_subprocess_exec(
                *self.args, stdout=out, stderr=err, start_new_session=True
            )
        self.starts += 1
        deadline = time.monotonic() + READY_TIMEOUT
        while f"{self.tier:<10} grpc " not in self.stdout.read_bytes()[mark:].decode(
            errors="replace"
        ):
            if self.proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start:\n{self.log_tail()}")
            await asyncio.sleep(0.05)

    async def kill(self) -> None:
        """SIGKILL, as a machine crash would."""
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self) -> int:
        """SIGTERM and wait; the exit status (a forced SIGKILL after the grace returns -9)."""
        if not self.running:
            return 0
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.proc.wait(), STOP_GRACE)
        except TimeoutError:
            await self.kill()
            code = -signal.SIGKILL
        self.exit_codes.append(code)
        return code

    def log_tail(self, lines: int = 30) -> str:
        """The last of the tier's own log lines and crash tracebacks (libraries' chatter about
        a broker or store being away, which every fault causes, is left out)."""
        text = self.stderr.read_text(errors="replace") if self.stderr.exists() else ""
        kept = [line for line in text.splitlines() if _ours(line)][-lines:]
        return f"--- {self.name} ---\n" + tail([self.stdout], 4) + "\n".join(kept)


def _ours(line: str) -> bool:
    """A structured log line of a tier, or part of a Python traceback."""
    return line.startswith(("{", "Traceback", " ")) or bool(_EXCEPTION.match(line))


@dataclass
class Cluster:
    """The engines and every tier process; ``async with Cluster.started(shape)`` runs one."""

    shape: Shape
    etcd: EtcdEngine | EtcdCluster
    kafka: KafkaEngine | KafkaCluster
    logs: Path
    procs: dict[str, list[TierProcess]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def apiservers(self) -> list[str]:
        return [f"127.0.0.1:{self.ports[p.name]}" for p in self.procs["apiserver"]]

    @property
    def every(self) -> list[TierProcess]:
        return [p for tier in TIERS for p in self.procs.get(tier, [])]

    def build(self) -> None:
        """Every tier process's command line (nothing starts yet)."""
        common = ["--store", self.etcd.url, "--bus", self.kafka.url, "--log-level", "warning"]
        for tier in TIERS:
            count = self.shape.slaves if tier == "slave" else self.shape.replicas
            self.procs[tier] = []
            for i in range(count):
                name = f"{tier}-{i}"
                self.ports[name] = free_port()
                args = [*common, "--listen", f"127.0.0.1:{self.ports[name]}", *self._own(tier, i)]
                self.procs[tier].append(TierProcess(name, tier, args, self.logs))

    def _own(self, tier: str, i: int) -> list[str]:
        """Each tier's own flags: short leases and intervals, so a fault heals within seconds."""
        if tier == "apiserver":
            return [
                "--identity", f"apiserver-{i}", "--task-lease-ttl", "3",
                "--node-lease-ttl", "5", "--heartbeat-status-interval", "5",
                "--kube-listen", f"127.0.0.1:{free_port()}",  # not 7080: `make up` may hold it
            ]  # fmt: skip
        if tier == "colocator":
            return [
                "--identity", f"colocator-{i}", "--tick-interval", "2", "--rise-hold", "2",
                "--apiserver", ",".join(self.apiservers),
            ]  # fmt: skip
        if tier == "slave":
            cpus = self.shape.node_cpus
            return [
                "--node", f"node-{i}", "--runtime", self.shape.runtime,
                "--sim-cpus", str(cpus), "--sim-memory-bytes", str(cpus << 32),
                "--chassis", f"chassis-{i % 2}", "--core-switch", "switch-0",
                "--heartbeat-ttl", "5", "--heartbeat-interval", "1", "--usage-interval", "1",
                "--state-dir", str(self.logs / f"state-{i}"), "--stop-pods-on-exit", "true",
            ]  # fmt: skip
        return []

    async def start_tiers(self) -> None:
        # The apiservers first: they create the change topics and the stream's checkpoint.
        await asyncio.gather(*(p.start() for p in self.procs["apiserver"]))
        await asyncio.gather(*(p.start() for t in TIERS[1:] for p in self.procs[t]))

    async def stop_tiers(self) -> dict[str, int]:
        """SIGTERM every tier process at once; each one's exit status."""
        codes = await asyncio.gather(*(p.stop() for p in self.every))
        return {p.name: code for p, code in zip(self.every, codes, strict=True)}

    def log_tails(self) -> str:
        return "\n".join(p.log_tail() for p in self.every)

    def stderr_text(self) -> dict[str, str]:
        return {
            p.name: p.stderr.read_text(errors="replace") if p.stderr.exists() else ""
            for p in self.every
        }

    def leftovers(self) -> list[str]:
        """Processes still alive that run one of our tiers against our etcd (should be none)."""
        found = []
        for proc in psutil.process_iter(["pid", "cmdline"]):
            cmdline = proc.info["cmdline"] or []
            if "sigma.cli" in cmdline and self.etcd.url in cmdline:
                found.append(f"{proc.info['pid']}: {' '.join(cmdline)}")
        return found

    @classmethod
    @contextlib.asynccontextmanager
    async def started(cls, shape: Shape, logs: Path | None = None, *, quorum: int = 1):  # type: ignore[no-untyped-def]
        """Engines up (``quorum`` members each), every tier up; on exit everything stops, the
        engines' data goes."""
        logs = logs or Path(tempfile.mkdtemp(prefix="sigma-chaos-"))
        etcd: EtcdEngine | EtcdCluster = EtcdEngine() if quorum == 1 else EtcdCluster(quorum)
        kafka: KafkaEngine | KafkaCluster = (
            KafkaEngine(heap="384m") if quorum == 1 else KafkaCluster(quorum)
        )
        try:
            # Both starts run to their end (a thread cannot be cancelled), so an engine that
            # came up beside one that failed is stopped below instead of outliving the test.
            starts = (asyncio.to_thread(etcd.start), asyncio.to_thread(kafka.start))
            results = await asyncio.gather(*starts, return_exceptions=True)
            errors = [r for r in results if isinstance(r, BaseException)]
            if errors:
                raise errors[0]
            cluster = cls(shape, etcd, kafka, logs)
            try:
                cluster.build()
                await cluster.start_tiers()
                yield cluster
            finally:
                await cluster.stop_tiers()
                for proc in cluster.every:  # a tier that failed its start may still linger
                    await proc.kill()
        finally:
            await asyncio.gather(asyncio.to_thread(etcd.stop), asyncio.to_thread(kafka.stop))


def children_alive() -> list[int]:
    """Direct children of this test process that are still running (not zombies)."""
    me = psutil.Process(os.getpid())
    return [c.pid for c in me.children() if c.status() != psutil.STATUS_ZOMBIE]
