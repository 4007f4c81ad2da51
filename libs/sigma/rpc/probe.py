"""``python -m sigma.rpc.probe HOST:PORT|pid:PID [SERVICE]``: exit 0 if the server reports SERVING.

The container health check of every tier; a tiny stand-in for grpc_health_probe that needs
nothing beyond the image's own Python. When the tier speaks TLS, the probe uses the same
``SIGMA_TLS_CA`` / ``SIGMA_TLS_CERT`` / ``SIGMA_TLS_KEY`` files the tier was given (health needs
no token, but a server requiring client certificates needs one on every connection).

``pid:PID`` probes the ports process PID listens on, for a tier whose port the OS picked
(``--listen 127.0.0.1:0``): replicas sharing the host network cannot all take the tier's port.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

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


def listening_ports(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """The TCP ports process ``pid`` listens on: its socket inodes found in the kernel's tables."""
    inodes = set()
    for fd in (proc / str(pid) / "fd").iterdir():
        with contextlib.suppress(OSError):  # a descriptor closed while we look
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(FileNotFoundError):  # no IPv6 here
            for line in (proc / str(pid) / "net" / table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return sorted(ports)


async def check_any(
    targets: list[str], service: str, credentials: grpc.ChannelCredentials | None
) -> bool:
    """SERVING on any of ``targets`` (a tier's gRPC port among its others, e.g. metrics)."""
    for target in targets:
        if await check(target, service, credentials=credentials):
            return True
    return False


def targets(arg: str) -> list[str]:
    """``HOST:PORT`` as it is, or ``pid:PID`` as ``localhost:PORT`` for each port PID listens on."""
    kind, _, pid = arg.partition(":")
    if kind != "pid":
        return [arg]
    if not pid.isdigit():
        raise ValueError(f"{arg!r}: pid:PID takes a process id")
    return [f"localhost:{port}" for port in listening_ports(int(pid))]


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
        print("usage: python -m sigma.rpc.probe HOST:PORT|pid:PID [SERVICE]", file=sys.stderr)
        return 2
    try:
        found = targets(argv[0])
    except (ValueError, OSError) as exc:
        print(f"probe: {exc}", file=sys.stderr)
        return 2
    service = argv[1] if len(argv) == 2 else ""
    return 0 if asyncio.run(check_any(found, service, env_credentials(os.environ))) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
