"""The Kubernetes door started beside the apiserver's gRPC port, over the same ``Api``.

Plain HTTP on loopback by default; with the tier's ``--tls-cert``/``--tls-key`` it speaks TLS,
and with ``--tls-ca`` it requires a client certificate that CA signed, as the gRPC port does.
Bearer tokens are checked by the very guard the gRPC server admits calls with (kubectl sends a
kubeconfig's ``token:`` only over TLS).
"""

from __future__ import annotations

import asyncio
import ssl

from sigma.apiserver.api._common import Api
from sigma.apiserver.kube.calls import Backend
from sigma.apiserver.kube.door import Door, KubeServer
from sigma.auth import Security
from sigma.rpc import channel_credentials
from sigma.tiers import Context, parse_listen

DEFAULT_PORT = 7080


def tls_context(security: Security) -> ssl.SSLContext | None:
    if not security.tls:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(security.tls_cert, security.tls_key)
    if security.tls_ca:
        context.load_verify_locations(security.tls_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


async def start(ctx: Context, api: Api, listen: str) -> None:
    """Serve the door on ``listen`` ("" or "0": not at all) until the tier's tasks end."""
    if listen in ("", "0"):
        return
    host, port = parse_listen(listen, DEFAULT_PORT)
    security = ctx.security or Security()
    guard = ctx.guard if ctx.guard is not None else security.guard()
    slaves = None
    if security.tls:
        slaves = channel_credentials(security.tls_ca, security.tls_cert, security.tls_key)
    door = Door(Backend(api, guard), wall=ctx.wall, slaves=slaves)
    server = KubeServer(door, host, port, tls_context(security))
    await server.start()
    ctx.endpoints["kube"] = server.address

    async def serve() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    ctx.spawn(serve(), "apiserver-kube")
