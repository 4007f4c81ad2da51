"""Facts about a pod that every tier asks the same way: pure, no I/O.

Whether a pod is finished, being stopped, ready, or owned by an object; and which restart
policy its slave applies. One home, so the replica controller, the task planner, the
disruption budget and the slave can never disagree about what "ready" means.
"""

from __future__ import annotations

from sigma.v1 import meta_pb2, pod_pb2

APP_KIND, JOB_KIND = "App", "BatchJob"
TERMINAL = frozenset(
    {pod_pb2.POD_PHASE_SUCCEEDED, pod_pb2.POD_PHASE_FAILED, pod_pb2.POD_PHASE_EVICTED}
)
READY = "Ready"


def key(pod: pod_pb2.Pod) -> str:
    return f"{pod.meta.namespace}/{pod.meta.name}"


def app_ref(pod: pod_pb2.Pod) -> str:
    """The pod's App as interference rules and per-host caps name it ("namespace/app");
    "" for a pod no App owns."""
    if pod.spec.owner_kind == pod_pb2.POD_OWNER_KIND_APP and pod.spec.owner_name:
        return f"{pod.meta.namespace}/{pod.spec.owner_name}"
    return ""


def qos_of(pod: pod_pb2.Pod) -> int:
    """The pod's QoS class: its own, else its template's; a pod with neither is LS (what the
    apiserver gives an App's pods that name none)."""
    return pod.spec.qos_class or pod.spec.template.qos_class or meta_pb2.QOS_CLASS_LS


def owned_by(pod: pod_pb2.Pod, kind: str, name: str, uid: str) -> bool:
    """True when ``pod`` belongs to this incarnation of the owner (not a same-named predecessor)."""
    return any(
        r.kind == kind and r.name == name and r.uid == uid for r in pod.meta.owner_references
    )


def terminating(pod: pod_pb2.Pod) -> bool:
    return pod.meta.HasField("deletion_timestamp")


def finished(pod: pod_pb2.Pod) -> bool:
    return pod.status.phase in TERMINAL


def live(pod: pod_pb2.Pod) -> bool:
    """Counts towards its owner: not finished and not being stopped."""
    return not finished(pod) and not terminating(pod)


def bound(pod: pod_pb2.Pod) -> bool:
    return bool(pod.spec.node_name)


def ready(pod: pod_pb2.Pod) -> bool:
    """Running, not being stopped, and not reported unready by its node."""
    if pod.status.phase != pod_pb2.POD_PHASE_RUNNING or terminating(pod):
        return False
    return all(
        c.status == meta_pb2.CONDITION_STATUS_TRUE for c in pod.status.conditions if c.type == READY
    )


def restart_policy(pod: pod_pb2.Pod) -> int:
    """The template's policy, or the owner's default: ALWAYS for Apps, NEVER for batch."""
    policy = pod.spec.template.restart_policy
    if policy != pod_pb2.RESTART_POLICY_UNSPECIFIED:
        return policy
    if pod.spec.owner_kind == pod_pb2.POD_OWNER_KIND_APP:
        return pod_pb2.RESTART_POLICY_ALWAYS
    return pod_pb2.RESTART_POLICY_NEVER
