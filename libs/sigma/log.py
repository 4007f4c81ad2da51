"""Structured logging: one JSON object per line, with the request id carried in a context var.

The request id is set at the gRPC edge (from the ``x-request-id`` metadata, or a new one) and
copied into outgoing calls, so one user action can be followed across tiers by grepping one id.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid
from typing import Any

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# Field names whose values never reach a log line.
_SECRET_KEYS = frozenset({"token", "password", "secret", "authorization"})


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


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


def configure(level: str = "info", *, tier: str = "", stream: Any = None) -> None:
    """Route every ``sigma`` logger to one JSON handler (idempotent)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(tier))
    root = logging.getLogger("sigma")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    logging.Formatter.converter = time.gmtime


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name if name.startswith("sigma") else f"sigma.{name}")
