"""Sizes a reader can hold in mind, checked on the syntax tree of every hand-written module.

A module over 400 lines, a function over 80 or a class with more than 15 methods has grown
more than one concern; split it where the concerns part instead of raising a limit here.
Generated code (the protobuf stubs) is exempt, as it is in the layering check.
"""

from __future__ import annotations

import ast
from pathlib import Path

from test_layering import GENERATED, ROOT

MODULE_LINES, FUNCTION_LINES, CLASS_METHODS = 400, 80, 15


def oversized(path: Path) -> list[str]:
    """Every limit ``path`` exceeds, one line each, with where and by how much."""
    rel = path.relative_to(ROOT).as_posix()
    source = path.read_text()
    out = []
    lines = len(source.splitlines())
    if lines > MODULE_LINES:
        out.append(f"{rel}: {lines} lines (limit {MODULE_LINES})")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > FUNCTION_LINES:
                out.append(
                    f"{rel}:{node.lineno} {node.name}: {length} lines (limit {FUNCTION_LINES})"
                )
        elif isinstance(node, ast.ClassDef):
            methods = sum(isinstance(b, ast.FunctionDef | ast.AsyncFunctionDef) for b in node.body)
            if methods > CLASS_METHODS:
                out.append(
                    f"{rel}:{node.lineno} {node.name}: {methods} methods (limit {CLASS_METHODS})"
                )
    return out


def hand_written() -> list[Path]:
    roots = [ROOT / "libs" / "sigma", ROOT / "services", ROOT / "cli"]
    paths = [p for root in roots for p in sorted(root.rglob("*.py"))]
    return [p for p in paths if not p.relative_to(ROOT).as_posix().startswith(GENERATED)]


def test_no_module_function_or_class_outgrows_its_limit() -> None:
    assert [line for path in hand_written() for line in oversized(path)] == []


def test_the_check_sees_each_kind_of_excess(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    body = "\n".join(f"    x{i} = {i}" for i in range(FUNCTION_LINES))
    methods = "\n".join(f"    def m{i}(self): ...\n" for i in range(CLASS_METHODS + 1))
    padding = "\n" * MODULE_LINES
    module = tmp_path / "big.py"
    module.write_text(f"def long():\n{body}\n\nclass Wide:\n{methods}{padding}")
    found = oversized(module)
    assert [line.split(": ")[0] for line in found] == ["big.py", "big.py:1 long", "big.py:83 Wide"]
