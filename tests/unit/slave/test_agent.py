"""The agent's loop over the simulated runtime: register, converge, report, evict, drain."""

from __future__ import annotations

import asyncio

from sigma.bus import Message
from sigma.events import DECISIONS_TOPIC, NODE_USAGE_TOPIC
from sigma.resources.heartbeats import heartbeat_key
from sigma.slave.drain import drain
from sigma.slave.qos.model import Action, ActionKind
from sigma.testing.wait import eventually
from sigma.v1 import event_pb2, node_pb2, pod_pb2

from ._agent import BE, LS, LSE, Rig, make_pod

DURATION, EXIT = "sigma.io/duration", "sigma.io/exit-code"


async def test_registers_its_node_with_capacity_topology_and_heartbeat(r: Rig) -> None:
    node = await r.nodes.get("", "n1")
    assert node.spec.capacity.cpu_millis == 8000 and node.spec.cpu_count == 8
    assert node.spec.topology.host == "n1" and node.meta.labels["zone"] == "a"
    assert node.status.phase == node_pb2.NODE_PHASE_READY
    beat = await r.store.get(heartbeat_key("n1"))
    assert beat is not None and beat.lease == r.control.lease.id > 0
    await r.store.revoke_lease(r.control.lease.id)  # the lease lapsed: the next beat renews
    await r.control.lease.beat()
    beat = await r.store.get(heartbeat_key("n1"))
    assert beat is not None and beat.lease == r.control.lease.id


async def test_places_by_qos_and_reports_running_with_cpusets(r: Rig) -> None:
    for p in (make_pod("lse", LSE, cpu=2000), make_pod("web", LS), make_pod("job", BE)):
        await r.pods.create(p)
    await r.sync(3)
    got = {n: (await r.status(n)) for n in ("lse", "web", "job")}
    assert {n: (s.phase, s.cpuset) for n, s in got.items()} == {
        "lse": (pod_pb2.POD_PHASE_RUNNING, "6-7"),
        "web": (pod_pb2.POD_PHASE_RUNNING, "0-5"),
        "job": (pod_pb2.POD_PHASE_RUNNING, "0-5"),  # batch never on the LSE CPUs
    }
    assert all(s.node_name == "n1" and s.start_time.seconds for s in got.values())
    version = (await r.pods.get("team", "web")).meta.resource_version
    await r.converge()  # level-triggered: nothing changed, nothing written
    assert (await r.pods.get("team", "web")).meta.resource_version == version


async def test_reports_exit_codes_and_ignores_other_nodes_pods(r: Rig) -> None:
    await r.pods.create(make_pod("ok", BE, **{DURATION: "2"}))
    await r.pods.create(make_pod("bad", BE, **{DURATION: "5", EXIT: "3"}))
    await r.pods.create(make_pod("elsewhere", BE, node="n2"))
    await r.sync(2)
    assert "team/elsewhere" not in r.runtime.pods()
    r.clock.advance(2)
    await r.converge()
    ok = await r.status("ok")
    assert (ok.phase, ok.exit_code, ok.reason) == (pod_pb2.POD_PHASE_SUCCEEDED, 0, "Completed")
    r.clock.advance(3)
    await r.converge()
    bad = await r.status("bad")
    assert (bad.phase, bad.exit_code, bad.reason) == (pod_pb2.POD_PHASE_FAILED, 3, "Error")
    assert bad.finish_time.seconds and r.runtime.pods() == {}


async def test_deleted_pods_are_stopped_then_removed(r: Rig) -> None:
    await r.pods.create(make_pod("web", LS))
    await r.sync(1)
    web = await r.pods.get("team", "web")
    web.meta.deletion_timestamp.FromSeconds(1)
    await r.pods.update(web)
    await eventually(lambda: r.control.my_pods()[0].meta.HasField("deletion_timestamp"))
    await r.converge()
    assert await r.pods.find("team", "web") is None
    assert r.runtime.pods() == {}


async def test_evictions_go_through_the_executor_and_are_reported(r: Rig) -> None:
    await r.pods.create(make_pod("job", BE))
    await r.sync(1)
    await r.agent.executor.apply([Action(ActionKind.EVICT, "team/job", "OnlineStarved", "x")])
    await r.agent.pods.settle()
    job = await r.status("job")
    assert (job.phase, job.reason) == (pod_pb2.POD_PHASE_EVICTED, "OnlineStarved")
    await r.converge()  # an evicted pod is not restarted
    assert r.runtime.pods() == {}
    async with await r.bus.consumer("t", [DECISIONS_TOPIC]) as c:
        msgs = await c.fetch(timeout=0.2)
    assert [(m.key, event_pb2.ColocationDecision.FromString(m.value).target) for m in msgs] == [
        ("n1", "team/job")
    ]


