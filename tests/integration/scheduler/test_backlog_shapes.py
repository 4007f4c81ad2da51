"""A backlog of like pods: one framework run per shape and round, the same verdict for all."""

from __future__ import annotations

from sigma.scheduler.loop import Scheduler
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from tests.integration.scheduler._seed import MiB, make_node, make_pod, put_node, put_pod


async def test_like_pods_that_fit_nowhere_cost_one_attempt_per_round() -> None:
    store = MemoryStore()
    await put_node(store, make_node("n1", 4000, 4096 * MiB))
    for i in range(30):
        await put_pod(store, make_pod(f"big-{i}", 8000, 64 * MiB, qos=4))
    await put_pod(store, make_pod("small", 500, 64 * MiB, qos=4))
    sched = Scheduler(store)
    runs = 0
    schedule = sched.framework.schedule

    def counted(*args: object) -> object:
        nonlocal runs
        runs += 1
        return schedule(*args)  # type: ignore[arg-type]

    sched.framework.schedule = counted  # type: ignore[method-assign]
    tasks = await sched.start()
    try:
        await eventually(lambda: len(sched.pending()) == 31, what="the pods queued")
        groups, tried = sched.decide_round()
    finally:
        for task in tasks:
            task.cancel()
    assert tried == 31 and runs == 2  # one 8-core verdict shared by 30 pods, one for "small"
    assert [e.pod.key for g in groups.values() for e in g.entries] == ["t/small"]
    waiting = {e.pod.key: e.last for e in sched.pending()}
    assert len(waiting) == 30 and len({s.message() for s in waiting.values() if s}) == 1
    assert "cpu" in next(iter(waiting.values())).message().lower()  # type: ignore[union-attr]
