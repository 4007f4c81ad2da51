from pathlib import Path

import pytest

from sigma.cli.sim.trace import default_trace_dir


@pytest.fixture(scope="session")
def data() -> Path:
    """The trace excerpts: the shipped ones unless SIGMA_TRACE_DIR points elsewhere."""
    return default_trace_dir()
