"""The change-stream envelope: topic table, both encodings, and consumer-side deduplication."""

from __future__ import annotations

import json

import pytest

from sigma.bus import Message, encode_headers
from sigma.errors import Invalid
from sigma.events import (
    HEADER_CONTENT_TYPE,
    TOPICS,
    Deduper,
    Encoding,
    decode,
    encode,
    revision_of,
    topic_for,
    topic_specs,
)
from sigma.resources import KINDS
from sigma.v1 import event_pb2, meta_pb2, pod_pb2


def _pod_event(revision: int = 42, key: str = "team-a/web-0") -> event_pb2.Event:
    namespace, name = key.split("/")
    pod = pod_pb2.Pod(
        meta=meta_pb2.ObjectMeta(
            namespace=namespace, name=name, labels={"app": "web"}, resource_version=revision
        )
    )
    return event_pb2.Event(
        type=event_pb2.EVENT_TYPE_MODIFIED,
        kind="Pod",
        key=key,
        revision=revision,
        prev_revision=revision - 5,
        pod=pod,
    )


def _message(value: bytes, headers: dict[str, str]) -> Message:
    return Message("sigma.events.pod", "team-a/web-0", value, 3, 17, encode_headers(headers))


def test_topic_table_covers_every_kind_with_distinct_topics() -> None:
    assert set(TOPICS) == set(KINDS)
    assert len(set(TOPICS.values())) == len(KINDS)
    assert TOPICS["Pod"] == "sigma.events.pod"
    assert TOPICS["BatchJob"] == "sigma.events.batchjob"
    assert topic_for("Node", "t1.") == "t1.node"
    assert sorted(s.name for s in topic_specs()) == sorted(TOPICS.values())


def test_unknown_kind_has_no_topic() -> None:
    with pytest.raises(Invalid, match="kind"):
        topic_for("Deployment")


@pytest.mark.parametrize("encoding", list(Encoding))
def test_round_trip_in_both_encodings(encoding: Encoding) -> None:
    event = _pod_event()
    value, headers = encode(event, encoding)
    assert headers == {
        "content-type": encoding.value,
        "revision": "42",
        "kind": "Pod",
    }
    message = _message(value, headers)
    assert decode(message) == event
    assert revision_of(message) == 42


def test_json_is_plain_proto3_json() -> None:
    value, headers = encode(_pod_event(), Encoding.JSON)
    assert headers[HEADER_CONTENT_TYPE].startswith("application/json")
    doc = json.loads(value)
    assert doc["type"] == "EVENT_TYPE_MODIFIED"
    assert doc["revision"] == "42"  # int64 as a string, per the proto3 JSON mapping
    assert doc["prevRevision"] == "37"
    assert doc["pod"]["meta"]["labels"] == {"app": "web"}


def test_decoding_follows_the_content_type_not_a_guess() -> None:
    value, _ = encode(_pod_event(), Encoding.JSON)
    with pytest.raises(Invalid, match="value"):
        decode(_message(value, {HEADER_CONTENT_TYPE: Encoding.PROTOBUF.value}))
    with pytest.raises(Invalid, match="content-type"):
        decode(_message(value, {HEADER_CONTENT_TYPE: "text/plain"}))


def test_a_message_without_headers_is_read_as_protobuf() -> None:
    value, _ = encode(_pod_event(revision=9), Encoding.PROTOBUF)
    message = _message(value, {})
    assert decode(message).revision == 9
    assert revision_of(message) == 9


def test_encoding_by_name() -> None:
    assert Encoding.named("json") is Encoding.JSON
    assert Encoding.named("PROTOBUF") is Encoding.PROTOBUF
    with pytest.raises(Invalid, match="encoding"):
        Encoding.named("avro")


def test_deduper_drops_repeats_and_keeps_later_revisions() -> None:
    dedup = Deduper()
    stream = [
        _pod_event(10),
        _pod_event(12),
        _pod_event(10),  # a repeat after a resumed stream
        _pod_event(12),
        _pod_event(15),
        _pod_event(11, key="team-a/web-1"),  # another object: its own sequence
        _pod_event(11, key="team-a/web-1"),
    ]
    kept = [(e.key, e.revision) for e in stream if dedup.accept(e)]
    assert kept == [
        ("team-a/web-0", 10),
        ("team-a/web-0", 12),
        ("team-a/web-0", 15),
        ("team-a/web-1", 11),
    ]
    assert dedup.dropped == 3
    assert dedup.last("Pod", "team-a/web-0") == 15


def test_deduper_tells_kinds_apart() -> None:
    dedup = Deduper()
    node = event_pb2.Event(kind="Node", key="n1", revision=5)
    allocation = event_pb2.Event(kind="NodeAllocation", key="n1", revision=5)
    assert dedup.accept(node)
    assert dedup.accept(allocation)
    assert not dedup.accept(node)
