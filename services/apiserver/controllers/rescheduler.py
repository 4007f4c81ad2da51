"""The rescheduler: proposes, and when asked applies, moves of online pods that repair broken
interference rules and lower the cluster's convex cost, within every App's disruption budget.

Off by default (``--reschedule``). A pass, run by one leader-elected apiserver replica every
``interval`` seconds, waits until the cluster is settled (no online pod of an App pending,
unready or stopping: a move in flight is never planned over), then:

- **decides** (pure, ``sigma.placement.reschedule.decide``, the planner's search, its plan
  replayed by the independent judge ``sigma.placement.judge`` before anything is done): the board is
  built from the controller cache (ready schedulable nodes, bound online pods, the Apps'
  per-host caps and budgets, the union of the InterferenceRuleSets); each App may lose at most
  its budget's ``allowed`` pods;
- **proposes**: each move as an event on its pod (``RescheduleProposed``, read with ``sigmactl
  describe pod`` or ``get events``) and the ``sigma_rescheduler_*`` metrics;
- **applies** (``--reschedule-apply``): evicts each pod a repair moves through the same budgeted
  eviction as ``Pods.Evict`` (``sigma.resources.disruption.evict``, fenced on the leader key; a
  refusal is counted and left for the next pass). The replica controller replaces the pod and
  the scheduler places the replacement through its whole filter chain, so a pod over a rule
  never lands back where the rule forbids. Cost moves are evicted too only with
  ``--reschedule-apply-cost``: the scheduler places their replacements by its own scores, which
  may undo the move (and a later pass would propose it again).

The live cost is over the day: a pod of an App with a traffic profile counts by its daily CPU
curve (``sigma.resources.curves``, as the scheduler's TimeAwareFit counts it), any other by
its request. The scheduler, not the rescheduler, picks the replacement's node: a cost move is
a proposal the scheduler may place differently, a repair is enforced by the Interference
filter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sigma.apiserver.controllers.cache import ControllerCache
from sigma.apiserver.tasks.writes import Fence, check_fence
from sigma.errors import Conflict, NotFound, ResourceExhausted
from sigma.log import get_logger
from sigma.metrics import REGISTRY
from sigma.placement.judge import judge
from sigma.placement.live import LiveBoard, LiveNode, LivePod, over_by_rule
from sigma.placement.reschedule import COST, Plan, decide
from sigma.resources.apps import target_replicas
from sigma.resources.curves import pod_curve, pod_load
from sigma.resources.disruption import budget, evict
from sigma.resources.interference import RuleIndex, rule_index
from sigma.resources.pods import APP_KIND, bound, finished, owned_by, qos_of, ready
from sigma.resources.records import Recorder, regarding
from sigma.store import Store
from sigma.v1 import app_pb2, meta_pb2, node_pb2, pod_pb2

log = get_logger("sigma.apiserver.controllers")
REASON = "Rescheduled"

MOVES = REGISTRY.counter(
    "sigma_rescheduler_moves_total",
    "moves the rescheduler made, by kind (rule, cost) and outcome (proposed, evicted, refused)",
    ("kind", "outcome"),
    tier="apiserver",
)
OVER = REGISTRY.gauge(
    "sigma_rescheduler_pods_over_rules",
    "online pods over an interference rule or a per-host cap, at the last decision",
    tier="apiserver",
)
PLAN_COST = REGISTRY.gauge(
    "sigma_rescheduler_cost",
    "the cluster's convex cost on requests at the last decision, now and once the moves are made",
    ("when",),
    tier="apiserver",
)


@dataclass(frozen=True, slots=True)
class RescheduleSettings:
    apply: bool = False  # evict the pods that repair a rule (otherwise: proposals only)
    apply_cost: bool = False  # and those of cost moves
    max_moves: int = 5  # moves per decision
    interval: float = 60.0  # seconds between decisions


def online(pod: pod_pb2.Pod) -> bool:
    return qos_of(pod) != meta_pb2.QOS_CLASS_BE


def requests(pod: pod_pb2.Pod) -> tuple[int, int]:
    containers = pod.spec.template.containers
    cpu = sum(c.resources.requests.cpu_millis for c in containers)
    return cpu, sum(c.resources.requests.memory_bytes for c in containers)


def settled(pods: list[pod_pb2.Pod], apps: list[app_pb2.App]) -> bool:
    """Every App holds its target in ready pods, and no online pod of an App waits for a
    node, to be ready, or to stop: no move is planned over one in flight."""
    counts: dict[tuple[str, str], int] = {}
    for p in pods:
        if not online(p) or p.spec.owner_kind != pod_pb2.POD_OWNER_KIND_APP or finished(p):
            continue
        if not (bound(p) and ready(p)):
            return False
        key = (p.meta.namespace, p.spec.owner_name)
        counts[key] = counts.get(key, 0) + 1
    return all(counts.get((a.meta.namespace, a.meta.name), 0) == target_replicas(a) for a in apps)


def board_of(
    nodes: list[node_pb2.Node], pods: list[pod_pb2.Pod], apps: list[app_pb2.App], rules: RuleIndex
) -> LiveBoard:
    """The cluster as the rescheduler's board (pure: objects in, board out)."""
    live_nodes = [
        LiveNode(
            n.meta.name,
            n.spec.allocatable.cpu_millis,
            n.spec.allocatable.memory_bytes,
            n.status.phase == node_pb2.NODE_PHASE_READY and not n.spec.unschedulable,
        )
        for n in sorted(nodes, key=lambda n: n.meta.name)
    ]
    known = {n.name for n in live_nodes}
    by_app = {(a.meta.namespace, a.meta.name): a for a in apps}
    live_pods, caps, allowance = [], {}, {}
    loads: dict[str, np.ndarray | None] = {}  # App → its pods' daily load, worked out once
    groups: dict[tuple[str, str], list[pod_pb2.Pod]] = {}
    for p in pods:
        app = by_app.get((p.meta.namespace, p.spec.owner_name))
        if app is not None and owned_by(p, APP_KIND, app.meta.name, app.meta.uid):
            groups.setdefault((p.meta.namespace, app.meta.name), []).append(p)
        else:
            app = None
        if not online(p) or not bound(p) or finished(p) or p.spec.node_name not in known:
            continue
        name = f"{p.meta.namespace}/{app.meta.name}" if app is not None else ""
        cpu, mem = requests(p)
        if app is not None and name not in loads:
            loads[name] = pod_load(app)
        curve = pod_curve(loads.get(name), qos_of(p), cpu)
        key = f"{p.meta.namespace}/{p.meta.name}"
        live_pods.append(LivePod(key, name, p.spec.node_name, cpu, mem, curve))
    for (ns, name), members in groups.items():
        app = by_app[(ns, name)]
        caps[f"{ns}/{name}"] = app.spec.spread.max_per_host
        allowance[f"{ns}/{name}"] = budget(app, members).allowed
    return LiveBoard(live_nodes, live_pods, rules, caps=caps, allowance=allowance)


