"""batch_task → batch jobs with their DAG, instance counts, plans and durations.

Task names encode the DAG: ``M5_3_4`` is task 5 of its job, waiting for every instance of
tasks 3 and 4; the letter (M, R, J, L, ...) is the operator kind and does not matter for
order. A ``_Stg<k>`` suffix names a stage and is ignored. ``task_<id>`` and ``MergeTask``
are independent tasks. The trace cuts names at 50 characters: a cut name keeps the
dependencies it still spells out whole (a cut last number, e.g. ``..._18_1`` of ``_19``, is
dropped), so a cut name loses edges but never gains a wrong one.

A job's submit time is its earliest task start (the trace has no submit times; a DAG's
later tasks start after their parents anyway); each task runs for end - start seconds.

Bad rows, two policies:
- Malformed cells (text where a number belongs, end before start, a name that is neither
  form) are fatal: :class:`~sigma.cli.sim.TraceError` with line and column.
- Rows the trace legitimately leaves incomplete are skipped with their whole job, and
  counted by reason: ``never started`` (Waiting, empty instance_num), ``no resource plan``
  (empty plan_cpu/plan_mem), ``unfinished in trace`` (end_time 0), ``dependency outside
  the excerpt`` (the excerpt cuts a job in two), ``cycle``. A job is replayed whole or not
  at all, so no DAG is replayed with a hole in it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sigma.cli.sim._csv import MEMORY_100_BYTES, MILLIS_PER_TRACE_CPU, Row, Skipped, rows
from sigma.cli.sim.scale import FULL, Scale

COLUMNS = (
    "task_name",
    "instance_num",
    "job_name",
    "task_type",
    "status",
    "start_time",
    "end_time",
    "plan_cpu",
    "plan_mem",
)
STATUSES = frozenset(
    {"Terminated", "Failed", "Running", "Waiting", "Ready", "Cancelled", "Interrupted"}
)
#: The trace stores at most this many characters of a task name.
NAME_LIMIT = 50
_DAG_NAME = re.compile(r"[A-Za-z]+(\d+)((?:_\d*)*?)(?:_Stg\d+)?")
_INDEPENDENT = re.compile(r"task_.+|MergeTask")


class _Skip(Exception):
    """A job the replay leaves out, with the reason to count."""


@dataclass(frozen=True)
class TaskName:
    """A parsed task name: its number within the job (None = independent) and parents."""

    id: str | None
    depends_on: tuple[str, ...]


def parse_task_name(name: str) -> TaskName | None:
    """The DAG position spelt by ``name``, or None if it is neither known form."""
    if _INDEPENDENT.fullmatch(name):
        return TaskName(None, ())
    match = _DAG_NAME.fullmatch(name)
    if match is None:
        return None
    parts = match.group(2).split("_")[1:]
    if len(name) >= NAME_LIMIT and parts and parts[-1]:
        parts = parts[:-1]  # cut mid-number: the last one cannot be trusted
    deps = tuple(dict.fromkeys(p for p in parts if p))
    return TaskName(match.group(1), deps)


@dataclass(frozen=True)
class TraceTask:
    """One task: ``instances`` pods of ``cpu_millis``/``memory_bytes`` for ``duration_s``."""

    name: str
    instances: int
    depends_on: tuple[str, ...]
    cpu_millis: int
    memory_bytes: int
    start: int
    duration_s: int
    status: str


@dataclass(frozen=True)
class TraceJob:
    name: str
    submit: int
    tasks: tuple[TraceTask, ...]


@dataclass
class _Raw:
    row: Row
    parsed: TaskName


def _task(raw: _Raw, names_by_id: dict[str, str]) -> TraceTask:
    row = raw.row
    if row.blank("instance_num"):
        raise _Skip("never started")
    if row.blank("plan_cpu") or row.blank("plan_mem"):
        raise _Skip("no resource plan")
    instances = row.integer("instance_num", minimum=1)
    cpu = row.number("plan_cpu")
    memory = row.number("plan_mem")
    if cpu < 0:
        raise row.error("plan_cpu", f"{cpu} is negative")
    if not 0 <= memory <= 100:
        raise row.error("plan_mem", f"{memory} is outside [0, 100]")
    start = row.integer("start_time")
    end = row.integer("end_time")
    if start == 0:
        raise _Skip("never started")
    if end == 0:
        raise _Skip("unfinished in trace")
    if end < start:
        raise row.error("end_time", f"{end} is before start_time {start}")
    deps = []
    for dep in raw.parsed.depends_on:
        if dep not in names_by_id:
            raise _Skip("dependency outside the excerpt")
        deps.append(names_by_id[dep])
    return TraceTask(
        name=row.text("task_name"),
        instances=instances,
        depends_on=tuple(deps),
        cpu_millis=round(cpu * MILLIS_PER_TRACE_CPU),
        memory_bytes=round(memory / 100 * MEMORY_100_BYTES / 2**20) * 2**20,
        start=start,
        duration_s=end - start,
        status=row.text("status"),
    )


def _acyclic(tasks: list[TraceTask]) -> bool:
    parents = {t.name: set(t.depends_on) for t in tasks}
    while parents:
        ready = [name for name, deps in parents.items() if not deps]
        if not ready:
            return False
        for name in ready:
            del parents[name]
        for deps in parents.values():
            deps.difference_update(ready)
    return True


def _job(name: str, raws: list[_Raw]) -> TraceJob:
    names_by_id = {r.parsed.id: r.row.text("task_name") for r in raws if r.parsed.id is not None}
    tasks = [_task(raw, names_by_id) for raw in raws]
    if not _acyclic(tasks):
        raise _Skip("cycle")
    return TraceJob(name, min(t.start for t in tasks), tuple(tasks))


def _read(path: Path) -> dict[str, list[_Raw]]:
    jobs: dict[str, list[_Raw]] = defaultdict(list)
    for row in rows(path, COLUMNS, header=True):
        name = row.text("task_name").strip()
        parsed = parse_task_name(name)
        if parsed is None:
            raise row.error(
                "task_name", f"{name!r} is neither <letter><n>[_<dep>...] nor task_<id>"
            )
        job = row.text("job_name").strip()
        if not job:
            raise row.error("job_name", "empty")
        status = row.text("status").strip()
        if status not in STATUSES:
            raise row.error("status", f"{status!r} is not one of {sorted(STATUSES)}")
        for column in ("instance_num", "start_time", "end_time", "plan_cpu", "plan_mem"):
            if not row.blank(column):
                row.number(column)  # text where a number belongs is fatal even in a skipped job
        jobs[job].append(_Raw(row, parsed))
    return jobs


def load_jobs(
    path: Path, scale: Scale = FULL, *, total_machines: int
) -> tuple[list[TraceJob], Skipped]:
    """Jobs submitted in the window, sorted by (submit, name); Skipped counts the rest.

    Counts are in jobs. ``total_machines`` thins jobs in proportion to ``scale.machines``.
    """
    fraction = scale.fraction(total_machines)
    skipped = Skipped()
    jobs = []
    for name, raws in _read(path).items():
        try:
            job = _job(name, raws)
        except _Skip as skip:
            skipped.add(str(skip))
            continue
        if not scale.start <= job.submit < scale.end:
            skipped.add("outside window")
        elif not scale.keeps(name, fraction):
            skipped.add("not sampled")
        else:
            jobs.append(job)
    jobs.sort(key=lambda j: (j.submit, j.name))
    return jobs, skipped
