"""`python -m sigma.rpc.probe pid:PID`: the health check of a tier whose port the OS picked."""

import subprocess
import sys
from collections.abc import Iterator

import pytest

from sigma.rpc.probe import check_any, listening_ports, targets

# A process of its own (this one holds whatever servers other tests left): a gRPC health
# server and a plain listener on ports the OS picks; a line on stdin turns health NOT_SERVING.
SERVER = """
import socket, sys
from concurrent import futures
import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
server = grpc.server(futures.ThreadPoolExecutor(2))
servicer = health.HealthServicer()
health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
port = server.add_insecure_port("127.0.0.1:0")
server.start()
other = socket.create_server(("127.0.0.1", 0))
print(port, other.getsockname()[1], flush=True)
sys.stdin.readline()
servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
print("not serving", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def server() -> Iterator[subprocess.Popen[str]]:
    with subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as proc:
        try:
            yield proc
        finally:
            proc.kill()


async def test_finds_the_ports_a_process_listens_on_and_the_serving_one(
    server: subprocess.Popen[str],
) -> None:
    assert server.stdin is not None and server.stdout is not None
    ports = [int(port) for port in server.stdout.readline().split()]
    assert listening_ports(server.pid) == sorted(ports)
    found = targets(f"pid:{server.pid}")
    assert found == [f"localhost:{port}" for port in sorted(ports)]
    assert await check_any(found, "", None)
    server.stdin.write("\n")
    server.stdin.flush()
    assert server.stdout.readline().strip() == "not serving"
    assert not await check_any(found, "", None)


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
