import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sigma.v1 import app_pb2 as _app_pb2
from sigma.v1 import batch_pb2 as _batch_pb2
from sigma.v1 import interference_pb2 as _interference_pb2
from sigma.v1 import meta_pb2 as _meta_pb2
from sigma.v1 import node_pb2 as _node_pb2
from sigma.v1 import pod_pb2 as _pod_pb2
from sigma.v1 import task_pb2 as _task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TYPE_UNSPECIFIED: _ClassVar[EventType]
    EVENT_TYPE_ADDED: _ClassVar[EventType]
    EVENT_TYPE_MODIFIED: _ClassVar[EventType]
    EVENT_TYPE_DELETED: _ClassVar[EventType]
    EVENT_TYPE_BOOKMARK: _ClassVar[EventType]

class ColocationDecisionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COLOCATION_DECISION_KIND_UNSPECIFIED: _ClassVar[ColocationDecisionKind]
    COLOCATION_DECISION_KIND_EVICT: _ClassVar[ColocationDecisionKind]
    COLOCATION_DECISION_KIND_SCALE_DOWN: _ClassVar[ColocationDecisionKind]
    COLOCATION_DECISION_KIND_SCALE_UP: _ClassVar[ColocationDecisionKind]
    COLOCATION_DECISION_KIND_SUPPRESS: _ClassVar[ColocationDecisionKind]
    COLOCATION_DECISION_KIND_BUDGET_CHANGE: _ClassVar[ColocationDecisionKind]
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_ADDED: EventType
EVENT_TYPE_MODIFIED: EventType
EVENT_TYPE_DELETED: EventType
EVENT_TYPE_BOOKMARK: EventType
COLOCATION_DECISION_KIND_UNSPECIFIED: ColocationDecisionKind
COLOCATION_DECISION_KIND_EVICT: ColocationDecisionKind
COLOCATION_DECISION_KIND_SCALE_DOWN: ColocationDecisionKind
COLOCATION_DECISION_KIND_SCALE_UP: ColocationDecisionKind
COLOCATION_DECISION_KIND_SUPPRESS: ColocationDecisionKind
COLOCATION_DECISION_KIND_BUDGET_CHANGE: ColocationDecisionKind

class Event(_message.Message):
    __slots__ = ("type", "kind", "key", "revision", "prev_revision", "timestamp", "node", "pod", "app", "batch_job", "task", "node_allocation", "interference_rule_set")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    PREV_REVISION_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    POD_FIELD_NUMBER: _ClassVar[int]
    APP_FIELD_NUMBER: _ClassVar[int]
    BATCH_JOB_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    NODE_ALLOCATION_FIELD_NUMBER: _ClassVar[int]
    INTERFERENCE_RULE_SET_FIELD_NUMBER: _ClassVar[int]
    type: EventType
    kind: str
    key: str
    revision: int
    prev_revision: int
    timestamp: _timestamp_pb2.Timestamp
    node: _node_pb2.Node
    pod: _pod_pb2.Pod
    app: _app_pb2.App
    batch_job: _batch_pb2.BatchJob
    task: _task_pb2.Task
    node_allocation: _node_pb2.NodeAllocation
    interference_rule_set: _interference_pb2.InterferenceRuleSet
    def __init__(self, type: _Optional[_Union[EventType, str]] = ..., kind: _Optional[str] = ..., key: _Optional[str] = ..., revision: _Optional[int] = ..., prev_revision: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., node: _Optional[_Union[_node_pb2.Node, _Mapping]] = ..., pod: _Optional[_Union[_pod_pb2.Pod, _Mapping]] = ..., app: _Optional[_Union[_app_pb2.App, _Mapping]] = ..., batch_job: _Optional[_Union[_batch_pb2.BatchJob, _Mapping]] = ..., task: _Optional[_Union[_task_pb2.Task, _Mapping]] = ..., node_allocation: _Optional[_Union[_node_pb2.NodeAllocation, _Mapping]] = ..., interference_rule_set: _Optional[_Union[_interference_pb2.InterferenceRuleSet, _Mapping]] = ...) -> None: ...

class PodUsage(_message.Message):
    __slots__ = ("pod_key", "qos_class", "cpu_millis", "memory_bytes")
    POD_KEY_FIELD_NUMBER: _ClassVar[int]
    QOS_CLASS_FIELD_NUMBER: _ClassVar[int]
    CPU_MILLIS_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    pod_key: str
    qos_class: _meta_pb2.QoSClass
    cpu_millis: int
    memory_bytes: int
    def __init__(self, pod_key: _Optional[str] = ..., qos_class: _Optional[_Union[_meta_pb2.QoSClass, str]] = ..., cpu_millis: _Optional[int] = ..., memory_bytes: _Optional[int] = ...) -> None: ...

class NodeUsageReport(_message.Message):
    __slots__ = ("node_name", "sampled_at", "usage", "pods", "capacity")
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    SAMPLED_AT_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    PODS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    sampled_at: _timestamp_pb2.Timestamp
    usage: _node_pb2.NodeUsage
    pods: _containers.RepeatedCompositeFieldContainer[PodUsage]
    capacity: _meta_pb2.ResourceList
    def __init__(self, node_name: _Optional[str] = ..., sampled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., usage: _Optional[_Union[_node_pb2.NodeUsage, _Mapping]] = ..., pods: _Optional[_Iterable[_Union[PodUsage, _Mapping]]] = ..., capacity: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ...) -> None: ...

class BudgetTerms(_message.Message):
    __slots__ = ("capacity", "cpu_threshold", "memory_threshold", "online_estimate", "system", "reserve", "result")
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    CPU_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MEMORY_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    ONLINE_ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    RESERVE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    capacity: _meta_pb2.ResourceList
    cpu_threshold: float
    memory_threshold: float
    online_estimate: _meta_pb2.ResourceList
    system: _meta_pb2.ResourceList
    reserve: _meta_pb2.ResourceList
    result: _meta_pb2.ResourceList
    def __init__(self, capacity: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., cpu_threshold: _Optional[float] = ..., memory_threshold: _Optional[float] = ..., online_estimate: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., system: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., reserve: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., result: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ...) -> None: ...

class ColocationDecision(_message.Message):
    __slots__ = ("id", "kind", "node_name", "target", "reason", "terms", "at", "from_replicas", "to_replicas", "source", "message")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    FROM_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    TO_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: ColocationDecisionKind
    node_name: str
    target: str
    reason: str
    terms: BudgetTerms
    at: _timestamp_pb2.Timestamp
    from_replicas: int
    to_replicas: int
    source: str
    message: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[ColocationDecisionKind, str]] = ..., node_name: _Optional[str] = ..., target: _Optional[str] = ..., reason: _Optional[str] = ..., terms: _Optional[_Union[BudgetTerms, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., from_replicas: _Optional[int] = ..., to_replicas: _Optional[int] = ..., source: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...
