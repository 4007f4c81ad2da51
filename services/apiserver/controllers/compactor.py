"""Store compaction: a bounded history, never cut past what the change stream has not published.

Every write adds a revision to the store's history (etcd and the embedded store alike); left
alone it grows for ever. A pass compacts to ``current - retain`` revisions, bounded by the change
stream's checkpoint (``safe_compaction_revision``) so no change is dropped before it reached the
bus, and only once that moves the point by at least a tenth of ``retain``: a compaction is not
free on etcd, and a steady trickle of tiny ones would buy nothing. Watchers and pagers behind the
new point get ``Compacted`` and relist, exactly as after etcd's own auto-compaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sigma.apiserver.tasks.writes import Fence
from sigma.errors import Compacted
from sigma.events import safe_compaction_revision
from sigma.log import get_logger
from sigma.store import Store

log = get_logger("sigma.apiserver.compactor")


def target(current: int, compacted: int, safe: int | None, retain: int) -> int | None:
    """The revision to compact to now, or None to leave the history as it is."""
    if retain <= 0:
        return None  # compaction is off
    goal = current - retain
    if safe is not None:
        goal = min(goal, safe)
    if goal <= compacted or goal - compacted < max(1, retain // 10):
        return None
    return goal


@dataclass(slots=True)
class Compactor:
    """One pass per controller tick; remembers how far it (or anyone) compacted."""

    retain: int
    compacted: int = 0

    async def reconcile(self, store: Store, _now: float, _fence: Fence) -> int:
        goal = target(
            await store.revision(),
            self.compacted,
            await safe_compaction_revision(store),
            self.retain,
        )
        if goal is None:
            return 0
        try:
            await store.compact(goal)
        except Compacted as exc:  # compacted further already (by etcd itself, or a former leader)
            self.compacted = max(self.compacted, exc.compact_revision)
            return 0
        log.info("store compacted", extra={"revision": goal, "previous": self.compacted})
        self.compacted = goal
        return 1
