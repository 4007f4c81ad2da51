"""`sigma up` as a user runs it: every tier answers health checks; Ctrl-C stops it cleanly."""

import asyncio
import re
import signal
import subprocess
import sys

import pytest

from sigma.cli.tiers import TIERS
from sigma.rpc.probe import check


async def _read_addresses(proc: asyncio.subprocess.Process) -> dict[str, str]:
    addresses: dict[str, str] = {}
    assert proc.stdout is not None
    async with asyncio.timeout(20):
        while len(addresses) < len(TIERS) + 1:
            line = (await proc.stdout.readline()).decode()
            assert line, "sigma up exited before printing its addresses"
            match = re.match(r"(\w+)\s+(?:grpc |http://)([^\s/]+)", line)
            if match:
                addresses[match.group(1)] = match.group(2)
    return addresses


async def test_up_serves_every_tier_and_stops_on_sigint() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sigma.cli",
        "up",
        "--host",
        "127.0.0.1",
        "--ports-from",
        "0",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        addresses = await _read_addresses(proc)
        assert set(addresses) == {*TIERS, "metrics"}  # /metrics too follows --ports-from 0
        ports = {address.rpartition(":")[2] for address in addresses.values()}
        assert len(ports) == len(TIERS) + 1 and "0" not in ports  # each on its own free port
        assert "9100" not in ports
        for tier in TIERS:
            address = addresses[tier]
            assert await check(address), f"{tier} at {address} is not SERVING"
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(15):
            assert await proc.wait() == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["apiserver", "--store", "zookeeper://x"], "unknown store 'zookeeper://x'"),
        (["apiserver", "--listen", "127.0.0.1:99999"], "listen: '127.0.0.1:99999'"),
        (["up", "--bus", "rabbit://y"], "unknown bus 'rabbit://y'"),
        (["up", "--demo", "no/such/dir"], "no/such/dir: cannot read"),
        (["up", "--ports-from", "65534"], "--ports-from: must be 0 or a port up to 63505"),
        (["up", "--metrics-port", "-5"], "--metrics-port: must be 0 or a port up to 65535, got -5"),
    ],
)
def test_bad_settings_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sigma.cli", *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
