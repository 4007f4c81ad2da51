"""The trace slice as the objects the replay submits, with every scaling choice written down.

The excerpts are thinner than the cluster they come from, so the replay scales them, and the
report carries each factor under ``assumptions`` (see docs/trace-replay.md):

- Online: the container excerpt holds about one container per machine (5% of the cluster's
  CPU requested). Each app's replicas are multiplied so online requests reach
  ``online_share`` of the cluster's CPU (Sigma's online tier reserved most of its machines).
- Online demand per replica: ``level`` x the cluster usage curve at the app's phase x noise,
  times the request, for the app's *peak* replica count; the app's total demand is shared
  by the replicas it runs, so shrinking an app concentrates its load (capped at the limit).
- Batch: the excerpt's jobs cover eight days thinly (0.7% of the cluster's CPU-seconds).
  Every job is folded into the window by its submit time modulo the window's length, and
  each task's CPU is multiplied so batch demand reaches ``batch_share`` of the cluster's
  CPU-seconds in the window: a backlog static co-location cannot drain. Jobs are kept
  ``job_boost`` times more often than the machine sample alone would (more, smaller jobs
  give smoother figures on small slices; the CPU factor compensates). Instances are
  bundled into pods of at most ``pod_millis`` so a day stays a few hundred thousand pods.
- Batch model: ``workers`` (the default) runs each job through a job master dispatching its
  instances onto worker pods (``sigma.cli.sim.workers``): an instance is the trace's
  instance with its CPU times the factor, split when that passes ``pod_millis``; ``pods``
  submits BatchJobs whose instances are pods, bundled as above.
- Memory: an online replica holds its memory whatever its traffic. ``online_memory_share``
  (None: the containers' own sizes) scales every app's memory so online holds that share of
  the cluster's memory at full replicas: the trace's cluster runs at ~88% memory, the
  excerpt's containers alone at ~29%.
- CPU: ``idle_share`` of a replica's request is used whatever its traffic (runtime, caches,
  health checks), so a replica shrunk away frees CPU too, not only its memory.
- ``trough``: the cluster curve remapped so its lowest point is this share of its peak (a
  flatter day than the trace's, which falls to ~20%); None keeps the trace's curve.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import asdict, dataclass, replace

import numpy as np

from sigma.cli.sim.batch import TraceJob
from sigma.cli.sim.containers import TraceApp
from sigma.cli.sim.load import LoadModel, UsageCurve, app_load
from sigma.cli.sim.scale import TRACE_MACHINES
from sigma.cli.sim.trace import Trace
from sigma.errors import Invalid
from sigma.slave.runtime.simulated import DURATION_LABEL
from sigma.v1 import app_pb2, batch_pb2, meta_pb2, node_pb2

NAMESPACE = "default"
POOL_LABEL = "sigma.io/pool"
PROFILE_SLOT = 900
DAY = 86_400
NODE_LABEL = "sigma.io/node"
BATCH_MODELS = ("workers", "pods")
_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


@dataclass(frozen=True)
class Knobs:
    """How the trace is scaled into a workload (see the module docstring)."""

    online_share: float = 0.75
    level: float = 1.0
    batch_share: float = 1.0
    pod_millis: int = 16_000
    job_boost: float = 20.0
    headroom: float = 0.2
    lead_s: int = 1800
    cpu_threshold: float = 0.85
    memory_threshold: float = 0.9
    batch_model: str = "workers"
    online_memory_share: float | None = None
    idle_share: float = 0.0
    trough: float | None = None

    def __post_init__(self) -> None:
        for name in ("online_share", "level", "batch_share", "headroom", "cpu_threshold"):
            if getattr(self, name) < 0:
                raise Invalid(name, f"{getattr(self, name)} is negative")
        if self.pod_millis < 1000:
            raise Invalid("pod_millis", f"{self.pod_millis} is below one core")
        if self.batch_model not in BATCH_MODELS:
            raise Invalid("batch_model", f"{self.batch_model!r} is not one of {BATCH_MODELS}")
        for name in ("online_memory_share", "trough"):
            value = getattr(self, name)
            if value is not None and not 0 < value <= 1:
                raise Invalid(name, f"{value} is outside (0, 1]")
        if not 0 <= self.idle_share <= 1:
            raise Invalid("idle_share", f"{self.idle_share} is outside [0, 1]")


@dataclass(frozen=True)
class OnlineApp:
    """One app as replayed: its replicas and the demand of the whole app per profile slot."""

    app: TraceApp
    replicas: int
    demand: np.ndarray  # millicores of the whole app, per ``slot_s`` from the window start
    slot_s: int
    profile: tuple[float, ...]  # relative load per 900 s of the day, for time-sharing
    memory_bytes: int = 0  # per replica, held (0: the trace container's own size)

    @property
    def memory(self) -> int:
        return self.memory_bytes or self.app.memory_bytes

    def demand_at(self, t: float, start: float) -> float:
        i = min(len(self.demand) - 1, max(0, int((t - start) // self.slot_s)))
        return float(self.demand[i])


@dataclass(frozen=True)
class BatchWork:
    job: TraceJob
    submit: float  # folded into the window
    cpu_factor: float
    warmup: bool = False  # a copy submitted before the window (the day before, same time)

    @property
    def name(self) -> str:
        return _name(self.job.name + ("-warmup" if self.warmup else ""))


@dataclass(frozen=True)
class Workload:
    nodes: list[node_pb2.Node]
    apps: list[OnlineApp]
    jobs: list[BatchWork]
    assumptions: dict[str, object]


def _capacity(trace: Trace) -> int:
    return sum(n.cpu_millis for n in trace.nodes)


def _daily_profile(curve: UsageCurve, phase: float) -> tuple[float, ...]:
    """Mean load per 900 s slot of the day over the trace's days, shifted by ``phase``."""
    slots = DAY // PROFILE_SLOT
    days = max(1, curve.period_s // DAY)
    times = (np.arange(days)[:, None] * DAY + np.arange(slots)[None, :] * PROFILE_SLOT) + phase
    mean = curve.cpu_at(times).mean(axis=0)
    return tuple(float(v) for v in np.round(mean / mean.max(), 4))


def flatten(curve: UsageCurve, trough: float | None) -> UsageCurve:
    """``curve``'s CPU mapped linearly so its minimum is ``trough`` x its maximum (the
    maximum stays); None or a curve already that flat: unchanged."""
    low, high = min(curve.cpu), max(curve.cpu)
    if trough is None or high <= 0 or low >= trough * high:
        return curve
    cpu = np.asarray(curve.cpu)
    flat = high - (high - cpu) * (high * (1 - trough)) / (high - low)
    return UsageCurve(curve.slot_s, tuple(float(v) for v in flat), curve.memory)


def online_apps(trace: Trace, knobs: Knobs) -> tuple[list[OnlineApp], float]:
    """The apps with their multiplied replicas and demand; returns the multiplier too."""
    requested = sum(a.replicas * a.cpu_request_millis for a in trace.apps)
    multiplier = knobs.online_share * _capacity(trace) / requested if requested else 1.0
    model = LoadModel(level=knobs.level)
    curve = flatten(trace.usage, knobs.trough)
    out = []
    for app in trace.apps:
        replicas = max(1, round(app.replicas * multiplier))
        load = app_load(curve, app, trace.scale, model)
        demand = load.share * app.cpu_request_millis * replicas
        out.append(
            OnlineApp(app, replicas, demand, load.slot_s, _daily_profile(curve, load.phase_s))
        )
    if knobs.online_memory_share is not None:
        held = sum(a.replicas * a.app.memory_bytes for a in out)
        factor = knobs.online_memory_share * sum(n.memory_bytes for n in trace.nodes) / held
        out = [replace(a, memory_bytes=round(a.app.memory_bytes * factor)) for a in out]
    return out, multiplier


def fold(submit: float, start: float, span: float, warmup: float = 0.0) -> list[float]:
    """When a job submitted at ``submit`` is replayed: in the window [start, start + span) at
    the same time of day on any of the trace's days (a window of a day or more: modulo its
    length), if that is in the window; and once more a period earlier if that falls in the
    ``warmup`` before the window (its copy from the day before)."""
    period = DAY if span < DAY else span
    offset = (submit - start) % period
    out = [start + offset] if offset < span else []
    if period - offset <= warmup:
        out.append(start + offset - period)
    return out


def batch_work(trace: Trace, knobs: Knobs) -> tuple[list[BatchWork], float]:
    """Every job folded into the window, and the CPU factor reaching ``batch_share``."""
    scale = trace.scale
    start, span = scale.start, scale.end - scale.start
    share = scale.fraction(TRACE_MACHINES) * knobs.job_boost
    folded = sorted(
        (
            (at, j)
            for j in trace.jobs
            if scale.keeps(j.name, share)
            for at in fold(j.submit, start, span, scale.warmup)
        ),
        key=lambda p: (p[0], p[1].name),
    )
    cpu_s = sum(
        t.instances * t.cpu_millis * min(t.duration_s, span)
        for at, j in folded
        if at >= start
        for t in j.tasks
    )
    factor = knobs.batch_share * _capacity(trace) * span / cpu_s if cpu_s else 1.0
    return [BatchWork(j, float(s), factor, s < start) for s, j in folded], factor


def node_objects(trace: Trace, online_pool: int | None) -> list[node_pb2.Node]:
    """Nodes with topology; the first ``online_pool`` nodes labelled online, the rest batch."""
    nodes = []
    for i, n in enumerate(trace.nodes):
        node = node_pb2.Node()
        node.meta.name = n.name
        node.meta.labels[NODE_LABEL] = n.name
        if online_pool is not None:
            node.meta.labels[POOL_LABEL] = "online" if i < online_pool else "batch"
        node.spec.capacity.cpu_millis = node.spec.allocatable.cpu_millis = n.cpu_millis
        node.spec.capacity.memory_bytes = node.spec.allocatable.memory_bytes = n.memory_bytes
        node.spec.cpu_count = n.cpu_count
        node.spec.topology.host = n.host
        node.spec.topology.chassis = n.chassis
        node.spec.topology.core_switch = n.core_switch
        node.status.phase = node_pb2.NODE_PHASE_READY
        nodes.append(node)
    return nodes


def online_pool_size(trace: Trace, apps: list[OnlineApp]) -> int:
    """Nodes the online pool needs: its requests at 90% of the pool's CPU and memory."""
    cpu = sum(a.replicas * a.app.cpu_request_millis for a in apps)
    mem = sum(a.replicas * a.memory for a in apps)
    node = trace.nodes[0]
    need = max(cpu / (0.9 * node.cpu_millis), mem / (0.9 * node.memory_bytes))
    return min(len(trace.nodes) - 1, max(1, math.ceil(need)))


def app_object(
    online: OnlineApp, *, pool: str | None, time_sharing: bool, knobs: Knobs
) -> app_pb2.App:
    a = online.app
    app = app_pb2.App()
    app.meta.name = _name(a.name)
    app.meta.namespace = NAMESPACE
    app.spec.replicas = online.replicas
    app.spec.qos_class = meta_pb2.QOS_CLASS_LS
    app.spec.priority = 100
    app.spec.min_replicas = max(1, math.ceil(online.replicas * 0.2))
    app.spec.spread.constraints.add(
        level=app_pb2.TOPOLOGY_LEVEL_HOST, mode=app_pb2.SPREAD_MODE_SOFT, max_skew=1
    )
    template = app.spec.template
    if pool:
        template.node_selector[POOL_LABEL] = pool
    container = template.containers.add(name="main", command=["serve"])
    container.resources.requests.cpu_millis = a.cpu_request_millis
    container.resources.requests.memory_bytes = online.memory
    container.resources.limits.cpu_millis = a.cpu_limit_millis
    container.resources.limits.memory_bytes = online.memory
    if time_sharing:
        policy = app.spec.time_sharing
        policy.enabled = True
        policy.headroom = knobs.headroom
        policy.lead_time.seconds = knobs.lead_s
        policy.profile.slot_seconds = PROFILE_SLOT
        policy.profile.load.extend(online.profile)
    return app


def job_object(work: BatchWork, *, pool: str | None, knobs: Knobs) -> batch_pb2.BatchJob:
    job = batch_pb2.BatchJob()
    job.meta.name = work.name
    job.meta.namespace = NAMESPACE
    job.spec.qos_class = meta_pb2.QOS_CLASS_BE
    job.spec.priority = 10
    for t in work.job.tasks:
        total = max(1, t.instances * t.cpu_millis) * work.cpu_factor
        pods = max(1, math.ceil(total / knobs.pod_millis))
        if knobs.batch_model == "workers":
            pods = max(pods, t.instances)  # the trace's instances, each its CPU x the factor
        task = job.spec.tasks.add(name=_name(t.name), instances=pods)
        task.depends_on.extend(_name(d) for d in t.depends_on)
        task.duration_hint.seconds = max(1, t.duration_s)
        template = task.template
        template.labels[DURATION_LABEL] = str(max(1, t.duration_s))
        if pool:
            template.node_selector[POOL_LABEL] = pool
        c = template.containers.add(name="main", command=["work"])
        c.resources.requests.cpu_millis = max(10, round(total / pods))
        share = t.instances * work.cpu_factor / pods
        c.resources.requests.memory_bytes = max(1 << 20, round(t.memory_bytes * share))
    return job


def _name(trace_name: str) -> str:
    """Object names: lower case, ``_`` as ``-``. Ids that are still not a DNS label (the
    trace's independent tasks are ``task_<base64>``, with ``=``, ``+``, ``/``) keep their
    valid characters plus a hash of the original, so names stay distinct."""
    name = trace_name.lower().replace("_", "-")
    if _LABEL.fullmatch(name) and len(name) <= 63:
        return name
    digest = hashlib.blake2b(trace_name.encode(), digest_size=4).hexdigest()
    stem = re.sub(r"[^a-z0-9-]+", "", name).strip("-")[:54].rstrip("-")
    return f"{stem}-{digest}" if stem else digest


def describe(knobs: Knobs, multiplier: float, factor: float, pool: int | None) -> dict[str, object]:
    return {
        **asdict(knobs),
        "online_replica_multiplier": round(multiplier, 4),
        "batch_cpu_factor": round(factor, 4),
        "batch_fold": "submit times folded into the window modulo its length",
        "online_pool_nodes": pool,
    }
