"""Scalars and metadata: names, ranges, enums, durations, labels, annotations; the limits."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from sigma.errors import Invalid
from sigma.v1 import meta_pb2, pod_pb2

NAME_MAX = 63  # a DNS label
SUBDOMAIN_MAX = 253  # a DNS subdomain (node names are host names)
LABELS_MAX = 64
LABEL_NAME_MAX = 63  # the part of a label key after an optional "prefix/"
LABEL_VALUE_MAX = 63
ANNOTATIONS_BYTES_MAX = 256 * 1024
CONTAINERS_MAX = 32
PRIORITY_MAX = 1_000_000_000
MAX_SKEW_MAX = 1000
MAX_RETRIES_MAX = 100
MAX_WORKER_SLOTS = 64  # instances one batch worker runs at once
MAX_WORKERS = 10_000  # workers one batch job holds at once
GRACE_SECONDS_MAX = 3600
LEAD_SECONDS_MAX = 86400
HEADROOM_MAX = 10.0
REASON_MAX = 1024
DAY_SECONDS = 86400

APP_QOS = (meta_pb2.QOS_CLASS_LSE, meta_pb2.QOS_CLASS_LSR, meta_pb2.QOS_CLASS_LS)
BATCH_QOS = (meta_pb2.QOS_CLASS_BE,)

_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_PART = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_CAMEL = re.compile(r"[A-Z][A-Za-z0-9]{0,62}")
IMAGE_NAME_MAX = 255
PROBE_SECONDS_MAX = 3600
THRESHOLD_MAX = 1000
APP_RESTART = (pod_pb2.RESTART_POLICY_ALWAYS,)
BATCH_RESTART = (pod_pb2.RESTART_POLICY_ON_FAILURE, pod_pb2.RESTART_POLICY_NEVER)


@dataclass(frozen=True, slots=True)
class Limits:
    """Cluster-size bounds; ``from_settings`` takes the operator's values."""

    max_replicas: int = 10000
    max_batch_tasks: int = 1000
    max_cpu_millis: int = 1024 * 1000  # 1024 cores
    max_memory_bytes: int = 64 << 40  # 64 TiB
    max_cpu_count: int = 4096

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(max_replicas=settings.max_replicas, max_batch_tasks=settings.max_batch_tasks)


# -- scalars ------------------------------------------------------------------------------------
def name(
    value: str, field: str, *, max_len: int = NAME_MAX, pattern: re.Pattern[str] = _NAME
) -> None:
    """A DNS label: lower-case letters, digits and '-', starting and ending alphanumeric."""
    if not value:
        raise Invalid(field, "required")
    if len(value) > max_len:
        raise Invalid(field, f"at most {max_len} characters, got {len(value)}")
    if not pattern.fullmatch(value):
        raise Invalid(field, f"{value!r} must be lower-case letters, digits and '-'")


def subdomain(value: str, field: str) -> None:
    """DNS labels joined by dots: node names (host names) and task names."""
    name(value, field, max_len=SUBDOMAIN_MAX, pattern=_SUBDOMAIN)


def node_name(value: str, field: str) -> None:
    subdomain(value, field)


def namespace(value: str, known: Iterable[str], field: str = "namespace") -> None:
    if not value:
        raise Invalid(field, "required")
    if value not in known:
        raise Invalid(field, f"unknown namespace {value!r}")


def in_range(value: float, low: float, high: float, field: str) -> None:
    if not low <= value <= high:
        raise Invalid(field, f"must be between {low} and {high}, got {value}")


def resource_version(
    value: int, field: str = "resource_version", *, required: bool = False
) -> None:
    if value < 0:
        raise Invalid(field, "must not be negative")
    if required and value == 0:
        raise Invalid(field, "required: name the version you read")


def enum(
    value: int, enum_type: Any, field: str, *, allowed: Sequence[int] = (), required: bool = False
) -> None:
    """Known values only (protobuf keeps unknown numbers as plain ints), optionally a subset."""
    if value not in enum_type.DESCRIPTOR.values_by_number:
        raise Invalid(field, f"unknown value {value}")
    if value == 0:
        if required:
            raise Invalid(field, "required")
        return
    if allowed and value not in allowed:
        names = ", ".join(enum_type.Name(v) for v in allowed)
        raise Invalid(field, f"{enum_type.Name(value)} is not allowed here; one of {names}")


def duration(value: Message, max_seconds: int, field: str) -> None:
    seconds = value.seconds + value.nanos / 1e9  # type: ignore[attr-defined]
    in_range(seconds, 0, max_seconds, field)


# -- metadata -----------------------------------------------------------------------------------
def camel_case(value: str, field: str) -> None:
    """A machine-readable cause ("NodeDrain"): CamelCase letters and digits, 1-63 long."""
    if not _CAMEL.fullmatch(value):
        raise Invalid(field, f"{value!r} is not CamelCase (letters and digits, at most 63)")


def label_key(key: str, field: str) -> None:
    prefix, _, part = key.rpartition("/")
    if prefix:
        name(prefix, field, max_len=SUBDOMAIN_MAX, pattern=_SUBDOMAIN)
    if not part or len(part) > LABEL_NAME_MAX or not _LABEL_PART.fullmatch(part):
        raise Invalid(
            field,
            f"key {key!r}: [prefix/]name, name of 1-{LABEL_NAME_MAX} alphanumerics, '-', '_', '.'",
        )


def labels(values: Mapping[str, str], field: str) -> None:
    if len(values) > LABELS_MAX:
        raise Invalid(field, f"at most {LABELS_MAX} entries, got {len(values)}")
    for key in sorted(values):
        label_key(key, f"{field}[{key!r}]")
        value = values[key]
        if len(value) > LABEL_VALUE_MAX or (value and not _LABEL_PART.fullmatch(value)):
            raise Invalid(
                f"{field}[{key!r}]",
                f"value: at most {LABEL_VALUE_MAX} alphanumerics, '-', '_', '.'",
            )


def annotation_map(values: Mapping[str, str], field: str) -> None:
    for key in sorted(values):
        label_key(key, f"{field}[{key!r}]")
    size = sum(len(k) + len(v) for k, v in values.items())
    if size > ANNOTATIONS_BYTES_MAX:
        raise Invalid(field, f"at most {ANNOTATIONS_BYTES_MAX} bytes in total, got {size}")


def meta(
    value: meta_pb2.ObjectMeta, request_namespace: str, field: str, *, cluster_scoped: bool = False
) -> None:
    """The user-owned parts of metadata; server-owned ones are ignored, not checked."""
    if cluster_scoped:
        if value.namespace:
            raise Invalid(f"{field}.namespace", "cluster-scoped: leave empty")
        node_name(value.name, f"{field}.name")
    else:
        if value.namespace and value.namespace != request_namespace:
            raise Invalid(f"{field}.namespace", f"must be empty or {request_namespace!r}")
        name(value.name, f"{field}.name")
    labels(value.labels, f"{field}.labels")
    annotation_map(value.annotations, f"{field}.annotations")


def selector(value: meta_pb2.LabelSelector, field: str = "label_selector") -> None:
    labels(value.match_labels, f"{field}.match_labels")
