"""The pods' status as the slave writes it to the store, and the verdicts it must not lose.

Every write is a compare-and-swap of a change through the control plane; one the store refuses
is logged, and the next pass writes what it then sees. A verdict (Succeeded, Failed, Evicted)
is different: it is the only record of a pod's end once the runtime forgets the pod, so one the
store refuses is kept and written again at the start of each pass until it is taken. ``done``
holds the uids of pods that ended here, so a pod is never started again before the store shows
its verdict.
"""

from __future__ import annotations

from sigma.errors import SigmaError
from sigma.log import get_logger
from sigma.slave.control import ControlPlane
from sigma.slave.pods import status
from sigma.v1 import pod_pb2

log = get_logger("sigma.slave")


class StatusWriter:
    def __init__(self, control: ControlPlane) -> None:
        self.control = control
        self.done: set[str] = set()
        self._verdicts: dict[str, tuple[str, status.Change]] = {}  # key → (uid, change)

    async def begin_pass(self, mine: dict[str, pod_pb2.Pod]) -> None:
        """Forget ends the store has recorded; write again the verdicts it refused."""
        self.done &= {p.meta.uid for p in mine.values()}
        for key, (uid, change) in list(self._verdicts.items()):
            pod = mine.get(key)
            if pod is None or pod.meta.uid != uid or await self.write(key, change):
                self._verdicts.pop(key, None)

    async def verdict(self, key: str, uid: str, change: status.Change) -> None:
        """Write a pod's final status, or keep it for the next pass if the store refuses it."""
        self._verdicts[key] = (uid, change)
        if await self.write(key, change):
            self._verdicts.pop(key, None)

    async def write(self, key: str, change: status.Change) -> bool:
        """Whether the store took the change (a refused one is written again by a later pass)."""
        namespace, _, name = key.partition("/")
        try:
            await self.control.update_pod(namespace, name, change)
        except SigmaError as exc:
            log.warning("status write failed", extra={"pod": key, "error": str(exc)})
            return False
        return True
