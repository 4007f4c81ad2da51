"""Per-task checkpoints of a job master: one store record per task, never one per instance.

A record holds the task's done instances as ranges (``[start, end)`` pairs, zlib-packed:
a task done in order is a single pair, whatever its size) and the failures so far of the
instances not done, so re-runs used stay used across a resume. It is JSON, so ``etcdctl get``
shows it; the packed fields are base64. The job's uid is in it: a job deleted and created
again under the same name does not resume the old one's progress.

Writes are bounded in rate: a task that changed is written at most once per ``interval``
(and at once when it reaches a final phase), so a job costs at most
``tasks * (seconds / interval + 1)`` writes whatever its instance count.

What a resumed master re-runs: the instances not done in the records. Those that finished
after the last write are not lost work: their workers keep their reports until a write covers
them and re-send them to the new master (an accepted success from a worker it does not know),
and a re-joining worker's running instances are adopted (``JobMaster.grant(running=...)``).
So only the in-flight instances of workers that are gone too run again.

Keys: ``/sigma/v1/batchcheckpoints/<namespace>/<job>/<task>`` (outside the object kinds,
so the change stream does not carry them; it carries the job's status).
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from sigma.errors import Invalid
from sigma.scheduler.batch.ledger import DONE, Restored
from sigma.scheduler.batch.master import FINAL, JobMaster
from sigma.scheduler.batch.spec import JobSpec
from sigma.store import Store

PREFIX = "/sigma/v1/batchcheckpoints/"
VERSION = 1


def job_prefix(namespace: str, job: str) -> str:
    return f"{PREFIX}{namespace}/{job}/"


def key(namespace: str, job: str, task: str) -> str:
    return job_prefix(namespace, job) + task


def ranges(mask: np.ndarray) -> np.ndarray:
    """``[start, end)`` pairs, flattened, of the runs of True in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    out = np.empty(2 * len(starts), dtype="<u4")
    out[0::2], out[1::2] = starts, ends
    return out


def mask_of(pairs: np.ndarray, n: int) -> np.ndarray:
    """The inverse of ``ranges``: a bool mask of ``n`` with the runs set."""
    if len(pairs) % 2 or (len(pairs) and (pairs.max() > n or np.any(pairs[0::2] > pairs[1::2]))):
        raise Invalid("checkpoint", f"done ranges do not fit {n} instances")
    delta = np.zeros(n + 1, dtype=np.int32)
    np.add.at(delta, pairs[0::2].astype(np.int64), 1)
    np.add.at(delta, pairs[1::2].astype(np.int64), -1)
    return np.cumsum(delta[:n]) > 0


def _pack(values: np.ndarray) -> str:
    return base64.b64encode(zlib.compress(values.astype("<u4").tobytes())).decode()


def _unpack(text: str) -> np.ndarray:
    try:
        return np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype="<u4")
    except (ValueError, zlib.error) as exc:
        raise Invalid("checkpoint", f"a packed field does not decode: {exc}") from exc


def encode(master: JobMaster, t: int) -> bytes:
    """Task number ``t``'s record."""
    spec, n = master.spec, master.spec.tasks[t].instances
    state, failures = master.ledger.arrays(t)
    retried = np.flatnonzero((failures > 0) & (state != DONE))
    pairs = np.empty(2 * len(retried), dtype="<u4")
    pairs[0::2], pairs[1::2] = retried, failures[retried]
    record = {
        "v": VERSION,
        "uid": spec.uid,
        "task": spec.tasks[t].name,
        "instances": n,
        "done_count": master.done[t],
        "phase": int(master.phase[t]),
        "done": _pack(ranges(state == DONE)),
        "failures": _pack(pairs),
    }
    return json.dumps(record, separators=(",", ":")).encode()


def decode(value: bytes, spec: JobSpec) -> tuple[int, Restored] | None:
    """(task number, its progress) from a record, or None if the record belongs to another
    incarnation of the job or to a task the spec no longer has."""
    try:
        record = json.loads(value)
        name, n, uid, version = record["task"], record["instances"], record["uid"], record["v"]
        done, failures = record["done"], record["failures"]
    except (ValueError, KeyError, TypeError) as exc:
        raise Invalid("checkpoint", f"not a checkpoint record: {exc}") from exc
    if version != VERSION:
        raise Invalid("checkpoint", f"version {version}; this master reads {VERSION}")
    number = {task.name: i for i, task in enumerate(spec.tasks)}
    if uid != spec.uid or name not in number or spec.tasks[number[name]].instances != n:
        return None
    pairs = _unpack(failures)
    if len(pairs) % 2 or (len(pairs) and pairs[0::2].max() >= n):
        raise Invalid("checkpoint", f"failures name instances outside task {name}'s {n}")
    counts = dict(zip(pairs[0::2].tolist(), pairs[1::2].tolist(), strict=True))
    return number[name], Restored(mask_of(_unpack(done), n), counts)


@dataclass(slots=True)
class Checkpointer:
    """Which tasks to write now: changed ones, each at most once per ``interval`` seconds,
    and one that reached a final phase at once. ``writes`` counts the records handed out."""

    interval: float = 1.0
    last: dict[int, float] = field(default_factory=dict)
    writes: int = 0

    def due(self, master: JobMaster, now: float) -> list[int]:
        return sorted(
            t
            for t in master.dirty
            if master.phase[t] in FINAL or now - self.last.get(t, -1e18) >= self.interval
        )

    def take(self, master: JobMaster, now: float) -> list[tuple[str, bytes]]:
        """The due records as ``(key, value)``, marked written."""
        out = []
        for t in self.due(master, now):
            spec = master.spec
            out.append((key(spec.namespace, spec.name, spec.tasks[t].name), encode(master, t)))
            master.dirty.discard(t)
            self.last[t] = now
        self.writes += len(out)
        return out


async def save(store: Store, records: list[tuple[str, bytes]]) -> None:
    """One put per record (a task's record is its own; no transaction ties them)."""
    for k, value in records:
        await store.put(k, value)


async def load(store: Store, spec: JobSpec) -> Mapping[int, Restored]:
    """The job's recorded progress, by task number (empty for a job never checkpointed)."""
    out: dict[int, Restored] = {}
    after = ""
    while True:
        page = await store.list(job_prefix(spec.namespace, spec.name), start_after=after)
        for kv in page.items:
            found = decode(kv.value, spec)
            if found is not None:
                out[found[0]] = found[1]
        if not page.more or not page.items:
            return out
        after = page.items[-1].key


async def resume(store: Store, spec: JobSpec, **kwargs: int) -> JobMaster:
    """A master for ``spec`` from its checkpoints: what they record done is not run again."""
    return JobMaster(spec, restored=await load(store, spec), **kwargs)
