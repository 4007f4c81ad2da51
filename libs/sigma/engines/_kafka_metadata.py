"""Kafka's Metadata request (v0) spoken over a plain socket: which brokers serve, and who leads
each partition of a topic.

A raw request rather than aiokafka, so that it works from sync code and inside a running event
loop alike (an engine's ``restart`` or a cluster's ``leader_of`` may be called from an async test).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class PartitionMeta:
    leader: int  # node id; -1 while the partition has none
    replicas: tuple[int, ...]
    isr: tuple[int, ...]


@dataclass(frozen=True)
class Metadata:
    brokers: tuple[int, ...]  # node ids of the brokers that serve
    partitions: dict[tuple[str, int], PartitionMeta]


def metadata(host: str, port: int, topics: tuple[str, ...] = (), timeout: float = 1.0) -> Metadata:
    """One Metadata v0 round trip (``topics`` empty: every topic)."""
    client_id = b"sigma-probe"
    body = struct.pack(">hhih", 3, 0, 1, len(client_id)) + client_id
    body += struct.pack(">i", len(topics))
    for t in topics:
        name = t.encode()
        body += struct.pack(">h", len(name)) + name
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(struct.pack(">i", len(body)) + body)
        (size,) = struct.unpack(">i", _recv_exact(s, 4))
        return _parse(_Reader(_recv_exact(s, size)))


def _parse(r: _Reader) -> Metadata:
    r.int32()  # correlation id
    brokers = []
    for _ in range(r.int32()):
        brokers.append(r.int32())
        r.string()  # host
        r.int32()  # port
    partitions = {}
    for _ in range(r.int32()):
        r.int16()  # topic error
        topic = r.string()
        for _ in range(r.int32()):
            r.int16()  # partition error
            index, leader = r.int32(), r.int32()
            replicas = tuple(r.int32() for _ in range(r.int32()))
            isr = tuple(r.int32() for _ in range(r.int32()))
            partitions[(topic, index)] = PartitionMeta(leader, replicas, isr)
    return Metadata(tuple(brokers), partitions)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def _take(self, fmt: str) -> int:
        (value,) = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return int(value)

    def int16(self) -> int:
        return self._take(">h")

    def int32(self) -> int:
        return self._take(">i")

    def string(self) -> str:
        n = self.int16()
        text = self.data[self.at : self.at + max(n, 0)].decode()
        self.at += max(n, 0)
        return text


def _recv_exact(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        buf += chunk
    return buf
