import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sigma.v1 import meta_pb2 as _meta_pb2
from sigma.v1 import pod_pb2 as _pod_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SchedulingQueueKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCHEDULING_QUEUE_KIND_UNSPECIFIED: _ClassVar[SchedulingQueueKind]
    SCHEDULING_QUEUE_KIND_ACTIVE: _ClassVar[SchedulingQueueKind]
    SCHEDULING_QUEUE_KIND_BACKOFF: _ClassVar[SchedulingQueueKind]
    SCHEDULING_QUEUE_KIND_UNSCHEDULABLE: _ClassVar[SchedulingQueueKind]
SCHEDULING_QUEUE_KIND_UNSPECIFIED: SchedulingQueueKind
SCHEDULING_QUEUE_KIND_ACTIVE: SchedulingQueueKind
SCHEDULING_QUEUE_KIND_BACKOFF: SchedulingQueueKind
SCHEDULING_QUEUE_KIND_UNSCHEDULABLE: SchedulingQueueKind

class ExplainRequest(_message.Message):
    __slots__ = ("namespace", "pod_key", "hypothetical", "node_names", "max_nodes")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    POD_KEY_FIELD_NUMBER: _ClassVar[int]
    HYPOTHETICAL_FIELD_NUMBER: _ClassVar[int]
    NODE_NAMES_FIELD_NUMBER: _ClassVar[int]
    MAX_NODES_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    pod_key: str
    hypothetical: _pod_pb2.PodSpec
    node_names: _containers.RepeatedScalarFieldContainer[str]
    max_nodes: int
    def __init__(self, namespace: _Optional[str] = ..., pod_key: _Optional[str] = ..., hypothetical: _Optional[_Union[_pod_pb2.PodSpec, _Mapping]] = ..., node_names: _Optional[_Iterable[str]] = ..., max_nodes: _Optional[int] = ...) -> None: ...

class FilterVerdict(_message.Message):
    __slots__ = ("plugin", "ok", "reason")
    PLUGIN_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    plugin: str
    ok: bool
    reason: str
    def __init__(self, plugin: _Optional[str] = ..., ok: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class ScoreDetail(_message.Message):
    __slots__ = ("plugin", "raw", "normalized", "weighted")
    PLUGIN_FIELD_NUMBER: _ClassVar[int]
    RAW_FIELD_NUMBER: _ClassVar[int]
    NORMALIZED_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_FIELD_NUMBER: _ClassVar[int]
    plugin: str
    raw: float
    normalized: float
    weighted: float
    def __init__(self, plugin: _Optional[str] = ..., raw: _Optional[float] = ..., normalized: _Optional[float] = ..., weighted: _Optional[float] = ...) -> None: ...

class NodeVerdict(_message.Message):
    __slots__ = ("node_name", "feasible", "filters", "scores", "total")
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    FEASIBLE_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    feasible: bool
    filters: _containers.RepeatedCompositeFieldContainer[FilterVerdict]
    scores: _containers.RepeatedCompositeFieldContainer[ScoreDetail]
    total: float
    def __init__(self, node_name: _Optional[str] = ..., feasible: _Optional[bool] = ..., filters: _Optional[_Iterable[_Union[FilterVerdict, _Mapping]]] = ..., scores: _Optional[_Iterable[_Union[ScoreDetail, _Mapping]]] = ..., total: _Optional[float] = ...) -> None: ...

class ExplainResponse(_message.Message):
    __slots__ = ("nodes", "chosen_node", "reason", "nominated_node", "victims", "nodes_evaluated")
    NODES_FIELD_NUMBER: _ClassVar[int]
    CHOSEN_NODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOMINATED_NODE_FIELD_NUMBER: _ClassVar[int]
    VICTIMS_FIELD_NUMBER: _ClassVar[int]
    NODES_EVALUATED_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[NodeVerdict]
    chosen_node: str
    reason: str
    nominated_node: str
    victims: _containers.RepeatedScalarFieldContainer[str]
    nodes_evaluated: int
    def __init__(self, nodes: _Optional[_Iterable[_Union[NodeVerdict, _Mapping]]] = ..., chosen_node: _Optional[str] = ..., reason: _Optional[str] = ..., nominated_node: _Optional[str] = ..., victims: _Optional[_Iterable[str]] = ..., nodes_evaluated: _Optional[int] = ...) -> None: ...

class GetQueueRequest(_message.Message):
    __slots__ = ("namespace", "limit")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    limit: int
    def __init__(self, namespace: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class QueuedPod(_message.Message):
    __slots__ = ("pod_key", "queue", "priority", "qos_class", "attempts", "last_reason", "enqueued_at", "next_attempt_at")
    POD_KEY_FIELD_NUMBER: _ClassVar[int]
    QUEUE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    QOS_CLASS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_REASON_FIELD_NUMBER: _ClassVar[int]
    ENQUEUED_AT_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    pod_key: str
    queue: SchedulingQueueKind
    priority: int
    qos_class: _meta_pb2.QoSClass
    attempts: int
    last_reason: str
    enqueued_at: _timestamp_pb2.Timestamp
    next_attempt_at: _timestamp_pb2.Timestamp
    def __init__(self, pod_key: _Optional[str] = ..., queue: _Optional[_Union[SchedulingQueueKind, str]] = ..., priority: _Optional[int] = ..., qos_class: _Optional[_Union[_meta_pb2.QoSClass, str]] = ..., attempts: _Optional[int] = ..., last_reason: _Optional[str] = ..., enqueued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_attempt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetQueueResponse(_message.Message):
    __slots__ = ("pods", "total")
    PODS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    pods: _containers.RepeatedCompositeFieldContainer[QueuedPod]
    total: int
    def __init__(self, pods: _Optional[_Iterable[_Union[QueuedPod, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...
