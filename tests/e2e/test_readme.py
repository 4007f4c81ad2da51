"""The README's walkthrough, run: every command it shows, against `sigma up --demo examples`.

The walkthrough's blocks follow a ``<!-- walkthrough -->`` comment (``<!-- walkthrough: up -->``
for the output of ``make up`` itself). Each ``$ command`` line is run with bash, and its output
must have the shape the README shows: the same table headers, the same field names, the same
objects. Ages, numbers and phases change from run to run, so they are not compared; a few
facts the text relies on are (the App becomes ready, the node reports measured usage). The
configuration reference is checked too: every flag of every tier and every sigmactl setting.

``SIGMA_README_CAPTURE=1 pytest tests/e2e/test_readme.py`` rewrites the walkthrough's output
with this run's (after an intended change of shape: the shape is not compared then, the facts
the text relies on still are).
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from sigma.cli import build_parser
from sigma.ctl._config import CtlConfig
from sigma.engines._process import free_port
from sigma.testing.procs import outlived
from sigma.testing.wait import eventually_sync

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
NODE = "vm"  # the hostname of the machine the README's output came from
WAIT = 120.0  # seconds for `sigma up` to start, and for the demo to settle (a busy machine
# starves batch, which the colocator then evicts and the job retries)


@dataclass(frozen=True, slots=True)
class Step:
    command: str
    expected: list[str]


def walkthrough(text: str) -> tuple[list[str], list[Step]]:
    """The README's `make up` output and its walkthrough steps, in order."""
    up: list[str] = []
    steps: list[Step] = []
    pattern = r"<!-- walkthrough(: up)? -->\n```console\n(.*?)```"
    for match in re.finditer(pattern, text, re.S):
        lines = match.group(2).splitlines()
        if match.group(1):
            up = lines[1:]  # after `$ make up`
            continue
        for line in lines:
            if line.startswith("$ "):
                steps.append(Step(line[2:], []))
            else:
                steps[-1].expected.append(line)
    return up, steps


def _key(line: str) -> str:
    """What identifies a line whatever the run: its first word's first dash-separated part,
    with digits blurred (``etl-transform-0-1`` → ``etl``, ``40s`` → ``#s``)."""
    words = line.split()
    return re.sub(r"\d+", "#", words[0].split("-")[0]) if words else ""


def _is_header(line: str) -> bool:
    words = line.split()
    return len(words) >= 2 and all(re.fullmatch(r"[A-Z][A-Z%-]*", w) for w in words)


def shape_mismatches(expected: list[str], actual: list[str]) -> list[str]:
    """Expected lines whose shape the actual output lacks: a header must match word for word,
    any other line needs an actual line with the same key and indentation."""
    headers = {tuple(line.split()) for line in actual if _is_header(line)}
    keys = {(len(line) - len(line.lstrip()), _key(line)) for line in actual}
    missing = []
    for line in expected:
        if _is_header(line):
            if tuple(line.split()) not in headers:
                missing.append(line)
        elif line.strip() and (len(line) - len(line.lstrip()), _key(line)) not in keys:
            missing.append(line)
    return missing


