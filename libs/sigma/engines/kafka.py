"""A real Kafka broker (KRaft: broker and controller in one JVM) for tests, alone or as one of
the three of a ``KafkaCluster``.

The jars come from ``scripts/install-engines.sh`` (``make engines``), which resolves the version
set in ``engines/kafka/pom.xml`` into ``.engines/kafka-<version>/libs``. The broker listens on
free loopback ports, keeps its data in a temporary folder and logs to ``server.log`` there, so a
failing test can read what the broker saw. Settings favour fast tests over durability: replication
factor 1, no initial rebalance delay, and a low minimum session timeout so a killed consumer's
partitions move on within a second or two.

A cluster (``KafkaCluster``) runs three such brokers, each also a voter of the controller quorum,
formatted with one cluster id; its topics are replicated three times with ``min.insync.replicas``
2, so that one broker may go while ``acks=all`` producers keep writing.

Tests share one broker, and one cluster when a test asks for it, per session
(``tests/plugins/engines.py``).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from sigma.engines._kafka_metadata import PartitionMeta, metadata
from sigma.engines._process import EngineProcess, free_port, tail

ROOT = Path(__file__).resolve().parents[3]
POM = ROOT / "engines" / "kafka" / "pom.xml"
LOG4J = ROOT / "engines" / "kafka" / "log4j.properties"
ENGINES = Path(os.environ.get("SIGMA_ENGINES_DIR", ROOT / ".engines"))


def kafka_version() -> str:
    """The broker version, read from the pom so that it is set in one place only."""
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", POM.read_text())
    if not match:
        raise RuntimeError(f"{POM} sets no <kafka.version>")
    return match.group(1).strip()


@dataclass(frozen=True)
class KafkaMember:
    """Who one broker is: its node id, its ports, the controller quorum's voters
    (``id@host:port,…``; empty for a lone broker, which is its own quorum), the cluster id it is
    formatted with, and the replication its topics get."""

    node_id: int = 1
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)
    voters: str = ""
    cluster: str = ""
    replication: int = 1
    min_insync: int = 1

    @property
    def quorum(self) -> str:
        return self.voters or f"{self.node_id}@127.0.0.1:{self.controller_port}"


class KafkaEngine(EngineProcess):
    """One KRaft broker+controller process on loopback; ``with KafkaEngine() as k: k.url``.

    ``host`` is the address its clients' listener binds and advertises: another address of this
    machine (a veth pair's end) makes it reachable from a network namespace (partition tests).
    """

    def __init__(
        self,
        *,
        heap: str = "512m",
        start_timeout: float = 60.0,
        member: KafkaMember | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.version = kafka_version()
        self.home = ENGINES / f"kafka-{self.version}"
        self.heap = heap
        self.start_timeout = start_timeout
        self.member = member or KafkaMember()
        self.node_id = self.member.node_id
        self.port = self.member.port
        self.controller_port = self.member.controller_port
        self.host = host
        self.bootstrap = f"{host}:{self.port}"
        self.url = f"kafka://{self.bootstrap}"
        self.startup_seconds = 0.0
        self._dir: Path | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> KafkaEngine:
        """Format a fresh data folder (first start only), launch the JVM, wait until it serves."""
        began = time.monotonic()
        self.launch()
        self.wait_ready()
        self.startup_seconds = time.monotonic() - began
        return self

    def launch(self) -> None:
        """Format (first start only) and start the JVM without waiting: a broker of a cluster
        serves only once a quorum of controllers runs."""
        libs = self.home / "libs"
        if not (libs.is_dir() and any(libs.glob("kafka_2.13-*.jar"))):
            raise RuntimeError(
                f"Kafka {self.version} jars are missing from {libs}; "
                "run `make engines` (scripts/install-engines.sh) first"
            )
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="sigma-kafka-"))
            self._write_config()
            self._java(
                "kafka.tools.StorageTool",
                "format",
                "-t",
                self.member.cluster or cluster_id(),
                "-c",
                str(self.config),
                run=True,
            )
        self._proc = self._java("kafka.Kafka", str(self.config))

    def stop(self, *, clean: bool = True) -> None:
        """SIGTERM and wait (SIGKILL if it lingers); ``clean`` also removes the data folder."""
        self.terminate(20)
        if clean and self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def restart(self) -> None:
        """Stop (keeping data) and start again on the same ports, for fault-tolerance tests."""
        self.stop(clean=False)
        self.start()

    @property
    def data_dir(self) -> Path:
        if self._dir is None:
            raise RuntimeError("the broker has not been started")
        return self._dir

    @property
    def config(self) -> Path:
        return self.data_dir / "server.properties"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    # -- internals ---------------------------------------------------------------------------

    def _write_config(self) -> None:
        settings = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "controller.quorum.voters": self.member.quorum,
            "listeners": (
                f"PLAINTEXT://{self.bootstrap},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://{self.bootstrap}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data_dir / "data"),
            "num.partitions": "8",
            "default.replication.factor": str(self.member.replication),
            "min.insync.replicas": str(self.member.min_insync),
            "offsets.topic.replication.factor": str(self.member.replication),
            "offsets.topic.num.partitions": "4",
            "transaction.state.log.replication.factor": str(self.member.replication),
            "transaction.state.log.min.isr": str(self.member.min_insync),
            "auto.create.topics.enable": "true",
            "group.initial.rebalance.delay.ms": "0",
            "group.min.session.timeout.ms": "500",
            "num.network.threads": "2",
            "num.io.threads": "4",
            "background.threads": "2",
            "num.recovery.threads.per.data.dir": "1",
            "log.cleaner.enable": "false",
        }
        if self.member.replication > 1:
            # A killed broker is fenced (and dropped from every ISR, so acks=all writes go on)
            # after 3 s without a heartbeat, not Kafka's 9 s; a lagging follower after 5 s.
            settings["broker.session.timeout.ms"] = "3000"
            settings["broker.heartbeat.interval.ms"] = "500"
            settings["replica.lag.time.max.ms"] = "5000"
        self.config.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))

    def _java(self, main: str, *args: str, run: bool = False) -> subprocess.Popen[bytes]:
        cmd = [
            "java",
            f"-Xmx{self.heap}",
            f"-Xms{self.heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:TieredStopAtLevel=1",
            "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{LOG4J}",
            f"-Dkafka.logs.dir={self.data_dir}",
            "-cp",
            str(self.home / "libs" / "*"),
            main,
            *args,
        ]
        out = (self.data_dir / "stdout.log").open("ab")
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=self.data_dir)
        out.close()
        if run and proc.wait(timeout=60) != 0:
            raise RuntimeError(f"{main} failed:\n{self._tail()}")
        return proc

    def wait_ready(self) -> None:
        """Until the broker answers Metadata with at least one broker (it serves clients)."""
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                raise RuntimeError(f"Kafka exited while starting:\n{self._tail()}")
            try:
                if metadata(self.host, self.port).brokers:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop(clean=False)
        raise RuntimeError(f"Kafka did not answer within {self.start_timeout}s:\n{self._tail()}")

    def _tail(self, lines: int = 40) -> str:
        return tail([self.data_dir / "stdout.log", self.data_dir / "server.log"], lines)


class KafkaCluster:
    """``size`` brokers on loopback, each a controller voter too, formatted with one cluster id;
    topics get replication ``min(3, size)`` and ``min.insync.replicas`` 2 (from 3 brokers).

    Faults act on one broker at a time (``brokers[i].kill()``, then ``.start()`` again with its
    data); ``leader_of(topic, partition)`` says which broker leads a partition.
    """

    def __init__(self, size: int = 3, *, heap: str = "320m", start_timeout: float = 90.0) -> None:
        ids = list(range(1, size + 1))
        controllers = {i: free_port() for i in ids}
        voters = ",".join(f"{i}@127.0.0.1:{p}" for i, p in controllers.items())
        replication = min(3, size)
        common = {"voters": voters, "cluster": cluster_id(), "replication": replication}
        self.brokers = [
            KafkaEngine(
                heap=heap,
                start_timeout=start_timeout,
                member=KafkaMember(
                    i, free_port(), controllers[i], min_insync=min(2, replication), **common
                ),
            )
            for i in ids
        ]
        self.version = self.brokers[0].version
        self.startup_seconds = 0.0

    @property
    def bootstrap(self) -> str:
        return ",".join(b.bootstrap for b in self.brokers)

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}"

    def start(self) -> Self:
        began = time.monotonic()
        try:
            for b in self.brokers:
                if not b.running:
                    b.launch()
            with ThreadPoolExecutor(len(self.brokers)) as pool:
                list(pool.map(lambda b: b.wait_ready(), self.brokers))
            self._wait_registered(began + self.brokers[0].start_timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    def stop(self) -> None:
        with ThreadPoolExecutor(len(self.brokers)) as pool:
            list(pool.map(lambda b: b.stop(), self.brokers))

    def _wait_registered(self, deadline: float) -> None:
        """Until the cluster's metadata lists every broker: a topic created before would get
        fewer replicas than the cluster has brokers."""
        want = {b.node_id for b in self.brokers}
        while set(metadata("127.0.0.1", self.brokers[0].port).brokers) != want:
            if time.monotonic() > deadline:
                raise RuntimeError(f"not every broker of {sorted(want)} registered in time")
            time.sleep(0.1)

    def broker(self, node_id: int) -> KafkaEngine:
        return next(b for b in self.brokers if b.node_id == node_id)

    def metadata(self, topic: str, *, timeout: float = 15.0) -> dict[int, PartitionMeta]:
        """Partition -> its leader, replicas and ISR, from the first broker that knows the topic
        (a broker just restarted may not yet) and has a leader for every partition (waits
        through an election)."""
        deadline = time.monotonic() + timeout
        while True:
            for b in self.brokers:
                if not b.running:
                    continue
                try:
                    meta = metadata("127.0.0.1", b.port, (topic,))
                except OSError:
                    continue
                found = {p: m for (t, p), m in meta.partitions.items() if t == topic}
                if found and all(m.leader >= 0 for m in found.values()):
                    return found
            if time.monotonic() > deadline:
                raise RuntimeError(f"no broker knows a leader for every partition of {topic}")
            time.sleep(0.1)

    def partitions(self, topic: str) -> dict[int, int]:
        """Partition -> leading node id of ``topic``."""
        return {p: m.leader for p, m in self.metadata(topic).items()}

    def replicas(self, topic: str) -> dict[int, int]:
        """Partition -> how many brokers hold a copy of it."""
        return {p: len(m.replicas) for p, m in self.metadata(topic).items()}

    def leader_of(self, topic: str, partition: int) -> KafkaEngine:
        return self.broker(self.metadata(topic)[partition].leader)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def cluster_id(draw: Callable[[], uuid.UUID] = uuid.uuid4) -> str:
    """A KRaft cluster id: a random UUID in URL-safe base64, drawn again when it starts with
    "-" (as Kafka's own ``Uuid.randomUuid`` does), since the storage tool would read such an id
    as an option and refuse to format."""
    while (text := base64.urlsafe_b64encode(draw().bytes).rstrip(b"=").decode()).startswith("-"):
        pass
    return text
