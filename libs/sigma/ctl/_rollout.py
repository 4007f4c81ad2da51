"""``rollout status app NAME``: follow an App's rollout until it holds, as kubectl does.

It follows the App's newest publish or upgrade task and the App's status until the task
succeeded and every replica of the target is updated and ready (exit 0), the task failed
(exit 1), or ``--timeout`` passed (exit 2). Where the rollout stands is ``rollout``, a pure
function of what was read; the command polls twice a second and prints only when what it
would say changes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass

from sigma.ctl._client import Client
from sigma.ctl._config import CtlConfig
from sigma.ctl._get import split_target
from sigma.ctl._kinds import TASKS
from sigma.ctl._reads import list_all, namespace_of
from sigma.errors import Invalid
from sigma.resources.apps import target_replicas
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import app_pb2, task_pb2

POLL = 0.5  # seconds between reads
_ROLLOUT_KINDS = (task_pb2.TASK_KIND_PUBLISH, task_pb2.TASK_KIND_UPGRADE)


@dataclass(frozen=True, slots=True)
class Progress:
    done: bool
    failed: bool
    message: str


def newest_rollout(app: app_pb2.App, tasks: list[task_pb2.Task]) -> task_pb2.Task | None:
    """The newest publish or upgrade task of this incarnation of the App."""
    mine = [t for t in tasks if t.spec.kind in _ROLLOUT_KINDS and t.spec.target_uid == app.meta.uid]
    return max(mine, key=lambda t: t.meta.creation_timestamp.ToNanoseconds(), default=None)


def rollout(app: app_pb2.App, task: task_pb2.Task | None) -> Progress:
    """Where the App's rollout stands, in kubectl's words."""
    name = app.meta.name
    if task is not None and task.status.state == task_pb2.TASK_STATE_FAILED:
        why = task.status.message or "no message"
        return Progress(False, True, f'app "{name}" rollout failed: task {task.meta.name}: {why}')
    target, st = target_replicas(app), app.status
    waiting = f'Waiting for app "{name}" rollout to finish: '
    if st.observed_generation < app.meta.generation:
        return Progress(False, False, f"Waiting for app {name!r} spec update to be observed...")
    if st.updated_replicas < target:
        return Progress(
            False, False, f"{waiting}{st.updated_replicas} of {target} updated replicas are ready"
        )
    if st.replicas > target:
        old = st.replicas - target
        return Progress(False, False, f"{waiting}{old} old replicas are pending termination...")
    if st.ready_replicas < target:
        return Progress(
            False, False, f"{waiting}{st.ready_replicas} of {target} updated replicas are ready"
        )
    if task is not None and task.status.state != task_pb2.TASK_STATE_SUCCEEDED:
        return Progress(False, False, f"{waiting}task {task.meta.name} is still running")
    return Progress(True, False, f'app "{name}" successfully rolled out')


async def rollout_status(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    if args.action != "status":
        raise Invalid("action", "only `rollout status` is supported")
    kind, name = split_target(args.kind, args.name)
    if kind.name != "App" or not name:
        raise Invalid("kind", "rollout status follows an app: sigmactl rollout status app NAME")
    if args.wait_timeout is not None and args.wait_timeout < 0:
        raise Invalid("--timeout", "must not be negative")
    ns = namespace_of(cfg, args)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.wait_timeout if args.wait_timeout else None
    said = ""
    while True:
        app = await client.api("Apps", "Get", api.GetAppRequest(namespace=ns, name=name))
        tasks, _ = await list_all(client, TASKS, ns, {}, target_name=name)
        progress = rollout(app, newest_rollout(app, tasks))
        if progress.message != said:
            print(progress.message, flush=True)
            said = progress.message
        if progress.done:
            return 0
        if progress.failed:
            return 1
        if deadline is not None and loop.time() >= deadline:
            print(f"sigmactl: timed out waiting for app/{name} to roll out", file=sys.stderr)
            return 2
        await asyncio.sleep(POLL)
