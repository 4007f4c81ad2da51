"""What the scheduler learns from the store: informers turned into cache and queue updates.

Pods, nodes, allocation records, Apps and interference rule sets are watched; each change
becomes what the decisions need: a pending pod queued (or dropped when bound, finished or
deleted), a node's row in the cache, a record's pods assumed or released, the rule index every
snapshot carries (rebuilt from the union of the sets whenever one changes), and the cluster
events that wake pods waiting for room or for a rule to go. A finished or deleted pod's room
is released through ``release`` (an I/O the loop owns); ``wake`` tells the loop there is
something to decide.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sigma.resources.curves import AppLoads
from sigma.resources.interference import rule_index
from sigma.resources.kinds import APP, INTERFERENCE_RULE_SET, NODE, NODE_ALLOCATION, POD
from sigma.resources.pods import TERMINAL, app_ref, qos_of
from sigma.scheduler.convert import (
    allocated_pod,
    node_row,
    pod_info,
    pod_key,
)
from sigma.scheduler.framework import Cache, ClusterEvent, NodeRow, PodInfo, SchedulingQueue
from sigma.store import Store
from sigma.store.informer import Handler, Informer
from sigma.v1 import app_pb2, interference_pb2, meta_pb2, node_pb2, pod_pb2


def stopping_online(pod: pod_pb2.Pod) -> bool:
    """An online pod asked to stop that has not ended still runs through its grace period: it
    keeps its room and its count under the interference rules until it ends or its record is
    deleted, so a rollout's new pod never lands beside an old one a rule forbids (nor on room
    still in use). A stopping batch pod gives its room back at once, so online pods waiting
    for evicted batch are placed without delay."""
    return pod.status.phase not in TERMINAL and qos_of(pod) != meta_pb2.QOS_CLASS_BE


class Feed:
    def __init__(
        self,
        store: Store,
        cache: Cache,
        queue: SchedulingQueue,
        *,
        scheduler_name: str,
        release: Callable[[str, str], None],
        wake: Callable[[], None],
        wall: Callable[[], float] = time.time,
        batch_stale_after: float = 300.0,
    ) -> None:
        self.cache, self.queue = cache, queue
        self.scheduler_name = scheduler_name
        self.release, self.wake = release, wake
        self.wall = wall  # wall-clock seconds, to judge the colocator's timestamps
        self.batch_stale_after = batch_stale_after
        self.pods = Informer(store, POD.prefix, pod_pb2.Pod)
        self.nodes = Informer(store, NODE.prefix, node_pb2.Node)
        self.allocations = Informer(store, NODE_ALLOCATION.prefix, node_pb2.NodeAllocation)
        self.apps = Informer(store, APP.prefix, app_pb2.App)
        self.rule_sets = Informer(
            store, INTERFERENCE_RULE_SET.prefix, interference_pb2.InterferenceRuleSet
        )
        self._rows: dict[str, NodeRow] = {}
        self.loads = AppLoads(self.apps.get)

    async def start(self) -> list[asyncio.Task[None]]:
        """Start the informers and wait until each has listed; returns their tasks."""
        await self.nodes.add_handler(Handler(self._on_node, self._on_node, self._on_node_delete))
        await self.allocations.add_handler(
            Handler(self._on_allocation, self._on_allocation, self._on_allocation_delete)
        )
        await self.apps.add_handler(Handler(self._on_app, self._on_app))
        rules = Handler(self._on_rule_set, self._on_rule_set, self._on_rule_set)
        await self.rule_sets.add_handler(rules)
        await self.pods.add_handler(Handler(self._on_pod, self._on_pod, self._on_pod_delete))
        # Rule sets before pods: the first decision must already see every rule.
        informers = (self.apps, self.rule_sets, self.nodes, self.allocations, self.pods)
        tasks = [asyncio.ensure_future(i.run()) for i in informers]
        for informer in informers:
            await informer.wait_synced()
        return tasks

    # -- lookups -------------------------------------------------------------------------------
    def node_row(self, name: str) -> NodeRow | None:
        return self._rows.get(name)

    def record(self, node: str) -> node_pb2.NodeAllocation | None:
        return self.allocations.get(NODE_ALLOCATION.key("", node))

    def pod_object(self, key: str) -> pod_pb2.Pod | None:
        namespace, _, name = key.partition("/")
        return self.pods.get(POD.key(namespace, name))

    def pod_info(self, pod: pod_pb2.Pod) -> PodInfo:
        key = APP.key(pod.meta.namespace, pod.spec.owner_name)
        app = self.apps.get(key)
        if app is None:
            return pod_info(pod)
        return pod_info(pod, app.spec.spread, self.loads.of_app(key, app))

    # -- handlers ------------------------------------------------------------------------------
    def _on_pod(self, key: str, pod: pod_pb2.Pod, new: pod_pb2.Pod | None = None) -> None:
        if (
            new is not None
            and new.spec == pod.spec
            and not new.spec.node_name
            and new.status.phase not in TERMINAL
            and not new.meta.HasField("deletion_timestamp")
        ):
            return  # a status-only change of a pending pod (our own note, say): no retry
        if new is not None and pod.spec.node_name and not new.spec.node_name:
            # Unbound again (its node was lost): the pod says so before the node's allocation
            # record is released, and a pod the cache still places would be dropped unplaced.
            self.cache.remove_pod(pod_key(new))
        pod = new or pod
        name = pod_key(pod)
        gone = pod.status.phase in TERMINAL or pod.meta.HasField("deletion_timestamp")
        if pod.spec.node_name or gone:
            self.queue.delete(name)
            if pod.spec.node_name:
                # Bound (most often by this replica, already counted in the cache): only an
                # App the cache does not know yet is worth converting the pod for.
                placed = self.cache.placed(name)
                if placed is not None and placed[1].app != app_ref(pod):
                    self.cache.note_pod(self.pod_info(pod))
                if gone and not stopping_online(pod):
                    self.release(pod.spec.node_name, name)
        elif pod.spec.scheduler_name in ("", self.scheduler_name):
            self.queue.add(self.pod_info(pod))
            self.wake()

    def _on_pod_delete(self, key: str, pod: pod_pb2.Pod) -> None:
        self.queue.delete(pod_key(pod))
        if pod.spec.node_name:
            self.release(pod.spec.node_name, pod_key(pod))

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
            return allocated_pod(listed[pod], *self.loads.of_pod(self.pod_object(pod)))

        if self.cache.sync_allocation(NODE_ALLOCATION.object_key(key), listed, info):
            self._event(ClusterEvent.ROOM_FREED)

    def _on_allocation_delete(self, key: str, rec: node_pb2.NodeAllocation) -> None:
        self.cache.apply_allocation(NODE_ALLOCATION.object_key(key), [])
        self._event(ClusterEvent.ROOM_FREED)

    def _on_app(self, key: str, old: app_pb2.App, new: app_pb2.App | None = None) -> None:
        """A changed profile changes the curve of every placed pod of the App: each is
        counted again by its new curve (or by its request, the profile gone), which may leave
        room at some slots for pods waiting on it. The App's waiting pods were converted with
        its old curve and spread policy: they are converted again and tried at once."""
        app = new or old
        name = f"{app.meta.namespace}/{app.meta.name}"
        load_changed = self.loads.changes(key, app)
        if load_changed:
            placed = self.cache.app_pods(name)
            for pod in filter(None, map(self.pod_object, placed)):
                self.cache.note_pod(self.pod_info(pod))
            if placed:
                self._event(ClusterEvent.ROOM_FREED)
        if load_changed or (new is not None and new.spec.spread != old.spec.spread):
            waiting = list(filter(None, map(self.pod_object, self.queue.app_pods(name))))
            for pod in waiting:
                self.queue.add(self.pod_info(pod))
            if waiting:
                self.wake()
        self._event(ClusterEvent.APP_UPDATE)

    def _on_rule_set(
        self,
        key: str,
        old: interference_pb2.InterferenceRuleSet,
        new: interference_pb2.InterferenceRuleSet | None = None,
    ) -> None:
        """Any change to any set's rules: the index again from every set the informer holds
        (a few thousand rules at most, and sets change rarely), so it never drifts from the
        store. A change of status or labels alone leaves the rules, and held pods, be."""
        if new is not None and new.spec == old.spec:
            return
        self.cache.set_rules(rule_index(obj for _, obj in self.rule_sets.items()))
        self._event(ClusterEvent.RULES_UPDATE)

    def _event(self, event: ClusterEvent) -> None:
        if self.queue.on_event(event):
            self.wake()
