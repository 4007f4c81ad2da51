"""One call that loads a whole trace slice: nodes, apps, jobs and the load curve.

The file names are those of the excerpts shipped in ``alibaba-2018/`` beside this module
(compressed; see its README for source and terms); each loader also takes any path so the
full trace files load the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from sigma.cli.sim._csv import Skipped
from sigma.cli.sim.batch import TraceJob, load_jobs
from sigma.cli.sim.containers import TraceApp, load_apps
from sigma.cli.sim.load import UsageCurve, load_cluster_usage
from sigma.cli.sim.machines import TraceNode, load_machines
from sigma.cli.sim.scale import FULL, TRACE_MACHINES, TRACE_SECONDS, Scale

#: The excerpts that ship with the project.
SHIPPED = Path(__file__).resolve().parent / "alibaba-2018"


def default_trace_dir() -> Path:
    """``SIGMA_TRACE_DIR`` if set (e.g. the full trace), else the shipped excerpts."""
    configured = os.environ.get("SIGMA_TRACE_DIR")
    return Path(configured) if configured else SHIPPED


@dataclass(frozen=True)
class TraceFiles:
    machines: str = "machine_meta.csv"
    containers: str = "container_meta.head20k.csv"
    batch: str = "batch_task.head50k.csv"
    usage: str = "cluster_usage_mean_300s.csv"


@dataclass(frozen=True)
class Trace:
    """A loaded slice: what the replay creates, and what the loaders left out (by reason)."""

    scale: Scale
    nodes: list[TraceNode]
    apps: list[TraceApp]
    jobs: list[TraceJob]
    usage: UsageCurve
    skipped: dict[str, Skipped] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        """Counts for a log line or the report's header."""
        return {
            "nodes": len(self.nodes),
            "apps": len(self.apps),
            "replicas": sum(a.replicas for a in self.apps),
            "jobs": len(self.jobs),
            "tasks": sum(len(j.tasks) for j in self.jobs),
            "instances": sum(t.instances for j in self.jobs for t in j.tasks),
            "skipped": {name: dict(s.counts) for name, s in self.skipped.items()},
        }


def load_trace(
    folder: Path, scale: Scale = FULL, files: TraceFiles | None = None, *, all_days: bool = False
) -> Trace:
    """Load the slice ``scale`` of the trace in ``folder``; raises TraceError on bad input.

    ``all_days``: every job of the excerpt, submitted on any day and not thinned to the
    machines (the replay's input: it folds and thins them itself)."""
    files = files or TraceFiles()
    nodes = load_machines(folder / files.machines, scale)
    apps, apps_skipped = load_apps(folder / files.containers, scale, total_machines=TRACE_MACHINES)
    # Jobs from every day of the trace: the replay folds them into its window by time of day.
    every_day = (
        replace(scale, machines=None, start=0, end=TRACE_SECONDS, warmup=0) if all_days else scale
    )
    jobs, jobs_skipped = load_jobs(folder / files.batch, every_day, total_machines=TRACE_MACHINES)
    usage = load_cluster_usage(folder / files.usage)
    return Trace(scale, nodes, apps, jobs, usage, {"apps": apps_skipped, "jobs": jobs_skipped})
