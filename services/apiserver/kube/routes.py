"""A Kubernetes API path and query, parsed: which resource, namespace, name and subresource.

Pure. The paths are the Kubernetes API server's: ``/api/v1/...`` for the core group,
``/apis/GROUP/VERSION/...`` for the others, a namespaced resource under
``namespaces/NS/``. ``/api/v1/namespaces/NAME`` is the Namespace itself, and
``/api/v1/namespaces/NS/PLURAL`` a resource in it, as in Kubernetes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sigma.apiserver.kube import selectors
from sigma.apiserver.kube.served.base import Query, Served
from sigma.apiserver.kube.served.registry import BY_PATH
from sigma.apiserver.kube.status import KubeError, bad_request


@dataclass(frozen=True, slots=True)
class Target:
    """What a resource request names."""

    served: Served
    namespace: str = ""
    name: str = ""
    sub: str = ""


def _not_found(path: str) -> KubeError:
    return KubeError(404, "NotFound", f"the server could not find the requested resource {path}")


def parse_path(path: str) -> Target | None:
    """The resource ``path`` names; None when it names no resource (discovery and others)."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if not rest:
        return None
    namespace = ""
    if (
        rest[0] == "namespaces"
        and len(rest) >= 3
        and (group or (group, version, rest[2]) in BY_PATH)
    ):
        namespace, rest = rest[1], rest[2:]
    served = BY_PATH.get((group, version, rest[0]))
    if served is None or len(rest) > 3:
        raise _not_found(path)
    if namespace and not served.names.namespaced:
        raise _not_found(path)
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    if sub and sub not in {s.name for s in served.names.subresources}:
        raise _not_found(path)
    return Target(served, namespace, name, sub)


def truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def query(served: Served, params: Mapping[str, str]) -> Query:
    """A list or watch request's selectors and paging."""
    limit_text = params.get("limit", "") or "0"
    if not limit_text.isdigit():
        raise bad_request(f"limit: {limit_text!r} is not a whole number")
    return Query(
        labels=selectors.parse(params.get("labelSelector", "")),
        fields=selectors.fields(params.get("fieldSelector", ""), served.field_names()),
        limit=int(limit_text),
        token=params.get("continue", ""),
    )


def revision(params: Mapping[str, str]) -> int:
    """A watch's starting ``resourceVersion`` ("" or "0": from now)."""
    text = params.get("resourceVersion", "") or "0"
    if not text.isdigit():
        raise bad_request(f"resourceVersion: {text!r} is not a version this server issued")
    return int(text)


def dry_run(params: Mapping[str, str]) -> bool:
    value = params.get("dryRun", "")
    if value not in ("", "All"):
        raise bad_request(f"dryRun: {value!r} is not supported (only All)")
    return value == "All"
