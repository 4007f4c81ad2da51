"""The process runtime on this machine: real processes, placement, squeezing, adoption."""

from __future__ import annotations

import os

import psutil
from slave_helpers import BE, LS, Runtimes, run, running

from sigma.slave.runtime._port import ContainerRun, PodRun
from sigma.testing.wait import eventually

ALL = frozenset(os.sched_getaffinity(0))


async def test_exit_codes_are_reported(runtimes: Runtimes) -> None:
    rt = runtimes.new()
    await rt.start(run("ns/ok", "sh", "-c", "exit 0"))
    await rt.start(run("ns/bad", "sh", "-c", "exit 3"))
    await rt.start(run("ns/missing", "/no/such/binary"))
    done: dict[str, int | None] = {}

    def finished() -> bool:
        done.update({p.key: p.containers[0].exit_code for p in rt.poll()})
        return len(done) == 3

    await eventually(finished, timeout=5, what="three pods finished")
    assert done == {"ns/ok": 0, "ns/bad": 3, "ns/missing": 127}


async def test_env_working_dir_and_process_group(runtimes: Runtimes, tmp_path) -> None:
    rt = runtimes.new()
    out = tmp_path / "out"
    pod = PodRun(
        "ns/env",
        "u1",
        LS,
        (
            ContainerRun(
                "c",
                ("sh", "-c", f'echo "$GREETING $(pwd)" > {out}; sleep 30'),
                (("GREETING", "hello"),),
                str(tmp_path),
            ),
            ContainerRun("d", ("sleep", "30")),
        ),
        frozenset(),
    )
    state = await rt.start(pod)
    await eventually(lambda: out.exists() and out.read_text().strip() != "", timeout=5)
    assert out.read_text().split() == ["hello", str(tmp_path)]
    leader, second = state.pids
    # A group per container: one signal stops all it started, and it restarts on its own.
    assert (os.getpgid(leader), os.getpgid(second)) == (leader, second)
    stopped = await rt.stop("ns/env", grace=1.0)
    assert stopped is not None and not stopped.running and stopped.killed
    assert not running(leader)


async def test_batch_is_idle_class_pinned_squeezed_and_frozen(runtimes: Runtimes) -> None:
    rt = runtimes.new()
    state = await rt.start(run("ns/be", "sleep", "30", qos=BE, cpus=ALL))
    pid = state.pids[0]
    child = await _child(pid)
    for p in (pid, child):
        assert os.sched_getscheduler(p) == os.SCHED_IDLE
        assert os.sched_getaffinity(p) == ALL
    await rt.controls.set_cpus("ns/be", frozenset({max(ALL)}), 100)
    assert os.sched_getaffinity(child) == {max(ALL)} == os.sched_getaffinity(pid)
    await rt.controls.freeze("ns/be")
    await eventually(lambda: _frozen(rt, child), timeout=2, what="child frozen")
    await rt.controls.thaw("ns/be")
    await eventually(lambda: not _frozen(rt, child), timeout=2, what="child thawed")
    await rt.stop("ns/be", grace=0.5)
    assert not running(child)


async def test_a_new_runtime_adopts_running_pods_with_the_same_pids(runtimes: Runtimes) -> None:
    first = runtimes.new()
    started = await first.start(run("ns/long", "sleep", "30", qos=BE, cpus=ALL))
    short = await first.start(run("ns/short", "sh", "-c", "sleep 0.2; exit 4"))
    await first.close()  # the agent goes away; its pods stay
    await eventually(lambda: not running(short.pids[0]), timeout=5, what="ns/short exited")
    second = runtimes.new()
    adopted = {p.key: p for p in second.adopt()}
    assert adopted["ns/long"].running and adopted["ns/long"].pids == started.pids
    # Exited while no agent watched: still known.
    assert adopted["ns/short"].containers[0].exit_code == 4
    assert psutil.Process(started.pids[0]).is_running()
    await second.stop("ns/long", grace=0.5)


async def _child(pid: int) -> int:
    found: list[int] = []

    def has_child() -> bool:
        found[:] = [c.pid for c in psutil.Process(pid).children()]
        return bool(found)

    await eventually(has_child, timeout=5, what="wrapper started its command")
    return found[0]


def _frozen(rt, pid: int) -> bool:  # type: ignore[no-untyped-def]
    if rt.capabilities.freeze == "cgroup":
        events = (rt.cgroups.path("ns/be") / "cgroup.events").read_text()
        return "frozen 1" in events
    return psutil.Process(pid).status() == psutil.STATUS_STOPPED
