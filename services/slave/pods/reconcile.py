"""The slave's pod decisions: what the store wants here against what the runtime runs, as ops.

Like the kubelet's ``computePodActions``: one pure function reads the pods bound to this node
(desired), the runtime's sandboxes and containers (observed), restart back-off and probe
results, and returns what to do; ``executor.PodExecutor`` is the one place that does it.

- A pod that should not run here (deleted, replaced by another incarnation, finished) is
  stopped, then forgotten; a pod nothing runs any more is forgotten. A draining node starts
  nothing new; what it runs leaves through evictions, which respect disruption budgets.
- A container that exited restarts under the pod's restart policy (ALWAYS for Apps, NEVER for
  batch unless its task says otherwise) once its back-off is due; until then it is WAITING,
  reason CrashLoopBackOff. A container whose liveness probe fails is killed and then restarts
  the same way.
- When every container has ended for good the pod gets its verdict (Succeeded or Failed).
- Every other live pod has its status reported: phase, container states, Ready.
- A wanted pod nothing runs is started (exclusive and reserved CPUs first); a pod being
  deleted that nothing runs is removed from the store.
- A fenced node (cut off from the masters past its fence time, ``sigma.slave.fence``) wants
  nothing to run: what runs is stopped and nothing starts until the fence is lifted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sigma.resources.pods import finished, restart_policy, terminating
from sigma.slave.pods.backoff import Backoff
from sigma.slave.pods.probes import LIVENESS, READINESS, Key
from sigma.slave.pods.status import container_status, verdict
from sigma.slave.runtime._port import ContainerState, PodState
from sigma.v1 import meta_pb2, pod_pb2

LIVENESS_FAILED = "LivenessProbeFailed"
_FIRST = (meta_pb2.QOS_CLASS_LSE, meta_pb2.QOS_CLASS_LSR)  # their CPUs are carved out first


@dataclass(frozen=True, slots=True)
class Start:
    pod: pod_pb2.Pod


@dataclass(frozen=True, slots=True)
class Restart:
    pod: pod_pb2.Pod
    container: str


@dataclass(frozen=True, slots=True)
class Kill:
    """Stop one container (it restarts under the pod's policy afterwards)."""

    pod: pod_pb2.Pod
    container: str
    reason: str


@dataclass(frozen=True, slots=True)
class Stop:
    """Stop the whole pod and forget it; remove it from the store if it is being deleted."""

    key: str
    pod: pod_pb2.Pod | None


@dataclass(frozen=True, slots=True)
class Finish:
    """Every container ended for good: write the verdict, then forget the pod."""

    key: str
    uid: str
    exit_code: int
    containers: tuple[pod_pb2.ContainerStatus, ...]


@dataclass(frozen=True, slots=True)
class Forget:
    key: str


@dataclass(frozen=True, slots=True)
class Report:
    """Keep a live pod on its class's CPUs and its status saying what runs."""

    pod: pod_pb2.Pod
    state: PodState
    containers: tuple[pod_pb2.ContainerStatus, ...]


@dataclass(frozen=True, slots=True)
class Delete:
    pod: pod_pb2.Pod


Op = Start | Restart | Kill | Stop | Finish | Forget | Report | Delete


@dataclass(frozen=True, slots=True)
class Facts:
    now: float  # wall-clock seconds
    draining: bool = False
    busy: frozenset[str] = frozenset()  # pods being stopped or evicted in the background
    done: frozenset[str] = frozenset()  # uids of pods that ended here
    fenced: bool = False  # the node lease went unrenewed too long: nothing runs here


@dataclass(slots=True)
class Plan:
    ops: list[Op] = field(default_factory=list)
    wake_at: float | None = None  # the earliest restart still backing off

    @property
    def acted(self) -> bool:
        """Whether the plan changes what runs (so a second look may have more to say)."""
        return any(isinstance(op, Start | Restart | Finish | Forget) for op in self.ops)


def wanted(pod: pod_pb2.Pod | None, facts: Facts) -> bool:
    """The pod should run here (a draining node keeps what runs, but starts nothing new; a
    fenced node runs nothing, ``sigma.slave.fence``)."""
    return (
        not facts.fenced
        and pod is not None
        and not finished(pod)
        and not terminating(pod)
        and pod.meta.uid not in facts.done
    )


def restarts(policy: int, c: ContainerState) -> bool:
    if policy == pod_pb2.RESTART_POLICY_ALWAYS:
        return True
    return policy == pod_pb2.RESTART_POLICY_ON_FAILURE and c.exit_code != 0


def reconcile(
    desired: Mapping[str, pod_pb2.Pod],
    observed: Mapping[str, PodState],
    facts: Facts,
    backoff: Backoff,
    passing: Callable[[Key], bool],
) -> Plan:
    plan = Plan()
    ends: list[Op] = []
    reports: list[Op] = []
    for key, st in observed.items():
        if key in facts.busy:
            continue
        pod = desired.get(key)
        if not wanted(pod, facts) or pod is None or pod.meta.uid != st.uid:
            ends.append(Stop(key, pod) if st.running else Forget(key))
            continue
        _containers(pod, st, facts, backoff, passing, plan, ends, reports)
    starts = [
        Start(pod)
        for key, pod in desired.items()
        if key not in observed
        and key not in facts.busy
        and wanted(pod, facts)
        and not facts.draining
    ]
    starts.sort(key=lambda op: (op.pod.spec.qos_class not in _FIRST, op.pod.meta.name))
    deletes = [
        Delete(pod)
        for key, pod in desired.items()
        if terminating(pod) and key not in observed and key not in facts.busy
    ]
    plan.ops = [*ends, *starts, *reports, *deletes]
    return plan


def _containers(
    pod: pod_pb2.Pod,
    st: PodState,
    facts: Facts,
    backoff: Backoff,
    passing: Callable[[Key], bool],
    plan: Plan,
    ends: list[Op],
    reports: list[Op],
) -> None:
    """Decide for each container of a wanted pod, then for the pod as a whole."""
    policy = restart_policy(pod)
    statuses, acted, pending = [], False, False
    for c in st.containers:
        if c.running:
            alive = passing((st.uid, c.name, c.attempt, LIVENESS))
            if not alive:
                ends.append(Kill(pod, c.name, LIVENESS_FAILED))
                acted = True
            ready = alive and passing((st.uid, c.name, c.attempt, READINESS))
            statuses.append(container_status(c, ready=ready, restart_due=None))
        elif not st.killed and restarts(policy, c):
            pending = True
            due = backoff.due((st.uid, c.name), c.attempt, c.started_at, c.finished_at)
            if due <= facts.now:
                ends.append(Restart(pod, c.name))
                acted = True
            else:
                plan.wake_at = due if plan.wake_at is None else min(plan.wake_at, due)
            statuses.append(container_status(c, ready=False, restart_due=due))
        else:
            statuses.append(container_status(c, ready=False, restart_due=None))
    if not st.running and not pending:
        if st.killed:
            ends.append(Forget(st.key))
        else:
            ends.append(Finish(st.key, st.uid, verdict(st.containers), tuple(statuses)))
    elif not acted:  # after a restart or a kill, the next pass reports what runs then
        reports.append(Report(pod, st, tuple(statuses)))
