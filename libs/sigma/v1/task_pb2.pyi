import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sigma.v1 import meta_pb2 as _meta_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TaskKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_KIND_UNSPECIFIED: _ClassVar[TaskKind]
    TASK_KIND_PUBLISH: _ClassVar[TaskKind]
    TASK_KIND_SCALE: _ClassVar[TaskKind]
    TASK_KIND_UPGRADE: _ClassVar[TaskKind]
    TASK_KIND_DESTROY: _ClassVar[TaskKind]

class TaskTargetKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_TARGET_KIND_UNSPECIFIED: _ClassVar[TaskTargetKind]
    TASK_TARGET_KIND_APP: _ClassVar[TaskTargetKind]
    TASK_TARGET_KIND_BATCH_JOB: _ClassVar[TaskTargetKind]

class TaskState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_STATE_UNSPECIFIED: _ClassVar[TaskState]
    TASK_STATE_PENDING: _ClassVar[TaskState]
    TASK_STATE_RUNNING: _ClassVar[TaskState]
    TASK_STATE_SUCCEEDED: _ClassVar[TaskState]
    TASK_STATE_FAILED: _ClassVar[TaskState]
TASK_KIND_UNSPECIFIED: TaskKind
TASK_KIND_PUBLISH: TaskKind
TASK_KIND_SCALE: TaskKind
TASK_KIND_UPGRADE: TaskKind
TASK_KIND_DESTROY: TaskKind
TASK_TARGET_KIND_UNSPECIFIED: TaskTargetKind
TASK_TARGET_KIND_APP: TaskTargetKind
TASK_TARGET_KIND_BATCH_JOB: TaskTargetKind
TASK_STATE_UNSPECIFIED: TaskState
TASK_STATE_PENDING: TaskState
TASK_STATE_RUNNING: TaskState
TASK_STATE_SUCCEEDED: TaskState
TASK_STATE_FAILED: TaskState

class Task(_message.Message):
    __slots__ = ("meta", "spec", "status")
    META_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    meta: _meta_pb2.ObjectMeta
    spec: TaskSpec
    status: TaskStatus
    def __init__(self, meta: _Optional[_Union[_meta_pb2.ObjectMeta, _Mapping]] = ..., spec: _Optional[_Union[TaskSpec, _Mapping]] = ..., status: _Optional[_Union[TaskStatus, _Mapping]] = ...) -> None: ...

class TaskSpec(_message.Message):
    __slots__ = ("kind", "target_kind", "target_name", "target_generation", "scale_replicas", "upgrade_template_hash", "target_uid")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TARGET_KIND_FIELD_NUMBER: _ClassVar[int]
    TARGET_NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_GENERATION_FIELD_NUMBER: _ClassVar[int]
    SCALE_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    UPGRADE_TEMPLATE_HASH_FIELD_NUMBER: _ClassVar[int]
    TARGET_UID_FIELD_NUMBER: _ClassVar[int]
    kind: TaskKind
    target_kind: TaskTargetKind
    target_name: str
    target_generation: int
    scale_replicas: int
    upgrade_template_hash: str
    target_uid: str
    def __init__(self, kind: _Optional[_Union[TaskKind, str]] = ..., target_kind: _Optional[_Union[TaskTargetKind, str]] = ..., target_name: _Optional[str] = ..., target_generation: _Optional[int] = ..., scale_replicas: _Optional[int] = ..., upgrade_template_hash: _Optional[str] = ..., target_uid: _Optional[str] = ...) -> None: ...

class TaskStatus(_message.Message):
    __slots__ = ("state", "owner", "lease_id", "lease_expires_at", "progress_done", "progress_total", "message", "attempts", "started_at", "finished_at")
    STATE_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    LEASE_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_DONE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    state: TaskState
    owner: str
    lease_id: int
    lease_expires_at: _timestamp_pb2.Timestamp
    progress_done: int
    progress_total: int
    message: str
    attempts: int
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, state: _Optional[_Union[TaskState, str]] = ..., owner: _Optional[str] = ..., lease_id: _Optional[int] = ..., lease_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., progress_done: _Optional[int] = ..., progress_total: _Optional[int] = ..., message: _Optional[str] = ..., attempts: _Optional[int] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
