"""The pending arbiter's rows kept across ticks: always what a table built afresh would hold."""

from __future__ import annotations

import random

import numpy as np

from sigma.colocator.arbitration.table import NodeTable, empty
from sigma.colocator.arbitration.victims import BatchPod, NodeRoom, Rooms
from sigma.colocator.capacity.formula import Res

NOW = 10_000.0
STALE = 120.0


def room(name: str, online: int, *batch: tuple[str, int]) -> NodeRoom:
    pods = tuple(BatchPod(f"{name}/{k}", 0, NOW - 60, Res(cpu, 0)) for k, cpu in batch)
    return NodeRoom(name, Res(10_000, 100), Res(online, 0), pods)


def rows(rooms: Rooms) -> np.ndarray:
    return np.hstack([rooms.left, rooms.used, rooms.evictable])


def afresh(table: NodeTable) -> Rooms:
    """The rows a tick would build from scratch: every node as last measured."""
    return Rooms([table.held[n][1] if n in table.held else empty(n) for n in table.names])


def test_put_drop_take_and_restore_keep_the_rows_those_of_a_fresh_table() -> None:
    rng = random.Random(7)
    names = [f"n{i:02}" for i in range(12)]
    table = NodeTable(reversed(names), {})
    assert table.names == names  # name order, whatever order the nodes came in
    assert not table.valid(NOW, STALE).any()  # nothing measured: no row counts
    for step in range(300):
        name = rng.choice(names)
        what = rng.random()
        if what < 0.6:
            batch = [(f"b{step}-{j}", rng.randrange(0, 4000)) for j in range(rng.randrange(4))]
            table.put(name, NOW - rng.randrange(0, 200), room(name, rng.randrange(9000), *batch))
        elif what < 0.7:
            table.drop(name)
        else:
            plan = table.rooms.plan(Res(rng.randrange(500, 6000), 0), NOW)
            if plan is not None:
                table.take(plan)
                taken = table.rooms.index[plan.node]
                assert len(table.rooms.rooms[taken].batch) < len(table.held[plan.node][1].batch)
            table.restore()  # the next tick
        want = afresh(table)
        assert table.rooms.rooms == want.rooms, step
        assert (rows(table.rooms) == rows(want)).all(), step
        valid = [n in table.held and NOW - table.held[n][0] <= STALE for n in names]
        assert table.valid(NOW, STALE).tolist() == valid, step


def test_a_plan_sees_a_node_measured_again() -> None:
    table = NodeTable(["a", "b"], {})
    table.put("a", NOW, room("a", 4000, ("x", 5000)))
    table.put("b", NOW, room("b", 9500))
    valid = table.valid(NOW, STALE)
    plan = table.rooms.plan(Res(3000, 0), NOW, valid)
    assert plan is not None and plan.node == "a"
    table.put("a", NOW, room("a", 4000, ("x", 500)))  # its batch shrank: the pod fits now
    assert table.rooms.plan(Res(3000, 0), NOW, valid) is None


def test_a_taken_row_is_given_back_at_the_next_tick() -> None:
    table = NodeTable(["a"], {})
    table.put("a", NOW, room("a", 4000, ("x", 3000), ("y", 3000)))
    plan = table.rooms.plan(Res(3000, 0), NOW)
    assert plan is not None
    table.take(plan)
    assert table.rooms.plan(Res(3000, 0), NOW) is None  # the taken victim is counted gone
    table.restore()
    again = table.rooms.plan(Res(3000, 0), NOW)
    assert again is not None and again.victims == plan.victims


def test_a_row_goes_stale_with_its_report() -> None:
    table = NodeTable(["a"], {"a": (NOW, room("a", 0))})  # carried over from an older table
    assert table.valid(NOW + STALE, STALE).tolist() == [True]
    assert table.valid(NOW + STALE + 1, STALE).tolist() == [False]
    table.drop("a")
    assert table.valid(NOW, STALE).tolist() == [False]


def test_admit_masks_are_kept_per_shape_until_forgotten() -> None:
    zone = {"a": "z1", "b": "z2"}
    table = NodeTable(["a", "b"], {})
    assert table.admitted("z1", lambda n: zone[n] == "z1").tolist() == [True, False]
    zone["b"] = "z1"  # a node's labels changed ...
    assert table.admitted("z1", lambda n: zone[n] == "z1").tolist() == [True, False]
    table.forget_admits()  # ... and the table was told
    assert table.admitted("z1", lambda n: zone[n] == "z1").tolist() == [True, True]


def test_the_state_moves_with_every_change_a_plan_could_see() -> None:
    table = NodeTable(["a", "b"], {})
    states = [table.state]

    def moved() -> bool:
        states.append(table.state)
        return states[-1] != states[-2]

    table.valid(NOW, STALE)
    assert moved()  # the first validity seen
    table.valid(NOW + 1, STALE)
    assert not moved()  # the same rows valid: nothing a plan reads changed
    table.put("a", NOW, room("a", 4000, ("x", 5000)))
    assert moved()
    table.valid(NOW, STALE)
    assert moved()  # "a" counts now
    table.valid(NOW + STALE + 1, STALE)
    assert moved()  # ... and no longer, its report gone stale
    table.valid(NOW, STALE)
    assert moved()
    plan = table.rooms.plan(Res(3000, 0), NOW)
    assert plan is not None
    table.take(plan)
    assert moved()
    table.restore()
    assert moved()
    table.restore()  # nothing taken since
    assert not moved()
    table.forget_admits()
    assert moved()
    table.drop("b")
    assert moved()
    assert NodeTable(["a", "b"], table.held).state != table.state  # a new table: a new state
