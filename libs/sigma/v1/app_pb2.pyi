import datetime

from google.protobuf import duration_pb2 as _duration_pb2
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

class TopologyLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOPOLOGY_LEVEL_UNSPECIFIED: _ClassVar[TopologyLevel]
    TOPOLOGY_LEVEL_HOST: _ClassVar[TopologyLevel]
    TOPOLOGY_LEVEL_CHASSIS: _ClassVar[TopologyLevel]
    TOPOLOGY_LEVEL_CORE_SWITCH: _ClassVar[TopologyLevel]

class SpreadMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPREAD_MODE_UNSPECIFIED: _ClassVar[SpreadMode]
    SPREAD_MODE_SOFT: _ClassVar[SpreadMode]
    SPREAD_MODE_HARD: _ClassVar[SpreadMode]
TOPOLOGY_LEVEL_UNSPECIFIED: TopologyLevel
TOPOLOGY_LEVEL_HOST: TopologyLevel
TOPOLOGY_LEVEL_CHASSIS: TopologyLevel
TOPOLOGY_LEVEL_CORE_SWITCH: TopologyLevel
SPREAD_MODE_UNSPECIFIED: SpreadMode
SPREAD_MODE_SOFT: SpreadMode
SPREAD_MODE_HARD: SpreadMode

class App(_message.Message):
    __slots__ = ("meta", "spec", "status")
    META_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    meta: _meta_pb2.ObjectMeta
    spec: AppSpec
    status: AppStatus
    def __init__(self, meta: _Optional[_Union[_meta_pb2.ObjectMeta, _Mapping]] = ..., spec: _Optional[_Union[AppSpec, _Mapping]] = ..., status: _Optional[_Union[AppStatus, _Mapping]] = ...) -> None: ...

class SpreadConstraint(_message.Message):
    __slots__ = ("level", "mode", "max_skew")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    MAX_SKEW_FIELD_NUMBER: _ClassVar[int]
    level: TopologyLevel
    mode: SpreadMode
    max_skew: int
    def __init__(self, level: _Optional[_Union[TopologyLevel, str]] = ..., mode: _Optional[_Union[SpreadMode, str]] = ..., max_skew: _Optional[int] = ...) -> None: ...

class SpreadPolicy(_message.Message):
    __slots__ = ("constraints", "max_per_host")
    CONSTRAINTS_FIELD_NUMBER: _ClassVar[int]
    MAX_PER_HOST_FIELD_NUMBER: _ClassVar[int]
    constraints: _containers.RepeatedCompositeFieldContainer[SpreadConstraint]
    max_per_host: int
    def __init__(self, constraints: _Optional[_Iterable[_Union[SpreadConstraint, _Mapping]]] = ..., max_per_host: _Optional[int] = ...) -> None: ...

class RollingUpgradePolicy(_message.Message):
    __slots__ = ("max_unavailable", "max_unavailable_percent", "max_surge", "max_surge_percent")
    MAX_UNAVAILABLE_FIELD_NUMBER: _ClassVar[int]
    MAX_UNAVAILABLE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    MAX_SURGE_FIELD_NUMBER: _ClassVar[int]
    MAX_SURGE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    max_unavailable: int
    max_unavailable_percent: int
    max_surge: int
    max_surge_percent: int
    def __init__(self, max_unavailable: _Optional[int] = ..., max_unavailable_percent: _Optional[int] = ..., max_surge: _Optional[int] = ..., max_surge_percent: _Optional[int] = ...) -> None: ...

class TrafficProfile(_message.Message):
    __slots__ = ("slot_seconds", "load")
    SLOT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    slot_seconds: int
    load: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, slot_seconds: _Optional[int] = ..., load: _Optional[_Iterable[float]] = ...) -> None: ...

class TimeSharingPolicy(_message.Message):
    __slots__ = ("enabled", "profile", "headroom", "lead_time")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    HEADROOM_FIELD_NUMBER: _ClassVar[int]
    LEAD_TIME_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    profile: TrafficProfile
    headroom: float
    lead_time: _duration_pb2.Duration
    def __init__(self, enabled: _Optional[bool] = ..., profile: _Optional[_Union[TrafficProfile, _Mapping]] = ..., headroom: _Optional[float] = ..., lead_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AppSpec(_message.Message):
    __slots__ = ("replicas", "template", "qos_class", "priority", "spread", "upgrade", "min_replicas", "time_sharing", "min_available")
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    QOS_CLASS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    SPREAD_FIELD_NUMBER: _ClassVar[int]
    UPGRADE_FIELD_NUMBER: _ClassVar[int]
    MIN_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    TIME_SHARING_FIELD_NUMBER: _ClassVar[int]
    MIN_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    replicas: int
    template: _pod_pb2.PodTemplate
    qos_class: _meta_pb2.QoSClass
    priority: int
    spread: SpreadPolicy
    upgrade: RollingUpgradePolicy
    min_replicas: int
    time_sharing: TimeSharingPolicy
    min_available: int
    def __init__(self, replicas: _Optional[int] = ..., template: _Optional[_Union[_pod_pb2.PodTemplate, _Mapping]] = ..., qos_class: _Optional[_Union[_meta_pb2.QoSClass, str]] = ..., priority: _Optional[int] = ..., spread: _Optional[_Union[SpreadPolicy, _Mapping]] = ..., upgrade: _Optional[_Union[RollingUpgradePolicy, _Mapping]] = ..., min_replicas: _Optional[int] = ..., time_sharing: _Optional[_Union[TimeSharingPolicy, _Mapping]] = ..., min_available: _Optional[int] = ...) -> None: ...

class AppStatus(_message.Message):
    __slots__ = ("observed_generation", "replicas", "ready_replicas", "updated_replicas", "conditions", "current_template_hash", "time_sharing_replicas", "learned_profile", "available_replicas", "target_replicas", "min_available", "disrupted_pods")
    class DisruptedPodsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _timestamp_pb2.Timestamp
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
    OBSERVED_GENERATION_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    READY_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_TEMPLATE_HASH_FIELD_NUMBER: _ClassVar[int]
    TIME_SHARING_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    LEARNED_PROFILE_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    TARGET_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    MIN_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    DISRUPTED_PODS_FIELD_NUMBER: _ClassVar[int]
    observed_generation: int
    replicas: int
    ready_replicas: int
    updated_replicas: int
    conditions: _containers.RepeatedCompositeFieldContainer[_meta_pb2.Condition]
    current_template_hash: str
    time_sharing_replicas: int
    learned_profile: TrafficProfile
    available_replicas: int
    target_replicas: int
    min_available: int
    disrupted_pods: _containers.MessageMap[str, _timestamp_pb2.Timestamp]
    def __init__(self, observed_generation: _Optional[int] = ..., replicas: _Optional[int] = ..., ready_replicas: _Optional[int] = ..., updated_replicas: _Optional[int] = ..., conditions: _Optional[_Iterable[_Union[_meta_pb2.Condition, _Mapping]]] = ..., current_template_hash: _Optional[str] = ..., time_sharing_replicas: _Optional[int] = ..., learned_profile: _Optional[_Union[TrafficProfile, _Mapping]] = ..., available_replicas: _Optional[int] = ..., target_replicas: _Optional[int] = ..., min_available: _Optional[int] = ..., disrupted_pods: _Optional[_Mapping[str, _timestamp_pb2.Timestamp]] = ...) -> None: ...
