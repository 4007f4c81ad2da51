"""The batch half of a scheduler replica: claims jobs on workers and runs a master for each.

Jobs are sharded over the replicas with claims: a replica holds one store lease and, for each
job it runs, a claim key ``/sigma/v1/leaders/batchjobs/<namespace>/<name>`` created under
that lease (the election's pattern, one key per job). Whoever creates the key runs the job;
its writes are fenced on the key's revision. A replica that dies stops renewing its lease, the
store drops every claim made under it, and the other replicas, which look for unclaimed jobs
every pass, take them over and ``resume`` each from its checkpoints. A replica takes at most
``capacity`` jobs, so several replicas share the work as they claim in turn.

The cluster view (jobs, pods, nodes, allocation records) comes from this module's informers,
apart from the online half's: nothing here touches its queue or cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from sigma.clock import Clock, SystemClock
from sigma.election import PREFIX, default_identity, keep_lease
from sigma.errors import AlreadyExists, SigmaError
from sigma.log import get_logger
from sigma.resources import BATCH_JOB, NODE, NODE_ALLOCATION, POD
from sigma.resources.records import Recorder
from sigma.rpc import Caller
from sigma.scheduler.batch import workers
from sigma.scheduler.batch.records import DONE, ClaimLost, Timing
from sigma.scheduler.batch.run import JobRun
from sigma.scheduler.batch.sizing import NodeRoom
from sigma.store import Compare, Store, create, delete_if
from sigma.store.informer import Informer
from sigma.v1 import batch_pb2, node_pb2, pod_pb2

log = get_logger("sigma.scheduler.batch")

CLAIMS = PREFIX + "batchjobs/"


def claim_key(namespace: str, name: str) -> str:
    return f"{CLAIMS}{namespace}/{name}"


class ClusterView:
    """The replica's informers, read the way ``JobRun`` needs."""

    def __init__(self, store: Store) -> None:
        self.jobs = Informer(store, BATCH_JOB.prefix, batch_pb2.BatchJob)
        self.pods = Informer(store, POD.prefix, pod_pb2.Pod)
        self.pods.add_index(
            "worker-of", lambda p: [p.spec.owner_name] if p.spec.worker_slots else []
        )
        self.nodes = Informer(store, NODE.prefix, node_pb2.Node)
        self.allocations = Informer(store, NODE_ALLOCATION.prefix, node_pb2.NodeAllocation)
        self.informers = (self.jobs, self.pods, self.nodes, self.allocations)

    def job(self, namespace: str, name: str) -> tuple[batch_pb2.BatchJob, int] | None:
        key = BATCH_JOB.key(namespace, name)
        job = self.jobs.get(key)
        return None if job is None else (job, self.jobs.mod_revision(key) or 0)

    def worker_pods(self, job: batch_pb2.BatchJob) -> list[tuple[pod_pb2.Pod, int]]:
        out = []
        for pod in self.pods.by_index("worker-of", job.meta.name):
            if pod.meta.namespace == job.meta.namespace and workers.is_worker_of(pod, job):
                key = POD.key(pod.meta.namespace, pod.meta.name)
                out.append((pod, self.pods.mod_revision(key) or 0))
        return out

    def node(self, name: str) -> node_pb2.Node | None:
        return self.nodes.get(NODE.key("", name))

    def rooms(self) -> list[NodeRoom]:
        allocations = {a.node_name: a for _, a in self.allocations.items()}
        return workers.rooms((n for _, n in self.nodes.items()), allocations)


class BatchMasters:
    def __init__(
        self,
        store: Store,
        *,
        identity: str = "",
        clock: Clock | None = None,
        wall: Callable[[], float] = time.time,
        ttl: int = 10,
        capacity: int = 1000,
        interval: float = 0.25,
        timing: Timing | None = None,
        caller: Caller | None = None,
    ) -> None:
        self.store = store
        self.caller = caller or Caller()
        self.identity = identity or default_identity()
        self.clock = clock or SystemClock()
        self.wall = wall
        self.ttl, self.capacity, self.interval = ttl, capacity, interval
        self.timing = timing
        self.view = ClusterView(store)
        self.recorder = Recorder(store, "batch-master", wall=wall)
        self.runs: dict[str, asyncio.Task[None]] = {}  # claim key -> its job's run

    async def run(self) -> None:
        """Claim and run jobs until cancelled."""
        feeds = [asyncio.ensure_future(i.run()) for i in self.view.informers]
        try:
            for informer in self.view.informers:
                await informer.wait_synced()
            while True:
                lease = await self._lease()
                keeper = asyncio.ensure_future(keep_lease(self.store, lease, self.ttl, self.clock))
                try:
                    while not keeper.done():
                        await self.claim(lease)
                        await self.clock.sleep(self.interval)
                finally:
                    keeper.cancel()
                    await self._stop_all()
                log.warning("batch master lease lost", extra={"identity": self.identity})
        finally:
            for task in feeds:
                task.cancel()
            await asyncio.gather(*feeds, return_exceptions=True)
            await self.recorder.close()

    async def _lease(self) -> int:
        while True:
            try:
                return await self.store.grant_lease(self.ttl)
            except SigmaError as exc:
                if not exc.retriable:
                    raise
                await self.clock.sleep(1.0)

    async def claim(self, lease: int) -> None:
        """One pass: drop finished runs, claim unclaimed live jobs up to ``capacity``."""
        for key, task in list(self.runs.items()):
            if task.done():
                del self.runs[key]
                await self._unclaim(key, task)
        for _, job in sorted(self.view.jobs.items()):
            if len(self.runs) >= self.capacity:
                return
            key = claim_key(job.meta.namespace, job.meta.name)
            if key in self.runs or not _wants_master(job):
                continue
            try:
                revision = await create(self.store, key, self.identity.encode(), lease=lease)
            except AlreadyExists:
                continue
            except SigmaError as exc:
                log.warning("claim failed", extra={"job": key, "error": str(exc)})
                return
            run = JobRun(
                self.store,
                self.view,
                job,
                fence=[Compare(key, revision)],
                identity=self.identity,
                clock=self.clock,
                wall=self.wall,
                recorder=self.recorder,
                timing=self.timing,
                caller=self.caller,
            )
            self.runs[key] = asyncio.ensure_future(run.run())
            log.info("job claimed", extra={"job": key, "identity": self.identity})

    async def _unclaim(self, key: str, task: asyncio.Task[None]) -> None:
        """The run ended: let the claim go, unless it was lost to another replica. A run that
        failed is logged; its job is claimed again on a later pass (here or elsewhere)."""
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, ClaimLost):
            return
        if exc is not None:
            log.error("job master failed", extra={"job": key, "error": repr(exc)})
        kv = await self.store.get(key)
        if kv is not None and kv.value == self.identity.encode():
            with contextlib.suppress(SigmaError):
                await delete_if(self.store, key, expected_mod_revision=kv.mod_revision)

    async def _stop_all(self) -> None:
        tasks = list(self.runs.values())
        self.runs.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _worker_of(pod: pod_pb2.Pod) -> list[str]:
    return [pod.spec.owner_name] if pod.spec.worker_slots else []


def _wants_master(job: batch_pb2.BatchJob) -> bool:
    return (
        job.spec.HasField("workers")
        and job.status.phase not in DONE
        and not job.meta.HasField("deletion_timestamp")
    )
