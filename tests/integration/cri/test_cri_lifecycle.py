"""One online pod through its whole life on the real containerd: the busybox httpd image from the
loopback registry, in a host-network sandbox, with a CPU set, quota, weight and memory limit.

What is checked is what the slave will rely on: the limits land in the cgroup files, the page is
served on loopback, the request is in the CRI log file, the limits change live, a probe runs
by exec, usage is readable from the cgroup files, a killed process shows as an exit code, and
the log can be reopened after a rotation. The ``pods`` fixture then checks nothing is left.
"""

from __future__ import annotations

import asyncio
import os
import signal
import urllib.request
from pathlib import Path

import pytest
from cri_helpers import Pod, Pods, knob_values

from sigma.cri import ContainerInfo, CriClient, cgroups, images
from sigma.cri.resources import Resources, cgroup_knobs, linux_resources
from sigma.cri.specs import ContainerSpec
from sigma.cri.v1 import api_pb2
from sigma.engines._process import free_port
from sigma.errors import NotFound
from sigma.testing.wait import eventually

pytestmark = pytest.mark.containerd

TWO_CPUS = len(os.sched_getaffinity(0)) >= 2


def get(port: int) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
        return reply.read()


async def log_lines(path: Path) -> list[str]:
    """The CRI log file's lines so far (none before the runtime made it)."""
    return await asyncio.to_thread(lambda: path.read_text().splitlines() if path.exists() else [])


def _answered(lines: list[str]) -> bool:
    """A request answered 200 is among the log's lines."""
    return any("response:200" in line for line in lines)


def _try_get(port: int) -> bytes:
    try:
        return get(port)
    except OSError:
        return b""


async def test_online_pod_lifecycle(cri: CriClient, pods: Pods, cri_images: dict[str, str]) -> None:
    await cri.images.pull(cri_images["httpd"])
    pod = await pods.run("web")
    port = free_port()
    res = Resources(
        cpu_request_millis=500, cpu_limit_millis=1000, memory_limit_bytes=64 << 20, cpuset="0"
    )
    args = ("-p", f"127.0.0.1:{port}")
    cid = await pod.start(ContainerSpec("server", cri_images["httpd"], args=args, resources=res))
    info = await _runs_with_its_limits_in_the_cgroup(cri, pod, cid, res)
    await _serves_on_loopback_and_logs_the_request(pod, port)
    await _limits_change_in_place(cri, cid, info)
    await _a_probe_by_exec_returns_output_and_exit_code(cri, cid)
    await _usage_from_the_cgroup_agrees_with_the_cri(cri, cid, info)
    await _a_rotated_log_is_reopened(cri, pod, cid, port)
    await _a_killed_process_shows_as_an_exit_code(cri, cid, info)
    await cri.containers.remove(cid)
    with pytest.raises(NotFound):
        await cri.containers.status(cid)


async def _runs_with_its_limits_in_the_cgroup(
    cri: CriClient, pod: Pod, cid: str, res: Resources
) -> ContainerInfo:
    """Running, logging where the pod says, in a cgroup under the pod's, with ``res`` applied."""
    status = await cri.containers.status(cid)
    assert status.state == api_pb2.CONTAINER_RUNNING
    assert status.log_path == str(pod.log_dir / "server" / "0.log")
    info = await cri.containers.info(cid)
    assert info.pid > 0
    assert info.cgroups_path.startswith(f"{pod.spec.cgroup_parent}/")
    h = cgroups.hierarchies()
    assert knob_values(h, info.cgroups_path, res) == cgroup_knobs(res, v2=not h.v1)
    return info


async def _serves_on_loopback_and_logs_the_request(pod: Pod, port: int) -> None:
    """Served over loopback from the host network, and the request is in the CRI log file."""
    page = await eventually(
        lambda: asyncio.to_thread(_try_get, port), accept=bool, what="page served"
    )
    assert page == images.PAGE
    lines = await eventually(
        lambda: log_lines(pod.log_dir / "server" / "0.log"), accept=_answered, what="request logged"
    )
    stamp, stream, tag, *_ = next(line for line in lines if "response:200" in line).split(" ")
    assert (stream, tag) == ("stderr", "F") and stamp.endswith("Z")


async def _limits_change_in_place(cri: CriClient, cid: str, info: ContainerInfo) -> None:
    squeezed = Resources(200, 300, 32 << 20, "0-1" if TWO_CPUS else "0")
    await cri.containers.update_resources(cid, linux_resources(squeezed))
    h = cgroups.hierarchies()
    assert knob_values(h, info.cgroups_path, squeezed) == cgroup_knobs(squeezed, v2=not h.v1)


async def _a_probe_by_exec_returns_output_and_exit_code(cri: CriClient, cid: str) -> None:
    probe = await cri.containers.exec_sync(cid, ["cat", "/www/index.html"], timeout_seconds=5)
    assert (probe.exit_code, probe.stdout) == (0, images.PAGE)
    assert (await cri.containers.exec_sync(cid, ["sh", "-c", "echo no >&2; exit 3"])).exit_code == 3


async def _usage_from_the_cgroup_agrees_with_the_cri(
    cri: CriClient, cid: str, info: ContainerInfo
) -> None:
    used = cgroups.read_usage(cgroups.usage_files(cgroups.hierarchies(), info.cgroups_path))
    stats = await cri.containers.stats(cid)
    assert used is not None and used.cpu_ns > 0 and used.memory_bytes > 0
    assert 0 < stats.cpu.usage_core_nano_seconds.value <= used.cpu_ns
    assert abs(stats.memory.working_set_bytes.value - used.working_set_bytes) < 4 << 20


async def _a_rotated_log_is_reopened(cri: CriClient, pod: Pod, cid: str, port: int) -> None:
    """Moved aside, reopened, the next request lands in a new file."""
    log = pod.log_dir / "server" / "0.log"
    log.rename(log.with_suffix(".log.1"))
    await cri.containers.reopen_log(cid)
    await asyncio.to_thread(get, port)
    await eventually(lambda: log_lines(log), accept=_answered)


async def _a_killed_process_shows_as_an_exit_code(
    cri: CriClient, cid: str, info: ContainerInfo
) -> None:
    """The server's process dies: the runtime reports how, and its cgroup is gone."""
    os.kill(info.pid, signal.SIGKILL)
    status = await eventually(
        lambda: cri.containers.status(cid),
        accept=lambda s: s.state == api_pb2.CONTAINER_EXITED,
        what="container exited",
    )
    assert (status.exit_code, status.reason) == (137, "Error")
    usage = cgroups.usage_files(cgroups.hierarchies(), info.cgroups_path)
    assert cgroups.read_usage(usage) is None
