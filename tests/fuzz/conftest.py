"""One fleet of in-process servers for the whole fuzz suite (starting one takes a second or two)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fuzz._servers import Fleet, fleet_fixture


@pytest.fixture(scope="session")
def fleet() -> Iterator[Fleet]:
    yield from fleet_fixture()
