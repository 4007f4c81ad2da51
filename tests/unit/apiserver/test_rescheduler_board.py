"""The rescheduler's board from the cluster's objects: an App's traffic profile gives its LS
pods their daily CPU curves; other pods, and Apps without a profile, count by request."""

from sigma.apiserver.controllers.rescheduler import board_of
from sigma.resources.curves import SLOTS
from sigma.resources.interference import RuleIndex
from sigma.v1 import app_pb2, meta_pb2, pod_pb2
from tests.integration.scheduler._seed import MiB, make_node, make_pod


def app(name: str, hourly: list[float] | None = None) -> app_pb2.App:
    out = app_pb2.App(meta=meta_pb2.ObjectMeta(namespace="t", name=name, uid=f"uid-{name}"))
    out.spec.replicas = 1
    if hourly:
        out.spec.time_sharing.profile.slot_seconds = 3600
        out.spec.time_sharing.profile.load.extend(hourly)
    return out


def bound(name: str, of: app_pb2.App, qos: int = 3) -> pod_pb2.Pod:
    out = make_pod(name, 2000, 64 * MiB, qos=qos, app=of.meta.name)
    out.meta.owner_references.add(kind="App", name=of.meta.name, uid=of.meta.uid)
    out.spec.node_name = "n1"
    out.status.phase = pod_pb2.POD_PHASE_RUNNING
    return out


def test_profiled_ls_pods_carry_their_curve_and_the_rest_their_request() -> None:
    noon = app("noon", [0.5] * 12 + [1.0] + [0.5] * 11)
    plain = app("plain")
    ps = [bound("noon-0", noon), bound("noon-1", noon, qos=1), bound("plain-0", plain)]
    board = board_of([make_node("n1", 8000, 8192 * MiB)], ps, [noon, plain], RuleIndex())
    curve = board.pods[0].curve
    assert curve is not None and curve.shape == (SLOTS,)
    assert curve.max() == 2000 and curve.min() == 1000 and curve[48] == 2000
    assert board.pods[1].curve is None and board.pods[2].curve is None  # LSE; no profile
    assert board.peak.tolist() == [6000.0] and board.cpu[0].min() == 5000.0
