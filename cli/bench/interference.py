"""``sigma bench interference``: does co-located batch hurt a real online server on this node?

One run starts its own registry and containerd (root needed), then measures a real online
server, busybox httpd in a container on the host network, under Debian's wrk (one thread, one
connection, closed loop: each request waits for the last answer, so latency is what a caller
sees) in three setups:

- ``alone``: the server and nothing else;
- ``no_isolation``: the same server with ``--batch`` burner containers beside it, each keeping
  one CPU busy, as plain containers (each weighs what its request says, on every CPU): what a
  node without QoS does;
- ``qos``: the same pods on a node run by the real slave agent on the containerd runtime: the
  server an LSE pod (a CPU of its own), the burners BE pods (the lowest weight, the idle class
  on their pod cgroups, the CPUs left), and the agent's QoS loop squeezing, freezing and
  evicting batch as its strategies decide.

The setups take turns, ``--rounds`` times ``--seconds`` each, and each figure is the median of
its rounds: other work on the machine comes and goes, and taking turns lets it fall on every
setup alike (``load1`` per round says how busy the machine was). The server and wrk run on one
CPU, the one the agent gives a one-CPU LSE pod (the highest), in every setup: the ratios then
measure batch beside the server, not where the server runs (on this kind of VM a server and
its caller on two CPUs wait on cross-CPU wake-ups, which alone puts p99 at several times one
CPU's). wrk stands for the callers; on a real node they would be elsewhere. The agent's QoS
thresholds are flags: by default batch may fill every idle CPU and is evicted only after a
minute at its floor, so the run measures batch beside the server, not batch being evicted.

Printed per setup: online p50/p99/p999 latency (ms), requests and errors, batch CPU-seconds
and batch's share of the node's CPU, and the latencies as ratios of ``alone``'s. The target:
with QoS, p99 at most 1.2x alone while batch gets at least half of the node's CPU.

    sigma bench interference [--rounds 5] [--seconds 4] [--batch 2] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import statistics
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sigma.cli.bench import emit
from sigma.cli.bench._interference_setups import Engines, Plain, Qos
from sigma.engines._process import free_port
from sigma.resources.cpusets import format_cpuset
from sigma.slave.qos.model import QosPolicy

TARGET_P99_RATIO = 1.2
TARGET_BATCH_SHARE = 0.5
_PCT = ("p50", "p99", "p999")


def aggregate(rounds: list[dict[str, Any]], cpus: int) -> dict[str, Any]:
    """A setup's rounds as one: median latencies, summed counts, batch's share of the node."""
    window = sum(r["window_s"] for r in rounds)
    cpu = sum(r["batch_cpu_s"] for r in rounds)
    out: dict[str, Any] = {
        f"{p}_ms": round(statistics.median(r[f"{p}_us"] for r in rounds) / 1000, 3) for p in _PCT
    }
    out |= {
        "requests": sum(r["requests"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "batch_cpu_seconds": round(cpu, 2),
        "batch_cpu_share": round(cpu / (window * cpus), 3),
        "p99_ms_rounds": [r["p99_us"] / 1000 for r in rounds],
        "load1": [round(r["load1"], 2) for r in rounds],
    }
    return out


def summary(setups: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The setups with their latencies as ratios of ``alone``'s, and the target's verdict."""
    alone = setups["alone"]
    out: dict[str, Any] = {"bench": "interference", "cpus": os.cpu_count()}
    for name, got in setups.items():
        ratios = {f"{p}_ratio": round(got[f"{p}_ms"] / alone[f"{p}_ms"], 2) for p in _PCT}
        out[name] = got | ratios
    qos = out["qos"]
    out["target"] = {
        "p99_ratio_max": TARGET_P99_RATIO,
        "batch_share_min": TARGET_BATCH_SHARE,
        "met": qos["p99_ratio"] <= TARGET_P99_RATIO
        and qos["batch_cpu_share"] >= TARGET_BATCH_SHARE,
    }
    return out


async def run(e: Engines, rounds: int) -> dict[str, Any]:
    plain, qos = Plain(e), Qos(e)
    taken: dict[str, list[dict[str, Any]]] = {"alone": [], "no_isolation": [], "qos": []}
    try:
        await plain.open()
        await qos.open()
        for _ in range(rounds):
            taken["alone"].append(await plain.alone())
            taken["no_isolation"].append(await plain.beside_batch())
            taken["qos"].append(await qos.round())
    finally:
        await qos.close()
        await plain.close()
    setups = {name: aggregate(got, len(e.cpus)) for name, got in taken.items()}
    actions: collections.Counter[str] = collections.Counter()
    for got in taken["qos"]:
        actions.update(got["qos_actions"])
    online, batch = taken["qos"][-1]["cpus"]
    setups["qos"] |= {
        "online_cpus": format_cpuset(online),
        "batch_cpus": format_cpuset(batch),
        "qos_actions": dict(actions),
        "policy": {"suppress_threshold": e.policy.suppress_threshold,
                   "cpu_evict_after": e.policy.cpu_evict_after},
    }  # fmt: skip
    return summary(setups)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sigma bench interference", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=5, help="turns of the three setups")
    parser.add_argument("--seconds", type=float, default=4.0, help="wrk's time per turn")
    parser.add_argument("--batch", type=int, default=2, help="burner containers (1 CPU each)")
    parser.add_argument(
        "--suppress-threshold",
        type=float,
        default=1.0,
        help="the agent's: share of the node's CPU batch may fill (default 1.0: all that is idle)",
    )
    parser.add_argument(
        "--evict-after",
        type=float,
        default=60.0,
        help="the agent's: seconds batch may sit at its floor before eviction (default 60)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object")
    options = parser.parse_args(argv)
    if options.seconds <= 0 or options.batch < 1 or options.rounds < 1:
        parser.error("--seconds must be positive, --batch and --rounds at least 1")
    from sigma.cri.local import engines
    from sigma.errors import SigmaError

    policy = QosPolicy(
        suppress_threshold=options.suppress_threshold, cpu_evict_after=options.evict_after
    )
    try:
        with engines(f"127.0.0.1:{free_port()}") as local, tempfile.TemporaryDirectory() as work:
            root = f"/sigma-bench-{uuid.uuid4().hex[:6]}"
            e = Engines(
                local.socket, local.images, root, Path(work), options.seconds, options.batch, policy
            )
            result = asyncio.run(run(e, options.rounds))
    except (SigmaError, RuntimeError) as exc:
        print(f"sigma bench interference: {exc}", file=sys.stderr)
        return 2
    emit(result, as_json=options.json)
    return 0
