"""Bus URLs: ``memory://`` (embedded) or ``kafka://host:port[,host:port…]``.

A Kafka URL names every broker it knows (any one answering is enough to start); the topics Sigma
creates take their replication from the size of the cluster (``kafka.replication``).
"""

from __future__ import annotations

from urllib.parse import urlparse

from sigma.bus._types import Bus
from sigma.errors import Invalid
from sigma.store._url import with_port

KAFKA_PORT = 9092  # a server named without a port: Kafka's own default


def open_bus(url: str) -> Bus:
    """The adapter named by ``url``; ``memory`` alone is accepted for ``memory://``."""
    scheme = urlparse(url).scheme if "://" in url else url
    if scheme == "memory":
        from sigma.bus.memory import MemoryBus

        return MemoryBus()
    if scheme == "kafka":
        from sigma.bus.kafka import KafkaBus

        servers = [with_port(s, KAFKA_PORT) for s in url.split("://", 1)[1].split(",") if s]
        bootstrap = ",".join(servers)
        if not bootstrap:
            raise Invalid("bus", f"{url!r} names no Kafka bootstrap server")
        return KafkaBus(bootstrap)
    raise Invalid("bus", f"unknown bus {url!r}; use memory:// or kafka://host:port")
