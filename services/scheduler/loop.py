"""The scheduler replica: informers feed the cache and the queue; the loop decides and binds.

Each round pops up to ``batch_size`` pods, decides each against a fresh snapshot (assuming the
placement at once so the next decision sees it), then commits one store transaction per node
touched, concurrently. A lost compare-and-swap forgets the assumptions and re-queues the pods
with a backoff. Several replicas may run against one store: the per-node CAS keeps them safe.
Once a transaction that evicts victims has committed, one ColocationDecision per victim goes
to the decisions topic of the bus (when the replica has one).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from sigma.bus import Bus
from sigma.clock import Clock, SystemClock
from sigma.errors import Conflict, NotFound, SigmaError
from sigma.events import DECISIONS_TOPIC
from sigma.log import get_logger
from sigma.observe import ATTEMPT_SECONDS, CONFLICTS
from sigma.resources.kinds import APP, NODE, NODE_ALLOCATION, POD
from sigma.scheduler.binding import (
    Eviction,
    NodeBinding,
    StoreBinder,
    pod_store_key,
    unschedulable,
)
from sigma.scheduler.convert import (
    allocated_pod,
    allocation_pods,
    app_key,
    node_row,
    pod_info,
    pod_key,
)
from sigma.scheduler.decisions import DecisionPublisher, eviction_decisions, preempted_by
from sigma.scheduler.framework import (
    Cache,
    ClusterEvent,
    NodeRow,
    PodInfo,
    Profile,
    QueuedPod,
    SchedulingQueue,
    Status,
)
from sigma.scheduler.plugins.registry import build, wakes
from sigma.store import Store, update
from sigma.store.codec import encode
from sigma.store.informer import Handler, Informer
from sigma.v1 import app_pb2, node_pb2, pod_pb2

log = get_logger("sigma.scheduler")
RETRY_COALESCE = 0.1  # seconds; see Scheduler._idle
RELEASE_BACKOFF = (0.05, 2.0)  # seconds between attempts of a release: first, longest
TERMINAL = {pod_pb2.POD_PHASE_SUCCEEDED, pod_pb2.POD_PHASE_FAILED, pod_pb2.POD_PHASE_EVICTED}


@dataclass(slots=True)
class _Group:
    """What one round commits on one node."""

    entries: list[QueuedPod] = field(default_factory=list)
    evictions: list[Eviction] = field(default_factory=list)
    decisions: dict[str, str] = field(default_factory=dict)  # pod key -> what was decided


@dataclass(slots=True)
class Stats:
    attempts: int = 0
    bound: int = 0
    conflicts: int = 0
    unschedulable: int = 0
    preemptions: int = 0
    evicted: int = 0  # victims whose eviction committed (and was published, with a bus)
    # Seconds per attempt (snapshot, chain, assume), the most recent ones: for percentiles.
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=1 << 16))


class Scheduler:
    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        profile: Profile | None = None,
        scheduler_name: str = "",
        batch_size: int = 64,
        initial_backoff: float = 0.05,
        max_backoff: float = 2.0,
        wall: Callable[[], float] = time.time,
        batch_stale_after: float = 300.0,
        note_unschedulable: bool = True,
        bus: Bus | None = None,
        decisions_topic: str = DECISIONS_TOPIC,
    ) -> None:
        self.decisions = DecisionPublisher(bus, decisions_topic) if bus is not None else None
        self.wall = wall  # wall-clock seconds, to judge the colocator's timestamps
        self.batch_stale_after = batch_stale_after
        self.note_unschedulable = note_unschedulable
        self.store = store
        self.clock = clock or SystemClock()
        self.framework = build(profile)
        self.scheduler_name = scheduler_name
        self.batch_size = batch_size
        self.cache = Cache()
        self.queue = SchedulingQueue(
            self.clock,
            wakes=wakes(self.framework),
            shape_of=_shape,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
        )
        self.pods = Informer(store, POD.prefix, pod_pb2.Pod)
        self.nodes = Informer(store, NODE.prefix, node_pb2.Node)
        self.allocations = Informer(store, NODE_ALLOCATION.prefix, node_pb2.NodeAllocation)
        self.apps = Informer(store, APP.prefix, app_pb2.App)
        self.binder = StoreBinder(store, self._pod_object, self.node_row, self._record)
        self.stats = Stats()
        # Verdicts of this round by pod shape (see ``_shape``): a backlog of like pods costs
        # one attempt per round, not one per pod.
        self._failed_shapes: dict[tuple[object, ...], Status] = {}
        self._rows: dict[str, NodeRow] = {}
        self._wake = asyncio.Event()
        self._background: set[asyncio.Task[None]] = set()

    # -- lookups -------------------------------------------------------------------------------
    def node_row(self, name: str) -> NodeRow | None:
        return self._rows.get(name)

    def _record(self, node: str) -> node_pb2.NodeAllocation | None:
        return self.allocations.get(NODE_ALLOCATION.key("", node))

    def _pod_object(self, key: str) -> pod_pb2.Pod | None:
        namespace, _, name = key.partition("/")
        return self.pods.get(POD.key(namespace, name))

    def pod_info(self, pod: pod_pb2.Pod) -> PodInfo:
        app = self.apps.get(APP.key(pod.meta.namespace, pod.spec.owner_name))
        return pod_info(pod, app.spec.spread if app else None)

    # -- informer handlers ---------------------------------------------------------------------
    def _on_pod(self, key: str, pod: pod_pb2.Pod, new: pod_pb2.Pod | None = None) -> None:
        if (
            new is not None
            and new.spec == pod.spec
            and not new.spec.node_name
            and new.status.phase not in TERMINAL
            and not new.meta.HasField("deletion_timestamp")
        ):
            return  # a status-only change of a pending pod (our own note, say): no retry
        pod = new or pod
        name = pod_key(pod)
        gone = pod.status.phase in TERMINAL or pod.meta.HasField("deletion_timestamp")
        if pod.spec.node_name or gone:
            self.queue.delete(name)
            if pod.spec.node_name:
                # Bound (most often by this replica, already counted in the cache): only an
                # App the cache does not know yet is worth converting the pod for.
                app = self.cache.app_of(name)
                if app is not None and app != app_key(pod):
                    self.cache.note_pod(self.pod_info(pod))
                if gone:
                    self._release(pod.spec.node_name, name)
        elif pod.spec.scheduler_name in ("", self.scheduler_name):
            self.queue.add(self.pod_info(pod))
            self._wake.set()

    def _on_pod_delete(self, key: str, pod: pod_pb2.Pod) -> None:
        self.queue.delete(pod_key(pod))
        if pod.spec.node_name:
            self._release(pod.spec.node_name, pod_key(pod))

    def _on_node(self, key: str, node: node_pb2.Node, new: node_pb2.Node | None = None) -> None:
        node = new or node
        written = node.status.batch_capacity_updated_at
        fresh = not written.seconds or self.wall() - written.seconds <= self.batch_stale_after
        row = node_row(node, batch_fresh=fresh)
        self._rows[row.name] = row
        self.cache.upsert_node(row)
        self._event(ClusterEvent.NODE_UPDATE if new else ClusterEvent.NODE_ADD)

    def _on_node_delete(self, key: str, node: node_pb2.Node) -> None:
        self._rows.pop(node.meta.name, None)
        self.cache.remove_node(node.meta.name)
        self._event(ClusterEvent.NODE_DELETE)

    def _on_allocation(
        self, key: str, rec: node_pb2.NodeAllocation, new: node_pb2.NodeAllocation | None = None
    ) -> None:
        listed = {a.pod_key: a for a in (new or rec).pods}

        def info(pod: str) -> PodInfo:  # a pod new to the cache: its App from the pod object
            obj = self._pod_object(pod)
            return allocated_pod(listed[pod], app_key(obj) if obj is not None else "")

        if self.cache.sync_allocation(NODE_ALLOCATION.object_key(key), listed, info):
            self._event(ClusterEvent.ROOM_FREED)

    def _on_allocation_delete(self, key: str, rec: node_pb2.NodeAllocation) -> None:
        self.cache.apply_allocation(NODE_ALLOCATION.object_key(key), [])
        self._event(ClusterEvent.ROOM_FREED)

    def _on_app(self, key: str, app: app_pb2.App, new: app_pb2.App | None = None) -> None:
        self._event(ClusterEvent.APP_UPDATE)

    def _event(self, event: ClusterEvent) -> None:
        if self.queue.on_event(event):
            self._wake.set()

    def _release(self, node: str, key: str) -> None:
        self._background_task(self._release_until_done(node, key))

    async def _release_until_done(self, node: str, key: str) -> None:
        """Release a finished pod's room, retrying until it is released.

        The release is the one write that frees the room: it runs once, on the pod's change,
        and nothing would repeat it later, so a store outage or a run of lost compare-and-swaps
        must not end it, or the node would hold the room for good (until a replica restarts).
        """
        delay = RELEASE_BACKOFF[0]
        while True:
            try:
                if await self.binder.release(node, {key}):
                    return
            except SigmaError as exc:
                if not exc.retriable:
                    raise
                log.warning("release failed", extra={"pod": key, "node": node, "error": str(exc)})
            await self.clock.sleep(delay)
            delay = min(delay * 2, RELEASE_BACKOFF[1])

    def _background_task(self, coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _note(self, info: PodInfo, message: str) -> None:
        """Tell the pod's owner why it waits: condition PodScheduled=False, once per reason."""
        pod = self._pod_object(info.key)
        if pod is None or pod.spec.node_name:
            return
        noted = unschedulable(pod, message)
        if noted is not None:
            with contextlib.suppress(Conflict, NotFound):  # the pod moved on; nothing to tell
                await update(
                    self.store,
                    pod_store_key(info.key),
                    encode(noted),
                    expected_mod_revision=pod.meta.resource_version,
                )

    # -- running -------------------------------------------------------------------------------
    async def start(self) -> list[asyncio.Task[None]]:
        """Start the informers and wait until each has listed; returns their tasks."""
        await self.nodes.add_handler(Handler(self._on_node, self._on_node, self._on_node_delete))
        await self.allocations.add_handler(
            Handler(self._on_allocation, self._on_allocation, self._on_allocation_delete)
        )
        await self.apps.add_handler(Handler(self._on_app, self._on_app))
        await self.pods.add_handler(Handler(self._on_pod, self._on_pod, self._on_pod_delete))
        informers = (self.apps, self.nodes, self.allocations, self.pods)
        tasks = [asyncio.ensure_future(i.run()) for i in informers]
        for informer in informers:
            await informer.wait_synced()
        return tasks

    async def run(self) -> None:
        """Schedule until cancelled."""
        tasks = await self.start()
        inflight: asyncio.Future[None] | None = None
        try:
            # Pipelined: round k+1 is decided while round k's transaction is in the store;
            # commits stay in order, so each prepares against the records the last one wrote.
            while True:
                groups, tried = self.decide_round()
                if inflight is not None:
                    await inflight
                    inflight = None
                if groups:
                    inflight = asyncio.ensure_future(self.commit(groups))
                    await asyncio.sleep(0)  # let the transaction go out before deciding on
                elif not tried:
                    await self._idle()
        finally:
            pending = [*tasks, *self._background, *([inflight] if inflight else [])]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def run_once(self) -> int:
        """One round: decide up to ``batch_size`` pods and commit them; how many were tried."""
        groups, tried = self.decide_round()
        if groups:
            await self.commit(groups)
        return tried

    def decide_round(self) -> tuple[dict[str, _Group], int]:
        """Decide (and assume) up to ``batch_size`` pods, grouped by node."""
        self._wake.clear()
        self._failed_shapes.clear()
        groups: dict[str, _Group] = {}
        tried = 0
        clock = time.perf_counter
        while tried < self.batch_size and (entry := self.queue.pop()) is not None:
            tried += 1
            t0 = clock()
            self._decide(entry, groups)
            elapsed = clock() - t0
            self.stats.latencies.append(elapsed)
            ATTEMPT_SECONDS.observe(elapsed)
        return groups, tried

    def _decide(self, entry: QueuedPod, groups: dict[str, _Group]) -> None:
        pod = entry.pod
        if self.cache.placed_on(pod.key) is not None:
            return  # bound meanwhile (by us or another replica)
        self.stats.attempts += 1
        shape = _shape(pod)
        known = self._failed_shapes.get(shape) if shape is not None else None
        if known is not None:
            self._unschedulable(entry, known)
            return
        result = self.framework.schedule(pod, self.cache.snapshot())
        if result.node:
            self.cache.assume(pod, result.node)
            group = groups.setdefault(result.node, _Group())
            group.entries.append(entry)
            group.decisions[pod.key] = result.decision()
            return
        plan = result.preemption
        if plan is None:
            if shape is not None:
                self._failed_shapes[shape] = result.status
            self._unschedulable(entry, result.status)
            return
        self._failed_shapes.clear()  # the victims' room is free again
        for victim in plan.victims:
            self.cache.remove_pod(victim.pod_key)
        self.cache.assume(pod, plan.node)
        group = groups.setdefault(plan.node, _Group())
        group.entries.append(entry)
        message = preempted_by(pod, plan.reason)
        group.evictions.extend(Eviction(v.pod_key, message) for v in plan.victims)
        victims = ", ".join(v.pod_key for v in plan.victims)
        group.decisions[pod.key] = f"placed on {plan.node} by preempting {victims}: {plan.reason}"
        self.stats.preemptions += 1

    def _unschedulable(self, entry: QueuedPod, status: Status) -> None:
        self.stats.unschedulable += 1
        # The pod's condition is rewritten when the plugins that reject it change, not for
        # every new count of nodes: each write costs every pod watcher a decode.
        noted = entry.last is not None and entry.last.plugins == status.plugins
        self.queue.failed(entry, status)
        if self.note_unschedulable and not noted:
            self._background_task(self._note(entry.pod, status.message()))

    async def commit(self, groups: dict[str, _Group]) -> None:
        """Commit a round from ``decide_round``; lost nodes are forgotten and re-queued."""
        nodes = list(groups)
        statuses = await self.binder.bind_many(
            [
                NodeBinding(
                    n,
                    tuple(e.pod for e in groups[n].entries),
                    tuple(groups[n].evictions),
                    groups[n].decisions,
                )
                for n in nodes
            ]
        )
        for node, status in zip(nodes, statuses, strict=True):
            group = groups[node]
            entries = group.entries
            if status.ok:
                self.stats.bound += len(entries)
                if group.evictions:
                    self._evicted(node, group.evictions)
                continue
            self.stats.conflicts += 1
            CONFLICTS.inc()
            for entry in entries:
                self.cache.forget(entry.pod.key)
                self.queue.failed(entry, status)
            record = self._record(node)
            self.cache.apply_allocation(node, allocation_pods(record) if record else [])

    def _evicted(self, node: str, evictions: list[Eviction]) -> None:
        """Victims evicted by a committed transaction: on the bus, in the background, so a
        slow bus never holds up binding (the pods' status already records the eviction)."""
        self.stats.evicted += len(evictions)
        if self.decisions is not None:
            decided = eviction_decisions(node, evictions, self.binder.written(node), self.wall())
            self._background_task(self.decisions.publish(decided))

    async def settle(self) -> None:
        """Wait for the background work started so far (decisions, notes, releases)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def _idle(self) -> None:
        ready = self.queue.next_ready_at()
        # Retries due within RETRY_COALESCE of the first go in one round: a backlog of pods
        # backing off at scattered times would otherwise wake the loop once per pod.
        timeout = 1.0 if ready is None else max(0.0, ready - self.clock.now()) + RETRY_COALESCE
        waiter = asyncio.ensure_future(self._wake.wait())
        sleeper = asyncio.ensure_future(self.clock.sleep(timeout))
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            sleeper.cancel()

    def pending(self) -> Sequence[QueuedPod]:
        return self.queue.pending()


def _shape(pod: PodInfo) -> tuple[object, ...] | None:
    """What decides a plain pod's verdict against one snapshot: pods of one shape fit the same
    nodes, so once one failed in a round (room only shrinks as the round assumes pods) the
    rest fail too. None for pods whose verdict also depends on their App (spread, replicas)."""
    if pod.app or pod.spread:
        return None
    return (pod.cpu, pod.mem, pod.qos, pod.priority, pod.selector, pod.tolerations)
