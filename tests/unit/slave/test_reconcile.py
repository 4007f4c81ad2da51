"""The slave's pod decisions, table by table: what runs here against what should, as ops."""

from __future__ import annotations

import pytest

from sigma.slave.pods import reconcile as R
from sigma.slave.pods.backoff import Backoff
from sigma.slave.pods.probes import LIVENESS, READINESS, Key
from sigma.slave.runtime._port import ContainerState, PodState
from sigma.v1 import meta_pb2, pod_pb2

LSE, LS, BE = meta_pb2.QOS_CLASS_LSE, meta_pb2.QOS_CLASS_LS, meta_pb2.QOS_CLASS_BE
ALWAYS, ON_FAILURE, NEVER = (
    pod_pb2.RESTART_POLICY_ALWAYS,
    pod_pb2.RESTART_POLICY_ON_FAILURE,
    pod_pb2.RESTART_POLICY_NEVER,
)
NOW = 1000.0


def pod(name: str, *, qos: int = LS, app: bool = True, policy: int = 0, containers: int = 1):
    p = pod_pb2.Pod()
    p.meta.namespace, p.meta.name, p.meta.uid = "team", name, f"u-{name}"
    p.spec.node_name, p.spec.qos_class = "n1", qos  # type: ignore[assignment]
    p.spec.owner_kind = pod_pb2.POD_OWNER_KIND_APP if app else pod_pb2.POD_OWNER_KIND_BATCH_JOB  # type: ignore[assignment]
    p.spec.template.restart_policy = policy  # type: ignore[assignment]
    for i in range(containers):
        p.spec.template.containers.add(name=f"c{i}", command=["run"])
    p.status.phase = pod_pb2.POD_PHASE_RUNNING
    return p


def state(p: pod_pb2.Pod, *exits: int | None, killed: bool = False) -> PodState:
    """The runtime's view of ``p``: container i exited with exits[i] (None: running)."""
    containers = [
        ContainerState(
            c.name,
            started_at=NOW - 5,
            exit_code=exits[i] if i < len(exits) else None,
            finished_at=NOW - 1 if i < len(exits) and exits[i] is not None else 0.0,
        )
        for i, c in enumerate(p.spec.template.containers)
    ]
    return PodState(
        f"team/{p.meta.name}", p.meta.uid, p.spec.qos_class, frozenset(), containers, killed=killed
    )


def plan(pods, states, *, failing: set[Key] = frozenset(), backoff=None, **facts):  # type: ignore[no-untyped-def]
    desired = {f"team/{p.meta.name}": p for p in pods}
    observed = {s.key: s for s in states}
    f = R.Facts(NOW, **facts)
    return R.reconcile(desired, observed, f, backoff or Backoff(), lambda k: k not in failing)


def kinds(p: R.Plan) -> list[str]:
    return [type(op).__name__ for op in p.ops]


def test_a_wanted_pod_nothing_runs_is_started_exclusive_cpus_first() -> None:
    got = plan([pod("b-shared"), pod("a-batch", qos=BE), pod("z-exclusive", qos=LSE)], [])
    assert [op.pod.meta.name for op in got.ops] == ["z-exclusive", "a-batch", "b-shared"]


def test_a_draining_node_starts_nothing_but_keeps_what_runs() -> None:
    web, new = pod("web"), pod("new")
    got = plan([web, new], [state(web)], draining=True)
    assert kinds(got) == ["Report"]


@pytest.mark.parametrize(
    ("policy", "app", "code", "restarts"),
    [
        (0, True, 0, True),  # an App's default: ALWAYS, even after a clean exit
        (0, True, 137, True),
        (0, False, 1, False),  # a batch pod's default: NEVER (its job retries with a new pod)
        (ON_FAILURE, False, 1, True),
        (ON_FAILURE, False, 0, False),
        (NEVER, False, 0, False),
    ],
)
def test_an_exited_container_restarts_under_its_pods_policy(
    policy: int, app: bool, code: int, restarts: bool
) -> None:
    p = pod("web", app=app, policy=policy)
    backoff = Backoff()
    backoff.due(("u-web", "c0"), 0, NOW - 5, NOW - 1)  # due at NOW: the first back-off passed
    got = plan([p], [state(p, code)], backoff=backoff)
    if restarts:
        assert kinds(got) == ["Restart"] and got.ops[0].container == "c0"
    else:
        assert kinds(got) == ["Finish"]
        assert got.ops[0].exit_code == code


