"""The partition tests' figures: kept for the session's closing summary and written as JSON.

Each test appends its figures with ``record``; ``conftest.py`` prints them at the end of the
session. The JSON (every partition figure of the session, a list) goes beside the chaos
report when ``SIGMA_CHAOS_REPORT`` names one (``<its stem>-partition.json``, so the two suites
never overwrite each other), else into the test's log folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.chaos._figures import REPORT_ENV

FIGURES: list[dict[str, Any]] = []


def record(figures: dict[str, Any], logs: Path) -> Path:
    FIGURES.append(figures)
    named = os.environ.get(REPORT_ENV)
    path = Path(named).with_name(Path(named).stem + "-partition.json") if named else None
    path = path or logs / "partition.json"
    figures["report"] = str(path)
    path.write_text(json.dumps(FIGURES, indent=2, sort_keys=True) + "\n")
    return path


def summary_lines() -> list[str]:
    lines = []
    for f in FIGURES:
        shown = ", ".join(
            f"{k} {v}" for k, v in f.items() if k not in ("suite", "fault", "size", "report")
        )
        lines.append(f"partition: {f['fault']} ({f['size']}): {shown}")
    if FIGURES:
        lines.append(f"partition figures: {FIGURES[-1]['report']}")
    return lines
