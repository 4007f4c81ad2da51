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

class BatchJobPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BATCH_JOB_PHASE_UNSPECIFIED: _ClassVar[BatchJobPhase]
    BATCH_JOB_PHASE_PENDING: _ClassVar[BatchJobPhase]
    BATCH_JOB_PHASE_RUNNING: _ClassVar[BatchJobPhase]
    BATCH_JOB_PHASE_SUCCEEDED: _ClassVar[BatchJobPhase]
    BATCH_JOB_PHASE_FAILED: _ClassVar[BatchJobPhase]
    BATCH_JOB_PHASE_CANCELLED: _ClassVar[BatchJobPhase]

class BatchTaskPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BATCH_TASK_PHASE_UNSPECIFIED: _ClassVar[BatchTaskPhase]
    BATCH_TASK_PHASE_WAITING: _ClassVar[BatchTaskPhase]
    BATCH_TASK_PHASE_PENDING: _ClassVar[BatchTaskPhase]
    BATCH_TASK_PHASE_RUNNING: _ClassVar[BatchTaskPhase]
    BATCH_TASK_PHASE_SUCCEEDED: _ClassVar[BatchTaskPhase]
    BATCH_TASK_PHASE_FAILED: _ClassVar[BatchTaskPhase]
    BATCH_TASK_PHASE_CANCELLED: _ClassVar[BatchTaskPhase]
BATCH_JOB_PHASE_UNSPECIFIED: BatchJobPhase
BATCH_JOB_PHASE_PENDING: BatchJobPhase
BATCH_JOB_PHASE_RUNNING: BatchJobPhase
BATCH_JOB_PHASE_SUCCEEDED: BatchJobPhase
BATCH_JOB_PHASE_FAILED: BatchJobPhase
BATCH_JOB_PHASE_CANCELLED: BatchJobPhase
BATCH_TASK_PHASE_UNSPECIFIED: BatchTaskPhase
BATCH_TASK_PHASE_WAITING: BatchTaskPhase
BATCH_TASK_PHASE_PENDING: BatchTaskPhase
BATCH_TASK_PHASE_RUNNING: BatchTaskPhase
BATCH_TASK_PHASE_SUCCEEDED: BatchTaskPhase
BATCH_TASK_PHASE_FAILED: BatchTaskPhase
BATCH_TASK_PHASE_CANCELLED: BatchTaskPhase

class BatchJob(_message.Message):
    __slots__ = ("meta", "spec", "status")
    META_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    meta: _meta_pb2.ObjectMeta
    spec: BatchJobSpec
    status: BatchJobStatus
    def __init__(self, meta: _Optional[_Union[_meta_pb2.ObjectMeta, _Mapping]] = ..., spec: _Optional[_Union[BatchJobSpec, _Mapping]] = ..., status: _Optional[_Union[BatchJobStatus, _Mapping]] = ...) -> None: ...

class BatchTask(_message.Message):
    __slots__ = ("name", "instances", "depends_on", "template", "duration_hint", "max_retries")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INSTANCES_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    DURATION_HINT_FIELD_NUMBER: _ClassVar[int]
    MAX_RETRIES_FIELD_NUMBER: _ClassVar[int]
    name: str
    instances: int
    depends_on: _containers.RepeatedScalarFieldContainer[str]
    template: _pod_pb2.PodTemplate
    duration_hint: _duration_pb2.Duration
    max_retries: int
    def __init__(self, name: _Optional[str] = ..., instances: _Optional[int] = ..., depends_on: _Optional[_Iterable[str]] = ..., template: _Optional[_Union[_pod_pb2.PodTemplate, _Mapping]] = ..., duration_hint: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_retries: _Optional[int] = ...) -> None: ...

class BatchJobSpec(_message.Message):
    __slots__ = ("tasks", "priority", "qos_class", "max_retries", "workers")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    QOS_CLASS_FIELD_NUMBER: _ClassVar[int]
    MAX_RETRIES_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[BatchTask]
    priority: int
    qos_class: _meta_pb2.QoSClass
    max_retries: int
    workers: BatchWorkerPolicy
    def __init__(self, tasks: _Optional[_Iterable[_Union[BatchTask, _Mapping]]] = ..., priority: _Optional[int] = ..., qos_class: _Optional[_Union[_meta_pb2.QoSClass, str]] = ..., max_retries: _Optional[int] = ..., workers: _Optional[_Union[BatchWorkerPolicy, _Mapping]] = ...) -> None: ...

class BatchWorkerPolicy(_message.Message):
    __slots__ = ("slots", "max_workers")
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    MAX_WORKERS_FIELD_NUMBER: _ClassVar[int]
    slots: int
    max_workers: int
    def __init__(self, slots: _Optional[int] = ..., max_workers: _Optional[int] = ...) -> None: ...

class BatchTaskStatus(_message.Message):
    __slots__ = ("name", "phase", "pending", "running", "succeeded", "failed", "retries", "total", "workers")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    name: str
    phase: BatchTaskPhase
    pending: int
    running: int
    succeeded: int
    failed: int
    retries: int
    total: int
    workers: int
    def __init__(self, name: _Optional[str] = ..., phase: _Optional[_Union[BatchTaskPhase, str]] = ..., pending: _Optional[int] = ..., running: _Optional[int] = ..., succeeded: _Optional[int] = ..., failed: _Optional[int] = ..., retries: _Optional[int] = ..., total: _Optional[int] = ..., workers: _Optional[int] = ...) -> None: ...

class BatchJobStatus(_message.Message):
    __slots__ = ("phase", "tasks", "start_time", "finish_time", "observed_generation", "message", "conditions", "workers", "completion_time")
    PHASE_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_GENERATION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TIME_FIELD_NUMBER: _ClassVar[int]
    phase: BatchJobPhase
    tasks: _containers.RepeatedCompositeFieldContainer[BatchTaskStatus]
    start_time: _timestamp_pb2.Timestamp
    finish_time: _timestamp_pb2.Timestamp
    observed_generation: int
    message: str
    conditions: _containers.RepeatedCompositeFieldContainer[_meta_pb2.Condition]
    workers: int
    completion_time: _duration_pb2.Duration
    def __init__(self, phase: _Optional[_Union[BatchJobPhase, str]] = ..., tasks: _Optional[_Iterable[_Union[BatchTaskStatus, _Mapping]]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., observed_generation: _Optional[int] = ..., message: _Optional[str] = ..., conditions: _Optional[_Iterable[_Union[_meta_pb2.Condition, _Mapping]]] = ..., workers: _Optional[int] = ..., completion_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...
