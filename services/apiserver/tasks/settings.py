"""How task workers claim and step tasks: read by the claim loop and by each attempt."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TaskSettings:
    lease_ttl: int = 10  # seconds a claim lives without renewal
    concurrency: int = 4  # tasks one worker runs at a time
    max_attempts: int = 5  # claims of one task before it fails for good
    step_size: int = 10  # pods created or removed per step (a job's instances: doubling)
    step_interval: float = 0.0  # seconds between steps (pacing; see ApiServerSettings)
    poll: float = 1.0  # seconds a waiting step waits at most for its pods to change
