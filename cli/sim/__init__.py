"""Trace replay: the Alibaba cluster-trace-v2018 as Sigma objects, and the replay's report.

``load_trace(folder, Scale(...))`` reads machines, online containers, batch tasks and the
cluster usage curve into plain values (:class:`TraceNode`, :class:`TraceApp`,
:class:`TraceJob`, :class:`UsageCurve`); :func:`app_load` draws each app's demand over
time; :func:`build_report` turns the replay's samples into the figures it reports. Units
throughout: CPU in millicores, memory in bytes, time in trace seconds.

Bad input raises :class:`TraceError` (an ``Invalid``) naming ``file:line: column``.
"""

from sigma.cli.sim._csv import MEMORY_100_BYTES, Skipped, TraceError
from sigma.cli.sim.batch import TaskName, TraceJob, TraceTask, load_jobs, parse_task_name
from sigma.cli.sim.containers import TraceApp, load_apps
from sigma.cli.sim.load import AppLoad, LoadModel, UsageCurve, app_load, load_cluster_usage
from sigma.cli.sim.machines import TraceNode, load_machines
from sigma.cli.sim.report import (
    Eviction,
    JobRecord,
    NodeSample,
    PodSample,
    Samples,
    build_report,
    percentile,
)
from sigma.cli.sim.scale import TRACE_MACHINES, TRACE_SECONDS, Scale
from sigma.cli.sim.trace import Trace, TraceFiles, load_trace

__all__ = [
    "MEMORY_100_BYTES",
    "TRACE_MACHINES",
    "TRACE_SECONDS",
    "AppLoad",
    "Eviction",
    "JobRecord",
    "LoadModel",
    "NodeSample",
    "PodSample",
    "Samples",
    "Scale",
    "Skipped",
    "TaskName",
    "Trace",
    "TraceApp",
    "TraceError",
    "TraceFiles",
    "TraceJob",
    "TraceNode",
    "TraceTask",
    "UsageCurve",
    "app_load",
    "build_report",
    "load_apps",
    "load_cluster_usage",
    "load_jobs",
    "load_machines",
    "load_trace",
    "parse_task_name",
    "percentile",
]
