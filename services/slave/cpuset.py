"""The allocator that cuts a node's CPUs by QoS class (CPU sets in ``sigma.resources.cpusets``).

Placement rules, after Koordinator:

- LSE pods get exclusive whole CPUs: nobody else, batch included, ever runs there;
- LSR pods get reserved CPUs: no other online pod is placed there, batch may borrow them
  (the suppress strategy takes them back the moment the owner needs them);
- LS pods share the pool left after LSE and LSR;
- BE pods share that same pool (plus LSR CPUs), never an LSE CPU; how much of it they get is
  narrowed at run time by the suppress strategy.

The allocator is pure bookkeeping, no I/O: the runtime applies what it decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sigma.errors import ResourceExhausted
from sigma.resources.cpusets import CpuSet
from sigma.v1 import meta_pb2


def whole_cpus(cpu_millis: int) -> int:
    """Whole CPUs an exclusive or reserved pod needs for its request (at least one)."""
    return max(1, -(-cpu_millis // 1000))


@dataclass(slots=True)
class CpuAllocator:
    """Hands out exclusive (LSE) and reserved (LSR) CPUs of one node; the rest is shared.

    Exclusive sets are cut from the highest-numbered CPUs downwards so the low CPUs, where the
    OS and interrupts usually land, stay in the shared pool as long as possible.
    """

    cpu_count: int
    exclusive: dict[str, CpuSet] = field(default_factory=dict)  # pod key → LSE CPUs
    reserved: dict[str, CpuSet] = field(default_factory=dict)  # pod key → LSR CPUs
    min_shared: int = 1  # the shared pool never shrinks below this many CPUs

    @property
    def all_cpus(self) -> CpuSet:
        return frozenset(range(self.cpu_count))

    def taken(self) -> CpuSet:
        return frozenset().union(*self.exclusive.values(), *self.reserved.values())

    def shared_pool(self) -> CpuSet:
        """Where LS pods run: every CPU not exclusive and not reserved."""
        return self.all_cpus - self.taken()

    def batch_pool(self) -> CpuSet:
        """The most batch may ever use: the shared pool plus reserved CPUs, never LSE ones."""
        return self.all_cpus - frozenset().union(*self.exclusive.values())

    def allocate(self, pod_key: str, *, exclusive: bool, cpu_millis: int) -> CpuSet:
        """Take whole CPUs for an LSE (``exclusive``) or LSR pod; idempotent per pod key."""
        book = self.exclusive if exclusive else self.reserved
        if pod_key in book:
            return book[pod_key]
        need = whole_cpus(cpu_millis)
        free = sorted(self.shared_pool(), reverse=True)
        if len(free) - need < self.min_shared:
            raise ResourceExhausted(
                f"{pod_key}: needs {need} whole CPUs, {len(free)} free "
                f"and {self.min_shared} kept for the shared pool"
            )
        cpus = frozenset(free[:need])
        book[pod_key] = cpus
        return cpus

    def adopt(self, pod_key: str, *, exclusive: bool, cpus: CpuSet) -> None:
        """Re-record a set a previous run of the agent handed out (restart-safe adoption)."""
        (self.exclusive if exclusive else self.reserved)[pod_key] = cpus

    def release(self, pod_key: str) -> None:
        self.exclusive.pop(pod_key, None)
        self.reserved.pop(pod_key, None)

    def owned(self, pod_key: str) -> CpuSet | None:
        return self.exclusive.get(pod_key) or self.reserved.get(pod_key)


@dataclass(slots=True)
class NodeCpus:
    """Which CPUs each class gets now: the allocator's cut, and batch's share of its pool as
    the QoS strategies last narrowed it (``batch_cpus``, ``batch_quota``)."""

    allocator: CpuAllocator
    batch_cpus: CpuSet = frozenset()
    batch_quota: int = 0  # millicores; 0: no quota

    @classmethod
    def of(cls, cpu_count: int) -> NodeCpus:
        allocator = CpuAllocator(cpu_count)
        return cls(allocator, allocator.batch_pool())

    def for_pod(self, key: str, qos: int, cpu_millis: int) -> CpuSet:
        """The pod's CPUs: its own whole CPUs (LSE, LSR), batch's share, or the shared pool."""
        if qos in (meta_pb2.QOS_CLASS_LSE, meta_pb2.QOS_CLASS_LSR):
            exclusive = qos == meta_pb2.QOS_CLASS_LSE
            return self.allocator.allocate(key, exclusive=exclusive, cpu_millis=cpu_millis)
        if qos == meta_pb2.QOS_CLASS_BE:
            pool = self.allocator.batch_pool()
            return (self.batch_cpus & pool) or self.allocator.shared_pool()
        return self.allocator.shared_pool()
