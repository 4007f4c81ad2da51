"""Tiers started while Kafka is unreachable serve anyway (the change stream catches up later,
the topics are created once the broker answers), and what the Kafka client says about it comes
out as JSON lines like the rest."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys

import pytest

from sigma.engines._process import free_port
from sigma.rpc.probe import check
from sigma.testing.wait import eventually

UNREACHABLE = "event bus unreachable; serving without it"


async def _collect(stream: asyncio.StreamReader, into: list[str]) -> None:
    while line := await stream.readline():
        into.append(line.decode())


@pytest.mark.parametrize("tier", ["apiserver", "colocator"])
async def test_a_tier_serves_with_kafka_down_and_logs_only_json(tier: str) -> None:
    listen = f"127.0.0.1:{free_port()}"
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "sigma.cli", tier, "--store", "memory://"),
        *("--bus", f"kafka://127.0.0.1:{free_port()}", "--listen", listen),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    lines: list[str] = []
    reader = asyncio.create_task(_collect(proc.stderr, lines))

    def said(check: str) -> bool:
        assert proc.returncode is None, f"the {tier} exited: {lines}"
        return any(check in line for line in lines)

    try:
        await eventually(lambda: check(listen), timeout=30, what=f"the {tier} serving")
        await eventually(lambda: said(UNREACHABLE), timeout=30, what="the bus reported down")
        await eventually(lambda: said('"aiokafka'), timeout=30, what="the Kafka client's lines")
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(20):
            assert await proc.wait() == 0
        await reader
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        reader.cancel()
    records = [json.loads(line) for line in lines]  # every line is JSON
    loggers = {r["logger"] for r in records}
    assert any(name.startswith("aiokafka") for name in loggers), loggers
    assert any(r["msg"] == UNREACHABLE for r in records)
