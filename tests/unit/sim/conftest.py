from pathlib import Path

import pytest

DATA = Path("/work/shared/data/alibaba-2018")


@pytest.fixture(scope="session")
def data() -> Path:
    if not (DATA / "machine_meta.csv").exists():
        pytest.skip(f"trace excerpts not found in {DATA}")
    return DATA
