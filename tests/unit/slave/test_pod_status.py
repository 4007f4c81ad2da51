"""The status the slave writes: containers' states, the pod's reason, Ready, written once."""

from __future__ import annotations

from sigma.slave.pods import status
from sigma.slave.runtime._port import ContainerState
from sigma.v1 import meta_pb2, pod_pb2

RUN, WAIT, DONE = (
    pod_pb2.CONTAINER_STATE_RUNNING,
    pod_pb2.CONTAINER_STATE_WAITING,
    pod_pb2.CONTAINER_STATE_TERMINATED,
)


def test_a_restarted_container_shows_how_its_last_run_ended() -> None:
    crashed = ContainerState("main", 0, started_at=10.0, exit_code=137, signal=9, finished_at=20.0)
    again = crashed.next_run()
    again.started_at = 21.0
    s = status.container_status(again, ready=True, restart_due=None)
    assert (s.state, s.ready, s.restart_count) == (RUN, True, 1)
    t = s.last_termination
    assert (t.exit_code, t.signal, t.reason, t.message) == (137, 9, "Killed", "killed by signal 9")
    assert t.finished_at.seconds == 20 and s.started_at.seconds == 21


def test_waiting_and_terminated_containers() -> None:
    ended = ContainerState("main", 2, started_at=10.0, exit_code=1, finished_at=11.0)
    waiting = status.container_status(ended, ready=False, restart_due=15.0)
    assert (waiting.state, waiting.reason) == (WAIT, "CrashLoopBackOff")
    assert waiting.message == "back-off 4s restarting failed container main"
    assert waiting.next_restart_at.seconds == 15 and waiting.restart_count == 2
    done = status.container_status(ended, ready=False, restart_due=None)
    assert (done.state, done.reason, done.last_termination.reason) == (DONE, "Error", "Error")
    liveness = ContainerState("main", exit_code=137, killed=True, reason="LivenessProbeFailed")
    s = status.container_status(liveness, ready=False, restart_due=None)
    assert s.last_termination.reason == "LivenessProbeFailed"


def _pod() -> pod_pb2.Pod:
    p = pod_pb2.Pod()
    p.meta.uid = "u1"
    p.status.phase = pod_pb2.POD_PHASE_SCHEDULED
    return p


def test_observed_writes_running_ready_and_restarts_once_then_nothing() -> None:
    again = ContainerState("main", 0, started_at=1.0, exit_code=3, finished_at=2.0).next_run()
    c = status.container_status(again, ready=True, restart_due=None)
    seen = status.Observed("n1", "0-3", 1.0, [c], now=5.0)
    p = _pod()
    assert status.observed("u1", seen)(p)
    st = p.status
    assert (st.phase, st.node_name, st.cpuset, st.restart_count, st.exit_code) == (
        pod_pb2.POD_PHASE_RUNNING,
        "n1",
        "0-3",
        1,
        3,
    )
    [ready] = [x for x in st.conditions if x.type == "Ready"]
    assert (
        ready.status == meta_pb2.CONDITION_STATUS_TRUE and ready.last_transition_time.seconds == 5
    )
    later = status.Observed("n1", "0-3", 1.0, [c], now=9.0)
    assert not status.observed("u1", later)(p)  # nothing new: no write, no new transition time
    assert not status.observed("other-uid", later)(_pod())


def test_a_crash_loop_is_the_pods_reason_and_it_is_not_ready() -> None:
    ended = ContainerState("main", 1, started_at=1.0, exit_code=1, finished_at=2.0)
    c = status.container_status(ended, ready=False, restart_due=4.0)
    p = _pod()
    status.observed("u1", status.Observed("n1", "", 1.0, [c], now=3.0))(p)
    assert (p.status.reason, p.status.message) == ("CrashLoopBackOff", c.message)
    assert [x.status for x in p.status.conditions] == [meta_pb2.CONDITION_STATUS_FALSE]


def test_a_stopping_pod_keeps_why_it_is_stopped() -> None:
    p = _pod()
    p.meta.deletion_timestamp.seconds = 1
    p.status.reason, p.status.message = "NodeDrain", "evicted: NodeDrain"
    c = status.container_status(
        ContainerState("main", started_at=1.0), ready=True, restart_due=None
    )
    status.observed("u1", status.Observed("n1", "", 1.0, [c], now=3.0))(p)
    assert p.status.reason == "NodeDrain"


def test_a_verdict_names_the_failing_container() -> None:
    ok = status.container_status(ContainerState("a", exit_code=0), ready=False, restart_due=None)
    bad = status.container_status(ContainerState("b", exit_code=2), ready=False, restart_due=None)
    p = _pod()
    assert status.finished("u1", 2, 10**9, [ok, bad])(p)
    assert (p.status.phase, p.status.reason, p.status.message) == (
        pod_pb2.POD_PHASE_FAILED,
        "Error",
        "exited with status 2",
    )
    assert len(p.status.container_statuses) == 2
    assert not status.finished("u1", 0, 10**9)(p)  # the first verdict stands
