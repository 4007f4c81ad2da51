"""An etcd that does not answer is named in the error, so an operator knows which backend."""

from __future__ import annotations

import socket

import pytest

from sigma.errors import Unavailable
from sigma.store import open_store


async def test_an_unreachable_etcd_is_named_in_the_error() -> None:
    with socket.socket() as probe:  # a free port, closed again: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = open_store(f"etcd://127.0.0.1:{port}")
    try:
        with pytest.raises(Unavailable) as err:
            await store.revision()
    finally:
        await store.close()
    assert f"store etcd at 127.0.0.1:{port}: " in err.value.message
