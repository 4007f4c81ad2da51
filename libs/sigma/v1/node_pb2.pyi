import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sigma.v1 import meta_pb2 as _meta_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NodePhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NODE_PHASE_UNSPECIFIED: _ClassVar[NodePhase]
    NODE_PHASE_READY: _ClassVar[NodePhase]
    NODE_PHASE_NOT_READY: _ClassVar[NodePhase]
    NODE_PHASE_UNKNOWN: _ClassVar[NodePhase]
NODE_PHASE_UNSPECIFIED: NodePhase
NODE_PHASE_READY: NodePhase
NODE_PHASE_NOT_READY: NodePhase
NODE_PHASE_UNKNOWN: NodePhase

class Node(_message.Message):
    __slots__ = ("meta", "spec", "status")
    META_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    meta: _meta_pb2.ObjectMeta
    spec: NodeSpec
    status: NodeStatus
    def __init__(self, meta: _Optional[_Union[_meta_pb2.ObjectMeta, _Mapping]] = ..., spec: _Optional[_Union[NodeSpec, _Mapping]] = ..., status: _Optional[_Union[NodeStatus, _Mapping]] = ...) -> None: ...

class NodeTopology(_message.Message):
    __slots__ = ("host", "chassis", "core_switch")
    HOST_FIELD_NUMBER: _ClassVar[int]
    CHASSIS_FIELD_NUMBER: _ClassVar[int]
    CORE_SWITCH_FIELD_NUMBER: _ClassVar[int]
    host: str
    chassis: str
    core_switch: str
    def __init__(self, host: _Optional[str] = ..., chassis: _Optional[str] = ..., core_switch: _Optional[str] = ...) -> None: ...

class NodeSpec(_message.Message):
    __slots__ = ("capacity", "allocatable", "topology", "taints", "unschedulable", "cpu_count")
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    ALLOCATABLE_FIELD_NUMBER: _ClassVar[int]
    TOPOLOGY_FIELD_NUMBER: _ClassVar[int]
    TAINTS_FIELD_NUMBER: _ClassVar[int]
    UNSCHEDULABLE_FIELD_NUMBER: _ClassVar[int]
    CPU_COUNT_FIELD_NUMBER: _ClassVar[int]
    capacity: _meta_pb2.ResourceList
    allocatable: _meta_pb2.ResourceList
    topology: NodeTopology
    taints: _containers.RepeatedCompositeFieldContainer[_meta_pb2.Taint]
    unschedulable: bool
    cpu_count: int
    def __init__(self, capacity: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., allocatable: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., topology: _Optional[_Union[NodeTopology, _Mapping]] = ..., taints: _Optional[_Iterable[_Union[_meta_pb2.Taint, _Mapping]]] = ..., unschedulable: _Optional[bool] = ..., cpu_count: _Optional[int] = ...) -> None: ...

class NodeUsage(_message.Message):
    __slots__ = ("cpu_millis", "memory_bytes", "online_cpu_millis", "online_memory_bytes", "batch_cpu_millis", "batch_memory_bytes", "system_cpu_millis", "system_memory_bytes", "sampled_at")
    CPU_MILLIS_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    ONLINE_CPU_MILLIS_FIELD_NUMBER: _ClassVar[int]
    ONLINE_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    BATCH_CPU_MILLIS_FIELD_NUMBER: _ClassVar[int]
    BATCH_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_CPU_MILLIS_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    SAMPLED_AT_FIELD_NUMBER: _ClassVar[int]
    cpu_millis: int
    memory_bytes: int
    online_cpu_millis: int
    online_memory_bytes: int
    batch_cpu_millis: int
    batch_memory_bytes: int
    system_cpu_millis: int
    system_memory_bytes: int
    sampled_at: _timestamp_pb2.Timestamp
    def __init__(self, cpu_millis: _Optional[int] = ..., memory_bytes: _Optional[int] = ..., online_cpu_millis: _Optional[int] = ..., online_memory_bytes: _Optional[int] = ..., batch_cpu_millis: _Optional[int] = ..., batch_memory_bytes: _Optional[int] = ..., system_cpu_millis: _Optional[int] = ..., system_memory_bytes: _Optional[int] = ..., sampled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NodeAllocated(_message.Message):
    __slots__ = ("online", "batch")
    ONLINE_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    online: _meta_pb2.ResourceList
    batch: _meta_pb2.ResourceList
    def __init__(self, online: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., batch: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ...) -> None: ...

class NodeStatus(_message.Message):
    __slots__ = ("phase", "conditions", "last_heartbeat", "usage", "batch_capacity", "batch_capacity_updated_at", "allocated", "agent_version", "agent_address")
    PHASE_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    BATCH_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    BATCH_CAPACITY_UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ALLOCATED_FIELD_NUMBER: _ClassVar[int]
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    AGENT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    phase: NodePhase
    conditions: _containers.RepeatedCompositeFieldContainer[_meta_pb2.Condition]
    last_heartbeat: _timestamp_pb2.Timestamp
    usage: NodeUsage
    batch_capacity: _meta_pb2.ResourceList
    batch_capacity_updated_at: _timestamp_pb2.Timestamp
    allocated: NodeAllocated
    agent_version: str
    agent_address: str
    def __init__(self, phase: _Optional[_Union[NodePhase, str]] = ..., conditions: _Optional[_Iterable[_Union[_meta_pb2.Condition, _Mapping]]] = ..., last_heartbeat: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., usage: _Optional[_Union[NodeUsage, _Mapping]] = ..., batch_capacity: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., batch_capacity_updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., allocated: _Optional[_Union[NodeAllocated, _Mapping]] = ..., agent_version: _Optional[str] = ..., agent_address: _Optional[str] = ...) -> None: ...

class PodAllocation(_message.Message):
    __slots__ = ("pod_key", "pod_uid", "qos_class", "priority", "requests", "exclusive_cpus")
    POD_KEY_FIELD_NUMBER: _ClassVar[int]
    POD_UID_FIELD_NUMBER: _ClassVar[int]
    QOS_CLASS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIVE_CPUS_FIELD_NUMBER: _ClassVar[int]
    pod_key: str
    pod_uid: str
    qos_class: _meta_pb2.QoSClass
    priority: int
    requests: _meta_pb2.ResourceList
    exclusive_cpus: str
    def __init__(self, pod_key: _Optional[str] = ..., pod_uid: _Optional[str] = ..., qos_class: _Optional[_Union[_meta_pb2.QoSClass, str]] = ..., priority: _Optional[int] = ..., requests: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., exclusive_cpus: _Optional[str] = ...) -> None: ...

class NodeAllocation(_message.Message):
    __slots__ = ("node_name", "resource_version", "pods", "online_requested", "batch_requested", "exclusive_cpus", "exclusive_cpu_count")
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    PODS_FIELD_NUMBER: _ClassVar[int]
    ONLINE_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    BATCH_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIVE_CPUS_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIVE_CPU_COUNT_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    resource_version: int
    pods: _containers.RepeatedCompositeFieldContainer[PodAllocation]
    online_requested: _meta_pb2.ResourceList
    batch_requested: _meta_pb2.ResourceList
    exclusive_cpus: str
    exclusive_cpu_count: int
    def __init__(self, node_name: _Optional[str] = ..., resource_version: _Optional[int] = ..., pods: _Optional[_Iterable[_Union[PodAllocation, _Mapping]]] = ..., online_requested: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., batch_requested: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., exclusive_cpus: _Optional[str] = ..., exclusive_cpu_count: _Optional[int] = ...) -> None: ...
