import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sigma.v1 import app_pb2 as _app_pb2
from sigma.v1 import batch_pb2 as _batch_pb2
from sigma.v1 import event_pb2 as _event_pb2
from sigma.v1 import interference_pb2 as _interference_pb2
from sigma.v1 import meta_pb2 as _meta_pb2
from sigma.v1 import node_pb2 as _node_pb2
from sigma.v1 import pod_pb2 as _pod_pb2
from sigma.v1 import record_pb2 as _record_pb2
from sigma.v1 import task_pb2 as _task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateAppRequest(_message.Message):
    __slots__ = ("namespace", "app", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    APP_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    app: _app_pb2.App
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., app: _Optional[_Union[_app_pb2.App, _Mapping]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class AppChangeResponse(_message.Message):
    __slots__ = ("app", "task")
    APP_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    app: _app_pb2.App
    task: _task_pb2.Task
    def __init__(self, app: _Optional[_Union[_app_pb2.App, _Mapping]] = ..., task: _Optional[_Union[_task_pb2.Task, _Mapping]] = ...) -> None: ...

class GetAppRequest(_message.Message):
    __slots__ = ("namespace", "name")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListAppsRequest(_message.Message):
    __slots__ = ("namespace", "label_selector", "page_size", "page_token")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: _meta_pb2.LabelSelector
    page_size: int
    page_token: str
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[_Union[_meta_pb2.LabelSelector, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAppsResponse(_message.Message):
    __slots__ = ("items", "next_page_token", "resource_version")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_app_pb2.App]
    next_page_token: str
    resource_version: int
    def __init__(self, items: _Optional[_Iterable[_Union[_app_pb2.App, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resource_version: _Optional[int] = ...) -> None: ...

class WatchAppsRequest(_message.Message):
    __slots__ = ("namespace", "label_selector", "resource_version")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: _meta_pb2.LabelSelector
    resource_version: int
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[_Union[_meta_pb2.LabelSelector, _Mapping]] = ..., resource_version: _Optional[int] = ...) -> None: ...

class DeleteAppRequest(_message.Message):
    __slots__ = ("namespace", "name", "resource_version", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    resource_version: int
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., resource_version: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class ScaleAppRequest(_message.Message):
    __slots__ = ("namespace", "name", "replicas", "resource_version", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    replicas: int
    resource_version: int
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., replicas: _Optional[int] = ..., resource_version: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class TimeShareAppRequest(_message.Message):
    __slots__ = ("namespace", "name", "replicas", "reason")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    replicas: int
    reason: str
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., replicas: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class UpgradeAppRequest(_message.Message):
    __slots__ = ("namespace", "name", "template", "upgrade", "resource_version", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    UPGRADE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    template: _pod_pb2.PodTemplate
    upgrade: _app_pb2.RollingUpgradePolicy
    resource_version: int
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., template: _Optional[_Union[_pod_pb2.PodTemplate, _Mapping]] = ..., upgrade: _Optional[_Union[_app_pb2.RollingUpgradePolicy, _Mapping]] = ..., resource_version: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class MetadataChange(_message.Message):
    __slots__ = ("set_labels", "remove_labels", "set_annotations", "remove_annotations", "overwrite")
    class SetLabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class SetAnnotationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SET_LABELS_FIELD_NUMBER: _ClassVar[int]
    REMOVE_LABELS_FIELD_NUMBER: _ClassVar[int]
    SET_ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    REMOVE_ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    OVERWRITE_FIELD_NUMBER: _ClassVar[int]
    set_labels: _containers.ScalarMap[str, str]
    remove_labels: _containers.RepeatedScalarFieldContainer[str]
    set_annotations: _containers.ScalarMap[str, str]
    remove_annotations: _containers.RepeatedScalarFieldContainer[str]
    overwrite: bool
    def __init__(self, set_labels: _Optional[_Mapping[str, str]] = ..., remove_labels: _Optional[_Iterable[str]] = ..., set_annotations: _Optional[_Mapping[str, str]] = ..., remove_annotations: _Optional[_Iterable[str]] = ..., overwrite: _Optional[bool] = ...) -> None: ...

class UpdateAppMetadataRequest(_message.Message):
    __slots__ = ("namespace", "name", "change", "resource_version", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    change: MetadataChange
    resource_version: int
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., change: _Optional[_Union[MetadataChange, _Mapping]] = ..., resource_version: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class CreateBatchJobRequest(_message.Message):
    __slots__ = ("namespace", "job", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    job: _batch_pb2.BatchJob
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., job: _Optional[_Union[_batch_pb2.BatchJob, _Mapping]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class BatchJobChangeResponse(_message.Message):
    __slots__ = ("job", "task")
    JOB_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    job: _batch_pb2.BatchJob
    task: _task_pb2.Task
    def __init__(self, job: _Optional[_Union[_batch_pb2.BatchJob, _Mapping]] = ..., task: _Optional[_Union[_task_pb2.Task, _Mapping]] = ...) -> None: ...

class GetBatchJobRequest(_message.Message):
    __slots__ = ("namespace", "name")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListBatchJobsRequest(_message.Message):
    __slots__ = ("namespace", "label_selector", "page_size", "page_token")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: _meta_pb2.LabelSelector
    page_size: int
    page_token: str
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[_Union[_meta_pb2.LabelSelector, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBatchJobsResponse(_message.Message):
    __slots__ = ("items", "next_page_token", "resource_version")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_batch_pb2.BatchJob]
    next_page_token: str
    resource_version: int
    def __init__(self, items: _Optional[_Iterable[_Union[_batch_pb2.BatchJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resource_version: _Optional[int] = ...) -> None: ...

class WatchBatchJobsRequest(_message.Message):
    __slots__ = ("namespace", "label_selector", "resource_version")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: _meta_pb2.LabelSelector
    resource_version: int
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[_Union[_meta_pb2.LabelSelector, _Mapping]] = ..., resource_version: _Optional[int] = ...) -> None: ...

class DeleteBatchJobRequest(_message.Message):
    __slots__ = ("namespace", "name", "resource_version", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    resource_version: int
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., resource_version: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class CancelBatchJobRequest(_message.Message):
    __slots__ = ("namespace", "name", "reason", "resource_version")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    reason: str
    resource_version: int
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., reason: _Optional[str] = ..., resource_version: _Optional[int] = ...) -> None: ...

class UpdateBatchJobMetadataRequest(_message.Message):
    __slots__ = ("namespace", "name", "change", "resource_version", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    change: MetadataChange
    resource_version: int
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., change: _Optional[_Union[MetadataChange, _Mapping]] = ..., resource_version: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class GetPodRequest(_message.Message):
    __slots__ = ("namespace", "name")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListPodsRequest(_message.Message):
    __slots__ = ("namespace", "label_selector", "page_size", "page_token", "node_name", "owner_name")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_NAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: _meta_pb2.LabelSelector
    page_size: int
    page_token: str
    node_name: str
    owner_name: str
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[_Union[_meta_pb2.LabelSelector, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., node_name: _Optional[str] = ..., owner_name: _Optional[str] = ...) -> None: ...

class ListPodsResponse(_message.Message):
    __slots__ = ("items", "next_page_token", "resource_version")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_pod_pb2.Pod]
    next_page_token: str
    resource_version: int
    def __init__(self, items: _Optional[_Iterable[_Union[_pod_pb2.Pod, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resource_version: _Optional[int] = ...) -> None: ...

class WatchPodsRequest(_message.Message):
    __slots__ = ("namespace", "label_selector", "resource_version", "node_name")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: _meta_pb2.LabelSelector
    resource_version: int
    node_name: str
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[_Union[_meta_pb2.LabelSelector, _Mapping]] = ..., resource_version: _Optional[int] = ..., node_name: _Optional[str] = ...) -> None: ...

class DeletePodRequest(_message.Message):
    __slots__ = ("namespace", "name", "resource_version", "grace_period", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    resource_version: int
    grace_period: _duration_pb2.Duration
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., resource_version: _Optional[int] = ..., grace_period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class EvictPodRequest(_message.Message):
    __slots__ = ("namespace", "name", "reason", "grace_period")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    reason: str
    grace_period: _duration_pb2.Duration
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., reason: _Optional[str] = ..., grace_period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class UpdatePodStatusRequest(_message.Message):
    __slots__ = ("namespace", "name", "status", "resource_version")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    status: _pod_pb2.PodStatus
    resource_version: int
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., status: _Optional[_Union[_pod_pb2.PodStatus, _Mapping]] = ..., resource_version: _Optional[int] = ...) -> None: ...

class UpdatePodMetadataRequest(_message.Message):
    __slots__ = ("namespace", "name", "change", "resource_version", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    change: MetadataChange
    resource_version: int
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., change: _Optional[_Union[MetadataChange, _Mapping]] = ..., resource_version: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class RegisterNodeRequest(_message.Message):
    __slots__ = ("namespace", "node", "lease_ttl", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    LEASE_TTL_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    node: _node_pb2.Node
    lease_ttl: _duration_pb2.Duration
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., node: _Optional[_Union[_node_pb2.Node, _Mapping]] = ..., lease_ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class RegisterNodeResponse(_message.Message):
    __slots__ = ("node", "lease_id", "lease_expires_at")
    NODE_FIELD_NUMBER: _ClassVar[int]
    LEASE_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    node: _node_pb2.Node
    lease_id: int
    lease_expires_at: _timestamp_pb2.Timestamp
    def __init__(self, node: _Optional[_Union[_node_pb2.Node, _Mapping]] = ..., lease_id: _Optional[int] = ..., lease_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("namespace", "node_name", "lease_id", "ready")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    LEASE_ID_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    node_name: str
    lease_id: int
    ready: bool
    def __init__(self, namespace: _Optional[str] = ..., node_name: _Optional[str] = ..., lease_id: _Optional[int] = ..., ready: _Optional[bool] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ("lease_expires_at", "lease_valid")
    LEASE_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    LEASE_VALID_FIELD_NUMBER: _ClassVar[int]
    lease_expires_at: _timestamp_pb2.Timestamp
    lease_valid: bool
    def __init__(self, lease_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lease_valid: _Optional[bool] = ...) -> None: ...

class UpdateNodeStatusRequest(_message.Message):
    __slots__ = ("namespace", "node_name", "status", "resource_version")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    node_name: str
    status: _node_pb2.NodeStatus
    resource_version: int
    def __init__(self, namespace: _Optional[str] = ..., node_name: _Optional[str] = ..., status: _Optional[_Union[_node_pb2.NodeStatus, _Mapping]] = ..., resource_version: _Optional[int] = ...) -> None: ...

class CordonNodeRequest(_message.Message):
    __slots__ = ("namespace", "node_name", "unschedulable", "resource_version")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    UNSCHEDULABLE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    node_name: str
    unschedulable: bool
    resource_version: int
    def __init__(self, namespace: _Optional[str] = ..., node_name: _Optional[str] = ..., unschedulable: _Optional[bool] = ..., resource_version: _Optional[int] = ...) -> None: ...

class GetNodeRequest(_message.Message):
    __slots__ = ("namespace", "node_name")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    node_name: str
    def __init__(self, namespace: _Optional[str] = ..., node_name: _Optional[str] = ...) -> None: ...

class ListNodesRequest(_message.Message):
    __slots__ = ("namespace", "label_selector", "page_size", "page_token")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: _meta_pb2.LabelSelector
    page_size: int
    page_token: str
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[_Union[_meta_pb2.LabelSelector, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListNodesResponse(_message.Message):
    __slots__ = ("items", "next_page_token", "resource_version")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_node_pb2.Node]
    next_page_token: str
    resource_version: int
    def __init__(self, items: _Optional[_Iterable[_Union[_node_pb2.Node, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resource_version: _Optional[int] = ...) -> None: ...

class WatchNodesRequest(_message.Message):
    __slots__ = ("namespace", "label_selector", "resource_version")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: _meta_pb2.LabelSelector
    resource_version: int
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[_Union[_meta_pb2.LabelSelector, _Mapping]] = ..., resource_version: _Optional[int] = ...) -> None: ...

class DeleteNodeRequest(_message.Message):
    __slots__ = ("namespace", "node_name", "resource_version", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    node_name: str
    resource_version: int
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., node_name: _Optional[str] = ..., resource_version: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class UpdateNodeMetadataRequest(_message.Message):
    __slots__ = ("namespace", "node_name", "change", "resource_version", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    node_name: str
    change: MetadataChange
    resource_version: int
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., node_name: _Optional[str] = ..., change: _Optional[_Union[MetadataChange, _Mapping]] = ..., resource_version: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class GetTaskRequest(_message.Message):
    __slots__ = ("namespace", "name")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("namespace", "label_selector", "page_size", "page_token", "target_name", "state")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TARGET_NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: _meta_pb2.LabelSelector
    page_size: int
    page_token: str
    target_name: str
    state: _task_pb2.TaskState
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[_Union[_meta_pb2.LabelSelector, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., target_name: _Optional[str] = ..., state: _Optional[_Union[_task_pb2.TaskState, str]] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("items", "next_page_token", "resource_version")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_task_pb2.Task]
    next_page_token: str
    resource_version: int
    def __init__(self, items: _Optional[_Iterable[_Union[_task_pb2.Task, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resource_version: _Optional[int] = ...) -> None: ...

class WatchTasksRequest(_message.Message):
    __slots__ = ("namespace", "label_selector", "resource_version")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: _meta_pb2.LabelSelector
    resource_version: int
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[_Union[_meta_pb2.LabelSelector, _Mapping]] = ..., resource_version: _Optional[int] = ...) -> None: ...

class ListEventsRequest(_message.Message):
    __slots__ = ("namespace", "page_size", "page_token", "regarding_kind", "regarding_name")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REGARDING_KIND_FIELD_NUMBER: _ClassVar[int]
    REGARDING_NAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    page_size: int
    page_token: str
    regarding_kind: str
    regarding_name: str
    def __init__(self, namespace: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., regarding_kind: _Optional[str] = ..., regarding_name: _Optional[str] = ...) -> None: ...

class ListEventsResponse(_message.Message):
    __slots__ = ("items", "next_page_token", "resource_version")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_record_pb2.EventRecord]
    next_page_token: str
    resource_version: int
    def __init__(self, items: _Optional[_Iterable[_Union[_record_pb2.EventRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resource_version: _Optional[int] = ...) -> None: ...

class UpdateInterferenceRuleSetMetadataRequest(_message.Message):
    __slots__ = ("namespace", "name", "change", "resource_version", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    change: MetadataChange
    resource_version: int
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., change: _Optional[_Union[MetadataChange, _Mapping]] = ..., resource_version: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class CreateInterferenceRuleSetRequest(_message.Message):
    __slots__ = ("namespace", "rule_set", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    rule_set: _interference_pb2.InterferenceRuleSet
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., rule_set: _Optional[_Union[_interference_pb2.InterferenceRuleSet, _Mapping]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class GetInterferenceRuleSetRequest(_message.Message):
    __slots__ = ("namespace", "name")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListInterferenceRuleSetsRequest(_message.Message):
    __slots__ = ("namespace", "label_selector", "page_size", "page_token")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: _meta_pb2.LabelSelector
    page_size: int
    page_token: str
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[_Union[_meta_pb2.LabelSelector, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListInterferenceRuleSetsResponse(_message.Message):
    __slots__ = ("items", "next_page_token", "resource_version")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_interference_pb2.InterferenceRuleSet]
    next_page_token: str
    resource_version: int
    def __init__(self, items: _Optional[_Iterable[_Union[_interference_pb2.InterferenceRuleSet, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resource_version: _Optional[int] = ...) -> None: ...

class WatchInterferenceRuleSetsRequest(_message.Message):
    __slots__ = ("namespace", "label_selector", "resource_version")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: _meta_pb2.LabelSelector
    resource_version: int
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[_Union[_meta_pb2.LabelSelector, _Mapping]] = ..., resource_version: _Optional[int] = ...) -> None: ...

class UpdateInterferenceRuleSetRequest(_message.Message):
    __slots__ = ("namespace", "rule_set", "resource_version", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    rule_set: _interference_pb2.InterferenceRuleSet
    resource_version: int
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., rule_set: _Optional[_Union[_interference_pb2.InterferenceRuleSet, _Mapping]] = ..., resource_version: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class DeleteInterferenceRuleSetRequest(_message.Message):
    __slots__ = ("namespace", "name", "resource_version", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    resource_version: int
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., resource_version: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...
