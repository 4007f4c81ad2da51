"""Store URLs: ``memory://`` (embedded) or ``etcd://host[:port][,host[:port]…]``; an
endpoint without a port gets etcd's client port, 2379 (grpc would otherwise dial 443)."""

from __future__ import annotations

from urllib.parse import urlparse

from sigma.errors import Invalid
from sigma.store._types import Store

ETCD_PORT = 2379


def with_port(endpoint: str, port: int) -> str:
    """``endpoint`` with ``port`` added where it names none (``host``, ``[::1]``, ``::1``)."""
    if endpoint.count(":") > 1 and not endpoint.startswith("["):
        return f"[{endpoint}]:{port}"  # a bare IPv6 address
    host, sep, tail = endpoint.rpartition(":")
    if sep and tail.isdigit() and (host.endswith("]") or not host.startswith("[")):
        return endpoint
    return f"{endpoint}:{port}"


def open_store(url: str) -> Store:
    """The adapter named by ``url``; ``memory`` alone is accepted for ``memory://``."""
    scheme = urlparse(url).scheme if "://" in url else url
    if scheme == "memory":
        from sigma.store.memory import MemoryStore

        return MemoryStore()
    if scheme == "etcd":
        from sigma.store.etcd import EtcdStore

        endpoints = [with_port(e, ETCD_PORT) for e in url.split("://", 1)[1].split(",") if e]
        if not endpoints:
            raise Invalid("store", f"{url!r} names no etcd endpoint")
        return EtcdStore(endpoints)
    raise Invalid("store", f"unknown store {url!r}; use memory:// or etcd://host:port")
