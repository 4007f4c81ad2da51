"""Pod status the slave writes, as pure functions for a read-modify-CAS loop.

Each ``Change`` edits the pod and returns True, or returns False to write nothing: when the
stored pod is another incarnation (uid differs), when it already reached a terminal phase (the
first verdict stands), or when the status already says what it would write (so a
level-triggered loop does not write twice). ``container_statuses`` turns what the runtime
holds into the per-container part, from which the pod's own reason, restart count and Ready
condition follow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sigma.resources.pods import READY, TERMINAL
from sigma.slave.runtime._port import ContainerState
from sigma.v1 import meta_pb2, pod_pb2

Change = Callable[[pod_pb2.Pod], bool]
CRASH_LOOP = "CrashLoopBackOff"
S = pod_pb2


def _ns(seconds: float) -> int:
    return int(seconds * 1e9)


def termination(c: ContainerState) -> pod_pb2.ContainerTermination:
    """How run ``c`` ended (it has ended)."""
    code = c.exit_code or 0
    if c.reason:
        reason = c.reason
    elif c.oom_killed:
        reason = "OOMKilled"
    elif c.signal:
        reason = "Killed"
    else:
        reason = "Completed" if code == 0 else "Error"
    message = f"killed by signal {c.signal}" if c.signal else f"exited with status {code}"
    out = pod_pb2.ContainerTermination(
        exit_code=code, signal=c.signal, reason=reason, message=message
    )
    out.started_at.FromNanoseconds(_ns(c.started_at))
    out.finished_at.FromNanoseconds(_ns(c.finished_at))
    return out


def container_status(
    c: ContainerState, *, ready: bool, restart_due: float | None
) -> pod_pb2.ContainerStatus:
    """One container's status: running, waiting out a back-off (``restart_due`` set), or
    terminated for good."""
    out = pod_pb2.ContainerStatus(name=c.name, restart_count=c.attempt)
    out.started_at.FromNanoseconds(_ns(c.started_at))
    ended = c if not c.running else c.previous
    if ended is not None:
        out.last_termination.CopyFrom(termination(ended))
    if c.running:
        out.state, out.ready = S.CONTAINER_STATE_RUNNING, ready
    elif restart_due is not None:
        out.state, out.reason = S.CONTAINER_STATE_WAITING, CRASH_LOOP
        wait = max(0.0, restart_due - c.finished_at)
        out.message = f"back-off {wait:g}s restarting failed container {c.name}"
        out.next_restart_at.FromNanoseconds(_ns(restart_due))
    else:
        out.state, out.reason = S.CONTAINER_STATE_TERMINATED, out.last_termination.reason
        out.message = out.last_termination.message
    return out


@dataclass(frozen=True, slots=True)
class Observed:
    """A live pod as its node sees it: where it runs and how its containers are."""

    node: str
    cpuset: str
    started_at: float  # wall seconds: when the sandbox was made
    containers: Sequence[pod_pb2.ContainerStatus]
    now: float  # wall seconds: the time a Ready transition is stamped with

    @property
    def ready(self) -> bool:
        return bool(self.containers) and all(c.ready for c in self.containers)


def observed(uid: str, seen: Observed) -> Change:
    """RUNNING on ``seen.node`` with its containers' statuses, Ready as they are."""

    def change(pod: pod_pb2.Pod) -> bool:
        st = pod.status
        if pod.meta.uid != uid or st.phase in TERMINAL:
            return False
        before = pod_pb2.PodStatus()
        before.CopyFrom(st)
        st.phase, st.node_name, st.cpuset = S.POD_PHASE_RUNNING, seen.node, seen.cpuset
        del st.container_statuses[:]
        st.container_statuses.extend(seen.containers)
        st.restart_count = sum(c.restart_count for c in seen.containers)
        looping = [c for c in seen.containers if c.reason == CRASH_LOOP]
        if not pod.meta.HasField("deletion_timestamp"):  # keep why it is being stopped
            st.reason = CRASH_LOOP if looping else ""
            st.message = looping[0].message if looping else ""
        ended = [c.last_termination for c in seen.containers if c.HasField("last_termination")]
        st.exit_code = (
            max(ended, key=lambda t: t.finished_at.ToNanoseconds()).exit_code if ended else 0
        )
        if not st.start_time.seconds:
            st.start_time.FromNanoseconds(_ns(seen.started_at))
        _set_ready(st, seen.ready, seen.now)
        return st != before

    return change


