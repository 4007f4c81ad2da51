"""Every method of every service in the protos has an access rule, declared next to its servicer.

A new RPC without a rule fails here (and a server with tokens on refuses to start without one).
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import sigma.v1
from sigma.apiserver.api import apps, batchjobs, events, interference, nodes, pods, tasks
from sigma.auth import CLUSTER_READ, CONTROL, READ, WRITE, Access
from sigma.colocator import api as colocator_api
from sigma.rpc import Service
from sigma.rpc._server import access_rules
from sigma.scheduler import api as scheduler_api
from sigma.slave import api as slave_api
from sigma.slave import worker as slave_worker

TABLES: dict[str, Access] = {
    "sigma.v1.Apps": apps.AppsServicer.access,
    "sigma.v1.BatchJobs": batchjobs.BatchJobsServicer.access,
    "sigma.v1.Pods": pods.PodsServicer.access,
    "sigma.v1.Nodes": nodes.NodesServicer.access,
    "sigma.v1.Tasks": tasks.TasksServicer.access,
    "sigma.v1.Events": events.EventsServicer.access,
    "sigma.v1.InterferenceRuleSets": interference.InterferenceRuleSetsServicer.access,
    "sigma.v1.Scheduler": scheduler_api.ACCESS,
    "sigma.v1.Colocator": colocator_api.ACCESS,
    "sigma.v1.Slave": slave_api.ACCESS,
    "sigma.v1.BatchWorkers": slave_worker.ACCESS,
}


def proto_methods() -> dict[str, list[str]]:
    """Every service the wire contract declares, from the generated descriptors."""
    out: dict[str, list[str]] = {}
    for info in pkgutil.iter_modules(sigma.v1.__path__):
        if info.name.endswith("_pb2"):
            module = importlib.import_module(f"sigma.v1.{info.name}")
            for service in module.DESCRIPTOR.services_by_name.values():
                out[service.full_name] = [m.name for m in service.methods]
    return out


METHODS = proto_methods()


def test_every_proto_service_has_a_table() -> None:
    assert set(METHODS) == set(TABLES)
    assert sum(len(m) for m in METHODS.values()) == 55  # the RPCs the integration test covers


@pytest.mark.parametrize("service", sorted(METHODS))
def test_every_method_has_exactly_one_rule(service: str) -> None:
    assert set(TABLES[service]) == set(METHODS[service])
    access_rules([Service(service, lambda _: None, TABLES[service])], require=True)


def test_writes_and_control_are_where_expected() -> None:
    changing = {
        f"{s}/{m}"
        for s, table in TABLES.items()
        for m, rule in table.items()
        if rule.verb != "read"
    }
    assert changing == {
        *(
            f"sigma.v1.Apps/{m}"
            for m in ("Create", "Delete", "Scale", "Upgrade", "TimeShare", "UpdateMetadata")
        ),
        *(f"sigma.v1.BatchJobs/{m}" for m in ("Create", "Delete", "Cancel", "UpdateMetadata")),
        *(f"sigma.v1.Pods/{m}" for m in ("Delete", "UpdateStatus", "Evict", "UpdateMetadata")),
        *(
            f"sigma.v1.Nodes/{m}"
            for m in ("Register", "Heartbeat", "UpdateStatus", "Cordon", "Delete", "UpdateMetadata")
        ),
        *(
            f"sigma.v1.InterferenceRuleSets/{m}"
            for m in ("Create", "Update", "Delete", "UpdateMetadata")
        ),
        "sigma.v1.Slave/Drain",
        "sigma.v1.BatchWorkers/Attach",
    }
    assert TABLES["sigma.v1.Slave"]["Drain"] is CONTROL
    assert TABLES["sigma.v1.BatchWorkers"]["Attach"] is CONTROL  # job masters only
    colocator = TABLES["sigma.v1.Colocator"]
    assert {m for m, rule in colocator.items() if rule is not CLUSTER_READ} == {"ListPodUsage"}
    assert colocator["ListPodUsage"] is READ  # a team's own pods; every team's needs "*"
    assert TABLES["sigma.v1.Tasks"] == {"Get": READ, "List": READ, "Watch": READ}
    assert TABLES["sigma.v1.Apps"]["Scale"] is WRITE


def test_a_missing_or_unknown_rule_stops_the_server_from_being_built() -> None:
    partial = dict(TABLES["sigma.v1.Apps"])
    del partial["Scale"]
    with pytest.raises(ValueError, match=r"sigma.v1.Apps has no access rule for \['Scale'\]"):
        access_rules([Service("sigma.v1.Apps", lambda _: None, partial)], require=True)
    access_rules([Service("sigma.v1.Apps", lambda _: None, partial)], require=False)  # open
    typo = {**TABLES["sigma.v1.Apps"], "Scael": WRITE}
    with pytest.raises(ValueError, match="unknown methods"):
        access_rules([Service("sigma.v1.Apps", lambda _: None, typo)], require=False)
