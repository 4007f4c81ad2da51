"""Batch in the replay the Fuxi way: a job master per job, its instances run on worker pods.

Each submitted job gets a ``JobMaster`` (``sigma.scheduler.batch``) on the virtual clock. Every
``size_s`` the pool sizes the masters' workers (``size_workers``) from the batch room per node:
the node's batch capacity (written by the colocator, or by requests in the static modes) less
the workers already there. A new worker is a BE pod of ``slots`` instance-sized shares, pinned
to the node its sizing chose by a node selector and placed by the real scheduler like any pod;
the fleet starts it, and the pool grants it to its master, which dispatches instances onto
it. An instance runs for its task's duration from the trace, then its slot takes the next one.
A worker evicted or preempted (the fleet saw its pod deleted) is revoked: its in-flight
instances go back to the master's queue and run again elsewhere. A job's completion time is
when its last instance ended, not when the pool next looked. Workers are released when idle
and the job has no queued work, or when the job is over.

Simplifications, said here so they are not mistaken for the tier's behaviour: a worker keeps
its size (a grow the sizing asks for becomes one more worker on that node, a shrink is left
to idleness); a worker the scheduler has not placed within ``pending_s`` is withdrawn; every
instance succeeds (failures and blacklisting are the master's own tests).
"""

from __future__ import annotations

import contextlib
import heapq
import math
from dataclasses import dataclass, field

import numpy as np

from sigma.cli.sim.fleet import WORKER_LABEL, Fleet
from sigma.cli.sim.workload import NAMESPACE, NODE_LABEL, POOL_LABEL, BatchWork, Knobs, job_object
from sigma.clock import Clock
from sigma.errors import NotFound, SigmaError
from sigma.resources import NODE, POD
from sigma.resources.repository import Repository
from sigma.scheduler.batch import HeldWorker, JobMaster, JobSpec, NodeRoom, Phase, size_workers
from sigma.scheduler.batch.master import FINAL
from sigma.scheduler.batch.sizing import slot_request
from sigma.store import Store
from sigma.store.informer import Handler, Informer
from sigma.v1 import meta_pb2, node_pb2, pod_pb2

#: Nodes offered to one job's sizing beside those it holds: the ones with the most room.
CANDIDATES = 16
#: Nodes with the most free batch CPU a sizing pass looks among (found once per pass), so a
#: pass costs the jobs plus the nodes, not the jobs times the nodes.
SHORTLIST = 256


@dataclass(slots=True)
class _Job:
    name: str
    submit: float
    warmup: bool
    master: JobMaster
    durations: tuple[float, ...]  # per task number
    slot: tuple[int, int]  # one slot's (cpu, memory)
    finish: float | None = None
    pending: set[str] = field(default_factory=set)  # its workers not started yet


@dataclass(slots=True)
class _Worker:
    key: str
    job: _Job
    node: int  # index in the pool's node arrays
    slots: int
    asked: float
    started: bool = False


class Rooms:
    """Each node's batch room as the pool sees it: the batch capacity the node's record holds
    (followed with an informer), less the requests of the workers asked for there."""

    def __init__(self, store: Store, names: list[str]) -> None:
        self.names = names
        self.index = {name: i for i, name in enumerate(names)}
        n = len(names)
        self.cap_cpu, self.cap_mem = np.zeros(n), np.zeros(n)
        self.used_cpu, self.used_mem = np.zeros(n), np.zeros(n)  # workers' requests
        self.free_cpu, self.free_mem = np.zeros(n), np.zeros(n)  # capacity less requests
        self.shortlist = np.arange(0)
        self.informer = Informer(store, NODE.prefix, node_pb2.Node)

    async def watch(self) -> None:
        """Follow the nodes' batch capacity (until cancelled)."""

        def seen(node: node_pb2.Node) -> None:
            i = self.index.get(node.meta.name)
            if i is not None:
                self.cap_cpu[i] = node.status.batch_capacity.cpu_millis
                self.cap_mem[i] = node.status.batch_capacity.memory_bytes

        await self.informer.add_handler(
            Handler(on_add=lambda k, n: seen(n), on_update=lambda k, o, n: seen(n))
        )
        await self.informer.run()

    def refresh(self) -> None:
        """Free room from the latest capacity, and the nodes with the most free CPU."""
        self.free_cpu = self.cap_cpu - self.used_cpu  # then kept up to date by ``reserve``
        self.free_mem = self.cap_mem - self.used_mem
        n = len(self.free_cpu)
        self.shortlist = (
            np.argpartition(-self.free_cpu, SHORTLIST - 1)[:SHORTLIST]
            if n > SHORTLIST
            else np.arange(n)
        )

    def reserve(self, node: int, cpu: int, mem: int) -> None:
        """A worker asked for on ``node`` (negative: one gone)."""
        self.used_cpu[node] += cpu
        self.used_mem[node] += mem
        self.free_cpu[node] -= cpu
        self.free_mem[node] -= mem


