"""One container between Sigma's ``Container`` and the Kubernetes ``Container``.

Pure. Fields with a meaning in Sigma are mapped both ways; a field Sigma has no place for
(``ports``, volume mounts, ``httpGet`` probes, ``valueFrom``) is refused with its path, so a
manifest never loses something in silence. ``imagePullPolicy`` and the termination-message
fields are accepted and written nowhere: they steer how a kubelet reports, which Sigma's slave
does its own way, and the Kubernetes API server defaults them on every object it returns.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.duration_pb2 import Duration

from sigma.apiserver.kube import quantity
from sigma.apiserver.kube.meta import known, mapping
from sigma.errors import Invalid
from sigma.v1 import pod_pb2

CONTAINER_KEYS = frozenset(
    {
        "name",
        "image",
        "command",
        "args",
        "env",
        "workingDir",
        "resources",
        "readinessProbe",
        "livenessProbe",
        "imagePullPolicy",
        "terminationMessagePath",
        "terminationMessagePolicy",
    }
)
PROBE_KEYS = frozenset(
    {
        "exec",
        "tcpSocket",
        "grpc",
        "initialDelaySeconds",
        "periodSeconds",
        "timeoutSeconds",
        "successThreshold",
        "failureThreshold",
    }
)
_TIMINGS = (
    ("initialDelaySeconds", "initial_delay"),
    ("periodSeconds", "period"),
    ("timeoutSeconds", "timeout"),
)


def string_list(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(field, "expected a list of strings")
    return list(value)


def integer(value: Any, field: str, default: int = 0) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(field, f"expected an integer, got {value!r}")
    return value


def seconds(value: int) -> Duration:
    out = Duration()
    out.FromSeconds(value)
    return out


def container_from(data: Any, field: str) -> pod_pb2.Container:
    block = mapping(data, field)
    known(block, CONTAINER_KEYS, field)
    out = pod_pb2.Container(
        name=str(block.get("name") or ""),
        image=str(block.get("image") or ""),
        command=string_list(block.get("command"), f"{field}.command"),
        args=string_list(block.get("args"), f"{field}.args"),
        working_dir=str(block.get("workingDir") or ""),
    )
    for i, item in enumerate(block.get("env") or []):
        at = f"{field}.env[{i}]"
        entry = mapping(item, at)
        known(entry, frozenset({"name", "value"}), at)
        out.env[str(entry.get("name") or "")] = str(entry.get("value") or "")
    _resources(block.get("resources"), out.resources, f"{field}.resources")
    for key, target in (("readinessProbe", "readiness_probe"), ("livenessProbe", "liveness_probe")):
        if block.get(key) is not None:
            getattr(out, target).CopyFrom(probe_from(block[key], f"{field}.{key}"))
    return out


def _resources(data: Any, out: pod_pb2.ResourceRequirements, field: str) -> None:
    block = mapping(data, field)
    known(block, frozenset({"requests", "limits"}), field)
    for part in ("requests", "limits"):
        amounts = mapping(block.get(part), f"{field}.{part}")
        known(amounts, frozenset({"cpu", "memory"}), f"{field}.{part}")
        target = getattr(out, part)
        if amounts.get("cpu") is not None:
            target.cpu_millis = quantity.cpu_millis(amounts["cpu"], f"{field}.{part}.cpu")
        if amounts.get("memory") is not None:
            target.memory_bytes = quantity.memory_bytes(amounts["memory"], f"{field}.{part}.memory")


def probe_from(data: Any, field: str) -> pod_pb2.Probe:
    block = mapping(data, field)
    known(block, PROBE_KEYS, field)
    out = pod_pb2.Probe()
    if "exec" in block:
        action = mapping(block["exec"], f"{field}.exec")
        out.exec.command.extend(string_list(action.get("command"), f"{field}.exec.command"))
    elif "tcpSocket" in block:
        action = mapping(block["tcpSocket"], f"{field}.tcpSocket")
        known(action, frozenset({"port", "host"}), f"{field}.tcpSocket")
        out.tcp_socket.port = integer(action.get("port"), f"{field}.tcpSocket.port")
        out.tcp_socket.host = str(action.get("host") or "")
    elif "grpc" in block:
        action = mapping(block["grpc"], f"{field}.grpc")
        out.grpc.port = integer(action.get("port"), f"{field}.grpc.port")
        out.grpc.service = str(action.get("service") or "")
    else:
        raise Invalid(field, "needs exec, tcpSocket or grpc (httpGet is not supported)")
    for key, target in _TIMINGS:
        if block.get(key) is not None:
            getattr(out, target).CopyFrom(seconds(integer(block[key], f"{field}.{key}")))
    out.success_threshold = integer(block.get("successThreshold"), f"{field}.successThreshold")
    out.failure_threshold = integer(block.get("failureThreshold"), f"{field}.failureThreshold")
    return out


def container_to(value: pod_pb2.Container) -> dict[str, Any]:
    out: dict[str, Any] = {"name": value.name}
    if value.image:
        out["image"] = value.image
    if value.command:
        out["command"] = list(value.command)
    if value.args:
        out["args"] = list(value.args)
    if value.env:
        out["env"] = [{"name": k, "value": v} for k, v in sorted(value.env.items())]
    if value.working_dir:
        out["workingDir"] = value.working_dir
    resources: dict[str, Any] = {}
    for part in ("requests", "limits"):
        amounts = getattr(value.resources, part)
        block = {}
        if amounts.cpu_millis:
            block["cpu"] = quantity.cpu(amounts.cpu_millis)
        if amounts.memory_bytes:
            block["memory"] = quantity.memory(amounts.memory_bytes)
        if block:
            resources[part] = block
    out["resources"] = resources
    for key, source in (("readinessProbe", "readiness_probe"), ("livenessProbe", "liveness_probe")):
        if value.HasField(source):
            out[key] = probe_to(getattr(value, source))
    return out


def probe_to(value: pod_pb2.Probe) -> dict[str, Any]:
    out: dict[str, Any] = {}
    which = value.WhichOneof("handler")
    if which == "exec":
        out["exec"] = {"command": list(value.exec.command)}
    elif which == "tcp_socket":
        out["tcpSocket"] = {"port": value.tcp_socket.port}
        if value.tcp_socket.host:
            out["tcpSocket"]["host"] = value.tcp_socket.host
    elif which == "grpc":
        out["grpc"] = {"port": value.grpc.port, "service": value.grpc.service}
    for key, source in _TIMINGS:
        if value.HasField(source):
            out[key] = getattr(value, source).seconds
    for key, source in (
        ("successThreshold", "success_threshold"),
        ("failureThreshold", "failure_threshold"),
    ):
        if getattr(value, source):
            out[key] = getattr(value, source)
    return out
