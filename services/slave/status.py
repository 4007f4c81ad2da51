"""Pod status changes the slave makes, as pure functions for a read-modify-CAS loop.

Each returns a ``change(pod) -> bool`` for ``ControlPlane.update_pod``: it edits the pod and
returns True, or returns False to write nothing: when the stored pod is another incarnation
(uid differs), when it already reached a terminal phase (the first verdict stands), or when
the status already says what it would write (so a level-triggered loop does not write twice).
"""

from __future__ import annotations

from collections.abc import Callable

from sigma.v1 import pod_pb2

TERMINAL = frozenset(
    {pod_pb2.POD_PHASE_SUCCEEDED, pod_pb2.POD_PHASE_FAILED, pod_pb2.POD_PHASE_EVICTED}
)
Change = Callable[[pod_pb2.Pod], bool]


def running(uid: str, node: str, cpuset: str, started_ns: int) -> Change:
    def change(pod: pod_pb2.Pod) -> bool:
        st = pod.status
        if pod.meta.uid != uid or st.phase in TERMINAL:
            return False
        if st.phase == pod_pb2.POD_PHASE_RUNNING and st.cpuset == cpuset and st.node_name == node:
            return False
        st.phase = pod_pb2.POD_PHASE_RUNNING
        st.node_name = node
        st.cpuset = cpuset
        st.reason = ""
        st.message = ""
        if not st.start_time.seconds:
            st.start_time.FromNanoseconds(started_ns)
        return True

    return change


def finished(uid: str, exit_code: int, at_ns: int) -> Change:
    """Succeeded on exit 0, else Failed with the exit code."""
    ok = exit_code == 0
    return _terminal(
        uid,
        pod_pb2.POD_PHASE_SUCCEEDED if ok else pod_pb2.POD_PHASE_FAILED,
        "Completed" if ok else "Error",
        "" if ok else f"exited with status {exit_code}",
        exit_code,
        at_ns,
    )


def evicted(uid: str, reason: str, message: str, at_ns: int) -> Change:
    return _terminal(uid, pod_pb2.POD_PHASE_EVICTED, reason, message, 0, at_ns)


def failed_to_start(uid: str, message: str, at_ns: int) -> Change:
    return _terminal(uid, pod_pb2.POD_PHASE_FAILED, "StartError", message, 0, at_ns)


def _terminal(uid: str, phase: int, reason: str, message: str, code: int, at_ns: int) -> Change:
    def change(pod: pod_pb2.Pod) -> bool:
        st = pod.status
        if pod.meta.uid != uid or st.phase in TERMINAL:
            return False
        st.phase = phase  # type: ignore[assignment]
        st.reason = reason
        st.message = message
        st.exit_code = code
        st.finish_time.FromNanoseconds(at_ns)
        return True

    return change
