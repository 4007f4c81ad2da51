"""Probe results: thresholds, defaults, and which containers are probed."""

from __future__ import annotations

from google.protobuf.duration_pb2 import Duration

from sigma.slave.pods import probes
from sigma.slave.runtime._port import ContainerState, PodState
from sigma.v1 import meta_pb2, pod_pb2


def _spec(success: int = 0, failure: int = 0) -> probes.Spec:
    probe = pod_pb2.Probe(exec=pod_pb2.ExecAction(command=["true"]))
    probe.success_threshold, probe.failure_threshold = success, failure
    return probes.spec_of(probe)


def test_defaults_are_the_kubelets() -> None:
    s = _spec()
    assert (s.initial_delay, s.period, s.timeout, s.success_threshold, s.failure_threshold) == (
        0.0,
        10.0,
        1.0,
        1,
        3,
    )
    probe = pod_pb2.Probe(tcp_socket=pod_pb2.TCPSocketAction(port=80))
    probe.period.CopyFrom(Duration(nanos=500_000_000))
    assert probes.spec_of(probe).period == 0.5


def test_readiness_starts_failing_and_liveness_passing() -> None:
    assert not probes.initial(probes.READINESS).ok
    assert probes.initial(probes.LIVENESS).ok


def test_a_result_flips_only_after_its_threshold_in_a_row() -> None:
    spec = _spec(success=2, failure=3)
    r = probes.initial(probes.LIVENESS)
    outcomes = [False, False, True, False, False, False, True, True]
    seen = []
    for passed in outcomes:
        r = probes.step(r, passed, spec)
        seen.append(r.ok)
    # Two failures then a success: the streak breaks. Three in a row fail it; two successes
    # in a row bring it back.
    assert seen == [True, True, True, True, True, False, False, True]


def _pod(probe_kind: str | None) -> pod_pb2.Pod:
    pod = pod_pb2.Pod()
    pod.meta.namespace, pod.meta.name, pod.meta.uid = "team", "web-0", "u1"
    pod.spec.qos_class = meta_pb2.QOS_CLASS_LS
    c = pod.spec.template.containers.add(name="main", command=["serve"])
    pod.spec.template.containers.add(name="side", command=["log"])
    if probe_kind:
        getattr(c, probe_kind).tcp_socket.port = 8080
    return pod


def test_only_running_containers_with_a_probe_are_probed_per_run() -> None:
    pod = _pod("readiness_probe")
    state = PodState(
        "team/web-0",
        "u1",
        meta_pb2.QOS_CLASS_LS,
        frozenset(),
        [ContainerState("main", attempt=2), ContainerState("side")],
    )
    got = probes.targets({"team/web-0": pod}, {"team/web-0": state})
    assert list(got) == [("u1", "main", 2, probes.READINESS)]
    state.containers[0].exit_code = 1  # exited: nothing to probe until it restarts
    assert probes.targets({"team/web-0": pod}, {"team/web-0": state}) == {}
    pod.meta.deletion_timestamp.seconds = 1  # being stopped: no more probing
    state.containers[0].exit_code = None
    assert probes.targets({"team/web-0": pod}, {"team/web-0": state}) == {}
