"""The containerd runtime's translations, as pure functions: a ``PodRun`` to the CRI's sandbox
and container specs, and the CRI's answers back to ``ContainerState``.

What a later agent needs to adopt a pod travels with the pod in containerd itself, not in a
state file: the sandbox carries the node label (``sigma.io/node``) that finds it, and an
annotation (``sigma.io/run``) holding the whole ``PodRun`` as JSON, so an adopted container can
be restarted exactly as it was first started. A container carries its template name
(``sigma.io/container``) and the CRI's own attempt number, which is our restart count.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sigma.cri.resources import Resources
from sigma.cri.specs import ContainerSpec, SandboxSpec
from sigma.cri.v1 import api_pb2
from sigma.resources.cpusets import format_cpuset
from sigma.slave.runtime._port import ContainerRun, ContainerState, PodRun, PodState

LABEL_NODE = "sigma.io/node"
LABEL_CONTAINER = "sigma.io/container"
ANNOTATION_RUN = "sigma.io/run"


@dataclass(slots=True)
class Pod:
    """A pod as the containerd runtime holds it: its state, how it was asked to run, and the
    CRI's ids of its sandbox and of the container runs it keeps."""

    state: PodState
    run: PodRun
    sandbox_id: str
    sandbox: api_pb2.PodSandboxConfig
    cgroup: str
    log_dir: Path
    ids: dict[tuple[str, int], str] = field(default_factory=dict)  # (name, attempt) -> id
    quota_millis: int = 0  # the quota the QoS loop set (0: the pod's own limit)
    removed: bool = False  # the sandbox is gone

    def id_of(self, c: ContainerState) -> str | None:
        return self.ids.get((c.name, c.attempt))


def slug(key: str, uid: str) -> str:
    """A name for the pod's cgroup and log folder: one per incarnation (the uid's head)."""
    return f"{key.replace('/', '_')}_{(uid or '0')[:8]}"


def pod_resources(run: PodRun, cpus: str = "", quota_millis: int = 0) -> Resources:
    """The pod's CPU and memory as the CRI takes them; ``quota_millis`` overrides its limit."""
    return Resources(
        cpu_request_millis=run.cpu_request_millis,
        cpu_limit_millis=quota_millis or run.cpu_limit_millis,
        memory_limit_bytes=run.memory_limit_bytes,
        cpuset=cpus,
        best_effort=run.batch,
    )


def sandbox_spec(run: PodRun, node: str, log_dir: Path, cgroup_parent: str) -> SandboxSpec:
    namespace, _, name = run.key.partition("/")
    return SandboxSpec(
        name=name,
        namespace=namespace,
        uid=run.uid,
        log_directory=str(log_dir),
        cgroup_parent=cgroup_parent,
        labels={LABEL_NODE: node, **dict(run.labels)},
        annotations={ANNOTATION_RUN: encode_run(run)},
    )


def container_spec(run: PodRun, index: int, attempt: int, node: str) -> ContainerSpec:
    """Container ``index`` of the pod, run ``attempt``: the pod's command replaces the image's
    entrypoint (a container always declares one), with the variables every runtime sets."""
    c = run.containers[index]
    env = {"SIGMA_POD": run.key, "SIGMA_NODE": node, "SIGMA_CONTAINER": c.name, **dict(c.env)}
    return ContainerSpec(
        name=c.name,
        image=c.image,
        command=c.argv,
        env=env,
        working_dir=c.working_dir,
        attempt=attempt,
        resources=pod_resources(run, format_cpuset(run.cpus)),
        labels={LABEL_NODE: node, LABEL_CONTAINER: c.name},
    )


def encode_run(run: PodRun) -> str:
    data = asdict(run)
    data["cpus"] = sorted(run.cpus)
    return json.dumps(data, separators=(",", ":"))


def decode_run(text: str) -> PodRun:
    """The ``PodRun`` an annotation holds; ValueError if it holds none."""
    try:
        data = json.loads(text)
        containers = tuple(
            ContainerRun(
                c["name"],
                tuple(c["argv"]),
                tuple((k, v) for k, v in c["env"]),
                c["working_dir"],
                c["image"],
            )
            for c in data.pop("containers")
        )
        return PodRun(
            **{k: v for k, v in data.items() if k not in ("cpus", "labels")},
            containers=containers,
            cpus=frozenset(data["cpus"]),
            labels=tuple((k, v) for k, v in data["labels"]),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a pod run: {text[:80]!r}") from exc


def current_and_previous(
    containers: list[api_pb2.Container],
) -> tuple[api_pb2.Container, api_pb2.Container | None]:
    """The newest attempt of one template container and the one before it, if kept."""
    ordered = sorted(containers, key=lambda c: c.metadata.attempt, reverse=True)
    return ordered[0], ordered[1] if len(ordered) > 1 else None
