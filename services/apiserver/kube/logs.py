"""``pods/NAME/log``: a container's log, streamed from the slave of the pod's node.

Logs stay on the machine that ran the container. The door finds the pod's node and where its
slave listens (``status.agent_address``, recorded when the slave registered) through the same
servicers as every other call, then relays ``Slave.StreamLogs`` as plain text, with the
caller's own token, so the slave admits it exactly as it admits ``sigmactl logs``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import grpc
from aiohttp import web

from sigma import rpc
from sigma.apiserver.kube import routes
from sigma.apiserver.kube.calls import Call
from sigma.apiserver.kube.routes import Target
from sigma.apiserver.kube.served.registry import BY_PATH
from sigma.errors import FailedPrecondition, Invalid
from sigma.v1 import slave_pb2, slave_pb2_grpc


def log_request(namespace: str, name: str, params: Mapping[str, str]) -> Any:
    """The StreamLogs request a ``log`` query asks for (pure)."""
    tail = params.get("tailLines", "") or "0"
    if not tail.lstrip("-").isdigit() or int(tail) < 0:
        raise Invalid("tailLines", "must be a whole number, 0 or more")
    return slave_pb2.StreamLogsRequest(
        namespace=namespace,
        pod=name,
        container=params.get("container", ""),
        follow=routes.truthy(params.get("follow")),
        tail_lines=int(tail),
        previous=routes.truthy(params.get("previous")),
    )


async def stream_log(
    request: web.Request,
    call: Call,
    target: Target,
    credentials: grpc.ChannelCredentials | None,
) -> web.StreamResponse:
    pod = await target.served.get(call, target.namespace, target.name)
    node_name = pod.status.node_name or pod.spec.node_name
    if not node_name:
        raise FailedPrecondition(f"pod {target.name} is not on a node yet: it has no logs")
    node = await BY_PATH["", "v1", "nodes"].get(call, "", node_name)
    address = node.status.agent_address
    if not address:
        raise FailedPrecondition(f"node {node_name} does not say where its slave listens")
    wanted = log_request(target.namespace, target.name, request.query)
    auth = rpc.bearer(call.token)
    response: web.StreamResponse | None = None
    async with rpc.channel(address, credentials) as channel:
        method = slave_pb2_grpc.SlaveStub(channel).StreamLogs

        def send(message: Any, *, timeout: float | None, metadata: Any) -> Any:
            return method(message, timeout=timeout, metadata=(*metadata, *auth))

        timeout = None if wanted.follow else rpc.DEFAULT_TIMEOUT
        async for chunk in rpc.stream(send, wanted, timeout=timeout):
            if response is None:  # errors before the first chunk are still a Status
                response = web.StreamResponse(headers={"Content-Type": "text/plain"})
                response.enable_chunked_encoding()
                await response.prepare(request)
            try:
                await response.write(chunk.data)
            except ConnectionError:
                break
    if response is None:
        return web.Response(text="", content_type="text/plain")
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response