def recaptured(text: str, outputs: list[list[str]]) -> str:
    """``text`` with each walkthrough command's output replaced by ``outputs``, in order."""
    feed = iter(outputs)

    def block(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(0)
        lines = []
        for line in match.group(2).splitlines():
            if line.startswith("$ "):
                lines += [line, *next(feed)]
        return "<!-- walkthrough -->\n```console\n" + "\n".join(lines) + "\n```"

    return re.sub(r"<!-- walkthrough(: up)? -->\n```console\n(.*?)```", block, text, flags=re.S)


def test_recapture_replaces_only_command_output() -> None:
    doc = "a\n<!-- walkthrough -->\n```console\n$ x\nold\n$ y\nold2\n```\nb\n"
    assert recaptured(doc, [["new"], []]) == (
        "a\n<!-- walkthrough -->\n```console\n$ x\nnew\n$ y\n```\nb\n"
    )


def _row(output: list[str], first: str) -> dict[str, str]:
    """The row of a table whose first cell is ``first``, by header."""
    header = next(line.split() for line in output if _is_header(line))
    row = next(line.split() for line in output if line.split()[:1] == [first])
    return dict(zip(header, row, strict=False))


def test_shape_check_catches_drift() -> None:
    """The comparison itself: tolerant of numbers and attempts, strict on headers and names."""
    doc = ["NAME   PHASE   AGE", "etl-extract-0-0   Succeeded   3s", "web-0   Running   4s"]
    same = ["NAME   PHASE   AGE", "etl-report-0-1   Failed   80s", "web-1   Pending   1m"]
    assert shape_mismatches(doc, same) == []
    renamed = ["NAME   STATUS   AGE", *same[1:]]
    assert shape_mismatches(doc, renamed) == ["NAME   PHASE   AGE"]
    assert shape_mismatches(doc, same[:2]) == ["web-0   Running   4s"]
    assert shape_mismatches(["  Pods:"], ["Pods:"]) == ["  Pods:"]


def test_the_walkthrough_is_extracted() -> None:
    up, steps = walkthrough(README.read_text())
    assert any(line.startswith("demo: app/web") for line in up)
    commands = [s.command for s in steps]
    for expected in ("sigmactl get pods", "sigmactl top nodes", "sigmactl describe app web"):
        assert expected in commands
    assert any(c.startswith("sigmactl explain pod ") for c in commands)
    assert all(step.expected for step in steps)


def test_the_configuration_reference_lists_every_setting() -> None:
    text = README.read_text()
    sub = next(a for a in build_parser()._actions if hasattr(a, "choices") and a.choices)
    for name in ("up", "apiserver", "scheduler", "colocator", "slave"):
        section = text.split(f"**`sigma {name}`**", 1)[1].split("**`sigma ", 1)[0]
        actions = sub.choices[name]._actions
        flags = [a.option_strings[-1] for a in actions if a.option_strings and a.dest != "help"]
        shared = {"--store", "--bus", "--log-level", "--config"}  # in the table every tier takes
        absent = [f for f in flags if f"`{f}`" not in section and (name == "up" or f not in shared)]
        assert not absent, f"README lacks sigma {name} {absent}"
    toml = text.split("```toml\n[sigmactl]", 1)[1].split("```", 1)[0]
    for key in CtlConfig.__dataclass_fields__:
        if key != "system_namespace":  # a deployment setting, not one a user sets
            assert f"\n{key} = " in toml, key


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A user's shell: no SIGMA_* overrides or config, the venv on PATH, the README's node."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("SIGMA")}
    out["XDG_CONFIG_HOME"] = str(tmp_path)
    out["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{out.get('PATH', '')}"
    out["SIGMA_NODE"] = NODE
    return out


@pytest.fixture
def up(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """``sigma up --demo examples`` on free ports (a user's ``make up`` may be running);
    ``env`` gains the addresses it printed, so the README's sigmactl commands reach it."""
    ports = ("--ports-from", "0", "--metrics-port", str(free_port()))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sigma.cli", "up", *ports, "--demo", "examples"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        printed: list[str] = []
        deadline = time.monotonic() + WAIT
        while not printed or not printed[-1].strip().startswith("sigmactl budget"):
            assert proc.poll() is None, f"sigma up exited early: {printed}"
            try:
                printed.append(lines.get(timeout=max(0.1, deadline - time.monotonic())).rstrip())
            except queue.Empty:
                pytest.fail(f"sigma up did not finish the demo in {WAIT}s: {printed}")
            tier, _, address = printed[-1].partition(" grpc ")
            if address:
                env[f"SIGMA_{tier.strip().upper()}"] = address.strip()
        yield proc, printed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def run(env: dict[str, str], command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )


def _json(env: dict[str, str], command: str) -> Any:
    result = run(env, command)
    return json.loads(result.stdout) if result.returncode == 0 and result.stdout.strip() else {}


def _settled(env: dict[str, str]) -> bool:
    """The state the README's output shows: the job over, web running, capacity decided."""
    jobs = _json(env, "sigmactl get batchjobs etl -o json")
    if jobs.get("status", {}).get("phase") not in (
        "BATCH_JOB_PHASE_SUCCEEDED",
        "BATCH_JOB_PHASE_FAILED",
    ):
        return False
    web = _json(env, "sigmactl get apps web -o json")
    if not web.get("status", {}).get("timeSharingReplicas"):
        return False
    pods = _json(env, "sigmactl get pods -l app=web -o json").get("items", [])
    if not pods or any(p["status"].get("phase") != "POD_PHASE_RUNNING" for p in pods):
        return False
    top = run(env, "sigmactl top nodes").stdout.splitlines()
    if not any(line.split()[:1] == [NODE] for line in top) or _row(top, NODE)["CPU"] == "0m":
        return False  # the slave has not reported usage yet
    return "REASON" in run(env, f"sigmactl budget {NODE}").stdout


def test_readme_walkthrough(
    env: dict[str, str], up: tuple[subprocess.Popen[str], list[str]]
) -> None:
    proc, printed = up
    expected_up, steps = walkthrough(README.read_text())
    assert shape_mismatches(expected_up, printed) == [], printed
    eventually_sync(lambda: _settled(env), timeout=WAIT, what="the demo to settle", interval=2.0)
    captured: list[list[str]] = []
    for step in steps:
        result = run(env, step.command)
        assert result.returncode == 0, f"{step.command}: {result.stderr}"
        captured.append(result.stdout.rstrip("\n").splitlines())
        missing = shape_mismatches(step.expected, captured[-1])
        capturing = bool(os.environ.get("SIGMA_README_CAPTURE"))
        assert capturing or not missing, f"`{step.command}` no longer prints:\n" + "\n".join(
            missing
        )
    outputs = {step.command: out for step, out in zip(steps, captured, strict=True)}
    web = _row(outputs["sigmactl get apps"], "web")
    assert web["READY"] == web["TARGET"] != "0", "the walkthrough says web is ready"
    assert _row(outputs["sigmactl top nodes"], NODE)["CPU"] != "0m", "usage is measured"
    if os.environ.get("SIGMA_README_CAPTURE"):
        README.write_text(recaptured(README.read_text(), captured))

    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert not (left := outlived(children)), f"processes outlived sigma up: {left}"
