"""Batch workers on this node: the ``BatchWorkers`` stream a job master holds with each.

A worker is a BE pod (``spec.worker_slots`` > 0) that the scheduler placed here like any pod;
its container only holds the sandbox. Its master sends it instances over a gRPC stream to this
agent, and the agent runs each *inside the worker's sandbox* (``Runtime.exec``: the worker's
cgroup, its current CPU set, the batch scheduling class), as many at once as the master sends,
back to back. So the node's QoS squeezes, freezes and evicts a worker's instances with the
worker, as it does any batch pod, and a worker's usage is its instances'.

Why a stream to the agent rather than the bus: a master talks to a few workers per node and
wants each instance's end at once, in order, from the one worker that ran it; the bus would
put every report through the broker, spread one job's reports over partitions that the
master's lease does not follow, and still need a way to tell which worker is gone. A stream
is per worker: when it breaks the master knows which worker to look at, and the agent is the
one process that knows whether the worker still runs (it is the agent that stops it).

Results are kept until the master acknowledges a checkpoint covering them, so a master that
failed over hears them again from the worker when it re-attaches (``attached.results``), and
the instances still running are listed for it to adopt (``attached.running``). When the
worker's pod stops (released, evicted, its node fenced) its instances are killed and its
stream ends with NOT_FOUND: the master revokes it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import grpc

from sigma.auth import CONTROL, Access
from sigma.errors import Invalid, NotFound
from sigma.log import get_logger
from sigma.rpc import Service
from sigma.slave.runtime._port import Runtime
from sigma.v1 import pod_pb2, worker_pb2, worker_pb2_grpc

log = get_logger("sigma.slave.worker")

SERVICE = "sigma.v1.BatchWorkers"
ACCESS: Access = {"Attach": CONTROL}  # job masters are the control plane
NO_TIMEOUT = 7 * 24 * 3600.0  # an instance without a timeout: a week
WATCH_INTERVAL = 0.2  # seconds between looks at whether a worker's pod still runs

Ref = tuple[int, int]  # (task number, instance index)


@dataclass(slots=True)
class LocalWorker:
    """One worker pod as this agent holds it: what it runs, the results not acked yet, and the
    stream (``outbox``) of the master attached now, if any."""

    key: str
    uid: str
    container: str
    slots: int
    running: dict[Ref, asyncio.Task[None]] = field(default_factory=dict)
    results: list[worker_pb2.InstanceResult] = field(default_factory=list)
    seq: int = 0
    outbox: asyncio.Queue[worker_pb2.InstanceResult | None] | None = None
    watcher: asyncio.Task[None] | None = None

    def tell(self, item: worker_pb2.InstanceResult | None) -> None:
        if self.outbox is not None:
            self.outbox.put_nowait(item)


class WorkerHost:
    """The workers of this node. ``pod_of`` finds a pod the store says runs here."""

    def __init__(self, runtime: Runtime, pod_of: Callable[[str], pod_pb2.Pod | None]) -> None:
        self.runtime = runtime
        self.pod_of = pod_of
        self.workers: dict[str, LocalWorker] = {}

    def attach(self, request: worker_pb2.AttachWorker) -> LocalWorker:
        """The worker named by ``request`` (tracked from its first attach on)."""
        if not request.pod_key:
            raise Invalid("attach.pod_key", "required")
        key = request.pod_key
        state = self.runtime.pods().get(key)
        if state is None or not state.running or not state.containers:
            raise NotFound(f"worker pod {key} is not running on this node")
        if request.pod_uid and state.uid != request.pod_uid:
            raise NotFound(f"worker pod {key} here is another incarnation ({state.uid})")
        worker = self.workers.get(key)
        if worker is None or worker.uid != state.uid:
            pod = self.pod_of(key)
            if pod is None or pod.spec.worker_slots <= 0:
                raise Invalid("attach.pod_key", f"pod {key} is not a batch worker")
            worker = LocalWorker(key, state.uid, state.containers[0].name, pod.spec.worker_slots)
            self.workers[key] = worker
            worker.watcher = asyncio.ensure_future(self._watch(worker))
        return worker

    def run(self, worker: LocalWorker, batch: worker_pb2.RunInstances) -> None:
        for inst in batch.instances:
            ref = (inst.task, inst.index)
            if ref not in worker.running:
                worker.running[ref] = asyncio.ensure_future(self._run(worker, inst))

    @staticmethod
    def ack(worker: LocalWorker, up_to: int) -> None:
        worker.results = [r for r in worker.results if r.seq > up_to]

    async def _run(self, worker: LocalWorker, inst: worker_pb2.InstanceRun) -> None:
        env = {
            **inst.env,
            "SIGMA_TASK": inst.task_name,
            "SIGMA_INSTANCE": str(inst.index),
            "SIGMA_ATTEMPT": str(inst.attempt),
        }
        argv = ("env", *(f"{k}={v}" for k, v in sorted(env.items())), *inst.argv)
        timeout = inst.timeout.ToTimedelta().total_seconds() if inst.HasField("timeout") else 0
        try:
            done = await self.runtime.exec(
                worker.key, worker.container, argv, timeout or NO_TIMEOUT
            )
            code = done.exit_code
        except NotFound:
            return  # the pod went: the watcher ends the stream, the master re-runs it
        finally:
            worker.running.pop((inst.task, inst.index), None)
        worker.seq += 1
        result = worker_pb2.InstanceResult(
            seq=worker.seq, task=inst.task, index=inst.index, ok=code == 0, exit_code=code
        )
        worker.results.append(result)
        worker.tell(result)

    async def _watch(self, worker: LocalWorker) -> None:
        """Until the worker's pod stops: then kill its instances and end its stream."""
        while True:
            state = self.runtime.pods().get(worker.key)
            if state is None or state.uid != worker.uid or not state.running:
                break
            await asyncio.sleep(WATCH_INTERVAL)
        self.workers.pop(worker.key, None)
        tasks = list(worker.running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        worker.tell(None)
        log.info("worker stopped", extra={"pod": worker.key})

    async def close(self) -> None:
        for worker in list(self.workers.values()):
            if worker.watcher is not None:
                worker.watcher.cancel()
            for task in worker.running.values():
                task.cancel()


class BatchWorkers(worker_pb2_grpc.BatchWorkersServicer):
    def __init__(self, host: WorkerHost) -> None:
        self.host = host

    async def Attach(
        self,
        request_iterator: AsyncIterator[worker_pb2.WorkerCommand],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[worker_pb2.WorkerMessage]:
        first = await anext(aiter(request_iterator), None)
        if first is None:
            return
        if first.WhichOneof("command") != "attach":
            raise Invalid("command", "the first message of a stream must be attach")
        worker = self.host.attach(first.attach)
        outbox: asyncio.Queue[worker_pb2.InstanceResult | None] = asyncio.Queue()
        worker.tell(None)  # a master attached before (a failed-over one) is done with it
        worker.outbox = outbox
        attached = worker_pb2.WorkerAttached(slots=worker.slots, results=worker.results)
        for task, index in worker.running:
            attached.running.add(task=task, index=index)
        yield worker_pb2.WorkerMessage(attached=attached)
        reader = asyncio.ensure_future(self._read(request_iterator, worker, outbox))
        try:
            while True:
                item = await outbox.get()
                if item is None:
                    break
                out = worker_pb2.WorkerMessage()
                out.results.results.append(item)
                while not outbox.empty():  # what ended together goes in one message
                    more = outbox.get_nowait()
                    if more is None:
                        outbox.put_nowait(None)
                        break
                    out.results.results.append(more)
                yield out
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            if worker.outbox is outbox:
                worker.outbox = None
        if self.host.workers.get(worker.key) is not worker:
            raise NotFound(f"worker pod {worker.key} stopped")

    async def _read(
        self,
        requests: AsyncIterator[worker_pb2.WorkerCommand],
        worker: LocalWorker,
        outbox: asyncio.Queue[worker_pb2.InstanceResult | None],
    ) -> None:
        """The master's commands, until it closes its side: then this stream ends (the
        worker's instances go on; results wait for the next attach)."""
        async for command in requests:
            kind = command.WhichOneof("command")
            if kind == "run":
                self.host.run(worker, command.run)
            elif kind == "ack":
                self.host.ack(worker, command.ack.up_to)
        outbox.put_nowait(None)


def service(host: WorkerHost) -> Service:
    servicer = BatchWorkers(host)
    return Service(
        SERVICE,
        lambda server: worker_pb2_grpc.add_BatchWorkersServicer_to_server(servicer, server),
        ACCESS,
    )
