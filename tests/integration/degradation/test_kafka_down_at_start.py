"""Tiers started while Kafka is unreachable serve anyway (the change stream catches up later,
the topics are created once the broker answers), and what the Kafka client says about it comes
out as JSON lines like the rest."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import subprocess
import sys

import pytest

from sigma.rpc.probe import check


def _free_port() -> int:
    with socket.socket() as probe:  # bound then closed: free, and nothing listens there
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("tier", ["apiserver", "colocator"])
async def test_a_tier_serves_with_kafka_down_and_logs_only_json(tier: str) -> None:
    listen = f"127.0.0.1:{_free_port()}"
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "sigma.cli", tier, "--store", "memory://"),
        *("--bus", f"kafka://127.0.0.1:{_free_port()}", "--listen", listen),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(30):
            while not await check(listen):
                assert proc.returncode is None, f"the {tier} exited"
                await asyncio.sleep(0.2)
        await asyncio.sleep(2)  # the change stream's retries: the Kafka client's own lines
        assert proc.returncode is None
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(20):
            assert await proc.wait() == 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    assert proc.stderr is not None
    lines = (await proc.stderr.read()).decode().splitlines()
    records = [json.loads(line) for line in lines]  # every line is JSON
    loggers = {r["logger"] for r in records}
    assert any(name.startswith("aiokafka") for name in loggers), loggers
    assert any(r["msg"] == "event bus unreachable; serving without it" for r in records)
