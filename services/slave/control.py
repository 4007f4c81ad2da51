"""The slave's port to the control plane, and its adapter over the store and the bus.

The agent needs eight things from the control plane: register its node, keep a heartbeat,
see the pods bound to it (and read them afresh when a self-fence lifts, ``sigma.slave.fence``),
compare-and-swap a pod's status, evict a pod within its App's disruption budget (a drain),
record its node's latest usage in the Node (what ``sigmactl top nodes`` reads), record events
about its pods for people, and publish usage and decisions.
``ControlPlane`` names exactly those; ``StoreControlPlane`` does them with a Repository (CAS),
an Informer (indexed by node name) and the Bus. The heartbeat is the node's lease
(``ControlPlane.lease``, a ``NodeLease``), a part of its own as the kubelet's node lease
controller is; the agent's status reads the lease's id and expiry there. When the
apiserver's RPCs carry the same operations, an adapter over them replaces this one without
touching the agent.

Known limit: the informer watches every pod in the cluster (the whole ``/sigma/v1/pods/``
prefix) and keeps only this node's through its ``node`` index. The store has no per-node key
range to watch, so each slave holds a copy of every pod and decodes every pod change in the
cluster: memory and watch traffic per slave grow with the cluster, not with the node
(N slaves x all pod changes in total, on etcd's side too). That is fine for tens of nodes;
for thousands it needs a per-node range to watch (a node-keyed mirror of bindings written in
the binding transaction) or a filtered watch served by the apiserver, behind this same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Protocol

from sigma.bus import Bus
from sigma.errors import AlreadyExists, Conflict, NotFound
from sigma.events import DECISIONS_TOPIC, NODE_USAGE_TOPIC
from sigma.log import get_logger
from sigma.resources import NODE, POD, disruption, heartbeats
from sigma.resources.pods import key as pod_key
from sigma.resources.records import Recorder
from sigma.resources.repository import Repository
from sigma.store import Store
from sigma.store.informer import Handler, Informer
from sigma.v1 import event_pb2, node_pb2, pod_pb2, record_pb2

log = get_logger("sigma.slave")

BY_NODE = "node"
CONTENT_TYPE = "application/x-protobuf; messageType=sigma.v1.{}"

PodChange = Callable[[pod_pb2.Pod], bool | None]


class NodeLease(Protocol):
    """The node's heartbeat lease: while it is renewed the control plane counts the node alive."""

    id: int
    expires_at: float  # wall-clock seconds; 0 before the first beat

    async def start(self, ttl: int) -> int:
        """Take the lease (``ttl`` seconds) and renew it once; returns its id."""
        ...

    async def beat(self) -> None:
        """Renew the lease (a new one if it lapsed)."""
        ...


class ControlPlane(Protocol):
    lease: NodeLease

    async def register_node(self, node: node_pb2.Node) -> None:
        """Create the node, or update its spec (capacity, topology) keeping everything else."""
        ...

    async def cordon(self) -> None:
        """Mark the node unschedulable (before a drain)."""
        ...

    async def watch_pods(self, on_change: Callable[[], None]) -> None:
        """Keep the local view of this node's pods current (runs until cancelled)."""
        ...

    async def wait_synced(self) -> None: ...

    def my_pods(self) -> list[pod_pb2.Pod]: ...

    def seen_revision(self) -> int:
        """The last store revision the local view of the pods reflects."""
        ...

    async def read_my_pods(self) -> tuple[int, dict[str, str]]:
        """This node's pods as the store has them now (not the local view): the revision
        read at, and each pod's key and uid. Used once, when a fence is lifted."""
        ...

    async def update_pod(self, namespace: str, name: str, change: PodChange) -> pod_pb2.Pod:
        """Read-modify-CAS ``change`` on the pod; ``change`` returns False to write nothing."""
        ...

    async def delete_pod(self, pod: pod_pb2.Pod) -> None:
        """Remove a pod whose deletion was requested, once its processes are gone."""
        ...

    async def evict_pod(self, namespace: str, name: str, reason: str, grace: float | None) -> None:
        """Ask a pod to stop within its App's disruption budget (``ResourceExhausted`` when
        the budget refuses)."""
        ...

    async def record_usage(self, usage: node_pb2.NodeUsage) -> None:
        """Set the node's ``status.usage``, leaving every other field as its writers left it."""
        ...

    def record(
        self, key: str, uid: str, reason: str, message: str, *, warning: bool = False
    ) -> None:
        """Tell people what happened to pod ``key`` here (an event record; best effort, no
        wait)."""
        ...

    async def publish(
        self, message: event_pb2.NodeUsageReport | event_pb2.ColocationDecision
    ) -> None:
        """Put a usage report or a QoS decision on its topic, keyed by the node."""
        ...

    async def close(self) -> None:
        """Finish (briefly) what is still being written in the background."""
        ...


def node_of(pod: pod_pb2.Pod) -> list[str]:
    return [pod.spec.node_name] if pod.spec.node_name else []