def _set_ready(st: pod_pb2.PodStatus, ready: bool, now: float) -> None:
    value = meta_pb2.CONDITION_STATUS_TRUE if ready else meta_pb2.CONDITION_STATUS_FALSE
    reason = "" if ready else "ContainersNotReady"
    for c in st.conditions:
        if c.type == READY:
            if c.status != value:
                c.status, c.reason = value, reason  # type: ignore[assignment]
                c.last_transition_time.FromNanoseconds(_ns(now))
            return
    cond = st.conditions.add(type=READY, status=value, reason=reason)
    cond.last_transition_time.FromNanoseconds(_ns(now))


def running(uid: str, node: str, cpuset: str, started_ns: int) -> Change:
    """RUNNING on ``node`` (a pod with no container detail: the replay's virtual fleet)."""

    def change(pod: pod_pb2.Pod) -> bool:
        st = pod.status
        if pod.meta.uid != uid or st.phase in TERMINAL:
            return False
        if st.phase == S.POD_PHASE_RUNNING and st.cpuset == cpuset and st.node_name == node:
            return False
        st.phase = S.POD_PHASE_RUNNING
        st.node_name = node
        st.cpuset = cpuset
        st.reason = ""
        st.message = ""
        if not st.start_time.seconds:
            st.start_time.FromNanoseconds(started_ns)
        return True

    return change


def finished(
    uid: str,
    exit_code: int,
    at_ns: int,
    containers: Sequence[pod_pb2.ContainerStatus] = (),
) -> Change:
    """Succeeded when every container exited 0, else Failed with the first failing status."""
    ok = exit_code == 0
    failing = next((c.last_termination for c in containers if c.last_termination.exit_code), None)
    reason = "Completed" if ok else (failing.reason if failing else "Error")
    return _terminal(
        uid,
        S.POD_PHASE_SUCCEEDED if ok else S.POD_PHASE_FAILED,
        reason,
        "" if ok else (failing.message if failing else f"exited with status {exit_code}"),
        exit_code,
        at_ns,
        containers,
    )


def verdict(containers: Sequence[ContainerState]) -> int:
    """The pod's exit code once all its containers ended: the first non-zero, else 0."""
    return next((c.exit_code for c in containers if c.exit_code), 0) or 0


def evicted(uid: str, reason: str, message: str, at_ns: int) -> Change:
    return _terminal(uid, S.POD_PHASE_EVICTED, reason, message, 0, at_ns)


def failed_to_start(uid: str, message: str, at_ns: int) -> Change:
    return _terminal(uid, S.POD_PHASE_FAILED, "StartError", message, 0, at_ns)


def _terminal(
    uid: str,
    phase: int,
    reason: str,
    message: str,
    code: int,
    at_ns: int,
    containers: Sequence[pod_pb2.ContainerStatus] = (),
) -> Change:
    def change(pod: pod_pb2.Pod) -> bool:
        st = pod.status
        if pod.meta.uid != uid or st.phase in TERMINAL:
            return False
        st.phase = phase  # type: ignore[assignment]
        st.reason = reason
        st.message = message
        st.exit_code = code
        st.finish_time.FromNanoseconds(at_ns)
        if containers:
            del st.container_statuses[:]
            st.container_statuses.extend(containers)
        _set_ready(st, False, at_ns / 1e9)
        return True

    return change


def readiness(statuses: Mapping[str, bool], name: str) -> bool:
    """A container with no readiness result yet (no probe) is ready once it runs."""
    return statuses.get(name, True)
