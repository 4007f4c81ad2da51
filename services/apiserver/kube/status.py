"""Errors as the Kubernetes API says them: a ``Status`` object with an HTTP code and a reason.

Pure: one table from the project's error tree (``sigma.errors``) to the HTTP status and the
``reason`` word clients switch on (client-go's ``IsNotFound``, ``IsConflict``, ...). An
``Invalid`` names its field, so the 422 carries one cause with that field, as the Kubernetes
API server's field errors do.
"""

from __future__ import annotations

from typing import Any

from sigma.errors import (
    AlreadyExists,
    Compacted,
    Conflict,
    DeadlineExceeded,
    FailedPrecondition,
    Invalid,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    SigmaError,
    Unauthenticated,
    Unavailable,
)


class KubeError(Exception):
    """A refusal that only the Kubernetes door makes (a verb or a kind it does not serve, a
    request it cannot parse). It never crosses a gRPC edge, so it stays outside the project's
    error tree and its table of gRPC codes; ``Refusal`` is either kind."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message


Refusal = SigmaError | KubeError


def method_not_allowed(message: str) -> KubeError:
    return KubeError(405, "MethodNotAllowed", message)


def bad_request(message: str) -> KubeError:
    return KubeError(400, "BadRequest", message)


def not_acceptable(message: str) -> KubeError:
    return KubeError(406, "NotAcceptable", message)


def unsupported_media(message: str) -> KubeError:
    return KubeError(415, "UnsupportedMediaType", message)


# Order matters: a subclass before its base (Compacted is a Conflict).
_CODES: tuple[tuple[type[SigmaError], int, str], ...] = (
    (Invalid, 422, "Invalid"),
    (NotFound, 404, "NotFound"),
    (AlreadyExists, 409, "AlreadyExists"),
    (Compacted, 410, "Expired"),
    (Conflict, 409, "Conflict"),
    (PermissionDenied, 403, "Forbidden"),
    (Unauthenticated, 401, "Unauthorized"),
    (ResourceExhausted, 429, "TooManyRequests"),
    (FailedPrecondition, 409, "Conflict"),
    (DeadlineExceeded, 504, "Timeout"),
    (Unavailable, 503, "ServiceUnavailable"),
)


def status(
    code: int, reason: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A ``Status`` object of a failure."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def success(details: dict[str, Any] | None = None, code: int = 200) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def from_error(exc: Refusal, kind: str = "", name: str = "", group: str = "") -> dict[str, Any]:
    """The Status answering ``exc``; ``kind``/``name``/``group`` fill its details."""
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    if kind:
        details["kind"] = kind
    if isinstance(exc, KubeError):
        return status(exc.code, exc.reason, exc.message, details)
    if isinstance(exc, Invalid):
        details["causes"] = [
            {"reason": "FieldValueInvalid", "message": exc.reason, "field": exc.field}
        ]
        what = f"{kind} {name!r}" if kind and name else (kind or "the object")
        return status(422, "Invalid", f"{what} is invalid: {exc.field}: {exc.reason}", details)
    for cls, code, reason in _CODES:
        if isinstance(exc, cls):
            body = status(code, reason, exc.message, details)
            if exc.retry_after is not None and exc.retriable:
                body.setdefault("details", {})["retryAfterSeconds"] = max(1, round(exc.retry_after))
            return body
    return status(500, "InternalError", exc.message, details)
