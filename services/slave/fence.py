"""Self-fencing: a slave that cannot renew its node lease stops its pods before the masters
move them, so no pod runs in two places at once.

The masters judge a node by its heartbeat lease alone (``sigma.resources.heartbeats``): the
store deletes the key ``heartbeat_ttl`` seconds after the last renewal it received, and the
node lifecycle controller moves the node's pods ``node_grace`` seconds after that (online
pods back to the scheduler, batch pods failed and re-run by their job). A slave cut off
from the masters keeps running those pods unless it stops them itself. So the slave counts
from the moment it *sent* its last renewal that succeeded (the store renewed the lease after
that moment, never before) and, ``fence_after`` seconds later without a newer one, stops every
pod it runs and starts none until a renewal succeeds again. Then it reads its pods from the
store before starting any: a pod the masters moved elsewhere meanwhile is not restarted here.

Every pod is fenced, batch as well as online: after the same grace the masters re-run batch
pods elsewhere too, so a batch task kept running here would run twice just like a replica.

The bound: the pods elsewhere start no earlier than ``heartbeat_ttl + node_grace`` after the
last renewal; here they are stopped within ``fence_after + stop`` (``stop``: the pod's
termination grace, SIGTERM to SIGKILL). A pod runs in two places for at most
``max(0, fence_after + stop - (heartbeat_ttl + node_grace))`` seconds (``double_run_bound``),
zero whenever ``fence_after + stop <= heartbeat_ttl + node_grace``. ``check`` refuses any
``fence_after`` that is not shorter than ``heartbeat_ttl + node_grace``, where the bound would
grow with every second of the setting.

The state here is pure: ``SelfFence`` is told of renewals and asked, at a given clock time,
whether to fence or to lift the fence; the agent acts on its answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sigma.errors import Invalid


def check(fence_after: float, heartbeat_ttl: float, node_grace: float) -> None:
    """Refuse settings under which a partitioned slave's pods would run twice unbounded."""
    if fence_after <= 0:
        raise Invalid("fence_after", f"{fence_after:g} s: must be a positive number of seconds")
    if node_grace < 0:
        raise Invalid("node_grace", f"{node_grace:g} s: must not be negative")
    limit = heartbeat_ttl + node_grace
    if fence_after >= limit:
        raise Invalid(
            "fence_after",
            f"{fence_after:g} s must be shorter than heartbeat_ttl + node_grace = {limit:g} s, "
            "or a cut-off node's pods keep running after the masters moved them elsewhere",
        )


def double_run_bound(
    fence_after: float, heartbeat_ttl: float, node_grace: float, stop: float
) -> float:
    """The longest a pod can run both on a cut-off node and where the masters moved it."""
    return max(0.0, fence_after + stop - (heartbeat_ttl + node_grace))


def lapsed(renewed_at: float | None, now: float, fence_after: float) -> bool:
    """Whether ``fence_after`` seconds have passed since the last renewal that succeeded
    (clock time it was sent; None: none yet, so nothing runs that the masters could move)."""
    return renewed_at is not None and now - renewed_at >= fence_after


@dataclass(slots=True)
class SelfFence:
    """The fence's state: when the lease was last renewed, and whether pods are fenced."""

    fence_after: float
    renewed_at: float | None = None  # clock time the last successful renewal was sent
    fenced: bool = False
    fenced_at: float | None = None  # clock time the fence went up
    times: int = 0  # how often the fence went up

    def renewed(self, sent_at: float) -> None:
        """A renewal sent at ``sent_at`` succeeded."""
        if self.renewed_at is None or sent_at > self.renewed_at:
            self.renewed_at = sent_at

    def should_fence(self, now: float) -> bool:
        """Whether the fence must go up now (it is not up, and the lease went unrenewed)."""
        return not self.fenced and lapsed(self.renewed_at, now, self.fence_after)

    def should_lift(self, now: float) -> bool:
        """Whether the fence is up and a renewal succeeded since (the masters hear us again)."""
        return self.fenced and not lapsed(self.renewed_at, now, self.fence_after)

    def up(self, now: float) -> None:
        self.fenced, self.fenced_at = True, now
        self.times += 1

    def down(self) -> None:
        self.fenced, self.fenced_at = False, None


@dataclass(frozen=True, slots=True)
class Floor:
    """What the store said this node runs when the fence was lifted (read at ``revision``).

    The agent's pod view is a watch that may still be catching up after the partition: a pod
    it shows bound here may have been moved elsewhere meanwhile. Until the view has reached
    ``revision``, a pod is trusted only if the read found it here (same uid) or the view's
    copy is newer than the read.
    """

    revision: int
    here: dict[str, str]  # pod key -> uid, as read

    def trusted(self, key: str, uid: str, resource_version: int) -> bool:
        return self.here.get(key) == uid or resource_version > self.revision
