"""One colocator replica as its own process, so a test can kill it without a goodbye.

Usage: replica_main.py ETCD_URL BOOTSTRAP USAGE_TOPIC DECISION_TOPIC GROUP RESERVE_CPU_MILLIS.
The reserve differs per replica in the tests, so a node's batch capacity shows who wrote it.
"""

from __future__ import annotations

import asyncio
import sys
import time

from sigma.bus.kafka import KafkaBus
from sigma.cli.inprocess import InProcessApi
from sigma.clock import SystemClock
from sigma.colocator.replica import Colocator
from sigma.colocator.settings import ColocatorSettings
from sigma.store import open_store


async def main(
    etcd: str, bootstrap: str, usage: str, decisions: str, group: str, reserve: str
) -> None:
    store = open_store(etcd)
    bus = KafkaBus(bootstrap, session_timeout=2.0, request_timeout=5.0)
    settings = ColocatorSettings(
        usage_topic=usage,
        decision_topic=decisions,
        group=group,
        reserve_cpu_millis=int(reserve),
        refresh_after=0.0,  # write on every report, so the writer is visible all the time
        evict=False,
    )
    engine = Colocator(
        store,
        bus,
        settings,
        clock=SystemClock(),
        wall=time.time,
        api=InProcessApi(store, wall=time.time),
    )
    await engine.consume(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:7]))