class Rescheduler:
    """The controller pass; ``reconcile(store, now, fence)`` returns the evictions it made."""

    def __init__(
        self,
        settings: RescheduleSettings,
        cache: ControllerCache | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.settings, self.cache, self.wall = settings, cache, wall
        self.recorder: Recorder | None = None
        self.last: float | None = None
        self.plan: Plan | None = None  # the last decision, for tests and logs

    async def reconcile(self, store: Store, now: float, fence: Fence = ()) -> int:
        if self.last is not None and now - self.last < self.settings.interval:
            return 0
        cache = self.cache or await ControllerCache.snapshot(store)
        pods = [p for _, p in cache.pods.items()]
        apps = [a for _, a in cache.apps.items()]
        if not settled(pods, apps):
            return 0
        self.last = now
        rules = rule_index(s for _, s in cache.rule_sets.items())
        board = board_of([n for _, n in cache.nodes.items()], pods, apps, rules)
        over = sum(over_by_rule(board).values())
        plan = self.plan = decide(board, self.settings.max_moves)
        moves = [(m.pod, m.source, m.target) for m in plan.moves]
        unsound = judge(board.nodes, board.pods, board.rules.rules, moves, board.caps)
        if unsound:  # a defect, not a state of the cluster: act on nothing, say what was wrong
            log.error("rescheduler plan refused by its judge", extra={"problems": unsound[:5]})
            return 0
        OVER.set(over)
        PLAN_COST.labels("now").set(plan.cost_before)
        PLAN_COST.labels("planned").set(plan.cost_after)
        self.recorder = self.recorder or Recorder(store, "apiserver/rescheduler", wall=self.wall)
        evicted, by_key = 0, {f"{p.meta.namespace}/{p.meta.name}": p for p in pods}
        for move in plan.moves:
            namespace, name = move.pod.split("/", 1)
            ref = regarding("Pod", by_key[move.pod].meta)
            MOVES.labels(move.why, "proposed").inc()
            self.recorder.emit(ref, "RescheduleProposed", move.text())
            if not self.settings.apply or (move.why == COST and not self.settings.apply_cost):
                continue
            try:
                await evict(
                    store,
                    namespace,
                    name,
                    REASON,
                    int(now * 1e9),
                    recorder=self.recorder,
                    fence=fence,
                )
            except (ResourceExhausted, NotFound, Conflict) as exc:
                await check_fence(store, fence)  # a deposed leader stops here
                MOVES.labels(move.why, "refused").inc()
                log.info("reschedule refused", extra={"pod": move.pod, "error": str(exc)})
                continue
            MOVES.labels(move.why, "evicted").inc()
            self.recorder.emit(ref, REASON, f"evicted to {move.text()}")
            evicted += 1
        if plan.moves:
            log.info(
                "rescheduler decided",
                extra={
                    "moves": len(plan.moves),
                    "evicted": evicted,
                    "over": over,
                    "cost": round(plan.cost_before, 3),
                    "planned": round(plan.cost_after, 3),
                },
            )
        return evicted
