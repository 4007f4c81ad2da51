"""A tier that answers without the service asked for: one line naming it, exit 2."""

import asyncio

import pytest

from sigma.ctl import main
from sigma.rpc import RpcServer, ServerConfig


async def test_budget_against_a_health_only_colocator(capsys: pytest.CaptureFixture[str]) -> None:
    server = RpcServer([], ServerConfig())
    await server.start()
    try:
        code = await asyncio.to_thread(main, ["budget", "n1", "--colocator", server.address])
    finally:
        await server.stop()
    assert code == 2
    assert capsys.readouterr().err == (
        f"sigmactl: the colocator at {server.address} does not serve sigma.v1.Colocator\n"
    )
