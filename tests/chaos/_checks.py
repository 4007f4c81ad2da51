"""What must hold after the faults, read from etcd and Kafka directly (never through a tier).

``Snapshot`` is one consistent read of pods, jobs, nodes and allocation records; ``pending`` says
what the cluster still owes (convergence), ``violations`` what it must never do (placed twice,
lost, over capacity, allocation records that disagree with the pods). ``stream_gaps`` compares
the store's history with the change topics: every change of every object at its revision.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sigma import events
from sigma.bus import open_bus
from sigma.resources import BATCH_JOB, NODE, NODE_ALLOCATION, POD, kind_of_key
from sigma.resources.kinds import ROOT, Kind
from sigma.store import Store
from sigma.store.codec import decode
from sigma.v1 import batch_pb2, event_pb2, node_pb2, pod_pb2
from tests.chaos._rollout import NAMESPACE, Workload

DONE = frozenset({pod_pb2.POD_PHASE_SUCCEEDED, pod_pb2.POD_PHASE_FAILED, pod_pb2.POD_PHASE_EVICTED})
END_MARKER = f"{ROOT}chaos/end"
STREAM_WAIT = 60.0  # seconds the stream has to show every change the store made


@dataclass
class Snapshot:
    pods: list[pod_pb2.Pod]
    jobs: list[batch_pb2.BatchJob]
    nodes: dict[str, node_pb2.Node]
    records: dict[str, node_pb2.NodeAllocation]

    @classmethod
    async def read(cls, store: Store) -> Snapshot:
        """Pods, jobs, nodes and allocation records at one store revision: read one after
        another while the tiers run, a pod listed bound could have its record let it go (it
        was stopped meanwhile) before the records were listed."""
        revision = await store.revision()

        async def at(kind: Kind[Any], namespace: str) -> list[Any]:
            listed = await store.list(kind.namespace_prefix(namespace), revision=revision)
            return [decode(kind.message, kv) for kv in listed.items]

        pods, jobs = await at(POD, NAMESPACE), await at(BATCH_JOB, NAMESPACE)
        nodes, records = await at(NODE, ""), await at(NODE_ALLOCATION, "")
        return cls(pods, jobs, {n.meta.name: n for n in nodes}, {r.node_name: r for r in records})

    def live_on(self) -> dict[str, set[str]]:
        """Node → "ns/name" of the pods bound there and not finished."""
        out: dict[str, set[str]] = defaultdict(set)
        for pod in self.pods:
            if pod.spec.node_name and pod.status.phase not in DONE:
                out[pod.spec.node_name].add(_key(pod))
        return out

    def pending(self, workload: Workload) -> list[str]:
        """What the cluster has not done yet; empty once it converged."""
        owed = []
        online = [p for p in self.pods if p.spec.owner_kind == pod_pb2.POD_OWNER_KIND_APP]
        if len(online) != workload.apps * workload.replicas:
            owed.append(f"{len(online)}/{workload.apps * workload.replicas} online pods exist")
        not_running = [p.meta.name for p in online if p.status.phase != pod_pb2.POD_PHASE_RUNNING]
        if not_running:
            owed.append(f"{len(not_running)} online pods not running, e.g. {not_running[:3]}")
        done = [j for j in self.jobs if j.status.phase == batch_pb2.BATCH_JOB_PHASE_SUCCEEDED]
        if len(done) != workload.jobs:
            phases = Counter(
                (pod_pb2.PodPhase.Name(p.status.phase), p.status.reason)
                for p in self.pods
                if p.spec.owner_kind == pod_pb2.POD_OWNER_KIND_BATCH_JOB
            )
            owed.append(f"{len(done)}/{workload.jobs} batch jobs succeeded; batch pods {phases}")
        for node, keys in self._record_mismatch().items():
            owed.append(f"allocation of {node} disagrees with its pods: {keys}")
        return owed

    def _record_mismatch(self) -> dict[str, str]:
        live = self.live_on()
        out = {}
        for node in set(live) | set(self.records):
            held = {a.pod_key for a in self.records[node].pods} if node in self.records else set()
            if held != live.get(node, set()):
                extra, missing = held - live.get(node, set()), live.get(node, set()) - held
                out[node] = (
                    f"held but not live {sorted(extra)[:3]}, live not held {sorted(missing)[:3]}"
                )
        return out

    def violations(self, workload: Workload) -> list[str]:
        """What must never happen, whatever the faults: each a readable sentence."""
        found = []
        online = sorted(
            p.meta.name for p in self.pods if p.spec.owner_kind == pod_pb2.POD_OWNER_KIND_APP
        )
        want = sorted(
            f"web-{a}-{r}" for a in range(workload.apps) for r in range(workload.replicas)
        )
        if online != want:
            found.append(f"online pods lost {sorted(set(want) - set(online))[:5]}, "
                         f"extra {sorted(set(online) - set(want))[:5]}")  # fmt: skip
        found += self._batch_violations(workload)
        found += self.placement_violations()
        return found

    def placement_violations(self) -> list[str]:
        """Placed twice, held by the wrong record, or a node over capacity."""
        return self._binding_violations() + self._capacity_violations()

    def _batch_violations(self, workload: Workload) -> list[str]:
        """Every instance of every job succeeded exactly once; never two attempts live at once."""
        succeeded: Counter[tuple[str, int]] = Counter()
        live: Counter[tuple[str, int]] = Counter()
        for pod in self.pods:
            if pod.spec.owner_kind != pod_pb2.POD_OWNER_KIND_BATCH_JOB:
                continue
            instance = (pod.spec.owner_name, pod.spec.instance_index)
            succeeded[instance] += pod.status.phase == pod_pb2.POD_PHASE_SUCCEEDED
            live[instance] += pod.status.phase not in DONE
        found = []
        for j in range(workload.jobs):
            for i in range(workload.instances):
                if succeeded[(f"etl-{j}", i)] != 1:
                    n = succeeded[(f"etl-{j}", i)]
                    found.append(f"batch etl-{j} instance {i} succeeded {n} times")
        found += [f"batch {k} has {n} live attempts" for k, n in live.items() if n > 1]
        return found

    def _binding_violations(self) -> list[str]:
        """A live pod is held by exactly its own node's record, under its own uid."""
        holders: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for node, record in self.records.items():
            for a in record.pods:
                holders[a.pod_key].append((node, a.pod_uid))
        found = []
        for pod in self.pods:
            if not pod.spec.node_name or pod.status.phase in DONE:
                continue
            want = [(pod.spec.node_name, pod.meta.uid)]
            if holders.get(_key(pod), []) != want:
                found.append(f"{_key(pod)} bound to {want}, held by {holders.get(_key(pod))}")
            if pod.status.node_name and pod.status.node_name != pod.spec.node_name:
                found.append(f"{_key(pod)} bound to {pod.spec.node_name}, runs on "
                             f"{pod.status.node_name}")  # fmt: skip
        return found

    def _capacity_violations(self) -> list[str]:
        """Σ requests of each node's live pods, and of its record, within its allocatable."""
        used: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for pod in self.pods:
            if pod.spec.node_name and pod.status.phase not in DONE:
                for c in pod.spec.template.containers:
                    used[pod.spec.node_name][0] += c.resources.requests.cpu_millis
                    used[pod.spec.node_name][1] += c.resources.requests.memory_bytes
        found = []
        for name, node in self.nodes.items():
            cap = node.spec.allocatable
            record = self.records.get(name, node_pb2.NodeAllocation())
            held = [sum(a.requests.cpu_millis for a in record.pods),
                    sum(a.requests.memory_bytes for a in record.pods)]  # fmt: skip
            for what, (cpu, mem) in (("pods", used[name]), ("record", held)):
                if cpu > cap.cpu_millis or mem > cap.memory_bytes:
                    found.append(f"{name} over capacity by its {what}: cpu {cpu}/"
                                 f"{cap.cpu_millis}, memory {mem}/{cap.memory_bytes}")  # fmt: skip
        return found

    def max_node_fill(self) -> float:
        """The fullest node's CPU requests over its allocatable, for the figures."""
        live = self.live_on()
        by_key = {_key(p): p for p in self.pods}
        fills = [
            sum(c.resources.requests.cpu_millis for k in live.get(name, ()) for c in
                by_key[k].spec.template.containers) / max(node.spec.allocatable.cpu_millis, 1)
            for name, node in self.nodes.items()
        ]  # fmt: skip
        return max(fills, default=0.0)


