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

A server answers ``Unavailable`` with a retry hint in the trailing metadata,
``retry-after-ms: <milliseconds>`` (``RETRY_AFTER_HEADER``), so that a client of any language
knows the call may be repeated and how soon; ``from_grpc`` reads it back into ``retry_after``.
"""

from __future__ import annotations

import grpc

RETRY_AFTER_HEADER = "retry-after-ms"


class SigmaError(Exception):
    """Base of every error Sigma raises on purpose."""

    retriable: bool = False
    retry_after: float | None = None  # seconds a client should wait before retrying, if known

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
    """A backend or peer is down; the same call may succeed after ``retry_after`` seconds."""

    retriable = True
    retry_after = 1.0  # etcd reconnects within 0.5-5 s; a second spreads the retries out

    def __init__(self, message: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(message)
        if retry_after is not None:
            self.retry_after = retry_after


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


def retry_hint(exc: SigmaError) -> tuple[tuple[str, str], ...]:
    """The trailing metadata telling a client when to retry ``exc`` (none if it should not)."""
    if not exc.retriable or exc.retry_after is None:
        return ()
    return ((RETRY_AFTER_HEADER, str(round(exc.retry_after * 1000))),)


def hinted_delay(metadata: object) -> float | None:
    """The retry delay in seconds a server hinted in ``metadata`` (key/value pairs), if any."""
    for key, value in metadata or ():  # type: ignore[attr-defined]
        if key == RETRY_AFTER_HEADER:
            text = value.decode() if isinstance(value, bytes) else str(value)
            return int(text) / 1000 if text.isdigit() else None
    return None


def from_grpc(code: grpc.StatusCode, details: str, trailing: object = ()) -> SigmaError:
    """The error a client raises for a status it received (with the server's retry hint)."""
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        field, _, reason = details.partition(": ")
        return Invalid(field, reason) if reason else Invalid("request", details)
    if code == grpc.StatusCode.OUT_OF_RANGE:
        return Conflict(details)
    if code == grpc.StatusCode.CANCELLED:
        return Unavailable(details)
    exc = _FROM_CODE.get(code, Internal)(details)
    delay = hinted_delay(trailing)
    if delay is not None:
        exc.retry_after = delay
    return exc
