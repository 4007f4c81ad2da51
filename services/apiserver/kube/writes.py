"""The write verbs of the Kubernetes door over HTTP: create, replace, patch, delete, and the
``scale``, ``status`` and ``eviction`` subresources.

A patch of any of the four kinds kubectl sends is applied to the object as this door renders
it, and the result is written as a replace, so a patch and a PUT of the same object are one
change through the same servicer verbs. Server-side apply of an object that does not exist yet
creates it, as the Kubernetes API server does. A patch that names no ``resourceVersion`` is
applied again to a fresh read when a concurrent write (a controller's status, another patch) got
in between, as the API server's own update loop does; one that names a version fails with the
Conflict.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from aiohttp import web

from sigma.apiserver.kube import patch as P
from sigma.apiserver.kube import routes
from sigma.apiserver.kube.calls import Call
from sigma.apiserver.kube.reads import reply
from sigma.apiserver.kube.routes import Target
from sigma.apiserver.kube.status import bad_request, method_not_allowed, success
from sigma.errors import Conflict, NotFound

YAML_TYPES = ("application/yaml", "application/apply-patch+yaml")
PATCH_ATTEMPTS = 16  # reads and applies of one patch before a conflict reaches the client


async def body_of(request: web.Request, *, required: bool = True) -> Any:
    """The request's body, decoded from JSON (or YAML, for server-side apply)."""
    raw = await request.read()
    if not raw:
        if required:
            raise bad_request("the request needs a body")
        return {}
    kind = request.content_type
    try:
        return yaml.safe_load(raw) if kind in YAML_TYPES else json.loads(raw)
    except (ValueError, yaml.YAMLError) as exc:
        raise bad_request(
            f"the body is not valid {'YAML' if kind in YAML_TYPES else 'JSON'}"
        ) from exc


def delete_options(request: web.Request, body: Any) -> dict[str, Any]:
    """DeleteOptions from the body and the query (kubectl sends them either way)."""
    options = dict(body) if isinstance(body, dict) else {}
    for key in ("gracePeriodSeconds", "propagationPolicy", "orphanDependents"):
        if key in request.query and key not in options:
            options[key] = request.query[key]
    return options


class Writes:
    async def create(self, request: web.Request, call: Call, target: Target) -> web.Response:
        body = await body_of(request)
        if not isinstance(body, dict):
            raise bad_request("the body must be a JSON object")
        dry = routes.dry_run(request.query)
        obj = await target.served.create(call, target.namespace, body, dry)
        return reply(target.served.render(obj), 201)

    async def replace(self, request: web.Request, call: Call, target: Target) -> web.Response:
        body = await body_of(request)
        if not isinstance(body, dict):
            raise bad_request("the body must be a JSON object")
        dry = routes.dry_run(request.query)
        obj = await target.served.replace(call, target.namespace, target.name, body, dry)
        return reply(target.served.render(obj))

    async def patch(self, request: web.Request, call: Call, target: Target) -> web.Response:
        body = await body_of(request)
        dry = routes.dry_run(request.query)
        metadata = body.get("metadata") if isinstance(body, dict) else None
        pinned = isinstance(metadata, dict) and bool(metadata.get("resourceVersion"))
        attempt = 1
        while True:
            try:
                return await patch_once(call, target, body, request.content_type, dry)
            except Conflict:
                if pinned or attempt >= PATCH_ATTEMPTS:
                    raise
                attempt += 1

    async def delete(self, request: web.Request, call: Call, target: Target) -> web.Response:
        options = delete_options(request, await body_of(request, required=False))
        dry = routes.dry_run(request.query)
        obj = await target.served.delete(call, target.namespace, target.name, options, dry)
        return reply(target.served.render(obj))

    async def scale(self, request: web.Request, call: Call, target: Target) -> web.Response:
        """``deployments/NAME/scale``: GET, PUT, or a patch of the Scale."""
        served: Any = target.served
        ns, name, dry = target.namespace, target.name, routes.dry_run(request.query)
        if request.method == "GET":
            return reply(await served.scale(call, ns, name, None, dry))
        body = await body_of(request)
        if request.method == "PATCH":
            body = P.apply_patch(
                await served.scale(call, ns, name, None, dry), body, request.content_type
            )
        elif request.method != "PUT":
            raise method_not_allowed(f"{request.method} is not a verb of scale")
        return reply(await served.scale(call, ns, name, body, dry))

    async def evict(self, request: web.Request, call: Call, target: Target) -> web.Response:
        """``pods/NAME/eviction``: the pod goes if its App's disruption budget allows."""
        if request.method != "POST":
            raise method_not_allowed("an eviction is created (POST)")
        body = await body_of(request)
        await target.served.evict(call, target.namespace, target.name, body)  # type: ignore[attr-defined]
        return reply(success(code=201), 201)


async def patch_once(call: Call, target: Target, body: Any, kind: str, dry: bool) -> web.Response:
    """Read the object, apply the patch to it, write it back at the version read (or create
    it, for a server-side apply of an object that does not exist)."""
    served = target.served
    try:
        current = await served.get(call, target.namespace, target.name)
    except NotFound:
        if kind != P.APPLY:
            raise
        obj = await served.create(call, target.namespace, body, dry)
        return reply(served.render(obj), 201)
    wanted = P.apply_patch(served.render(current), body, kind)
    obj = await served.replace(call, target.namespace, target.name, wanted, dry)
    return reply(served.render(obj))