def _key(pod: pod_pb2.Pod) -> str:
    return f"{pod.meta.namespace}/{pod.meta.name}"


@dataclass
class StreamReport:
    changes: int = 0  # object changes in the store's history since the start
    messages: int = 0  # messages read from the change topics
    missing: list[str] = field(default_factory=list)
    duplicates: int = 0  # messages repeating a (key, revision) already seen
    pods_created_twice: list[str] = field(default_factory=list)
    delays: list[tuple[float, float]] = field(default_factory=list)  # (created, delay) per pod

    @property
    def max_publish_delay(self) -> float:
        """Seconds from a pod's creation to its ADDED event's append, at the longest."""
        return max((d for _, d in self.delays), default=0.0)

    def slow_until(self, slow: float) -> float:
        """Wall time the last publish delayed ``slow`` seconds or more was appended (0: none)."""
        return max((c + d for c, d in self.delays if d >= slow), default=0.0)


async def store_history(store: Store, start: int) -> set[tuple[str, str, int]]:
    """(kind, object key, revision) of every object change after ``start``, from the store."""
    end = await store.put(END_MARKER, b"")
    changes: set[tuple[str, str, int]] = set()
    async with asyncio.timeout(60):
        async for event in store.watch(ROOT, start_revision=start + 1):
            kind = kind_of_key(event.kv.key)
            if kind is not None and event.kv.key != END_MARKER:
                changes.add((kind.name, kind.object_key(event.kv.key), event.revision))
            if event.revision >= end:
                break
    return changes


