"""The project's own kinds as the ``sigma.io/v1`` API group: App, BatchJob, Node, Task.

Pure. ``spec`` and ``status`` are written as ``sigmactl get -o yaml`` writes them (the
protobuf JSON names, short enum names), so a manifest applied with ``sigmactl`` reads the
same through ``kubectl get apps.sigma.io -o yaml``; ``metadata`` is the Kubernetes block.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from sigma.apiserver.kube import meta as M
from sigma.ctl._convert import from_data, to_data
from sigma.errors import Invalid

API_VERSION = "sigma.io/v1"


def render(obj: Message, kind: str, *, namespaced: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": M.metadata(obj.meta, namespaced=namespaced),  # type: ignore[attr-defined]
    }
    for part in ("spec", "status"):
        if part in obj.DESCRIPTOR.fields_by_name:
            out[part] = to_data(getattr(obj, part))
    return out


def read(data: dict[str, Any], message: type[Message], namespace: str) -> Message:
    """The object a ``sigma.io/v1`` body describes (its status is the server's, ignored)."""
    M.known(data, frozenset({"apiVersion", "kind", "metadata", "spec", "status"}), "")
    obj = message()
    M.read(data.get("metadata"), obj.meta, namespace)  # type: ignore[attr-defined]
    spec = data.get("spec")
    if spec is None:
        raise Invalid("spec", "required")
    from_data(spec, obj.spec, "spec")  # type: ignore[attr-defined]
    return obj
