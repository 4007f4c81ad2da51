"""Sigma wire contract, package ``sigma.v1``: GENERATED, DO NOT EDIT.

Generated from protos/sigma/v1/*.proto by scripts/gen_protos.py; edit the .proto files
and run ``python scripts/gen_protos.py`` (CI runs it with ``--check``).

Importing this package is cheap: each name below is resolved on first use by importing
only the module that defines it, e.g. ``from sigma.v1 import Pod`` loads ``pod_pb2``.
The modules themselves (``from sigma.v1 import pod_pb2``) work as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sigma.v1.worker_pb2 import AckResults as AckResults
    from sigma.v1.app_pb2 import App as App
    from sigma.v1.apiserver_pb2 import AppChangeResponse as AppChangeResponse
    from sigma.v1.app_pb2 import AppSpec as AppSpec
    from sigma.v1.app_pb2 import AppStatus as AppStatus
    from sigma.v1.apiserver_pb2_grpc import AppsServicer as AppsServicer
    from sigma.v1.apiserver_pb2_grpc import AppsStub as AppsStub
    from sigma.v1.worker_pb2 import AttachWorker as AttachWorker
    from sigma.v1.batch_pb2 import BatchJob as BatchJob
    from sigma.v1.apiserver_pb2 import BatchJobChangeResponse as BatchJobChangeResponse
    from sigma.v1.batch_pb2 import BatchJobPhase as BatchJobPhase
    from sigma.v1.batch_pb2 import BatchJobSpec as BatchJobSpec
    from sigma.v1.batch_pb2 import BatchJobStatus as BatchJobStatus
    from sigma.v1.apiserver_pb2_grpc import BatchJobsServicer as BatchJobsServicer
    from sigma.v1.apiserver_pb2_grpc import BatchJobsStub as BatchJobsStub
    from sigma.v1.batch_pb2 import BatchTask as BatchTask
    from sigma.v1.batch_pb2 import BatchTaskPhase as BatchTaskPhase
    from sigma.v1.batch_pb2 import BatchTaskStatus as BatchTaskStatus
    from sigma.v1.batch_pb2 import BatchWorkerPolicy as BatchWorkerPolicy
    from sigma.v1.worker_pb2_grpc import BatchWorkersServicer as BatchWorkersServicer
    from sigma.v1.worker_pb2_grpc import BatchWorkersStub as BatchWorkersStub
    from sigma.v1.interference_pb2 import BrokenInterferenceRule as BrokenInterferenceRule
    from sigma.v1.colocator_pb2 import BudgetChange as BudgetChange
    from sigma.v1.event_pb2 import BudgetTerms as BudgetTerms
    from sigma.v1.apiserver_pb2 import CancelBatchJobRequest as CancelBatchJobRequest
    from sigma.v1.colocator_pb2 import ClusterUtilization as ClusterUtilization
    from sigma.v1.event_pb2 import ColocationDecision as ColocationDecision
    from sigma.v1.event_pb2 import ColocationDecisionKind as ColocationDecisionKind
    from sigma.v1.colocator_pb2_grpc import ColocatorServicer as ColocatorServicer
    from sigma.v1.colocator_pb2_grpc import ColocatorStub as ColocatorStub
    from sigma.v1.meta_pb2 import Condition as Condition
    from sigma.v1.meta_pb2 import ConditionStatus as ConditionStatus
    from sigma.v1.pod_pb2 import Container as Container
    from sigma.v1.pod_pb2 import ContainerState as ContainerState
    from sigma.v1.pod_pb2 import ContainerStatus as ContainerStatus
    from sigma.v1.pod_pb2 import ContainerTermination as ContainerTermination
    from sigma.v1.apiserver_pb2 import CordonNodeRequest as CordonNodeRequest
    from sigma.v1.apiserver_pb2 import CreateAppRequest as CreateAppRequest
    from sigma.v1.apiserver_pb2 import CreateBatchJobRequest as CreateBatchJobRequest
    from sigma.v1.apiserver_pb2 import CreateInterferenceRuleSetRequest as CreateInterferenceRuleSetRequest
    from sigma.v1.apiserver_pb2 import DeleteAppRequest as DeleteAppRequest
    from sigma.v1.apiserver_pb2 import DeleteBatchJobRequest as DeleteBatchJobRequest
    from sigma.v1.apiserver_pb2 import DeleteInterferenceRuleSetRequest as DeleteInterferenceRuleSetRequest
    from sigma.v1.apiserver_pb2 import DeleteNodeRequest as DeleteNodeRequest
    from sigma.v1.apiserver_pb2 import DeletePodRequest as DeletePodRequest
    from sigma.v1.slave_pb2 import DrainRequest as DrainRequest
    from sigma.v1.slave_pb2 import DrainResponse as DrainResponse
    from sigma.v1.event_pb2 import Event as Event
    from sigma.v1.record_pb2 import EventRecord as EventRecord
    from sigma.v1.record_pb2 import EventSeverity as EventSeverity
    from sigma.v1.event_pb2 import EventType as EventType
    from sigma.v1.apiserver_pb2_grpc import EventsServicer as EventsServicer
    from sigma.v1.apiserver_pb2_grpc import EventsStub as EventsStub
    from sigma.v1.apiserver_pb2 import EvictPodRequest as EvictPodRequest
    from sigma.v1.pod_pb2 import ExecAction as ExecAction
    from sigma.v1.colocator_pb2 import ExplainBudgetRequest as ExplainBudgetRequest
    from sigma.v1.colocator_pb2 import ExplainBudgetResponse as ExplainBudgetResponse
    from sigma.v1.scheduler_pb2 import ExplainRequest as ExplainRequest
    from sigma.v1.scheduler_pb2 import ExplainResponse as ExplainResponse
    from sigma.v1.scheduler_pb2 import FilterVerdict as FilterVerdict
    from sigma.v1.pod_pb2 import GRPCAction as GRPCAction
    from sigma.v1.apiserver_pb2 import GetAppRequest as GetAppRequest
    from sigma.v1.apiserver_pb2 import GetBatchJobRequest as GetBatchJobRequest
    from sigma.v1.colocator_pb2 import GetClusterUtilizationRequest as GetClusterUtilizationRequest
    from sigma.v1.apiserver_pb2 import GetInterferenceRuleSetRequest as GetInterferenceRuleSetRequest
    from sigma.v1.colocator_pb2 import GetNodeBudgetRequest as GetNodeBudgetRequest
    from sigma.v1.apiserver_pb2 import GetNodeRequest as GetNodeRequest
    from sigma.v1.slave_pb2 import GetNodeStatusRequest as GetNodeStatusRequest
    from sigma.v1.slave_pb2 import GetNodeStatusResponse as GetNodeStatusResponse
    from sigma.v1.apiserver_pb2 import GetPodRequest as GetPodRequest
    from sigma.v1.scheduler_pb2 import GetQueueRequest as GetQueueRequest
    from sigma.v1.scheduler_pb2 import GetQueueResponse as GetQueueResponse
    from sigma.v1.apiserver_pb2 import GetTaskRequest as GetTaskRequest
    from sigma.v1.apiserver_pb2 import HeartbeatRequest as HeartbeatRequest
    from sigma.v1.apiserver_pb2 import HeartbeatResponse as HeartbeatResponse
    from sigma.v1.worker_pb2 import InstanceRef as InstanceRef
    from sigma.v1.worker_pb2 import InstanceResult as InstanceResult
    from sigma.v1.worker_pb2 import InstanceResults as InstanceResults
    from sigma.v1.worker_pb2 import InstanceRun as InstanceRun
    from sigma.v1.interference_pb2 import InterferenceRule as InterferenceRule
    from sigma.v1.interference_pb2 import InterferenceRuleSet as InterferenceRuleSet
    from sigma.v1.interference_pb2 import InterferenceRuleSetSpec as InterferenceRuleSetSpec
    from sigma.v1.interference_pb2 import InterferenceRuleSetStatus as InterferenceRuleSetStatus
    from sigma.v1.apiserver_pb2_grpc import InterferenceRuleSetsServicer as InterferenceRuleSetsServicer
    from sigma.v1.apiserver_pb2_grpc import InterferenceRuleSetsStub as InterferenceRuleSetsStub
    from sigma.v1.meta_pb2 import LabelSelector as LabelSelector
    from sigma.v1.apiserver_pb2 import ListAppsRequest as ListAppsRequest
    from sigma.v1.apiserver_pb2 import ListAppsResponse as ListAppsResponse
    from sigma.v1.apiserver_pb2 import ListBatchJobsRequest as ListBatchJobsRequest
    from sigma.v1.apiserver_pb2 import ListBatchJobsResponse as ListBatchJobsResponse
    from sigma.v1.colocator_pb2 import ListDecisionsRequest as ListDecisionsRequest
    from sigma.v1.colocator_pb2 import ListDecisionsResponse as ListDecisionsResponse
    from sigma.v1.apiserver_pb2 import ListEventsRequest as ListEventsRequest
    from sigma.v1.apiserver_pb2 import ListEventsResponse as ListEventsResponse
    from sigma.v1.apiserver_pb2 import ListInterferenceRuleSetsRequest as ListInterferenceRuleSetsRequest
    from sigma.v1.apiserver_pb2 import ListInterferenceRuleSetsResponse as ListInterferenceRuleSetsResponse
    from sigma.v1.slave_pb2 import ListLocalPodsRequest as ListLocalPodsRequest
    from sigma.v1.slave_pb2 import ListLocalPodsResponse as ListLocalPodsResponse
    from sigma.v1.apiserver_pb2 import ListNodesRequest as ListNodesRequest
    from sigma.v1.apiserver_pb2 import ListNodesResponse as ListNodesResponse
    from sigma.v1.colocator_pb2 import ListPodUsageRequest as ListPodUsageRequest
    from sigma.v1.colocator_pb2 import ListPodUsageResponse as ListPodUsageResponse
    from sigma.v1.apiserver_pb2 import ListPodsRequest as ListPodsRequest
    from sigma.v1.apiserver_pb2 import ListPodsResponse as ListPodsResponse
    from sigma.v1.apiserver_pb2 import ListTasksRequest as ListTasksRequest
    from sigma.v1.apiserver_pb2 import ListTasksResponse as ListTasksResponse
    from sigma.v1.slave_pb2 import LocalPod as LocalPod
    from sigma.v1.slave_pb2 import LogChunk as LogChunk
    from sigma.v1.apiserver_pb2 import MetadataChange as MetadataChange
    from sigma.v1.node_pb2 import Node as Node
    from sigma.v1.node_pb2 import NodeAllocated as NodeAllocated
    from sigma.v1.node_pb2 import NodeAllocation as NodeAllocation
    from sigma.v1.colocator_pb2 import NodeBudget as NodeBudget
    from sigma.v1.node_pb2 import NodePhase as NodePhase
    from sigma.v1.node_pb2 import NodeSpec as NodeSpec
    from sigma.v1.node_pb2 import NodeStatus as NodeStatus
    from sigma.v1.node_pb2 import NodeTopology as NodeTopology
    from sigma.v1.node_pb2 import NodeUsage as NodeUsage
    from sigma.v1.event_pb2 import NodeUsageReport as NodeUsageReport
    from sigma.v1.scheduler_pb2 import NodeVerdict as NodeVerdict
    from sigma.v1.apiserver_pb2_grpc import NodesServicer as NodesServicer
    from sigma.v1.apiserver_pb2_grpc import NodesStub as NodesStub
    from sigma.v1.meta_pb2 import ObjectMeta as ObjectMeta
    from sigma.v1.record_pb2 import ObjectReference as ObjectReference
    from sigma.v1.meta_pb2 import OwnerReference as OwnerReference
    from sigma.v1.pod_pb2 import Pod as Pod
    from sigma.v1.node_pb2 import PodAllocation as PodAllocation
    from sigma.v1.pod_pb2 import PodOwnerKind as PodOwnerKind
    from sigma.v1.pod_pb2 import PodPhase as PodPhase
    from sigma.v1.pod_pb2 import PodSpec as PodSpec
    from sigma.v1.pod_pb2 import PodStatus as PodStatus
    from sigma.v1.pod_pb2 import PodTemplate as PodTemplate
    from sigma.v1.event_pb2 import PodUsage as PodUsage
    from sigma.v1.colocator_pb2 import PodUsageSample as PodUsageSample
    from sigma.v1.apiserver_pb2_grpc import PodsServicer as PodsServicer
    from sigma.v1.apiserver_pb2_grpc import PodsStub as PodsStub
    from sigma.v1.pod_pb2 import Probe as Probe
    from sigma.v1.meta_pb2 import QoSClass as QoSClass
    from sigma.v1.scheduler_pb2 import QueuedPod as QueuedPod
    from sigma.v1.apiserver_pb2 import RegisterNodeRequest as RegisterNodeRequest
    from sigma.v1.apiserver_pb2 import RegisterNodeResponse as RegisterNodeResponse
    from sigma.v1.meta_pb2 import ResourceList as ResourceList
    from sigma.v1.pod_pb2 import ResourceRequirements as ResourceRequirements
    from sigma.v1.pod_pb2 import RestartPolicy as RestartPolicy
    from sigma.v1.app_pb2 import RollingUpgradePolicy as RollingUpgradePolicy
    from sigma.v1.worker_pb2 import RunInstances as RunInstances
    from sigma.v1.apiserver_pb2 import ScaleAppRequest as ScaleAppRequest
    from sigma.v1.scheduler_pb2_grpc import SchedulerServicer as SchedulerServicer
    from sigma.v1.scheduler_pb2_grpc import SchedulerStub as SchedulerStub
    from sigma.v1.scheduler_pb2 import SchedulingQueueKind as SchedulingQueueKind
    from sigma.v1.scheduler_pb2 import ScoreDetail as ScoreDetail
    from sigma.v1.slave_pb2_grpc import SlaveServicer as SlaveServicer
    from sigma.v1.slave_pb2_grpc import SlaveStub as SlaveStub
    from sigma.v1.app_pb2 import SpreadConstraint as SpreadConstraint
    from sigma.v1.app_pb2 import SpreadMode as SpreadMode
    from sigma.v1.app_pb2 import SpreadPolicy as SpreadPolicy
    from sigma.v1.slave_pb2 import StreamLogsRequest as StreamLogsRequest
    from sigma.v1.pod_pb2 import TCPSocketAction as TCPSocketAction
    from sigma.v1.meta_pb2 import Taint as Taint
    from sigma.v1.meta_pb2 import TaintEffect as TaintEffect
    from sigma.v1.task_pb2 import Task as Task
    from sigma.v1.task_pb2 import TaskKind as TaskKind
    from sigma.v1.task_pb2 import TaskSpec as TaskSpec
    from sigma.v1.task_pb2 import TaskState as TaskState
    from sigma.v1.task_pb2 import TaskStatus as TaskStatus
    from sigma.v1.task_pb2 import TaskTargetKind as TaskTargetKind
    from sigma.v1.apiserver_pb2_grpc import TasksServicer as TasksServicer
    from sigma.v1.apiserver_pb2_grpc import TasksStub as TasksStub
    from sigma.v1.apiserver_pb2 import TimeShareAppRequest as TimeShareAppRequest
    from sigma.v1.app_pb2 import TimeSharingPolicy as TimeSharingPolicy
    from sigma.v1.meta_pb2 import Toleration as Toleration
    from sigma.v1.meta_pb2 import TolerationOperator as TolerationOperator
    from sigma.v1.app_pb2 import TopologyLevel as TopologyLevel
    from sigma.v1.app_pb2 import TrafficProfile as TrafficProfile
    from sigma.v1.apiserver_pb2 import UpdateAppMetadataRequest as UpdateAppMetadataRequest
    from sigma.v1.apiserver_pb2 import UpdateBatchJobMetadataRequest as UpdateBatchJobMetadataRequest
    from sigma.v1.apiserver_pb2 import UpdateInterferenceRuleSetMetadataRequest as UpdateInterferenceRuleSetMetadataRequest
    from sigma.v1.apiserver_pb2 import UpdateInterferenceRuleSetRequest as UpdateInterferenceRuleSetRequest
    from sigma.v1.apiserver_pb2 import UpdateNodeMetadataRequest as UpdateNodeMetadataRequest
    from sigma.v1.apiserver_pb2 import UpdateNodeStatusRequest as UpdateNodeStatusRequest
    from sigma.v1.apiserver_pb2 import UpdatePodMetadataRequest as UpdatePodMetadataRequest
    from sigma.v1.apiserver_pb2 import UpdatePodStatusRequest as UpdatePodStatusRequest
    from sigma.v1.apiserver_pb2 import UpgradeAppRequest as UpgradeAppRequest
    from sigma.v1.colocator_pb2 import UtilizationSample as UtilizationSample
    from sigma.v1.colocator_pb2 import UtilizationShares as UtilizationShares
    from sigma.v1.apiserver_pb2 import WatchAppsRequest as WatchAppsRequest
    from sigma.v1.apiserver_pb2 import WatchBatchJobsRequest as WatchBatchJobsRequest
    from sigma.v1.apiserver_pb2 import WatchInterferenceRuleSetsRequest as WatchInterferenceRuleSetsRequest
    from sigma.v1.apiserver_pb2 import WatchNodesRequest as WatchNodesRequest
    from sigma.v1.apiserver_pb2 import WatchPodsRequest as WatchPodsRequest
    from sigma.v1.apiserver_pb2 import WatchTasksRequest as WatchTasksRequest
    from sigma.v1.worker_pb2 import WorkerAttached as WorkerAttached
    from sigma.v1.worker_pb2 import WorkerCommand as WorkerCommand
    from sigma.v1.worker_pb2 import WorkerMessage as WorkerMessage
    from sigma.v1.apiserver_pb2_grpc import add_AppsServicer_to_server as add_AppsServicer_to_server
    from sigma.v1.apiserver_pb2_grpc import add_BatchJobsServicer_to_server as add_BatchJobsServicer_to_server
    from sigma.v1.worker_pb2_grpc import add_BatchWorkersServicer_to_server as add_BatchWorkersServicer_to_server
    from sigma.v1.colocator_pb2_grpc import add_ColocatorServicer_to_server as add_ColocatorServicer_to_server
    from sigma.v1.apiserver_pb2_grpc import add_EventsServicer_to_server as add_EventsServicer_to_server
    from sigma.v1.apiserver_pb2_grpc import add_InterferenceRuleSetsServicer_to_server as add_InterferenceRuleSetsServicer_to_server
    from sigma.v1.apiserver_pb2_grpc import add_NodesServicer_to_server as add_NodesServicer_to_server
    from sigma.v1.apiserver_pb2_grpc import add_PodsServicer_to_server as add_PodsServicer_to_server
    from sigma.v1.scheduler_pb2_grpc import add_SchedulerServicer_to_server as add_SchedulerServicer_to_server
    from sigma.v1.slave_pb2_grpc import add_SlaveServicer_to_server as add_SlaveServicer_to_server
    from sigma.v1.apiserver_pb2_grpc import add_TasksServicer_to_server as add_TasksServicer_to_server

_EXPORTS: dict[str, str] = {
    "AckResults": "worker_pb2",
    "App": "app_pb2",
    "AppChangeResponse": "apiserver_pb2",
    "AppSpec": "app_pb2",
    "AppStatus": "app_pb2",
    "AppsServicer": "apiserver_pb2_grpc",
    "AppsStub": "apiserver_pb2_grpc",
    "AttachWorker": "worker_pb2",
    "BatchJob": "batch_pb2",
    "BatchJobChangeResponse": "apiserver_pb2",
    "BatchJobPhase": "batch_pb2",
    "BatchJobSpec": "batch_pb2",
    "BatchJobStatus": "batch_pb2",
    "BatchJobsServicer": "apiserver_pb2_grpc",
    "BatchJobsStub": "apiserver_pb2_grpc",
    "BatchTask": "batch_pb2",
    "BatchTaskPhase": "batch_pb2",
    "BatchTaskStatus": "batch_pb2",
    "BatchWorkerPolicy": "batch_pb2",
    "BatchWorkersServicer": "worker_pb2_grpc",
    "BatchWorkersStub": "worker_pb2_grpc",
    "BrokenInterferenceRule": "interference_pb2",
    "BudgetChange": "colocator_pb2",
    "BudgetTerms": "event_pb2",
    "CancelBatchJobRequest": "apiserver_pb2",
    "ClusterUtilization": "colocator_pb2",
    "ColocationDecision": "event_pb2",
    "ColocationDecisionKind": "event_pb2",
    "ColocatorServicer": "colocator_pb2_grpc",
    "ColocatorStub": "colocator_pb2_grpc",
    "Condition": "meta_pb2",
    "ConditionStatus": "meta_pb2",
    "Container": "pod_pb2",
    "ContainerState": "pod_pb2",
    "ContainerStatus": "pod_pb2",
    "ContainerTermination": "pod_pb2",
    "CordonNodeRequest": "apiserver_pb2",
    "CreateAppRequest": "apiserver_pb2",
    "CreateBatchJobRequest": "apiserver_pb2",
    "CreateInterferenceRuleSetRequest": "apiserver_pb2",
    "DeleteAppRequest": "apiserver_pb2",
    "DeleteBatchJobRequest": "apiserver_pb2",
    "DeleteInterferenceRuleSetRequest": "apiserver_pb2",
    "DeleteNodeRequest": "apiserver_pb2",
    "DeletePodRequest": "apiserver_pb2",
    "DrainRequest": "slave_pb2",
    "DrainResponse": "slave_pb2",
    "Event": "event_pb2",
    "EventRecord": "record_pb2",
    "EventSeverity": "record_pb2",
    "EventType": "event_pb2",
    "EventsServicer": "apiserver_pb2_grpc",
    "EventsStub": "apiserver_pb2_grpc",
    "EvictPodRequest": "apiserver_pb2",
    "ExecAction": "pod_pb2",
    "ExplainBudgetRequest": "colocator_pb2",
    "ExplainBudgetResponse": "colocator_pb2",
    "ExplainRequest": "scheduler_pb2",
    "ExplainResponse": "scheduler_pb2",
    "FilterVerdict": "scheduler_pb2",
    "GRPCAction": "pod_pb2",
    "GetAppRequest": "apiserver_pb2",
    "GetBatchJobRequest": "apiserver_pb2",
    "GetClusterUtilizationRequest": "colocator_pb2",
    "GetInterferenceRuleSetRequest": "apiserver_pb2",
    "GetNodeBudgetRequest": "colocator_pb2",
    "GetNodeRequest": "apiserver_pb2",
    "GetNodeStatusRequest": "slave_pb2",
    "GetNodeStatusResponse": "slave_pb2",
    "GetPodRequest": "apiserver_pb2",
    "GetQueueRequest": "scheduler_pb2",
    "GetQueueResponse": "scheduler_pb2",
    "GetTaskRequest": "apiserver_pb2",
    "HeartbeatRequest": "apiserver_pb2",
    "HeartbeatResponse": "apiserver_pb2",
    "InstanceRef": "worker_pb2",
    "InstanceResult": "worker_pb2",
    "InstanceResults": "worker_pb2",
    "InstanceRun": "worker_pb2",
    "InterferenceRule": "interference_pb2",
    "InterferenceRuleSet": "interference_pb2",
    "InterferenceRuleSetSpec": "interference_pb2",
    "InterferenceRuleSetStatus": "interference_pb2",
    "InterferenceRuleSetsServicer": "apiserver_pb2_grpc",
    "InterferenceRuleSetsStub": "apiserver_pb2_grpc",
    "LabelSelector": "meta_pb2",
    "ListAppsRequest": "apiserver_pb2",
    "ListAppsResponse": "apiserver_pb2",
    "ListBatchJobsRequest": "apiserver_pb2",
    "ListBatchJobsResponse": "apiserver_pb2",
    "ListDecisionsRequest": "colocator_pb2",
    "ListDecisionsResponse": "colocator_pb2",
    "ListEventsRequest": "apiserver_pb2",
    "ListEventsResponse": "apiserver_pb2",
    "ListInterferenceRuleSetsRequest": "apiserver_pb2",
    "ListInterferenceRuleSetsResponse": "apiserver_pb2",
    "ListLocalPodsRequest": "slave_pb2",
    "ListLocalPodsResponse": "slave_pb2",
    "ListNodesRequest": "apiserver_pb2",
    "ListNodesResponse": "apiserver_pb2",
    "ListPodUsageRequest": "colocator_pb2",
    "ListPodUsageResponse": "colocator_pb2",
    "ListPodsRequest": "apiserver_pb2",
    "ListPodsResponse": "apiserver_pb2",
    "ListTasksRequest": "apiserver_pb2",
    "ListTasksResponse": "apiserver_pb2",
    "LocalPod": "slave_pb2",
    "LogChunk": "slave_pb2",
    "MetadataChange": "apiserver_pb2",
    "Node": "node_pb2",
    "NodeAllocated": "node_pb2",
    "NodeAllocation": "node_pb2",
    "NodeBudget": "colocator_pb2",
    "NodePhase": "node_pb2",
    "NodeSpec": "node_pb2",
    "NodeStatus": "node_pb2",
    "NodeTopology": "node_pb2",
    "NodeUsage": "node_pb2",
    "NodeUsageReport": "event_pb2",
    "NodeVerdict": "scheduler_pb2",
    "NodesServicer": "apiserver_pb2_grpc",
    "NodesStub": "apiserver_pb2_grpc",
    "ObjectMeta": "meta_pb2",
    "ObjectReference": "record_pb2",
    "OwnerReference": "meta_pb2",
    "Pod": "pod_pb2",
    "PodAllocation": "node_pb2",
    "PodOwnerKind": "pod_pb2",
    "PodPhase": "pod_pb2",
    "PodSpec": "pod_pb2",
    "PodStatus": "pod_pb2",
    "PodTemplate": "pod_pb2",
    "PodUsage": "event_pb2",
    "PodUsageSample": "colocator_pb2",
    "PodsServicer": "apiserver_pb2_grpc",
    "PodsStub": "apiserver_pb2_grpc",
    "Probe": "pod_pb2",
    "QoSClass": "meta_pb2",
    "QueuedPod": "scheduler_pb2",
    "RegisterNodeRequest": "apiserver_pb2",
    "RegisterNodeResponse": "apiserver_pb2",
    "ResourceList": "meta_pb2",
    "ResourceRequirements": "pod_pb2",
    "RestartPolicy": "pod_pb2",
    "RollingUpgradePolicy": "app_pb2",
    "RunInstances": "worker_pb2",
    "ScaleAppRequest": "apiserver_pb2",
    "SchedulerServicer": "scheduler_pb2_grpc",
    "SchedulerStub": "scheduler_pb2_grpc",
    "SchedulingQueueKind": "scheduler_pb2",
    "ScoreDetail": "scheduler_pb2",
    "SlaveServicer": "slave_pb2_grpc",
    "SlaveStub": "slave_pb2_grpc",
    "SpreadConstraint": "app_pb2",
    "SpreadMode": "app_pb2",
    "SpreadPolicy": "app_pb2",
    "StreamLogsRequest": "slave_pb2",
    "TCPSocketAction": "pod_pb2",
    "Taint": "meta_pb2",
    "TaintEffect": "meta_pb2",
    "Task": "task_pb2",
    "TaskKind": "task_pb2",
    "TaskSpec": "task_pb2",
    "TaskState": "task_pb2",
    "TaskStatus": "task_pb2",
    "TaskTargetKind": "task_pb2",
    "TasksServicer": "apiserver_pb2_grpc",
    "TasksStub": "apiserver_pb2_grpc",
    "TimeShareAppRequest": "apiserver_pb2",
    "TimeSharingPolicy": "app_pb2",
    "Toleration": "meta_pb2",
    "TolerationOperator": "meta_pb2",
    "TopologyLevel": "app_pb2",
    "TrafficProfile": "app_pb2",
    "UpdateAppMetadataRequest": "apiserver_pb2",
    "UpdateBatchJobMetadataRequest": "apiserver_pb2",
    "UpdateInterferenceRuleSetMetadataRequest": "apiserver_pb2",
    "UpdateInterferenceRuleSetRequest": "apiserver_pb2",
    "UpdateNodeMetadataRequest": "apiserver_pb2",
    "UpdateNodeStatusRequest": "apiserver_pb2",
    "UpdatePodMetadataRequest": "apiserver_pb2",
    "UpdatePodStatusRequest": "apiserver_pb2",
    "UpgradeAppRequest": "apiserver_pb2",
    "UtilizationSample": "colocator_pb2",
    "UtilizationShares": "colocator_pb2",
    "WatchAppsRequest": "apiserver_pb2",
    "WatchBatchJobsRequest": "apiserver_pb2",
    "WatchInterferenceRuleSetsRequest": "apiserver_pb2",
    "WatchNodesRequest": "apiserver_pb2",
    "WatchPodsRequest": "apiserver_pb2",
    "WatchTasksRequest": "apiserver_pb2",
    "WorkerAttached": "worker_pb2",
    "WorkerCommand": "worker_pb2",
    "WorkerMessage": "worker_pb2",
    "add_AppsServicer_to_server": "apiserver_pb2_grpc",
    "add_BatchJobsServicer_to_server": "apiserver_pb2_grpc",
    "add_BatchWorkersServicer_to_server": "worker_pb2_grpc",
    "add_ColocatorServicer_to_server": "colocator_pb2_grpc",
    "add_EventsServicer_to_server": "apiserver_pb2_grpc",
    "add_InterferenceRuleSetsServicer_to_server": "apiserver_pb2_grpc",
    "add_NodesServicer_to_server": "apiserver_pb2_grpc",
    "add_PodsServicer_to_server": "apiserver_pb2_grpc",
    "add_SchedulerServicer_to_server": "scheduler_pb2_grpc",
    "add_SlaveServicer_to_server": "slave_pb2_grpc",
    "add_TasksServicer_to_server": "apiserver_pb2_grpc",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
