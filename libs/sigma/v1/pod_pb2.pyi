import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sigma.v1 import meta_pb2 as _meta_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RestartPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESTART_POLICY_UNSPECIFIED: _ClassVar[RestartPolicy]
    RESTART_POLICY_ALWAYS: _ClassVar[RestartPolicy]
    RESTART_POLICY_ON_FAILURE: _ClassVar[RestartPolicy]
    RESTART_POLICY_NEVER: _ClassVar[RestartPolicy]

class PodOwnerKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POD_OWNER_KIND_UNSPECIFIED: _ClassVar[PodOwnerKind]
    POD_OWNER_KIND_APP: _ClassVar[PodOwnerKind]
    POD_OWNER_KIND_BATCH_JOB: _ClassVar[PodOwnerKind]

class PodPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POD_PHASE_UNSPECIFIED: _ClassVar[PodPhase]
    POD_PHASE_PENDING: _ClassVar[PodPhase]
    POD_PHASE_SCHEDULED: _ClassVar[PodPhase]
    POD_PHASE_RUNNING: _ClassVar[PodPhase]
    POD_PHASE_SUCCEEDED: _ClassVar[PodPhase]
    POD_PHASE_FAILED: _ClassVar[PodPhase]
    POD_PHASE_EVICTED: _ClassVar[PodPhase]

class ContainerState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTAINER_STATE_UNSPECIFIED: _ClassVar[ContainerState]
    CONTAINER_STATE_WAITING: _ClassVar[ContainerState]
    CONTAINER_STATE_RUNNING: _ClassVar[ContainerState]
    CONTAINER_STATE_TERMINATED: _ClassVar[ContainerState]
RESTART_POLICY_UNSPECIFIED: RestartPolicy
RESTART_POLICY_ALWAYS: RestartPolicy
RESTART_POLICY_ON_FAILURE: RestartPolicy
RESTART_POLICY_NEVER: RestartPolicy
POD_OWNER_KIND_UNSPECIFIED: PodOwnerKind
POD_OWNER_KIND_APP: PodOwnerKind
POD_OWNER_KIND_BATCH_JOB: PodOwnerKind
POD_PHASE_UNSPECIFIED: PodPhase
POD_PHASE_PENDING: PodPhase
POD_PHASE_SCHEDULED: PodPhase
POD_PHASE_RUNNING: PodPhase
POD_PHASE_SUCCEEDED: PodPhase
POD_PHASE_FAILED: PodPhase
POD_PHASE_EVICTED: PodPhase
CONTAINER_STATE_UNSPECIFIED: ContainerState
CONTAINER_STATE_WAITING: ContainerState
CONTAINER_STATE_RUNNING: ContainerState
CONTAINER_STATE_TERMINATED: ContainerState

class ResourceRequirements(_message.Message):
    __slots__ = ("requests", "limits")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    requests: _meta_pb2.ResourceList
    limits: _meta_pb2.ResourceList
    def __init__(self, requests: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ..., limits: _Optional[_Union[_meta_pb2.ResourceList, _Mapping]] = ...) -> None: ...

class Container(_message.Message):
    __slots__ = ("name", "command", "args", "env", "working_dir", "resources", "image", "readiness_probe", "liveness_probe")
    class EnvEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    ARGS_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    WORKING_DIR_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    READINESS_PROBE_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_PROBE_FIELD_NUMBER: _ClassVar[int]
    name: str
    command: _containers.RepeatedScalarFieldContainer[str]
    args: _containers.RepeatedScalarFieldContainer[str]
    env: _containers.ScalarMap[str, str]
    working_dir: str
    resources: ResourceRequirements
    image: str
    readiness_probe: Probe
    liveness_probe: Probe
    def __init__(self, name: _Optional[str] = ..., command: _Optional[_Iterable[str]] = ..., args: _Optional[_Iterable[str]] = ..., env: _Optional[_Mapping[str, str]] = ..., working_dir: _Optional[str] = ..., resources: _Optional[_Union[ResourceRequirements, _Mapping]] = ..., image: _Optional[str] = ..., readiness_probe: _Optional[_Union[Probe, _Mapping]] = ..., liveness_probe: _Optional[_Union[Probe, _Mapping]] = ...) -> None: ...

