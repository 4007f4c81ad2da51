"""The pending trigger of arbitration: online pods the scheduler could not place.

The scheduler marks such a pod PodScheduled=False/Unschedulable and preempts by requests. What it
cannot see is measured usage: batch may use far more (or less) than it asked for. Once an online
pod has been Unschedulable for the grace, the elected replica asks ``plan_pending`` whether
evicting batch on some node would make room by measured usage, evicts the cheapest victims
through the same path as the over-threshold trigger, and records the pod it did it for. A
cooldown per pending pod keeps one pod from evicting again before its room shows up.

Only nodes the pod may go to at all are candidates: its selector and tolerations, and its App's
interference rules and per-host cap (``interference.allows`` on the node's live pods per App),
and for a pod placed by its daily CPU curve, the nodes that curve fits (``curves``; only its
memory is then planned for). Evicting batch never changes those, so evicting on a node they
refuse would free room the scheduler could not use.

Runs on the leader only: it needs every node's latest report (the leader's own consumer group
sees them all) and one writer, or two replicas would evict twice for the same pod.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections import Counter
from collections.abc import AsyncIterator

import numpy as np

from sigma.colocator.arbitration.curves import NodeCurves
from sigma.colocator.arbitration.table import NodeTable
from sigma.colocator.arbitration.victims import BatchPod, NodeRoom
from sigma.colocator.capacity.formula import Res
from sigma.colocator.replica import Colocator
from sigma.colocator.wire import batch_pod, requests_of, res_of, sample_of
from sigma.errors import SigmaError
from sigma.log import get_logger
from sigma.resources import APP, INTERFERENCE_RULE_SET, NODE, POD
from sigma.resources.interference import RuleIndex, allows, rule_index
from sigma.resources.placement import Toleration, selects, takes_pods, untolerated
from sigma.resources.pods import TERMINAL, app_ref
from sigma.resources.qos import ONLINE
from sigma.store.informer import Handler, Informer
from sigma.v1 import app_pb2, event_pb2, interference_pb2, meta_pb2, node_pb2, pod_pb2

log = get_logger("sigma.colocator.arbitration.pending")


def _cache_key(pod_key: str) -> str:
    namespace, _, name = pod_key.partition("/")
    return POD.key(namespace, name)


def unschedulable(pod: pod_pb2.Pod) -> bool:
    """An online pod, unbound, that the scheduler found no room for."""
    if pod.spec.node_name or pod.spec.qos_class not in ONLINE:
        return False
    if pod.meta.HasField("deletion_timestamp") or pod.status.phase in TERMINAL:
        return False
    return any(
        c.type == "PodScheduled"
        and c.status == meta_pb2.CONDITION_STATUS_FALSE
        and c.reason == "Unschedulable"
        for c in pod.status.conditions
    )


def admission(node: node_pb2.Node) -> tuple[object, ...]:
    """What ``admits`` reads of a node: while it holds, every pod's answer there holds."""
    taints = tuple(t.SerializeToString() for t in node.spec.taints)
    return (takes_pods(node), tuple(sorted(node.meta.labels.items())), taints)


def shape(pod: pod_pb2.Pod) -> tuple[object, ...]:
    """What ``admits`` reads of a pod: pods of one shape are admitted by the same nodes."""
    template = pod.spec.template
    return (
        tuple(sorted(template.node_selector.items())),
        tuple(t.SerializeToString() for t in template.tolerations),
    )


def admits(node: node_pb2.Node, pod: pod_pb2.Pod) -> bool:
    """Whether the pod could go to the node at all (the scheduler's rules,
    ``sigma.resources.placement``): evicting where it cannot go frees nothing."""
    template = pod.spec.template
    tolerations = [Toleration.of(t) for t in template.tolerations]
    return (
        takes_pods(node)
        and selects(node.meta.labels, template.node_selector.items())
        and not untolerated(node.spec.taints, tolerations)
    )


def by_curve(
    curves: NodeCurves, pod: pod_pb2.Pod, table: NodeTable, allowed: np.ndarray
) -> tuple[Res, bool]:
    """What to plan for: the pod's requests, or for a pod placed by its daily CPU curve
    its memory only, ``allowed`` narrowed (in place) to the nodes its curve fits; and
    whether the pod has a curve."""
    requests, curve = requests_of(pod), curves.of_pod(pod)
    if curve is None:
        return requests, False
    rows = np.flatnonzero(allowed)
    cpu = np.array([table.rooms.rooms[i].allocatable.cpu for i in rows], dtype=np.float64)
    allowed[rows] = curves.fits([table.names[i] for i in rows], cpu, curve)
    return Res(0, requests.mem), True


