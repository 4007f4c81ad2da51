"""The master's end of a worker's stream (``sigma.v1.BatchWorkers.Attach`` on its node).

A link attaches to one worker pod through its node's agent, hands what the worker says to the
master's loop as events on one queue (``Attached``, ``Results``, ``Broken``), and sends what
the loop asks (instances to run, acknowledgements). It decides nothing: whether a broken
stream means the worker is gone is the loop's call, from the pod's record.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc

from sigma.rpc import Caller
from sigma.v1 import worker_pb2, worker_pb2_grpc


@dataclass(frozen=True, slots=True)
class Attached:
    link: WorkerLink
    message: worker_pb2.WorkerAttached


@dataclass(frozen=True, slots=True)
class Results:
    link: WorkerLink
    results: list[worker_pb2.InstanceResult]


@dataclass(frozen=True, slots=True)
class Broken:
    link: WorkerLink
    code: grpc.StatusCode | None  # None: the stream ended without a status
    message: str


Event = Attached | Results | Broken


class WorkerLink:
    """One stream to the worker pod ``worker`` (its key) on ``node`` served at ``address``."""

    def __init__(
        self,
        worker: str,
        uid: str,
        node: str,
        address: str,
        master: str,
        events: asyncio.Queue[Event],
        caller: Caller,
    ) -> None:
        self.worker, self.uid, self.node, self.address = worker, uid, node, address
        self.master = master
        self.events = events
        self.caller = caller  # the replica's certificate and token: slaves admit masters only
        self.slots = 0
        self.seen = 0  # highest result sequence number received
        self.attached = False
        self._out: asyncio.Queue[worker_pb2.WorkerCommand | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    def run(self, instances: list[worker_pb2.InstanceRun]) -> None:
        command = worker_pb2.WorkerCommand()
        command.run.instances.extend(instances)
        self._out.put_nowait(command)

    def ack(self, up_to: int) -> None:
        self._out.put_nowait(worker_pb2.WorkerCommand(ack=worker_pb2.AckResults(up_to=up_to)))

    def cancel(self) -> None:
        """End the stream now (the agent keeps the worker's results for the next attach)."""
        if self._task is not None:
            self._task.cancel()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _commands(self) -> AsyncIterator[worker_pb2.WorkerCommand]:
        attach = worker_pb2.AttachWorker(pod_key=self.worker, pod_uid=self.uid, master=self.master)
        yield worker_pb2.WorkerCommand(attach=attach)
        while (command := await self._out.get()) is not None:
            yield command

    async def _run(self) -> None:
        code: grpc.StatusCode | None = None
        message = "the stream ended"
        async with self.caller.channel(self.address) as ch:
            stub = worker_pb2_grpc.BatchWorkersStub(ch)
            try:
                async for msg in stub.Attach(self._commands(), metadata=self.caller.metadata):
                    if msg.HasField("attached"):
                        self.attached, self.slots = True, msg.attached.slots
                        self._saw(msg.attached.results)
                        self.events.put_nowait(Attached(self, msg.attached))
                    else:
                        results = list(msg.results.results)
                        self._saw(results)
                        self.events.put_nowait(Results(self, results))
            except grpc.aio.AioRpcError as exc:
                code, message = exc.code(), exc.details() or str(exc.code())
        self.events.put_nowait(Broken(self, code, message))

    def _saw(self, results: list[worker_pb2.InstanceResult]) -> None:
        for r in results:
            self.seen = max(self.seen, r.seq)
