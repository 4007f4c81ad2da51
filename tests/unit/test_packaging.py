"""One import namespace, ``sigma``: every package in the tree is declared and importable."""

import importlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOL = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def _on_disk() -> set[str]:
    found = set()
    for package, folder in TOOL["package-dir"].items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base).parts
            found.add(".".join((package, *rel)))
    return found


def test_every_package_on_disk_is_declared() -> None:
    assert _on_disk() == set(TOOL["packages"])


def test_every_declared_package_imports_from_its_folder() -> None:
    for name in TOOL["packages"]:
        module = importlib.import_module(name)
        top = name.split(".")[1] if name.count(".") >= 1 else ""
        folder = TOOL["package-dir"].get(f"sigma.{top}", TOOL["package-dir"]["sigma"])
        assert str(ROOT / folder) in str(module.__file__), (name, module.__file__)
