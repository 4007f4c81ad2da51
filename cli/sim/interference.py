"""Interference in the replay, calibrated on a real node: online work beside too much batch.

The replay gives online pods their CPU first and batch what is left, as if the node's QoS
isolated them perfectly. On a real node it does not: ``sigma bench interference`` measures a
real online server's tail latency beside batch containers under the slave's QoS. Its result
calibrates this model with one figure, the *safe batch share*: the share of a node's CPU that
batch may hold while the online p99 stays within ``P99_LIMIT`` times its latency alone.

- If the benchmark's QoS setup kept p99 within the limit, the safe share is the batch share it
  measured there (safe up to that point; beyond it nothing was measured, so nothing is assumed).
- If not, the safe share is where the line from (0 batch, ratio 1) to the measured point
  crosses the limit: inflation taken as growing linearly with batch's share.

An online sample is *degraded* when its node's batch share in that sample passes the safe
share. ``assess`` reports, from the replay's per-node rows, the share of online CPU that ran
degraded and the share of node samples (with online work) that were past the safe share; the
report states the calibration it used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sigma.errors import Invalid

P99_LIMIT = 1.2  # online p99 within 1.2x alone counts as unharmed


@dataclass(frozen=True, slots=True)
class Calibration:
    safe_batch_share: float  # batch's share of a node's CPU up to which online is unharmed
    measured_batch_share: float  # the benchmark's QoS setup: batch's share of the node
    measured_p99_ratio: float  # ... and online p99 there, as a ratio of alone
    unisolated_p99_ratio: float | None  # without isolation, the same batch: the contrast
    source: str  # where the figures come from

    @classmethod
    def from_bench(cls, result: Mapping[str, Any], source: str) -> Calibration:
        """From ``sigma bench interference --json`` output."""
        try:
            qos, plain = result["qos"], result.get("no_isolation", {})
            share, ratio = float(qos["batch_cpu_share"]), float(qos["p99_ratio"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Invalid(
                "calibration", f"{source}: not a `sigma bench interference` result"
            ) from exc
        safe = share if ratio <= P99_LIMIT else share * (P99_LIMIT - 1) / (ratio - 1)
        return cls(round(safe, 3), share, ratio, plain.get("p99_ratio"), source)


def load(path: str | Path, source: str = "") -> Calibration:
    try:
        return Calibration.from_bench(json.loads(Path(path).read_text()), source or str(path))
    except (OSError, ValueError) as exc:
        raise Invalid("calibration", f"{path}: {exc}") from exc


# `sigma bench interference --json` as it ran on this project's 2-core machine (containerd
# 1.6.20, kernel 6.18, cgroup v1 hybrid), kept beside this module.
MEASURED = load(
    Path(__file__).with_name("interference.json"),
    "sigma bench interference on a 2-core machine (cli/sim/interference.json)",
)


def assess(
    rows: Sequence[np.ndarray], capacities: np.ndarray, cal: Calibration
) -> dict[str, float | None]:
    """Degraded online work in the replay's rows (each 4 x nodes: online CPU, batch CPU,
    online memory, batch memory) on nodes of CPU ``capacities``."""
    if not rows:
        return {"degraded_cpu_share": None, "degraded_node_sample_share": None}
    stack = np.asarray(rows)  # t x 4 x nodes
    online, batch = stack[:, 0, :], stack[:, 1, :]
    past = batch / capacities > cal.safe_batch_share + 1e-9
    busy = online > 0
    total = float(online.sum())
    return {
        "degraded_cpu_share": float(online[past].sum()) / total if total else None,
        "degraded_node_sample_share": float((past & busy).sum()) / int(busy.sum())
        if busy.any()
        else None,
    }


def describe(cal: Calibration) -> dict[str, Any]:
    return asdict(cal) | {"p99_limit": P99_LIMIT}
