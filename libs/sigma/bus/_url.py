"""Bus URLs: ``memory://`` (embedded) or ``kafka://host:port[,host:port…]``."""

from __future__ import annotations

from urllib.parse import urlparse

from sigma.bus._types import Bus
from sigma.errors import Invalid


def open_bus(url: str) -> Bus:
    """The adapter named by ``url``; ``memory`` alone is accepted for ``memory://``."""
    scheme = urlparse(url).scheme if "://" in url else url
    if scheme == "memory":
        from sigma.bus.memory import MemoryBus

        return MemoryBus()
    if scheme == "kafka":
        from sigma.bus.kafka import KafkaBus

        bootstrap = url.split("://", 1)[1]
        if not bootstrap:
            raise Invalid("bus", f"{url!r} names no Kafka bootstrap server")
        return KafkaBus(bootstrap)
    raise Invalid("bus", f"unknown bus {url!r}; use memory:// or kafka://host:port")
