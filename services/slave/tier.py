"""``sigma slave``: wires the agent from its settings and serves the admin service.

Only wiring lives here (runtime, control-plane adapter, agent, admin service), in dependency
order; the agent's loops run as a background task of the tier.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
from collections.abc import Sequence
from pathlib import Path

import psutil

from sigma.config import pick
from sigma.errors import Invalid
from sigma.resources.pods import key as pod_key
from sigma.rpc import Service
from sigma.slave import fence, worker
from sigma.slave.agent import AgentConfig, SlaveAgent
from sigma.slave.api import service
from sigma.slave.control import StoreControlPlane
from sigma.slave.qos.model import QosPolicy
from sigma.slave.runtime._port import Runtime
from sigma.slave.runtime.containerd import ContainerdRuntime
from sigma.slave.runtime.process import ProcessRuntime
from sigma.slave.runtime.simulated import SimulatedCluster
from sigma.slave.settings import SlaveSettings
from sigma.store.memory import MemoryStore
from sigma.tiers import Context
from sigma.v1 import node_pb2, pod_pb2


async def build(ctx: Context) -> Sequence[Service]:
    settings: SlaveSettings = ctx.settings or SlaveSettings()
    node = settings.node or socket.gethostname()
    fence.check(settings.fence_after, settings.heartbeat_ttl, settings.node_grace)
    stop_on_exit = _stop_on_exit(
        settings.stop_pods_on_exit, embedded=isinstance(ctx.store, MemoryStore)
    )
    runtime, cpus, memory = await _runtime(settings, node, ctx)
    config = pick(
        AgentConfig,
        settings,
        cpu_count=cpus,
        memory_bytes=memory,
        topology=node_pb2.NodeTopology(
            host=node, chassis=settings.chassis, core_switch=settings.core_switch
        ),
        labels=_labels(settings.labels),
        policy=pick(QosPolicy, settings),
    )
    control = StoreControlPlane(
        ctx.store,
        ctx.bus,
        node,
        usage_topic=settings.usage_topic,
        decision_topic=settings.decision_topic,
        wall=ctx.wall,
    )
    if stop_on_exit:
        config.stop_pods_grace = settings.grace
    agent = SlaveAgent(node, control, runtime, ctx.clock, config, wall=ctx.wall)
    workers = worker.WorkerHost(runtime, lambda key: _pod_of(control, key))
    ctx.spawn(_run(agent, ctx.address, workers), f"slave-{node}")
    return [service(agent), worker.service(workers)]


def _pod_of(control: StoreControlPlane, key: str) -> pod_pb2.Pod | None:
    """The pod ``key`` as the store says it runs here."""
    return next((p for p in control.my_pods() if pod_key(p) == key), None)


async def _run(
    agent: SlaveAgent, served: asyncio.Future[str] | None, workers: worker.WorkerHost
) -> None:
    """The agent, once its server listens (``served``), so that the Node it registers says
    where its API is (``status.agent_address``; a wildcard listen address becomes the
    hostname).

    By default pods outlive the agent: restarting or upgrading the agent must not take online
    services down, and the next agent adopts them. With the embedded store the desired state
    dies with this process, so nothing could ever adopt or delete them: they stop with it
    (``stop_pods_on_exit``).
    """
    try:
        if served is not None:
            agent.config.address = _dialable(await served)
    except asyncio.CancelledError:  # stopped before it served: release what the runtime holds
        await agent.runtime.close()
        raise
    try:
        await agent.run()
    finally:
        await workers.close()


def _dialable(address: str) -> str:
    host, _, port = address.rpartition(":")
    if host in ("0.0.0.0", "[::]", "::", ""):
        return f"{socket.gethostname()}:{port}"
    return address


def _stop_on_exit(value: str, *, embedded: bool) -> bool:
    choice = value.strip().lower()
    if choice == "auto":
        return embedded
    if choice in ("true", "false"):
        return choice == "true"
    raise Invalid("stop_pods_on_exit", f"{value!r} is not one of auto, true, false")


async def _runtime(settings: SlaveSettings, node: str, ctx: Context) -> tuple[Runtime, int, int]:
    state = settings.state_dir or str(Path(tempfile.gettempdir()) / f"sigma-slave-{node}")
    machine = psutil.cpu_count() or 1, psutil.virtual_memory().total
    if settings.runtime == "process":
        return ProcessRuntime(node, state, use_cgroups=settings.cgroups), *machine
    if settings.runtime == "containerd":
        runtime = await ContainerdRuntime.open(node, settings.containerd_socket, state)
        return runtime, *machine
    if settings.runtime == "simulated":
        cluster = SimulatedCluster(ctx.clock)
        rt = cluster.runtime(node, settings.sim_cpus, settings.sim_memory_bytes)
        return rt, settings.sim_cpus, settings.sim_memory_bytes
    raise Invalid("runtime", f"{settings.runtime!r} is not one of process, containerd, simulated")


def _labels(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise Invalid("labels", f"{pair!r} is not key=value")
        out[key] = value
    return out
