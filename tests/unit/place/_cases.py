"""Small problems written as the contest's four CSV files, for hand-computed cases."""

from __future__ import annotations

from pathlib import Path

from sigma.cli.place.problem import Problem, load

FILES = ("machines.csv", "apps.csv", "instances.csv", "rules.csv")


def write_problem(
    folder: Path,
    machines: dict[str, tuple[float, ...]],
    apps: dict[str, tuple[list[float], float, int, int, int, int]],
    instances: list[str],
    rules: list[tuple[str, str, int]],
) -> list[Path]:
    """``machines``: name → (cpu, mem, disk, P, M, PM); ``apps``: name → (CPU curve, flat
    memory, disk, P, M, PM); ``instances``: the App of i0, i1, …"""
    text = {
        "machines.csv": [f"{m},{','.join(f'{v:g}' for v in caps)}" for m, caps in machines.items()],
        "apps.csv": [
            f"{a},{'|'.join(f'{v:g}' for v in cpu)},{'|'.join([f'{mem:g}'] * len(cpu))},"
            + ",".join(map(str, scalars))
            for a, (cpu, mem, *scalars) in apps.items()
        ],
        "instances.csv": [f"i{n},{a}," for n, a in enumerate(instances)],
        "rules.csv": [f"{a},{b},{k}" for a, b, k in rules],
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in text.items():
        (folder / name).write_text("".join(line + "\n" for line in lines))
    return [folder / f for f in FILES]


def problem(folder: Path, *args: object) -> Problem:
    return load(*write_problem(folder, *args))  # type: ignore[arg-type]
