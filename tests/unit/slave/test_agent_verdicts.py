"""A pod's end (finished, evicted) reaches the store even if the store refused it at first.

The runtime forgets a pod once it ended, so the agent alone remembers the verdict; a write lost
to a store outage must be made again by a later pass, or the pod shows RUNNING for good (its
job never completes, its room is never released).
"""

from __future__ import annotations

from typing import Any

import pytest

from sigma.errors import Unavailable
from sigma.slave.qos.model import Action, ActionKind
from sigma.v1 import pod_pb2

from ._agent import BE, Rig, make_pod

DURATION = "sigma.io/duration"


def _store_down(r: Rig, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every pod status write fail; the refused pod keys, in order."""
    refused: list[str] = []

    async def refuse(namespace: str, name: str, change: Any) -> pod_pb2.Pod:
        refused.append(f"{namespace}/{name}")
        raise Unavailable("store restarting")

    monkeypatch.setattr(r.control, "update_pod", refuse)
    return refused


async def test_finished_status_refused_is_written_by_a_later_pass(
    r: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    await r.pods.create(make_pod("job", BE, **{DURATION: "2"}))
    await r.sync(1)
    with monkeypatch.context() as m:
        refused = _store_down(r, m)
        r.clock.advance(2)
        await r.converge()
        assert set(refused) == {"team/job"} and r.runtime.pods() == {}
    assert (await r.status("job")).phase == pod_pb2.POD_PHASE_RUNNING
    await r.converge()  # the store is back
    job = await r.status("job")
    assert (job.phase, job.reason) == (pod_pb2.POD_PHASE_SUCCEEDED, "Completed")
    assert r.runtime.pods() == {}  # written, not run again


async def test_evicted_status_refused_is_written_by_a_later_pass(
    r: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    await r.pods.create(make_pod("job", BE))
    await r.sync(1)
    with monkeypatch.context() as m:
        refused = _store_down(r, m)
        await r.agent.executor.apply([Action(ActionKind.EVICT, "team/job", "OnlineStarved", "x")])
        await r.agent.pods.settle()
        assert refused == ["team/job"]
    await r.converge()
    job = await r.status("job")
    assert (job.phase, job.reason) == (pod_pb2.POD_PHASE_EVICTED, "OnlineStarved")
    assert r.runtime.pods() == {}
