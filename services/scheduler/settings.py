"""Settings of ``sigma scheduler``: flags, SIGMA_* environment variables or the [scheduler] table.

``percentage_of_nodes_to_score`` is kube-scheduler's knob of that name (``framework.sampling``):
an attempt stops filtering once it has found that share of the nodes feasible and scores
those. 0 takes the adaptive share, 50% less one point per 125 nodes and never under 5% (all
nodes up to 100; 1,000 of 20,000), which keeps an attempt's cost nearly flat as the cluster
grows; 100 filters and scores every node, the best placement at a cost that grows with the
cluster. Hard constraints hold either way: a pod is unschedulable only when no node of the
whole cluster fits.

The batch half's settings: how long a dead replica's jobs wait before another takes them over
(the lease's TTL), and how many jobs one replica runs at most.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sigma.errors import Invalid


def _f(default: Any, text: str, **more: Any) -> Any:
    return field(default=default, metadata={"help": text, **more})


@dataclass(slots=True)
class SchedulerSettings:
    percentage_of_nodes_to_score: int = _f(
        0,
        "share of nodes (percent) an attempt finds feasible before it scores them; "
        "0: adaptive (50%% less 1 per 125 nodes, at least 5%%), 100: every node",
        metavar="PCT",
    )
    identity: str = _f("", "this replica's name in job claims (default hostname-pid-random)")
    batch_lease_ttl: int = _f(
        10, "seconds a dead replica's batch jobs stay claimed before another resumes them"
    )
    batch_jobs: int = _f(1000, "batch jobs on workers one replica runs a master for, at most")

    def __post_init__(self) -> None:
        if not 0 <= self.percentage_of_nodes_to_score <= 100:
            raise Invalid(
                "percentage_of_nodes_to_score",
                f"must be within 0..100, got {self.percentage_of_nodes_to_score}",
            )
