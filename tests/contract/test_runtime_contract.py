"""The runtime port's contract, one suite for the process runtime and for containerd.

What the agent relies on, whatever runs its pods: exits reported with their codes (and at
once, through ``on_exit``), the variables every container gets, logs per run, restart in place
as the next attempt keeping the run before it, a container killed for a reason while its
siblings run on, a pod's stop, exec for probes, freezing, narrowing the CPU set, and adoption
by a restarted agent without a second copy of anything.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import replace

from _runtimes import ALL, Backend

from sigma.slave.runtime._port import Runtime
from sigma.testing.wait import eventually

SLEEP = "sleep 30"
# Leaves at once on SIGTERM, in both backends. A short sleep in the foreground, not one long one
# in the background: a background child forked as the signal comes can miss it and outlive the
# shell, and the process runtime waits for the container's whole process group.
TRAP = 'trap "exit 0" TERM; while :; do sleep 0.1; done'


async def _exited(rt: Runtime, key: str, name: str = "main") -> int:
    def code() -> int | None:
        rt.poll()
        c = rt.pods()[key].container(name)
        return None if c is None or c.running else c.exit_code

    got = await eventually(lambda: code() is not None, timeout=10, what=f"{key} exited")
    assert got
    exit_code = code()
    assert exit_code is not None
    return exit_code


async def test_exit_codes_are_reported_at_once(backend_runtime: Backend) -> None:
    rt = await backend_runtime.new()
    woken = asyncio.Event()
    rt.on_exit(woken.set)
    await rt.start(backend_runtime.run("ns/ok", ("main", "exit 0")))
    await rt.start(backend_runtime.run("ns/bad", ("main", "sleep 0.2; exit 3")))
    began = time.monotonic()
    await asyncio.wait_for(woken.wait(), 5)
    assert time.monotonic() - began < 2.0
    assert await _exited(rt, "ns/ok") == 0
    assert await _exited(rt, "ns/bad") == 3
    bad = rt.pods()["ns/bad"].containers[0]
    assert (bad.signal, bad.killed, bad.attempt) == (0, False, 0)


async def test_a_killed_process_is_reported_with_its_signal(backend_runtime: Backend) -> None:
    rt = await backend_runtime.new()
    pod = await rt.start(backend_runtime.run("ns/victim", ("main", SLEEP)))
    os.kill(pod.pids[0], signal.SIGKILL)
    assert await _exited(rt, "ns/victim") == 137
    assert rt.pods()["ns/victim"].containers[0].signal == 9


async def test_every_container_gets_its_env_working_dir_and_a_log(
    backend_runtime: Backend,
) -> None:
    rt = await backend_runtime.new()
    script = 'echo "$GREETING $SIGMA_POD $SIGMA_CONTAINER $(pwd)"; sleep 30'
    run = backend_runtime.run("ns/env", ("main", script))
    main = replace(run.containers[0], env=(("GREETING", "hello"),), working_dir="/tmp")
    run = replace(run, containers=(main,))
    await rt.start(run)

    def logged() -> str:
        path = rt.log_path("ns/env", "main", 0)
        return path.read_text() if path is not None else ""

    text = await eventually(logged, timeout=5, what="the container's log")
    assert "hello ns/env main /tmp" in text
    assert rt.log_path("ns/env", "main", 1) is None


async def test_a_restart_is_the_next_attempt_keeping_the_one_before(
    backend_runtime: Backend,
) -> None:
    rt = await backend_runtime.new()
    await rt.start(backend_runtime.run("ns/crash", ("main", "echo run; exit 3")))
    assert await _exited(rt, "ns/crash") == 3
    again = await rt.restart("ns/crash", "main")
    assert again.attempt == 1 and again.previous is not None
    assert again.previous.exit_code == 3 and again.previous.attempt == 0
    assert rt.pods()["ns/crash"].containers[0] is again
    assert await _exited(rt, "ns/crash") == 3
    third = await rt.restart("ns/crash", "main")
    assert third.attempt == 2 and third.previous is not None and third.previous.attempt == 1
    # This run's log and the one before it are kept; older ones go.
    assert rt.log_path("ns/crash", "main", 1) is not None
    assert rt.log_path("ns/crash", "main", 0) is None


async def test_restarting_a_running_container_changes_nothing(backend_runtime: Backend) -> None:
    rt = await backend_runtime.new()
    pod = await rt.start(backend_runtime.run("ns/up", ("main", SLEEP)))
    same = await rt.restart("ns/up", "main")
    assert same.attempt == 0 and same.pid == pod.pids[0]


async def test_a_kill_stops_one_container_for_a_reason(backend_runtime: Backend) -> None:
    rt = await backend_runtime.new()
    await rt.start(backend_runtime.run("ns/two", ("a", TRAP), ("b", SLEEP)))
    began = time.monotonic()
    await rt.kill("ns/two", "a", 5.0, "LivenessProbeFailed")
    assert time.monotonic() - began < 4.0  # it left on SIGTERM, not at the grace's end
    pod = rt.pods()["ns/two"]
    a, b = pod.containers
    assert not a.running and a.killed and a.reason == "LivenessProbeFailed"
    assert b.running and pod.running and not pod.killed


async def test_a_stop_takes_every_container_down(backend_runtime: Backend) -> None:
    rt = await backend_runtime.new()
    started = await rt.start(backend_runtime.run("ns/web", ("a", SLEEP), ("b", TRAP)))
    pids = started.pids
    stopped = await rt.stop("ns/web", grace=0.5)
    assert stopped is not None and stopped.killed and not stopped.running
    assert all(c.killed and c.exit_code is not None for c in stopped.containers)
    await eventually(lambda: not any(_alive(p) for p in pids), timeout=5, what="processes gone")
    assert await rt.stop("ns/nothing", grace=0.5) is None
    rt.forget("ns/web")
    assert "ns/web" not in rt.pods()


async def test_exec_runs_in_the_container_with_its_exit_code(backend_runtime: Backend) -> None:
    rt = await backend_runtime.new()
    await rt.start(backend_runtime.run("ns/probed", ("main", SLEEP)))
    done = await rt.exec("ns/probed", "main", ("sh", "-c", "echo $SIGMA_CONTAINER; exit 4"), 5)
    assert (done.exit_code, done.output.strip()) == (4, b"main")
    slow = await rt.exec("ns/probed", "main", ("sleep", "10"), 1.0)
    assert slow.exit_code == 124


async def test_freeze_stops_the_pods_cpu_and_thaw_resumes_it(backend_runtime: Backend) -> None:
    rt = await backend_runtime.new()
    await rt.start(backend_runtime.run("ns/busy", ("main", "while :; do :; done")))

    async def cpu(seconds: float = 0.4) -> int:
        rt.controls.sample()
        await asyncio.sleep(seconds)
        return rt.controls.sample().pods["ns/busy"].cpu_millis

    await eventually(lambda: cpu(0.2), timeout=5, what="the pod uses CPU")
    await rt.controls.freeze("ns/busy")
    assert rt.pods()["ns/busy"].frozen
    assert await cpu() < 50
    await rt.controls.thaw("ns/busy")
    assert not rt.pods()["ns/busy"].frozen
    assert await eventually(lambda: cpu(0.2), timeout=5, what="CPU again after the thaw")


async def test_set_cpus_narrows_where_the_pod_runs(backend_runtime: Backend) -> None:
    rt = await backend_runtime.new()
    pod = await rt.start(backend_runtime.run("ns/narrow", ("main", SLEEP)))
    one = frozenset({max(ALL)})
    await rt.controls.set_cpus("ns/narrow", one, 500)
    assert rt.pods()["ns/narrow"].cpus == one
    assert _allowed(pod.pids[0]) == one


async def test_a_new_runtime_adopts_what_runs_and_what_ended(backend_runtime: Backend) -> None:
    first = await backend_runtime.new()
    long = await first.start(backend_runtime.run("ns/long", ("main", SLEEP)))
    short = await first.start(backend_runtime.run("ns/short", ("main", "sleep 1; exit 4")))
    short_pid = short.containers[0].pid
    await first.start(backend_runtime.run("ns/crash", ("main", "exit 5")))
    assert await _exited(first, "ns/crash") == 5
    restarted = await first.restart("ns/crash", "main")
    await first.close()  # the agent goes away; its pods stay
    await eventually(lambda: not _alive(short_pid), timeout=5, what="ns/short exited")
    second = await backend_runtime.new()
    adopted = {p.key: p for p in second.adopt()}
    assert set(adopted) == {"ns/long", "ns/short", "ns/crash"}
    assert adopted["ns/long"].running and adopted["ns/long"].pids == long.pids
    assert await _exited(second, "ns/short") == 4  # exited while nobody watched
    crash = adopted["ns/crash"].containers[0]
    assert crash.attempt == restarted.attempt == 1
    assert crash.previous is not None and crash.previous.exit_code == 5
    # Starting the same pod again is no second copy.
    again = await second.start(backend_runtime.run("ns/other", ("main", SLEEP)))
    assert again.running
    same = second.pods()["ns/long"]
    run = replace(backend_runtime.run("ns/long", ("main", SLEEP)), uid=same.uid)
    assert (await second.start(run)).pids == long.pids


def _allowed(pid: int) -> frozenset[int]:
    return frozenset(os.sched_getaffinity(pid))


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
