"""Every service a tier relies on has its stub, servicer and registration, bound to every method;
and ``sigma.v1`` re-exports every name lazily."""

from __future__ import annotations

import importlib

import grpc
import pytest

import sigma.v1
from sigma.v1 import apiserver_pb2_grpc, pod_pb2
from tests.unit._protos import all_proto_modules

# The services each tier serves, by the proto file that declares them.
SERVICES = {
    "apiserver": ["Apps", "BatchJobs", "Pods", "Nodes", "Tasks", "Events", "InterferenceRuleSets"],
    "scheduler": ["Scheduler"],
    "colocator": ["Colocator"],
    "slave": ["Slave"],
    "worker": ["BatchWorkers"],  # served by the slave beside Slave
}


@pytest.mark.parametrize(
    ("stem", "service_name"),
    [(stem, name) for stem, names in SERVICES.items() for name in names],
)
def test_service_stubs_bind_every_method(stem: str, service_name: str) -> None:
    messages = importlib.import_module(f"sigma.v1.{stem}_pb2")
    stubs = importlib.import_module(f"sigma.v1.{stem}_pb2_grpc")
    service = messages.DESCRIPTOR.services_by_name[service_name]
    assert hasattr(stubs, f"{service_name}Servicer")
    assert hasattr(stubs, f"add_{service_name}Servicer_to_server")
    channel = grpc.insecure_channel("localhost:1")  # never dialled: stubs connect lazily
    try:
        stub = getattr(stubs, f"{service_name}Stub")(channel)
        for method in service.methods:
            assert callable(getattr(stub, method.name)), f"{service_name}.{method.name}"
    finally:
        channel.close()


def test_every_service_is_covered() -> None:
    declared = {
        service for module in all_proto_modules() for service in module.DESCRIPTOR.services_by_name
    }
    assert declared == {name for names in SERVICES.values() for name in names}


def test_package_reexports_resolve_lazily() -> None:
    for name in sigma.v1.__all__:
        assert getattr(sigma.v1, name) is not None, name
    assert sigma.v1.Pod is pod_pb2.Pod
    assert sigma.v1.AppsStub is apiserver_pb2_grpc.AppsStub
    with pytest.raises(AttributeError):
        _ = sigma.v1.NoSuchMessage
