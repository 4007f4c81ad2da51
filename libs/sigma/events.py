"""The object-change stream on the bus: topic names, encodings, and how a consumer reads it.

The apiserver publishes every change of every stored object (``services/apiserver/changestream``)
to one topic per kind, keyed by the object key ("namespace/name", or "name" for cluster-scoped
kinds), so Kafka keeps each object's changes in order. Every message carries three headers, so
a consumer with stock Kafka tools can route and decode it without knowing Sigma:

- ``content-type``: ``application/x-protobuf; messageType=sigma.v1.Event`` (the default) or
  ``application/json; messageType=sigma.v1.Event`` (the proto3 JSON mapping: lowerCamelCase field
  names, int64 as decimal strings, enums by name);
- ``revision``: the store revision of the change, in decimal;
- ``kind``: the object's kind as in manifests ("Pod", "App", ...).

Delivery is at least once: after a broker outage or a publisher restart some events come again.
Every event carries its store revision, strictly increasing per object, so ``Deduper`` drops
what a consumer has already applied.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.protobuf.message import Message as ProtoMessage

from sigma.bus import Message, TopicSpec
from sigma.errors import Invalid
from sigma.log import REQUEST_ID_ANNOTATION
from sigma.resources import KINDS
from sigma.resources.kinds import ROOT
from sigma.store import KeyValue, Store
from sigma.v1 import event_pb2

TOPIC_PREFIX = "sigma.events."
# The other two streams (DESIGN: object changes, node usage, colocation decisions), both keyed
# by node name: NodeUsageReport from every slave, ColocationDecision from the colocator and from
# slaves' local QoS actions (and the scheduler's preemptions). Values are protobuf, with the
# same content-type header naming the message type.
NODE_USAGE_TOPIC = "sigma.node-usage"
DECISIONS_TOPIC = "sigma.decisions"

HEADER_CONTENT_TYPE = "content-type"
HEADER_REVISION = "revision"
HEADER_KIND = "kind"
# The request that caused the change, when the object carries one (see ``sigma.log.carry``).
HEADER_REQUEST_ID = REQUEST_ID_ANNOTATION

_MESSAGE_TYPE = event_pb2.Event.DESCRIPTOR.full_name


class Encoding(enum.Enum):
    """How an Event is written into a message value; the value is its content type."""

    PROTOBUF = f"application/x-protobuf; messageType={_MESSAGE_TYPE}"
    JSON = f"application/json; messageType={_MESSAGE_TYPE}"

    @classmethod
    def named(cls, name: str | Encoding) -> Encoding:
        """ "protobuf" or "json" (as in settings and flags), or an Encoding already."""
        if isinstance(name, Encoding):
            return name
        try:
            return cls[name.upper()]
        except KeyError:
            raise Invalid("encoding", f"{name!r} is neither 'protobuf' nor 'json'") from None


def topic_for(kind: str, prefix: str = TOPIC_PREFIX) -> str:
    """The topic of a kind's changes: "Pod" → "sigma.events.pod", "BatchJob" → "...batchjob"."""
    if kind not in KINDS:
        raise Invalid("kind", f"unknown kind {kind!r}; one of {sorted(KINDS)}")
    return f"{prefix}{kind.lower()}"


def topics(prefix: str = TOPIC_PREFIX) -> dict[str, str]:
    """Kind name → topic, for every stored kind: the one table producers and consumers share."""
    return {name: topic_for(name, prefix) for name in KINDS}


TOPICS: Mapping[str, str] = topics()


def topic_specs(prefix: str = TOPIC_PREFIX, partitions: int = 8) -> list[TopicSpec]:
    """What ``Bus.ensure_topics`` needs so the change topics exist before anyone subscribes."""
    return [TopicSpec(name, partitions) for name in topics(prefix).values()]


