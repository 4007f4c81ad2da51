"""The committed generated trees (libs/sigma/v1, libs/sigma/cri/v1) match the protos.

Generated code is committed, so it can silently fall behind an edited ``.proto``; the drift
test regenerates from scratch and compares byte for byte, and a second test proves that
comparison really fails on an edit (a check that cannot fail protects nothing). The vendored
CRI proto must stay the upstream file, and the CRI client may only call what it declares.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.unit._protos import REPO_ROOT

REGENERATE = "run `python scripts/gen_protos.py` and commit libs/sigma/v1"


def _load_gen_protos() -> ModuleType:
    """Import scripts/gen_protos.py as a module (scripts/ is not a package)."""
    path = REPO_ROOT / "scripts" / "gen_protos.py"
    spec = importlib.util.spec_from_file_location("gen_protos", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_protos", module)
    spec.loader.exec_module(module)
    return module


gen_protos = _load_gen_protos()


def test_committed_tree_matches_fresh_generation(tmp_path: Path) -> None:
    gen_protos.generate(tmp_path)
    problems = gen_protos.compare_trees(tmp_path, gen_protos.OUT_DIR)
    assert not problems, f"libs/sigma/v1 is stale ({REGENERATE}):\n" + "\n".join(problems)


def test_editing_a_proto_without_regenerating_is_detected(tmp_path: Path) -> None:
    edited_root = tmp_path / "protos"
    shutil.copytree(REPO_ROOT / "protos", edited_root)
    pod_proto = edited_root / "sigma" / "v1" / "pod.proto"
    source = pod_proto.read_text(encoding="utf-8")
    anchor = "  int32 worker_slots = 11;\n}"
    assert anchor in source, "test anchor moved; update this test"
    pod_proto.write_text(
        source.replace(anchor, "  int32 worker_slots = 11;\n  string drift_probe = 99;\n}"),
        encoding="utf-8",
    )

    original, edited = tmp_path / "original", tmp_path / "edited"
    gen_protos.generate(original)
    gen_protos.generate(edited, proto_root=edited_root)

    # Only the edited file's outputs change: generation does not depend on where the
    # proto tree lives, so a copy elsewhere yields byte-identical code for the rest.
    assert gen_protos.compare_trees(original, edited) == [
        "differs: pod_pb2.py",
        "differs: pod_pb2.pyi",
    ]
    # The path CI takes: --check against the committed tree with the edited protos.
    assert gen_protos.main(["--check", "--proto-root", str(edited_root)]) == 1


def test_committed_cri_tree_matches_fresh_generation(tmp_path: Path) -> None:
    cri = gen_protos.CRI
    gen_protos.generate(tmp_path, package=cri)
    problems = gen_protos.compare_trees(tmp_path, cri.out_dir)
    assert not problems, f"libs/sigma/cri/v1 is stale ({REGENERATE}):\n" + "\n".join(problems)


def test_cri_proto_is_the_vendored_file_unchanged() -> None:
    folder = REPO_ROOT / "protos" / "sigma" / "cri" / "v1"
    source = dict(
        line.split(": ", 1) for line in (folder / "SOURCE").read_text().splitlines() if line
    )
    digest = hashlib.sha256((folder / "api.proto").read_bytes()).hexdigest()
    assert source["sha256"] == digest, "api.proto differs from the vendored file; re-vendor it"
    assert source["module"].startswith("k8s.io/cri-api v")
    # The wire names every CRI runtime serves, whatever folder the file sits in here.
    from sigma.cri.v1 import api_pb2

    assert api_pb2.DESCRIPTOR.services_by_name["RuntimeService"].full_name == (
        "runtime.v1.RuntimeService"
    )


def test_every_cri_call_the_client_makes_exists() -> None:
    from sigma.cri.v1 import api_pb2

    client = REPO_ROOT / "libs" / "sigma" / "cri"  # the client and its services
    source = "".join(f.read_text() for f in sorted(client.glob("*.py")))
    called = set(re.findall(r'_call\(\s*"(\w+)"', source))
    served = {m.name for s in api_pb2.DESCRIPTOR.services_by_name.values() for m in s.methods}
    assert len(called) > 15 and called <= served, called - served


def test_compare_trees_reports_missing_extra_and_differing(tmp_path: Path) -> None:
    expected, actual = tmp_path / "expected", tmp_path / "actual"
    expected.mkdir()
    actual.mkdir()
    (expected / "same.py").write_bytes(b"x = 1\n")
    (actual / "same.py").write_bytes(b"x = 1\n")
    (expected / "changed.py").write_bytes(b"x = 1\n")
    (actual / "changed.py").write_bytes(b"x = 2\n")
    (expected / "gone.py").write_bytes(b"")
    (actual / "stale.py").write_bytes(b"")
    (actual / "__pycache__").mkdir()
    (actual / "__pycache__" / "same.cpython-311.pyc").write_bytes(b"\0")

    assert gen_protos.compare_trees(expected, actual) == [
        "missing: gone.py",
        "extra: stale.py",
        "differs: changed.py",
    ]


def test_generate_removes_stale_files_and_keeps_unchanged_ones(tmp_path: Path) -> None:
    gen_protos.generate(tmp_path)
    (tmp_path / "removed_pb2.py").write_text("# left over from a deleted proto\n")
    untouched = tmp_path / "meta_pb2.py"
    mtime = untouched.stat().st_mtime_ns

    changed = gen_protos.generate(tmp_path)

    assert changed == ["removed_pb2.py"]
    assert not (tmp_path / "removed_pb2.py").exists()
    assert untouched.stat().st_mtime_ns == mtime


def test_check_exits_zero_on_the_committed_tree() -> None:
    assert gen_protos.main(["--check"]) == 0


def test_wrong_grpcio_tools_version_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("grpcio-tools==0.0.1\n", encoding="utf-8")

    assert gen_protos.main(["--check", "--constraints", str(constraints)]) == 2

    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "pins 0.0.1" in err
