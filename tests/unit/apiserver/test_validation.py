"""Every validation rule rejects its bad input naming the exact field, and accepts the samples."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sigma.apiserver import samples
from sigma.apiserver import validation as v
from sigma.errors import Invalid
from sigma.v1 import apiserver_pb2, app_pb2, batch_pb2, meta_pb2, node_pb2, pod_pb2

LIMITS = v.Limits(max_replicas=100)
NAMESPACES = ("default", "system")


def check_app(change: Callable[[app_pb2.App], Any]) -> None:
    obj = samples.app()
    change(obj)
    v.app(obj, "default", LIMITS)


def check_job(change: Callable[[batch_pb2.BatchJob], Any]) -> None:
    obj = samples.batch_job()
    change(obj)
    v.batch_job(obj, "default", LIMITS)


def check_node(change: Callable[[node_pb2.Node], Any]) -> None:
    obj = samples.node()
    change(obj)
    v.node(obj, LIMITS)


def _container(a: app_pb2.App) -> pod_pb2.Container:
    return a.spec.template.containers[0]


def _add_task(job: batch_pb2.BatchJob, name: str, *deps: str) -> None:
    job.spec.tasks.add(name=name, instances=1, depends_on=deps, template=samples.template(4))


def _long_probe_period(a: app_pb2.App) -> None:
    probe = _container(a).liveness_probe
    probe.tcp_socket.port = 8080
    probe.period.seconds = 3601


def _liveness_two_successes(a: app_pb2.App) -> None:
    probe = _container(a).liveness_probe
    probe.exec.command.append("true")
    probe.success_threshold = 2


def _profile(a: app_pb2.App, slot: int, loads: list[float]) -> None:
    a.spec.time_sharing.profile.slot_seconds = slot
    a.spec.time_sharing.profile.load.extend(loads)


CPU = "app.spec.template.containers[0].resources.requests.cpu_millis"
CASES: list[tuple[str, Callable[[], None], str, str]] = [
    # (id, check, expected field, a word of the reason)
    (
        "empty name",
        lambda: check_app(lambda a: a.meta.ClearField("name")),
        "app.meta.name",
        "required",
    ),
    (
        "name too long",
        lambda: check_app(lambda a: setattr(a.meta, "name", "a" * 64)),
        "app.meta.name",
        "63",
    ),
    (
        "name upper case",
        lambda: check_app(lambda a: setattr(a.meta, "name", "Web")),
        "app.meta.name",
        "lower-case",
    ),
    (
        "name ends with dash",
        lambda: check_app(lambda a: setattr(a.meta, "name", "web-")),
        "app.meta.name",
        "lower-case",
    ),
    (
        "other namespace",
        lambda: check_app(lambda a: setattr(a.meta, "namespace", "other")),
        "app.meta.namespace",
        "must be empty",
    ),
    (
        "too many labels",
        lambda: check_app(lambda a: a.meta.labels.update({f"k{i}": "v" for i in range(65)})),
        "app.meta.labels",
        "at most 64",
    ),
    (
        "label value too long",
        lambda: check_app(lambda a: a.meta.labels.update({"k": "v" * 64})),
        "app.meta.labels['k']",
        "value",
    ),
    (
        "label key bad",
        lambda: check_app(lambda a: a.meta.labels.update({"bad key": "v"})),
        "app.meta.labels['bad key']",
        "key",
    ),
    (
        "annotations too big",
        lambda: check_app(lambda a: a.meta.annotations.update({"a": "x" * 300_000})),
        "app.meta.annotations",
        "bytes",
    ),
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
        "negative cpu",
        lambda: check_app(lambda a: setattr(_container(a).resources.requests, "cpu_millis", -5)),
        CPU,
        "between",
    ),
    (
        "huge memory",
        lambda: check_app(
            lambda a: setattr(_container(a).resources.requests, "memory_bytes", 1 << 60)
        ),
        "app.spec.template.containers[0].resources.requests.memory_bytes",
        "between",
    ),
    (
        "limit below request",
        lambda: check_app(lambda a: setattr(_container(a).resources.limits, "cpu_millis", 100)),
        "app.spec.template.containers[0].resources.limits.cpu_millis",
        ">= the request",
    ),
    (
        "no containers",
        lambda: check_app(lambda a: a.spec.template.ClearField("containers")),
        "app.spec.template.containers",
        "at least one",
    ),
    (
        "duplicate container",
        lambda: check_app(lambda a: a.spec.template.containers.append(_container(a))),
        "app.spec.template.containers[1].name",
        "duplicate",
    ),
    (
        "no command",
        lambda: check_app(lambda a: _container(a).ClearField("command")),
        "app.spec.template.containers[0].command",
        "required",
    ),
    (
        "bad env name",
        lambda: check_app(lambda a: _container(a).env.update({"1X": "y"})),
        "app.spec.template.containers[0].env['1X']",
        "environment",
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
        "template qos SYSTEM",
        lambda: check_app(
            lambda a: setattr(a.spec.template, "qos_class", meta_pb2.QOS_CLASS_SYSTEM)
        ),
        "app.spec.template.qos_class",
        "not allowed",
    ),
    (
        "priority too high",
        lambda: check_app(lambda a: setattr(a.spec, "priority", 2_000_000_000)),
        "app.spec.priority",
        "between",
    ),
    (
        "exists with value",
        lambda: check_app(
            lambda a: a.spec.template.tolerations.add(key="k", operator=1, value="v")
        ),
        "app.spec.template.tolerations[0].value",
        "EXISTS",
    ),
    (
        "equal without key",
        lambda: check_app(lambda a: a.spec.template.tolerations.add(operator=2, value="v")),
        "app.spec.template.tolerations[0].key",
        "required",
    ),
    (
        "negative grace",
        lambda: check_app(lambda a: a.spec.template.termination_grace_period.FromSeconds(-1)),
        "app.spec.template.termination_grace_period",
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
    (
        "job without tasks",
        lambda: check_job(lambda j: j.spec.ClearField("tasks")),
        "job.spec.tasks",
        "at least one",
    ),
    (
        "duplicate task",
        lambda: check_job(lambda j: _add_task(j, "extract")),
        "job.spec.tasks[2].name",
        "duplicate",
    ),
    (
        "unknown dependency",
        lambda: check_job(lambda j: _add_task(j, "report", "nope")),
        "job.spec.tasks[2].depends_on",
        "'nope' is not a task",
    ),
    (
        "self dependency",
        lambda: check_job(lambda j: _add_task(j, "loop", "loop")),
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
        "batch template LSE",
        lambda: check_job(lambda j: setattr(j.spec.tasks[1].template, "qos_class", 1)),
        "job.spec.tasks[1].template.qos_class",
        "not allowed",
    ),
    (
        "retries too many",
        lambda: check_job(lambda j: setattr(j.spec.tasks[0], "max_retries", 1000)),
        "job.spec.tasks[0].max_retries",
        "between",
    ),
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
        "malformed image",
        lambda: check_app(lambda a: setattr(_container(a), "image", "Shop/Web:1")),
        "app.spec.template.containers[0].image",
        "image reference",
    ),
    (
        "probe without a handler",
        lambda: check_app(lambda a: _container(a).readiness_probe.SetInParent()),
        "app.spec.template.containers[0].readiness_probe",
        "one of exec",
    ),
    (
        "exec probe without a command",
        lambda: check_app(lambda a: _container(a).liveness_probe.exec.SetInParent()),
        "app.spec.template.containers[0].liveness_probe.exec.command",
        "required",
    ),
    (
        "tcp probe port out of range",
        lambda: check_app(lambda a: setattr(_container(a).readiness_probe.tcp_socket, "port", 0)),
        "app.spec.template.containers[0].readiness_probe.tcp_socket.port",
        "between",
    ),
    (
        "probe period too long",
        lambda: check_app(_long_probe_period),
        "app.spec.template.containers[0].liveness_probe.period",
        "3600",
    ),
    (
        "liveness success threshold above one",
        lambda: check_app(_liveness_two_successes),
        "app.spec.template.containers[0].liveness_probe.success_threshold",
        "must be 1",
    ),
    (
        "app restart policy other than always",
        lambda: check_app(
            lambda a: setattr(a.spec.template, "restart_policy", pod_pb2.RESTART_POLICY_NEVER)
        ),
        "app.spec.template.restart_policy",
        "not allowed",
    ),
    (
        "batch restart policy always",
        lambda: check_job(
            lambda j: setattr(
                j.spec.tasks[0].template, "restart_policy", pod_pb2.RESTART_POLICY_ALWAYS
            )
        ),
        "job.spec.tasks[0].template.restart_policy",
        "not allowed",
    ),
    (
        "min_available above replicas",
        lambda: check_app(lambda a: setattr(a.spec, "min_available", a.spec.replicas + 1)),
        "app.spec.min_available",
        "between",
    ),
]


@pytest.mark.parametrize(
    ("check", "field", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_names_the_field(check: Callable[[], None], field: str, reason: str) -> None:
    with pytest.raises(Invalid) as caught:
        check()
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_images_probes_and_budgets_that_are_fine() -> None:
    def fine(a: app_pb2.App) -> None:
        c = _container(a)
        c.image = "127.0.0.1:5000/sigma/httpd:1@sha256:" + "ab" * 32
        c.readiness_probe.grpc.port = 50051
        c.liveness_probe.exec.command.append("true")
        a.spec.template.restart_policy = pod_pb2.RESTART_POLICY_ALWAYS
        a.spec.min_available = a.spec.replicas

    check_app(fine)


def test_samples_are_valid() -> None:
    v.app(samples.app(), "default", LIMITS)
    v.batch_job(samples.batch_job(), "default", LIMITS)
    v.node(samples.node(), LIMITS)


def test_a_longer_dag_without_cycle_passes_and_a_long_cycle_is_named() -> None:
    job = samples.batch_job()
    for i in range(5):
        _add_task(job, f"t{i}", "load", *(f"t{k}" for k in range(i)))
    v.batch_job(job, "default", LIMITS)
    job.spec.tasks[0].depends_on.append("t4")  # extract -> t4 -> ... -> load -> extract
    with pytest.raises(Invalid, match="cycle") as caught:
        v.batch_job(job, "default", LIMITS)
    assert caught.value.field.startswith("job.spec.tasks[")


@pytest.mark.parametrize(
    ("value", "reason"), [("", "required"), ("finance", "unknown namespace 'finance'")]
)
def test_namespace(value: str, reason: str) -> None:
    with pytest.raises(Invalid) as caught:
        v.namespace(value, NAMESPACES)
    assert (caught.value.field, caught.value.reason) == ("namespace", reason)
    v.namespace("default", NAMESPACES)


REQUESTS = [
    (
        "scale negative",
        lambda: v.scale_app(apiserver_pb2.ScaleAppRequest(name="web", replicas=-1), LIMITS),
        "replicas",
    ),
    (
        "scale no name",
        lambda: v.scale_app(apiserver_pb2.ScaleAppRequest(replicas=1), LIMITS),
        "name",
    ),
    (
        "scale negative version",
        lambda: v.scale_app(apiserver_pb2.ScaleAppRequest(name="w", resource_version=-2), LIMITS),
        "resource_version",
    ),
    (
        "upgrade no template",
        lambda: v.upgrade_app(apiserver_pb2.UpgradeAppRequest(name="web"), LIMITS),
        "template",
    ),
    (
        "upgrade bad policy",
        lambda: v.upgrade_app(
            apiserver_pb2.UpgradeAppRequest(
                name="web",
                template=samples.template(),
                upgrade=app_pb2.RollingUpgradePolicy(max_unavailable_percent=101),
            ),
            LIMITS,
        ),
        "upgrade.max_unavailable_percent",
    ),
    (
        "cancel long reason",
        lambda: v.cancel_batch_job(
            apiserver_pb2.CancelBatchJobRequest(name="etl", reason="x" * 2000)
        ),
        "reason",
    ),
    (
        "list negative page",
        lambda: v.page_request(apiserver_pb2.ListAppsRequest(page_size=-1)),
        "page_size",
    ),
    (
        "list bad selector",
        lambda: v.page_request(
            apiserver_pb2.ListAppsRequest(
                label_selector=meta_pb2.LabelSelector(match_labels={"a b": "c"})
            )
        ),
        "label_selector.match_labels['a b']",
    ),
    (
        "watch negative version",
        lambda: v.watch_request(apiserver_pb2.WatchAppsRequest(resource_version=-1)),
        "resource_version",
    ),
    ("pod status phase", lambda: v.pod_status(pod_pb2.PodStatus(phase=77)), "status.phase"),
    (
        "pod status conditions",
        lambda: v.pod_status(pod_pb2.PodStatus(conditions=[meta_pb2.Condition(type="Ready")])),
        "status.conditions[0].status",
    ),
    (
        "node status usage",
        lambda: v.node_status(
            node_pb2.NodeStatus(usage=node_pb2.NodeUsage(batch_cpu_millis=-1)), LIMITS
        ),
        "status.usage.batch_cpu_millis",
    ),
    ("status version required", lambda: v.resource_version(0, required=True), "resource_version"),
]


@pytest.mark.parametrize(("call", "field"), [r[1:] for r in REQUESTS], ids=[r[0] for r in REQUESTS])
def test_bad_request_names_the_field(call: Callable[[], None], field: str) -> None:
    with pytest.raises(Invalid) as caught:
        call()
    assert caught.value.field == field
