"""What a job master's loop (``run``) reads and writes besides the master: the cluster view it
needs, its pacing, the error of a lost claim, and small helpers over the records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from google.protobuf.timestamp_pb2 import Timestamp

from sigma.errors import Conflict
from sigma.scheduler.batch.sizing import NodeRoom
from sigma.v1 import batch_pb2, node_pb2, pod_pb2

ENDED = (pod_pb2.POD_PHASE_SUCCEEDED, pod_pb2.POD_PHASE_FAILED, pod_pb2.POD_PHASE_EVICTED)
LOST = (node_pb2.NODE_PHASE_NOT_READY, node_pb2.NODE_PHASE_UNKNOWN)


class View(Protocol):
    """What the loop reads of the cluster (the replica's informers); records come with their
    store revision, for compare-and-swap."""

    def job(self, namespace: str, name: str) -> tuple[batch_pb2.BatchJob, int] | None: ...
    def worker_pods(self, job: batch_pb2.BatchJob) -> list[tuple[pod_pb2.Pod, int]]: ...
    def node(self, name: str) -> node_pb2.Node | None: ...
    def rooms(self) -> list[NodeRoom]: ...


@dataclass(slots=True)
class Timing:
    """How often the loop does what (seconds)."""

    tick: float = 0.05  # longest wait between passes when nothing is reported
    checkpoint: float = 1.0  # a changed task's record at most this often
    status: float = 0.5  # the job's status at most this often (at once when it ends)
    sizing: float = 1.0  # workers sized at most this often
    reattach: float = 0.5  # a broken stream is attached again after this


DONE = (
    batch_pb2.BATCH_JOB_PHASE_SUCCEEDED,
    batch_pb2.BATCH_JOB_PHASE_FAILED,
    batch_pb2.BATCH_JOB_PHASE_CANCELLED,
)


class ClaimLost(Conflict):
    """This replica's claim of a job moved on: another replica runs it now."""


def gone(pod: pod_pb2.Pod, node: node_pb2.Node | None) -> bool:
    """Whether a worker pod no longer counts as a worker: it ended, it is being deleted, or
    its node (``node``, None while unplaced) is lost."""
    return (
        pod.status.phase in ENDED
        or pod.meta.HasField("deletion_timestamp")
        or (node is not None and node.status.phase in LOST)
    )


def why(pod: pod_pb2.Pod, node: node_pb2.Node | None) -> str:
    """Why a worker pod no longer counts as a worker, for its revocation event."""
    if node is not None and node.status.phase in LOST:
        return f"its node {node.meta.name} is lost"
    if pod.meta.HasField("deletion_timestamp"):
        return "its pod is being deleted"
    reason = pod.status.reason or pod_pb2.PodPhase.Name(pod.status.phase)
    return f"its pod ended ({reason})"


def stamp(seconds: float) -> Timestamp:
    ts = Timestamp()
    ts.FromNanoseconds(int(seconds * 1e9))
    return ts
