"""Change-stream events of every kind, with any object in them, encode and decode again.

The change stream is a single task for the whole cluster: an event it cannot encode stops it
(a NodeAllocation, which has no ``meta`` to read a request id from, once did), so every kind the
``Event.object`` oneof can carry is encoded here in both encodings, and garbage values are
rejected as ``Invalid`` naming where they were read, never with a foreign exception.
"""

from __future__ import annotations

import pytest
from google.protobuf import json_format, message_factory
from hypothesis import assume, given
from hypothesis import strategies as st

from sigma import events
from sigma.bus import Message
from sigma.errors import Invalid
from sigma.v1 import event_pb2, node_pb2
from tests.fuzz._checks import fuzz_settings
from tests.fuzz._strategies import messages

OBJECTS = event_pb2.Event.DESCRIPTOR.oneofs_by_name["object"].fields
FUZZ = fuzz_settings(15)


def _message(value: bytes, headers: dict[str, str]) -> Message:
    raw = tuple((k, v.encode()) for k, v in headers.items())
    return Message("sigma.events.x", "ns/x", value, 0, 7, raw)


def _same(a: event_pb2.Event, b: event_pb2.Event) -> bool:
    """Equal; NaN (never equal to itself, whatever its payload) compared by the text form."""
    return a == b or str(a) == str(b)


@pytest.mark.parametrize("field", [f.name for f in OBJECTS])
def test_every_kind_of_event_round_trips(field: str) -> None:
    cls = message_factory.GetMessageClass(
        event_pb2.Event.DESCRIPTOR.fields_by_name[field].message_type
    )

    @FUZZ
    @given(messages(cls), st.sampled_from(list(events.Encoding)))
    def run(obj: object, encoding: events.Encoding) -> None:
        event = event_pb2.Event(type=event_pb2.EVENT_TYPE_MODIFIED, kind=cls.__name__, revision=9)
        getattr(event, field).CopyFrom(obj)
        try:
            value, headers = events.encode(event, encoding)
        except json_format.SerializeToJsonError:
            # A time outside years 1-9999 has no JSON form; the API never stores one
            # (test_fuzz_rpc checks every stored object after every accepted request).
            assume(False)
        assert headers[events.HEADER_REVISION] == "9"
        assert _same(events.decode(_message(value, headers)), event)

    run()


def test_a_node_allocation_event_encodes() -> None:
    """The event that once stopped the change stream (AttributeError: meta)."""
    event = event_pb2.Event(kind="NodeAllocation", key="node-1", revision=3)
    event.node_allocation.CopyFrom(node_pb2.NodeAllocation(node_name="node-1"))
    value, headers = events.encode(event)
    assert events.HEADER_REQUEST_ID not in headers
    assert events.decode(_message(value, headers)) == event


@FUZZ
@given(st.binary(max_size=64), st.sampled_from([e.value for e in events.Encoding]))
def test_garbage_events_are_invalid_with_their_place(value: bytes, content_type: str) -> None:
    try:
        events.decode(_message(value, {events.HEADER_CONTENT_TYPE: content_type}))
    except Invalid as exc:
        assert "sigma.events.x" in str(exc) and "7" in str(exc)
