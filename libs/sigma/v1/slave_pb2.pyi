import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sigma.v1 import event_pb2 as _event_pb2
from sigma.v1 import meta_pb2 as _meta_pb2
from sigma.v1 import node_pb2 as _node_pb2
from sigma.v1 import pod_pb2 as _pod_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetNodeStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetNodeStatusResponse(_message.Message):
    __slots__ = ("node", "runtime", "shared_cpus", "under_pressure", "lease_id", "lease_expires_at")
    NODE_FIELD_NUMBER: _ClassVar[int]
    RUNTIME_FIELD_NUMBER: _ClassVar[int]
    SHARED_CPUS_FIELD_NUMBER: _ClassVar[int]
    UNDER_PRESSURE_FIELD_NUMBER: _ClassVar[int]
    LEASE_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    node: _node_pb2.Node
    runtime: str
    shared_cpus: str
    under_pressure: bool
    lease_id: int
    lease_expires_at: _timestamp_pb2.Timestamp
    def __init__(self, node: _Optional[_Union[_node_pb2.Node, _Mapping]] = ..., runtime: _Optional[str] = ..., shared_cpus: _Optional[str] = ..., under_pressure: _Optional[bool] = ..., lease_id: _Optional[int] = ..., lease_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListLocalPodsRequest(_message.Message):
    __slots__ = ("qos_class",)
    QOS_CLASS_FIELD_NUMBER: _ClassVar[int]
    qos_class: _meta_pb2.QoSClass
    def __init__(self, qos_class: _Optional[_Union[_meta_pb2.QoSClass, str]] = ...) -> None: ...

class LocalPod(_message.Message):
    __slots__ = ("pod_key", "pod_uid", "qos_class", "phase", "cpuset", "exclusive", "pid", "usage", "suppressed", "started_at")
    POD_KEY_FIELD_NUMBER: _ClassVar[int]
    POD_UID_FIELD_NUMBER: _ClassVar[int]
    QOS_CLASS_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    CPUSET_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIVE_FIELD_NUMBER: _ClassVar[int]
    PID_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    pod_key: str
    pod_uid: str
    qos_class: _meta_pb2.QoSClass
    phase: _pod_pb2.PodPhase
    cpuset: str
    exclusive: bool
    pid: int
    usage: _event_pb2.PodUsage
    suppressed: bool
    started_at: _timestamp_pb2.Timestamp
    def __init__(self, pod_key: _Optional[str] = ..., pod_uid: _Optional[str] = ..., qos_class: _Optional[_Union[_meta_pb2.QoSClass, str]] = ..., phase: _Optional[_Union[_pod_pb2.PodPhase, str]] = ..., cpuset: _Optional[str] = ..., exclusive: _Optional[bool] = ..., pid: _Optional[int] = ..., usage: _Optional[_Union[_event_pb2.PodUsage, _Mapping]] = ..., suppressed: _Optional[bool] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListLocalPodsResponse(_message.Message):
    __slots__ = ("pods",)
    PODS_FIELD_NUMBER: _ClassVar[int]
    pods: _containers.RepeatedCompositeFieldContainer[LocalPod]
    def __init__(self, pods: _Optional[_Iterable[_Union[LocalPod, _Mapping]]] = ...) -> None: ...

class DrainRequest(_message.Message):
    __slots__ = ("reason", "grace_period", "batch_only")
    REASON_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    BATCH_ONLY_FIELD_NUMBER: _ClassVar[int]
    reason: str
    grace_period: _duration_pb2.Duration
    batch_only: bool
    def __init__(self, reason: _Optional[str] = ..., grace_period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., batch_only: _Optional[bool] = ...) -> None: ...

class DrainResponse(_message.Message):
    __slots__ = ("evicted", "remaining")
    EVICTED_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    evicted: _containers.RepeatedScalarFieldContainer[str]
    remaining: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, evicted: _Optional[_Iterable[str]] = ..., remaining: _Optional[_Iterable[str]] = ...) -> None: ...

class StreamLogsRequest(_message.Message):
    __slots__ = ("namespace", "pod", "container", "follow", "tail_lines", "previous")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    POD_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_FIELD_NUMBER: _ClassVar[int]
    TAIL_LINES_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    pod: str
    container: str
    follow: bool
    tail_lines: int
    previous: bool
    def __init__(self, namespace: _Optional[str] = ..., pod: _Optional[str] = ..., container: _Optional[str] = ..., follow: _Optional[bool] = ..., tail_lines: _Optional[int] = ..., previous: _Optional[bool] = ...) -> None: ...

class LogChunk(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    def __init__(self, data: _Optional[bytes] = ...) -> None: ...
