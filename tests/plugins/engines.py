"""The real engines as session fixtures: each started the first time a test asks for it and
stopped when the session ends, its version and address printed in the closing summary.

``etcd_cluster`` and ``kafka_cluster`` are three-member quorums (three etcd members; three KRaft
brokers, each a controller voter, topics replicated three times with ``min.insync.replicas`` 2)
for the tests of faults in a quorum; a test that kills or stops a member brings it back before
it ends.

etcd and Kafka must run here (a failure to start fails the test); containerd and the registry
skip the test with a one-line reason where they cannot run (not root, not installed: ``make
engines``). The engines themselves are ``sigma.engines``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from sigma.cri import images
from sigma.engines._process import EngineProcess
from sigma.engines.containerd import ContainerdEngine, ContainerdUnavailable
from sigma.engines.etcd import EtcdCluster, EtcdEngine, EtcdNotInstalled
from sigma.engines.kafka import KafkaCluster, KafkaEngine
from sigma.engines.registry import RegistryEngine, RegistryNotInstalled

E = TypeVar("E", bound=EngineProcess | EtcdCluster | KafkaCluster)
_started: list[tuple[str, EngineProcess | EtcdCluster | KafkaCluster]] = []


class _Never(Exception):
    """Raised by nothing: an engine that must run here fails the test instead of skipping."""


def _session(
    name: str,
    start: Callable[[], E],
    *,
    skip_on: type[Exception] = _Never,
    fail_on: type[Exception] = _Never,
) -> Iterator[E]:
    """Start (or skip the test with the one-line reason ``skip_on`` gives, or fail it with the
    one ``fail_on`` gives), remember the engine for the summary, stop it when the session ends."""
    try:
        engine = start()
    except skip_on as exc:
        pytest.skip(str(exc))
    except fail_on as exc:
        pytest.fail(str(exc), pytrace=False)
    _started.append((name, engine))
    yield engine
    with contextlib.suppress(Exception):
        engine.stop()


@pytest.fixture(scope="session")
def etcd_engine() -> Iterator[EtcdEngine]:
    yield from _session("etcd", lambda: EtcdEngine().start(), fail_on=EtcdNotInstalled)


@pytest.fixture(scope="session")
def kafka_engine() -> Iterator[KafkaEngine]:
    yield from _session("kafka", lambda: KafkaEngine().start())


@pytest.fixture(scope="session")
def etcd_cluster() -> Iterator[EtcdCluster]:
    yield from _session("etcd cluster", lambda: EtcdCluster(3).start(), fail_on=EtcdNotInstalled)


@pytest.fixture(scope="session")
def kafka_cluster() -> Iterator[KafkaCluster]:
    yield from _session("kafka cluster", lambda: KafkaCluster(3).start())


@pytest.fixture(scope="session")
def registry_engine() -> Iterator[RegistryEngine]:
    yield from _session("registry", lambda: RegistryEngine().start(), skip_on=RegistryNotInstalled)


@pytest.fixture(scope="session")
def cri_images(
    registry_engine: RegistryEngine, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The demo images (pause, httpd, burner) on the session's registry: name -> reference."""
    try:
        built = images.build(tmp_path_factory.mktemp("images"))
        return images.push(built, registry_engine.address)
    except images.ImagesUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def containerd_engine(
    registry_engine: RegistryEngine, cri_images: dict[str, str]
) -> Iterator[ContainerdEngine]:
    """One containerd for the whole session, its pause image on the session's registry."""

    def start() -> ContainerdEngine:
        engine = ContainerdEngine(
            sandbox_image=cri_images["pause"], registries=[registry_engine.address]
        )
        return engine.start()

    yield from _session("containerd", start, skip_on=ContainerdUnavailable)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, engine in _started:
        terminalreporter.write_line(f"engines: {name} {_describe(name, engine)}")


def _describe(name: str, engine: object) -> str:
    e: object = engine
    if isinstance(e, KafkaCluster):
        return (
            f"{e.version} (KRaft, 3 brokers) at {e.bootstrap}, started in {e.startup_seconds:.1f}s"
        )
    if isinstance(e, EtcdCluster):
        return f"{e.version} (3 members) at {','.join(e.endpoints)}"
    if isinstance(e, KafkaEngine):
        return f"{e.version} (KRaft) at {e.bootstrap}, started in {e.startup_seconds:.1f}s"
    if isinstance(e, EtcdEngine):
        return f"{e.version} at {e.endpoint}"
    if isinstance(e, ContainerdEngine):
        return f"{e.version} at {e.socket}"
    if isinstance(e, RegistryEngine):
        return f"{e.version} at {e.address}"
    return name
