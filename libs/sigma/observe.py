"""Each tier's metrics, measured at its edges: from the store and the bus it shares, and at
scrape time, so the tiers' own modules need no change to be observed.

What a tier exposes beyond the gRPC edge (``sigma_grpc_*``, every tier):

- apiserver: ``sigma_store_revision`` and ``sigma_apiserver_changestream_lag_revisions`` (store
  revision minus the change stream's checkpoint);
- scheduler: ``sigma_scheduler_pending_pods`` (the queue as the store shows it),
  ``sigma_scheduler_placements_total`` and ``sigma_scheduler_placement_seconds`` (creation to
  binding), all by QoS class;
- colocator: ``sigma_colocator_batch_capacity`` per node and resource, and
  ``sigma_colocator_decisions_total`` / ``sigma_colocator_evictions_total`` from its decisions;
- slave: ``sigma_slave_evictions_total`` and ``sigma_slave_qos_actions_total`` by node;
- consumers of the bus (the colocator's usage group): ``sigma_bus_consumer_lag_messages``.

Measures only a tier's own loop can take (one scheduling attempt's latency, binding conflicts)
are defined here as well (``ATTEMPT_SECONDS``, ``CONFLICTS``), so that loop only has to call
``observe``/``inc``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from google.protobuf.message import DecodeError

from sigma.bus import Consumer, Message
from sigma.errors import Conflict
from sigma.events import DECISIONS_TOPIC, read_checkpoint
from sigma.log import get_logger
from sigma.metrics import REGISTRY
from sigma.resources.kinds import NODE, POD
from sigma.resources.pods import TERMINAL
from sigma.resources.qos import short_name
from sigma.retry import keep_running
from sigma.store.informer import Handler, Informer
from sigma.tiers import Context
from sigma.v1 import event_pb2, node_pb2, pod_pb2

log = get_logger("sigma.observe")
Removal = Callable[[], None]

STORE_REVISION = REGISTRY.gauge(
    "sigma_store_revision", "the store's current revision", tier="apiserver"
)
CHANGESTREAM_LAG = REGISTRY.gauge(
    "sigma_apiserver_changestream_lag_revisions",
    "store revisions past the change stream's checkpoint (an upper bound: the checkpoint is "
    "written at most about once a second)",
    tier="apiserver",
)
PENDING = REGISTRY.gauge(
    "sigma_scheduler_pending_pods",
    "pods without a node and not finished, by QoS",
    ("qos",),
    tier="scheduler",
)
PLACEMENTS = REGISTRY.counter(
    "sigma_scheduler_placements_total", "pods bound to a node, by QoS", ("qos",), tier="scheduler"
)
PLACEMENT_SECONDS = REGISTRY.histogram(
    "sigma_scheduler_placement_seconds",
    "from a pod's creation to its binding, by QoS",
    ("qos",),
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
    tier="scheduler",
)
ATTEMPT_SECONDS = REGISTRY.histogram(
    "sigma_scheduler_attempt_seconds",
    "one scheduling attempt: filter, score, bind",
    tier="scheduler",
)
CONSUMER_LAG = REGISTRY.gauge(
    "sigma_bus_consumer_lag_messages",
    "messages a consumer group member has not fetched yet, by group and topic",
    ("group", "topic"),
    tier="colocator",
)
CONFLICTS = REGISTRY.counter(
    "sigma_scheduler_conflicts_total",
    "bindings lost to a concurrent change of the node",
    tier="scheduler",
)
BATCH_CAPACITY = REGISTRY.gauge(
    "sigma_colocator_batch_capacity",
    "batch capacity the colocator grants a node (cpu in millicores, memory in bytes)",
    ("node", "resource"),
    tier="colocator",
)
DECISIONS = REGISTRY.counter(
    "sigma_colocator_decisions_total",
    "the colocator's decisions, by kind and reason",
    ("kind", "reason"),
    tier="colocator",
)
COLOCATOR_EVICTIONS = REGISTRY.counter(
    "sigma_colocator_evictions_total",
    "batch pods the colocator evicted, by reason",
    ("reason",),
    tier="colocator",
)
SLAVE_EVICTIONS = REGISTRY.counter(
    "sigma_slave_evictions_total",
    "pods a slave evicted locally, by node and reason",
    ("node", "reason"),
    tier="slave",
)
SLAVE_ACTIONS = REGISTRY.counter(
    "sigma_slave_qos_actions_total",
    "a slave's local QoS actions, by node and kind",
    ("node", "kind"),
    tier="slave",
)


def _qos(pod: pod_pb2.Pod) -> str:
    return short_name(pod.spec.qos_class)


# ---- pure: what one change or one decision means for the metrics ----


def pod_changed(old: pod_pb2.Pod, new: pod_pb2.Pod, now: float) -> None:
    """Count a binding (the node name set where it was empty) and how long it took."""
    if old.spec.node_name or not new.spec.node_name:
        return
    PLACEMENTS.labels(qos=_qos(new)).inc()
    created = new.meta.creation_timestamp.ToMilliseconds() / 1000
    if created:
        PLACEMENT_SECONDS.labels(qos=_qos(new)).observe(max(0.0, now - created))


def pending_by_qos(pods: list[pod_pb2.Pod]) -> dict[str, int]:
    out: dict[str, int] = {}
    for pod in pods:
        if not pod.spec.node_name and pod.status.phase not in TERMINAL:
            out[_qos(pod)] = out.get(_qos(pod), 0) + 1
    return out


def decision_made(decision: event_pb2.ColocationDecision, tier: str) -> None:
    """Count one decision in ``tier``'s metrics if that tier made it (``sigma up`` runs both
    followers in one process, so each counts only its own tier's decisions)."""
    kind = event_pb2.ColocationDecisionKind.Name(decision.kind)
    kind = kind.removeprefix("COLOCATION_DECISION_KIND_")
    if tier == "colocator" and decision.source == "colocator":
        DECISIONS.labels(kind=kind, reason=decision.reason).inc()
        if kind == "EVICT":
            COLOCATOR_EVICTIONS.labels(reason=decision.reason).inc()
    elif tier == "slave" and decision.source.startswith("slave/"):
        node = decision.node_name or decision.source.removeprefix("slave/")
        SLAVE_ACTIONS.labels(node=node, kind=kind).inc()
        if kind == "EVICT":
            SLAVE_EVICTIONS.labels(node=node, reason=decision.reason).inc()


