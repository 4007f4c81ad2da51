"""Exits under containerd, found by polling: containerd 1.6's CRI has no event stream.

A task of the runtime's own lists the node's containers (by the node label) every interval and
reads the status of each run that list no longer shows running (``_cri_status.ended_since``);
a pod with a run that just ended is kept for the agent's next ``poll`` and ``on_exit`` wakes
the agent. A run that never started (``_cri_sandboxes.launch``) is reported the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sigma.cri.client import CriClient
from sigma.errors import SigmaError
from sigma.log import get_logger
from sigma.slave.runtime import _cri_status as status
from sigma.slave.runtime._cri_pods import LABEL_NODE, Pod
from sigma.slave.runtime._port import PodState
from sigma.slave.runtime._table import PodTable

log = get_logger("sigma.slave.runtime")


class ExitWatch:
    def __init__(self, cri: CriClient, pods: PodTable[Pod], node: str, interval: float) -> None:
        self.cri = cri
        self.interval = interval
        self.on_exit: Callable[[], None] | None = None
        self._pods = pods
        self._labels = {LABEL_NODE: node}
        self._exited: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        """One ListContainers of the node each interval, a status of each run that ended."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                for pod in await status.ended_since(self.cri, self._pods.values(), self._labels):
                    self.ended(pod)
            except SigmaError as exc:
                log.warning("containerd poll failed", extra={"error": str(exc)})

    def ended(self, pod: Pod) -> None:
        """Keep ``pod`` for the next ``take`` if a run of it has ended, and wake the agent."""
        if pod.state.key in self._pods and not all(c.running for c in pod.state.containers):
            self._exited.add(pod.state.key)
            if self.on_exit is not None:
                self.on_exit()

    def take(self) -> list[PodState]:
        """The pods some run of which ended since the last ``take``, and are still held."""
        keys, self._exited = self._exited, set()
        return [self._pods[k].state for k in sorted(keys) if k in self._pods]

    def discard(self, key: str) -> None:
        self._exited.discard(key)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
