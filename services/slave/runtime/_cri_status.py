"""What the CRI says of a container run, read into ``ContainerState``.

A run has ended when the CRI's status says EXITED (with containerd's exit code and reason:
``OOMKilled`` when the cgroup's OOM killer ended it, ``StartError`` when it never started) or
when the container is gone altogether (counted killed, 137). containerd records an exit from
the task's exit event, which can come a moment after StopContainer returns: ``settle`` waits
that moment out. ``ended_since`` is the watcher's one call per interval: a ListContainers of
the node, and a status only of the runs that list no longer shows running.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from sigma.cri.client import CriClient
from sigma.cri.v1 import api_pb2
from sigma.errors import NotFound
from sigma.slave.runtime._cri_pods import Pod
from sigma.slave.runtime._port import ContainerState

OOM_KILLED = "OOMKilled"
START_ERROR = "StartError"
LIVE = (api_pb2.CONTAINER_RUNNING, api_pb2.CONTAINER_CREATED)


def ended(state: ContainerState, status: api_pb2.ContainerStatus, now: float) -> None:
    """Record in ``state`` how its run ended, from the CRI's status of an exited container."""
    code = status.exit_code
    state.exit_code = code
    state.signal = code - 128 if 128 < code <= 128 + 64 else 0
    state.oom_killed = status.reason == OOM_KILLED
    if status.reason == START_ERROR and not state.reason:
        state.reason = START_ERROR
    state.finished_at = status.finished_at / 1e9 if status.finished_at else now


def vanished(state: ContainerState, now: float) -> None:
    """The container is gone from the runtime without a word: count it killed."""
    state.exit_code, state.signal, state.finished_at = 137, 9, now


def never_started(state: ContainerState) -> ContainerState:
    state.exit_code, state.reason, state.finished_at = 128, START_ERROR, time.time()
    return state


async def refresh(cri: CriClient, pod: Pod, state: ContainerState) -> None:
    """Record the end of ``state``'s run if the CRI says it has ended."""
    cid = pod.id_of(state)
    if not state.running or cid is None:
        return
    try:
        status = await cri.containers.status(cid)
    except NotFound:
        vanished(state, time.time())
        return
    if status.state not in LIVE:
        ended(state, status, time.time())


async def settle(cri: CriClient, pod: Pod, state: ContainerState, timeout: float = 2.0) -> None:
    """Refresh a stopped run until the CRI reports its exit (a little while at most)."""
    deadline = time.monotonic() + timeout
    await refresh(cri, pod, state)
    while state.running and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        await refresh(cri, pod, state)


async def ended_since(cri: CriClient, pods: Iterable[Pod], labels: Mapping[str, str]) -> list[Pod]:
    """The pods some running container of which has ended (its state now says so)."""
    live = [
        (cid, pod, c)
        for pod in pods
        for c in pod.state.containers
        if c.running and (cid := pod.id_of(c)) is not None
    ]
    if not live:
        return []
    listed = {c.id: c.state for c in await cri.containers.select(labels=labels)}
    out = []
    for cid, pod, c in live:
        if listed.get(cid) not in LIVE and c.running:
            await refresh(cri, pod, c)
            if not c.running:
                out.append(pod)
    return out


async def state_of(cri: CriClient, c: api_pb2.Container, log_dir: Path) -> ContainerState:
    """A container run found in the CRI (adoption); a run the agent killed left a marker with
    the reason beside its log."""
    name, attempt = c.metadata.name, c.metadata.attempt
    state = ContainerState(name, attempt)
    try:
        status = await cri.containers.status(c.id)
    except NotFound:
        vanished(state, time.time())
        return state
    state.started_at = status.started_at / 1e9
    marker = log_dir / name / f"{attempt}.killed"
    if marker.exists():
        state.killed, state.reason = True, marker.read_text()
    if status.state == api_pb2.CONTAINER_RUNNING:
        state.pid = (await cri.containers.info(c.id)).pid
    elif status.state == api_pb2.CONTAINER_EXITED:
        ended(state, status, time.time())
    else:
        never_started(state)
    return state
