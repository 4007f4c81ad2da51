"""Store URLs: ``memory://`` (embedded) or ``etcd://host:port[,host:port…]``."""

from __future__ import annotations

from urllib.parse import urlparse

from sigma.errors import Invalid
from sigma.store._types import Store


def open_store(url: str) -> Store:
    """The adapter named by ``url``; ``memory`` alone is accepted for ``memory://``."""
    scheme = urlparse(url).scheme if "://" in url else url
    if scheme == "memory":
        from sigma.store.memory import MemoryStore

        return MemoryStore()
    if scheme == "etcd":
        from sigma.store.etcd import EtcdStore

        endpoints = [e for e in url.split("://", 1)[1].split(",") if e]
        if not endpoints:
            raise Invalid("store", f"{url!r} names no etcd endpoint")
        return EtcdStore(endpoints)
    raise Invalid("store", f"unknown store {url!r}; use memory:// or etcd://host:port")