class ExecAction(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, command: _Optional[_Iterable[str]] = ...) -> None: ...

class TCPSocketAction(_message.Message):
    __slots__ = ("port", "host")
    PORT_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    port: int
    host: str
    def __init__(self, port: _Optional[int] = ..., host: _Optional[str] = ...) -> None: ...

class GRPCAction(_message.Message):
    __slots__ = ("port", "service")
    PORT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    port: int
    service: str
    def __init__(self, port: _Optional[int] = ..., service: _Optional[str] = ...) -> None: ...

class Probe(_message.Message):
    __slots__ = ("exec", "tcp_socket", "grpc", "initial_delay", "period", "timeout", "success_threshold", "failure_threshold")
    EXEC_FIELD_NUMBER: _ClassVar[int]
    TCP_SOCKET_FIELD_NUMBER: _ClassVar[int]
    GRPC_FIELD_NUMBER: _ClassVar[int]
    INITIAL_DELAY_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    FAILURE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    exec: ExecAction
    tcp_socket: TCPSocketAction
    grpc: GRPCAction
    initial_delay: _duration_pb2.Duration
    period: _duration_pb2.Duration
    timeout: _duration_pb2.Duration
    success_threshold: int
    failure_threshold: int
    def __init__(self, exec: _Optional[_Union[ExecAction, _Mapping]] = ..., tcp_socket: _Optional[_Union[TCPSocketAction, _Mapping]] = ..., grpc: _Optional[_Union[GRPCAction, _Mapping]] = ..., initial_delay: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., success_threshold: _Optional[int] = ..., failure_threshold: _Optional[int] = ...) -> None: ...

class PodTemplate(_message.Message):
    __slots__ = ("labels", "containers", "qos_class", "priority", "node_selector", "tolerations", "termination_grace_period", "annotations", "restart_policy")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class NodeSelectorEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class AnnotationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LABELS_FIELD_NUMBER: _ClassVar[int]
    CONTAINERS_FIELD_NUMBER: _ClassVar[int]
    QOS_CLASS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    NODE_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    TOLERATIONS_FIELD_NUMBER: _ClassVar[int]
    TERMINATION_GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    RESTART_POLICY_FIELD_NUMBER: _ClassVar[int]
    labels: _containers.ScalarMap[str, str]
    containers: _containers.RepeatedCompositeFieldContainer[Container]
    qos_class: _meta_pb2.QoSClass
    priority: int
    node_selector: _containers.ScalarMap[str, str]
    tolerations: _containers.RepeatedCompositeFieldContainer[_meta_pb2.Toleration]
    termination_grace_period: _duration_pb2.Duration
    annotations: _containers.ScalarMap[str, str]
    restart_policy: RestartPolicy
    def __init__(self, labels: _Optional[_Mapping[str, str]] = ..., containers: _Optional[_Iterable[_Union[Container, _Mapping]]] = ..., qos_class: _Optional[_Union[_meta_pb2.QoSClass, str]] = ..., priority: _Optional[int] = ..., node_selector: _Optional[_Mapping[str, str]] = ..., tolerations: _Optional[_Iterable[_Union[_meta_pb2.Toleration, _Mapping]]] = ..., termination_grace_period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., annotations: _Optional[_Mapping[str, str]] = ..., restart_policy: _Optional[_Union[RestartPolicy, str]] = ...) -> None: ...

class Pod(_message.Message):
    __slots__ = ("meta", "spec", "status")
    META_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    meta: _meta_pb2.ObjectMeta
    spec: PodSpec
    status: PodStatus
    def __init__(self, meta: _Optional[_Union[_meta_pb2.ObjectMeta, _Mapping]] = ..., spec: _Optional[_Union[PodSpec, _Mapping]] = ..., status: _Optional[_Union[PodStatus, _Mapping]] = ...) -> None: ...

