"""The slave's self-fence: the settings' bound, the state's decisions, and the agent acting on
them over the simulated runtime (a partition is a lease that is not renewed)."""

from __future__ import annotations

import asyncio

import pytest

from sigma.bus.memory import MemoryBus
from sigma.errors import Invalid
from sigma.slave import fence
from sigma.slave.fence import Floor, SelfFence
from sigma.slave.settings import SlaveSettings
from sigma.slave.tier import build
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.tiers import Context

from ._agent import BE, LS, Rig, make_pod


@pytest.mark.parametrize(
    ("fence_after", "ttl", "grace", "field"),
    [
        (45.0, 15, 30.0, "fence_after"),  # equal to the lease + grace: refused
        (60.0, 15, 30.0, "fence_after"),
        (0.0, 15, 30.0, "fence_after"),
        (-1.0, 15, 30.0, "fence_after"),
        (10.0, 15, -1.0, "node_grace"),
    ],
)
def test_settings_that_would_let_a_pod_run_twice_unbounded_are_refused(
    fence_after: float, ttl: int, grace: float, field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        fence.check(fence_after, ttl, grace)
    assert refused.value.field == field


def test_the_refusal_names_the_setting_and_the_limit() -> None:
    with pytest.raises(Invalid, match=r"fence_after: 50 s must be shorter than .* = 45 s"):
        fence.check(50.0, 15, 30.0)
    fence.check(44.9, 15, 30.0)  # just under: accepted
    fence.check(30.0, 15, 30.0)


@pytest.mark.parametrize(
    ("fence_after", "stop", "bound"),
    [(30.0, 10.0, 0.0), (40.0, 5.0, 0.0), (40.0, 10.0, 5.0), (44.0, 10.0, 9.0)],
)
def test_double_run_bound(fence_after: float, stop: float, bound: float) -> None:
    assert fence.double_run_bound(fence_after, 15, 30.0, stop) == pytest.approx(bound)


def test_the_fence_goes_up_after_fence_after_without_a_renewal_and_lifts_on_one() -> None:
    f = SelfFence(fence_after=4.0)
    assert not f.should_fence(1e9)  # never renewed: nothing the masters could move runs yet
    f.renewed(100.0)
    assert not f.should_fence(103.9) and f.should_fence(104.0)
    f.up(104.0)
    assert f.fenced and not f.should_fence(200.0) and not f.should_lift(200.0)
    f.renewed(99.0)  # a late answer to an older renewal moves nothing
    assert f.renewed_at == 100.0 and not f.should_lift(200.0)
    f.renewed(199.0)
    assert f.should_lift(200.0)
    f.down()
    assert not f.fenced and f.times == 1


def test_a_lifted_fence_trusts_only_what_the_store_said_or_newer_copies() -> None:
    floor = Floor(revision=50, here={"team/web": "u1"})
    assert floor.trusted("team/web", "u1", 10)  # read here: runs
    assert not floor.trusted("team/web", "u2", 10)  # another incarnation, an older copy
    assert not floor.trusted("team/gone", "u3", 49)  # the view has not caught up: held back
    assert floor.trusted("team/new", "u4", 51)  # bound here after the read


async def test_settings_with_too_long_a_fence_stop_the_tier_from_building() -> None:
    settings = SlaveSettings(node="n1", fence_after=40.0, heartbeat_ttl=5, node_grace=30.0)
    ctx = Context(MemoryStore(), MemoryBus(), settings=settings)
    with pytest.raises(Invalid, match="fence_after"):
        await build(ctx)


async def test_a_node_that_cannot_renew_stops_every_pod_and_restarts_only_those_still_here(
    r: Rig,
) -> None:
    await r.pods.create(make_pod("web", LS))
    await r.pods.create(make_pod("moved", LS))
    await r.pods.create(make_pod("job", BE))
    await r.sync(3)
    assert set(r.runtime.pods()) == {"team/web", "team/moved", "team/job"}
    await r.agent.check_fence()
    assert not r.agent.fence.fenced  # just renewed at start
    r.clock.advance(r.agent.config.fence_after)  # the lease went unrenewed that long
    await r.agent.check_fence()
    assert r.agent.fence.fenced
    await r.agent.pods.settle()
    await r.converge()
    assert r.runtime.pods() == {}  # online and batch alike, and nothing restarted
    # Partitioned: the view stops following the store, where the masters move a pod away.
    await r.close()
    moved = await r.pods.get("team", "moved")
    moved.spec.node_name = "n2"
    await r.pods.update(moved)
    await r.agent.beat()  # the masters hear us again
    await r.agent.check_fence()
    assert not r.agent.fence.fenced
    assert {p.meta.name for p in r.control.my_pods()} == {"web", "moved", "job"}  # stale view
    await r.converge()
    assert set(r.runtime.pods()) == {"team/web", "team/job"}  # the moved pod stays stopped
    r.watcher = asyncio.ensure_future(r.control.watch_pods(lambda: None))
    await eventually(lambda: len(r.control.my_pods()) == 2, timeout=2)
    await r.converge()
    assert set(r.runtime.pods()) == {"team/web", "team/job"} and r.agent._floor is None
