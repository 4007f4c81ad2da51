from __future__ import annotations

from sigma.scheduler.batch import HeldWorker, JobMaster, JobSpec, NodeRoom, for_master, size_workers
from sigma.scheduler.batch.sizing import slot_request
from sigma.v1 import batch_pb2

GiB = 1 << 30
# One instance: half a core, 1 GiB.
INSTANCE = {"cpu_millis": 500, "memory_bytes": GiB}


def _room(node: str, cores: float, gib: int) -> NodeRoom:
    return NodeRoom(node, int(cores * 1000), gib * GiB)


def test_asks_for_workers_where_the_room_is_up_to_the_backlog() -> None:
    rooms = [_room("n1", 4, 64), _room("n2", 2, 64), _room("n3", 1, 1)]
    out = size_workers(rooms, [], backlog=10, max_slots=4, **INSTANCE)
    # n1 fits 8 slots (CPU), n2 4, n3 1 (memory): 10 wanted, most room first.
    assert out.ask == [("n1", 4), ("n1", 4), ("n2", 2)]
    assert out.resize == [] and out.release == []


def test_never_more_slots_than_backlog_nor_than_the_room() -> None:
    rooms = [_room("n1", 100, 1000)]
    assert size_workers(rooms, [], backlog=3, **INSTANCE).ask == [("n1", 3)]
    assert size_workers([_room("n1", 0.4, 8)], [], backlog=3, **INSTANCE).ask == []


def test_held_workers_are_kept_and_grown_before_new_ones_are_asked() -> None:
    held = [HeldWorker("w1", "n2", 2, busy=2)]
    rooms = [_room("n1", 8, 64), _room("n2", 2, 64)]
    out = size_workers(rooms, held, backlog=8, max_slots=4, **INSTANCE)
    # n2 affords 2 held + 4 free = 6, filled first (w1 grows to 4, a new worker of 2);
    # the last 2 of the 8 go to n1.
    assert out.resize == [("w1", 4)] and out.ask == [("n1", 2), ("n2", 2)]


def test_less_backlog_releases_idle_workers_then_shrinks_never_below_busy() -> None:
    held = [
        HeldWorker("busy", "n1", 4, busy=3),
        HeldWorker("idle", "n1", 4, busy=0),
        HeldWorker("far", "n2", 2, busy=0),
    ]
    rooms = [_room("n1", 0, 0), _room("n2", 0, 0)]
    out = size_workers(rooms, held, backlog=3, **INSTANCE)
    assert sorted(out.release) == ["far", "idle"] and out.resize == [("busy", 3)]
    out = size_workers(rooms, held, backlog=0, **INSTANCE)
    assert sorted(out.release) == ["far", "idle"] and out.resize == [("busy", 3)]


def test_room_taken_back_shrinks_the_job_on_that_node() -> None:
    held = [HeldWorker("w1", "n1", 4, busy=1), HeldWorker("w2", "n1", 4, busy=0)]
    out = size_workers([_room("n1", -2, 0)], held, backlog=100, **INSTANCE)
    # Online wants 2 cores back: 8 held - 4 slots = 4 affordable.
    assert out.release == ["w2"] and out.resize == [] and out.ask == []


def test_a_blacklisted_node_gets_nothing_and_its_idle_workers_go() -> None:
    held = [HeldWorker("w1", "bad", 2, busy=0)]
    rooms = [_room("bad", 8, 64), _room("ok", 1, 64)]
    out = size_workers(rooms, held, backlog=5, blacklisted={"bad"}, **INSTANCE)
    assert out.release == ["w1"] and out.ask == [("ok", 2)]


def _job_with_requests() -> JobMaster:
    job = batch_pb2.BatchJob()
    for name, instances, cpu, deps in (("small", 6, 250, ()), ("big", 4, 1000, ("small",))):
        task = job.spec.tasks.add(name=name, instances=instances, depends_on=deps)
        requests = task.template.containers.add(name="c").resources.requests
        requests.cpu_millis, requests.memory_bytes = cpu, GiB
    return JobMaster(JobSpec.from_proto(job))


def test_a_masters_sizing_follows_its_backlog_and_workers_with_job_wide_slots() -> None:
    m = _job_with_requests()
    assert slot_request(m) == (1000, GiB)  # the largest task's request: any instance fits
    assert for_master(m, [_room("n1", 3, 64)]).ask == [("n1", 3)]  # 3 cores: 3 slots
    m.grant("w1", "n1", 3)
    for d in m.dispatch():
        m.finished("w1", d.task, d.index, ok=True)
    assert m.backlog == 3  # "small" has 3 left; "big" waits for it
    for d in m.dispatch()[:1]:
        m.finished("w1", d.task, d.index, ok=True)
    out = for_master(m, [_room("n1", 0, 64)])
    assert (
        out.resize == [("w1", 2)] and out.release == []
    )  # backlog 2, all on w1: its idle slot goes
    m.grant("w2", "n1", 2)
    out = for_master(m, [_room("n1", 0, 64)])
    assert out.release == ["w2"] and out.resize == [("w1", 2)]  # the idle worker goes first
