"""CPU sets in the list syntax ("0-3,8") every record that names CPUs uses.

A pod's ``status.cpuset``, an allocation's ``exclusive_cpus`` and the slave's own bookkeeping all
spell CPU sets this way; one parser and one formatter keep them in agreement.
"""

from __future__ import annotations

from collections.abc import Iterable

from sigma.errors import Invalid

CpuSet = frozenset[int]


def parse_cpuset(text: str) -> CpuSet:
    """``"0-3,8"`` → {0, 1, 2, 3, 8}; the empty string is the empty set."""
    cpus: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise Invalid("cpuset", f"{text!r}: {part!r} is not N or N-M") from None
        if first < 0 or last < first:
            raise Invalid("cpuset", f"{text!r}: {part!r} is not an ascending range")
        cpus.update(range(first, last + 1))
    return frozenset(cpus)


def format_cpuset(cpus: Iterable[int]) -> str:
    """{0, 1, 2, 3, 8} → ``"0-3,8"`` (ranges of consecutive CPUs, ascending)."""
    parts: list[str] = []
    ordered = sorted(set(cpus))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)
