import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WorkerCommand(_message.Message):
    __slots__ = ("attach", "run", "ack")
    ATTACH_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    ACK_FIELD_NUMBER: _ClassVar[int]
    attach: AttachWorker
    run: RunInstances
    ack: AckResults
    def __init__(self, attach: _Optional[_Union[AttachWorker, _Mapping]] = ..., run: _Optional[_Union[RunInstances, _Mapping]] = ..., ack: _Optional[_Union[AckResults, _Mapping]] = ...) -> None: ...

class AttachWorker(_message.Message):
    __slots__ = ("pod_key", "pod_uid", "master")
    POD_KEY_FIELD_NUMBER: _ClassVar[int]
    POD_UID_FIELD_NUMBER: _ClassVar[int]
    MASTER_FIELD_NUMBER: _ClassVar[int]
    pod_key: str
    pod_uid: str
    master: str
    def __init__(self, pod_key: _Optional[str] = ..., pod_uid: _Optional[str] = ..., master: _Optional[str] = ...) -> None: ...

class InstanceRun(_message.Message):
    __slots__ = ("task", "index", "attempt", "task_name", "argv", "env", "timeout")
    class EnvEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TASK_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    TASK_NAME_FIELD_NUMBER: _ClassVar[int]
    ARGV_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    task: int
    index: int
    attempt: int
    task_name: str
    argv: _containers.RepeatedScalarFieldContainer[str]
    env: _containers.ScalarMap[str, str]
    timeout: _duration_pb2.Duration
    def __init__(self, task: _Optional[int] = ..., index: _Optional[int] = ..., attempt: _Optional[int] = ..., task_name: _Optional[str] = ..., argv: _Optional[_Iterable[str]] = ..., env: _Optional[_Mapping[str, str]] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class RunInstances(_message.Message):
    __slots__ = ("instances",)
    INSTANCES_FIELD_NUMBER: _ClassVar[int]
    instances: _containers.RepeatedCompositeFieldContainer[InstanceRun]
    def __init__(self, instances: _Optional[_Iterable[_Union[InstanceRun, _Mapping]]] = ...) -> None: ...

class AckResults(_message.Message):
    __slots__ = ("up_to",)
    UP_TO_FIELD_NUMBER: _ClassVar[int]
    up_to: int
    def __init__(self, up_to: _Optional[int] = ...) -> None: ...

class InstanceResult(_message.Message):
    __slots__ = ("seq", "task", "index", "ok", "exit_code")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    seq: int
    task: int
    index: int
    ok: bool
    exit_code: int
    def __init__(self, seq: _Optional[int] = ..., task: _Optional[int] = ..., index: _Optional[int] = ..., ok: _Optional[bool] = ..., exit_code: _Optional[int] = ...) -> None: ...

class InstanceRef(_message.Message):
    __slots__ = ("task", "index")
    TASK_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    task: int
    index: int
    def __init__(self, task: _Optional[int] = ..., index: _Optional[int] = ...) -> None: ...

class WorkerAttached(_message.Message):
    __slots__ = ("slots", "running", "results")
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    slots: int
    running: _containers.RepeatedCompositeFieldContainer[InstanceRef]
    results: _containers.RepeatedCompositeFieldContainer[InstanceResult]
    def __init__(self, slots: _Optional[int] = ..., running: _Optional[_Iterable[_Union[InstanceRef, _Mapping]]] = ..., results: _Optional[_Iterable[_Union[InstanceResult, _Mapping]]] = ...) -> None: ...

class InstanceResults(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[InstanceResult]
    def __init__(self, results: _Optional[_Iterable[_Union[InstanceResult, _Mapping]]] = ...) -> None: ...

class WorkerMessage(_message.Message):
    __slots__ = ("attached", "results")
    ATTACHED_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    attached: WorkerAttached
    results: InstanceResults
    def __init__(self, attached: _Optional[_Union[WorkerAttached, _Mapping]] = ..., results: _Optional[_Union[InstanceResults, _Mapping]] = ...) -> None: ...
