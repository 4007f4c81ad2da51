"""PNG charts without a plotting library: a raster, lines, a 3x5 font, and zlib + struct.

Two charts: utilisation over time (one line per mode, shared axes, a legend) and a heat map
(nodes x time, colour = CPU utilisation). Pixels are an (h, w, 3) uint8 array; the writer is
the PNG spec's minimum (IHDR, one IDAT, IEND; filter 0 per row), so a test can decode it.
"""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Mapping, Sequence

import numpy as np

Colour = tuple[int, int, int]
BLACK: Colour = (0, 0, 0)
GREY: Colour = (200, 200, 200)
COLOURS: dict[str, Colour] = {
    "pools": (31, 119, 180),
    "static": (255, 127, 14),
    "timesharing": (44, 160, 44),
}

# 3x5 glyphs, rows top to bottom, bits left to right.
_GLYPHS = (
    "0:111101101101111 1:010110010010111 2:111001111100111 3:111001111001111 "
    "4:101101111001001 5:111100111001111 6:111100111101111 7:111001001001001 "
    "8:111101111101111 9:111101111001111 %:101001010100101 .:000000000000010 "
    "-:000000111000000 _:000000000000000 A:010101111101101 B:110101110101110 "
    "C:111100100100111 D:110101101101110 E:111100111100111 F:111100111100100 "
    "G:111100101101111 H:101101111101101 I:111010010010111 K:101101110101101 "
    "L:100100100100111 M:101111111101101 N:110101101101101 O:111101101101111 "
    "P:111101111100100 R:110101110101101 S:111100111001111 T:111010010010010 "
    "U:101101101101111 W:101101111111101 X:101101010101101 Y:101101010010010"
)
FONT = {item[0]: item[2:] for item in _GLYPHS.split()}


def encode_png(pixels: np.ndarray) -> bytes:
    """An (h, w, 3) uint8 array as PNG bytes."""
    h, w, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].astype(np.uint8).tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def decode_png(data: bytes) -> np.ndarray:
    """The inverse of ``encode_png`` (8-bit RGB, filter 0 only): for tests and checks."""
    pos, idat, size = 8, b"", (0, 0)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    w, h = size
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 3 * w)
    return rows[:, 1:].reshape(h, w, 3).copy()


def text(img: np.ndarray, x: int, y: int, label: str, colour: Colour = BLACK) -> None:
    """Draw ``label`` (upper-cased; unknown characters as blanks) at 2x scale."""
    for i, ch in enumerate(label.upper()):
        bits = FONT.get(ch, FONT["_"])
        for k, bit in enumerate(bits):
            if bit == "1":
                yy, xx = y + 2 * (k // 3), x + i * 8 + 2 * (k % 3)
                img[max(0, yy) : yy + 2, max(0, xx) : xx + 2] = colour


def _line(img: np.ndarray, a: tuple[int, int], b: tuple[int, int], colour: Colour) -> None:
    steps = max(abs(b[0] - a[0]), abs(b[1] - a[1]), 1)
    xs = np.rint(np.linspace(a[0], b[0], steps + 1)).astype(int)
    ys = np.rint(np.linspace(a[1], b[1], steps + 1)).astype(int)
    h, w, _ = img.shape
    ok = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
    img[ys[ok], xs[ok]] = colour
    img[np.clip(ys[ok] + 1, 0, h - 1), xs[ok]] = colour  # two pixels thick


def utilisation_chart(
    series: Mapping[str, Sequence[tuple[float, float]]], width: int = 800, height: int = 400
) -> np.ndarray:
    """Utilisation (0..1) over time per mode; x spans the union of the series' times."""
    img = np.full((height, width, 3), 255, np.uint8)
    left, right, top, bottom = 50, width - 20, 30, height - 30
    times = [t for s in series.values() for t, _ in s]
    t0, t1 = (min(times), max(times)) if times else (0.0, 1.0)
    span = (t1 - t0) or 1.0
    for pct in range(0, 101, 20):
        y = bottom - round(pct / 100 * (bottom - top))
        img[y, left:right] = GREY
        text(img, 4, y - 5, f"{pct}%")
    img[top:bottom, left] = BLACK
    img[bottom, left:right] = BLACK
    hours = span / 3600
    for k in range(int(hours) + 1):
        img[bottom : bottom + 4, left + round(k * 3600 / span * (right - left))] = BLACK
    text(img, left, bottom + 10, f"0-{hours:.0f} H")
    text(img, left, 8, "CPU UTILISATION")
    for i, (mode, points) in enumerate(series.items()):
        colour = COLOURS.get(mode, BLACK)
        xy = [
            (left + round((t - t0) / span * (right - left)), bottom - round(u * (bottom - top)))
            for t, u in points
        ]
        for a, b in itertools.pairwise(xy):
            _line(img, a, b, colour)
        lx, ly = right - 170, top + 4 + 14 * i
        img[ly + 3 : ly + 7, lx : lx + 20] = colour
        text(img, lx + 26, ly, mode)
    return img


def heat(value: np.ndarray) -> np.ndarray:
    """Utilisation 0..1 → colour: dark blue (idle) through green and yellow to red (full)."""
    v = np.clip(value, 0.0, 1.0)
    stops = np.array([[20, 20, 90], [40, 160, 80], [250, 220, 40], [210, 30, 30]], float)
    pos = v * (len(stops) - 1)
    i = np.minimum(pos.astype(int), len(stops) - 2)
    w = (pos - i)[..., None]
    return np.rint(stops[i] * (1 - w) + stops[i + 1] * w).astype(np.uint8)


def heatmap(util: np.ndarray, cell: int = 4, max_rows: int = 400) -> np.ndarray:
    """``util`` (nodes x times, 0..1) as a picture: a row per node (averaged in groups when
    there are more than ``max_rows``), a column of ``cell`` pixels per time."""
    nodes, times = util.shape
    group = max(1, -(-nodes // max_rows))
    pad = (-nodes) % group
    grid = np.pad(util, ((0, pad), (0, 0)), mode="edge").reshape(-1, group, times).mean(axis=1)
    rows = max(1, min(cell, 400 // max(1, len(grid))))
    picture = np.repeat(np.repeat(heat(grid), rows, axis=0), cell, axis=1)
    img = np.full((picture.shape[0] + 24, max(picture.shape[1], 200), 3), 255, np.uint8)
    img[24:, : picture.shape[1]] = picture
    text(img, 2, 4, f"NODES X TIME {nodes}")
    return img
