"""etcd only: losing the server. Calls and watches fail ``Unavailable`` while it is down, and
the same store object works again once it is back."""

from __future__ import annotations

import asyncio

import pytest

from sigma.engines.etcd import EtcdEngine
from sigma.errors import Unavailable
from sigma.store import open_store
from sigma.testing.wait import eventually
from tests.contract._events import take


@pytest.mark.etcd
async def test_etcd_outage_is_unavailable_and_the_store_recovers() -> None:
    with EtcdEngine() as engine:  # its own etcd: the shared one must stay up
        s = open_store(engine.url)
        r = await s.put("k", b"1")
        events = aiter(s.watch("k", start_revision=r + 1))
        pending = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(engine.kill)
        with pytest.raises(Unavailable):
            await asyncio.wait_for(pending, 10)
        with pytest.raises(Unavailable):
            await s.get("k")
        await asyncio.to_thread(engine.start)

        async def back() -> bool:
            try:
                return await s.get("k") is not None
            except Unavailable:
                return False

        await eventually(back, timeout=15, what="the store back")
        resumed = aiter(s.watch("k", start_revision=r + 1))
        r2 = await s.put("k", b"2")
        assert [e.revision for e in await take(resumed, 1)] == [r2]
        await s.close()