def test_a_crashed_container_waits_out_its_back_off_as_a_crash_loop() -> None:
    p = pod("web")
    got = plan([p], [state(p, 3)])  # exited a second ago, its back-off is 1 s: due at NOW
    assert kinds(got) == ["Restart"]
    backoff = Backoff()
    backoff.due(("u-web", "c0"), 0, NOW - 100, NOW - 99)
    backoff.due(("u-web", "c0"), 1, NOW - 5, NOW - 1)  # second crash: 2 s, due at NOW + 1
    p2 = pod("web")
    st = state(p2, 3)
    st.containers[0].attempt = 1
    got = plan([p2], [st], backoff=backoff)
    assert kinds(got) == ["Report"] and got.wake_at == NOW + 1
    [waiting] = got.ops[0].containers
    assert (waiting.state, waiting.reason) == (pod_pb2.CONTAINER_STATE_WAITING, "CrashLoopBackOff")
    assert waiting.last_termination.exit_code == 3 and not waiting.ready


def test_one_container_ended_for_good_while_its_sibling_runs() -> None:
    p = pod("job", app=False, containers=2)
    got = plan([p], [state(p, 0, None)])
    assert kinds(got) == ["Report"]
    ended, running = got.ops[0].containers
    assert ended.state == pod_pb2.CONTAINER_STATE_TERMINATED and ended.reason == "Completed"
    assert running.state == pod_pb2.CONTAINER_STATE_RUNNING
    got = plan([p], [state(p, 0, 2)])
    assert kinds(got) == ["Finish"] and got.ops[0].exit_code == 2


def test_a_failing_liveness_probe_kills_and_readiness_only_unreadies() -> None:
    p = pod("web")
    got = plan([p], [state(p)], failing={("u-web", "c0", 0, LIVENESS)})
    assert kinds(got) == ["Kill"] and got.ops[0].reason == "LivenessProbeFailed"
    got = plan([p], [state(p)], failing={("u-web", "c0", 0, READINESS)})
    assert kinds(got) == ["Report"] and not got.ops[0].containers[0].ready
    assert plan([p], [state(p)]).ops[0].containers[0].ready


def test_what_should_not_run_here_is_stopped_and_what_ended_forgotten() -> None:
    deleted, replaced, gone = pod("deleted"), pod("replaced"), pod("gone")
    deleted.meta.deletion_timestamp.seconds = 1
    other = pod("replaced")
    other.meta.uid = "u-new-incarnation"
    stopped = state(gone, 137, killed=True)
    got = plan([deleted, other], [state(deleted), state(replaced), stopped])
    assert [(type(op).__name__, op.key) for op in got.ops] == [
        ("Stop", "team/deleted"),
        ("Stop", "team/replaced"),
        ("Forget", "team/gone"),
    ]


def test_pods_busy_stopping_are_left_alone_and_deleted_ones_removed_once_stopped() -> None:
    deleted = pod("deleted")
    deleted.meta.deletion_timestamp.seconds = 1
    web = pod("web")
    got = plan([deleted, web], [state(web)], busy=frozenset({"team/web", "team/deleted"}))
    assert kinds(got) == []
    got = plan([deleted], [])
    assert kinds(got) == ["Delete"]


def test_a_pod_that_ended_here_is_not_started_again_before_the_store_says_so() -> None:
    p = pod("job", app=False)
    assert kinds(plan([p], [], done=frozenset({"u-job"}))) == []
