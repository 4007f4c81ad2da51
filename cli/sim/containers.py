"""container_meta → online apps: app_du is the deploy unit, its containers the replicas.

Each container appears once per status change (``started``, ``allocated``, ``stopped``);
the file is sorted by container and time. A container is *alive* at a time when its latest
row at or before that time says ``started`` or ``allocated`` (placed, about to start: the
app wants it). An app's replicas are its containers alive at some moment of the window.

The replica template: the request, limit and memory most common among the app's live
containers (62 of 1,946 apps in the excerpt mix two sizes; ties go to the larger request,
so the replay never under-provisions an app).

Every malformed row is fatal: container rows carry no optional fields, so a bad cell means
a damaged file, and silently dropping a replica would change the load being measured.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from sigma.cli.sim._csv import MEMORY_100_BYTES, MILLIS_PER_TRACE_CPU, Row, Skipped, rows
from sigma.cli.sim.scale import FULL, Scale

COLUMNS = (
    "container_id",
    "machine_id",
    "time_stamp",
    "app_du",
    "status",
    "cpu_request",
    "cpu_limit",
    "mem_size",
)
LIVE = frozenset({"started", "allocated"})
STATUSES = LIVE | {"stopped"}


@dataclass(frozen=True)
class TraceApp:
    """An online app: ``replicas`` pods of one size (millicores, bytes)."""

    name: str
    replicas: int
    cpu_request_millis: int
    cpu_limit_millis: int
    memory_bytes: int


@dataclass(frozen=True)
class _Spec:
    cpu_request_millis: int
    cpu_limit_millis: int
    memory_bytes: int


@dataclass
class _Container:
    app: str
    spec: _Spec
    events: list[tuple[int, bool]]  # (time, alive from then on)

    def alive_in(self, start: int, end: int) -> bool:
        alive = False
        for stamp, live in self.events:
            if stamp >= end:
                break
            if stamp <= start:
                alive = live
            elif live:
                return True
        return alive


def _spec(row: Row) -> _Spec:
    request = row.integer("cpu_request", minimum=1)
    limit = row.integer("cpu_limit", minimum=1)
    if limit < request:
        raise row.error("cpu_limit", f"{limit} is below cpu_request {request}")
    memory = row.number("mem_size")
    if not 0 < memory <= 100:
        raise row.error("mem_size", f"{memory} is outside (0, 100]")
    mib = round(memory / 100 * MEMORY_100_BYTES / 2**20)
    return _Spec(request * MILLIS_PER_TRACE_CPU, limit * MILLIS_PER_TRACE_CPU, mib * 2**20)


def _read(path: Path) -> dict[str, _Container]:
    containers: dict[str, _Container] = {}
    for row in rows(path, COLUMNS, header=False):
        cid = row.text("container_id").strip()
        app = row.text("app_du").strip()
        if not cid:
            raise row.error("container_id", "empty")
        if not app:
            raise row.error("app_du", "empty")
        stamp = row.integer("time_stamp")
        status = row.text("status").strip()
        if status not in STATUSES:
            raise row.error("status", f"{status!r} is not one of {sorted(STATUSES)}")
        spec = _spec(row)
        found = containers.get(cid)
        if found is None:
            containers[cid] = _Container(app, spec, [(stamp, status in LIVE)])
            continue
        if found.app != app:
            raise row.error("app_du", f"{app!r}, but {cid} belongs to {found.app!r}")
        found.events.append((stamp, status in LIVE))
    for container in containers.values():
        container.events.sort()
    return containers


def load_apps(
    path: Path, scale: Scale = FULL, *, total_machines: int
) -> tuple[list[TraceApp], Skipped]:
    """Apps with at least one replica alive in the window, sorted by name.

    ``total_machines``: machines of the full topology, for thinning apps to ``scale``.
    Skipped counts apps left out: ``no live replica in window`` and ``not sampled``.
    """
    fraction = scale.fraction(total_machines)
    by_app: dict[str, list[_Spec]] = defaultdict(list)
    skipped = Skipped()
    for container in _read(path).values():
        if container.alive_in(scale.start, scale.end):
            by_app[container.app].append(container.spec)
        else:
            by_app.setdefault(container.app, [])
    apps = []
    for name in sorted(by_app):
        specs = by_app[name]
        if not specs:
            skipped.add("no live replica in window")
            continue
        if not scale.keeps(name, fraction):
            skipped.add("not sampled")
            continue
        counts = Counter(specs)
        spec = max(counts, key=lambda s: (counts[s], s.cpu_request_millis, s.memory_bytes))
        apps.append(
            TraceApp(
                name, len(specs), spec.cpu_request_millis, spec.cpu_limit_millis, spec.memory_bytes
            )
        )
    return apps, skipped
