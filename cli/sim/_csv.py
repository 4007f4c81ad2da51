"""Reading cluster-trace-v2018 CSV files row by row, with errors that point at the cell.

Every loader goes through :func:`rows` and the ``number``/``integer`` parsers, so a malformed
file fails the same way everywhere: a :class:`TraceError` naming the file, the line and the
column, raised while loading and never later in the middle of a replay.
"""

from __future__ import annotations

import csv
import gzip
import io
import lzma
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sigma.errors import Invalid

#: Memory in the trace is normalised so 100 = the largest machine. Containers ask for 1.56,
#: 3.13, 6.25, 9.38 and 18.75: exactly 8, 16, 32, 48 and 96 GiB when 100 = 512 GiB.
MEMORY_100_BYTES = 512 * 2**30
#: CPU in requests and plans is in hundredths of a core: 100 = 1 core = 1000 millicores.
MILLIS_PER_TRACE_CPU = 10


class TraceError(Invalid):
    """A row the loader cannot read: ``file:line: column: reason``.

    An :class:`~sigma.errors.Invalid` whose field is the cell's address, so callers that map
    errors (CLI exit codes, gRPC) treat it as bad input without knowing about traces.
    """

    def __init__(self, file: str, line: int, column: str, reason: str) -> None:
        super().__init__(f"{file}:{line}: {column}", reason)
        self.file = file
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Row:
    """One CSV record with where it came from, so parsers can say which cell was bad."""

    file: str
    line: int
    columns: Sequence[str]
    values: Sequence[str]

    def text(self, column: str) -> str:
        return self.values[self.columns.index(column)]

    def error(self, column: str, reason: str) -> TraceError:
        return TraceError(self.file, self.line, column, reason)

    def number(self, column: str) -> float:
        raw = self.text(column)
        try:
            value = float(raw)
        except ValueError:
            raise self.error(column, f"{raw!r} is not a number") from None
        if not math.isfinite(value):
            raise self.error(column, f"{raw!r} is not a finite number")
        return value

    def integer(self, column: str, *, minimum: int = 0) -> int:
        raw = self.text(column)
        try:
            value = int(raw)
        except ValueError:
            raise self.error(column, f"{raw!r} is not an integer") from None
        if value < minimum:
            raise self.error(column, f"{value} is below {minimum}")
        return value

    def blank(self, column: str) -> bool:
        return self.text(column).strip() == ""


@dataclass
class Skipped:
    """Rows a loader left out on purpose, by reason: reported, never silent."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, reason: str, n: int = 1) -> None:
        self.counts[reason] += n

    @property
    def total(self) -> int:
        return sum(self.counts.values())


#: Compressed forms a trace file may take, tried in this order after the plain file.
COMPRESSED = {".xz": lzma.open, ".gz": gzip.open}


def open_text(path: Path) -> io.TextIOBase:
    """Open ``path`` as text, or ``path`` + ``.xz`` / ``.gz`` where only that exists: the
    project ships its excerpts compressed, and the full trace is usually unpacked.
    Raises TraceError naming the file when none of them opens."""
    for suffix, opener in (("", None), *COMPRESSED.items()):
        candidate = path.with_name(path.name + suffix)
        if suffix and not candidate.exists():
            continue
        try:
            if opener is None:
                return path.open(newline="", encoding="utf-8")
            return opener(candidate, "rt", newline="", encoding="utf-8")  # type: ignore[operator]
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise TraceError(candidate.name, 0, "file", f"cannot open: {exc.strerror}") from exc
    tried = ", ".join(path.name + s for s in ("", *COMPRESSED))
    raise TraceError(path.name, 0, "file", f"cannot open: none of {tried} in {path.parent}")


def rows(path: Path, columns: Sequence[str], *, header: bool) -> Iterator[Row]:
    """Yield the records of ``path`` with their 1-based line numbers.

    With ``header`` the first line must name ``columns`` (in order); without it the file has
    no header and line 1 is data. A record with the wrong number of fields is a TraceError
    on its first column that is missing or on the whole row.
    """
    name = path.name
    with open_text(path) as handle:
        reader = csv.reader(handle)
        try:
            if header:
                found = next(reader, None)
                if found is None or [c.strip() for c in found] != list(columns):
                    raise TraceError(
                        name, 1, "header", f"expected {','.join(columns)}, found {found}"
                    )
            for values in reader:
                line = reader.line_num
                if not values:
                    continue
                if len(values) != len(columns):
                    column = columns[len(values)] if len(values) < len(columns) else "row"
                    reason = f"{len(values)} fields, expected {len(columns)}"
                    raise TraceError(name, line, column, reason)
                yield Row(name, line, columns, values)
        except (csv.Error, UnicodeDecodeError, lzma.LZMAError, gzip.BadGzipFile, EOFError) as exc:
            raise TraceError(name, reader.line_num + 1, "row", str(exc)) from exc
