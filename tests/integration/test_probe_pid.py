"""`python -m sigma.rpc.probe pid:PID`: the health check of a tier whose port the OS picked."""

import os
import socket
import subprocess
import sys

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from sigma.rpc.probe import check_any, listening_ports, targets


async def test_finds_the_ports_this_process_listens_on_and_the_serving_one() -> None:
    server = grpc.aio.server()
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    grpc_port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    other = socket.create_server(("127.0.0.1", 0))  # a port that is not gRPC (e.g. metrics)
    try:
        ports = listening_ports(os.getpid())
        assert {grpc_port, other.getsockname()[1]} <= set(ports)
        found = targets(f"pid:{os.getpid()}")
        assert await check_any(found, "", None)
        await servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
        assert not await check_any(found, "", None)
    finally:
        other.close()
        await server.stop(None)


def test_a_process_with_no_server_is_unhealthy_and_a_bad_pid_a_usage_error() -> None:
    with subprocess.Popen(["sleep", "30"]) as sleeper:
        try:
            assert listening_ports(sleeper.pid) == []
            probe = [sys.executable, "-m", "sigma.rpc.probe"]
            assert subprocess.run([*probe, f"pid:{sleeper.pid}"]).returncode == 1
            bad = subprocess.run([*probe, "pid:me"], capture_output=True, text=True)
            assert bad.returncode == 2
            assert bad.stderr.strip() == "probe: 'pid:me': pid:PID takes a process id"
        finally:
            sleeper.kill()
