#!/usr/bin/env python3
"""Regenerate the Python trees of the protos: ``libs/sigma/v1`` from ``protos/sigma/v1`` (the
wire contract) and ``libs/sigma/cri/v1`` from ``protos/sigma/cri/v1`` (the Kubernetes CRI, as
published by k8s.io/cri-api; see ``protos/sigma/cri/v1/SOURCE``).

This is the one way generated code is produced, so that what is committed is exactly what
the pinned toolchain makes from the committed ``.proto`` files:

    python scripts/gen_protos.py            # rewrite both trees (messages, .pyi, gRPC stubs)
    python scripts/gen_protos.py --check    # exit 1 and list files if a tree is stale

Why it looks the way it does:

- ``protos/`` mirrors the Python package path (``protos/sigma/v1/x.proto`` declares
  ``package sigma.v1``), so protoc run with ``-I protos`` already emits imports such as
  ``from sigma.v1 import meta_pb2``; nothing is rewritten after generation.
- Output depends on the protoc bundled with grpcio-tools, so the script refuses to run
  (exit 2) unless the installed grpcio-tools is the version pinned in ``constraints.txt``.
  A different version would produce a spurious diff, or code that needs another runtime.
- Each package's ``__init__.py`` is generated too: it re-exports every message, enum, stub,
  servicer and ``add_*_to_server`` lazily, so ``import sigma.v1`` costs nothing and
  ``from sigma.v1 import Pod`` loads only ``pod_pb2`` and what it imports.
- Files in the output directory that generation no longer produces are deleted, and
  files whose content is unchanged are not rewritten (their mtimes stay put).

The functions ``generate``, ``render`` and ``compare_trees`` are the importable API used by
``tests/unit/test_protos_drift.py``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import FileDescriptorSet

REPO_ROOT = Path(__file__).resolve().parents[1]
PROTO_ROOT = REPO_ROOT / "protos"
OUT_DIR = REPO_ROOT / "libs" / "sigma" / "v1"
CONSTRAINTS = REPO_ROOT / "constraints.txt"


@dataclass(frozen=True)
class Package:
    """A folder of ``.proto`` files below PROTO_ROOT and the Python package made from it."""

    path: Path  # below PROTO_ROOT; mirrors the Python package, so generated imports are right
    out_dir: Path
    title: str  # what the generated ``__init__`` says the package is

    @property
    def name(self) -> str:
        return ".".join(self.path.parts)


WIRE = Package(Path("sigma", "v1"), OUT_DIR, "Sigma wire contract")
CRI = Package(
    Path("sigma", "cri", "v1"),
    REPO_ROOT / "libs" / "sigma" / "cri" / "v1",
    "Kubernetes CRI v1 (proto package ``runtime.v1``) from k8s.io/cri-api",
)
PACKAGES = (WIRE, CRI)

# Directories the interpreter creates next to generated modules; never part of a comparison.
_IGNORED_NAMES = frozenset({"__pycache__"})


class GenerationError(Exception):
    """Generation could not run or protoc rejected the input."""


class ToolVersionError(GenerationError):
    """The installed grpcio-tools is not the pinned one, so output would not be reproducible."""


def pinned_version(package: str, constraints: Path = CONSTRAINTS) -> str:
    """Return the ``==`` version pinned for ``package`` in a pip constraints file."""
    wanted = _normalise(package)
    try:
        text = constraints.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ToolVersionError(f"{constraints} not found; it must pin {package}") from exc
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        match = re.fullmatch(r"([A-Za-z0-9._-]+)\s*==\s*([^\s;]+)", line)
        if match and _normalise(match.group(1)) == wanted:
            return match.group(2)
    raise ToolVersionError(f"{constraints.name} does not pin {package} with '=='")


def check_tool_version(constraints: Path = CONSTRAINTS) -> str:
    """Fail unless the running grpcio-tools equals its pin; return the version."""
    pinned = pinned_version("grpcio-tools", constraints)
    try:
        installed = importlib.metadata.version("grpcio-tools")
    except importlib.metadata.PackageNotFoundError as exc:
        raise ToolVersionError(
            f"grpcio-tools is not installed; {constraints.name} pins {pinned} "
            f"(pip install -c {constraints.name} grpcio-tools)"
        ) from exc
    if installed != pinned:
        raise ToolVersionError(
            f"grpcio-tools {installed} is installed but {constraints.name} pins {pinned}; "
            f"install the pinned version (pip install -c {constraints.name} grpcio-tools) "
            "so generated code is reproducible"
        )
    return installed


def render(
    proto_root: Path = PROTO_ROOT, constraints: Path = CONSTRAINTS, package: Package = WIRE
) -> dict[str, bytes]:
    """Compile every ``.proto`` of ``package`` and return the generated files by name.

    The result maps a file name inside the package directory (``pod_pb2.py``,
    ``__init__.py``, ...) to its bytes. Nothing is written outside a private temp dir.
    """
    check_tool_version(constraints)
    # Imported only after the version check, so a wrong or missing install fails cleanly.
    from google.protobuf import descriptor_pb2
    from grpc_tools import protoc

    package_dir = proto_root / package.path
    protos = sorted(p.relative_to(proto_root).as_posix() for p in package_dir.glob("*.proto"))
    if not protos:
        raise GenerationError(f"no .proto files in {package_dir}")
    well_known = Path(protoc.__file__).resolve().parent / "_proto"

    with tempfile.TemporaryDirectory(prefix="sigma-protos-") as tmp:
        out = Path(tmp, "out")
        out.mkdir()
        descriptor_set = Path(tmp, "descriptors.pb")
        args = [
            "grpc_tools.protoc",
            f"-I{proto_root}",
            f"-I{well_known}",
            f"--python_out={out}",
            f"--pyi_out={out}",
            f"--grpc_python_out={out}",
            f"--descriptor_set_out={descriptor_set}",
            *protos,
        ]
        # Paths are passed relative to -I, so output never embeds where the tree lives.
        if protoc.main(args) != 0:
            raise GenerationError(f"protoc failed on {proto_root} (see messages above)")
        files_set = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes())
        generated_dir = out / package.path
        files = {
            path.name: path.read_bytes()
            for path in sorted(generated_dir.iterdir())
            if path.is_file()
        }
    files["__init__.py"] = _render_init(files_set, package).encode("utf-8")
    return files


def generate(
    out_dir: Path = OUT_DIR,
    proto_root: Path = PROTO_ROOT,
    constraints: Path = CONSTRAINTS,
    package: Package = WIRE,
) -> list[str]:
    """Make ``out_dir`` hold exactly the generated tree; return the names changed or removed."""
    files = render(proto_root, constraints, package)
    out_dir.mkdir(parents=True, exist_ok=True)
    changed: list[str] = []
    for entry in sorted(out_dir.iterdir()):
        if entry.name in _IGNORED_NAMES or entry.name in files:
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        changed.append(entry.name)
    for name, content in sorted(files.items()):
        target = out_dir / name
        if target.is_file() and target.read_bytes() == content:
            continue
        target.write_bytes(content)
        changed.append(name)
    return sorted(changed)


def compare_trees(expected: Path, actual: Path) -> list[str]:
    """List how ``actual`` differs from ``expected``, one ``"<how>: <file>"`` line per file.

    Byte-for-byte: a file is ``missing`` from actual, ``extra`` in actual, or ``differs``.
    Interpreter caches are ignored. An empty list means the trees are identical.
    """
    want = _tree_files(expected)
    have = _tree_files(actual)
    problems = [f"missing: {name}" for name in sorted(want.keys() - have.keys())]
    problems += [f"extra: {name}" for name in sorted(have.keys() - want.keys())]
    problems += [
        f"differs: {name}"
        for name in sorted(want.keys() & have.keys())
        if want[name].read_bytes() != have[name].read_bytes()
    ]
    return problems


def check(
    out_dir: Path = OUT_DIR,
    proto_root: Path = PROTO_ROOT,
    constraints: Path = CONSTRAINTS,
    package: Package = WIRE,
) -> list[str]:
    """Generate into a temp dir and compare with ``out_dir``; return the differences."""
    with tempfile.TemporaryDirectory(prefix="sigma-protos-check-") as tmp:
        fresh = Path(tmp)
        generate(fresh, proto_root, constraints, package)
        return compare_trees(fresh, out_dir)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: exit 0 on success, 1 on drift (``--check``), 2 on a setup error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 listing files if a generated tree differs from what "
        "generation would produce",
    )
    parser.add_argument("--proto-root", type=Path, default=PROTO_ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--constraints", type=Path, default=CONSTRAINTS, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    stale = False
    try:
        for package in PACKAGES:
            out = _display(package.out_dir)
            given = (package.out_dir, options.proto_root, options.constraints, package)
            if not options.check:
                changed = generate(*given)
                print(f"{out}: {', '.join(changed) if changed else 'nothing changed'}")
                continue
            problems = check(*given)
            if not problems:
                print(f"{out} is up to date")
                continue
            stale = True
            print(
                f"{out} is out of date with {_display(options.proto_root / package.path)}; "
                "run scripts/gen_protos.py:",
                file=sys.stderr,
            )
            for problem in problems:
                print(f"  {problem}", file=sys.stderr)
    except GenerationError as exc:
        print(f"gen_protos: {exc}", file=sys.stderr)
        return 2
    return 1 if stale else 0


def _render_init(files_set: FileDescriptorSet, package: Package) -> str:
    """Source of the package ``__init__``: lazy re-exports of every generated public name."""
    exports: dict[str, str] = {}
    for proto in files_set.file:
        stem = Path(proto.name).stem
        names = [(m.name, f"{stem}_pb2") for m in proto.message_type]
        names += [(e.name, f"{stem}_pb2") for e in proto.enum_type]
        for service in proto.service:
            module = f"{stem}_pb2_grpc"
            names += [
                (f"{service.name}Stub", module),
                (f"{service.name}Servicer", module),
                (f"add_{service.name}Servicer_to_server", module),
            ]
        for name, module in names:
            if exports.setdefault(name, module) != module:
                raise GenerationError(f"{name} is defined by both {exports[name]} and {module}")
    ordered = sorted(exports.items())
    type_imports = "\n".join(
        f"    from {package.name}.{module} import {name} as {name}" for name, module in ordered
    )
    table = "\n".join(f'    "{name}": "{module}",' for name, module in ordered)
    source = f"protos/{package.path.as_posix()}/*.proto"
    return f'''"""{package.title}, package ``{package.name}``: GENERATED, DO NOT EDIT.

Generated from {source} by scripts/gen_protos.py; edit the .proto files
and run ``python scripts/gen_protos.py`` (CI runs it with ``--check``).

Importing this package is cheap: each name below is resolved on first use by importing
only the module that defines it, e.g. ``from sigma.v1 import Pod`` loads ``pod_pb2``.
The modules themselves (``from sigma.v1 import pod_pb2``) work as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
{type_imports}

_EXPORTS: dict[str, str] = {{
{table}
}}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")
    value = getattr(importlib.import_module(f"{{__name__}}.{{module}}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({{*globals(), *_EXPORTS}})
'''


def _tree_files(root: Path) -> dict[str, Path]:
    """Files below ``root`` by relative POSIX path, skipping interpreter caches."""
    if not root.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and not _IGNORED_NAMES.intersection(path.relative_to(root).parts)
        and path.suffix != ".pyc"
    }


def _normalise(name: str) -> str:
    """PEP 503 name normalisation, so ``grpcio_tools`` matches ``grpcio-tools``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _display(path: Path) -> str:
    """A path relative to the repository when it is inside it, for short messages."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
