"""``python -m sigma.rpc.probe HOST:PORT [SERVICE]``: exit 0 if the server reports SERVING.

The container health check of every tier; a tiny stand-in for grpc_health_probe that needs
nothing beyond the image's own Python.
"""

from __future__ import annotations

import asyncio
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


async def check(target: str, service: str = "", timeout: float = 2.0) -> bool:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            request = health_pb2.HealthCheckRequest(service=service)
            reply = await stub.Check(request, timeout=timeout)
        except grpc.aio.AioRpcError:
            return False
    return reply.status == health_pb2.HealthCheckResponse.SERVING


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print("usage: python -m sigma.rpc.probe HOST:PORT [SERVICE]", file=sys.stderr)
        return 2
    return 0 if asyncio.run(check(*argv)) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
