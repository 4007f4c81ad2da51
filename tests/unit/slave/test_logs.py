"""Serving a container's log: the CRI's framing taken off, tails found from the end, follow."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sigma.errors import Invalid
from sigma.slave.logs import Source, cri_text, stream, tail_offset


@pytest.mark.parametrize(
    ("line", "text"),
    [
        (b"2026-01-01T00:00:00.1Z stdout F hello world\n", b"hello world\n"),
        (b"2026-01-01T00:00:00.1Z stderr P part\n", b"part"),
        (b"2026-01-01T00:00:00.1Z stdout F \n", b"\n"),
        (b"2026-01-01T00:00:00.1Z stdout F\n", b"\n"),
        (b"not framed at all\n", b"not framed at all\n"),
    ],
)
def test_cri_framing_is_taken_off(line: bytes, text: bytes) -> None:
    assert cri_text(line) == text


@pytest.mark.parametrize("size", [1, 3, 5000])
def test_tail_offset_finds_the_last_lines(tmp_path: Path, size: int) -> None:
    lines = [f"line {i}\n".encode() for i in range(size)]
    path = tmp_path / "log"
    path.write_bytes(b"".join(lines))
    with path.open("rb") as f:
        for n in (1, 2, size, size + 10):
            f.seek(tail_offset(f, n))
            assert f.read() == b"".join(lines[-n:])


def test_tail_offset_of_a_log_without_a_last_newline(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"a\nb\nunfinished")
    with path.open("rb") as f:
        f.seek(tail_offset(f, 2))
        assert f.read() == b"b\nunfinished"


async def _read(src: Source, **kw: object) -> bytes:
    return b"".join([chunk async for chunk in stream(src, **kw)])  # type: ignore[arg-type]


async def test_a_stream_sends_whole_lines_and_a_partial_last_one_at_the_end(
    tmp_path: Path,
) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"one\ntwo\nthr")
    src = Source(lambda: path, False, lambda: False)
    assert await _read(src, follow=False, tail=0) == b"one\ntwo\nthr"
    assert await _read(src, follow=False, tail=1) == b"thr"
    with pytest.raises(Invalid):
        await _read(src, follow=False, tail=-1)


async def test_follow_sends_what_is_written_until_the_run_ends(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"2026-01-01T00:00:00Z stdout F first\n")
    running = [True]
    src = Source(lambda: path if path.exists() else None, True, lambda: running[0])
    got: list[bytes] = []

    async def read() -> None:
        async for chunk in stream(src, follow=True, tail=0):
            got.append(chunk)

    reader = asyncio.ensure_future(read())
    await asyncio.sleep(0.3)
    with path.open("ab") as f:
        f.write(b"2026-01-01T00:00:01Z stderr P sec\n")
        f.flush()
        await asyncio.sleep(0.3)
        f.write(b"2026-01-01T00:00:01Z stderr F ond\n")
    running[0] = False
    await asyncio.wait_for(reader, 5)
    assert b"".join(got) == b"first\nsecond\n"