class Workers:
    """The replay's job masters and their workers (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        fleet: Fleet,
        knobs: Knobs,
        *,
        pool: str | None,
        max_slots: int = 8,
        size_s: float = 30.0,
        pending_s: float = 300.0,
    ) -> None:
        self.store, self.clock, self.fleet, self.knobs = store, clock, fleet, knobs
        self.selector = {POOL_LABEL: pool} if pool else {}
        self.max_slots, self.size_s, self.pending_s = max_slots, size_s, pending_s
        self.rooms = rooms = Rooms(store, [n.meta.name for n in fleet.nodes])
        self.names, self.index = rooms.names, rooms.index
        self.pods = Repository(store, POD, clock_ns=fleet._wall_ns)
        self.jobs: list[_Job] = []
        self.live: list[_Job] = []  # not final, or still holding workers
        self.workers: dict[str, _Worker] = {}
        self.ends: list[tuple[float, int, str, int, int]] = []  # end, seq, worker, task, index
        self.touched: set[int] = set()  # ids of jobs to dispatch for
        self.next_size = 0.0
        self.seq = 0
        self.revoked = self.instances_run = 0
        fleet.hooks = self

    # ---- jobs ---------------------------------------------------------------------------

    def submit(self, work: BatchWork, now: float) -> None:
        proto = job_object(work, pool=None, knobs=self.knobs)
        spec = JobSpec.from_proto(proto)
        hints = {t.name: float(t.duration_hint.seconds) for t in proto.spec.tasks}
        master = JobMaster(spec, blacklist_after=0)
        job = _Job(
            proto.meta.name,
            work.submit,
            work.warmup,
            master,
            tuple(hints[t.name] for t in spec.tasks),
            slot_request(master),
        )
        self.jobs.append(job)
        self.live.append(job)
        self.next_size = min(self.next_size, now)

    def records(self) -> list[tuple[str, float, float | None]]:
        """(name, submit, finish) of every job submitted in the window."""
        return [(j.name, j.submit, j.finish) for j in self.jobs if not j.warmup]

    def next_event(self) -> float:
        """When the pool next has something to do: an instance's end, or a sizing pass."""
        end = self.ends[0][0] if self.ends else math.inf
        return min(end, self.next_size) if self.live else end

    # ---- fleet hooks --------------------------------------------------------------------

    def started(self, node: str, key: str) -> None:
        w = self.workers.get(key)
        if w is None or w.started:
            return
        w.started = True
        w.job.pending.discard(key)
        w.job.master.grant(key, node, w.slots)
        self.touched.add(id(w.job))

    def stopped(self, key: str) -> None:
        """The worker's pod went without the pool releasing it: evicted or preempted."""
        w = self.workers.pop(key, None)
        if w is None:
            return
        self.rooms.reserve(w.node, -w.slots * w.job.slot[0], -w.slots * w.job.slot[1])
        w.job.pending.discard(key)
        held = w.job.master.workers.get(key)
        self.revoked += len(held.held) if held else 0
        w.job.master.revoke(key)
        self.touched.add(id(w.job))
        self.next_size = min(self.next_size, self.clock.now())

    def usage(self, key: str) -> tuple[int, int]:
        w = self.workers.get(key)
        if w is None:
            return 0, 0
        held = w.job.master.workers.get(key)
        if held is None:
            return 0, 0
        ledger, tasks = w.job.master.ledger, w.job.master.spec.tasks
        cpu = mem = 0
        for instance in held.held:  # each running instance uses its own task's request
            task = tasks[ledger.task_of(instance)]
            cpu += task.cpu_millis
            mem += task.memory_bytes
        return cpu, mem

    # ---- the loop's steps ---------------------------------------------------------------

    async def step(self, now: float) -> None:
        """Instances due end (their slots take the next), then a sizing pass when due."""
        ends = self.ends
        while ends and ends[0][0] <= now:
            end, _, key, task, index = heapq.heappop(ends)
            w = self.workers.get(key)
            if w is None:
                continue  # revoked: the instance went back to the queue
            master = w.job.master
            master.finished(key, task, index, True)
            self.instances_run += 1
            self.touched.add(id(w.job))
            if master.job_phase == Phase.SUCCEEDED and w.job.finish is None:
                w.job.finish = end
        if now >= self.next_size:
            self.next_size = now + self.size_s
            await self._size(now)

    def dispatch(self, now: float) -> None:
        """Fill the free slots of the jobs something happened to."""
        if not self.touched:
            return
        touched, self.touched = self.touched, set()
        for job in self.live:
            if id(job) not in touched:
                continue
            for d in job.master.dispatch():
                self.seq += 1
                end = now + job.durations[d.task]
                heapq.heappush(self.ends, (end, self.seq, d.worker, d.task, d.index))

    # ---- sizing -------------------------------------------------------------------------

    async def _size(self, now: float) -> None:
        live = []
        for job in self.live:
            if job.master.job_phase in FINAL:
                await self._release_all(job)  # and the job leaves the pool's books
                continue
            await self._withdraw_stuck(job, now)
            live.append(job)
        self.live = live
        self.rooms.refresh()
        shares = fair_shares(
            [j.master.backlog * j.slot[0] for j in live], float(self.rooms.cap_cpu.sum())
        )
        for job, share in zip(live, shares, strict=True):
            await self._size_job(job, max(1, int(share // max(job.slot[0], 1))), now)

    async def _size_job(self, job: _Job, most: int, now: float) -> None:
        """Size ``job``'s workers for its backlog, at most ``most`` slots (its fair share)."""
        master = job.master
        cpu, mem = job.slot
        held = [HeldWorker(w.id, w.node, w.slots, len(w.held)) for w in master.workers.values()]
        for key in job.pending:  # asked for, not started: counted as held and busy
            p = self.workers[key]
            held.append(HeldWorker(key, self.names[p.node], p.slots, p.slots))
        idle = any(h.busy < h.slots for h in held)
        if master.queued == 0 and not idle:
            return
        free_cpu, free_mem = self.rooms.free_cpu, self.rooms.free_mem
        short = self.rooms.shortlist
        fits = np.minimum(free_cpu[short] // max(cpu, 1), free_mem[short] // max(mem, 1))
        room = fits.max(initial=0) > 0
        if not room and not idle and sum(h.slots for h in held) <= most:
            return  # nothing to give it, nothing to take back
        nodes = {self.index[h.node] for h in held}
        if master.queued and room:
            k = min(CANDIDATES, len(fits))
            top = np.argpartition(-fits, k - 1)[:k]
            nodes.update(int(short[i]) for i in top if fits[i] > 0)
        rooms = [NodeRoom(self.names[i], int(free_cpu[i]), int(free_mem[i])) for i in nodes]
        sizing = size_workers(
            rooms,
            held,
            cpu_millis=cpu,
            memory_bytes=mem,
            backlog=min(master.backlog, most),
            max_slots=self.max_slots,
        )
        for key, size in sizing.resize:
            w = self.workers.get(key)
            if w is None or not w.started:
                continue
            # Within its pod's request a worker resizes in place (a shrink drains it: no new
            # instances past the new size); a grow past it is one more worker on that node.
            master.grant(key, self.names[w.node], min(size, w.slots))
            if size > w.slots:
                sizing.ask.append((self.names[w.node], size - w.slots))
        self.touched.add(id(job))
        for key in sizing.release:
            await self._release(key)
        for node, count in sizing.ask:
            await self._ask(job, self.index[node], count, now)

    async def _ask(self, job: _Job, node: int, slots: int, now: float) -> None:
        cpu, mem = job.slot
        self.seq += 1
        pod = pod_pb2.Pod()
        pod.meta.namespace = NAMESPACE
        pod.meta.name = f"w{self.seq}-{job.name}"[:63].rstrip("-")
        pod.meta.labels[WORKER_LABEL] = job.name
        pod.spec.owner_name = job.name
        pod.spec.qos_class = meta_pb2.QOS_CLASS_BE
        pod.spec.priority = 10
        template = pod.spec.template
        template.node_selector.update(self.selector)
        template.node_selector[NODE_LABEL] = self.names[node]
        c = template.containers.add(name="worker", command=["work"])
        c.resources.requests.cpu_millis = slots * cpu
        c.resources.requests.memory_bytes = slots * mem
        pod.status.phase = pod_pb2.POD_PHASE_PENDING
        try:
            await self.pods.create(pod)
        except SigmaError:
            return
        key = f"{NAMESPACE}/{pod.meta.name}"
        self.workers[key] = _Worker(key, job, node, slots, now)
        job.pending.add(key)
        self.rooms.reserve(node, slots * cpu, slots * mem)

    async def _release(self, key: str) -> None:
        """Give a worker back: a started one ends well, a pending one is withdrawn; either
        record then goes (as the GC removes a finished job's pods), so a day of workers does
        not pile up in the store and in every informer."""
        w = self.workers.pop(key, None)
        if w is None:
            return
        self.rooms.reserve(w.node, -w.slots * w.job.slot[0], -w.slots * w.job.slot[1])
        if w.started:
            w.job.master.revoke(key)  # idle, or the job is over: nothing goes back
            await self.fleet.finish(self.names[w.node], key)
        else:
            w.job.pending.discard(key)
        namespace, name = key.split("/", 1)
        with contextlib.suppress(NotFound):
            await self.pods.delete(namespace, name)

    async def _release_all(self, job: _Job) -> None:
        for key in [*job.master.workers, *job.pending]:
            await self._release(key)

    async def _withdraw_stuck(self, job: _Job, now: float) -> None:
        for key in [k for k in job.pending if now - self.workers[k].asked > self.pending_s]:
            await self._release(key)


def fair_shares(demands: list[float], capacity: float) -> list[float]:
    """Max-min fair shares of ``capacity``: a demand below an equal split gets all it asks,
    the rest split what is left equally (Fuxi shares a quota group's room among its jobs
    this way, so one large job does not hold the room while small ones queue behind it)."""
    out = [0.0] * len(demands)
    left, n = capacity, len(demands)
    for i in sorted(range(len(demands)), key=demands.__getitem__):
        share = left / n
        out[i] = min(demands[i], share)
        left -= out[i]
        n -= 1
    return out
