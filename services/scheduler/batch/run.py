"""One job's master at work: the loop that feeds a ``JobMaster`` events and acts on its answers.

The master decides (which instance where, what to retry, what to release); this loop only
carries: worker streams' reports in, dispatches out, worker pods asked for and given back as
``sizing`` says, checkpoints and the job's status written, events recorded for worker grants
and revocations. Every write is fenced on this replica's claim of the job, so a replica that
lost its claim while paused can never write over its successor.

Workers come and go through their pods' records (the cluster view): a worker pod running on
a node gets a stream (``links``); the master ``grant``s it when the stream says what the
worker runs; a worker pod that ended, was deleted or lost its node is ``revoke``d (its
in-flight instances are queued again) and its record removed. A stream that merely broke is
attached again while the pod's record still says it runs: the agent keeps the worker's results
for the next attach, so nothing is counted twice or lost.

Asks go out in rounds: while a worker pod of the job is not running yet, no more are asked
for, so a job never piles up pods the scheduler cannot place. Resizing a worker in place is
not done (a pod's requests are fixed once placed); sizing's resizes are left out, its asks and
releases are carried out.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import grpc

from sigma.clock import Clock, sleep_or
from sigma.log import get_logger
from sigma.resources import BATCH_JOB, POD
from sigma.resources.records import Recorder
from sigma.rpc import Caller
from sigma.scheduler.batch import checkpoint, links, workers
from sigma.scheduler.batch.checkpoint import Checkpointer
from sigma.scheduler.batch.master import FINAL, JobMaster, Phase
from sigma.scheduler.batch.records import (
    DONE,
    ENDED,
    ClaimLost,
    Timing,
    View,
    gone,
    stamp,
    why,
)
from sigma.scheduler.batch.report import status
from sigma.scheduler.batch.sizing import HeldWorker, size_workers, slot_request
from sigma.scheduler.batch.spec import JobSpec
from sigma.store import Compare, Delete, Op, Put, Store
from sigma.store.codec import encode
from sigma.v1 import batch_pb2, pod_pb2, record_pb2, worker_pb2

log = get_logger("sigma.scheduler.batch")


@dataclass(slots=True)
class _Books:
    """The loop's own state beside the master's."""

    links: dict[str, links.WorkerLink] = field(default_factory=dict)
    broken_at: dict[str, float] = field(default_factory=dict)
    last_status: batch_pb2.BatchJobStatus | None = None
    status_at: float = -1e18
    sized_at: float = -1e18


class JobRun:
    def __init__(
        self,
        store: Store,
        view: View,
        job: batch_pb2.BatchJob,
        *,
        fence: Sequence[Compare],
        identity: str,
        clock: Clock,
        wall: Callable[[], float],
        recorder: Recorder,
        timing: Timing | None = None,
        caller: Caller | None = None,
    ) -> None:
        self.store, self.view, self.job = store, view, job
        self.caller = caller or Caller()
        self.fence = list(fence)
        self.identity = identity
        self.clock, self.wall = clock, wall
        self.recorder = recorder
        self.timing = timing or Timing()
        self.spec = JobSpec.from_proto(job)
        self.policy = job.spec.workers
        by_name = {t.name: t for t in job.spec.tasks}
        self.commands = [workers.command(by_name[t.name]) for t in self.spec.tasks]
        self.events: asyncio.Queue[links.Event] = asyncio.Queue()
        self.books = _Books()
        self.master: JobMaster | None = None
        self.checkpoints = Checkpointer(self.timing.checkpoint)

    async def run(self) -> None:
        """Resume from the checkpoints and run the job until it ends (or this is cancelled)."""
        self.master = m = await checkpoint.resume(self.store, self.spec)
        log.info(
            "job master resumed",
            extra={"job": self.spec.name, "done": sum(m.done), "identity": self.identity},
        )
        wake = asyncio.Event()
        try:
            while True:
                self._drain_events()
                if not await self._refresh_job():
                    return  # cancelled, deleted or re-created: nothing more to do here
                self._workers()
                self._dispatch()
                now = self.clock.now()
                if m.job_phase not in FINAL and now - self.books.sized_at >= self.timing.sizing:
                    self.books.sized_at = now
                    await self._size()
                await self._checkpoint(now)
                if m.job_phase in FINAL and not m.dirty:
                    await self._release([], all_pods=True)
                    await self._status(now)
                    return
                await self._status(now)
                if self.events.empty():
                    await sleep_or(self.clock, self.timing.tick, wake)
        finally:
            for link in list(self.books.links.values()):
                await link.close()

    # ---- events -------------------------------------------------------------------------

    def _drain_events(self) -> None:
        m = self.master
        assert m is not None
        while not self.events.empty():
            event = self.events.get_nowait()
            link = event.link
            if self.books.links.get(link.worker) is not link:
                continue  # a link closed since
            if isinstance(event, links.Attached):
                running = [(r.task, r.index) for r in event.message.running]
                first = link.worker not in m.workers
                m.grant(link.worker, link.node, event.message.slots, running=running)
                for r in event.message.results:
                    m.finished(link.worker, r.task, r.index, r.ok)
                if first:
                    self._event(
                        "WorkerGranted",
                        f"worker {link.worker} on {link.node}, {event.message.slots} slots",
                    )
            elif isinstance(event, links.Results):
                for r in event.results:
                    m.finished(link.worker, r.task, r.index, r.ok)
            else:
                self.books.links.pop(link.worker, None)
                if event.code == grpc.StatusCode.NOT_FOUND:  # the agent says it stopped
                    self._revoke(link.worker, f"its stream ended: {event.message}")
                else:  # attach again once the pod's record says whether it still runs
                    self.books.broken_at[link.worker] = self.clock.now()

    def _revoke(self, worker: str, why: str) -> None:
        m = self.master
        assert m is not None
        if worker in m.workers:
            m.revoke(worker)
            self._event("WorkerRevoked", f"worker {worker}: {why}", warning=True)

    # ---- workers ------------------------------------------------------------------------

    def _workers(self) -> None:
        """Streams for running worker pods; revocations for the ones that went."""
        m = self.master
        assert m is not None
        now = self.clock.now()
        seen = set()
        for pod, _ in self.view.worker_pods(self.job):
            key = f"{pod.meta.namespace}/{pod.meta.name}"
            seen.add(key)
            node = self.view.node(pod.spec.node_name) if pod.spec.node_name else None
            if gone(pod, node):
                self._drop_link(key)
                self._revoke(key, why(pod, node))
                continue
            if pod.status.phase != pod_pb2.POD_PHASE_RUNNING or key in self.books.links:
                continue
            if now - self.books.broken_at.get(key, -1e18) < self.timing.reattach:
                continue
            if node is None or not node.status.agent_address or m.job_phase in FINAL:
                continue
            link = links.WorkerLink(
                key,
                pod.meta.uid,
                node.meta.name,
                node.status.agent_address,
                self.identity,
                self.events,
                self.caller,
            )
            self.books.links[key] = link
            link.start()
        for key in [k for k in m.workers if k not in seen]:
            self._drop_link(key)
            self._revoke(key, "its pod was deleted")

    def _drop_link(self, key: str) -> None:
        link = self.books.links.pop(key, None)
        if link is not None:
            link.cancel()

    def _dispatch(self) -> None:
        m = self.master
        assert m is not None
        by_worker: dict[str, list[worker_pb2.InstanceRun]] = defaultdict(list)
        for d in m.dispatch():
            argv, env = self.commands[d.task]
            by_worker[d.worker].append(
                worker_pb2.InstanceRun(
                    task=d.task,
                    index=d.index,
                    attempt=d.attempt,
                    task_name=self.spec.tasks[d.task].name,
                    argv=argv,
                    env=env,
                )
            )
        for worker, runs in by_worker.items():
            link = self.books.links.get(worker)
            if link is not None:
                link.run(runs)
            else:  # granted but its stream broke since: those go back to the queue
                self._revoke(worker, "its stream broke")

    async def _size(self) -> None:
        m = self.master
        assert m is not None
        pods = [p for p, _ in self.view.worker_pods(self.job)]
        ended = [f"{p.meta.namespace}/{p.meta.name}" for p in pods if p.status.phase in ENDED]
        live = [p for p in pods if not gone(p, None)]  # a lost node's: see _workers
        waiting = [p for p in live if p.status.phase != pod_pb2.POD_PHASE_RUNNING]
        cpu, mem = slot_request(m)
        held = [HeldWorker(w.id, w.node, w.slots, len(w.held)) for w in m.workers.values()]
        plan = size_workers(
            self.view.rooms(),
            held,
            cpu_millis=cpu,
            memory_bytes=mem,
            backlog=m.backlog,
            max_slots=self.policy.slots,
            blacklisted=m.blacklisted,
        )
        await self._release(plan.release + m.release() + ended)  # ended: evicted, failed
        if waiting:
            return  # one round of asks at a time
        room = self.policy.max_workers - len(live) if self.policy.max_workers else len(plan.ask)
        for _, slots in plan.ask[: max(room, 0)]:
            pod = workers.worker_pod(self.job, slots, cpu, mem)
            pod.meta.uid = pod.meta.name  # unique already (a random suffix)
            pod.meta.generation = 1
            pod.meta.creation_timestamp.CopyFrom(stamp(self.wall()))
            key = POD.key(pod.meta.namespace, pod.meta.name)
            await self._txn([Compare(key, 0)], [Put(key, encode(pod))])

    async def _release(self, worker_keys: list[str], *, all_pods: bool = False) -> None:
        """Give workers back: revoke them and remove their pods (a placed, live one is asked
        to stop through its deletion timestamp; the node's agent then removes it)."""
        wanted = set(worker_keys)
        for pod, revision in self.view.worker_pods(self.job):
            key = f"{pod.meta.namespace}/{pod.meta.name}"
            if key not in wanted and not all_pods:
                continue
            self._drop_link(key)
            if key in (self.master.workers if self.master else {}):
                self.master.revoke(key)  # type: ignore[union-attr]
                self._event("WorkerReleased", f"worker {key} given back")
            store_key = POD.key(pod.meta.namespace, pod.meta.name)
            if not pod.spec.node_name or pod.status.phase in ENDED:
                await self._txn([Compare(store_key, revision)], [Delete(store_key)])
            elif not pod.meta.HasField("deletion_timestamp"):
                stopping = pod_pb2.Pod()
                stopping.CopyFrom(pod)
                stopping.meta.deletion_timestamp.CopyFrom(stamp(self.wall()))
                await self._txn([Compare(store_key, revision)], [Put(store_key, encode(stopping))])

    # ---- records ------------------------------------------------------------------------

    async def _checkpoint(self, now: float) -> None:
        m = self.master
        assert m is not None
        seen = {key: link.seen for key, link in self.books.links.items() if link.attached}
        records = self.checkpoints.take(m, now)
        if records:
            await self._txn([], [Put(k, v) for k, v in records])
        if not m.dirty:  # every result heard so far is in a record: the workers may forget
            for key, up_to in seen.items():
                link = self.books.links.get(key)
                if link is not None and up_to:
                    link.ack(up_to)

    async def _status(self, now: float) -> None:
        m = self.master
        assert m is not None
        final = m.job_phase in FINAL
        if not final and now - self.books.status_at < self.timing.status:
            return
        found = self.view.job(self.job.meta.namespace, self.job.meta.name)
        if found is None:
            return
        stored, revision = found
        st = status(m)
        order = {t.name: i for i, t in enumerate(self.job.spec.tasks)}
        tasks = sorted(st.tasks, key=lambda t: order[t.name])
        del st.tasks[:]
        st.tasks.extend(tasks)
        st.observed_generation = stored.meta.generation
        if stored.status.HasField("start_time"):
            st.start_time.CopyFrom(stored.status.start_time)
        elif m.job_phase != Phase.PENDING or any(m.done):
            st.start_time.CopyFrom(stamp(self.wall()))
        if final:
            end = self.wall()
            st.finish_time.CopyFrom(stamp(end))
            created = stored.meta.creation_timestamp.ToNanoseconds() / 1e9
            st.completion_time.FromNanoseconds(int(max(end - created, 0) * 1e9))
        if self.books.last_status == st:
            return
        job = batch_pb2.BatchJob()
        job.CopyFrom(stored)
        job.status.CopyFrom(st)
        key = BATCH_JOB.key(job.meta.namespace, job.meta.name)
        if await self._txn([Compare(key, revision)], [Put(key, encode(job))]):
            self.books.last_status, self.books.status_at = st, now

    async def _refresh_job(self) -> bool:
        """False once the job is no longer this run's to drive: gone, re-created, deleted,
        or ended by someone else (a user's cancel)."""
        found = self.view.job(self.job.meta.namespace, self.job.meta.name)
        if found is None:
            return False
        stored, _ = found
        if stored.meta.uid != self.job.meta.uid or stored.meta.HasField("deletion_timestamp"):
            return False
        m = self.master
        assert m is not None
        return not (stored.status.phase in DONE and m.job_phase not in FINAL)

    async def _txn(self, compares: list[Compare], ops: list[Op]) -> bool:
        """A write fenced on this replica's claim; False when ``compares`` (not the fence)
        failed. A lost fence raises (``ClaimLost``): the run ends."""
        result = await self.store.txn([*compares, *self.fence], ops)
        if result.succeeded:
            return True
        for cmp in self.fence:
            kv = await self.store.get(cmp.key)
            if (kv.mod_revision if kv else 0) != cmp.mod_revision:
                raise ClaimLost(f"{cmp.key} moved on; this replica no longer runs the job")
        return False

    def _event(self, reason: str, message: str, *, warning: bool = False) -> None:
        ref = record_pb2.ObjectReference(
            kind="BatchJob",
            namespace=self.job.meta.namespace,
            name=self.job.meta.name,
            uid=self.job.meta.uid,
        )
        self.recorder.emit(ref, reason, message, warning=warning)