async def _one_usage_report(r: Rig) -> Message:
    """Run an online and a batch pod, sample, publish once; the report as the bus carries it."""
    await r.pods.create(make_pod("web", LS, cpu=1000))
    await r.pods.create(make_pod("job", BE, cpu=2000))
    await r.sync(2)
    await r.agent.host.observe()
    await r.agent.publish_usage()
    async with await r.bus.consumer("t", [NODE_USAGE_TOPIC]) as c:
        [msg] = await c.fetch(timeout=0.5)
    return msg


async def test_usage_report_on_the_bus_keyed_by_node(r: Rig) -> None:
    msg = await _one_usage_report(r)
    report = event_pb2.NodeUsageReport.FromString(msg.value)
    assert msg.key == "n1"
    assert msg.header("content-type") == (
        b"application/x-protobuf; messageType=sigma.v1.NodeUsageReport"
    )
    u = report.usage
    assert (u.online_cpu_millis, u.batch_cpu_millis) == (500, 1000)  # flat profile: 50%
    assert u.cpu_millis == u.online_cpu_millis + u.batch_cpu_millis + u.system_cpu_millis
    assert [p.pod_key for p in report.pods] == ["team/job", "team/web"]
    assert report.capacity.cpu_millis == 8000


async def test_usage_recorded_in_the_node_at_most_every_interval(r: Rig) -> None:
    def others(node: node_pb2.Node) -> None:  # what the colocator and the scheduler write
        node.status.batch_capacity.cpu_millis = 3000
        node.status.batch_capacity_updated_at.seconds = 77
        node.status.allocated.online.cpu_millis = 1000

    await r.nodes.mutate("", "n1", others)
    msg = await _one_usage_report(r)
    node = await r.nodes.get("", "n1")
    assert node.status.usage == event_pb2.NodeUsageReport.FromString(msg.value).usage
    assert (node.status.usage.online_cpu_millis, node.status.usage.batch_cpu_millis) == (500, 1000)
    assert node.status.usage.sampled_at.seconds > 0
    assert node.status.batch_capacity.cpu_millis == 3000
    assert node.status.batch_capacity_updated_at.seconds == 77
    assert node.status.allocated.online.cpu_millis == 1000
    assert node.status.phase == node_pb2.NODE_PHASE_READY and node.spec.cpu_count == 8

    written = node.meta.resource_version
    await r.agent.publish_usage()  # within the interval: the bus hears it, the Node does not
    assert (await r.nodes.get("", "n1")).meta.resource_version == written
    await r.pods.create(make_pod("api", LS, cpu=1000))
    await r.sync(3)
    r.clock.advance(r.agent.config.usage_interval)
    await r.agent.host.observe()
    await r.agent.publish_usage()
    later = await r.nodes.get("", "n1")
    assert later.meta.resource_version > written
    assert later.status.usage.online_cpu_millis == 1000
    assert later.status.batch_capacity.cpu_millis == 3000


async def test_drain_cordons_and_evicts_batch_first(r: Rig) -> None:
    await r.pods.create(make_pod("web", LS))
    await r.pods.create(make_pod("job", BE))
    await r.sync(2)
    evicted, left = await drain(r.agent, "Maintenance", batch_only=True, grace=0.1, timeout=2)
    assert (evicted, left) == (["team/job"], [])
    assert (await r.nodes.get("", "n1")).spec.unschedulable
    assert (await r.status("job")).reason == "Maintenance"
    assert (await r.status("web")).phase == pod_pb2.POD_PHASE_RUNNING

    async def converging() -> None:  # the agent's loop, which stops what the eviction marks
        while True:
            await r.agent.converge()
            await asyncio.sleep(0.01)

    loop = asyncio.ensure_future(converging())
    try:
        evicted, _ = await drain(r.agent, "Maintenance", batch_only=False, grace=0.1, timeout=2)
    finally:
        loop.cancel()
    assert evicted == ["team/web"]
    assert await r.pods.find("team", "web") is None  # stopped, then removed from the store
