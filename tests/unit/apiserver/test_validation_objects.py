"""Apps, BatchJobs and Nodes as a whole (validation/_objects.py): replicas, QoS, priority,
spreading, upgrades, time-sharing, the task DAG, capacity and topology; and the samples pass."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sigma.apiserver import samples
from sigma.apiserver import validation as v
from sigma.errors import Invalid
from sigma.v1 import app_pb2, meta_pb2, node_pb2
from tests.unit.apiserver._validation import (
    LIMITS,
    Case,
    add_task,
    assert_invalid,
    cases,
    check_app,
    check_job,
    check_node,
)


def _profile(a: app_pb2.App, slot: int, loads: list[float]) -> None:
    a.spec.time_sharing.profile.slot_seconds = slot
    a.spec.time_sharing.profile.load.extend(loads)


APPS: list[Case] = [
    ("missing spec", lambda: check_app(lambda a: a.ClearField("spec")), "app.spec", "required"),
    (
        "negative replicas",
        lambda: check_app(lambda a: setattr(a.spec, "replicas", -1)),
        "app.spec.replicas",
        "between",
    ),
    (
        "replicas over limit",
        lambda: check_app(lambda a: setattr(a.spec, "replicas", 101)),
        "app.spec.replicas",
        "between 0 and 100",
    ),
    (
        "BE app",
        lambda: check_app(lambda a: setattr(a.spec, "qos_class", meta_pb2.QOS_CLASS_BE)),
        "app.spec.qos_class",
        "QOS_CLASS_BE is not allowed",
    ),
    (
        "unknown qos number",
        lambda: check_app(lambda a: setattr(a.spec, "qos_class", 42)),
        "app.spec.qos_class",
        "unknown value 42",
    ),
    (
        "priority too high",
        lambda: check_app(lambda a: setattr(a.spec, "priority", 2_000_000_000)),
        "app.spec.priority",
        "between",
    ),
    (
        "spread level unset",
        lambda: check_app(lambda a: a.spec.spread.constraints.add()),
        "app.spec.spread.constraints[1].level",
        "required",
    ),
    (
        "spread level twice",
        lambda: check_app(lambda a: a.spec.spread.constraints.add(level=1)),
        "app.spec.spread.constraints[1].level",
        "one constraint per level",
    ),
    (
        "spread mode unknown",
        lambda: check_app(lambda a: setattr(a.spec.spread.constraints[0], "mode", 9)),
        "app.spec.spread.constraints[0].mode",
        "unknown",
    ),
    (
        "negative skew",
        lambda: check_app(lambda a: setattr(a.spec.spread.constraints[0], "max_skew", -1)),
        "app.spec.spread.constraints[0].max_skew",
        "between",
    ),
    (
        "negative per-host cap",
        lambda: check_app(lambda a: setattr(a.spec.spread, "max_per_host", -1)),
        "app.spec.spread.max_per_host",
        "between",
    ),
    (
        "surge over 100%",
        lambda: check_app(lambda a: setattr(a.spec.upgrade, "max_surge_percent", 150)),
        "app.spec.upgrade.max_surge_percent",
        "between 0 and 100",
    ),
    (
        "negative unavailable",
        lambda: check_app(lambda a: setattr(a.spec.upgrade, "max_unavailable", -1)),
        "app.spec.upgrade.max_unavailable",
        "between",
    ),
    (
        "floor above replicas",
        lambda: check_app(lambda a: setattr(a.spec, "min_replicas", 4)),
        "app.spec.min_replicas",
        "between 0 and 3",
    ),
    (
        "min_available above replicas",
        lambda: check_app(lambda a: setattr(a.spec, "min_available", a.spec.replicas + 1)),
        "app.spec.min_available",
        "between",
    ),
    (
        "headroom NaN",
        lambda: check_app(lambda a: setattr(a.spec.time_sharing, "headroom", float("nan"))),
        "app.spec.time_sharing.headroom",
        "between",
    ),
    (
        "slot not dividing day",
        lambda: check_app(lambda a: _profile(a, 7, [1.0])),
        "app.spec.time_sharing.profile.slot_seconds",
        "divide",
    ),
    (
        "wrong slot count",
        lambda: check_app(lambda a: _profile(a, 3600, [1.0] * 23)),
        "app.spec.time_sharing.profile.load",
        "24 slots",
    ),
    (
        "load above peak",
        lambda: check_app(lambda a: _profile(a, 43200, [0.5, 1.5])),
        "app.spec.time_sharing.profile.load[1]",
        "between 0 and 1",
    ),
]

JOBS: list[Case] = [
    (
        "duplicate task",
        lambda: check_job(lambda j: add_task(j, "extract")),
        "job.spec.tasks[2].name",
        "duplicate",
    ),
    (
        "job without tasks",
        lambda: check_job(lambda j: j.spec.ClearField("tasks")),
        "job.spec.tasks",
        "at least one",
    ),
    (
        "unknown dependency",
        lambda: check_job(lambda j: add_task(j, "report", "nope")),
        "job.spec.tasks[2].depends_on",
        "'nope' is not a task",
    ),
    (
        "self dependency",
        lambda: check_job(lambda j: add_task(j, "loop", "loop")),
        "job.spec.tasks[2].depends_on",
        "itself",
    ),
    (
        "cycle",
        lambda: check_job(lambda j: j.spec.tasks[0].depends_on.append("load")),
        "job.spec.tasks[1].depends_on",
        "cycle",
    ),
    (
        "zero instances",
        lambda: check_job(lambda j: setattr(j.spec.tasks[0], "instances", 0)),
        "job.spec.tasks[0].instances",
        "between 1",
    ),
    (
        "batch LS",
        lambda: check_job(lambda j: setattr(j.spec, "qos_class", meta_pb2.QOS_CLASS_LS)),
        "job.spec.qos_class",
        "not allowed",
    ),
    (
        "retries too many",
        lambda: check_job(lambda j: setattr(j.spec.tasks[0], "max_retries", 1000)),
        "job.spec.tasks[0].max_retries",
        "between",
    ),
    (
        "worker without slots",
        lambda: check_job(lambda j: j.spec.workers.SetInParent()),
        "job.spec.workers.slots",
        "between 1 and 64",
    ),
    (
        "worker slots too many",
        lambda: check_job(lambda j: setattr(j.spec.workers, "slots", 65)),
        "job.spec.workers.slots",
        "between 1 and 64",
    ),
    (
        "workers negative",
        lambda: check_job(
            lambda j: (
                setattr(j.spec.workers, "slots", 4),
                setattr(j.spec.workers, "max_workers", -1),
            )
        ),
        "job.spec.workers.max_workers",
        "between 0 and 10000",
    ),
]

NODES: list[Case] = [
    (
        "node in namespace",
        lambda: check_node(lambda n: setattr(n.meta, "namespace", "default")),
        "node.meta.namespace",
        "cluster-scoped",
    ),
    (
        "node no capacity",
        lambda: check_node(lambda n: n.spec.ClearField("capacity")),
        "node.spec.capacity",
        "required",
    ),
    (
        "allocatable over capacity",
        lambda: check_node(lambda n: setattr(n.spec.allocatable, "memory_bytes", 1 << 40)),
        "node.spec.allocatable.memory_bytes",
        "exceed",
    ),
    (
        "node no chassis",
        lambda: check_node(lambda n: n.spec.topology.ClearField("chassis")),
        "node.spec.topology.chassis",
        "required",
    ),
    (
        "taint without effect",
        lambda: check_node(lambda n: n.spec.taints.add(key="gpu")),
        "node.spec.taints[0].effect",
        "required",
    ),
    (
        "node status usage",
        lambda: v.node_status(
            node_pb2.NodeStatus(usage=node_pb2.NodeUsage(batch_cpu_millis=-1)), LIMITS
        ),
        "status.usage.batch_cpu_millis",
        "must not be negative",
    ),
]


@cases(APPS + JOBS + NODES)
def test_bad_object_names_the_field(check: Callable[[], None], field: str, reason: str) -> None:
    assert_invalid(check, field, reason)


def test_samples_are_valid() -> None:
    v.app(samples.app(), "default", LIMITS)
    v.batch_job(samples.batch_job(), "default", LIMITS)
    v.node(samples.node(), LIMITS)


def test_a_longer_dag_without_cycle_passes_and_a_long_cycle_is_named() -> None:
    job = samples.batch_job()
    for i in range(5):
        add_task(job, f"t{i}", "load", *(f"t{k}" for k in range(i)))
    v.batch_job(job, "default", LIMITS)
    job.spec.tasks[0].depends_on.append("t4")  # extract -> t4 -> ... -> load -> extract
    with pytest.raises(Invalid, match="cycle") as caught:
        v.batch_job(job, "default", LIMITS)
    assert caught.value.field.startswith("job.spec.tasks[")
