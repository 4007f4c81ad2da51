"""Adoption under containerd: what a previous agent left running, read back from the CRI.

The node's sandboxes and containers are found by the node label; each sandbox's annotation
holds its ``PodRun``, from which its sandbox config, cgroup and log folder follow as they did
at its start. Per template container the newest attempt is the current run and the one before
it is kept for ``--previous``; a run the agent had killed left a marker file with the reason
beside its log. Should a pod have two sandboxes (an agent died between taking one down and
making the next), the newest is kept and the others are removed: never two copies.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from pathlib import Path

from sigma.cri.client import CriClient
from sigma.cri.specs import sandbox_config
from sigma.cri.v1 import api_pb2
from sigma.errors import NotFound
from sigma.log import get_logger
from sigma.slave.runtime import _cri_pods as P
from sigma.slave.runtime import _cri_status as status
from sigma.slave.runtime._cri_cgroups import PodCgroups
from sigma.slave.runtime._port import ContainerState, PodRun, PodState

log = get_logger("sigma.slave.runtime")


async def load(
    cri: CriClient, node: str, logs: Path, cgroup_root: str, cgroups: PodCgroups
) -> list[P.Pod]:
    labels = {P.LABEL_NODE: node}
    sandboxes = await cri.sandboxes.select(labels)
    containers: dict[str, list[api_pb2.Container]] = defaultdict(list)
    for c in await cri.containers.select(labels=labels):
        containers[c.pod_sandbox_id].append(c)
    newest: dict[str, tuple[api_pb2.PodSandbox, PodRun]] = {}
    stale: list[tuple[api_pb2.PodSandbox, PodRun]] = []
    for sandbox in sorted(sandboxes, key=lambda s: s.created_at):
        try:
            run = P.decode_run(sandbox.annotations.get(P.ANNOTATION_RUN, ""))
        except ValueError:
            log.warning("a sandbox of this node without its pod run", extra={"id": sandbox.id})
            continue
        if run.key in newest:
            stale.append(newest[run.key])
        newest[run.key] = (sandbox, run)
    for sandbox, run in stale:
        log.warning("removing a second sandbox of one pod", extra={"pod": run.key})
        with contextlib.suppress(NotFound):
            await cri.sandboxes.stop(sandbox.id)
            await cri.sandboxes.remove(sandbox.id)
        cgroups.remove(f"{cgroup_root}/{P.slug(run.key, run.uid)}")
    pods = []
    for sandbox, run in newest.values():
        where = (logs / P.slug(run.key, run.uid), f"{cgroup_root}/{P.slug(run.key, run.uid)}")
        pods.append(await _pod(cri, node, sandbox, run, containers[sandbox.id], where, cgroups))
    return pods


async def _pod(
    cri: CriClient,
    node: str,
    sandbox: api_pb2.PodSandbox,
    run: PodRun,
    containers: list[api_pb2.Container],
    where: tuple[Path, str],
    cgroups: PodCgroups,
) -> P.Pod:
    log_dir, cgroup = where
    config = sandbox_config(P.sandbox_spec(run, node, log_dir, cgroup))
    state = PodState(
        run.key,
        run.uid,
        run.qos,
        run.cpus,
        [],
        sandbox.created_at / 1e9,
        run.priority,
        run.memory_limit_bytes,
        frozen=cgroups.frozen(cgroup),
    )
    pod = P.Pod(state, run, sandbox.id, config, cgroup, log_dir)
    for template in run.containers:
        runs = [c for c in containers if c.metadata.name == template.name]
        if not runs:  # the agent died before making it: a run that never started
            state.containers.append(status.never_started(ContainerState(template.name)))
            continue
        current, previous = P.current_and_previous(runs)
        for c in runs:
            if c is current or c is previous:
                pod.ids[(template.name, c.metadata.attempt)] = c.id
            else:
                with contextlib.suppress(NotFound):
                    await cri.containers.remove(c.id)
        now = await status.state_of(cri, current, log_dir)
        if previous is not None:
            now.previous = await status.state_of(cri, previous, log_dir)
        state.containers.append(now)
    return pod
