"""Pod templates and pod status (validation/_pods.py): containers, resources, images, probes,
tolerations, QoS and restart policy per owner kind, phases and conditions."""

from __future__ import annotations

from collections.abc import Callable

from sigma.apiserver import validation as v
from sigma.v1 import app_pb2, meta_pb2, pod_pb2
from tests.unit.apiserver._validation import (
    Case,
    assert_invalid,
    cases,
    check_app,
    check_job,
    container,
)

CPU = "app.spec.template.containers[0].resources.requests.cpu_millis"


def _long_probe_period(a: app_pb2.App) -> None:
    probe = container(a).liveness_probe
    probe.tcp_socket.port = 8080
    probe.period.seconds = 3601


def _liveness_two_successes(a: app_pb2.App) -> None:
    probe = container(a).liveness_probe
    probe.exec.command.append("true")
    probe.success_threshold = 2


CASES: list[Case] = [
    (
        "negative cpu",
        lambda: check_app(lambda a: setattr(container(a).resources.requests, "cpu_millis", -5)),
        CPU,
        "between",
    ),
    (
        "huge memory",
        lambda: check_app(
            lambda a: setattr(container(a).resources.requests, "memory_bytes", 1 << 60)
        ),
        "app.spec.template.containers[0].resources.requests.memory_bytes",
        "between",
    ),
    (
        "limit below request",
        lambda: check_app(lambda a: setattr(container(a).resources.limits, "cpu_millis", 100)),
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
        lambda: check_app(lambda a: a.spec.template.containers.append(container(a))),
        "app.spec.template.containers[1].name",
        "duplicate",
    ),
    (
        "no command",
        lambda: check_app(lambda a: container(a).ClearField("command")),
        "app.spec.template.containers[0].command",
        "required",
    ),
    (
        "bad env name",
        lambda: check_app(lambda a: container(a).env.update({"1X": "y"})),
        "app.spec.template.containers[0].env['1X']",
        "environment",
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
        "batch template LSE",
        lambda: check_job(lambda j: setattr(j.spec.tasks[1].template, "qos_class", 1)),
        "job.spec.tasks[1].template.qos_class",
        "not allowed",
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
        "malformed image",
        lambda: check_app(lambda a: setattr(container(a), "image", "Shop/Web:1")),
        "app.spec.template.containers[0].image",
        "image reference",
    ),
    (
        "probe without a handler",
        lambda: check_app(lambda a: container(a).readiness_probe.SetInParent()),
        "app.spec.template.containers[0].readiness_probe",
        "one of exec",
    ),
    (
        "exec probe without a command",
        lambda: check_app(lambda a: container(a).liveness_probe.exec.SetInParent()),
        "app.spec.template.containers[0].liveness_probe.exec.command",
        "required",
    ),
    (
        "tcp probe port out of range",
        lambda: check_app(lambda a: setattr(container(a).readiness_probe.tcp_socket, "port", 0)),
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
        "pod status phase",
        lambda: v.pod_status(pod_pb2.PodStatus(phase=77)),
        "status.phase",
        "unknown value 77",
    ),
    (
        "pod status conditions",
        lambda: v.pod_status(pod_pb2.PodStatus(conditions=[meta_pb2.Condition(type="Ready")])),
        "status.conditions[0].status",
        "required",
    ),
]


@cases(CASES)
def test_bad_pod_template_or_status_names_the_field(
    check: Callable[[], None], field: str, reason: str
) -> None:
    assert_invalid(check, field, reason)


def test_images_probes_and_budgets_that_are_fine() -> None:
    def fine(a: app_pb2.App) -> None:
        c = container(a)
        c.image = "127.0.0.1:5000/sigma/httpd:1@sha256:" + "ab" * 32
        c.readiness_probe.grpc.port = 50051
        c.liveness_probe.exec.command.append("true")
        a.spec.template.restart_policy = pod_pb2.RESTART_POLICY_ALWAYS
        a.spec.min_available = a.spec.replicas

    check_app(fine)
