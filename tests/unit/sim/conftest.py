from pathlib import Path

import pytest

from sigma.testing.data import alibaba_dir

DATA = alibaba_dir()


@pytest.fixture(scope="session")
def data() -> Path:
    if not (DATA / "machine_meta.csv").exists():
        pytest.skip(f"trace excerpts not found in {DATA} (set SIGMA_TRACE_DIR)")
    return DATA
