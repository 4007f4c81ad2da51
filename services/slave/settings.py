"""Settings of ``sigma slave``: flags, SIGMA_* environment variables or the [slave] TOML table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sigma.config import default
from sigma.events import DECISIONS_TOPIC, NODE_USAGE_TOPIC
from sigma.resources import heartbeats
from sigma.slave.agent import AgentConfig
from sigma.slave.qos.model import QosPolicy


def _f(default: Any, text: str) -> Any:
    return field(default=default, metadata={"help": text})


@dataclass(slots=True)
class SlaveSettings:
    node: str = _f("", "node name to register (default: this machine's hostname)")
    runtime: str = _f(
        "process",
        "how pods run: process (real processes), containerd (containers over the CRI) or simulated",
    )
    containerd_socket: str = _f(
        "/run/containerd/containerd.sock", "with --runtime containerd: containerd's CRI socket"
    )
    state_dir: str = _f(
        "",
        "where running pods are recorded for adoption and containers log"
        " (default: <tmp>/sigma-slave-<node>)",
    )
    cgroups: bool = _f(True, "use cgroup v2 where the machine allows it (detected at start)")
    stop_pods_on_exit: str = _f(
        "auto",
        "on exit, stop the pods this agent runs (true), leave them for the next agent to adopt "
        "(false), or auto: stop them only with the embedded store, whose state dies with us",
    )
    chassis: str = _f("", "topology: the chassis holding this host")
    core_switch: str = _f("", "topology: the core switch the chassis uplinks to")
    labels: list[str] = field(default_factory=list, metadata={"help": "node labels, key=value,..."})
    reserved_cpu_millis: int = _f(
        default(AgentConfig, "reserved_cpu_millis"),
        "CPU kept for the OS and agents (capacity - this = allocatable)",
    )
    reserved_memory_bytes: int = _f(
        default(AgentConfig, "reserved_memory_bytes"), "memory kept for the OS and agents"
    )
    heartbeat_ttl: int = _f(
        default(AgentConfig, "heartbeat_ttl"), "seconds the node's lease lives without a heartbeat"
    )
    fence_after: float = _f(
        default(AgentConfig, "fence_after"),
        "seconds without a renewed node lease before this node stops every pod it runs (a"
        " cut-off node must not run what the masters move elsewhere); shorter than"
        " heartbeat_ttl + node_grace",
    )
    node_grace: float = _f(
        heartbeats.NODE_GRACE,
        "the masters' node grace (apiserver node_grace) this node's fence_after is checked"
        " against; never set it above the apiserver's",
    )
    heartbeat_interval: float = _f(
        default(AgentConfig, "heartbeat_interval"), "seconds between heartbeats"
    )
    usage_interval: float = _f(
        default(AgentConfig, "usage_interval"), "seconds between node usage reports on the bus"
    )
    usage_topic: str = _f(NODE_USAGE_TOPIC, "bus topic of node usage reports (key = node)")
    decision_topic: str = _f(DECISIONS_TOPIC, "bus topic of the node's own QoS actions")
    qos_interval: float = _f(
        default(AgentConfig, "qos_interval"), "seconds between QoS ticks (sample, decide, act)"
    )
    suppress_threshold: float = _f(
        default(QosPolicy, "suppress_threshold"),
        "share of the node's CPU batch may fill before it is squeezed",
    )
    cpu_evict_after: float = _f(
        default(QosPolicy, "cpu_evict_after"), "seconds batch may sit squeezed before it is evicted"
    )
    memory_evict_threshold: float = _f(
        default(QosPolicy, "memory_evict_threshold"), "share of memory above which batch is evicted"
    )
    pressure_threshold: float = _f(
        default(QosPolicy, "pressure_threshold"),
        "CPU pressure (PSI some over the last 200 ms, in percent) of an online pod (or of the"
        " node, where pods have no cgroup) that freezes batch",
    )
    grace: float = _f(
        default(AgentConfig, "grace"), "seconds between SIGTERM and SIGKILL when a pod is deleted"
    )
    evict_grace: float = _f(
        default(AgentConfig, "evict_grace"), "seconds between SIGTERM and SIGKILL on a QoS eviction"
    )
    sim_cpus: int = _f(32, "simulated runtime: CPUs of the virtual node")
    sim_memory_bytes: int = _f(128 << 30, "simulated runtime: memory of the virtual node")
