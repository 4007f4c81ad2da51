"""Plain data (parsed YAML or JSON) to protobuf messages and back, one field path at a time.

Why not ``google.protobuf.json_format`` alone: its errors lose list indices and nest "Failed to
parse … field" phrases, and a manifest author needs ``spec.template.containers[0].command``.
Spelling follows protobuf's JSON mapping, so the generated messages stay the one schema:

- field names in lowerCamelCase (``cpuMillis``); the proto names (``cpu_millis``) are accepted
  too, because that is what the JSON mapping accepts;
- enum values by their short name (``LS`` for ``QOS_CLASS_LS``), case and ``_`` insensitive
  (``NoSchedule`` = ``NO_SCHEDULE``), or by their full name;
- durations as ``30s``, ``5m``, ``1h30m`` or a number of seconds; timestamps in RFC 3339.

``to_data`` writes what ``from_data`` reads (camelCase, short enum names), so the output of
``sigmactl get -o yaml`` can be applied again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from sigma.errors import Invalid

_INTS = {
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED32,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED32,
    FieldDescriptor.TYPE_SFIXED64,
}
_FLOATS = {FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT}
_INT_RANGES = {  # by C++ type: what the field can hold, so a too-large number is located here
    FieldDescriptor.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.CPPTYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.CPPTYPE_UINT64: (0, 2**64 - 1),
}
MAX_DURATION_SECONDS = 315_576_000_000  # what a protobuf Duration holds: 10,000 years
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def camel(name: str) -> str:
    """``cpu_millis`` → ``cpuMillis`` (the JSON name protobuf derives)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def from_data(data: Any, message: Message, path: str = "") -> None:
    """Fill ``message`` from ``data``; ``Invalid(field path, reason)`` on the first problem."""
    descriptor = message.DESCRIPTOR
    if descriptor.full_name == Duration.DESCRIPTOR.full_name:
        message.CopyFrom(duration(data, path))  # type: ignore[arg-type]
        return
    if descriptor.full_name == Timestamp.DESCRIPTOR.full_name:
        message.CopyFrom(_timestamp(data, path))  # type: ignore[arg-type]
        return
    if not isinstance(data, Mapping):
        raise Invalid(path or ".", f"expected a mapping, got {_kind(data)}")
    fields = _fields(descriptor)
    for key, value in data.items():
        at = f"{path}.{key}" if path else str(key)
        field = fields.get(str(key))
        if field is None:
            known = ", ".join(sorted(camel(f.name) for f in descriptor.fields))
            raise Invalid(at, f"unknown field (known: {known})")
        if value is None:
            continue
        _set(message, field, value, at)


def _fields(descriptor: Descriptor) -> dict[str, FieldDescriptor]:
    out: dict[str, FieldDescriptor] = {}
    for f in descriptor.fields:
        out[f.name] = f
        out[camel(f.name)] = f
    return out


def _set(message: Message, field: FieldDescriptor, value: Any, at: str) -> None:
    if _is_map(field):
        if not isinstance(value, Mapping):
            raise Invalid(at, f"expected a mapping, got {_kind(value)}")
        target = getattr(message, field.name)
        value_field = field.message_type.fields_by_name["value"]
        for k, v in value.items():
            item_at = f"{at}.{k}"
            if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                from_data(v, target[str(k)], item_at)
            else:
                target[str(k)] = _scalar(value_field, v, item_at)
        return
    if field.is_repeated:
        if not isinstance(value, list):
            raise Invalid(at, f"expected a list, got {_kind(value)}")
        target = getattr(message, field.name)
        for i, item in enumerate(value):
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                from_data(item, target.add(), f"{at}[{i}]")
            else:
                target.append(_scalar(field, item, f"{at}[{i}]"))
        return
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        sub = getattr(message, field.name)
        sub.SetInParent()
        from_data(value, sub, at)
        return
    setattr(message, field.name, _scalar(field, value, at))


