from sigma.scheduler.framework import ClusterEvent, Code, SchedulingQueue, Status, Where
from sigma.testing.clock import ManualClock
from tests.unit.scheduler._cluster import pod


def _queue(clock: ManualClock, **kw: object) -> SchedulingQueue:
    wakes = lambda plugins, event: event is ClusterEvent.ROOM_FREED and "ResourceFit" in plugins  # noqa: E731
    return SchedulingQueue(clock, wakes=wakes, **kw)  # type: ignore[arg-type]


def test_pops_by_priority_then_online_before_batch_then_arrival() -> None:
    q = _queue(ManualClock())
    q.add(pod("a/low", priority=1))
    q.add(pod("a/batch", priority=5, qos=4))
    q.add(pod("a/high", priority=5))
    q.add(pod("a/low2", priority=1))
    order = [q.pop().pod.key for _ in range(4)]  # type: ignore[union-attr]
    assert order == ["a/high", "a/batch", "a/low", "a/low2"]
    assert q.pop() is None


def test_conflict_backs_off_exponentially_on_the_clock() -> None:
    clock = ManualClock()
    q = _queue(clock, initial_backoff=1.0)
    q.add(pod("a/p"))
    entry = q.pop()
    q.failed(entry, Status(Code.CONFLICT))  # type: ignore[arg-type]
    assert q.pop() is None and q.next_ready_at() == 1.0
    clock.advance(1.0)
    entry = q.pop()
    assert entry is not None and entry.attempts == 2
    q.failed(entry, Status(Code.CONFLICT))
    clock.advance(1.5)
    assert q.pop() is None
    clock.advance(0.5)
    assert q.pop() is not None


def test_unschedulable_waits_for_an_event_its_rejecting_plugin_cares_about() -> None:
    clock = ManualClock()
    q = _queue(clock, initial_backoff=0.5, unschedulable_timeout=60)
    q.add(pod("a/p"))
    entry = q.pop()
    q.failed(entry, Status.fail("ResourceFit", "Insufficient cpu"))  # type: ignore[arg-type]
    assert q.pending()[0].where is Where.UNSCHEDULABLE
    assert q.on_event(ClusterEvent.NODE_DELETE) == 0
    assert q.on_event(ClusterEvent.ROOM_FREED) == 1
    clock.advance(0.5)
    assert q.pop() is not None


def test_unschedulable_retried_after_timeout_and_unresolvable_ignores_events() -> None:
    clock = ManualClock()
    q = _queue(clock, initial_backoff=0.1, unschedulable_timeout=30)
    q.add(pod("a/p"))
    q.failed(q.pop(), Status.fail("ResourceFit", "x", Code.UNRESOLVABLE))  # type: ignore[arg-type]
    assert q.on_event(ClusterEvent.ROOM_FREED) == 0
    clock.advance(30)
    q.flush()
    clock.advance(1)
    assert q.pop() is not None


def test_update_while_in_flight_keeps_the_newer_copy_and_delete_drops() -> None:
    q = _queue(ManualClock())
    q.add(pod("a/p", cpu=1))
    entry = q.pop()
    q.add(pod("a/p", cpu=2))
    q.failed(entry, Status(Code.CONFLICT))  # type: ignore[arg-type]
    again = q.pop()
    assert again is not None and again.pod.cpu == 2
    q.add(pod("a/q"))
    q.delete("a/q")
    assert q.pop() is None and len(q) == 0


def test_backoff_of_a_pod_tried_thousands_of_times_stays_at_the_cap() -> None:
    clock = ManualClock()
    q = _queue(clock, initial_backoff=0.1, max_backoff=10.0)
    q.add(pod("a/p"))
    entry = q.pop()
    assert entry is not None
    entry.attempts = 5000  # a pod that waited for days; 2.0 ** 4999 overflows a float
    q.failed(entry, Status(Code.CONFLICT))
    assert q.next_ready_at() == 10.0


def _shaped(clock: ManualClock) -> SchedulingQueue:
    return _queue(clock, initial_backoff=0.0, shape_of=lambda p: (p.cpu, p.mem))


def _fail_all(q: SchedulingQueue) -> int:
    tried = 0
    while (entry := q.pop()) is not None:
        tried += 1
        q.failed(entry, Status.fail("ResourceFit", "Insufficient cpu"))
    return tried


