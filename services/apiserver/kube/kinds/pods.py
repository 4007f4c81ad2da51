"""``v1`` Pod from Sigma's Pod: read-only (pods are stamped from Deployments and Jobs).

Pure. Phases fold into the five Kubernetes ones (Scheduled is still Pending; Evicted is
Failed with reason Evicted, as a kubelet eviction reads). The owner is named as the kind a
Kubernetes client knows it by: an App's pods belong to a Deployment, a BatchJob's to a Job.
"""

from __future__ import annotations

from typing import Any

from sigma.apiserver.kube import meta as M
from sigma.apiserver.kube.podtemplate import spec_to
from sigma.v1 import meta_pb2, pod_pb2

PHASES = {
    pod_pb2.POD_PHASE_UNSPECIFIED: "Pending",
    pod_pb2.POD_PHASE_PENDING: "Pending",
    pod_pb2.POD_PHASE_SCHEDULED: "Pending",
    pod_pb2.POD_PHASE_RUNNING: "Running",
    pod_pb2.POD_PHASE_SUCCEEDED: "Succeeded",
    pod_pb2.POD_PHASE_FAILED: "Failed",
    pod_pb2.POD_PHASE_EVICTED: "Failed",
}
OWNERS = {
    pod_pb2.POD_OWNER_KIND_APP: ("apps/v1", "Deployment"),
    pod_pb2.POD_OWNER_KIND_BATCH_JOB: ("batch/v1", "Job"),
}
CONDITION = {
    meta_pb2.CONDITION_STATUS_TRUE: "True",
    meta_pb2.CONDITION_STATUS_FALSE: "False",
    meta_pb2.CONDITION_STATUS_UNKNOWN: "Unknown",
}


def owner_references(pod: pod_pb2.Pod) -> list[dict[str, Any]]:
    refs = []
    for ref in pod.meta.owner_references:
        api_version, kind = OWNERS.get(pod.spec.owner_kind, ("sigma.io/v1", ref.kind))
        refs.append(
            {
                "apiVersion": api_version,
                "kind": kind,
                "name": ref.name,
                "uid": ref.uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        )
    return refs


def condition(c: meta_pb2.Condition) -> dict[str, Any]:
    out: dict[str, Any] = {"type": c.type, "status": CONDITION.get(c.status, "Unknown")}
    if c.reason:
        out["reason"] = c.reason
    if c.message:
        out["message"] = c.message
    out["lastTransitionTime"] = M.rfc3339(c.last_transition_time)
    return out


def container_state(cs: pod_pb2.ContainerStatus) -> dict[str, Any]:
    if cs.state == pod_pb2.CONTAINER_STATE_RUNNING:
        return {"running": {"startedAt": M.rfc3339(cs.started_at)}}
    if cs.state == pod_pb2.CONTAINER_STATE_TERMINATED:
        return {"terminated": termination(cs.last_termination, cs.reason)}
    return {"waiting": {"reason": cs.reason or "ContainerCreating"}}


def termination(t: pod_pb2.ContainerTermination, reason: str = "") -> dict[str, Any]:
    return {
        "exitCode": t.exit_code,
        "signal": t.signal,
        "reason": t.reason or reason,
        "startedAt": M.rfc3339(t.started_at),
        "finishedAt": M.rfc3339(t.finished_at),
    }


def container_statuses(pod: pod_pb2.Pod) -> list[dict[str, Any]]:
    images = {c.name: c.image for c in pod.spec.template.containers}
    out = []
    for cs in pod.status.container_statuses:
        item: dict[str, Any] = {
            "name": cs.name,
            "ready": cs.ready,
            "restartCount": cs.restart_count,
            "image": images.get(cs.name, ""),
            "imageID": "",
            "started": cs.state == pod_pb2.CONTAINER_STATE_RUNNING,
            "state": container_state(cs),
        }
        if cs.HasField("last_termination") and cs.state != pod_pb2.CONTAINER_STATE_TERMINATED:
            item["lastState"] = {"terminated": termination(cs.last_termination)}
        out.append(item)
    return out


def ready(pod: pod_pb2.Pod) -> bool:
    return any(
        c.type == "Ready" and c.status == meta_pb2.CONDITION_STATUS_TRUE
        for c in pod.status.conditions
    )


def phase(pod: pod_pb2.Pod) -> str:
    return PHASES.get(pod.status.phase, "Pending")


def pod(value: pod_pb2.Pod) -> dict[str, Any]:
    head = M.metadata(value.meta)
    refs = owner_references(value)
    if refs:
        head["ownerReferences"] = refs
    spec = spec_to(value.spec.template)
    if value.spec.node_name:
        spec["nodeName"] = value.spec.node_name
    spec["schedulerName"] = value.spec.scheduler_name or "default-scheduler"
    spec["priority"] = value.spec.priority
    spec["hostNetwork"] = True
    status: dict[str, Any] = {"phase": phase(value)}
    st = value.status
    if st.phase == pod_pb2.POD_PHASE_EVICTED:
        status["reason"] = st.reason or "Evicted"
    elif st.reason:
        status["reason"] = st.reason
    if st.message:
        status["message"] = st.message
    if st.nominated_node_name:
        status["nominatedNodeName"] = st.nominated_node_name
    if st.node_name or value.spec.node_name:
        status["hostIP"] = status["podIP"] = "127.0.0.1"
    started = M.rfc3339(st.start_time)
    if started:
        status["startTime"] = started
    status["conditions"] = [condition(c) for c in st.conditions]
    status["containerStatuses"] = container_statuses(value)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": head, "spec": spec, "status": status}


def fields(value: pod_pb2.Pod) -> dict[str, str]:
    """What a field selector may name on a pod."""
    return {
        "metadata.name": value.meta.name,
        "metadata.namespace": value.meta.namespace,
        "spec.nodeName": value.spec.node_name,
        "status.phase": phase(value),
        "spec.schedulerName": value.spec.scheduler_name or "default-scheduler",
        "spec.restartPolicy": "",
    }