class PodSpec(_message.Message):
    __slots__ = ("template", "owner_kind", "owner_name", "node_name", "scheduler_name", "priority", "qos_class", "template_hash", "batch_task_name", "instance_index", "worker_slots")
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    OWNER_KIND_FIELD_NUMBER: _ClassVar[int]
    OWNER_NAME_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    SCHEDULER_NAME_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    QOS_CLASS_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_HASH_FIELD_NUMBER: _ClassVar[int]
    BATCH_TASK_NAME_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_INDEX_FIELD_NUMBER: _ClassVar[int]
    WORKER_SLOTS_FIELD_NUMBER: _ClassVar[int]
    template: PodTemplate
    owner_kind: PodOwnerKind
    owner_name: str
    node_name: str
    scheduler_name: str
    priority: int
    qos_class: _meta_pb2.QoSClass
    template_hash: str
    batch_task_name: str
    instance_index: int
    worker_slots: int
    def __init__(self, template: _Optional[_Union[PodTemplate, _Mapping]] = ..., owner_kind: _Optional[_Union[PodOwnerKind, str]] = ..., owner_name: _Optional[str] = ..., node_name: _Optional[str] = ..., scheduler_name: _Optional[str] = ..., priority: _Optional[int] = ..., qos_class: _Optional[_Union[_meta_pb2.QoSClass, str]] = ..., template_hash: _Optional[str] = ..., batch_task_name: _Optional[str] = ..., instance_index: _Optional[int] = ..., worker_slots: _Optional[int] = ...) -> None: ...

class PodStatus(_message.Message):
    __slots__ = ("phase", "node_name", "cpuset", "reason", "message", "exit_code", "start_time", "finish_time", "restart_count", "nominated_node_name", "conditions", "container_statuses")
    PHASE_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    CPUSET_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    RESTART_COUNT_FIELD_NUMBER: _ClassVar[int]
    NOMINATED_NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_STATUSES_FIELD_NUMBER: _ClassVar[int]
    phase: PodPhase
    node_name: str
    cpuset: str
    reason: str
    message: str
    exit_code: int
    start_time: _timestamp_pb2.Timestamp
    finish_time: _timestamp_pb2.Timestamp
    restart_count: int
    nominated_node_name: str
    conditions: _containers.RepeatedCompositeFieldContainer[_meta_pb2.Condition]
    container_statuses: _containers.RepeatedCompositeFieldContainer[ContainerStatus]
    def __init__(self, phase: _Optional[_Union[PodPhase, str]] = ..., node_name: _Optional[str] = ..., cpuset: _Optional[str] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., exit_code: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., restart_count: _Optional[int] = ..., nominated_node_name: _Optional[str] = ..., conditions: _Optional[_Iterable[_Union[_meta_pb2.Condition, _Mapping]]] = ..., container_statuses: _Optional[_Iterable[_Union[ContainerStatus, _Mapping]]] = ...) -> None: ...

class ContainerTermination(_message.Message):
    __slots__ = ("exit_code", "signal", "reason", "message", "started_at", "finished_at")
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    exit_code: int
    signal: int
    reason: str
    message: str
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, exit_code: _Optional[int] = ..., signal: _Optional[int] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ContainerStatus(_message.Message):
    __slots__ = ("name", "state", "reason", "message", "ready", "restart_count", "started_at", "last_termination", "next_restart_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    RESTART_COUNT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_TERMINATION_FIELD_NUMBER: _ClassVar[int]
    NEXT_RESTART_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    state: ContainerState
    reason: str
    message: str
    ready: bool
    restart_count: int
    started_at: _timestamp_pb2.Timestamp
    last_termination: ContainerTermination
    next_restart_at: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[ContainerState, str]] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., ready: _Optional[bool] = ..., restart_count: _Optional[int] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_termination: _Optional[_Union[ContainerTermination, _Mapping]] = ..., next_restart_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
