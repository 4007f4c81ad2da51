"""Settings of ``sigma scheduler``: flags, SIGMA_* environment variables or the [scheduler] table.

Only the batch half has settings so far: how long a dead replica's jobs wait before another
takes them over (the lease's TTL), and how many jobs one replica runs at most.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _f(default: Any, text: str) -> Any:
    return field(default=default, metadata={"help": text})


@dataclass(slots=True)
class SchedulerSettings:
    identity: str = _f("", "this replica's name in job claims (default hostname-pid-random)")
    batch_lease_ttl: int = _f(
        10, "seconds a dead replica's batch jobs stay claimed before another resumes them"
    )
    batch_jobs: int = _f(1000, "batch jobs on workers one replica runs a master for, at most")