def _whole(field: FieldDescriptor, value: Any, at: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        number = int(value)
    else:
        raise Invalid(at, f"expected a whole number, got {value!r}")
    low, high = _INT_RANGES[field.cpp_type]
    if not low <= number <= high:
        raise Invalid(at, f"{number} is outside [{low}, {high}]")
    return number


def _is_map(field: FieldDescriptor) -> bool:
    return field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry


def _scalar(field: FieldDescriptor, value: Any, at: str) -> Any:
    if field.type == FieldDescriptor.TYPE_ENUM:
        return enum_value(field.enum_type, value, at)
    if field.type == FieldDescriptor.TYPE_BOOL:
        if not isinstance(value, bool):
            raise Invalid(at, f"expected true or false, got {value!r}")
        return value
    if field.type in _INTS:
        return _whole(field, value, at)
    if field.type in _FLOATS:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if isinstance(value, int) and abs(value) > 2**1000:
                raise Invalid(at, f"{value} is too large")
            return float(value)
        raise Invalid(at, f"expected a number, got {value!r}")
    if isinstance(value, bool):
        raise Invalid(at, f"expected a string, got {value!r} (quote it)")
    if isinstance(value, int | float | str):
        return str(value)
    raise Invalid(at, f"expected a string, got {_kind(value)}")


def _prefix(enum: EnumDescriptor) -> str:
    zero = enum.values_by_number[0].name
    return zero[: -len("UNSPECIFIED")] if zero.endswith("UNSPECIFIED") else ""


def _squash(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def enum_value(enum: EnumDescriptor, value: Any, at: str) -> int:
    """An enum number from its short or full name, in any case, with or without ``_``."""
    if isinstance(value, int) and not isinstance(value, bool) and value in enum.values_by_number:
        return value
    prefix = _prefix(enum)
    wanted = _squash(str(value))
    for v in enum.values:
        if wanted in (_squash(v.name), _squash(v.name[len(prefix) :])) and v.number != 0:
            return int(v.number)
    names = ", ".join(v.name[len(prefix) :] for v in enum.values if v.number != 0)
    raise Invalid(at, f"{value!r} is not one of {names}")


def enum_name(enum: EnumDescriptor, number: int) -> str:
    """The short name of an enum value (``LS``); ``-`` for 0 (unset)."""
    if number == 0:
        return "-"
    value = enum.values_by_number.get(number)
    return value.name[len(_prefix(enum)) :] if value is not None else str(number)


def duration(value: Any, at: str) -> Duration:
    """``30s``, ``5m``, ``1h30m``, ``250ms`` or a number of seconds."""
    seconds: float
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value
    else:
        text = str(value).strip()
        parts = _DURATION_PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise Invalid(at, f"{value!r} is not a duration like 30s, 5m or 1h30m")
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
    if seconds < 0:
        raise Invalid(at, "must not be negative")
    if not seconds <= MAX_DURATION_SECONDS:  # NaN too
        raise Invalid(at, f"{value!r} is longer than {MAX_DURATION_SECONDS} seconds")
    out = Duration()
    out.FromNanoseconds(round(seconds * 1e9))
    return out


def _timestamp(value: Any, at: str) -> Timestamp:
    out = Timestamp()
    try:
        out.FromJsonString(value if isinstance(value, str) else value.isoformat() + "Z")
    except (ValueError, AttributeError):
        raise Invalid(at, f"{value!r} is not an RFC 3339 time") from None
    return out


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string"}.get(type(value), repr(value))


def to_data(message: Message) -> dict[str, Any]:
    """The set fields of ``message`` as plain data, spelled the way ``from_data`` reads them."""
    out: dict[str, Any] = {}
    for field, value in message.ListFields():
        out[camel(field.name)] = _out(field, value)
    return out


def _out(field: FieldDescriptor, value: Any) -> Any:
    if _is_map(field):
        value_field = field.message_type.fields_by_name["value"]
        return {k: _one(value_field, v) for k, v in sorted(value.items())}
    if field.is_repeated:
        return [_one(field, v) for v in value]
    return _one(field, value)


def _one(field: FieldDescriptor, value: Any) -> Any:
    if field.type == FieldDescriptor.TYPE_ENUM:
        return enum_name(field.enum_type, value) if value else 0
    if field.type != FieldDescriptor.TYPE_MESSAGE:
        return value
    name = field.message_type.full_name
    if name in (Duration.DESCRIPTOR.full_name, Timestamp.DESCRIPTOR.full_name):
        return value.ToJsonString()
    return to_data(value)
