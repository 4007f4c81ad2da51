"""Fakes for scheduler tests: a cache filled from short node and pod descriptions."""

from __future__ import annotations

from sigma.scheduler.framework import Cache, NodeRow, PodInfo

GiB = 1 << 30


def node(name: str, cpu: int = 8000, mem: int = 16 * GiB, **kw: object) -> NodeRow:
    kw.setdefault("cores", cpu // 1000)
    kw.setdefault("batch_cap_cpu", cpu // 2)
    kw.setdefault("batch_cap_mem", mem // 2)
    return NodeRow(name, alloc_cpu=cpu, alloc_mem=mem, **kw)  # type: ignore[arg-type]


def pod(key: str, cpu: int = 1000, mem: int = GiB, **kw: object) -> PodInfo:
    return PodInfo(key=key, cpu=cpu, mem=mem, **kw)  # type: ignore[arg-type]


def cache_of(*rows: NodeRow) -> Cache:
    cache = Cache()
    for row in rows:
        cache.upsert_node(row)
    return cache
