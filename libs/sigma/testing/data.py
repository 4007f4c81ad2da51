"""Where the Alibaba 2018 trace excerpts are: ``SIGMA_TRACE_DIR``, else ``../shared`` beside
the repository (how the project's CI lays them out). Tests that need them skip without them, so
a clone on its own still runs everything else."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def alibaba_dir() -> Path:
    configured = os.environ.get("SIGMA_TRACE_DIR")
    if configured:
        return Path(configured)
    return (ROOT.parent / "shared" / "data" / "alibaba-2018").resolve()
