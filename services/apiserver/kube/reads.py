"""The read verbs of the Kubernetes door over HTTP: get, list (as objects or a Table), watch.

A watch is a chunked response of one JSON event a line, as the Kubernetes API server streams
it; it starts from the request's ``resourceVersion`` (the list's, when kubectl follows a list),
sends ``BOOKMARK`` events only when the client allows them, and ends with an ``ERROR`` event
carrying a 410 ``Expired`` Status when that version is compacted, so the client relists.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from aiohttp import web

from sigma.apiserver.kube import answers, routes
from sigma.apiserver.kube.calls import Call
from sigma.apiserver.kube.routes import Target
from sigma.apiserver.kube.status import KubeError, from_error
from sigma.errors import SigmaError
from sigma.v1 import event_pb2

JSON = "application/json"


def _line(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode() + b"\n"


def reply(body: Any, code: int = 200, content_type: str = JSON) -> web.Response:
    """``body`` as JSON; ``content_type`` may carry parameters (aggregated discovery's)."""
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(),
        status=code,
        headers={"Content-Type": content_type},
    )


class Lines:
    """The encoded watch lines of the latest changes, so that N watchers of one kind render
    and encode each change once, not N times. A change is one store revision of one key: its
    line never changes, so the cache needs no invalidation, only a bound."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.lines: OrderedDict[tuple[str, str, int], bytes] = OrderedDict()

    def get(self, served: Any, event: event_pb2.Event, make: Callable[[], bytes]) -> bytes:
        key = (served.names.plural, event.key, event.revision)
        line = self.lines.get(key)
        if line is None:
            line = self.lines[key] = make()
            if len(self.lines) > self.size:
                self.lines.popitem(last=False)
        return line


class Reads:
    """GET of one object, of a collection, and watches; ``wall`` stamps ages in Tables."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self.wall = wall
        self.lines = Lines()

    async def get(self, request: web.Request, call: Call, target: Target) -> web.StreamResponse:
        served = target.served
        obj = await served.get(call, target.namespace, target.name)
        if answers.wants_table(request.headers.get("Accept", "")):
            include = request.query.get("includeObject", "")
            return reply(answers.table(served, [obj], self.wall(), include, {}))
        return reply(served.render(obj))

    async def collection(
        self, request: web.Request, call: Call, target: Target
    ) -> web.StreamResponse:
        params = request.query
        served = target.served
        query = routes.query(served, params)
        if routes.truthy(params.get("watch")):
            return await self.watch(request, call, target, routes.revision(params))
        page = await served.list(call, target.namespace, query)
        if answers.wants_table(request.headers.get("Accept", "")):
            include = params.get("includeObject", "")
            meta = answers.list_meta(page)
            return reply(answers.table(served, page.items, self.wall(), include, meta))
        return reply(answers.listing(served, page))

    async def watch(
        self, request: web.Request, call: Call, target: Target, revision: int
    ) -> web.StreamResponse:
        params = request.query
        served = target.served
        query = routes.query(served, params)
        table_of = ""
        if answers.wants_table(request.headers.get("Accept", "")):
            table_of = params.get("includeObject", "") or "Metadata"
        bookmarks = routes.truthy(params.get("allowWatchBookmarks"))
        timeout = float(params.get("timeoutSeconds", "0") or 0) or None
        response = web.StreamResponse(headers={"Content-Type": JSON})
        response.enable_chunked_encoding()
        await response.prepare(request)
        events = served.watch(call, target.namespace, revision, query)
        try:
            async with asyncio.timeout(timeout):
                async for event in events:
                    line = self.event_line(served, event, query, table_of, bookmarks)
                    if line is not None:
                        await response.write(line)
        except TimeoutError:
            pass
        except (SigmaError, KubeError) as exc:  # compacted, refused: the last event says so
            error = {"type": "ERROR", "object": from_error(exc)}
            with contextlib.suppress(ConnectionError):
                await response.write(json.dumps(error).encode() + b"\n")
        except ConnectionError:  # the client went away
            pass
        finally:
            await events.aclose()  # type: ignore[attr-defined]
        with contextlib.suppress(ConnectionError):
            await response.write_eof()
        return response

    def event_line(
        self, served: Any, event: event_pb2.Event, query: Any, table_of: str, bookmarks: bool
    ) -> bytes | None:
        if event.type == event_pb2.EVENT_TYPE_BOOKMARK:
            return _line(answers.bookmark(served, event.revision)) if bookmarks else None
        if not served.keep(getattr(event, served.event_field), query):
            return None
        if table_of:  # a Table row carries an age: made for each watcher
            return self.encode(served, event, table_of)
        return self.lines.get(served, event, lambda: self.encode(served, event, ""))

    def encode(self, served: Any, event: event_pb2.Event, table_of: str) -> bytes:
        return _line(answers.change(served, event, table_of, self.wall()))
