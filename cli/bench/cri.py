"""``sigma bench cri-start``: how long containerd takes to start a pod's container, image present.

It starts its own registry and containerd (``sigma.engines``; root needed), pushes the demo
images, pulls the httpd image once, then ``--starts`` times: runs a host-network sandbox, creates
and starts the httpd container with a CPU set, quota, weight and memory limit (what a slave's pod
gets), and polls its status until it is RUNNING. It reports, in milliseconds, nearest-rank
p50/p99/max of the container's start (create -> RUNNING) and of the whole pod's (sandbox
included). Each pod is removed before the next starts, so every start sees the same machine.

    sigma bench cri-start [--starts 30] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from sigma.cli.bench import emit
from sigma.cli.sim import percentile
from sigma.cri import images
from sigma.cri.client import CriClient
from sigma.cri.resources import Resources
from sigma.cri.specs import ContainerSpec, SandboxSpec, container_config, sandbox_config
from sigma.cri.v1 import api_pb2
from sigma.engines._process import free_port


async def one_start(
    cri: CriClient, image: str, logs: Path, cgroup_parent: str
) -> tuple[float, float]:
    """(pod seconds, container seconds) of one start; the pod is removed afterwards."""
    name = f"bench-{uuid.uuid4().hex[:8]}"
    sandbox = sandbox_config(
        SandboxSpec(name, "bench", name, str(logs / name), cgroup_parent=f"{cgroup_parent}/{name}")
    )
    res = Resources(cpu_request_millis=500, cpu_limit_millis=1000, memory_limit_bytes=64 << 20)
    spec = ContainerSpec("server", image, args=("-p", f"127.0.0.1:{free_port()}"), resources=res)
    began = time.perf_counter()
    sandbox_id = await cri.sandboxes.run(sandbox)
    created = time.perf_counter()
    cid = await cri.containers.create(sandbox_id, container_config(spec), sandbox)
    await cri.containers.start(cid)
    # Running is what the runtime reports, not what StartContainer's return implies: ask.
    while (await cri.containers.status(cid)).state != api_pb2.CONTAINER_RUNNING:  # noqa: ASYNC110
        await asyncio.sleep(0.001)
    running = time.perf_counter()
    await cri.sandboxes.stop(sandbox_id)
    await cri.sandboxes.remove(sandbox_id)
    return running - began, running - created


async def measure(socket: Path, image: str, starts: int, cgroup_root: str) -> dict[str, object]:
    async with CriClient(socket) as cri:
        await cri.images.pull(image)
        version = (await cri.version()).runtime_version
        with tempfile.TemporaryDirectory(prefix="sigma-bench-logs-") as logs:
            await one_start(cri, image, Path(logs), cgroup_root)  # warm-up, not counted
            samples = [await one_start(cri, image, Path(logs), cgroup_root) for _ in range(starts)]
    result: dict[str, object] = {"bench": "cri-start", "runtime": f"containerd {version}"}
    result["starts"] = starts
    for label, values in (("container", [c for _, c in samples]), ("pod", [p for p, _ in samples])):
        for p in (50, 99):
            result[f"{label}_p{p}_ms"] = round((percentile(values, p) or 0.0) * 1000, 1)
        result[f"{label}_max_ms"] = round(max(values) * 1000, 1)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sigma bench cri-start", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--starts", type=int, default=30, help="pods to start (default 30)")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    options = parser.parse_args(argv)
    if options.starts < 1:
        parser.error("--starts must be at least 1")
    from sigma.engines.containerd import ContainerdEngine, ContainerdUnavailable
    from sigma.engines.registry import RegistryEngine, RegistryNotInstalled

    try:
        with RegistryEngine() as registry, tempfile.TemporaryDirectory() as out:
            refs = images.push(images.build(Path(out)), registry.address)
            with ContainerdEngine(
                sandbox_image=refs["pause"], registries=[registry.address]
            ) as engine:
                result = asyncio.run(
                    measure(engine.socket, refs["httpd"], options.starts, engine.cgroup_root)
                )
    except (ContainerdUnavailable, RegistryNotInstalled, images.ImagesUnavailable) as exc:
        print(f"sigma bench cri-start: {exc}", file=sys.stderr)
        return 2
    emit(result, as_json=options.json)
    return 0
