"""``python -m sigma.rpc.probe HOST:PORT [SERVICE]``: exit 0 if the server reports SERVING.

The container health check of every tier; a tiny stand-in for grpc_health_probe that needs
nothing beyond the image's own Python. When the tier speaks TLS, the probe uses the same
``SIGMA_TLS_CA`` / ``SIGMA_TLS_CERT`` / ``SIGMA_TLS_KEY`` files the tier was given (health needs
no token, but a server requiring client certificates needs one on every connection).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from sigma.rpc._client import channel
from sigma.rpc._tls import channel_credentials


async def check(
    target: str,
    service: str = "",
    timeout: float = 2.0,
    credentials: grpc.ChannelCredentials | None = None,
) -> bool:
    async with channel(target, credentials) as chan:
        stub = health_pb2_grpc.HealthStub(chan)
        try:
            request = health_pb2.HealthCheckRequest(service=service)
            reply = await stub.Check(request, timeout=timeout)
        except grpc.aio.AioRpcError:
            return False
    return reply.status == health_pb2.HealthCheckResponse.SERVING


def env_credentials(env: Mapping[str, str]) -> grpc.ChannelCredentials | None:
    """Client TLS from the tier's own SIGMA_TLS_* settings, or None for plaintext."""
    if not env.get("SIGMA_TLS_CERT"):
        return None
    # The tier's certificate is its client certificate too (sigma dev-ca makes them so).
    return channel_credentials(
        env.get("SIGMA_TLS_CA", ""), env["SIGMA_TLS_CERT"], env.get("SIGMA_TLS_KEY", "")
    )


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print("usage: python -m sigma.rpc.probe HOST:PORT [SERVICE]", file=sys.stderr)
        return 2
    return 0 if asyncio.run(check(*argv, credentials=env_credentials(os.environ))) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
