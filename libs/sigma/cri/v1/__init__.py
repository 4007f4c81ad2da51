"""Kubernetes CRI v1 (proto package ``runtime.v1``) from k8s.io/cri-api, package ``sigma.cri.v1``: GENERATED, DO NOT EDIT.

Generated from protos/sigma/cri/v1/*.proto by scripts/gen_protos.py; edit the .proto files
and run ``python scripts/gen_protos.py`` (CI runs it with ``--check``).

Importing this package is cheap: each name below is resolved on first use by importing
only the module that defines it, e.g. ``from sigma.v1 import Pod`` loads ``pod_pb2``.
The modules themselves (``from sigma.v1 import pod_pb2``) work as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sigma.cri.v1.api_pb2 import AttachRequest as AttachRequest
    from sigma.cri.v1.api_pb2 import AttachResponse as AttachResponse
    from sigma.cri.v1.api_pb2 import AuthConfig as AuthConfig
    from sigma.cri.v1.api_pb2 import CDIDevice as CDIDevice
    from sigma.cri.v1.api_pb2 import Capability as Capability
    from sigma.cri.v1.api_pb2 import CgroupDriver as CgroupDriver
    from sigma.cri.v1.api_pb2 import CheckpointContainerRequest as CheckpointContainerRequest
    from sigma.cri.v1.api_pb2 import CheckpointContainerResponse as CheckpointContainerResponse
    from sigma.cri.v1.api_pb2 import CheckpointPodRequest as CheckpointPodRequest
    from sigma.cri.v1.api_pb2 import CheckpointPodResponse as CheckpointPodResponse
    from sigma.cri.v1.api_pb2 import Container as Container
    from sigma.cri.v1.api_pb2 import ContainerAttributes as ContainerAttributes
    from sigma.cri.v1.api_pb2 import ContainerConfig as ContainerConfig
    from sigma.cri.v1.api_pb2 import ContainerEventResponse as ContainerEventResponse
    from sigma.cri.v1.api_pb2 import ContainerEventType as ContainerEventType
    from sigma.cri.v1.api_pb2 import ContainerFilter as ContainerFilter
    from sigma.cri.v1.api_pb2 import ContainerMetadata as ContainerMetadata
    from sigma.cri.v1.api_pb2 import ContainerMetrics as ContainerMetrics
    from sigma.cri.v1.api_pb2 import ContainerResources as ContainerResources
    from sigma.cri.v1.api_pb2 import ContainerState as ContainerState
    from sigma.cri.v1.api_pb2 import ContainerStateValue as ContainerStateValue
    from sigma.cri.v1.api_pb2 import ContainerStats as ContainerStats
    from sigma.cri.v1.api_pb2 import ContainerStatsFilter as ContainerStatsFilter
    from sigma.cri.v1.api_pb2 import ContainerStatsRequest as ContainerStatsRequest
    from sigma.cri.v1.api_pb2 import ContainerStatsResponse as ContainerStatsResponse
    from sigma.cri.v1.api_pb2 import ContainerStatus as ContainerStatus
    from sigma.cri.v1.api_pb2 import ContainerStatusRequest as ContainerStatusRequest
    from sigma.cri.v1.api_pb2 import ContainerStatusResponse as ContainerStatusResponse
    from sigma.cri.v1.api_pb2 import ContainerUser as ContainerUser
    from sigma.cri.v1.api_pb2 import CpuUsage as CpuUsage
    from sigma.cri.v1.api_pb2 import CreateContainerRequest as CreateContainerRequest
    from sigma.cri.v1.api_pb2 import CreateContainerResponse as CreateContainerResponse
    from sigma.cri.v1.api_pb2 import DNSConfig as DNSConfig
    from sigma.cri.v1.api_pb2 import Device as Device
    from sigma.cri.v1.api_pb2 import ExecRequest as ExecRequest
    from sigma.cri.v1.api_pb2 import ExecResponse as ExecResponse
    from sigma.cri.v1.api_pb2 import ExecSyncRequest as ExecSyncRequest
    from sigma.cri.v1.api_pb2 import ExecSyncResponse as ExecSyncResponse
    from sigma.cri.v1.api_pb2 import FilesystemIdentifier as FilesystemIdentifier
    from sigma.cri.v1.api_pb2 import FilesystemUsage as FilesystemUsage
    from sigma.cri.v1.api_pb2 import GetEventsRequest as GetEventsRequest
    from sigma.cri.v1.api_pb2 import HugepageLimit as HugepageLimit
    from sigma.cri.v1.api_pb2 import IDMapping as IDMapping
    from sigma.cri.v1.api_pb2 import Image as Image
    from sigma.cri.v1.api_pb2 import ImageFilter as ImageFilter
    from sigma.cri.v1.api_pb2 import ImageFsInfoRequest as ImageFsInfoRequest
    from sigma.cri.v1.api_pb2 import ImageFsInfoResponse as ImageFsInfoResponse
    from sigma.cri.v1.api_pb2_grpc import ImageServiceServicer as ImageServiceServicer
    from sigma.cri.v1.api_pb2_grpc import ImageServiceStub as ImageServiceStub
    from sigma.cri.v1.api_pb2 import ImageSpec as ImageSpec
    from sigma.cri.v1.api_pb2 import ImageStatusRequest as ImageStatusRequest
    from sigma.cri.v1.api_pb2 import ImageStatusResponse as ImageStatusResponse
    from sigma.cri.v1.api_pb2 import Int64Value as Int64Value
    from sigma.cri.v1.api_pb2 import IoUsage as IoUsage
    from sigma.cri.v1.api_pb2 import KeyValue as KeyValue
    from sigma.cri.v1.api_pb2 import LinuxContainerConfig as LinuxContainerConfig
    from sigma.cri.v1.api_pb2 import LinuxContainerResources as LinuxContainerResources
    from sigma.cri.v1.api_pb2 import LinuxContainerSecurityContext as LinuxContainerSecurityContext
    from sigma.cri.v1.api_pb2 import LinuxContainerUser as LinuxContainerUser
    from sigma.cri.v1.api_pb2 import LinuxPodSandboxConfig as LinuxPodSandboxConfig
    from sigma.cri.v1.api_pb2 import LinuxPodSandboxStats as LinuxPodSandboxStats
    from sigma.cri.v1.api_pb2 import LinuxPodSandboxStatus as LinuxPodSandboxStatus
    from sigma.cri.v1.api_pb2 import LinuxRuntimeConfiguration as LinuxRuntimeConfiguration
    from sigma.cri.v1.api_pb2 import LinuxSandboxSecurityContext as LinuxSandboxSecurityContext
    from sigma.cri.v1.api_pb2 import ListContainerStatsRequest as ListContainerStatsRequest
    from sigma.cri.v1.api_pb2 import ListContainerStatsResponse as ListContainerStatsResponse
    from sigma.cri.v1.api_pb2 import ListContainersRequest as ListContainersRequest
    from sigma.cri.v1.api_pb2 import ListContainersResponse as ListContainersResponse
    from sigma.cri.v1.api_pb2 import ListImagesRequest as ListImagesRequest
    from sigma.cri.v1.api_pb2 import ListImagesResponse as ListImagesResponse
    from sigma.cri.v1.api_pb2 import ListMetricDescriptorsRequest as ListMetricDescriptorsRequest
    from sigma.cri.v1.api_pb2 import ListMetricDescriptorsResponse as ListMetricDescriptorsResponse
    from sigma.cri.v1.api_pb2 import ListPodSandboxMetricsRequest as ListPodSandboxMetricsRequest
    from sigma.cri.v1.api_pb2 import ListPodSandboxMetricsResponse as ListPodSandboxMetricsResponse
    from sigma.cri.v1.api_pb2 import ListPodSandboxRequest as ListPodSandboxRequest
    from sigma.cri.v1.api_pb2 import ListPodSandboxResponse as ListPodSandboxResponse
    from sigma.cri.v1.api_pb2 import ListPodSandboxStatsRequest as ListPodSandboxStatsRequest
    from sigma.cri.v1.api_pb2 import ListPodSandboxStatsResponse as ListPodSandboxStatsResponse
    from sigma.cri.v1.api_pb2 import MemoryUsage as MemoryUsage
    from sigma.cri.v1.api_pb2 import Metric as Metric
    from sigma.cri.v1.api_pb2 import MetricDescriptor as MetricDescriptor
    from sigma.cri.v1.api_pb2 import MetricType as MetricType
    from sigma.cri.v1.api_pb2 import Mount as Mount
    from sigma.cri.v1.api_pb2 import MountPropagation as MountPropagation
    from sigma.cri.v1.api_pb2 import Namespace as Namespace
    from sigma.cri.v1.api_pb2 import NamespaceMode as NamespaceMode
    from sigma.cri.v1.api_pb2 import NamespaceOption as NamespaceOption
    from sigma.cri.v1.api_pb2 import NetworkConfig as NetworkConfig
    from sigma.cri.v1.api_pb2 import NetworkInterfaceUsage as NetworkInterfaceUsage
    from sigma.cri.v1.api_pb2 import NetworkUsage as NetworkUsage
    from sigma.cri.v1.api_pb2 import PodIP as PodIP
    from sigma.cri.v1.api_pb2 import PodSandbox as PodSandbox
    from sigma.cri.v1.api_pb2 import PodSandboxAttributes as PodSandboxAttributes
    from sigma.cri.v1.api_pb2 import PodSandboxConfig as PodSandboxConfig
    from sigma.cri.v1.api_pb2 import PodSandboxFilter as PodSandboxFilter
    from sigma.cri.v1.api_pb2 import PodSandboxMetadata as PodSandboxMetadata
    from sigma.cri.v1.api_pb2 import PodSandboxMetrics as PodSandboxMetrics
    from sigma.cri.v1.api_pb2 import PodSandboxNetworkStatus as PodSandboxNetworkStatus
    from sigma.cri.v1.api_pb2 import PodSandboxState as PodSandboxState
    from sigma.cri.v1.api_pb2 import PodSandboxStateValue as PodSandboxStateValue
    from sigma.cri.v1.api_pb2 import PodSandboxStats as PodSandboxStats
    from sigma.cri.v1.api_pb2 import PodSandboxStatsFilter as PodSandboxStatsFilter
    from sigma.cri.v1.api_pb2 import PodSandboxStatsRequest as PodSandboxStatsRequest
    from sigma.cri.v1.api_pb2 import PodSandboxStatsResponse as PodSandboxStatsResponse
    from sigma.cri.v1.api_pb2 import PodSandboxStatus as PodSandboxStatus
    from sigma.cri.v1.api_pb2 import PodSandboxStatusRequest as PodSandboxStatusRequest
    from sigma.cri.v1.api_pb2 import PodSandboxStatusResponse as PodSandboxStatusResponse
    from sigma.cri.v1.api_pb2 import PortForwardRequest as PortForwardRequest
    from sigma.cri.v1.api_pb2 import PortForwardResponse as PortForwardResponse
    from sigma.cri.v1.api_pb2 import PortMapping as PortMapping
    from sigma.cri.v1.api_pb2 import ProcessUsage as ProcessUsage
    from sigma.cri.v1.api_pb2 import Protocol as Protocol
    from sigma.cri.v1.api_pb2 import PsiData as PsiData
    from sigma.cri.v1.api_pb2 import PsiStats as PsiStats
    from sigma.cri.v1.api_pb2 import PullImageRequest as PullImageRequest
    from sigma.cri.v1.api_pb2 import PullImageResponse as PullImageResponse
    from sigma.cri.v1.api_pb2 import RemoveContainerRequest as RemoveContainerRequest
    from sigma.cri.v1.api_pb2 import RemoveContainerResponse as RemoveContainerResponse
    from sigma.cri.v1.api_pb2 import RemoveImageRequest as RemoveImageRequest
    from sigma.cri.v1.api_pb2 import RemoveImageResponse as RemoveImageResponse
    from sigma.cri.v1.api_pb2 import RemovePodSandboxRequest as RemovePodSandboxRequest
    from sigma.cri.v1.api_pb2 import RemovePodSandboxResponse as RemovePodSandboxResponse
    from sigma.cri.v1.api_pb2 import ReopenContainerLogRequest as ReopenContainerLogRequest
    from sigma.cri.v1.api_pb2 import ReopenContainerLogResponse as ReopenContainerLogResponse
    from sigma.cri.v1.api_pb2 import RestorePodRequest as RestorePodRequest
    from sigma.cri.v1.api_pb2 import RestorePodResponse as RestorePodResponse
    from sigma.cri.v1.api_pb2 import RestoredContainer as RestoredContainer
    from sigma.cri.v1.api_pb2 import RunPodSandboxRequest as RunPodSandboxRequest
    from sigma.cri.v1.api_pb2 import RunPodSandboxResponse as RunPodSandboxResponse
    from sigma.cri.v1.api_pb2 import RuntimeCondition as RuntimeCondition
    from sigma.cri.v1.api_pb2 import RuntimeConfig as RuntimeConfig
    from sigma.cri.v1.api_pb2 import RuntimeConfigRequest as RuntimeConfigRequest
    from sigma.cri.v1.api_pb2 import RuntimeConfigResponse as RuntimeConfigResponse
    from sigma.cri.v1.api_pb2 import RuntimeFeatures as RuntimeFeatures
    from sigma.cri.v1.api_pb2 import RuntimeHandler as RuntimeHandler
    from sigma.cri.v1.api_pb2 import RuntimeHandlerFeatures as RuntimeHandlerFeatures
    from sigma.cri.v1.api_pb2_grpc import RuntimeServiceServicer as RuntimeServiceServicer
    from sigma.cri.v1.api_pb2_grpc import RuntimeServiceStub as RuntimeServiceStub
    from sigma.cri.v1.api_pb2 import RuntimeStatus as RuntimeStatus
    from sigma.cri.v1.api_pb2 import SELinuxOption as SELinuxOption
    from sigma.cri.v1.api_pb2 import SecurityProfile as SecurityProfile
    from sigma.cri.v1.api_pb2 import Signal as Signal
    from sigma.cri.v1.api_pb2 import StartContainerRequest as StartContainerRequest
    from sigma.cri.v1.api_pb2 import StartContainerResponse as StartContainerResponse
    from sigma.cri.v1.api_pb2 import StatusRequest as StatusRequest
    from sigma.cri.v1.api_pb2 import StatusResponse as StatusResponse
    from sigma.cri.v1.api_pb2 import StopContainerRequest as StopContainerRequest
    from sigma.cri.v1.api_pb2 import StopContainerResponse as StopContainerResponse
    from sigma.cri.v1.api_pb2 import StopPodSandboxRequest as StopPodSandboxRequest
    from sigma.cri.v1.api_pb2 import StopPodSandboxResponse as StopPodSandboxResponse
    from sigma.cri.v1.api_pb2 import StreamContainerStatsRequest as StreamContainerStatsRequest
    from sigma.cri.v1.api_pb2 import StreamContainerStatsResponse as StreamContainerStatsResponse
    from sigma.cri.v1.api_pb2 import StreamContainersRequest as StreamContainersRequest
    from sigma.cri.v1.api_pb2 import StreamContainersResponse as StreamContainersResponse
    from sigma.cri.v1.api_pb2 import StreamImagesRequest as StreamImagesRequest
    from sigma.cri.v1.api_pb2 import StreamImagesResponse as StreamImagesResponse
    from sigma.cri.v1.api_pb2 import StreamPodSandboxMetricsRequest as StreamPodSandboxMetricsRequest
    from sigma.cri.v1.api_pb2 import StreamPodSandboxMetricsResponse as StreamPodSandboxMetricsResponse
    from sigma.cri.v1.api_pb2 import StreamPodSandboxStatsRequest as StreamPodSandboxStatsRequest
    from sigma.cri.v1.api_pb2 import StreamPodSandboxStatsResponse as StreamPodSandboxStatsResponse
    from sigma.cri.v1.api_pb2 import StreamPodSandboxesRequest as StreamPodSandboxesRequest
    from sigma.cri.v1.api_pb2 import StreamPodSandboxesResponse as StreamPodSandboxesResponse
    from sigma.cri.v1.api_pb2 import SupplementalGroupsPolicy as SupplementalGroupsPolicy
    from sigma.cri.v1.api_pb2 import SwapUsage as SwapUsage
    from sigma.cri.v1.api_pb2 import UInt64Value as UInt64Value
    from sigma.cri.v1.api_pb2 import UpdateContainerResourcesRequest as UpdateContainerResourcesRequest
    from sigma.cri.v1.api_pb2 import UpdateContainerResourcesResponse as UpdateContainerResourcesResponse
    from sigma.cri.v1.api_pb2 import UpdatePodSandboxResourcesRequest as UpdatePodSandboxResourcesRequest
    from sigma.cri.v1.api_pb2 import UpdatePodSandboxResourcesResponse as UpdatePodSandboxResourcesResponse
    from sigma.cri.v1.api_pb2 import UpdateRuntimeConfigRequest as UpdateRuntimeConfigRequest
    from sigma.cri.v1.api_pb2 import UpdateRuntimeConfigResponse as UpdateRuntimeConfigResponse
    from sigma.cri.v1.api_pb2 import UserNamespace as UserNamespace
    from sigma.cri.v1.api_pb2 import VersionRequest as VersionRequest
    from sigma.cri.v1.api_pb2 import VersionResponse as VersionResponse
    from sigma.cri.v1.api_pb2 import WindowsContainerConfig as WindowsContainerConfig
    from sigma.cri.v1.api_pb2 import WindowsContainerResources as WindowsContainerResources
    from sigma.cri.v1.api_pb2 import WindowsContainerSecurityContext as WindowsContainerSecurityContext
    from sigma.cri.v1.api_pb2 import WindowsContainerStats as WindowsContainerStats
    from sigma.cri.v1.api_pb2 import WindowsCpuGroupAffinity as WindowsCpuGroupAffinity
    from sigma.cri.v1.api_pb2 import WindowsCpuUsage as WindowsCpuUsage
    from sigma.cri.v1.api_pb2 import WindowsFilesystemUsage as WindowsFilesystemUsage
    from sigma.cri.v1.api_pb2 import WindowsMemoryUsage as WindowsMemoryUsage
    from sigma.cri.v1.api_pb2 import WindowsNamespaceOption as WindowsNamespaceOption
    from sigma.cri.v1.api_pb2 import WindowsNetworkInterfaceUsage as WindowsNetworkInterfaceUsage
    from sigma.cri.v1.api_pb2 import WindowsNetworkUsage as WindowsNetworkUsage
    from sigma.cri.v1.api_pb2 import WindowsPodSandboxConfig as WindowsPodSandboxConfig
    from sigma.cri.v1.api_pb2 import WindowsPodSandboxStats as WindowsPodSandboxStats
    from sigma.cri.v1.api_pb2 import WindowsProcessUsage as WindowsProcessUsage
    from sigma.cri.v1.api_pb2 import WindowsSandboxSecurityContext as WindowsSandboxSecurityContext
    from sigma.cri.v1.api_pb2_grpc import add_ImageServiceServicer_to_server as add_ImageServiceServicer_to_server
    from sigma.cri.v1.api_pb2_grpc import add_RuntimeServiceServicer_to_server as add_RuntimeServiceServicer_to_server

_EXPORTS: dict[str, str] = {
    "AttachRequest": "api_pb2",
    "AttachResponse": "api_pb2",
    "AuthConfig": "api_pb2",
    "CDIDevice": "api_pb2",
    "Capability": "api_pb2",
    "CgroupDriver": "api_pb2",
    "CheckpointContainerRequest": "api_pb2",
    "CheckpointContainerResponse": "api_pb2",
    "CheckpointPodRequest": "api_pb2",
    "CheckpointPodResponse": "api_pb2",
    "Container": "api_pb2",
    "ContainerAttributes": "api_pb2",
    "ContainerConfig": "api_pb2",
    "ContainerEventResponse": "api_pb2",
    "ContainerEventType": "api_pb2",
    "ContainerFilter": "api_pb2",
    "ContainerMetadata": "api_pb2",
    "ContainerMetrics": "api_pb2",
    "ContainerResources": "api_pb2",
    "ContainerState": "api_pb2",
    "ContainerStateValue": "api_pb2",
    "ContainerStats": "api_pb2",
    "ContainerStatsFilter": "api_pb2",
    "ContainerStatsRequest": "api_pb2",
    "ContainerStatsResponse": "api_pb2",
    "ContainerStatus": "api_pb2",
    "ContainerStatusRequest": "api_pb2",
    "ContainerStatusResponse": "api_pb2",
    "ContainerUser": "api_pb2",
    "CpuUsage": "api_pb2",
    "CreateContainerRequest": "api_pb2",
    "CreateContainerResponse": "api_pb2",
    "DNSConfig": "api_pb2",
    "Device": "api_pb2",
    "ExecRequest": "api_pb2",
    "ExecResponse": "api_pb2",
    "ExecSyncRequest": "api_pb2",
    "ExecSyncResponse": "api_pb2",
    "FilesystemIdentifier": "api_pb2",
    "FilesystemUsage": "api_pb2",
    "GetEventsRequest": "api_pb2",
    "HugepageLimit": "api_pb2",
    "IDMapping": "api_pb2",
    "Image": "api_pb2",
    "ImageFilter": "api_pb2",
    "ImageFsInfoRequest": "api_pb2",
    "ImageFsInfoResponse": "api_pb2",
    "ImageServiceServicer": "api_pb2_grpc",
    "ImageServiceStub": "api_pb2_grpc",
    "ImageSpec": "api_pb2",
    "ImageStatusRequest": "api_pb2",
    "ImageStatusResponse": "api_pb2",
    "Int64Value": "api_pb2",
    "IoUsage": "api_pb2",
    "KeyValue": "api_pb2",
    "LinuxContainerConfig": "api_pb2",
    "LinuxContainerResources": "api_pb2",
    "LinuxContainerSecurityContext": "api_pb2",
    "LinuxContainerUser": "api_pb2",
    "LinuxPodSandboxConfig": "api_pb2",
    "LinuxPodSandboxStats": "api_pb2",
    "LinuxPodSandboxStatus": "api_pb2",
    "LinuxRuntimeConfiguration": "api_pb2",
    "LinuxSandboxSecurityContext": "api_pb2",
    "ListContainerStatsRequest": "api_pb2",
    "ListContainerStatsResponse": "api_pb2",
    "ListContainersRequest": "api_pb2",
    "ListContainersResponse": "api_pb2",
    "ListImagesRequest": "api_pb2",
    "ListImagesResponse": "api_pb2",
    "ListMetricDescriptorsRequest": "api_pb2",
    "ListMetricDescriptorsResponse": "api_pb2",
    "ListPodSandboxMetricsRequest": "api_pb2",
    "ListPodSandboxMetricsResponse": "api_pb2",
    "ListPodSandboxRequest": "api_pb2",
    "ListPodSandboxResponse": "api_pb2",
    "ListPodSandboxStatsRequest": "api_pb2",
    "ListPodSandboxStatsResponse": "api_pb2",
    "MemoryUsage": "api_pb2",
    "Metric": "api_pb2",
    "MetricDescriptor": "api_pb2",
    "MetricType": "api_pb2",
    "Mount": "api_pb2",
    "MountPropagation": "api_pb2",
    "Namespace": "api_pb2",
    "NamespaceMode": "api_pb2",
    "NamespaceOption": "api_pb2",
    "NetworkConfig": "api_pb2",
    "NetworkInterfaceUsage": "api_pb2",
    "NetworkUsage": "api_pb2",
    "PodIP": "api_pb2",
    "PodSandbox": "api_pb2",
    "PodSandboxAttributes": "api_pb2",
    "PodSandboxConfig": "api_pb2",
    "PodSandboxFilter": "api_pb2",
    "PodSandboxMetadata": "api_pb2",
    "PodSandboxMetrics": "api_pb2",
    "PodSandboxNetworkStatus": "api_pb2",
    "PodSandboxState": "api_pb2",
    "PodSandboxStateValue": "api_pb2",
    "PodSandboxStats": "api_pb2",
    "PodSandboxStatsFilter": "api_pb2",
    "PodSandboxStatsRequest": "api_pb2",
    "PodSandboxStatsResponse": "api_pb2",
    "PodSandboxStatus": "api_pb2",
    "PodSandboxStatusRequest": "api_pb2",
    "PodSandboxStatusResponse": "api_pb2",
    "PortForwardRequest": "api_pb2",
    "PortForwardResponse": "api_pb2",
    "PortMapping": "api_pb2",
    "ProcessUsage": "api_pb2",
    "Protocol": "api_pb2",
    "PsiData": "api_pb2",
    "PsiStats": "api_pb2",
    "PullImageRequest": "api_pb2",
    "PullImageResponse": "api_pb2",
    "RemoveContainerRequest": "api_pb2",
    "RemoveContainerResponse": "api_pb2",
    "RemoveImageRequest": "api_pb2",
    "RemoveImageResponse": "api_pb2",
    "RemovePodSandboxRequest": "api_pb2",
    "RemovePodSandboxResponse": "api_pb2",
    "ReopenContainerLogRequest": "api_pb2",
    "ReopenContainerLogResponse": "api_pb2",
    "RestorePodRequest": "api_pb2",
    "RestorePodResponse": "api_pb2",
    "RestoredContainer": "api_pb2",
    "RunPodSandboxRequest": "api_pb2",
    "RunPodSandboxResponse": "api_pb2",
    "RuntimeCondition": "api_pb2",
    "RuntimeConfig": "api_pb2",
    "RuntimeConfigRequest": "api_pb2",
    "RuntimeConfigResponse": "api_pb2",
    "RuntimeFeatures": "api_pb2",
    "RuntimeHandler": "api_pb2",
    "RuntimeHandlerFeatures": "api_pb2",
    "RuntimeServiceServicer": "api_pb2_grpc",
    "RuntimeServiceStub": "api_pb2_grpc",
    "RuntimeStatus": "api_pb2",
    "SELinuxOption": "api_pb2",
    "SecurityProfile": "api_pb2",
    "Signal": "api_pb2",
    "StartContainerRequest": "api_pb2",
    "StartContainerResponse": "api_pb2",
    "StatusRequest": "api_pb2",
    "StatusResponse": "api_pb2",
    "StopContainerRequest": "api_pb2",
    "StopContainerResponse": "api_pb2",
    "StopPodSandboxRequest": "api_pb2",
    "StopPodSandboxResponse": "api_pb2",
    "StreamContainerStatsRequest": "api_pb2",
    "StreamContainerStatsResponse": "api_pb2",
    "StreamContainersRequest": "api_pb2",
    "StreamContainersResponse": "api_pb2",
    "StreamImagesRequest": "api_pb2",
    "StreamImagesResponse": "api_pb2",
    "StreamPodSandboxMetricsRequest": "api_pb2",
    "StreamPodSandboxMetricsResponse": "api_pb2",
    "StreamPodSandboxStatsRequest": "api_pb2",
    "StreamPodSandboxStatsResponse": "api_pb2",
    "StreamPodSandboxesRequest": "api_pb2",
    "StreamPodSandboxesResponse": "api_pb2",
    "SupplementalGroupsPolicy": "api_pb2",
    "SwapUsage": "api_pb2",
    "UInt64Value": "api_pb2",
    "UpdateContainerResourcesRequest": "api_pb2",
    "UpdateContainerResourcesResponse": "api_pb2",
    "UpdatePodSandboxResourcesRequest": "api_pb2",
    "UpdatePodSandboxResourcesResponse": "api_pb2",
    "UpdateRuntimeConfigRequest": "api_pb2",
    "UpdateRuntimeConfigResponse": "api_pb2",
    "UserNamespace": "api_pb2",
    "VersionRequest": "api_pb2",
    "VersionResponse": "api_pb2",
    "WindowsContainerConfig": "api_pb2",
    "WindowsContainerResources": "api_pb2",
    "WindowsContainerSecurityContext": "api_pb2",
    "WindowsContainerStats": "api_pb2",
    "WindowsCpuGroupAffinity": "api_pb2",
    "WindowsCpuUsage": "api_pb2",
    "WindowsFilesystemUsage": "api_pb2",
    "WindowsMemoryUsage": "api_pb2",
    "WindowsNamespaceOption": "api_pb2",
    "WindowsNetworkInterfaceUsage": "api_pb2",
    "WindowsNetworkUsage": "api_pb2",
    "WindowsPodSandboxConfig": "api_pb2",
    "WindowsPodSandboxStats": "api_pb2",
    "WindowsProcessUsage": "api_pb2",
    "WindowsSandboxSecurityContext": "api_pb2",
    "add_ImageServiceServicer_to_server": "api_pb2_grpc",
    "add_RuntimeServiceServicer_to_server": "api_pb2_grpc",
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
