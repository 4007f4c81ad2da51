"""The apiserver's own settings: one dataclass, exposed as flags, SIGMA_* variables and TOML keys.

Every limit the validator enforces that an operator may want to move lives here; the fixed
shape rules (name syntax, label lengths) live in ``sigma.apiserver.validation`` because changing
them would break clients, not just tune the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sigma.apiserver.controllers.runner import ControllerSettings
from sigma.apiserver.tasks.worker import TaskSettings
from sigma.config import default
from sigma.election import default_identity


@dataclass(frozen=True, slots=True)
class ApiServerSettings:
    namespaces: tuple[str, ...] = field(
        default=("default", "system"),
        metadata={"help": "known team namespaces, comma separated; requests name one of them"},
    )
    system_namespace: str = field(
        default="system",
        metadata={"help": "the namespace whose callers may write cluster-scoped objects (nodes)"},
    )
    max_replicas: int = field(
        default=10000,
        metadata={"help": "largest replica count of an App (and instances of a task)"},
    )
    max_batch_tasks: int = field(
        default=1000, metadata={"help": "largest number of tasks in one BatchJob"}
    )
    identity: str = field(
        default_factory=default_identity,
        metadata={
            "help": "this replica's id in task owners and logs (default hostname-pid-random)"
        },
    )
    watch_bookmark_interval: float = field(
        default=30.0,
        metadata={"help": "seconds between BOOKMARK events on an idle Watch stream"},
    )
    node_lease_ttl: int = field(
        default=10, metadata={"help": "default node heartbeat lease, seconds"}
    )
    max_node_lease_ttl: int = field(
        default=60, metadata={"help": "longest node heartbeat lease granted, seconds"}
    )
    node_grace: float = field(
        default=default(ControllerSettings, "node_grace"),
        metadata={
            "help": "seconds a node whose heartbeat lease lapsed keeps its pods before they are "
            "moved elsewhere; a slave's fence_after must stay under its lease TTL plus this"
        },
    )
    heartbeat_status_interval: float = field(
        default=10.0,
        metadata={
            "help": "seconds between writes of status.last_heartbeat to a Node that stays ready"
        },
    )
    task_step_size: int = field(
        default=default(TaskSettings, "step_size"),
        metadata={
            "help": "pods a task worker creates or removes per step (a BatchJob's instances: "
            "at least as many as it already has, so a wide job takes a few steps)"
        },
    )
    task_step_interval: float = field(
        default=default(TaskSettings, "step_interval"),
        metadata={
            "help": "least seconds between steps of one task: paces pod creation so a large "
            "rollout cannot flood the store and the scheduler (0: no pacing)"
        },
    )
    task_lease_ttl: int = field(
        default=default(TaskSettings, "lease_ttl"),
        metadata={"help": "seconds a task claim outlives a replica that stopped renewing it"},
    )
    history_revisions: int = field(
        default=default(ControllerSettings, "history_revisions"),
        metadata={
            "help": "store revisions of history kept behind the current one; older ones are "
            "compacted, never past the change stream's checkpoint (0: keep all)"
        },
    )
    finished_pod_retention: float = field(
        default=default(ControllerSettings, "finished_pod_retention"),
        metadata={
            "help": "seconds a finished batch job keeps its stopped pods; then they are "
            "removed and the job keeps its status"
        },
    )
    reschedule: bool = field(
        default=False,
        metadata={
            "help": "run the rescheduler: propose moves of online pods that repair broken "
            "interference rules and lower the convex cost (events RescheduleProposed, "
            "sigma_rescheduler_* metrics)"
        },
    )
    reschedule_apply: bool = field(
        default=False,
        metadata={
            "help": "and apply its repairs: evict each pod over an interference rule or a "
            "per-host cap within its App's disruption budget, for the scheduler to place again "
            "(implies --reschedule)"
        },
    )
    reschedule_apply_cost: bool = field(
        default=False,
        metadata={
            "help": "and its cost moves too: the scheduler places their replacements by its own "
            "scores, which may undo a move (implies --reschedule-apply)"
        },
    )
    reschedule_max_moves: int = field(
        default=default(ControllerSettings, "reschedule_max_moves"),
        metadata={"help": "most moves the rescheduler proposes or applies per decision"},
    )
    reschedule_interval: float = field(
        default=default(ControllerSettings, "reschedule_interval"),
        metadata={"help": "seconds between the rescheduler's decisions"},
    )
    controller_resync: float = field(
        default=default(ControllerSettings, "resync"),
        metadata={
            "help": "seconds between controller passes that visit every App and BatchJob; "
            "the passes between visit only those whose object or pods changed"
        },
    )
    kube_listen: str = field(
        default="127.0.0.1:7080",
        metadata={
            "help": "host:port of the Kubernetes-compatible HTTP API (kubectl's door; TLS with "
            "the tier's TLS flags); empty or 0: not served. Under sigma up its port follows "
            "--ports-from (ten above the apiserver's)"
        },
    )
    change_stream_encoding: str = field(
        default="protobuf",
        metadata={"help": "value encoding of the object-change topics: protobuf or json"},
    )
