"""etcd's wire format and errors, translated to the store port in one place.

Requests are built straight from aetcd's compiled etcd protobufs (``aetcd.rpc``): aetcd's own
client does not expose a range's ``revision`` or ``limit``, nor a transaction's header revision,
and its watcher buffers events without bound, so ``EtcdStore`` talks to the stubs itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from aetcd import rpc

from sigma.errors import (
    FailedPrecondition,
    Internal,
    Invalid,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    SigmaError,
    Unauthenticated,
    Unavailable,
)
from sigma.store._types import Compare, Delete, EventType, KeyValue, Op, Put, WatchEvent

_BY_CODE: dict[grpc.StatusCode, type[SigmaError]] = {
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.CANCELLED: Unavailable,
    # etcd not answering within the store's own per-call deadline is etcd being unavailable
    # (hung, partitioned, overloaded), not the caller's deadline: say so, with a retry hint.
    grpc.StatusCode.DEADLINE_EXCEEDED: Unavailable,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
}

_CALL_ERRORS = (grpc.aio.AioRpcError, grpc.Call)  # the async and the sync flavour of a failed call
COMPACTED_MESSAGE = "required revision has been compacted"


def translate(exc: grpc.RpcError, target: str = "") -> SigmaError:
    """The port's error for a failed etcd call; an unreachable etcd is named with ``target``
    (a bare "failed to connect to all addresses" tells an operator nothing).

    ``Compacted`` is not built here: it needs the revisions, which only the caller knows (see
    ``is_compacted``). A future revision or a malformed request is the caller's bug: ``Invalid``.
    """
    if isinstance(exc, _CALL_ERRORS):
        code, details = exc.code(), exc.details() or str(exc.code())
    else:
        code, details = grpc.StatusCode.UNAVAILABLE, str(exc)
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE):
        return Invalid("request", details)
    cls = _BY_CODE.get(code)
    if cls is None and code == grpc.StatusCode.UNKNOWN:
        cls = Unavailable  # etcd reports some transient states (no leader, …) as UNKNOWN
    if cls is Unavailable:
        return Unavailable(f"store etcd at {target or 'its endpoints'}: {details}")
    return (cls or Internal)(details)


def is_compacted(exc: grpc.RpcError) -> bool:
    return isinstance(exc, _CALL_ERRORS) and COMPACTED_MESSAGE in (exc.details() or "")


def encode(key: str) -> bytes:
    return key.encode("utf-8")


def prefix_range(prefix: str) -> tuple[bytes, bytes]:
    """``[key, range_end)`` covering every key that starts with ``prefix`` (all keys for "")."""
    raw = encode(prefix)
    if not raw:
        return b"\0", b"\0"
    end = bytearray(raw)
    while end and end[-1] == 0xFF:
        end.pop()
    if not end:
        return raw, b"\0"
    end[-1] += 1
    return raw, bytes(end)


def to_kv(pb: rpc.KeyValue) -> KeyValue:
    return KeyValue(
        pb.key.decode("utf-8"),
        bytes(pb.value),
        pb.create_revision,
        pb.mod_revision,
        pb.version,
        pb.lease,
    )


def to_event(pb: rpc.Event) -> WatchEvent:
    prev = to_kv(pb.prev_kv) if pb.HasField("prev_kv") else None
    if pb.type == rpc.Event.DELETE:
        kv = KeyValue(pb.kv.key.decode("utf-8"), b"", 0, pb.kv.mod_revision, 0)
        return WatchEvent(EventType.DELETE, kv, prev)
    return WatchEvent(EventType.PUT, to_kv(pb.kv), prev)


def compare_msg(c: Compare) -> rpc.Compare:
    return rpc.Compare(
        result=rpc.Compare.EQUAL,
        target=rpc.Compare.MOD,
        key=encode(c.key),
        mod_revision=c.mod_revision,
    )


def op_msg(op: Op) -> rpc.RequestOp:
    if isinstance(op, Put):
        return rpc.RequestOp(
            request_put=rpc.PutRequest(key=encode(op.key), value=op.value, lease=op.lease)
        )
    if isinstance(op, Delete):
        return rpc.RequestOp(request_delete_range=rpc.DeleteRangeRequest(key=encode(op.key)))
    raise TypeError(f"not a store operation: {op!r}")


def txn_msg(
    compares: Sequence[Compare], success: Sequence[Op], failure: Sequence[Op]
) -> rpc.TxnRequest:
    return rpc.TxnRequest(
        compare=[compare_msg(c) for c in compares],
        success=[op_msg(op) for op in success],
        failure=[op_msg(op) for op in failure],
    )
