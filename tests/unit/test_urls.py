"""Store and bus URLs: an endpoint without a port gets its engine's port."""

from __future__ import annotations

import pytest

from sigma.bus import open_bus
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
    assert store._target == "ipv4:127.0.0.1:2379,10.0.0.2:3000"  # type: ignore[attr-defined]
    assert open_store("etcd://127.0.0.1")._target == "127.0.0.1:2379"  # type: ignore[attr-defined]


def test_a_kafka_url_without_a_port_gets_9092() -> None:
    bus = open_bus("kafka://127.0.0.1,broker2:9093")
    assert bus.bootstrap == "127.0.0.1:9092,broker2:9093"  # type: ignore[attr-defined]
