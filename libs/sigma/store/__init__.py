"""The store port and its adapters (``memory``, ``etcd``); open one with ``open_store(url)``."""

from sigma.store._ops import create, delete_if, update
from sigma.store._types import (
    Compare,
    Delete,
    EventType,
    KeyValue,
    ListResult,
    Op,
    Put,
    Store,
    TxnResult,
    WatchEvent,
)
from sigma.store._url import open_store

__all__ = [
    "Compare",
    "Delete",
    "EventType",
    "KeyValue",
    "ListResult",
    "Op",
    "Put",
    "Store",
    "TxnResult",
    "WatchEvent",
    "create",
    "delete_if",
    "open_store",
    "update",
]
