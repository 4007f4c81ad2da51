"""The pending arbiter's node curves: each node's online CPU per slot as the scheduler's
TimeAwareFit counts it (curve pods by their curve, other online pods by their request, batch
and finished pods not at all), kept until the node's online pods or an App's load change."""

from __future__ import annotations

import numpy as np

from sigma.colocator.arbitration.curves import NodeCurves
from sigma.resources import APP
from sigma.resources.curves import SLOTS
from sigma.v1 import app_pb2, meta_pb2, pod_pb2

NOON = SLOTS // 2
LS, LSR, BE = meta_pb2.QOS_CLASS_LS, meta_pb2.QOS_CLASS_LSR, meta_pb2.QOS_CLASS_BE


def app(peak: int, revision: int = 1) -> app_pb2.App:
    out = app_pb2.App(meta=meta_pb2.ObjectMeta(namespace="d", name="web"))
    out.meta.resource_version = revision
    out.spec.time_sharing.profile.slot_seconds = 86400 // SLOTS
    out.spec.time_sharing.profile.load.extend(1.0 if s == peak else 0.5 for s in range(SLOTS))
    return out


def pod(qos: int, cpu: int, of: str = "", phase: int = pod_pb2.POD_PHASE_RUNNING) -> pod_pb2.Pod:
    out = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace="d", name=f"p{cpu}"))
    out.spec.qos_class, out.status.phase = qos, phase  # type: ignore[assignment]
    if of:
        out.spec.owner_kind, out.spec.owner_name = pod_pb2.POD_OWNER_KIND_APP, of
    out.spec.template.containers.add().resources.requests.cpu_millis = cpu
    return out


def test_a_node_sums_curves_and_requests_and_is_worked_out_again_only_after_a_change() -> None:
    apps = {APP.key("d", "web"): app(NOON)}
    pods = {
        "n1": [
            pod(LS, 2000, "web"),  # its curve: 2000m at noon, 1000m elsewhere
            pod(LSR, 500),  # reserved cores: its request all day
            pod(BE, 3000),  # batch: not in the sum
            pod(LS, 700, phase=pod_pb2.POD_PHASE_SUCCEEDED),  # ended
        ]
    }
    curves = NodeCurves(apps.get, lambda name: pods[name])
    used = curves.of_node("n1")
    assert used[NOON] == 2500 and used[0] == 1500
    pods["n1"].append(added := pod(LS, 100))
    added.spec.node_name = "n1"
    assert curves.of_node("n1") is used  # kept: nothing said the node changed
    batch = pod(BE, 900)
    batch.spec.node_name = "n1"
    curves.pod_changed(batch)  # batch is not in the sum: kept
    assert curves.of_node("n1") is used
    curves.pod_changed(added)
    assert curves.of_node("n1")[0] == 1600

    held = curves.of_node("n1")
    curves.app_changed(APP.key("d", "web"), app(NOON, revision=2))  # same load
    assert curves.of_node("n1") is held
    apps[APP.key("d", "web")] = moved = app(0, revision=3)
    curves.app_changed(APP.key("d", "web"), moved)  # web now peaks at midnight
    assert curves.of_node("n1")[0] == 2600 and curves.of_node("n1")[NOON] == 1600


def test_a_curve_fits_a_node_only_when_every_slot_stays_within_its_cpu() -> None:
    apps = {APP.key("d", "web"): app(NOON)}
    pods = {"n1": [pod(LS, 6000, "web")], "n2": [pod(LS, 6000)]}  # n2's by request, flat
    curves = NodeCurves(apps.get, lambda name: pods[name])
    incoming = curves.of_pod(pod(LS, 4000, "web"))
    assert incoming is not None and incoming[NOON] == 4000 and incoming[0] == 2000
    cpu = np.array([9000.0, 9000.0])
    assert curves.fits(["n1", "n2"], cpu, incoming).tolist() == [False, False]  # noon; all day
    assert curves.fits(["n1", "n2"], cpu + 1000, incoming).tolist() == [True, True]
    assert curves.of_pod(pod(LSR, 4000, "web")) is None  # reserved cores: placed by request
    assert curves.fits([], cpu[:0], incoming).tolist() == []
