"""The Kubernetes door's HTTP server: routes, the error edge, and its start and stop.

aiohttp serves it beside the gRPC port. Every resource request becomes one ``Call`` (the
bearer token of its ``Authorization`` header) through the apiserver's own servicers; the
project's errors become Kubernetes ``Status`` objects here, at one place, and nothing else
escapes as anything but a 500 Status.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from aiohttp import web

from sigma.apiserver.kube import discovery, openapi, routes
from sigma.apiserver.kube.calls import Backend, Call
from sigma.apiserver.kube.logs import stream_log
from sigma.apiserver.kube.reads import Reads, reply
from sigma.apiserver.kube.routes import Target
from sigma.apiserver.kube.status import (
    KubeError,
    from_error,
    method_not_allowed,
    not_acceptable,
)
from sigma.apiserver.kube.writes import Writes
from sigma.errors import SigmaError
from sigma.log import get_logger

log = get_logger("sigma.apiserver.kube")
Handler = Callable[[web.Request, Call, Target], Awaitable[web.StreamResponse]]


def bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def created_name(request: web.Request) -> str:
    """The name a create's body gives (for the Status of a refused create), or ""."""
    if request.method != "POST":
        return ""
    try:
        body = json.loads(await request.read())
        return str(body["metadata"]["name"])
    except (ValueError, TypeError, KeyError):
        return ""


@dataclass
class Door:
    """The handlers over one ``Backend``; ``slaves`` are the credentials logs are read with."""

    backend: Backend
    wall: Callable[[], float] = time.time
    slaves: grpc.ChannelCredentials | None = None

    def __post_init__(self) -> None:
        self.reads = Reads(self.wall)
        self.writes = Writes()

    def handler(self, method: str, target: Target) -> Handler:
        """The handler of ``method`` on ``target``; 405 for a verb it does not take."""
        w, r = self.writes, self.reads
        if target.sub == "log":
            return lambda req, call, t: stream_log(req, call, t, self.slaves)
        if target.sub == "scale":
            return w.scale
        if target.sub == "eviction":
            return w.evict
        table: dict[tuple[str, bool], Handler] = {
            ("GET", True): r.get,
            ("GET", False): r.collection,
            ("POST", False): w.create,
            ("PUT", True): w.replace,
            ("PATCH", True): w.patch,
            ("DELETE", True): w.delete,
        }
        found = table.get((method, bool(target.name)))
        if found is None:
            raise method_not_allowed(f"{method} is not served on {target.served.names.plural}")
        return found

    async def resource(self, request: web.Request) -> web.StreamResponse:
        target = routes.parse_path(request.path)
        if target is None:
            raise KubeError(404, "NotFound", f"the server could not find {request.path}")
        call = Call(self.backend, bearer(request))
        kind = target.served.names.kind
        try:
            return await self.handler(request.method, target)(request, call, target)
        except (SigmaError, KubeError) as exc:
            name = target.name or await created_name(request)
            body = from_error(exc, kind, name, target.served.names.group)
            return reply(body, body["code"])

    async def discovery(self, request: web.Request) -> web.StreamResponse:
        found = discovery.document(request.path, request.headers.get("Accept", ""))
        if found is None:
            return await self.resource(request)
        body, content_type = found
        return reply(body, content_type=content_type)

    async def openapi(self, request: web.Request) -> web.StreamResponse:
        found = openapi.document(request.path)
        accept = request.headers.get("Accept", "") or "*/*"
        if found is not None and not any(t in accept for t in ("json", "*/*")):
            raise not_acceptable(f"{request.path} is served as application/json only")
        if found is None:
            raise KubeError(404, "NotFound", f"no OpenAPI document at {request.path}")
        return reply(found)


@web.middleware
async def errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """The one edge where a failure becomes a Status."""
    try:
        return await handler(request)  # type: ignore[no-any-return]
    except web.HTTPException:
        raise
    except (SigmaError, KubeError) as exc:
        body = from_error(exc)
        return reply(body, body["code"])
    except Exception:
        log.exception("kube request failed", extra={"path": request.path})
        return reply(from_error(SigmaError("internal error")), 500)


async def healthy(request: web.Request) -> web.StreamResponse:
    """``/healthz``, ``/livez``, ``/readyz``: the door answers (as a Kubernetes API server's)."""
    return web.Response(text="ok", content_type="text/plain")


async def nowhere(request: web.Request) -> web.StreamResponse:
    raise KubeError(
        404, "NotFound", f"the server could not find the requested resource {request.path}"
    )


def application(door: Door) -> web.Application:
    app = web.Application(middlewares=[errors], client_max_size=8 * 1024 * 1024)
    for path in ("/healthz", "/livez", "/readyz"):
        app.router.add_route("GET", path, healthy)
    app.router.add_route("GET", "/openapi/{rest:.*}", door.openapi)
    app.router.add_route("GET", "/{rest:(version|api|apis)(/.*)?}", door.discovery)
    app.router.add_route("*", "/{rest:(api|apis)/.*}", door.resource)
    app.router.add_route("*", "/{rest:.*}", nowhere)
    return app


class KubeServer:
    """The door listening on ``host:port`` (port 0: a free one), until ``stop``."""

    def __init__(self, door: Door, host: str, port: int, tls: ssl.SSLContext | None) -> None:
        # Open watches end at once on stop: a shutdown waits at most a second for them.
        self.runner = web.AppRunner(
            application(door), access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        self.host, self.port, self.tls = host, port, tls
        self.address = ""

    async def start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port, ssl_context=self.tls)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        self.address = f"{host}:{port}"

    async def stop(self) -> None:
        await self.runner.cleanup()
