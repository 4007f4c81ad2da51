"""A colocator cut off from Kafka (the store still reachable): it keeps working, and resumes
from the slaves' usage reports once the link to the broker heals.

The colocator runs inside a network namespace; a rule there drops what it sends to the broker,
the rest of its link stays up. Its one write of its own, a node's batch capacity stamped with
its time (``status.batch_capacity_updated_at``), shows it working. Measured, not asserted:
whether it wrote during the cut. It does not today: with the broker gone its consumer owns no
partition, so no replica owns the nodes and their last capacity stays as it was (the slaves'
own QoS still protects online pods); ``--stale-after`` is short so that a write would show.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from sigma.engines.kafka import KafkaEngine
from tests.partition._figures import record
from tests.partition._netns import netns, skip_reason
from tests.partition._stack import FULL, TIMEOUT, Stack, stack, until

pytestmark = [
    pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or ""),
    pytest.mark.timeout(TIMEOUT),
]

CUT = 30.0 if FULL else 5.0  # seconds the broker stays out of reach (past the 3 s leases)
STALE = 3.0  # seconds without a report before a node's usage counts for nothing
NODES = ("node-0", "node-1")


async def _capacity(s: Stack) -> dict[str, tuple[int, float]]:
    """Each node's batch CPU and the time it was written (0: never)."""
    out = {}
    for name in NODES:
        node = await s.node(name)
        if node is None:
            out[name] = (0, 0.0)
            continue
        stamp = node.status.batch_capacity_updated_at.ToNanoseconds() / 1e9
        out[name] = (node.status.batch_capacity.cpu_millis, stamp)
    return out


async def _room(s: Stack, since: float, *, some: bool) -> bool:
    """Every node's batch capacity written after ``since``, with room (``some``) or none."""
    return all(at > since and (cpu > 0) == some for cpu, at in (await _capacity(s)).values())


async def test_a_colocator_cut_off_from_kafka_keeps_running_and_resumes() -> None:
    began = time.monotonic()
    with netns() as ns:
        kafka = KafkaEngine(heap="384m", host=ns.host_ip)
        await asyncio.to_thread(kafka.start)
        try:
            async with stack() as s:
                s.bus = kafka.url
                _, address = await s.tier(
                    "apiserver", "apiserver", ["--kube-listen", ""], host=ns.host_ip
                )
                for name in NODES:
                    args = ["--node", name, "--runtime", "simulated", "--usage-interval", "0.5"]
                    await s.tier("slave", f"slave-{name}", [*args, "--heartbeat-ttl", "3"])
                own = ["--apiserver", address, "--tick-interval", "1", "--rise-hold", "1"]
                own += ["--stale-after", str(STALE)]
                colocator, _ = await s.tier("colocator", "colocator", own, ns)
                wrote = await until(lambda: _room(s, 0.0, some=True), "batch room given", 60)
                ns.block(kafka.port)
                cut_at, cut = time.time(), time.monotonic()
                await asyncio.sleep(max(0.0, CUT - (time.monotonic() - cut)))
                during = await _capacity(s)
                ns.block(kafka.port, on=False)
                healed_at = time.time()
                assert colocator.running, f"the colocator exited:\n{colocator.log_tail()}"
                resumed = await until(
                    lambda: _room(s, healed_at, some=True), "batch room given back", 90
                )
                assert colocator.running, colocator.log_tail()
                figures = {
                    "suite": "partition",
                    "fault": "colocator cut off from Kafka",
                    "size": "full" if FULL else "reduced",
                    "cut_seconds": round(healed_at - cut_at, 2),
                    "first_write_seconds": round(wrote, 2),
                    "stale_after_seconds": STALE,
                    "nodes_written_during_cut": sum(at > cut_at + 2 for _, at in during.values()),
                    "room_back_after_heal_seconds": round(resumed, 2),
                    "wall_seconds": round(time.monotonic() - began, 1),
                }
                record(figures, s.logs)
        finally:
            await asyncio.to_thread(kafka.stop)