# ---- per tier: what to watch, and the collectors to run on a scrape ----


def apiserver(ctx: Context) -> list[Removal]:
    async def collect() -> None:
        revision = await ctx.store.revision()
        checkpoint, _ = await read_checkpoint(ctx.store)
        STORE_REVISION.set(revision)
        CHANGESTREAM_LAG.set(max(0, revision - checkpoint))

    return [REGISTRY.enable("apiserver"), REGISTRY.add_refresher(collect)]


def scheduler(ctx: Context) -> list[Removal]:
    pods: Informer[pod_pb2.Pod] = Informer(ctx.store, POD.prefix, pod_pb2.Pod)

    def on_update(_key: str, old: pod_pb2.Pod, new: pod_pb2.Pod) -> None:
        pod_changed(old, new, time.time())

    async def start() -> None:
        await pods.add_handler(Handler(on_update=on_update))
        await pods.run()

    def collect() -> None:
        PENDING.clear()
        for qos, count in pending_by_qos([pod for _, pod in pods.items()]).items():
            PENDING.labels(qos=qos).set(count)

    ctx.spawn(start(), "observe-scheduler-pods")
    return [REGISTRY.enable("scheduler"), REGISTRY.add_refresher(collect)]


def colocator(ctx: Context) -> list[Removal]:
    nodes: Informer[node_pb2.Node] = Informer(ctx.store, NODE.prefix, node_pb2.Node)

    def collect() -> None:
        BATCH_CAPACITY.clear()
        for _, node in nodes.items():
            cap = node.status.batch_capacity
            BATCH_CAPACITY.labels(node=node.meta.name, resource="cpu").set(cap.cpu_millis)
            BATCH_CAPACITY.labels(node=node.meta.name, resource="memory").set(cap.memory_bytes)

    ctx.spawn(nodes.run(), "observe-colocator-nodes")
    ctx.spawn(follow_decisions(ctx, "colocator"), "observe-colocator-decisions")
    return [REGISTRY.enable("colocator"), REGISTRY.add_refresher(collect)]


def slave(ctx: Context) -> list[Removal]:
    ctx.spawn(follow_decisions(ctx, "slave"), "observe-slave-decisions")
    return [REGISTRY.enable("slave")]


async def follow_decisions(ctx: Context, tier: str) -> None:
    """Count ``tier``'s decisions published from now on (a counter lives as long as its
    process). Replicas share the consumer group, so their counters add up to the whole."""

    async def follow() -> None:
        group = f"sigma-metrics-{tier}"
        async with await ctx.bus.consumer(group, [DECISIONS_TOPIC], start="latest") as consumer:
            while True:
                messages = await consumer.fetch(timeout=1.0)
                for message in messages:
                    _count(message, tier)
                if messages:
                    # A rebalance (a broker away, a replica gone) moved the partition: its new
                    # owner counts from its own position, and this count stands.
                    with contextlib.suppress(Conflict):
                        await consumer.commit(messages)

    await keep_running(follow, f"{tier} decision metrics")


def _count(message: Message, tier: str) -> None:
    try:
        decision_made(event_pb2.ColocationDecision.FromString(message.value), tier)
    except DecodeError:
        log.warning("undecodable decision", extra={"offset": message.offset})


async def record_lag(consumer: Consumer, group: str) -> None:
    """Export what ``consumer`` is behind by, summed per topic (call it after each fetch)."""
    per_topic: dict[str, int] = {}
    for (topic, _), behind in (await consumer.lag()).items():
        per_topic[topic] = per_topic.get(topic, 0) + behind
    for topic, behind in per_topic.items():
        CONSUMER_LAG.labels(group=group, topic=topic).set(behind)
