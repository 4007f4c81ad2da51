"""machine_meta.csv → node specs with capacity and topology.

The file is an event log: a machine appears once per status change. The latest row per
machine wins (ties: the later line), so a machine's topology and status are those it ended
the trace with.

Topology: failure_domain_1 has 292 values of ~14 machines each, failure_domain_2 has 20
values of ~200 machines each. The smaller domain is the chassis and the larger the core
switch a chassis uplinks to, so chassis = failure_domain_1 and core_switch =
failure_domain_2. The two are not strictly nested in the trace (a failure_domain_1 value
meets up to three failure_domain_2 values); each level is kept as the trace has it.

Every row is fatal when malformed: the table is complete and small, and a replay on a
topology with holes would be a different cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sigma.cli.sim._csv import MEMORY_100_BYTES, TraceError, rows
from sigma.cli.sim.scale import FULL, Scale

COLUMNS = (
    "machine_id",
    "time_stamp",
    "failure_domain_1",
    "failure_domain_2",
    "cpu_num",
    "mem_size",
    "status",
)
STATUSES = frozenset({"USING", "IMPORT_INSTALLING"})


@dataclass(frozen=True)
class TraceNode:
    """One machine as a node: capacity in millicores and bytes, topology labels."""

    name: str
    cpu_count: int
    cpu_millis: int
    memory_bytes: int
    host: str
    chassis: str
    core_switch: str
    status: str


def _machine_order(name: str) -> tuple[int, str]:
    """m_2 before m_10: the trace's ids are numbered."""
    digits = name.rpartition("_")[2]
    return (int(digits), name) if digits.isdigit() else (2**63, name)


def load_machines(
    path: Path, scale: Scale = FULL, *, statuses: frozenset[str] = frozenset({"USING"})
) -> list[TraceNode]:
    """Nodes for the machines whose latest status is in ``statuses``, sorted by id.

    With ``scale.machines`` set, a seeded sample of that many machines (all if fewer).
    """
    latest: dict[str, tuple[int, TraceNode]] = {}
    for row in rows(path, COLUMNS, header=False):
        name = row.text("machine_id").strip()
        if not name:
            raise row.error("machine_id", "empty")
        stamp = row.integer("time_stamp")
        cpus = row.integer("cpu_num", minimum=1)
        memory = row.number("mem_size")
        if not 0 < memory <= 100:
            raise row.error("mem_size", f"{memory} is outside (0, 100]")
        status = row.text("status").strip()
        if status not in STATUSES:
            raise row.error("status", f"{status!r} is not one of {sorted(STATUSES)}")
        node = TraceNode(
            name=name,
            cpu_count=cpus,
            cpu_millis=cpus * 1000,
            memory_bytes=round(memory / 100 * MEMORY_100_BYTES),
            host=name,
            chassis=f"fd1-{row.text('failure_domain_1').strip()}",
            core_switch=f"fd2-{row.text('failure_domain_2').strip()}",
            status=status,
        )
        seen = latest.get(name)
        if seen is None or stamp >= seen[0]:
            latest[name] = (stamp, node)
    if not latest:
        raise TraceError(path.name, 0, "file", "no machines")
    nodes = sorted(
        (node for _, node in latest.values() if node.status in statuses),
        key=lambda n: _machine_order(n.name),
    )
    if scale.machines is not None and scale.machines < len(nodes):
        ranked = sorted(nodes, key=lambda n: scale.unit(n.name))[: scale.machines]
        keep = {n.name for n in ranked}
        nodes = [n for n in nodes if n.name in keep]
    return nodes
