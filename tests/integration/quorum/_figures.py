"""The quorum faults' figures: one record per fault, kept for the session's closing summary
(``conftest.py``) and written as JSON, like the chaos suite's (``tests/chaos/_figures.py``).

The JSON goes to ``$SIGMA_CHAOS_REPORT`` when set (``make chaos-cluster``), else to
``quorum.json`` in the session's temporary folder; each ``record`` rewrites it with every fault
recorded so far, so a run that stops half-way still leaves what it measured.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FIGURES: list[dict[str, Any]] = []
REPORT_ENV = "SIGMA_CHAOS_REPORT"
SIZE = os.environ.get("SIGMA_CHAOS", "reduced")  # "full": `make chaos-cluster`


def record(figures: dict[str, Any], logs: Path) -> Path:
    """Keep ``figures`` (one fault) for the summary and rewrite the JSON report; its path."""
    FIGURES.append({"size": SIZE, **figures})
    path = Path(os.environ.get(REPORT_ENV) or logs / "quorum.json")
    path.write_text(json.dumps({"faults": FIGURES}, indent=2, sort_keys=True) + "\n")
    for f in FIGURES:
        f["report"] = str(path)
    return path


def summary_lines() -> list[str]:
    lines = []
    for f in FIGURES:
        parts = [f"{k} {v}" for k, v in sorted(f.items()) if k not in ("fault", "report", "size")]
        lines.append(f"quorum {f['fault']} ({f['size']}): " + ", ".join(parts))
    if FIGURES:
        lines.append(f"quorum figures: {FIGURES[-1]['report']}")
    return lines
