"""The replay's report, as pure arithmetic over what the replay sampled.

The replay records, per sampling interval, each node's capacity and what online and batch
used on it, and each online pod's CPU demand against what it was granted; plus job submit
and finish times, scheduling latencies and evictions. :func:`build_report` turns those
into the figures the issue asks for, as plain JSON-ready dicts. No I/O, no clock: the same
samples always give the same report, and a hand-computed case checks every figure.

Conventions, so a figure can be recomputed by hand:
- Cluster utilisation at time t is Σ used / Σ capacity over the nodes sampled at t; the
  average and p95 are over those per-time values, each interval weighing the same.
- Percentiles are nearest-rank: the p-th of n sorted values is the ⌈p/100 · n⌉-th.
- A pod sample stands for ``interval_s`` of that pod; it is *unmet* when demand > granted.
- Throughput counts jobs that finished inside [start, end] per hour of that span; batch
  work is the batch CPU granted over the window, in core-hours.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sigma.errors import Invalid


@dataclass(frozen=True)
class NodeSample:
    """One node at one sampling time; CPU in millicores, memory in bytes."""

    t: float
    node: str
    cpu_capacity: float
    memory_capacity: float
    online_cpu: float
    batch_cpu: float
    online_memory: float
    batch_memory: float


@dataclass(frozen=True)
class PodSample:
    """One online pod at one sampling time: the CPU it wanted and the CPU it got."""

    t: float
    pod: str
    demand_cpu: float
    granted_cpu: float


@dataclass(frozen=True)
class OnlineTally:
    """Pod samples already counted (a replay of thousands of pods keeps counts, not samples):
    how many, how many unmet, and the CPU demanded and missing over them."""

    samples: int
    unmet: int
    demand_cpu: float
    short_cpu: float


@dataclass(frozen=True)
class JobRecord:
    name: str
    submit: float
    finish: float | None  # None: still running or pending at the end


@dataclass(frozen=True)
class Eviction:
    t: float
    pod: str
    reason: str


@dataclass(frozen=True)
class Samples:
    """Everything the replay recorded between ``start`` and ``end`` (seconds)."""

    start: float
    end: float
    interval_s: float
    nodes: Sequence[NodeSample] = ()
    pods: Sequence[PodSample] = ()
    jobs: Sequence[JobRecord] = ()
    latencies_s: Sequence[float] = ()
    evictions: Sequence[Eviction] = ()
    online: OnlineTally | None = None  # counted pods, added to ``pods``

    def __post_init__(self) -> None:
        if self.interval_s <= 0:
            raise Invalid("interval_s", f"{self.interval_s} is not positive")
        if self.end <= self.start:
            raise Invalid("end", f"{self.end} is not after start {self.start}")


def percentile(values: Iterable[float], p: float) -> float | None:
    """Nearest-rank percentile; None for no values (JSON null)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _spread(values: Sequence[float], points: Sequence[int]) -> dict[str, float | int | None]:
    out: dict[str, float | int | None] = {"count": len(values), "mean": _mean(values)}
    for p in points:
        out[f"p{p}"] = percentile(values, p)
    out["max"] = max(values) if values else None
    return out


def _utilisation(nodes: Sequence[NodeSample], resource: str) -> dict[str, object]:
    used: dict[float, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for s in nodes:
        row = used[s.t]
        if resource == "cpu":
            row[0] += s.online_cpu
            row[1] += s.batch_cpu
            row[2] += s.cpu_capacity
        else:
            row[0] += s.online_memory
            row[1] += s.batch_memory
            row[2] += s.memory_capacity
    times = sorted(used)
    total = [(used[t][0] + used[t][1]) / used[t][2] for t in times]
    online = [used[t][0] / used[t][2] for t in times]
    batch = [used[t][1] / used[t][2] for t in times]
    return {
        "average": _mean(total),
        "p95": percentile(total, 95),
        "online_average": _mean(online),
        "batch_average": _mean(batch),
        "series": [[t, u] for t, u in zip(times, total, strict=True)],
    }


def _online(
    pods: Sequence[PodSample], interval_s: float, tally: OnlineTally | None
) -> dict[str, float | None]:
    minutes = interval_s / 60
    unmet = [p for p in pods if p.demand_cpu > p.granted_cpu]
    tally = tally or OnlineTally(0, 0, 0.0, 0.0)
    count = len(pods) + tally.samples
    short_count = len(unmet) + tally.unmet
    demand = math.fsum(p.demand_cpu for p in pods) + tally.demand_cpu
    short = math.fsum(p.demand_cpu - p.granted_cpu for p in unmet) + tally.short_cpu
    return {
        "pod_minutes": count * minutes,
        "unmet_pod_minutes": short_count * minutes,
        "unmet_share": short_count / count if count else None,
        "unmet_cpu_share": short / demand if demand else None,
    }


def _batch(jobs: Sequence[JobRecord], start: float, end: float) -> dict[str, object]:
    done = [j for j in jobs if j.finish is not None and start <= j.finish <= end]
    completion = [j.finish - j.submit for j in done if j.finish is not None]
    return {
        "submitted": len(jobs),
        "finished": len(done),
        "throughput_per_hour": len(done) * 3600 / (end - start),
        "completion_s": _spread(completion, (50, 95)),
    }


def _core_hours(nodes: Sequence[NodeSample], interval_s: float) -> float:
    """Batch work done: the CPU batch got, each sample standing for ``interval_s``. Unlike the
    job count, it counts what squeezed or unfinished pods did get."""
    return math.fsum(s.batch_cpu for s in nodes) / 1000 * interval_s / 3600


def build_report(samples: Samples) -> dict[str, object]:
    """The report as a JSON-serialisable dict (numbers, strings, lists, dicts, null)."""
    span = samples.end - samples.start
    reasons = Counter(e.reason for e in samples.evictions)
    return {
        "window": {"start": samples.start, "end": samples.end, "interval_s": samples.interval_s},
        "cpu": _utilisation(samples.nodes, "cpu"),
        "memory": _utilisation(samples.nodes, "memory"),
        "online": _online(samples.pods, samples.interval_s, samples.online),
        "batch": _batch(samples.jobs, samples.start, samples.end)
        | {"cpu_core_hours": _core_hours(samples.nodes, samples.interval_s)},
        "scheduling_latency_s": _spread(samples.latencies_s, (50, 95, 99)),
        "evictions": {
            "count": len(samples.evictions),
            "per_hour": len(samples.evictions) * 3600 / span,
            "by_reason": dict(sorted(reasons.items())),
        },
    }
