"""CPU suppress: shrink batch's CPU set and quota as online usage rises, grow them as it falls.

Batch room = capacity x threshold - (everything but batch, measured now). Batch gets
ceil(room / 1000) CPUs of its pool, at least ``min_batch_cpus``, taking plain shared CPUs before
reserved (LSR) ones and high-numbered ones first, and a quota equal to the room (at least
``min_batch_millis``). Batch shrinks at once but grows back only when the room exceeds the
next CPU by ``grow_margin_millis``, so a noisy signal does not flap it. Nothing is emitted
while the result equals what batch already has, so a steady node produces no actions.
"""

from __future__ import annotations

from sigma.slave.qos.model import Action, ActionKind, NodeView, QosPolicy, batch_room_millis

NAME = "cpu_suppress"


def decide(view: NodeView, policy: QosPolicy) -> list[Action]:
    if not view.batch_pods() or not view.batch_pool:
        return []
    room = batch_room_millis(view, view.latest, policy)
    count = _cpus(room, view, policy)
    if count > len(view.batch_cpus):  # growing: only with a margin, so noise does not flap
        count = max(len(view.batch_cpus), _cpus(room - policy.grow_margin_millis, view, policy))
    plain = sorted(view.batch_pool - view.reserved_cpus, reverse=True)
    lent = sorted(view.reserved_cpus & view.batch_pool, reverse=True)
    cpus = frozenset((plain + lent)[:count])
    quota = max(policy.min_batch_millis, min(room, len(cpus) * 1000))
    same_cpus = cpus == view.batch_cpus
    small_step = (
        not policy.enforce_quota or abs(quota - view.batch_quota_millis) < policy.quota_step_millis
    )
    if same_cpus and small_step:
        return []
    grew = len(cpus) > len(view.batch_cpus) or quota > view.batch_quota_millis
    return [
        Action(
            ActionKind.SUPPRESS,
            "",
            "UsageFell" if grew else "UsageRose",
            f"batch room {room}m of {view.capacity_millis}m: {len(cpus)} CPUs, quota {quota}m",
            cpus=cpus,
            quota_millis=quota,
        )
    ]


def _cpus(room: int, view: NodeView, policy: QosPolicy) -> int:
    return min(len(view.batch_pool), max(policy.min_batch_cpus, -(-room // 1000)))
