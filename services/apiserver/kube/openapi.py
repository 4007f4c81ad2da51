"""OpenAPI documents of the served kinds: v3 per group-version (what ``kubectl explain`` and
``kubectl apply``'s validation read) and one v2 document (JSON) for older clients.

Pure and built once. Each PATCH operation carries the ``fieldValidation`` parameter with the
kind's ``x-kubernetes-group-version-kind``: that is how kubectl learns the server validates
fields itself, so it sends ``fieldValidation=Strict`` and an unknown field comes back as a 422
naming it (this door refuses unknown fields whatever the mode).
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from sigma.apiserver.kube import schemas
from sigma.apiserver.kube.discovery import KUBE_VERSION
from sigma.apiserver.kube.served.base import Served
from sigma.apiserver.kube.served.registry import SERVED, groups

V3 = "/openapi/v3"
_PACKAGES = {"": "io.k8s.api.core.v1", "apps": "io.k8s.api.apps.v1", "batch": "io.k8s.api.batch.v1"}
_WRITE_PARAMS = ("dryRun", "fieldManager", "fieldValidation")


def schema_name(s: Served) -> str:
    return f"{_PACKAGES.get(s.names.group, 'io.sigma.v1')}.{s.names.kind}"


def gvk(s: Served) -> list[dict[str, str]]:
    n = s.names
    return [{"group": n.group, "version": n.version, "kind": n.kind}]


def kind_schema(s: Served) -> dict[str, Any]:
    """The kind's schema, tagged with its group, version and kind."""
    own = schemas.KUBE_KINDS.get(s.names.kind) if not s.names.group.endswith("sigma.io") else None
    if own is None:
        descriptor = s.message.DESCRIPTOR
        parts = {
            p: schemas.message(
                descriptor.fields_by_name[p].message_type, f"The {s.names.kind}'s {p}."
            )
            for p in ("spec", "status")
            if p in descriptor.fields_by_name
        }
        own = schemas.obj(
            f"Sigma's {s.names.kind}, whole (as sigmactl writes it).",
            apiVersion=schemas.text(s.names.api_version),
            kind=schemas.text(s.names.kind),
            metadata=schemas.METADATA,
            **parts,
        )
    return {**own, "x-kubernetes-group-version-kind": gvk(s)}


def _operation(s: Served, action: str, params: tuple[str, ...] = ()) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema_name(s)}"}
    return {
        "operationId": f"{action}{s.names.kind}",
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk(s)[0],
        "parameters": [
            {"name": p, "in": "query", "schema": {"type": "string"}, "uniqueItems": True}
            for p in params
        ],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": ref}}}
        },
    }


def paths(s: Served) -> dict[str, Any]:
    n = s.names
    root = f"/apis/{n.group}/{n.version}" if n.group else "/api/v1"
    base = f"{root}/namespaces/{{namespace}}/{n.plural}" if n.namespaced else f"{root}/{n.plural}"
    collection: dict[str, Any] = {"get": _operation(s, "list")}
    item: dict[str, Any] = {"get": _operation(s, "get")}
    if "create" in n.verbs:
        collection["post"] = _operation(s, "post", _WRITE_PARAMS)
    if "update" in n.verbs:
        item["put"] = _operation(s, "put", _WRITE_PARAMS)
    if "patch" in n.verbs:
        item["patch"] = _operation(s, "patch", (*_WRITE_PARAMS, "force"))
    if "delete" in n.verbs:
        item["delete"] = _operation(s, "delete", ("dryRun",))
    return {base: collection, f"{base}/{{name}}": item}


def _info() -> dict[str, str]:
    return {"title": "Sigma", "version": "v{}.{}.0".format(*KUBE_VERSION)}


@functools.cache
def group_version(group: str, version: str) -> dict[str, Any]:
    served = [s for s in SERVED if (s.names.group, s.names.version) == (group, version)]
    out: dict[str, Any] = {"openapi": "3.0.0", "info": _info(), "paths": {}}
    out["components"] = {"schemas": {schema_name(s): kind_schema(s) for s in served}}
    for s in served:
        out["paths"].update(paths(s))
    return out


def _key(group: str) -> str:
    return f"apis/{group}/v1" if group else "api/v1"


def _digest(doc: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32].upper()


@functools.cache
def root() -> dict[str, Any]:
    """``/openapi/v3``: where each group-version's document is, with its hash."""
    out = {}
    for group in ["", *groups()]:
        if any(s.names.group == group for s in SERVED):
            url = f"{V3}/{_key(group)}?hash={_digest(group_version(group, 'v1'))}"
            out[_key(group)] = {"serverRelativeURL": url}
    return {"paths": out}


@functools.cache
def swagger() -> dict[str, Any]:
    """``/openapi/v2``: every kind in one Swagger 2.0 document."""
    return {
        "swagger": "2.0",
        "info": _info(),
        "paths": {},
        "definitions": {schema_name(s): kind_schema(s) for s in SERVED},
    }


def document(path: str) -> dict[str, Any] | None:
    path = path.rstrip("/")
    if path == V3:
        return root()
    if path == "/openapi/v2":
        return swagger()
    rest = path.removeprefix(V3 + "/").split("/")
    if rest[:2] == ["api", "v1"] and len(rest) == 2:
        return group_version("", "v1")
    if rest[:1] == ["apis"] and len(rest) == 3 and rest[1] in groups():
        return group_version(rest[1], rest[2]) if rest[2] == "v1" else None
    return None
