"""The QoS classes (after Koordinator) as every tier groups them, from the wire contract.

One home for the groupings the scheduler, the colocator and the slave all apply: which classes
are online and which batch, which take whole cores, and how a class is spelled for people.
"""

from __future__ import annotations

from sigma.v1 import meta_pb2

LSE = meta_pb2.QOS_CLASS_LSE  # latency-sensitive, exclusive cores
LSR = meta_pb2.QOS_CLASS_LSR  # latency-sensitive, reserved cores
LS = meta_pb2.QOS_CLASS_LS  # latency-sensitive, shared pool
BE = meta_pb2.QOS_CLASS_BE  # best effort: batch
SYSTEM = meta_pb2.QOS_CLASS_SYSTEM

ONLINE = frozenset({LSE, LSR, LS})
WHOLE_CORES = frozenset({LSE, LSR})  # take whole CPUs out of the shared pool


def short_name(qos: int) -> str:
    """``LS``, ``BE``, …: the class without its enum prefix (``UNSPECIFIED`` for 0)."""
    return meta_pb2.QoSClass.Name(qos).removeprefix("QOS_CLASS_")
