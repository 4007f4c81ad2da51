"""Hypothesis strategies for protobuf messages, built from their descriptors.

``messages(cls)`` draws any message of a type: every field kind (scalars at their extremes,
enums with numbers the schema never declared, nested messages, maps, repeated fields) with
hostile values mixed in (1 MiB strings, control characters, path tricks, hundreds of labels).
``mutated(valid)`` corrupts one field somewhere inside a valid message, so that validation is
exercised past its first check rather than stopping at an empty name every time.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

F = FieldDescriptor
MAX_DEPTH = 4
HUGE = "x" * (1 << 20)  # 1 MiB
HOSTILE_TEXT = (
    "",
    " ",
    HUGE,
    "a" * 254,
    "A" * 64,
    "../../etc/passwd",
    "team-a/web",
    "/",
    ".",
    "web\x00",
    "\u202eweb",
    "😀",
    "Ωmega",
    "*",
    "system",
    "team-a",
    "default",
    "web",
    "etl",
    "node-1",
    "fuzz-node",
    "app.web.publish.1.00000000",
    "-1",
    "99999999999999999999999",
    "1e309",
    "²",
    "7",
)
INT_EDGES = {
    32: (0, 1, -1, 2**31 - 1, -(2**31)),
    64: (0, 1, -1, 2**63 - 1, -(2**63), 2**53 + 1),
}
UINT_EDGES = {32: (0, 1, 2**32 - 1), 64: (0, 1, 2**64 - 1)}

_INT_BITS = {F.TYPE_INT32: 32, F.TYPE_SINT32: 32, F.TYPE_SFIXED32: 32}
_INT_BITS |= {F.TYPE_INT64: 64, F.TYPE_SINT64: 64, F.TYPE_SFIXED64: 64}
_UINT_BITS = {F.TYPE_UINT32: 32, F.TYPE_FIXED32: 32, F.TYPE_UINT64: 64, F.TYPE_FIXED64: 64}


def texts() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=24))


def _ints(bits: int, signed: bool) -> st.SearchStrategy[int]:
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    edges = INT_EDGES[bits] if signed else UINT_EDGES[bits]
    return st.one_of(st.sampled_from(edges), st.integers(low, high), st.integers(-5, 100))


def scalar(f: FieldDescriptor) -> st.SearchStrategy[Any]:
    """Values for one non-message element of ``f``."""
    t = f.type
    if t in _INT_BITS:
        return _ints(_INT_BITS[t], signed=True)
    if t in _UINT_BITS:
        return _ints(_UINT_BITS[t], signed=False)
    if t == F.TYPE_DOUBLE:
        return st.floats(allow_nan=True, allow_infinity=True)
    if t == F.TYPE_FLOAT:
        return st.floats(width=32, allow_nan=True, allow_infinity=True)
    if t == F.TYPE_BOOL:
        return st.booleans()
    if t == F.TYPE_STRING:
        return texts()
    if t == F.TYPE_BYTES:
        return st.binary(max_size=32)
    if t == F.TYPE_ENUM:
        known = [v.number for v in f.enum_type.values]
        return st.one_of(st.sampled_from(known), st.integers(-(2**31), 2**31 - 1))
    raise TypeError(f"no strategy for field type {t} of {f.full_name}")


def _map_entries(f: FieldDescriptor, depth: int) -> st.SearchStrategy[dict[Any, Any]]:
    key_f = f.message_type.fields_by_name["key"]
    value_f = f.message_type.fields_by_name["value"]
    small = st.dictionaries(scalar(key_f), element(value_f, depth), max_size=4)
    if key_f.type != F.TYPE_STRING or value_f.type != F.TYPE_STRING:
        return small
    many = st.integers(100, 2000).map(lambda n: {f"k{i}": "v" for i in range(n)})
    return st.one_of(small, many)


def element(f: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    """One element of ``f`` (a message for a message field)."""
    if f.type == F.TYPE_MESSAGE:
        return messages(message_factory.GetMessageClass(f.message_type), depth + 1)
    return scalar(f)


def value(f: FieldDescriptor, depth: int = 0) -> st.SearchStrategy[Any]:
    """A whole value of ``f``: a dict for a map, a list for a repeated field."""
    if f.message_type is not None and f.message_type.GetOptions().map_entry:
        return _map_entries(f, depth)
    if f.is_repeated:
        return st.lists(element(f, depth), max_size=3)
    return element(f, depth)


def assign(msg: Message, f: FieldDescriptor, v: Any) -> None:
    """Set field ``f`` of ``msg`` to ``v`` as drawn by ``value(f)``."""
    if f.message_type is not None and f.message_type.GetOptions().map_entry:
        target = getattr(msg, f.name)
        target.clear()
        for k, item in v.items():
            if f.message_type.fields_by_name["value"].type == F.TYPE_MESSAGE:
                target[k].CopyFrom(item)
            else:
                target[k] = item
    elif f.is_repeated:
        msg.ClearField(f.name)
        target = getattr(msg, f.name)
        if f.type == F.TYPE_MESSAGE:
            for item in v:
                target.add().CopyFrom(item)
        else:
            target.extend(v)
    elif f.type == F.TYPE_MESSAGE:
        getattr(msg, f.name).CopyFrom(v)
    else:
        setattr(msg, f.name, v)


@st.composite
def _message(draw: st.DrawFn, cls: type[Message], depth: int) -> Message:
    msg = cls()
    fields = list(cls.DESCRIPTOR.fields)
    if depth >= MAX_DEPTH:
        fields = [f for f in fields if f.type != F.TYPE_MESSAGE]
    chosen = draw(st.lists(st.sampled_from(fields), unique=True, max_size=6)) if fields else []
    for f in chosen:
        assign(msg, f, draw(value(f, depth)))
    return msg


def messages(cls: type[Message], depth: int = 0) -> st.SearchStrategy[Message]:
    """Any message of type ``cls``, hostile values included."""
    return _message(cls, depth)


def _children(msg: Message) -> list[Message]:
    """The sub-messages a mutation may descend into (set singular ones, repeated elements)."""
    out: list[Message] = []
    for f, v in msg.ListFields():
        if f.type != F.TYPE_MESSAGE or f.message_type.GetOptions().map_entry:
            continue
        out.extend(v if f.is_repeated else [v])
    return out


@st.composite
def mutated(draw: st.DrawFn, valid: Message) -> Message:
    """``valid`` with one field, at some depth inside it, replaced by a hostile value."""
    out = type(valid)()
    out.CopyFrom(valid)
    target: Message = out
    for _ in range(draw(st.integers(0, MAX_DEPTH))):
        children = _children(target)
        if not children:
            break
        target = draw(st.sampled_from(children))
    descriptor: Descriptor = target.DESCRIPTOR
    if not descriptor.fields:
        return out
    f = draw(st.sampled_from(list(descriptor.fields)))
    assign(target, f, draw(value(f, depth=2)))
    return out
