"""Small builders for node views, so strategy tables read as numbers, not boilerplate."""

from __future__ import annotations

from sigma.slave.qos.model import NodeView, PodView, Sample
from sigma.v1 import meta_pb2

LS = meta_pb2.QOS_CLASS_LS
BE = meta_pb2.QOS_CLASS_BE
LSE = meta_pb2.QOS_CLASS_LSE
GIB = 1 << 30


def sample(
    at: float = 10.0,
    *,
    online: int = 0,
    batch: int = 0,
    system: int = 0,
    memory: int = GIB,
    pressure: float | None = None,
    runnable: float = 0.0,
    online_pressure: float | None = None,
) -> Sample:
    return Sample(
        at=at,
        cpu_millis=online + batch + system,
        online_cpu_millis=online,
        batch_cpu_millis=batch,
        memory_bytes=memory,
        pressure=pressure,
        runnable_per_cpu=runnable,
        online_pressure=online_pressure,
    )


def pod(key: str, qos: int = BE, **kw: object) -> PodView:
    return PodView(key=key, qos=qos, **kw)  # type: ignore[arg-type]


def view(
    *samples: Sample,
    pods: tuple[PodView, ...] = (pod("ns/ls", LS), pod("ns/be", BE)),
    cpus: int = 8,
    batch_cpus: frozenset[int] | None = None,
    quota: int = 0,
    reserved: frozenset[int] = frozenset(),
    pool: frozenset[int] | None = None,
    memory: int = 16 * GIB,
    last_evict_at: float | None = None,
) -> NodeView:
    pool = frozenset(range(cpus)) if pool is None else pool
    return NodeView(
        node="n1",
        cpu_count=cpus,
        memory_capacity_bytes=memory,
        batch_pool=pool,
        reserved_cpus=reserved,
        batch_cpus=pool if batch_cpus is None else batch_cpus,
        batch_quota_millis=quota if quota else len(pool) * 1000,
        pods=pods,
        history=samples or (sample(),),
        last_evict_at=last_evict_at,
    )
