"""A group member the bus contract suite kills with SIGKILL mid-stream.

It processes messages in small batches: each message's key is appended to ``out`` (one line,
written straight to the file so a kill loses nothing already recorded), then the batch is
committed. A kill between the two leaves recorded-but-uncommitted keys: the resuming member
sees those again, which is the duplicate count the test reports.

usage: python _bus_crash_consumer.py BOOTSTRAP TOPIC GROUP OUT SESSION_TIMEOUT
"""

from __future__ import annotations

import asyncio
import os
import sys

from sigma.bus.kafka import KafkaBus
from sigma.errors import Conflict


async def main(bootstrap: str, topic: str, group: str, out: str, session_timeout: float) -> None:
    bus = KafkaBus(bootstrap, session_timeout=session_timeout)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    consumer = await bus.consumer(group, [topic])
    os.write(fd, b"#joined\n")
    while True:
        batch = await consumer.fetch(max_records=5, timeout=0.5)
        for message in batch:
            os.write(fd, message.key.encode() + b"\n")
            await asyncio.sleep(0.005)  # "work", so the kill lands mid-stream
        if batch:
            try:
                await consumer.commit(batch)
            except Conflict:
                continue  # rebalanced: the new owner gets these again


if __name__ == "__main__":
    bootstrap, topic, group, out, session_timeout = sys.argv[1:6]
    asyncio.run(main(bootstrap, topic, group, out, float(session_timeout)))
