import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sigma.v1 import event_pb2 as _event_pb2
from sigma.v1 import meta_pb2 as _meta_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetNodeBudgetRequest(_message.Message):
    __slots__ = ("node_name",)
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    def __init__(self, node_name: _Optional[str] = ...) -> None: ...

class NodeBudget(_message.Message):
    __slots__ = ("node_name", "terms", "batch_requested", "updated_at", "sampled_at")
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    BATCH_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    SAMPLED_AT_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    terms: _event_pb2.BudgetTerms
    batch_requested: _meta_pb2.ResourceList
    updated_at: _timestamp_pb2.Timestamp
    sampled_at: _timestamp_pb2.Timestamp
    def __init__(self, node_name: _Optional[str] = ..., terms: _Optional[_Union[_event_pb2.BudgetTerms, _Mapping]] = ..., batch_requested: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sampled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExplainBudgetRequest(_message.Message):
    __slots__ = ("node_name", "since", "limit")
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    since: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, node_name: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class BudgetChange(_message.Message):
    __slots__ = ("at", "terms", "previous", "reason")
    AT_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    terms: _event_pb2.BudgetTerms
    previous: _meta_pb2.ResourceList
    reason: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., terms: _Optional[_Union[_event_pb2.BudgetTerms, _Mapping]] = ..., previous: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class ExplainBudgetResponse(_message.Message):
    __slots__ = ("node_name", "changes")
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    changes: _containers.RepeatedCompositeFieldContainer[BudgetChange]
    def __init__(self, node_name: _Optional[str] = ..., changes: _Optional[_Iterable[_Union[BudgetChange, _Mapping]]] = ...) -> None: ...

class GetClusterUtilizationRequest(_message.Message):
    __slots__ = ("window", "step")
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    window: _duration_pb2.Duration
    step: _duration_pb2.Duration
    def __init__(self, window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., step: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class UtilizationShares(_message.Message):
    __slots__ = ("online", "batch", "system", "idle")
    ONLINE_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    IDLE_FIELD_NUMBER: _ClassVar[int]
    online: float
    batch: float
    system: float
    idle: float
    def __init__(self, online: _Optional[float] = ..., batch: _Optional[float] = ..., system: _Optional[float] = ..., idle: _Optional[float] = ...) -> None: ...

class UtilizationSample(_message.Message):
    __slots__ = ("start", "end", "cpu", "memory")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    CPU_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    cpu: UtilizationShares
    memory: UtilizationShares
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cpu: _Optional[_Union[UtilizationShares, _Mapping]] = ..., memory: _Optional[_Union[UtilizationShares, _Mapping]] = ...) -> None: ...

class ClusterUtilization(_message.Message):
    __slots__ = ("start", "end", "cpu", "memory", "series", "nodes", "capacity")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    CPU_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    cpu: UtilizationShares
    memory: UtilizationShares
    series: _containers.RepeatedCompositeFieldContainer[UtilizationSample]
    nodes: int
    capacity: _meta_pb2.ResourceList
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cpu: _Optional[_Union[UtilizationShares, _Mapping]] = ..., memory: _Optional[_Union[UtilizationShares, _Mapping]] = ..., series: _Optional[_Iterable[_Union[UtilizationSample, _Mapping]]] = ..., nodes: _Optional[int] = ..., capacity: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ...) -> None: ...

class ListDecisionsRequest(_message.Message):
    __slots__ = ("node_name", "target", "kind", "since", "page_size", "page_token")
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    target: str
    kind: _event_pb2.ColocationDecisionKind
    since: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, node_name: _Optional[str] = ..., target: _Optional[str] = ..., kind: _Optional[_Union[_event_pb2.ColocationDecisionKind, str]] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDecisionsResponse(_message.Message):
    __slots__ = ("decisions", "next_page_token")
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    decisions: _containers.RepeatedCompositeFieldContainer[_event_pb2.ColocationDecision]
    next_page_token: str
    def __init__(self, decisions: _Optional[_Iterable[_Union[_event_pb2.ColocationDecision, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListPodUsageRequest(_message.Message):
    __slots__ = ("namespace", "node_name")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    node_name: str
    def __init__(self, namespace: _Optional[str] = ..., node_name: _Optional[str] = ...) -> None: ...

class PodUsageSample(_message.Message):
    __slots__ = ("usage", "node_name", "sampled_at")
    USAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    SAMPLED_AT_FIELD_NUMBER: _ClassVar[int]
    usage: _event_pb2.PodUsage
    node_name: str
    sampled_at: _timestamp_pb2.Timestamp
    def __init__(self, usage: _Optional[_Union[_event_pb2.PodUsage, _Mapping]] = ..., node_name: _Optional[str] = ..., sampled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListPodUsageResponse(_message.Message):
    __slots__ = ("pods",)
    PODS_FIELD_NUMBER: _ClassVar[int]
    pods: _containers.RepeatedCompositeFieldContainer[PodUsageSample]
    def __init__(self, pods: _Optional[_Iterable[_Union[PodUsageSample, _Mapping]]] = ...) -> None: ...
