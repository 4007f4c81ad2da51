"""The layering, checked on every import the code makes (its syntax tree, not its behaviour).

    libs/sigma  ←  services/<tier>  ←  cli/  (the application layer: the sigma command)

``libs/sigma`` (ports, adapters, shared records and policy) imports no tier and not ``cli``; a
tier imports ``libs/sigma`` and itself, never another tier and not ``cli``; ``cli`` may
compose anything. Imports inside functions count, and so does a module named in a string to
``importlib``: a hidden dependency is still one. Code that runs in a deployment (all three)
never imports a development-only package (pytest, hypothesis): they are not installed there.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIERS = frozenset({"apiserver", "scheduler", "colocator", "slave"})
DEV_ONLY = frozenset({"pytest", "hypothesis", "_pytest", "pytest_asyncio", "pytest_timeout"})
GENERATED = ("libs/sigma/v1/", "libs/sigma/cri/v1/")


def layer_of(path: Path) -> str:
    """ "libs", a tier's name, or "cli"."""
    rel = path.relative_to(ROOT).as_posix()
    if rel.startswith("services/"):
        return rel.split("/")[1]
    return "cli" if rel.startswith("cli/") else "libs"


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import, and of every string literal passed to import_module."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out += [(node.lineno, node.module)]
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.append((node.lineno, node.args[0].value))
    return out


def broken(layer: str, module: str) -> str:
    """Why importing ``module`` from ``layer`` breaks the rule ("" when it does not)."""
    parts = module.split(".")
    if parts[0] in DEV_ONLY:
        return "a development-only package"
    if parts[0] != "sigma" or len(parts) < 2 or layer == "cli":
        return ""
    target = parts[1]
    if target == "cli":
        return "the application layer, which nothing below it imports"
    if target in TIERS and target != layer:
        return "another tier" if layer in TIERS else "a tier, from libs"
    return ""


def violations(roots: list[Path]) -> list[str]:
    """One line per import statement that breaks the rule (its first breach)."""
    found: dict[tuple[str, int], str] = {}
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(GENERATED):
                continue
            layer = layer_of(path)
            for line, module in imported(ast.parse(path.read_text(), rel)):
                why = broken(layer, module)
                if why and (rel, line) not in found:
                    found[(rel, line)] = f"{rel}:{line} imports {module}: {why}"
    return [found[k] for k in sorted(found)]


def test_every_import_follows_the_layering() -> None:
    roots = [ROOT / "libs" / "sigma", ROOT / "services", ROOT / "cli"]
    assert violations(roots) == []


def test_the_check_finds_each_kind_of_breach() -> None:
    """Each rule catches its breach (a check that cannot fail proves nothing)."""
    cases = {
        "services/colocator/x.py": "from sigma.apiserver.api.pods import PodsServicer",
        "services/slave/y.py": 'importlib.import_module("sigma.apiserver.heartbeats")',
        "libs/sigma/z.py": "def f():\n    from sigma.scheduler import loop",
        "services/scheduler/w.py": "from sigma.cli.tiers import TIERS",
        "libs/sigma/engines/v.py": "import pytest",
    }
    expected = {
        "services/colocator/x.py": "another tier",
        "services/slave/y.py": "another tier",
        "libs/sigma/z.py": "a tier, from libs",
        "services/scheduler/w.py": "the application layer",
        "libs/sigma/engines/v.py": "a development-only package",
    }
    for rel, source in cases.items():
        tree = ast.parse(source)
        layer = layer_of(ROOT / rel)
        whys = [broken(layer, m) for _, m in imported(tree)]
        assert any(expected[rel] in w for w in whys), (rel, whys)
    fine = {
        "services/slave/a.py": "from sigma.slave.pods import status\nimport sigma.resources",
        "cli/b.py": "from sigma.apiserver.tier import build\nfrom sigma.slave.tier import build",
        "libs/sigma/c.py": "from sigma.store import Store\nimport grpc",
    }
    for rel, source in fine.items():
        layer = layer_of(ROOT / rel)
        assert not any(broken(layer, m) for _, m in imported(ast.parse(source))), rel
