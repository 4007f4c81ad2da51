"""Batch the Fuxi way: a job master per BatchJob dispatches its instances onto leased workers.

It lives in the scheduler tier, beside online scheduling, as the seeds have it: the two
schedulers run in parallel on the same machines, the online half placing pods, this half
running a job's short instances inside worker pods (BE, sized to the colocator's batch room)
that the online half places like any pod. The parts here are pure (no I/O, no clock) so the
tier's loop, the replay and ``sigma bench batch`` drive the same code:

- ``spec``: what a master needs of a BatchJob (tasks in dependency order);
- ``master``: the JobMaster, instance state in a few bytes per instance, events in and
  dispatches out, retries, blacklisting, at-least-once delivery with exactly-once accounting;
- ``checkpoint``: per-task progress records at a bounded rate, and the resume from them;
- ``sizing``: how many workers of what size per node, from the room and the backlog.
"""

from sigma.scheduler.batch.checkpoint import Checkpointer, load, resume, save
from sigma.scheduler.batch.master import Dispatch, JobMaster, Phase, Restored, TaskProgress
from sigma.scheduler.batch.sizing import HeldWorker, NodeRoom, Sizing, size_workers
from sigma.scheduler.batch.spec import JobSpec, TaskSpec

__all__ = [
    "Checkpointer",
    "Dispatch",
    "HeldWorker",
    "JobMaster",
    "JobSpec",
    "NodeRoom",
    "Phase",
    "Restored",
    "Sizing",
    "TaskProgress",
    "TaskSpec",
    "load",
    "resume",
    "save",
    "size_workers",
]
