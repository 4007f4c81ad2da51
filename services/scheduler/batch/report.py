"""What a job master shows: per-task figures, and the job's status as the API carries it."""

from __future__ import annotations

from dataclasses import dataclass

from sigma.scheduler.batch.master import JobMaster, Phase
from sigma.v1 import batch_pb2

# A job's phase is kept in the tasks' enum; the proto numbers jobs' phases apart.
JOB_PHASE = {
    Phase.PENDING: batch_pb2.BATCH_JOB_PHASE_PENDING,
    Phase.RUNNING: batch_pb2.BATCH_JOB_PHASE_RUNNING,
    Phase.SUCCEEDED: batch_pb2.BATCH_JOB_PHASE_SUCCEEDED,
    Phase.FAILED: batch_pb2.BATCH_JOB_PHASE_FAILED,
    Phase.CANCELLED: batch_pb2.BATCH_JOB_PHASE_CANCELLED,
}


@dataclass(frozen=True, slots=True)
class TaskProgress:
    """One task's figures, what its status and the change stream carry."""

    name: str
    phase: Phase
    total: int
    pending: int
    running: int
    done: int
    failed: int
    retries: int
    workers: int  # workers holding one of its instances now


def progress(master: JobMaster) -> list[TaskProgress]:
    books = master.ledger
    holders = [0] * len(books.n)
    for w in master.workers.values():
        for t in {books.task_of(k) for k in w.held}:
            holders[t] += 1
    return [
        TaskProgress(
            task.name,
            master.phase[t],
            books.n[t],
            books.left(t) - books.running[t],
            books.running[t],
            books.done[t],
            books.failed[t],
            books.retries[t],
            holders[t],
        )
        for t, task in enumerate(master.spec.tasks)
    ]


def status(master: JobMaster) -> batch_pb2.BatchJobStatus:
    """The job's status as the API shows it (times are the caller's to stamp)."""
    out = batch_pb2.BatchJobStatus(phase=JOB_PHASE[master.job_phase], message=master.message)
    for p in progress(master):
        out.tasks.add(
            name=p.name,
            phase=int(p.phase),
            pending=p.pending,
            running=p.running,
            succeeded=p.done,
            failed=p.failed,
            retries=p.retries,
            total=p.total,
            workers=p.workers,
        )
    out.workers = len(master.workers)
    return out
