"""Structured logging: one JSON object per line, with the request id carried in a context var.

The request id is set at the gRPC edge (from the ``x-request-id`` metadata, or a new one) and
copied into outgoing calls, so one user action can be followed across tiers by grepping one id.
Work that leaves the call (a task a worker runs later, the pods it creates, the slave that starts
them) carries the id in the ``sigma.io/request-id`` annotation: ``carry`` stamps it on an object
made during a call, and ``request_scope`` makes it current again wherever the object is acted on.
The change stream copies it into a Kafka header of the same name.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any, Protocol

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# Field names whose values never reach a log line.
_SECRET_KEYS = frozenset({"token", "password", "secret", "authorization"})


REQUEST_ID_ANNOTATION = "sigma.io/request-id"


class _Meta(Protocol):
    @property
    def annotations(self) -> Any: ...


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def carry(meta: _Meta) -> None:
    """Stamp the current request id on ``meta`` (an ObjectMeta) unless it already has one."""
    rid = request_id.get()
    if rid and REQUEST_ID_ANNOTATION not in meta.annotations:
        meta.annotations[REQUEST_ID_ANNOTATION] = rid


@contextlib.contextmanager
def request_scope(meta: _Meta) -> Iterator[None]:
    """Log as part of the request that made the object ``meta`` belongs to, if it names one."""
    rid = meta.annotations.get(REQUEST_ID_ANNOTATION, "")
    token = request_id.set(rid) if rid else None
    try:
        yield
    finally:
        if token is not None:
            request_id.reset(token)


class JsonFormatter(logging.Formatter):
    def __init__(self, tier: str = "") -> None:
        super().__init__()
        self.tier = tier

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if self.tier:
            out["tier"] = self.tier
        rid = request_id.get()
        if rid:
            out["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                out[key] = "<redacted>" if key.lower() in _SECRET_KEYS else value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


#: Libraries whose own log lines (a broker that refuses connections, a task that failed
#: unobserved) would otherwise reach stderr as plain text through logging's last resort.
FOREIGN = ("aiokafka", "kafka", "aetcd", "grpc", "asyncio")


class RetriedIsWarning(logging.Filter):
    """aiokafka logs a group-coordinator lookup that it retries (a broker still electing one,
    ``[Error 15] CoordinatorNotAvailable``) at error level; here it is a warning, as it is
    transient and retried, so errors in a tier's log stay the ones that need a look."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.levelno == logging.ERROR
            and record.name.startswith("aiokafka")
            and record.msg == "Group Coordinator Request failed: %s"
            and getattr(record.args[0] if record.args else None, "retriable", False)
        ):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def configure(level: str = "info", *, tier: str = "", stream: Any = None) -> None:
    """Route every ``sigma`` logger, and the ``FOREIGN`` libraries' loggers at warning and
    above, to one JSON handler, so stderr is JSON lines only (idempotent)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(tier))
    handler.addFilter(RetriedIsWarning())
    ours = logging.getLevelName(level.upper())
    foreign = max(ours, logging.WARNING)
    for name, floor in (("sigma", ours), *((f, foreign) for f in FOREIGN)):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(floor)
        logger.propagate = False
    logging.Formatter.converter = time.gmtime


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name if name.startswith("sigma") else f"sigma.{name}")
