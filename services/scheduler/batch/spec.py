"""What a job master needs of a BatchJob: its tasks in dependency order, each with its
instance count, retry budget and per-instance request, dependencies as task numbers.

Built once per job from the stored ``BatchJob`` (the only proto the master reads), so the hot
path never touches protobuf. Tasks are numbered in a topological order: a task's
dependencies always have smaller numbers, which lets the master release tasks in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from sigma.errors import Invalid
from sigma.v1 import batch_pb2


@dataclass(frozen=True, slots=True)
class TaskSpec:
    name: str
    instances: int
    depends_on: tuple[int, ...]  # task numbers, all smaller than this task's
    max_retries: int  # re-runs allowed per instance after a failure
    cpu_millis: int = 0  # one instance's request (sizes the workers)
    memory_bytes: int = 0


@dataclass(frozen=True, slots=True)
class JobSpec:
    namespace: str
    name: str
    uid: str
    tasks: tuple[TaskSpec, ...]

    @property
    def instances(self) -> int:
        return sum(t.instances for t in self.tasks)

    @classmethod
    def of(
        cls,
        tasks: list[tuple[str, int, tuple[str, ...]]],
        *,
        max_retries: int = 0,
        name: str = "job",
        namespace: str = "default",
        uid: str = "",
    ) -> JobSpec:
        """A spec from ``(name, instances, depends_on)`` rows: for tests and benchmarks."""
        job = batch_pb2.BatchJob()
        job.meta.namespace, job.meta.name, job.meta.uid = namespace, name, uid
        job.spec.max_retries = max_retries
        for task, instances, deps in tasks:
            job.spec.tasks.add(name=task, instances=instances, depends_on=deps)
        return cls.from_proto(job)

    @classmethod
    def from_proto(cls, job: batch_pb2.BatchJob) -> JobSpec:
        """The job's tasks in topological order; an unknown dependency or a cycle is
        ``Invalid`` (the apiserver rejects both, so this guards against a hand-written record)."""
        by_name = {t.name: t for t in job.spec.tasks}
        order: list[str] = []
        state: dict[str, int] = {}  # 1: visiting, 2: placed

        def place(name: str, path: tuple[str, ...]) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:
                raise Invalid("spec.tasks", f"cycle through {' -> '.join((*path, name))}")
            state[name] = 1
            for dep in by_name[name].depends_on:
                if dep not in by_name:
                    raise Invalid("spec.tasks", f"task {name} depends on unknown task {dep}")
                place(dep, (*path, name))
            state[name] = 2
            order.append(name)

        for task in job.spec.tasks:
            if task.instances < 0:
                raise Invalid("spec.tasks", f"task {task.name} has {task.instances} instances")
            place(task.name, ())
        number = {name: i for i, name in enumerate(order)}
        tasks = tuple(_task(job, by_name[name], number) for name in order)
        return cls(job.meta.namespace, job.meta.name, job.meta.uid, tasks)


def _task(job: batch_pb2.BatchJob, task: batch_pb2.BatchTask, number: dict[str, int]) -> TaskSpec:
    budget = task.max_retries if task.HasField("max_retries") else job.spec.max_retries
    cpu = mem = 0
    for container in task.template.containers:
        cpu += container.resources.requests.cpu_millis
        mem += container.resources.requests.memory_bytes
    deps = tuple(sorted({number[d] for d in task.depends_on}))
    return TaskSpec(task.name, task.instances, deps, max(budget, 0), cpu, mem)
