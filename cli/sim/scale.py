"""How much of the trace to replay: machines, time window, seed.

Sampling is by a seeded hash of each object's name, not by a random stream, so whether an
app or job is kept does not depend on file order or on what else was loaded: the same
seed and scale give the same slice every time, on every machine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sigma.errors import Invalid

#: Machines in the full cluster-trace-v2018 topology.
TRACE_MACHINES = 4034
#: Eight days, the length of the trace.
TRACE_SECONDS = 8 * 86400


@dataclass(frozen=True)
class Scale:
    """A reproducible slice of the trace.

    ``machines``: how many nodes to keep (None = all); apps and jobs are thinned in the same
    proportion so the load per machine stays that of the trace. ``start``/``end``: the
    window in trace seconds; objects alive or submitted in it are kept. ``warmup``: replayed
    before the window, so the window does not open on an empty cluster with no backlog.
    """

    machines: int | None = None
    start: int = 0
    end: int = TRACE_SECONDS
    seed: int = 0
    warmup: int = 0  # seconds replayed before ``start`` and left out of the figures

    def __post_init__(self) -> None:
        if self.machines is not None and self.machines < 1:
            raise Invalid("machines", f"{self.machines} is below 1")
        if not 0 <= self.start < self.end:
            raise Invalid("window", f"[{self.start}, {self.end}) is empty or negative")
        if not 0 <= self.warmup <= self.start:
            raise Invalid("warmup", f"{self.warmup} s is negative or reaches before the trace")

    @property
    def replay_start(self) -> int:
        """Where the replay begins: the warm-up fills the cluster as the window opens."""
        return self.start - self.warmup

    def fraction(self, total_machines: int) -> float:
        """Share of the trace's workload to keep for this many machines."""
        if self.machines is None or total_machines <= 0:
            return 1.0
        return min(1.0, self.machines / total_machines)

    def unit(self, name: str) -> float:
        """A uniform number in [0, 1) fixed by (seed, name)."""
        digest = hashlib.blake2b(f"{self.seed}/{name}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def keeps(self, name: str, fraction: float) -> bool:
        """Whether the object ``name`` is in the sample of this ``fraction``."""
        return fraction >= 1.0 or self.unit(name) < fraction

    def rng_seed(self, name: str) -> int:
        """A seed for a per-object random stream (noise, phase)."""
        digest = hashlib.blake2b(f"{self.seed}/rng/{name}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big")


#: The whole trace: every machine, all eight days, seed 0.
FULL = Scale()
