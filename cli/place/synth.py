"""Synthetic clusters of the contest's shape, for tests and the benchmark.

The contest's own files are not shipped (they are published behind the contest site's
sign-up); these sets copy their shape instead: two machine types half and half
(92 CPU / 288 memory / 2457 disk / P 7 / M 7 / PM 9, and 32 / 64 / 1440 / 7 / 3 / 7), apps with
a heavy-tailed instance count, 98-point daily CPU curves that peak at different hours (so
complementary apps can share a machine), flatter memory curves, disk from a few sizes, rare
P/M/PM instances, interference rules between random apps (a tenth of them an app with itself)
and a current machine for most instances (random, so not necessarily valid). Loads are set as
shares of the cluster: ``cpu_load`` of the CPU below beta = 0.5 at the mean, ``mem_load`` of
memory, and disk about 55%.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

LARGE = (92.0, 288.0, 2457.0, 7.0, 7.0, 9.0)
SMALL = (32.0, 64.0, 1440.0, 7.0, 3.0, 7.0)
DISK_SIZES = np.array([40, 60, 80, 100, 120, 150, 200, 300, 500])
DISK_WEIGHTS = np.array([0.25, 0.22, 0.15, 0.12, 0.09, 0.07, 0.05, 0.03, 0.02])


@dataclass(frozen=True, slots=True)
class Shape:
    """Sizes of a synthetic set; the defaults are the contest's."""

    machines: int = 6000
    apps: int = 9338
    instances: int = 68219
    rules: int = 33000
    points: int = 98
    cpu_load: float = 0.7
    mem_load: float = 0.55
    seed: int = 0

    def scaled(self, factor: float) -> Shape:
        """The same shape with every count multiplied by ``factor`` (at least 2 of each)."""

        def k(v: int) -> int:
            return max(2, round(v * factor))

        return replace(
            self,
            machines=k(self.machines),
            apps=k(self.apps),
            instances=max(k(self.instances), k(self.apps)),
            rules=k(self.rules),
        )


@dataclass(frozen=True, eq=False)
class Cluster:
    """A generated set as arrays, before it is written as CSV."""

    machines: np.ndarray  # (machines, 6)
    cpu: np.ndarray  # (apps, T)
    mem: np.ndarray  # (apps, T)
    scalars: np.ndarray  # (apps, 4) disk, P, M, PM
    instance_app: np.ndarray
    instance_machine: np.ndarray  # -1: none
    rules: np.ndarray  # (rules, 3) a, b, k


def generate(shape: Shape) -> Cluster:
    rng = np.random.default_rng(shape.seed)
    n, a = shape.machines, shape.apps
    machines = np.array([LARGE] * (n - n // 2) + [SMALL] * (n // 2))
    counts = _counts(rng, shape)
    instance_app = np.repeat(np.arange(a), counts)
    t = np.arange(shape.points) / shape.points
    phase = rng.random(a)[:, None]
    swing = rng.uniform(0.2, 0.6, a)[:, None]
    daily = 1 - swing + swing * (0.5 + 0.5 * np.cos(2 * np.pi * (t[None, :] - phase)))
    noise = rng.uniform(0.95, 1.05, (a, shape.points))
    base = rng.lognormal(0.0, 0.8, a)[:, None]
    cpu = base * daily * noise
    mem = rng.lognormal(0.5, 0.7, a)[:, None] * rng.uniform(0.97, 1.03, (a, shape.points))
    cpu *= shape.cpu_load * 0.5 * machines[:, 0].sum() / (cpu.mean(axis=1) @ counts)
    mem *= shape.mem_load * machines[:, 1].sum() / (mem.max(axis=1) @ counts)
    cpu = np.round(np.minimum(cpu, 15.0), 2)
    mem = np.round(np.minimum(mem, 60.0), 2)
    cpu[cpu <= 0] = 0.01
    disk = rng.choice(DISK_SIZES, a, p=DISK_WEIGHTS / DISK_WEIGHTS.sum())
    flags = (rng.random((a, 3)) < np.array([0.1, 0.05, 0.05])).astype(np.int64)
    scalars = np.column_stack([disk, flags])
    share = machines[:, 0] / machines[:, 0].sum()
    current = rng.choice(n, len(instance_app), p=share)
    current[rng.random(len(instance_app)) < 0.05] = -1
    return Cluster(machines, cpu, mem, scalars, instance_app, current, _rules(rng, shape, counts))


def _counts(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """Instances per App: at least one each, heavy-tailed, none above a quarter of the
    machines (so every App can be spread), summing to ``shape.instances`` where that fits."""
    a, cap = shape.apps, max(1, shape.machines // 4)
    weights = rng.pareto(1.3, a) + 1.0
    counts = np.minimum(
        1 + rng.multinomial(max(0, shape.instances - a), weights / weights.sum()), cap
    )
    short = min(shape.instances, a * cap) - int(counts.sum())
    while short > 0:
        room = cap - counts
        extra = np.minimum(rng.multinomial(short, room / room.sum()), room)
        counts += extra
        short -= int(extra.sum())
    return counts


def _rules(rng: np.random.Generator, shape: Shape, counts: np.ndarray) -> np.ndarray:
    """Random ``<A, B, k>`` rules, no pair twice; a tenth of them an app with itself, whose
    k leaves room for the app's instances on a quarter of the machines."""
    a = shape.apps
    pairs = rng.integers(0, a, (shape.rules * 2, 2))
    self_rule = rng.random(len(pairs)) < 0.1
    pairs[self_rule, 1] = pairs[self_rule, 0]
    _, first = np.unique(pairs[:, 0] * a + pairs[:, 1], return_index=True)
    pairs = pairs[np.sort(first)][: shape.rules]
    same = pairs[:, 0] == pairs[:, 1]
    k = rng.choice([0, 1, 2, 3, 5, 10], len(pairs), p=[0.3, 0.25, 0.15, 0.1, 0.1, 0.1])
    floor = -(-counts[pairs[:, 0]] // max(1, shape.machines // 4))
    k = np.where(same, np.maximum(k, floor), k)
    return np.column_stack([pairs, k])


def write(cluster: Cluster, folder: Path) -> dict[str, Path]:
    """Write the set as the contest's four CSV files; returns them by role."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {r: folder / f"{r}.csv" for r in ("machines", "apps", "instances", "rules")}
    with paths["machines"].open("w") as f:
        for i, m in enumerate(cluster.machines):
            f.write(f"machine_{i + 1}," + ",".join(f"{v:g}" for v in m) + "\n")
    with paths["apps"].open("w") as f:
        for i in range(len(cluster.cpu)):
            c = "|".join(f"{v:g}" for v in cluster.cpu[i])
            m = "|".join(f"{v:g}" for v in cluster.mem[i])
            s = ",".join(str(int(v)) for v in cluster.scalars[i])
            f.write(f"app_{i + 1},{c},{m},{s}\n")
    with paths["instances"].open("w") as f:
        for i, (app, on) in enumerate(
            zip(cluster.instance_app, cluster.instance_machine, strict=True)
        ):
            f.write(f"inst_{i + 1},app_{app + 1},{f'machine_{on + 1}' if on >= 0 else ''}\n")
    with paths["rules"].open("w") as f:
        for a, b, k in cluster.rules:
            f.write(f"app_{a + 1},app_{b + 1},{k}\n")
    return paths
