"""Discovery: ``/version``, ``/api``, ``/apis`` (legacy and aggregated), ``/apis/G/V``.

Pure: every document is built from the served resources' names. Aggregated discovery
(``apidiscovery.k8s.io/v2``) is what kubectl asks for first; it is answered when the
``Accept`` header asks for it, with the content type that tells client-go what it got.
"""

from __future__ import annotations

from typing import Any

from sigma import __version__
from sigma.apiserver.kube.served.base import Served
from sigma.apiserver.kube.served.registry import SERVED, groups, of_group

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_BETA = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
KUBE_VERSION = ("1", "32")
JSON = "application/json"


def version() -> dict[str, Any]:
    major, minor = KUBE_VERSION
    return {
        "major": major,
        "minor": minor,
        "gitVersion": f"v{major}.{minor}.0-sigma.{__version__}",
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "",
        "goVersion": "",
        "compiler": "python",
        "platform": "linux/amd64",
    }


def wants_aggregated(accept: str) -> str:
    """The aggregated content type ``accept`` asks for, or "" for the legacy documents."""
    if "as=APIGroupDiscoveryList" not in accept:
        return ""
    return AGGREGATED if "v=v2;" in accept.replace(" ", "") + ";" else AGGREGATED_BETA


def _extras(s: Served) -> dict[str, Any]:
    """Short names and categories, where the resource has them (both discovery forms)."""
    n, out = s.names, {}
    if n.short_names:
        out["shortNames"] = list(n.short_names)
    if n.categories:
        out["categories"] = list(n.categories)
    return out


def _resource(s: Served) -> dict[str, Any]:
    n = s.names
    out: dict[str, Any] = {
        "name": n.plural,
        "singularName": n.singular,
        "namespaced": n.namespaced,
        "kind": n.kind,
        "verbs": list(n.verbs),
    }
    out |= _extras(s)
    return out


def resource_list(group: str, version_: str) -> dict[str, Any]:
    """``/api/v1`` or ``/apis/G/V``: an APIResourceList."""
    resources = []
    for s in of_group(group, version_):
        resources.append(_resource(s))
        for sub in s.names.subresources:
            item = {
                "name": f"{s.names.plural}/{sub.name}",
                "singularName": "",
                "namespaced": s.names.namespaced,
                "kind": sub.kind,
                "verbs": list(sub.verbs),
            }
            if sub.group:
                item |= {"group": sub.group, "version": sub.version}
            resources.append(item)
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version_}" if group else version_,
        "resources": resources,
    }


def api_versions() -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}],
    }


def _group(name: str) -> dict[str, Any]:
    gv = {"groupVersion": f"{name}/v1", "version": "v1"}
    return {"name": name, "versions": [gv], "preferredVersion": gv}


def api_groups() -> dict[str, Any]:
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group(g) for g in groups()]}


def api_group(name: str) -> dict[str, Any] | None:
    if name not in groups():
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name)}


def _aggregated_resource(s: Served) -> dict[str, Any]:
    n = s.names
    out: dict[str, Any] = {
        "resource": n.plural,
        "responseKind": {"group": n.group, "version": n.version, "kind": n.kind},
        "scope": "Namespaced" if n.namespaced else "Cluster",
        "singularResource": n.singular,
        "verbs": list(n.verbs),
    }
    out |= _extras(s)
    if n.subresources:
        out["subresources"] = [
            {
                "subresource": sub.name,
                "responseKind": {
                    "group": sub.group if sub.group else n.group,
                    "version": sub.version,
                    "kind": sub.kind,
                },
                "verbs": list(sub.verbs),
            }
            for sub in n.subresources
        ]
    return out


def aggregated(legacy: bool, content_type: str = AGGREGATED) -> dict[str, Any]:
    """``/api`` (``legacy``) or ``/apis`` as an APIGroupDiscoveryList."""
    names = [""] if legacy else groups()
    items = []
    for group in names:
        resources = [_aggregated_resource(s) for s in SERVED if s.names.group == group]
        items.append(
            {
                "metadata": {"name": group, "creationTimestamp": None},
                "versions": [{"version": "v1", "resources": resources, "freshness": "Current"}],
            }
        )
    version_ = "v2" if content_type == AGGREGATED else "v2beta1"
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{version_}",
        "metadata": {},
        "items": items,
    }


def document(path: str, accept: str) -> tuple[dict[str, Any], str] | None:
    """The discovery document at ``path`` and its content type; None for any other path
    (``/api/v1/...`` below the resource lists is a resource's)."""
    path = path.rstrip("/")
    kind = wants_aggregated(accept)
    if path in ("/api", "/apis") and kind:
        return aggregated(path == "/api", kind), kind
    fixed = {"/version": version, "/api": api_versions, "/apis": api_groups}
    if path in fixed:
        return fixed[path](), JSON
    parts = path.split("/")[1:]
    found = None
    if parts == ["api", "v1"]:
        found = resource_list("", "v1")
    elif parts[:1] == ["apis"] and len(parts) == 2:
        found = api_group(parts[1])
    elif parts[:1] == ["apis"] and len(parts) == 3 and parts[1] in groups():
        found = resource_list(parts[1], parts[2]) if parts[2] == "v1" else None
    return (found, JSON) if found is not None else None
