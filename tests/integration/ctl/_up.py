"""`sigma up` as a user runs it, on free ports, for the sigmactl tests: a separate process whose
printed addresses sigmactl is pointed at through SIGMA_APISERVER and its siblings; and the
shell's side of a Tab."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
ENDPOINTS = ("apiserver", "scheduler", "colocator")
FREE_PORTS = ("--ports-from", "0", "--metrics-port", "0")


def clean_env(home: Path) -> dict[str, str]:
    """A clean environment: no user config, no SIGMA_* overrides, sigmactl's defaults."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("SIGMA")}
    out["XDG_CONFIG_HOME"] = str(home)
    return out


@contextmanager
def sigma_up(env: dict[str, str], *flags: str) -> Iterator[subprocess.Popen[str]]:
    """Every tier on a free port (``--ports-from 0``, no metrics port); ``env`` gains the
    addresses it printed, so sigmactl run with ``env`` talks to this cluster."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sigma.cli", "up", *FREE_PORTS, *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        seen = ""
        while "Ctrl-C stops" not in seen:
            line = proc.stdout.readline()
            assert line, f"sigma up exited early: {seen}"
            seen += line
            name, _, address = line.partition(" grpc ")
            if name.strip() in ENDPOINTS:
                env[f"SIGMA_{name.strip().upper()}"] = address.strip()
            if line.startswith("kube "):  # the Kubernetes API, when SIGMA_KUBE_LISTEN asks
                env["SIGMA_KUBE"] = line.split("://")[1].split()[0]
        assert all(f"SIGMA_{e.upper()}" in env for e in ENDPOINTS), seen
        assert ":7070" not in env["SIGMA_APISERVER"]  # a free port, not the default
        yield proc
    finally:
        if proc.poll() is None:  # Ctrl-C, as a user stops it: the tiers stop their pods
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def tab(line: str, env: dict[str, str], answer: Path) -> list[str]:
    """What a Tab at the end of ``line`` offers: the hook's call, as the shell makes it, with
    the answer in a file (the hook's ARGCOMPLETE_USE_TEMPFILES way)."""
    call = {
        **env,
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_IFS": "\n",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
    }
    script = "import sys; from sigma.ctl import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", script], env=call, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return sorted(answer.read_text().split())


def ctl(env: dict[str, str], *args: str, code: int | None = 0) -> subprocess.CompletedProcess[str]:
    """sigmactl run as a user runs it; its exit status must be ``code`` (None: any)."""
    done = subprocess.run(
        [sys.executable, "-m", "sigma.ctl", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
    )
    assert code is None or done.returncode == code, (args, done.stdout, done.stderr)
    return done
