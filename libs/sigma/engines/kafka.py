"""A real single-node Kafka broker (KRaft: broker and controller in one JVM) for tests.

The jars come from ``scripts/install-engines.sh`` (``make engines``), which resolves the version
set in ``engines/kafka/pom.xml`` into ``.engines/kafka-<version>/libs``. The broker listens on
free loopback ports, keeps its data in a temporary folder and logs to ``server.log`` there, so a
failing test can read what the broker saw. Settings favour fast tests over durability: replication
factor 1, no initial rebalance delay, and a low minimum session timeout so a killed consumer's
partitions move on within a second or two.

Tests share one broker per session (``tests/plugins/engines.py``).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

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


def _metadata_brokers(host: str, port: int, timeout: float = 1.0) -> int:
    """How many brokers a Metadata v0 request returns: >0 once the broker serves clients.

    A raw request rather than aiokafka, so that it works from sync code and inside a running
    event loop alike (``restart`` may be called from an async test).
    """
    client_id = b"sigma-probe"
    body = struct.pack(">hhih", 3, 0, 1, len(client_id)) + client_id + struct.pack(">i", 0)
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(struct.pack(">i", len(body)) + body)
        head = _recv_exact(s, 4)
        (size,) = struct.unpack(">i", head)
        payload = _recv_exact(s, size)
    _correlation, brokers = struct.unpack(">ii", payload[:8])
    return int(brokers)


def _recv_exact(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        buf += chunk
    return buf


class KafkaEngine(EngineProcess):
    """One KRaft broker+controller process on loopback; ``with KafkaEngine() as k: k.url``.

    ``host`` is the address its clients' listener binds and advertises: another address of this
    machine (a veth pair's end) makes it reachable from a network namespace (partition tests).
    """

    def __init__(
        self, *, heap: str = "512m", start_timeout: float = 60.0, host: str = "127.0.0.1"
    ) -> None:
        self.version = kafka_version()
        self.home = ENGINES / f"kafka-{self.version}"
        self.heap = heap
        self.start_timeout = start_timeout
        self.port = free_port()
        self.controller_port = free_port()
        self.host = host
        self.bootstrap = f"{host}:{self.port}"
        self.url = f"kafka://{self.bootstrap}"
        self.startup_seconds = 0.0
        self._dir: Path | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> KafkaEngine:
        """Format a fresh data folder (first start only), launch the JVM, wait until it serves."""
        libs = self.home / "libs"
        if not (libs.is_dir() and any(libs.glob("kafka_2.13-*.jar"))):
            raise RuntimeError(
                f"Kafka {self.version} jars are missing from {libs}; "
                "run `make engines` (scripts/install-engines.sh) first"
            )
        began = time.monotonic()
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="sigma-kafka-"))
            self._write_config()
            self._java(
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id(),
                "-c",
                str(self.config),
                run=True,
            )
        self._proc = self._java("kafka.Kafka", str(self.config))
        self._wait_ready()
        self.startup_seconds = time.monotonic() - began
        return self

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
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": (
                f"PLAINTEXT://{self.bootstrap},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://{self.bootstrap}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data_dir / "data"),
            "num.partitions": "8",
            "default.replication.factor": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "4",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "auto.create.topics.enable": "true",
            "group.initial.rebalance.delay.ms": "0",
            "group.min.session.timeout.ms": "500",
            "num.network.threads": "2",
            "num.io.threads": "4",
            "background.threads": "2",
            "num.recovery.threads.per.data.dir": "1",
            "log.cleaner.enable": "false",
        }
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

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                raise RuntimeError(f"Kafka exited while starting:\n{self._tail()}")
            try:
                if _metadata_brokers(self.host, self.port) > 0:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop(clean=False)
        raise RuntimeError(f"Kafka did not answer within {self.start_timeout}s:\n{self._tail()}")

    def _tail(self, lines: int = 40) -> str:
        return tail([self.data_dir / "stdout.log", self.data_dir / "server.log"], lines)


def cluster_id(draw: Callable[[], uuid.UUID] = uuid.uuid4) -> str:
    """A KRaft cluster id: a random UUID in URL-safe base64, drawn again when it starts with
    "-" (as Kafka's own ``Uuid.randomUuid`` does), since the storage tool would read such an id
    as an option and refuse to format."""
    while (text := base64.urlsafe_b64encode(draw().bytes).rstrip(b"=").decode()).startswith("-"):
        pass
    return text