def encode(
    event: event_pb2.Event, encoding: Encoding = Encoding.PROTOBUF
) -> tuple[bytes, dict[str, str]]:
    """The message value and headers for ``event`` (the key is ``event.key``)."""
    if encoding is Encoding.JSON:
        value = json_format.MessageToJson(event, indent=None, sort_keys=True).encode()
    else:
        value = event.SerializeToString(deterministic=True)
    headers = {
        HEADER_CONTENT_TYPE: encoding.value,
        HEADER_REVISION: str(event.revision),
        HEADER_KIND: event.kind,
    }
    field = event.WhichOneof("object")
    obj = getattr(event, field) if field else None
    has_meta = obj is not None and "meta" in obj.DESCRIPTOR.fields_by_name  # not NodeAllocation
    rid = obj.meta.annotations.get(REQUEST_ID_ANNOTATION) if has_meta else None  # type: ignore[union-attr]
    if rid:
        headers[HEADER_REQUEST_ID] = rid
    return value, headers


def encode_message(message: ProtoMessage) -> tuple[bytes, dict[str, str]]:
    """The value and headers of a usage report or a decision (any message but an Event, which
    has ``encode``): protobuf, with the content-type header naming the message type."""
    content_type = f"application/x-protobuf; messageType={message.DESCRIPTOR.full_name}"
    return message.SerializeToString(deterministic=True), {HEADER_CONTENT_TYPE: content_type}


def decode(message: Message) -> event_pb2.Event:
    """The Event in ``message``, in whichever encoding its content-type header names.

    A message without the header is read as protobuf (the default encoding). Unknown JSON
    fields are ignored, so an older consumer reads events from a newer publisher.
    """
    raw = message.header(HEADER_CONTENT_TYPE)
    content_type = raw.decode("utf-8", "replace") if raw is not None else Encoding.PROTOBUF.value
    media = content_type.split(";", 1)[0].strip().lower()
    try:
        if media == "application/json":
            return json_format.Parse(message.value, event_pb2.Event(), ignore_unknown_fields=True)
        if media == "application/x-protobuf":
            return event_pb2.Event.FromString(message.value)
    except (json_format.ParseError, DecodeError, UnicodeDecodeError) as exc:
        raise Invalid("value", f"undecodable {media} event at {_where(message)}: {exc}") from exc
    raise Invalid("content-type", f"{content_type!r} at {_where(message)} is not an event encoding")


def revision_of(message: Message) -> int:
    """The store revision a message carries, read from its header without decoding the value."""
    raw = message.header(HEADER_REVISION)
    if raw is None:
        return decode(message).revision
    try:
        return int(raw)
    except ValueError:
        raise Invalid("revision", f"{raw!r} at {_where(message)} is not a number") from None


class Deduper:
    """Drops events a consumer has already applied: revision ≤ the last one seen for the object.

    Keyed by (kind, key), since a node and its allocation share a name. Holds one integer per
    object ever seen; a consumer that restarts from its committed offsets starts a fresh one and
    relies on its own idempotence for the few events between commit and crash.
    """

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], int] = {}
        self.dropped = 0

    def accept(self, event: event_pb2.Event) -> bool:
        """True the first time a revision of this object shows up and it is newer than the last."""
        ident = (event.kind, event.key)
        if event.revision <= self._last.get(ident, 0):
            self.dropped += 1
            return False
        self._last[ident] = event.revision
        return True

    def last(self, kind: str, key: str) -> int:
        """The last revision accepted for the object (0: none yet)."""
        return self._last.get((kind, key), 0)


def _where(message: Message) -> str:
    return f"{message.topic}[{message.partition}]@{message.offset}"


# ---- the stream's checkpoint: a record the publisher writes, the compactor and metrics read ----

CHECKPOINT_KEY = f"{ROOT}checkpoints/changestream"


async def read_checkpoint(store: Store, key: str = CHECKPOINT_KEY) -> tuple[int, KeyValue | None]:
    """The revision through which the stream is published (0 when none), and the key as stored."""
    kv = await store.get(key)
    if kv is None:
        return 0, None
    return int(json.loads(kv.value)["revision"]), kv


async def safe_compaction_revision(store: Store, key: str = CHECKPOINT_KEY) -> int | None:
    """The highest revision the store may be compacted to without losing unpublished changes.

    None when no stream has checkpointed yet (nothing to protect).
    """
    revision, kv = await read_checkpoint(store, key)
    return revision + 1 if kv is not None else None
