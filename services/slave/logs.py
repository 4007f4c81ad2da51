"""A container's log as the slave serves it (``Slave.StreamLogs``; ``sigmactl logs``).

The runtime says where each run of a container logs (``Runtime.log_path``) and how: as the
container wrote it (the process runtime) or in the CRI's framing, one
``<RFC 3339 time> <stdout|stderr> <F|P> <text>`` line per write, ``P`` marking a partial line
that the next one continues (containerd). Either way the reader gets the container's own
text. ``--tail N`` starts N lines from the end (found by reading the file backwards, so a
large log costs what is sent); ``--follow`` then sends what is written until the run ends or
the caller leaves; ``--previous`` reads the run before the current one (kept since its restart).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from sigma.errors import Invalid, NotFound
from sigma.slave.runtime._port import Runtime

CHUNK = 64 << 10
FOLLOW_POLL = 0.2  # seconds between looks at a followed log that has nothing new
_BLOCK = 8 << 10


@dataclass(frozen=True, slots=True)
class Source:
    """One run's log: where it is (None: nothing written yet), its framing, whether it runs."""

    path: Callable[[], Path | None]
    framed: bool
    running: Callable[[], bool]


def source(runtime: Runtime, key: str, container: str, *, previous: bool) -> Source:
    """The log of ``container`` of pod ``key`` (its only one when empty), current or previous.

    NotFound when the pod is not on this node or has no such run; Invalid when the pod has
    several containers and none is named.
    """
    pod = runtime.pods().get(key)
    if pod is None:
        raise NotFound(f"pod {key} runs nothing on this node (its logs go when it ends)")
    names = [c.name for c in pod.containers]
    if not container:
        if len(names) != 1:
            raise Invalid("container", f"pod {key} has containers {', '.join(names)}: name one")
        container = names[0]
    state = pod.container(container)
    if state is None:
        raise NotFound(f"pod {key} has no container {container!r}")
    attempt = state.attempt - 1 if previous else state.attempt
    if attempt < 0:
        raise NotFound(f"container {container} of pod {key} has not restarted: no previous run")
    if previous and runtime.log_path(key, container, attempt) is None:
        raise NotFound(f"the previous run of container {container} of pod {key} left no log")

    def running() -> bool:
        now = runtime.pods().get(key)
        run = now.container(container) if now is not None else None
        return run is not None and run.attempt == attempt and run.running

    return Source(
        lambda: runtime.log_path(key, container, attempt),
        runtime.capabilities.log_format == "cri",
        running,
    )


async def stream(src: Source, *, follow: bool, tail: int) -> AsyncIterator[bytes]:
    """The log's text in chunks of whole lines (a partial last line once the run has ended)."""
    if tail < 0:
        raise Invalid("tail_lines", "must be 0 (everything) or more")
    offset: int | None = None
    rest = b""
    while True:
        running = src.running()  # before reading: what it wrote until now is then read
        path = src.path()
        data = b""
        if path is not None:
            with path.open("rb") as f:
                if offset is None:
                    offset = tail_offset(f, tail) if tail else 0
                f.seek(offset)
                data = f.read(CHUNK)
                offset += len(data)
        lines, rest = _split(rest + data)
        if lines:
            yield _text(lines, src.framed)
        if len(data) == CHUNK:
            continue
        if not follow or not running:
            if rest:
                yield _text(rest, src.framed)
            return
        await asyncio.sleep(FOLLOW_POLL)


def tail_offset(f: object, lines: int) -> int:
    """Where the last ``lines`` lines of the open binary file ``f`` begin."""
    fd = f.fileno()  # type: ignore[attr-defined]
    end = os.fstat(fd).st_size
    pos, seen = end, 0
    while pos > 0:
        size = min(_BLOCK, pos)
        pos -= size
        block = os.pread(fd, size, pos)
        if pos + size == end and block.endswith(b"\n"):
            block = block[:-1]  # the last line's own newline does not start a line
        for i in range(len(block) - 1, -1, -1):
            if block[i] == 0x0A:
                seen += 1
                if seen == lines:
                    return pos + i + 1
    return 0


def _split(data: bytes) -> tuple[bytes, bytes]:
    """(whole lines, the unfinished last one)."""
    cut = data.rfind(b"\n") + 1
    return data[:cut], data[cut:]


def _text(lines: bytes, framed: bool) -> bytes:
    if not framed:
        return lines
    return b"".join(cri_text(line) for line in lines.splitlines(keepends=True))


def cri_text(line: bytes) -> bytes:
    """The container's text of one CRI log line (``<time> <stream> <F|P> <text>``)."""
    parts = line.rstrip(b"\n").split(b" ", 3)
    if len(parts) < 3 or parts[2] not in (b"F", b"P"):
        return line  # not in the CRI's framing: as it is
    text = parts[3] if len(parts) == 4 else b""
    return text + b"\n" if parts[2] == b"F" else text