class StoreLease:
    """The node's lease as a heartbeat record in the store (``sigma.resources.heartbeats``)."""

    def __init__(self, store: Store, node: str, wall: Callable[[], float]) -> None:
        self.store = store
        self.node = node
        self.wall = wall
        self.id = 0
        self.expires_at = 0.0
        self._ttl = 0

    async def start(self, ttl: int) -> int:
        self._ttl = ttl
        self.id = await heartbeats.register(self.store, self.node, ttl)
        await self.beat()
        return self.id

    async def beat(self) -> None:
        try:
            await heartbeats.beat(self.store, self.node, self.id)
        except NotFound:  # the lease lapsed (a long pause, a store restart): take a new one
            self.id = await heartbeats.register(self.store, self.node, self._ttl)
        self.expires_at = self.wall() + self._ttl


class StoreControlPlane:
    def __init__(
        self,
        store: Store,
        bus: Bus,
        node: str,
        *,
        usage_topic: str = NODE_USAGE_TOPIC,
        decision_topic: str = DECISIONS_TOPIC,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.wall = wall
        self.store = store
        self.bus = bus
        self.node = node
        self.usage_topic = usage_topic
        self.decision_topic = decision_topic
        self.nodes = Repository(store, NODE)
        self.pods = Repository(store, POD)
        # The view waits out a store outage however long it lasts (the informer's way): an
        # agent that exited on a partition would leave its pods running unfenced.
        self.informer = Informer(store, POD.prefix, pod_pb2.Pod)
        self.informer.add_index(BY_NODE, node_of)
        self.recorder = Recorder(store, f"slave/{node}", wall=wall)
        self.lease = StoreLease(store, node, wall)

    async def register_node(self, node: node_pb2.Node) -> None:
        try:
            await self.nodes.create(node)
            return
        except AlreadyExists:
            pass  # already registered: refresh what the slave owns

        def refresh(stored: node_pb2.Node) -> bool:
            unschedulable = stored.spec.unschedulable
            taints = list(stored.spec.taints)
            stored.spec.CopyFrom(node.spec)
            stored.spec.unschedulable = unschedulable
            del stored.spec.taints[:]
            stored.spec.taints.extend(taints)
            stored.meta.labels.update(node.meta.labels)
            stored.status.phase = node.status.phase
            stored.status.agent_version = node.status.agent_version
            stored.status.agent_address = node.status.agent_address
            return True

        await self.nodes.mutate("", self.node, refresh)

    async def cordon(self) -> None:
        def mark(stored: node_pb2.Node) -> bool:
            if stored.spec.unschedulable:
                return False
            stored.spec.unschedulable = True
            return True

        await self.nodes.mutate("", self.node, mark)

    async def watch_pods(self, on_change: Callable[[], None]) -> None:
        def changed(*_: object) -> None:
            on_change()

        await self.informer.add_handler(Handler(changed, changed, changed))
        await self.informer.run()

    async def wait_synced(self) -> None:
        await self.informer.wait_synced()

    def my_pods(self) -> list[pod_pb2.Pod]:
        return self.informer.by_index(BY_NODE, self.node)

    def seen_revision(self) -> int:
        return self.informer.revision

    async def read_my_pods(self) -> tuple[int, dict[str, str]]:
        fresh = Informer(self.store, POD.prefix, pod_pb2.Pod)
        fresh.add_index(BY_NODE, node_of)
        await fresh.load()
        here = fresh.by_index(BY_NODE, self.node)
        return fresh.revision, {pod_key(p): p.meta.uid for p in here}

    async def update_pod(self, namespace: str, name: str, change: PodChange) -> pod_pb2.Pod:
        return await self.pods.mutate(namespace, name, change)

    async def delete_pod(self, pod: pod_pb2.Pod) -> None:
        with contextlib.suppress(NotFound, Conflict):
            await self.pods.delete(
                pod.meta.namespace, pod.meta.name, resource_version=pod.meta.resource_version
            )

    async def evict_pod(self, namespace: str, name: str, reason: str, grace: float | None) -> None:
        now = int(self.wall() * 1e9)
        await disruption.evict(
            self.store, namespace, name, reason, now, grace=grace, recorder=self.recorder
        )

    async def record_usage(self, usage: node_pb2.NodeUsage) -> None:
        """A CAS of the usage field alone: batch capacity (the colocator's) and allocated
        (the scheduler's) are kept as read, and a lost race re-reads and tries again."""

        def put(stored: node_pb2.Node) -> bool:
            if stored.status.usage == usage:
                return False
            stored.status.usage.CopyFrom(usage)
            return True

        await self.nodes.mutate("", self.node, put)

    def record(
        self, key: str, uid: str, reason: str, message: str, *, warning: bool = False
    ) -> None:
        namespace, _, name = key.partition("/")
        ref = record_pb2.ObjectReference(kind="Pod", namespace=namespace, name=name, uid=uid)
        self.recorder.emit(ref, reason, message, warning=warning)

    async def publish(
        self, message: event_pb2.NodeUsageReport | event_pb2.ColocationDecision
    ) -> None:
        usage = isinstance(message, event_pb2.NodeUsageReport)
        topic = self.usage_topic if usage else self.decision_topic
        headers = {"content-type": CONTENT_TYPE.format(message.DESCRIPTOR.name)}
        await self.bus.publish(topic, message.node_name, message.SerializeToString(), headers)

    async def close(self) -> None:
        await self.recorder.close()


async def cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
