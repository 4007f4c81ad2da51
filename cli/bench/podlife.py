"""``sigma bench pod-life``: what one batch pod's life costs the store alone, the replay's floor.

Every batch pod of a replay is written five times (created by its job's task worker, bound by
the scheduler, Running and then Succeeded by its node, deleted by the GC) and every write is
decoded by each pod informer of the process: the scheduler's, the controllers', the
colocator's and the fleet's, four in ``sigma sim``. This benchmark makes exactly those writes
for ``--pods`` pods stamped as the apiserver stamps them, with 0, 1 and 4 informers watching
(no handler: only the store, the codec and the caches), and prints the time per pod life, with
each run's ratio to the run without informers measured in the same process.

Multiplied by the pods a replay starts, it is the least wall time the replay can take before
any scheduling, controller or fleet work: the number to hold a speed target against.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid

from sigma.apiserver.tasks.pods import batch_pod
from sigma.cli.bench import emit
from sigma.resources import POD, Repository
from sigma.slave.pods import status
from sigma.slave.runtime.simulated import DURATION_LABEL
from sigma.store.informer import Informer
from sigma.store.memory import MemoryStore
from sigma.v1 import batch_pb2, meta_pb2, pod_pb2

INFORMERS = (0, 1, 4)
WRITES = 5  # create, bind, Running, Succeeded, delete
NODE = "m-1932"


def _bind(pod: pod_pb2.Pod) -> bool:
    pod.spec.node_name = NODE
    return True


def _job() -> batch_pb2.BatchJob:
    """A job as the replay submits one (see ``sigma.cli.sim.workload.job_object``)."""
    job = batch_pb2.BatchJob()
    job.meta.namespace, job.meta.name, job.meta.uid = "default", "j-1234567", "uid-j-1234567"
    job.spec.qos_class, job.spec.priority = meta_pb2.QOS_CLASS_BE, 10
    task = job.spec.tasks.add(name="m3-1-2", instances=1000)
    task.template.labels[DURATION_LABEL] = "134"
    c = task.template.containers.add(name="main", command=["work"])
    c.resources.requests.cpu_millis, c.resources.requests.memory_bytes = 15_330, 2_147_483_648
    return job


async def pod_lives(pods: int, informers: int) -> float:
    """Seconds for ``pods`` pod lives with ``informers`` informers caught up at the end."""
    store = MemoryStore()
    watching = [Informer(store, POD.prefix, pod_pb2.Pod) for _ in range(informers)]
    tasks = [asyncio.ensure_future(i.run()) for i in watching]
    for informer in watching:
        await informer.wait_synced()
    repo = Repository(store, POD)
    first = await store.revision()
    job = _job()
    task = job.spec.tasks[0]
    began = time.perf_counter()
    for i in range(pods):
        pod = batch_pod(job, task, i, 0)
        name = pod.meta.name
        uid = pod.meta.uid = str(uuid.UUID(int=i))
        await repo.create(pod)
        for change in (_bind, status.running(uid, NODE, "", 1), status.finished(uid, 0, 2)):
            await repo.mutate("default", name, change)
        await repo.delete("default", name)
        if i % 100 == 99:
            await asyncio.sleep(0)  # let the watchers run, as the replay's loop does
    revision = await store.revision()
    if revision - first != WRITES * pods:
        raise RuntimeError(f"{revision - first} writes for {pods} pods, not {WRITES} each")
    # Yield until every cache has caught up: an event would need a handler, and handlers are
    # the consumers' work, not the floor's.
    while any(i.revision < revision for i in watching):  # noqa: ASYNC110
        await asyncio.sleep(0)
    took = time.perf_counter() - began
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await store.close()
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sigma bench pod-life", description=__doc__)
    parser.add_argument("--pods", type=int, default=20_000)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args(argv)
    if args.pods < 1:
        parser.error(f"--pods: {args.pods} is below 1")
    base = None
    for informers in INFORMERS:
        took = asyncio.run(pod_lives(args.pods, informers))
        base = base or took
        result = {
            "bench": "pod-life",
            "informers": informers,
            "pods": args.pods,
            "us_per_pod": round(took / args.pods * 1e6, 1),
            "pods_per_s": round(args.pods / took),
            "x_without_informers": round(took / base, 2),
        }
        emit(result, as_json=args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
