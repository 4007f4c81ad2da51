"""Where the protos are, and every generated module of sigma.v1, for the proto tests."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO_DIR = REPO_ROOT / "protos" / "sigma" / "v1"


def all_proto_modules() -> list[ModuleType]:
    """The ``*_pb2`` module of every ``.proto`` in protos/sigma/v1."""
    stems = sorted(path.stem for path in PROTO_DIR.glob("*.proto"))
    assert stems, f"no protos in {PROTO_DIR}"
    return [importlib.import_module(f"sigma.v1.{stem}_pb2") for stem in stems]
