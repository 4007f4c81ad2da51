"""Fakes and helpers for the apiserver's background work over a real store.

``Partition`` cuts one replica off the store (every call fails ``Unavailable``), which is how a
crashed or paused apiserver looks to everyone else. ``FakeSlave`` plays the nodes: it starts
every pod it sees and removes pods marked for deletion.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from sigma.apiserver.tasks import pods as P
from sigma.clock import Clock
from sigma.errors import Unavailable
from sigma.resources import APP, BATCH_JOB, POD, TASK
from sigma.store import Compare, Delete, EventType, Put, Store, WatchEvent
from sigma.store.codec import decode, encode
from sigma.testing.clock import ManualClock
from sigma.v1 import app_pb2, batch_pb2, pod_pb2, task_pb2

EPOCH = 1_700_000_000.0


@dataclass
class Backend:
    name: str
    store: Store
    namespace: str
    clock: Clock
    wall: Callable[[], float]

    async def elapse(self, seconds: float, steps: int = 6) -> None:
        """Let ``seconds`` pass, in ``steps`` so renewals and expiries interleave as in life."""
        if not isinstance(self.clock, ManualClock):
            await asyncio.sleep(seconds)
            return
        for _ in range(steps):
            self.clock.advance(seconds / steps)
            for _ in range(20):  # let woken sleepers, timers and watchers run
                await asyncio.sleep(0)


class Partition:
    """``store`` as seen by one replica that can be cut off: after ``trip``, every call fails."""

    def __init__(self, store: Store, *, trip_after_creates: int = -1, namespace: str = "") -> None:
        self._store = store
        # Only pod creates in this namespace count: on a shared etcd the replica's worker may
        # also pick up other tests' leftover tasks.
        self._prefix = POD.namespace_prefix(namespace)
        self.cut = False
        self.creates = 0
        self.trip_after_creates = trip_after_creates

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr):
            return attr

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.cut:
                raise Unavailable("partitioned")
            result = await attr(*args, **kwargs)
            if name == "txn" and result.succeeded and _creates_pod(args[0], self._prefix):
                self.creates += 1
                if self.creates == self.trip_after_creates:
                    self.cut = True
            return result

        return call

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[WatchEvent]:
        async def events() -> AsyncIterator[WatchEvent]:
            if self.cut:
                raise Unavailable("partitioned")
            async with contextlib.aclosing(
                self._store.watch(prefix, start_revision=start_revision)  # type: ignore[type-var]
            ) as inner:
                async for event in inner:
                    if self.cut:
                        raise Unavailable("partitioned")
                    yield event

        return events()


def _creates_pod(compares: list[Compare], prefix: str) -> bool:
    return any(c.key.startswith(prefix) and c.mod_revision == 0 for c in compares)


@dataclass
class EventLog:
    """Every change under a prefix from a revision on, recorded by a background watch."""

    events: list[WatchEvent] = field(default_factory=list)

    def added(self) -> list[str]:
        return [e.kv.key for e in self.events if e.type is EventType.PUT and e.kv.version == 1]

    def deleted(self) -> list[tuple[str, int]]:
        return [(e.kv.key, e.revision) for e in self.events if e.type is EventType.DELETE]


@contextlib.asynccontextmanager
async def recording(store: Store, prefix: str) -> AsyncIterator[EventLog]:
    log = EventLog()
    start = await store.revision() + 1

    async def follow() -> None:
        async for event in store.watch(prefix, start_revision=start):
            log.events.append(event)

    task = asyncio.ensure_future(follow())
    try:
        yield log
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class FakeSlave:
    """Plays every node: starts each new pod (bound to "n1", RUNNING) and removes stopping ones."""

    def __init__(self, store: Store, namespace: str) -> None:
        self.store = store
        self.prefix = POD.namespace_prefix(namespace)
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> FakeSlave:
        start = await self.store.revision()
        for kv in (await self.store.list(self.prefix)).items:
            await self._handle(kv.key, decode(pod_pb2.Pod, kv))
        self._task = asyncio.ensure_future(self._run(start + 1))
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self, start: int) -> None:
        async for event in self.store.watch(self.prefix, start_revision=start):
            if event.type is EventType.PUT:
                await self._handle(event.kv.key, decode(pod_pb2.Pod, event.kv))

    async def _handle(self, key: str, pod: pod_pb2.Pod) -> None:
        rev = pod.meta.resource_version
        if P.terminating(pod):
            await self.store.txn([Compare(key, rev)], [Delete(key)])
        elif pod.status.phase == pod_pb2.POD_PHASE_PENDING:
            pod.spec.node_name = pod.status.node_name = "n1"
            pod.status.phase = pod_pb2.POD_PHASE_RUNNING
            await self.store.txn([Compare(key, rev)], [Put(key, encode(pod))])


async def submit(
    store: Store, target: app_pb2.App | batch_pb2.BatchJob, kind: int, name: str, **spec: Any
) -> str:
    """Write the target and its task in one transaction, as the API does; returns the task key."""
    is_app = isinstance(target, app_pb2.App)
    target_kind = APP if is_app else BATCH_JOB
    meta = target.meta
    tkey = target_kind.key(meta.namespace, meta.name)
    current = await store.get(tkey)
    task = task_pb2.Task()
    task.meta.namespace, task.meta.name, task.meta.uid = meta.namespace, name, uuid.uuid4().hex
    task.spec.kind = kind  # type: ignore[assignment]
    task.spec.target_kind = (  # type: ignore[assignment]
        task_pb2.TASK_TARGET_KIND_APP if is_app else task_pb2.TASK_TARGET_KIND_BATCH_JOB
    )
    task.spec.target_name, task.spec.target_uid = meta.name, meta.uid
    task.spec.target_generation = meta.generation
    for k, v in spec.items():
        setattr(task.spec, k, v)
    task.status.state = task_pb2.TASK_STATE_PENDING
    key = TASK.key(meta.namespace, name)
    cmp = [Compare(tkey, current.mod_revision if current else 0), Compare(key, 0)]
    result = await store.txn(cmp, [Put(tkey, encode(target)), Put(key, encode(task))])
    assert result.succeeded
    return key


async def read_task(store: Store, key: str) -> task_pb2.Task | None:
    kv = await store.get(key)
    return decode(task_pb2.Task, kv) if kv else None


async def pods_of(store: Store, namespace: str) -> dict[str, pod_pb2.Pod]:
    listing = await store.list(POD.namespace_prefix(namespace))
    return {decode(pod_pb2.Pod, kv).meta.name: decode(pod_pb2.Pod, kv) for kv in listing.items}
