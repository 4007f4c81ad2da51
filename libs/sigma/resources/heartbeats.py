"""Node heartbeats as store leases: a node is alive exactly while its heartbeat key exists.

``register`` grants a lease and puts ``/sigma/v1/heartbeats/<node>`` with it; ``beat`` renews
the lease. When a node falls silent the store itself deletes the key at the lease's expiry, and
the node lifecycle controller sees the key gone. Liveness is thus judged by the store's clock
alone, never by comparing timestamps written by different machines.
"""

from __future__ import annotations

from sigma.errors import Invalid, NotFound
from sigma.store import Store

PREFIX = "/sigma/v1/heartbeats/"
# Seconds the masters wait, once a node's key is gone, before they move its pods elsewhere
# (the node lifecycle controller). Slaves fence themselves before it runs out.
NODE_GRACE = 30.0


def heartbeat_key(node_name: str) -> str:
    return PREFIX + node_name


def node_of(key: str) -> str:
    return key[len(PREFIX) :]


async def register(store: Store, node_name: str, ttl: int) -> int:
    """Start (or restart) ``node_name``'s heartbeat; returns the lease the node must renew."""
    if not node_name or "/" in node_name:
        raise Invalid("node_name", "must be a non-empty name without '/'")
    if ttl <= 0:
        raise Invalid("ttl", "must be a positive number of seconds")
    lease = await store.grant_lease(ttl)
    await store.put(heartbeat_key(node_name), node_name.encode(), lease=lease)
    return lease


async def beat(store: Store, node_name: str, lease_id: int) -> int:
    """Renew the heartbeat; returns the TTL. ``NotFound`` when the lease lapsed (re-register).

    A lease that is alive but no longer holds the node's key (the node re-registered with a
    new one) is stale too: renewing it would keep nothing alive.
    """
    kv = await store.get(heartbeat_key(node_name))
    if kv is None or kv.lease != lease_id:
        raise NotFound(f"heartbeat of node {node_name} with lease {lease_id:x} is gone")
    return await store.keep_alive(lease_id)
