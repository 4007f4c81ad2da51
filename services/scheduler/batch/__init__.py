"""Batch the Fuxi way: a job master per BatchJob dispatches its instances onto leased workers.

It lives in the scheduler tier, beside online scheduling, as the seeds have it: the two
schedulers run in parallel on the same machines, the online half placing pods, this half
running a job's short instances inside worker pods (BE, sized to the colocator's batch room)
that the online half places like any pod. The parts here are pure (no I/O, no clock) so the
tier's loop, the replay and ``sigma bench batch`` drive the same code:

- ``spec``: what a master needs of a BatchJob (tasks in dependency order);
- ``ledger``: every instance's state in a few bytes, the queue, the counts per task;
- ``master``: the JobMaster, events in and dispatches out, dependencies, retries,
  blacklisting, at-least-once delivery with exactly-once accounting;
- ``report``: per-task figures and the job's status for the API;
- ``checkpoint``: per-task progress records at a bounded rate, and the resume from them;
- ``sizing``: how many workers of what size per node, from the room and the backlog.

The live path around them does I/O and only carries events and actions:

- ``masters``: the replica's batch half, claiming jobs with leases and running one loop each;
- ``run``: one job's loop (resume, worker pods, streams, checkpoints, status, events);
- ``links``: the master's end of a worker's stream to its node's agent;
- ``workers``, ``records``: worker pods and rooms from records; the loop's view and pacing.
"""

from sigma.scheduler.batch.checkpoint import Checkpointer, load, resume, save
from sigma.scheduler.batch.ledger import Ledger, Restored
from sigma.scheduler.batch.master import Dispatch, JobMaster, Phase
from sigma.scheduler.batch.report import TaskProgress, progress, status
from sigma.scheduler.batch.sizing import HeldWorker, NodeRoom, Sizing, for_master, size_workers
from sigma.scheduler.batch.spec import JobSpec, TaskSpec

__all__ = [
    "Checkpointer",
    "Dispatch",
    "HeldWorker",
    "JobMaster",
    "JobSpec",
    "Ledger",
    "NodeRoom",
    "Phase",
    "Restored",
    "Sizing",
    "TaskProgress",
    "TaskSpec",
    "for_master",
    "load",
    "progress",
    "resume",
    "save",
    "size_workers",
    "status",
]
