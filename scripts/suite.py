"""The whole suite as `make test` runs it: four lanes of pytest, three of them side by side.

Most of the suite's time is spent waiting (leases running out, faults held, rollouts
converging): run one test after another, it kept this machine's two cores less than half
busy. So:

- ``timed-1`` and ``timed-2``: tests that time recoveries and latencies on clusters of
  simulated nodes (faults, partitions, the soak, the compose cluster), split in two lanes of
  about equal length. They run at normal priority...
- ``rest``: ...beside everything else, at ``nice`` 10, which takes the CPU the timed lanes
  leave idle without slowing them.
- ``alone``: tests whose nodes run real pods on this machine and measure its CPU. A node's
  batch room is what its measured usage leaves, so another lane's CPU would count as their
  system use; they run last, with the machine to themselves.

Each lane is one pytest process with its own engines; its output is printed when it ends.
Arguments are passed to every lane (``scripts/suite.py -x``). The exit status is the first
failing lane's (pytest's 5, no test collected, included). A plain ``pytest`` still runs
every test in one process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TIMED = (
    (
        "tests/soak",
        "tests/integration/quorum",
        "tests/integration/degradation",
        "tests/integration/apiserver",
    ),
    (
        "tests/chaos",
        "tests/partition",
        "tests/e2e/test_compose_up.py",
        "tests/integration/colocator",
    ),
)
ALONE = (
    "tests/integration/batch",
    "tests/integration/cri",
    "tests/integration/ctl",
    "tests/integration/kube/test_kubectl.py",
    "tests/integration/slave",
    "tests/e2e/test_readme.py",
)


@dataclass(frozen=True, slots=True)
class Lane:
    name: str
    paths: tuple[str, ...]
    ignore: tuple[str, ...] = ()
    nice: int = 0

    def command(self, extra: list[str]) -> list[str]:
        ignored = [f"--ignore={path}" for path in self.ignore]
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        return [*pytest, *ignored, *extra, *self.paths]

    def start(self, extra: list[str], log: Path) -> subprocess.Popen[bytes]:
        print(f"suite: lane {self.name} started (nice {self.nice})", flush=True)
        with log.open("wb") as out:
            return subprocess.Popen(
                self.command(extra),
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=(lambda: os.nice(self.nice)) if self.nice else None,
            )


SIDE_BY_SIDE = (
    Lane("timed-1", TIMED[0]),
    Lane("timed-2", TIMED[1]),
    Lane("rest", ("tests",), ignore=TIMED[0] + TIMED[1] + ALONE, nice=10),
)
LAST = Lane("alone", ALONE)


def _report(lane: Lane, code: int, cpu: float, log: Path, began: float) -> int:
    sys.stdout.write(log.read_text(errors="replace"))
    took = time.monotonic() - began
    print(f"suite: lane {lane.name} exited {code} after {took:.0f} s, {cpu:.0f} s CPU", flush=True)
    return code


def _run(lanes: tuple[Lane, ...], extra: list[str], tmp: Path, began: float) -> list[int]:
    """Start ``lanes`` side by side; report each the moment it ends, so its time is its own,
    with the CPU its pytest and everything that pytest started (engines, tiers) used."""
    logs = {lane.name: tmp / f"{lane.name}.log" for lane in lanes}
    running = {lane: lane.start(extra, logs[lane.name]) for lane in lanes}
    codes = []
    while running:
        for lane, proc in list(running.items()):
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                del running[lane]
                cpu = usage.ru_utime + usage.ru_stime
                codes.append(_report(lane, proc.returncode, cpu, logs[lane.name], began))
        time.sleep(0.5)
    return codes


def main(extra: list[str]) -> int:
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sigma-suite-") as tmp:
        codes = _run(SIDE_BY_SIDE, extra, Path(tmp), began)
        codes += _run((LAST,), extra, Path(tmp), began)
    print(f"suite: {time.monotonic() - began:.0f} s in all", flush=True)
    return next((code for code in codes if code), 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
