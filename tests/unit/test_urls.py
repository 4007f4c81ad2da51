"""Store and bus URLs: an endpoint without a port gets its engine's port."""

from __future__ import annotations

import pytest

from sigma.bus import open_bus
from sigma.bus.kafka import replication
from sigma.store import open_store
from sigma.store._url import with_port


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("127.0.0.1", "127.0.0.1:2379"),
        ("127.0.0.1:2380", "127.0.0.1:2380"),
        ("etcd.internal", "etcd.internal:2379"),
        ("[::1]", "[::1]:2379"),
        ("[::1]:12379", "[::1]:12379"),
        ("::1", "[::1]:2379"),
    ],
)
def test_an_endpoint_without_a_port_gets_the_default(endpoint: str, expected: str) -> None:
    assert with_port(endpoint, 2379) == expected


def test_an_etcd_url_without_a_port_dials_2379_not_443() -> None:
    store = open_store("etcd://127.0.0.1,10.0.0.2:3000")
    assert store._target == "127.0.0.1:2379,10.0.0.2:3000"  # type: ignore[attr-defined]
    assert open_store("etcd://127.0.0.1")._target == "127.0.0.1:2379"  # type: ignore[attr-defined]


def test_every_etcd_member_named_is_used_host_names_too() -> None:
    store = open_store("etcd://etcd-0.internal,etcd-1.internal:2379,10.0.0.3")
    assert store._channel.endpoints == (  # type: ignore[attr-defined]
        "etcd-0.internal:2379",
        "etcd-1.internal:2379",
        "10.0.0.3:2379",
    )


def test_a_kafka_url_without_a_port_gets_9092() -> None:
    bus = open_bus("kafka://127.0.0.1,broker2:9093")
    assert bus.bootstrap == "127.0.0.1:9092,broker2:9093"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("brokers", "expected"),
    [
        (1, (1, {})),
        (2, (2, {})),
        (3, (3, {"min.insync.replicas": "2"})),
        (5, (3, {"min.insync.replicas": "2"})),
    ],
)
def test_kafka_topics_are_replicated_three_times_where_three_brokers_run(
    brokers: int, expected: tuple[int, dict[str, str]]
) -> None:
    assert replication(brokers) == expected


def test_a_kafka_replication_factor_given_wins_over_the_cluster_size() -> None:
    assert replication(5, 1) == (1, {})
