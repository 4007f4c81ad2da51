"""Protobuf objects in the store: the bytes are the message, the revision is the version.

``metadata.resource_version`` is never trusted from the bytes: it is filled from the key's
``mod_revision`` on every read, so it can never disagree with the store.
"""

from __future__ import annotations

from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from sigma.errors import Internal
from sigma.store._types import KeyValue

M = TypeVar("M", bound=Message)


def _meta(msg: Message) -> Message | None:
    """Where the message keeps its resource_version: its ``meta``, or itself (records)."""
    fields = msg.DESCRIPTOR.fields_by_name
    if "meta" in fields and fields["meta"].message_type is not None:
        return getattr(msg, "meta")  # noqa: B009 - field name known only at run time
    if "resource_version" in fields:
        return msg
    return None


def decode(message_type: type[M], kv: KeyValue) -> M:
    """The object stored at ``kv``, with its resource_version set to ``kv.mod_revision``."""
    msg = message_type()
    try:
        msg.ParseFromString(kv.value)
    except DecodeError as exc:
        raise Internal(f"{kv.key}: stored value is not a {message_type.__name__}") from exc
    meta = _meta(msg)
    if meta is not None and "resource_version" in meta.DESCRIPTOR.fields_by_name:
        meta.resource_version = kv.mod_revision  # type: ignore[attr-defined]
    return msg


def encode(msg: Message) -> bytes:
    """The bytes to store: deterministic, and without a resource_version (the store owns it)."""
    meta = _meta(msg)
    if meta is not None and getattr(meta, "resource_version", 0):
        msg = type(msg).FromString(msg.SerializeToString())
        _meta(msg).resource_version = 0  # type: ignore[union-attr]
    return msg.SerializeToString(deterministic=True)
