from collections.abc import AsyncIterator

import pytest

from ._agent import Rig, rig


@pytest.fixture
async def r() -> AsyncIterator[Rig]:
    """An agent on node n1 (8 CPUs) over the embedded store and bus, simulated runtime."""
    made = await rig()
    try:
        yield made
    finally:
        await made.close()
