import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sigma.v1 import meta_pb2 as _meta_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InterferenceRule(_message.Message):
    __slots__ = ("app_a", "app_b", "k")
    APP_A_FIELD_NUMBER: _ClassVar[int]
    APP_B_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    app_a: str
    app_b: str
    k: int
    def __init__(self, app_a: _Optional[str] = ..., app_b: _Optional[str] = ..., k: _Optional[int] = ...) -> None: ...

class InterferenceRuleSetSpec(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[InterferenceRule]
    def __init__(self, rules: _Optional[_Iterable[_Union[InterferenceRule, _Mapping]]] = ...) -> None: ...

class BrokenInterferenceRule(_message.Message):
    __slots__ = ("app_a", "app_b", "k", "pods_over", "nodes")
    APP_A_FIELD_NUMBER: _ClassVar[int]
    APP_B_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    PODS_OVER_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    app_a: str
    app_b: str
    k: int
    pods_over: int
    nodes: int
    def __init__(self, app_a: _Optional[str] = ..., app_b: _Optional[str] = ..., k: _Optional[int] = ..., pods_over: _Optional[int] = ..., nodes: _Optional[int] = ...) -> None: ...

class InterferenceRuleSetStatus(_message.Message):
    __slots__ = ("observed_generation", "pods_over", "broken", "updated_at")
    OBSERVED_GENERATION_FIELD_NUMBER: _ClassVar[int]
    PODS_OVER_FIELD_NUMBER: _ClassVar[int]
    BROKEN_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    observed_generation: int
    pods_over: int
    broken: _containers.RepeatedCompositeFieldContainer[BrokenInterferenceRule]
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, observed_generation: _Optional[int] = ..., pods_over: _Optional[int] = ..., broken: _Optional[_Iterable[_Union[BrokenInterferenceRule, _Mapping]]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class InterferenceRuleSet(_message.Message):
    __slots__ = ("meta", "spec", "status")
    META_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    meta: _meta_pb2.ObjectMeta
    spec: InterferenceRuleSetSpec
    status: InterferenceRuleSetStatus
    def __init__(self, meta: _Optional[_Union[_meta_pb2.ObjectMeta, _Mapping]] = ..., spec: _Optional[_Union[InterferenceRuleSetSpec, _Mapping]] = ..., status: _Optional[_Union[InterferenceRuleSetStatus, _Mapping]] = ...) -> None: ...
