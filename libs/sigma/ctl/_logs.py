"""``sigmactl logs POD [-c CONTAINER] [-f] [--tail N] [--previous]``: a container's log, from
the slave of the pod's node.

Logs stay on the machine that ran the container, so sigmactl asks the apiserver for the pod
(which node) and the node (where its slave listens: ``status.agent_address``, recorded when
the slave registers), then reads the stream ``Slave.StreamLogs`` sends, with the same token
and TLS settings as every other call.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from google.protobuf.message import Message

from sigma import rpc
from sigma.ctl._client import Client, Unreachable
from sigma.ctl._config import CtlConfig
from sigma.errors import FailedPrecondition, Invalid, Unavailable
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import slave_pb2, slave_pb2_grpc


def add_parser(command: argparse.ArgumentParser) -> None:
    command.add_argument("name", metavar="POD")
    command.add_argument("-c", "--container", default="", help="the container (a pod of several)")
    command.add_argument("-f", "--follow", action="store_true", help="then what it writes next")
    command.add_argument("--tail", type=int, default=0, help="only the last N lines (0: all)")
    command.add_argument(
        "-p", "--previous", action="store_true", help="the run before the last restart"
    )


async def logs(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    if args.tail < 0:
        raise Invalid("--tail", "must be 0 (everything) or more")
    namespace = str(args.namespace or cfg.namespace)
    pod = await client.api("Pods", "Get", api.GetPodRequest(namespace=namespace, name=args.name))
    node_name = pod.status.node_name or pod.spec.node_name
    if not node_name:
        raise FailedPrecondition(f"pod {args.name} is not on a node yet: it has no logs")
    node = await client.api(
        "Nodes", "Get", api.GetNodeRequest(namespace=namespace, node_name=node_name)
    )
    address = node.status.agent_address
    if not address:
        raise FailedPrecondition(f"node {node_name} does not say where its slave listens")
    request = slave_pb2.StreamLogsRequest(
        namespace=namespace,
        pod=args.name,
        container=args.container,
        follow=args.follow,
        tail_lines=args.tail,
        previous=args.previous,
    )
    auth = rpc.bearer(cfg.token)
    out = sys.stdout.buffer
    async with rpc.channel(address, cfg.credentials()) as channel:
        method = slave_pb2_grpc.SlaveStub(channel).StreamLogs

        def call(request: Message, *, timeout: float | None, metadata: Any) -> Any:
            return method(request, timeout=timeout, metadata=(*metadata, *auth))

        try:
            timeout = None if args.follow else cfg.timeout
            async for chunk in rpc.stream(call, request, timeout=timeout):
                out.write(chunk.data)
                out.flush()
        except Unavailable as exc:
            raise Unreachable(f"slave of node {node_name}", address, exc.message) from exc
    return 0