def _note(
    event: event_pb2.Event,
    appended_ms: int,
    seen: Counter[tuple[str, str, int]],
    added: dict[str, set[int]],
    report: StreamReport,
    want: set[tuple[str, str, int]],
) -> None:
    """Count one message; delays only of the changes asked for (the topics hold older ones)."""
    change = (event.kind, event.key, event.revision)
    seen[change] += 1
    report.messages += 1
    if event.kind == "Pod" and event.type == event_pb2.EVENT_TYPE_ADDED:
        added[event.key].add(event.revision)
        if change in want and seen[change] == 1:
            created = event.pod.meta.creation_timestamp.ToNanoseconds() / 1e9
            report.delays.append((created, appended_ms / 1000 - created))


async def read_stream(kafka_url: str, want: set[tuple[str, str, int]]) -> StreamReport:
    """Read every change topic from the beginning and compare it with ``want``."""
    report = StreamReport(changes=len(want))
    seen: Counter[tuple[str, str, int]] = Counter()
    added: dict[str, set[int]] = defaultdict(set)
    bus = open_bus(kafka_url)
    try:
        group = f"chaos-check-{uuid.uuid4().hex[:6]}"
        consumer = await bus.consumer(group, list(events.TOPICS.values()))
        async with consumer:
            with contextlib.suppress(TimeoutError):  # what is missing by then is reported
                async with asyncio.timeout(STREAM_WAIT):
                    while not want <= seen.keys():
                        for message in await consumer.fetch(max_records=5000, timeout=1.0):
                            decoded = events.decode(message)
                            _note(decoded, message.timestamp_ms, seen, added, report, want)
    finally:
        await bus.close()
    report.missing = sorted(f"{k} {key}@{rev}" for k, key, rev in want - set(seen))
    report.duplicates = sum(n - 1 for change, n in seen.items() if change in want)
    report.pods_created_twice = sorted(k for k, revs in added.items() if len(revs) > 1)
    return report