def test_like_pods_wait_behind_one_head_and_follow_it_when_it_fits() -> None:
    clock = ManualClock()
    q = _shaped(clock)
    for i in range(100):
        q.add(pod(f"a/like-{i:03}"))
    q.add(pod("a/other", cpu=2000))
    assert _fail_all(q) == 101
    assert len(q) == 101
    assert sorted(e.where for e in q.pending()).count(Where.PARKED) == 99
    assert q.on_event(ClusterEvent.ROOM_FREED) == 2  # one head per shape, not 101 pods
    assert _fail_all(q) == 2  # each head fails again; the pod made ready behind it waits on
    assert q.on_event(ClusterEvent.ROOM_FREED) == 2
    order = []
    while (entry := q.pop()) is not None:  # room for everything: each fit
        order.append(entry.pod.key)  # lets the next of its shape follow
    assert len(order) == 101 and len(q) == 0
    likes = [k for k in order if k.startswith("a/like")]
    assert likes == sorted(likes) and len(likes) == 100  # in the order they came


def test_a_fitting_shape_keeps_its_place_in_line_pod_after_pod() -> None:
    """Heads of two shapes woken by one event: the pod made ready behind the first head is
    tried next, before the second head, as it would be if the pods had not been parked (woken
    together, like pods stand side by side in line). A pod made ready at the back instead
    would hand every freed room to a new shape each time: one pod per shape per turn, which
    favours shapes of long-running pods over those of short ones."""
    q = _shaped(ManualClock())
    for shape, cpu in (("a", 1000), ("b", 2000)):
        for i in range(3):
            q.add(pod(f"a/{shape}{i}", cpu=cpu))
    assert _fail_all(q) == 6
    assert q.on_event(ClusterEvent.ROOM_FREED) == 2
    order = [e.pod.key for e in iter(q.pop, None)]  # each fits
    assert order == ["a/a0", "a/a1", "a/a2", "a/b0", "a/b1", "a/b2"]


def test_a_deleted_or_changed_head_hands_over_to_the_next_of_its_shape() -> None:
    q = _shaped(ManualClock())
    for i in range(3):
        q.add(pod(f"a/p{i}"))
    _fail_all(q)
    head = [e.pod.key for e in q.pending() if e.where is Where.UNSCHEDULABLE]
    assert head == ["a/p0"]
    q.delete("a/p0")
    entry = q.pop()
    assert entry is not None and entry.pod.key == "a/p1"  # ready once the head went
    q.failed(entry, Status.fail("ResourceFit", "x"))
    q.add(pod("a/p1", cpu=5000))  # the head changes shape: p2 must not stay parked behind it
    assert {e.pod.key for e in q.pending() if e.where is Where.PARKED} == set()
    assert sorted(e.pod.key for e in iter(q.pop, None)) == ["a/p1", "a/p2"]


def test_pods_without_a_shape_each_wait_on_their_own() -> None:
    q = _queue(ManualClock(), initial_backoff=0.0, shape_of=lambda p: None)
    for i in range(5):
        q.add(pod(f"a/p{i}"))
    assert _fail_all(q) == 5
    assert q.on_event(ClusterEvent.ROOM_FREED) == 5


def test_changed_rules_wake_a_pod_the_interference_filter_ruled_out_everywhere() -> None:
    from sigma.scheduler.plugins.registry import build, wakes

    q = SchedulingQueue(ManualClock(), wakes=wakes(build(None)), initial_backoff=0.1)
    q.add(pod("a/p"))
    q.failed(q.pop(), Status.fail("Interference", "x", Code.UNRESOLVABLE))  # type: ignore[arg-type]
    assert q.on_event(ClusterEvent.ROOM_FREED) == 0  # no node would do, whatever room frees
    assert q.on_event(ClusterEvent.RULES_UPDATE) == 1
    q.add(pod("a/q"))
    q.failed(q.pop(), Status.fail("ResourceFit", "x", Code.UNRESOLVABLE))  # type: ignore[arg-type]
    assert q.on_event(ClusterEvent.RULES_UPDATE) == 0  # not a pod a rule held back
