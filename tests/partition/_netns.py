"""A network namespace the test makes itself, joined to this machine by a veth pair it can cut.

``netns()`` creates a namespace and a veth pair with unique names, puts one end inside with an
address in a private /30 and keeps the other here with the /30's other address; everything is
removed when the block ends, however it ends. A process started with ``Netns.wrap(argv)``
(``ip netns exec``) sees this machine only through the pair: ``cut()`` sets the host's end
down, which is a partition (packets are dropped both ways, connections hang rather than
close), and ``heal()`` sets it up again. Servers this machine runs for such a process must
listen on ``host_ip`` or on every address (``0.0.0.0``).

``block(port)`` cuts the namespace off one server only (an iptables rule inside it).

Needs root and iproute2 (and iptables for ``block``); ``skip_reason()`` says in one line why
a test cannot run here.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass


def skip_reason() -> str | None:
    """Why network namespaces cannot be made here (None: they can)."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "network namespaces need iproute2's ip"
    return None


def _ip(*args: str, netns: str | None = None, check: bool = True) -> str:
    argv = ["ip", *(("netns", "exec", netns, "ip") if netns else ()), *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip()}")
    return done.stdout


@dataclass(frozen=True, slots=True)
class Netns:
    name: str
    host_if: str  # the pair's end on this machine
    ns_if: str  # the end inside the namespace
    host_ip: str
    ns_ip: str

    def wrap(self, argv: Sequence[str]) -> list[str]:
        """``argv`` run inside the namespace (``ip netns exec`` execs it: same pid)."""
        return ["ip", "netns", "exec", self.name, *argv]

    def cut(self) -> None:
        _ip("link", "set", self.host_if, "down")

    def heal(self) -> None:
        _ip("link", "set", self.host_if, "up")

    def block(self, port: int, *, on: bool = True) -> None:
        """Drop (``on``) or pass again what the namespace sends to ``host_ip:port`` alone:
        a partition from one server while the rest of the link stays up."""
        rule = ["OUTPUT", "-p", "tcp", "-d", self.host_ip, "--dport", str(port), "-j", "DROP"]
        argv = self.wrap(["iptables", "-A" if on else "-D", *rule])
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip()}")

    def reaches(self, port: int, timeout: float = 0.5) -> bool:
        """Whether a TCP connection from inside the namespace to ``host_ip:port`` opens (a
        Python socket: there is no ping here)."""
        probe = (
            "import socket,sys\n"
            f"s=socket.socket();s.settimeout({timeout})\n"
            f"sys.exit(s.connect_ex(({self.host_ip!r},{port})))"
        )
        argv = self.wrap([sys.executable, "-c", probe])
        return subprocess.run(argv, capture_output=True, timeout=10 + timeout).returncode == 0


def _free_slash30() -> tuple[str, str]:
    """The host's and the namespace's address in a /30 of 10.200.0.0/16 nothing here uses."""
    used = _ip("-o", "-4", "addr", "show")
    for _ in range(200):
        third, base = random.randrange(256), random.randrange(0, 256, 4)
        if not any(f" 10.200.{third}.{base + k}/" in used for k in range(4)):
            return f"10.200.{third}.{base + 1}", f"10.200.{third}.{base + 2}"
    raise RuntimeError("no free /30 in 10.200.0.0/16")


@contextlib.contextmanager
def netns() -> Iterator[Netns]:
    """A namespace joined by a veth pair; removed (pair, addresses, namespace) on exit."""
    tag = uuid.uuid4().hex[:7]
    host_ip, ns_ip = _free_slash30()
    ns = Netns(f"sigma-{tag}", f"sgh{tag}", f"sgn{tag}", host_ip, ns_ip)
    try:
        _ip("netns", "add", ns.name)
        _ip("link", "add", ns.host_if, "type", "veth", "peer", "name", ns.ns_if)
        _ip("link", "set", ns.ns_if, "netns", ns.name)
        _ip("addr", "add", f"{host_ip}/30", "dev", ns.host_if)
        _ip("link", "set", ns.host_if, "up")
        _ip("addr", "add", f"{ns_ip}/30", "dev", ns.ns_if, netns=ns.name)
        _ip("link", "set", ns.ns_if, "up", netns=ns.name)
        _ip("link", "set", "lo", "up", netns=ns.name)
        yield ns
    finally:
        _ip("link", "del", ns.host_if, check=False)  # takes its peer with it
        _ip("netns", "del", ns.name, check=False)


def wait_reachable(ns: Netns, port: int, timeout: float = 10.0) -> None:
    """Until the namespace reaches ``host_ip:port`` (a fresh pair takes a moment to carry)."""
    until = time.monotonic() + timeout
    while not ns.reaches(port):
        if time.monotonic() > until:
            raise AssertionError(f"{ns.name} cannot reach {ns.host_ip}:{port}")
        time.sleep(0.1)