class PendingArbiter:
    """Tracks Unschedulable online pods and evicts batch for them once their grace is over."""

    def __init__(self, engine: Colocator) -> None:
        self.engine = engine
        self.settings = engine.settings
        self.pods: Informer[pod_pb2.Pod] = Informer(engine.store, POD.prefix, pod_pb2.Pod)
        self.pods.add_index("node", lambda p: [p.spec.node_name] if p.spec.node_name else [])
        self.nodes: Informer[node_pb2.Node] = Informer(engine.store, NODE.prefix, node_pb2.Node)
        self.apps: Informer[app_pb2.App] = Informer(engine.store, APP.prefix, app_pb2.App)
        self.rule_sets: Informer[interference_pb2.InterferenceRuleSet] = Informer(
            engine.store, INTERFERENCE_RULE_SET.prefix, interference_pb2.InterferenceRuleSet
        )
        self.curves = NodeCurves(self.apps.get, functools.partial(self.pods.by_index, "node"))
        self.reports: dict[str, event_pb2.NodeUsageReport] = {}
        self.since: dict[str, float] = {}  # pending pod -> when first seen Unschedulable
        self.acted: dict[str, float] = {}  # pending pod -> when batch was last evicted for it
        self._handler = Handler(on_add=self._seen, on_update=self._updated, on_delete=self._gone)
        self._node_handler = Handler(
            on_add=self._node_come_or_gone,
            on_update=self._node_updated,
            on_delete=self._node_come_or_gone,
        )
        self._app_handler = Handler(
            on_add=self.curves.app_changed,
            on_update=lambda key, old, new: self.curves.app_changed(key, new),
            on_delete=lambda key, app: self.curves.clear(),
        )
        self._registered = False
        # The nodes as rows kept across ticks (None: the set of nodes changed, built anew at
        # the next tick). A node is ``_dirty`` when one of its pods, its report or the node
        # changed, and is measured again only then.
        self._table: NodeTable | None = None
        self._held: dict[str, tuple[float, NodeRoom]] = {}  # carried into a new table
        self._dirty: set[str] = set()
        # pending pod -> (table state, pod revision) at which no plan could make it room
        self._futile: dict[str, tuple[tuple[int, int], int | None]] = {}

    # -- inputs ---------------------------------------------------------------------------
    def observe(self, report: event_pb2.NodeUsageReport) -> None:
        """Keep a node's newest report: its pods' measured usage is what eviction frees."""
        held = self.reports.get(report.node_name)
        if held is None or sample_of(held).at <= sample_of(report).at:
            self.reports[report.node_name] = report
            self._dirty.add(report.node_name)

    def _seen(self, key: str, pod: pod_pb2.Pod) -> None:
        self._dirty.add(pod.spec.node_name)
        self.curves.pod_changed(pod)
        name = f"{pod.meta.namespace}/{pod.meta.name}"
        if unschedulable(pod):
            self.since.setdefault(name, self.engine.wall())
        else:
            self._forget(name)

    def _updated(self, key: str, old: pod_pb2.Pod, new: pod_pb2.Pod) -> None:
        self._dirty.add(old.spec.node_name)
        self.curves.pod_changed(old)
        self._seen(key, new)

    def _gone(self, key: str, pod: pod_pb2.Pod) -> None:
        self._dirty.add(pod.spec.node_name)
        self.curves.pod_changed(pod)
        self._forget(f"{pod.meta.namespace}/{pod.meta.name}")

    def _forget(self, name: str) -> None:
        self.since.pop(name, None)
        self.acted.pop(name, None)
        self._futile.pop(name, None)

    def _node_come_or_gone(self, key: str, node: node_pb2.Node) -> None:
        """The set of nodes changed: a new table at the next tick, this node measured anew."""
        self._table = None
        self._held.pop(node.meta.name, None)
        self._dirty.add(node.meta.name)

    def _node_updated(self, key: str, old: node_pb2.Node, new: node_pb2.Node) -> None:
        self._dirty.add(new.meta.name)
        if self._table is not None and admission(old) != admission(new):
            self._table.forget_admits()

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        """Run the informers for as long as the block (a term of leadership) lasts."""
        if not self._registered:
            await self.pods.add_handler(self._handler)
            await self.nodes.add_handler(self._node_handler)
            await self.apps.add_handler(self._app_handler)
            self._registered = True
        # what changed between two terms was not seen: every node is measured again
        self._table = None
        self.curves.clear()
        self._dirty.update(self._held)
        tasks = [
            asyncio.create_task(informer.run(), name=f"colocator-pending-{what}")
            for what, informer in (
                ("pods", self.pods),
                ("nodes", self.nodes),
                ("apps", self.apps),
                ("rules", self.rule_sets),
            )
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- the decision -----------------------------------------------------------------------
    def due(self, now: float) -> list[str]:
        """Pending pods past their grace and out of their cooldown, oldest first."""
        grace, cooldown = self.settings.pending_grace, self.settings.pending_cooldown
        return [
            key
            for key, since in sorted(self.since.items(), key=lambda kv: (kv[1], kv[0]))
            if now - since >= grace and now - self.acted.get(key, -1e18) >= cooldown
        ]

    def table(self, now: float) -> NodeTable:
        """Every node as rows at ``now``: the nodes changed since the last tick measured
        again (or dropped, their report stale or missing), the others as held."""
        table = self._table
        if table is None:
            names = (node.meta.name for _, node in self.nodes.items())
            table = self._table = NodeTable(names, self._held)
        table.restore()
        for name in self._dirty:
            if name not in table.rooms.index:
                continue  # no node (an unbound pod's ""), or one measured once it is added
            report, node = self.reports.get(name), self.nodes.get(NODE.key("", name))
            at = sample_of(report).at if report is not None else -np.inf
            if node is None or report is None or now - at > self.settings.stale_after:
                table.drop(name)  # unknown load is no room
            else:
                table.put(name, at, self._measure(node, report))
        self._dirty.clear()
        return table

    def _measure(self, node: node_pb2.Node, report: event_pb2.NodeUsageReport) -> NodeRoom:
        online, apps = Res(), Counter[str]()
        for pod in self.pods.by_index("node", node.meta.name):
            if pod.spec.qos_class != meta_pb2.QOS_CLASS_BE and pod.status.phase not in TERMINAL:
                online = online + requests_of(pod)
                if app := app_ref(pod):
                    apps[app] += 1
        batch: list[BatchPod] = []
        for used in report.pods:
            candidate = batch_pod(used, self.pods.get(_cache_key(used.pod_key)))
            if candidate is not None:
                batch.append(candidate)
        return NodeRoom(node.meta.name, res_of(node.spec.allocatable), online, tuple(batch), apps)

    def _admits(self, name: str, pod: pod_pb2.Pod) -> bool:
        node = self.nodes.get(NODE.key("", name))
        return node is not None and admits(node, pod)

    def cap(self, pod: pod_pb2.Pod) -> int:
        """The per-host cap of the pod's App (0: none, or the App is not known here)."""
        app = self.apps.get(APP.key(pod.meta.namespace, pod.spec.owner_name))
        return app.spec.spread.max_per_host if app is not None and app_ref(pod) else 0

    async def tick(self) -> int:
        """Evict for every due pending pod that measured usage can make room for."""
        now = self.engine.wall()
        keys = self.due(now)
        if not keys:
            return 0
        # Every node measured once a tick at most, and only when it changed: a tick with many
        # pending pods on a large cluster would otherwise walk every node's pods again for each.
        table = self.table(now)
        rooms, valid = table.rooms, table.valid(now, self.settings.stale_after)
        rules: RuleIndex = rule_index(s for _, s in self.rule_sets.items())
        evicted = 0
        for key in keys:
            pod = self.pods.get(_cache_key(key))
            if pod is None:
                continue
            # Whether a plan exists reads only the table and the pod (which victims, also the
            # time): no plan, and neither changed since, still no plan.
            seen = (table.state, self.pods.mod_revision(_cache_key(key)))
            if self._futile.get(key) == seen:
                continue
            allowed = valid & table.admitted(shape(pod), functools.partial(self._admits, pod=pod))
            app, cap = app_ref(pod), self.cap(pod)
            by_apps = bool(cap or rules.names(app))  # only then can a node's Apps refuse it
            if by_apps:
                allowed &= np.array([allows(rules, app, r.apps, cap) for r in rooms.rooms])
            requests, timed = by_curve(self.curves, pod, table, allowed)
            plan = rooms.plan(requests, now, allowed)
            if plan is None:
                if not (by_apps or timed):  # Apps, rules and curves are not in the table's state
                    self._futile[key] = seen
                continue
            self.acted[key] = now
            table.take(plan)  # victims chosen for this pod are not counted for the next
            waited = now - self.since[key]
            message = (
                f"online pod {key} Unschedulable for {waited:.0f}s; measured usage leaves it "
                f"{plan.need.cpu}m CPU, {plan.need.mem} B memory short on {plan.node}"
            )
            try:
                evicted += await self.engine.evict(
                    plan.node, plan.victims, "OnlinePending", message
                )
            except SigmaError as exc:
                log.warning("pending eviction failed", extra={"pod": key, "error": str(exc)})
        return evicted
