"""Bad input to the apiserver's gRPC API, on real servers over the memory store and a real etcd:
INVALID_ARGUMENT naming the field, and nothing written. One table per service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest

from sigma.apiserver import samples
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs
from sigma.v1 import app_pb2, batch_pb2, meta_pb2, node_pb2, pod_pb2
from tests.integration.apiserver._api import Cluster, refused

Row = tuple[str, object, str]  # what is wrong, the request, the field the refusal names
CPU = "app.spec.template.containers[0].resources.requests.cpu_millis"


def _create(ns: str, change: Callable[[app_pb2.App], Any]) -> api.CreateAppRequest:
    app = samples.app()
    change(app)
    return api.CreateAppRequest(namespace=ns, app=app)


def _container(a: app_pb2.App) -> pod_pb2.Container:
    return a.spec.template.containers[0]


def _apps(ns: str) -> list[Row]:
    many_labels = {f"k{i}": "v" for i in range(70)}
    return [
        ("empty name", _create(ns, lambda a: a.meta.ClearField("name")), "app.meta.name"),
        (
            "negative cpu",
            _create(ns, lambda a: setattr(_container(a).resources.requests, "cpu_millis", -1)),
            CPU,
        ),
        (
            "replicas over limit",
            _create(ns, lambda a: setattr(a.spec, "replicas", 101)),
            "app.spec.replicas",
        ),
        (
            "unknown qos",
            _create(ns, lambda a: setattr(a.spec, "qos_class", 99)),
            "app.spec.qos_class",
        ),
        (
            "batch qos on app",
            _create(ns, lambda a: setattr(a.spec, "qos_class", meta_pb2.QOS_CLASS_BE)),
            "app.spec.qos_class",
        ),
        (
            "oversized labels",
            _create(ns, lambda a: a.meta.labels.update(many_labels)),
            "app.meta.labels",
        ),
        (
            "unknown namespace",
            api.CreateAppRequest(namespace="nobody", app=samples.app()),
            "namespace",
        ),
        ("no namespace", api.CreateAppRequest(app=samples.app()), "namespace"),
        (
            "foreign meta namespace",
            _create(ns, lambda a: setattr(a.meta, "namespace", "system")),
            "app.meta.namespace",
        ),
        ("scale negative", api.ScaleAppRequest(namespace=ns, name="web", replicas=-3), "replicas"),
        ("list bad page size", api.ListAppsRequest(namespace=ns, page_size=-1), "page_size"),
    ]


def _cycle() -> batch_pb2.BatchJob:
    job = samples.batch_job()
    job.spec.tasks[0].depends_on.append("load")
    return job


def _batch_jobs(ns: str) -> list[Row]:
    return [
        (
            "dependency cycle",
            api.CreateBatchJobRequest(namespace=ns, job=_cycle()),
            "job.spec.tasks[1].depends_on",
        )
    ]


def _pods(ns: str) -> list[Row]:
    return [
        (
            "status without version",
            api.UpdatePodStatusRequest(namespace=ns, name="p", status=pod_pb2.PodStatus()),
            "resource_version",
        )
    ]


def _node_without_host() -> node_pb2.Node:
    node = samples.node()
    node.spec.topology.ClearField("host")
    return node


def _nodes(ns: str) -> list[Row]:
    return [
        (
            "node without topology",
            api.RegisterNodeRequest(namespace="system", node=_node_without_host()),
            "node.spec.topology.host",
        )
    ]


ROWS: dict[str, Callable[[str], list[Row]]] = {
    "Apps": _apps,
    "BatchJobs": _batch_jobs,
    "Pods": _pods,
    "Nodes": _nodes,
}
_METHODS = {
    "CreateAppRequest": "Create",
    "ScaleAppRequest": "Scale",
    "ListAppsRequest": "List",
    "CreateBatchJobRequest": "Create",
    "UpdatePodStatusRequest": "UpdateStatus",
    "RegisterNodeRequest": "Register",
}


@pytest.mark.parametrize("service", ROWS)
async def test_bad_input_is_invalid_argument_naming_the_field_and_writes_nothing(
    cluster: Cluster, service: str
) -> None:
    await cluster.apps().Create(api.CreateAppRequest(namespace=cluster.ns, app=samples.app()))
    stub = getattr(stubs, f"{service}Stub")(cluster.channel)
    for what, request, field in ROWS[service](cluster.ns):
        method = getattr(stub, _METHODS[type(request).__name__])
        before = await cluster.store.revision()
        code, details = await refused(method(request, timeout=5))
        assert code == grpc.StatusCode.INVALID_ARGUMENT, what
        assert details.startswith(f"{field}: "), (what, details)
        assert await cluster.store.revision() == before, what
