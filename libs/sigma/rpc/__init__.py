"""gRPC plumbing shared by every tier: the server helper and the client helpers."""

from sigma.rpc._client import (
    DEFAULT_TIMEOUT,
    Caller,
    bearer,
    channel,
    stream,
    translate,
    unary,
)
from sigma.rpc._server import REQUEST_ID_HEADER, RpcServer, ServerConfig, Service
from sigma.rpc._tls import channel_credentials, peer_names, server_credentials

__all__ = [
    "DEFAULT_TIMEOUT",
    "REQUEST_ID_HEADER",
    "Caller",
    "RpcServer",
    "ServerConfig",
    "Service",
    "bearer",
    "channel",
    "channel_credentials",
    "peer_names",
    "server_credentials",
    "stream",
    "translate",
    "unary",
]
