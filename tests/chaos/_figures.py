"""The chaos run's figures: kept for the session's closing summary and written as JSON.

A run appends its figures with ``record``; ``tests/chaos/conftest.py`` prints them at the end of
the session (next to the engine versions), so `make test` and `make chaos` both show them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FIGURES: list[dict[str, Any]] = []
REPORT_ENV = "SIGMA_CHAOS_REPORT"  # where the JSON goes (default: the run's log folder)


def record(figures: dict[str, Any], logs: Path) -> Path:
    """Keep ``figures`` for the summary and write them as JSON; the file's path."""
    FIGURES.append(figures)
    path = Path(os.environ.get(REPORT_ENV) or logs / "chaos.json")
    path.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    figures["report"] = str(path)
    return path


def summary_lines() -> list[str]:
    lines = []
    for f in FIGURES:
        if f.get("suite") == "pods":
            times = ", ".join(
                f"{k.removesuffix('_p50_seconds')} p50 {v:.2f}s p99 "
                f"{f[k.replace('p50', 'p99')]:.2f}s"
                for k, v in sorted(f.items())
                if k.endswith("_p50_seconds")
            )
            lines.append(
                f"chaos pods ({f['size']}, {f['backend']}): {f['faults_during']} faults; restored "
                f"{times}; every App whole {f['all_whole_seconds_after_last_fault']:.1f}s after "
                f"the last fault; wall {f['wall_seconds']:.0f}s"
            )
            lines.append(f"chaos figures: {f['report']}")
            continue
        lines.append(
            f"chaos ({f['size']}): {f['pods']} pods on {f['nodes']} nodes, "
            f"{f['replicas']} replicas per tier; kills survived {f['kills']}, "
            f"restarts etcd {f['restarts'].get('etcd', 0)} kafka {f['restarts'].get('kafka', 0)} "
            f"(longest {f['longest_restart_seconds']}); "
            f"converged {f['convergence_seconds']:.1f}s after the last fault; "
            f"stream {f['stream_changes']} changes, {f['stream_duplicates']} duplicates, "
            f"max publish delay {f['max_publish_delay_seconds']:.2f}s; "
            f"batch retries {f['batch_retries']}; wall {f['wall_seconds']:.0f}s"
        )
        lines.append(f"chaos figures: {f['report']}")
    return lines
