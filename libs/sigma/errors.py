"""The one error tree of Sigma, and its single mapping to gRPC status codes.

::

    SigmaError                      (retriable = False unless noted)
    ├── Invalid                     INVALID_ARGUMENT   bad input; carries the field and the reason
    ├── NotFound                    NOT_FOUND
    ├── AlreadyExists               ALREADY_EXISTS
    ├── Conflict                    ABORTED            a compare-and-swap lost; re-read and retry
    │   └── Compacted               OUT_OF_RANGE       history was compacted; relist
    ├── PermissionDenied            PERMISSION_DENIED
    ├── Unauthenticated             UNAUTHENTICATED
    ├── ResourceExhausted           RESOURCE_EXHAUSTED
    ├── FailedPrecondition          FAILED_PRECONDITION
    ├── DeadlineExceeded            DEADLINE_EXCEEDED  retriable
    ├── Unavailable                 UNAVAILABLE        retriable: a backend or peer is down
    └── Internal                    INTERNAL           a bug; never raised on purpose

Foreign exceptions (grpc, aetcd, aiokafka) are translated into this tree at the adapter
edges with ``raise ... from exc``; nothing above an adapter catches a foreign type.
"""

from __future__ import annotations

import grpc


class SigmaError(Exception):
    """Base of every error Sigma raises on purpose."""

    retriable: bool = False

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__class__.__name__)
        self.message = message or self.__class__.__name__


class Invalid(SigmaError):
    """Input that can never succeed as sent; ``field`` names the offending field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class NotFound(SigmaError):
    pass


class AlreadyExists(SigmaError):
    pass


class Conflict(SigmaError):
    """An optimistic-concurrency check failed: the object changed since it was read."""


class Compacted(Conflict):
    """The requested revision is older than the store's compaction point."""

    def __init__(self, revision: int, compact_revision: int) -> None:
        super().__init__(
            f"revision {revision} is compacted (oldest available {compact_revision}); relist"
        )
        self.revision = revision
        self.compact_revision = compact_revision


class PermissionDenied(SigmaError):
    pass


class Unauthenticated(SigmaError):
    pass


class ResourceExhausted(SigmaError):
    pass


class FailedPrecondition(SigmaError):
    pass


class DeadlineExceeded(SigmaError):
    retriable = True


class Unavailable(SigmaError):
    retriable = True


class Internal(SigmaError):
    pass


# The one table. Order matters only for subclasses listed before their bases.
GRPC_CODES: dict[type[SigmaError], grpc.StatusCode] = {
    Invalid: grpc.StatusCode.INVALID_ARGUMENT,
    NotFound: grpc.StatusCode.NOT_FOUND,
    AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    Compacted: grpc.StatusCode.OUT_OF_RANGE,
    Conflict: grpc.StatusCode.ABORTED,
    PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    ResourceExhausted: grpc.StatusCode.RESOURCE_EXHAUSTED,
    FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    DeadlineExceeded: grpc.StatusCode.DEADLINE_EXCEEDED,
    Unavailable: grpc.StatusCode.UNAVAILABLE,
    Internal: grpc.StatusCode.INTERNAL,
}

_FROM_CODE: dict[grpc.StatusCode, type[SigmaError]] = {
    code: cls for cls, code in GRPC_CODES.items() if cls is not Compacted
}


def grpc_code(exc: BaseException) -> grpc.StatusCode:
    """The status code a server answers for ``exc`` (INTERNAL for anything unexpected)."""
    for cls in type(exc).__mro__:
        if cls in GRPC_CODES:
            return GRPC_CODES[cls]  # type: ignore[index]
    return grpc.StatusCode.INTERNAL


def from_grpc(code: grpc.StatusCode, details: str) -> SigmaError:
    """The error a client raises for a status it received."""
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        field, _, reason = details.partition(": ")
        return Invalid(field, reason) if reason else Invalid("request", details)
    if code == grpc.StatusCode.OUT_OF_RANGE:
        return Conflict(details)
    if code == grpc.StatusCode.CANCELLED:
        return Unavailable(details)
    return _FROM_CODE.get(code, Internal)(details)
