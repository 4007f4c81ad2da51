"""The wire contract: the committed generated tree matches the protos, and the protos hold.

Why these tests exist:
- Generated code is committed, so it can silently fall behind an edited ``.proto``; the
  drift test regenerates from scratch and compares byte for byte, and a second test proves
  that comparison really fails on an edit (a check that cannot fail protects nothing).
- Messages must survive the wire unchanged, every service a tier relies on must have its
  stub, and every enum must start at ``*_UNSPECIFIED = 0`` so an unset field never reads
  as a meaningful value.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import grpc
import pytest
from google.protobuf import descriptor as _descriptor
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

import sigma.v1
from sigma.v1 import (
    apiserver_pb2_grpc,
    app_pb2,
    batch_pb2,
    event_pb2,
    meta_pb2,
    node_pb2,
    pod_pb2,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO_DIR = REPO_ROOT / "protos" / "sigma" / "v1"
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


# --- drift -----------------------------------------------------------------------------


def test_committed_tree_matches_fresh_generation(tmp_path: Path) -> None:
    gen_protos.generate(tmp_path)
    problems = gen_protos.compare_trees(tmp_path, gen_protos.OUT_DIR)
    assert not problems, f"libs/sigma/v1 is stale ({REGENERATE}):\n" + "\n".join(problems)


def test_editing_a_proto_without_regenerating_is_detected(tmp_path: Path) -> None:
    edited_root = tmp_path / "protos"
    shutil.copytree(REPO_ROOT / "protos", edited_root)
    pod_proto = edited_root / "sigma" / "v1" / "pod.proto"
    source = pod_proto.read_text(encoding="utf-8")
    anchor = "  int32 instance_index = 10;\n}"
    assert anchor in source, "test anchor moved; update this test"
    pod_proto.write_text(
        source.replace(anchor, "  int32 instance_index = 10;\n  string drift_probe = 99;\n}"),
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

    source = (REPO_ROOT / "libs" / "sigma" / "cri" / "client.py").read_text()
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


# --- round trips -----------------------------------------------------------------------


def _meta(name: str, namespace: str = "search") -> meta_pb2.ObjectMeta:
    return meta_pb2.ObjectMeta(
        namespace=namespace,
        name=name,
        uid=f"uid-{name}",
        labels={"app": "frontend"},
        annotations={"note": "x"},
        resource_version=42,
        generation=3,
        creation_timestamp=Timestamp(seconds=1_700_000_000, nanos=5),
        owner_references=[meta_pb2.OwnerReference(kind="App", name="frontend", uid="u1")],
    )


def _template() -> pod_pb2.PodTemplate:
    return pod_pb2.PodTemplate(
        labels={"app": "frontend"},
        containers=[
            pod_pb2.Container(
                name="main",
                command=["python", "-m", "http.server"],
                args=["8080"],
                env={"MODE": "prod"},
                working_dir="/srv",
                resources=pod_pb2.ResourceRequirements(
                    requests=meta_pb2.ResourceList(cpu_millis=500, memory_bytes=256 << 20),
                    limits=meta_pb2.ResourceList(cpu_millis=1000, memory_bytes=512 << 20),
                ),
            )
        ],
        qos_class=meta_pb2.QOS_CLASS_LS,
        priority=100,
        node_selector={"zone": "a"},
        tolerations=[
            meta_pb2.Toleration(
                key="dedicated",
                operator=meta_pb2.TOLERATION_OPERATOR_EQUAL,
                value="search",
                effect=meta_pb2.TAINT_EFFECT_NO_SCHEDULE,
            )
        ],
        termination_grace_period=Duration(seconds=30),
    )


def _pod() -> pod_pb2.Pod:
    return pod_pb2.Pod(
        meta=_meta("frontend-0"),
        spec=pod_pb2.PodSpec(
            template=_template(),
            owner_kind=pod_pb2.POD_OWNER_KIND_APP,
            owner_name="frontend",
            node_name="n1",
            priority=100,
            qos_class=meta_pb2.QOS_CLASS_LSE,
            template_hash="abc123",
            instance_index=0,
        ),
        status=pod_pb2.PodStatus(
            phase=pod_pb2.POD_PHASE_RUNNING,
            node_name="n1",
            cpuset="0-3,8",
            start_time=Timestamp(seconds=1_700_000_100),
            conditions=[meta_pb2.Condition(type="Ready", status=meta_pb2.CONDITION_STATUS_TRUE)],
        ),
    )


def _app() -> app_pb2.App:
    return app_pb2.App(
        meta=_meta("frontend"),
        spec=app_pb2.AppSpec(
            replicas=10,
            template=_template(),
            qos_class=meta_pb2.QOS_CLASS_LS,
            priority=100,
            spread=app_pb2.SpreadPolicy(
                constraints=[
                    app_pb2.SpreadConstraint(
                        level=app_pb2.TOPOLOGY_LEVEL_CHASSIS,
                        mode=app_pb2.SPREAD_MODE_HARD,
                        max_skew=1,
                    )
                ]
            ),
            upgrade=app_pb2.RollingUpgradePolicy(max_unavailable=1, max_surge_percent=25),
            min_replicas=3,
            time_sharing=app_pb2.TimeSharingPolicy(
                enabled=True,
                profile=app_pb2.TrafficProfile(slot_seconds=3600, load=[0.2] * 8 + [1.0] * 16),
                headroom=0.2,
                lead_time=Duration(seconds=600),
            ),
        ),
        status=app_pb2.AppStatus(observed_generation=3, replicas=10, ready_replicas=9),
    )


def _node() -> node_pb2.Node:
    capacity = meta_pb2.ResourceList(cpu_millis=64_000, memory_bytes=256 << 30)
    return node_pb2.Node(
        meta=_meta("n1", namespace=""),
        spec=node_pb2.NodeSpec(
            capacity=capacity,
            allocatable=meta_pb2.ResourceList(cpu_millis=62_000, memory_bytes=250 << 30),
            topology=node_pb2.NodeTopology(host="n1", chassis="c1", core_switch="s1"),
            taints=[
                meta_pb2.Taint(
                    key="dedicated", value="search", effect=meta_pb2.TAINT_EFFECT_NO_EXECUTE
                )
            ],
            cpu_count=64,
        ),
        status=node_pb2.NodeStatus(
            phase=node_pb2.NODE_PHASE_READY,
            last_heartbeat=Timestamp(seconds=1_700_000_200),
            usage=node_pb2.NodeUsage(cpu_millis=20_000, online_cpu_millis=12_000),
            batch_capacity=meta_pb2.ResourceList(cpu_millis=30_000, memory_bytes=100 << 30),
            allocated=node_pb2.NodeAllocated(online=meta_pb2.ResourceList(cpu_millis=8_000)),
        ),
    )


def _batch_job() -> batch_pb2.BatchJob:
    return batch_pb2.BatchJob(
        meta=_meta("etl"),
        spec=batch_pb2.BatchJobSpec(
            tasks=[
                batch_pb2.BatchTask(name="extract", instances=4, template=_template()),
                batch_pb2.BatchTask(
                    name="load",
                    instances=1,
                    depends_on=["extract"],
                    template=_template(),
                    duration_hint=Duration(seconds=120),
                    max_retries=0,
                ),
            ],
            priority=10,
            qos_class=meta_pb2.QOS_CLASS_BE,
            max_retries=3,
        ),
        status=batch_pb2.BatchJobStatus(
            phase=batch_pb2.BATCH_JOB_PHASE_RUNNING,
            tasks=[batch_pb2.BatchTaskStatus(name="extract", running=4)],
        ),
    )


def _event() -> event_pb2.Event:
    return event_pb2.Event(
        type=event_pb2.EVENT_TYPE_MODIFIED,
        kind="Pod",
        key="search/frontend-0",
        revision=43,
        prev_revision=42,
        timestamp=Timestamp(seconds=1_700_000_300),
        pod=_pod(),
    )


@pytest.mark.parametrize("build", [_pod, _app, _node, _batch_job, _event])
def test_messages_survive_serialisation(build: object) -> None:
    message = build()  # type: ignore[operator]
    parsed = type(message).FromString(message.SerializeToString())
    assert parsed == message


def test_explicit_zero_retries_is_distinguishable_from_unset() -> None:
    tasks = batch_pb2.BatchJob.FromString(_batch_job().SerializeToString()).spec.tasks
    assert not tasks[0].HasField("max_retries")
    assert tasks[1].HasField("max_retries") and tasks[1].max_retries == 0


def test_event_carries_exactly_one_object() -> None:
    event = event_pb2.Event.FromString(_event().SerializeToString())
    assert event.WhichOneof("object") == "pod"
    event.node.CopyFrom(_node())
    assert event.WhichOneof("object") == "node"
    assert not event.HasField("pod")


# --- services --------------------------------------------------------------------------

# The services each tier serves, by the proto file that declares them.
SERVICES = {
    "apiserver": ["Apps", "BatchJobs", "Pods", "Nodes", "Tasks", "Events"],
    "scheduler": ["Scheduler"],
    "colocator": ["Colocator"],
    "slave": ["Slave"],
}


@pytest.mark.parametrize(
    ("stem", "service_name"),
    [(stem, name) for stem, names in SERVICES.items() for name in names],
)
def test_service_stubs_bind_every_method(stem: str, service_name: str) -> None:
    messages = importlib.import_module(f"sigma.v1.{stem}_pb2")
    stubs = importlib.import_module(f"sigma.v1.{stem}_pb2_grpc")
    service = messages.DESCRIPTOR.services_by_name[service_name]
    assert hasattr(stubs, f"{service_name}Servicer")
    assert hasattr(stubs, f"add_{service_name}Servicer_to_server")
    channel = grpc.insecure_channel("localhost:1")  # never dialled: stubs connect lazily
    try:
        stub = getattr(stubs, f"{service_name}Stub")(channel)
        for method in service.methods:
            assert callable(getattr(stub, method.name)), f"{service_name}.{method.name}"
    finally:
        channel.close()


def test_every_service_is_covered() -> None:
    declared = {
        service for module in _all_proto_modules() for service in module.DESCRIPTOR.services_by_name
    }
    assert declared == {name for names in SERVICES.values() for name in names}


def test_package_reexports_resolve_lazily() -> None:
    for name in sigma.v1.__all__:
        assert getattr(sigma.v1, name) is not None, name
    assert sigma.v1.Pod is pod_pb2.Pod
    assert sigma.v1.AppsStub is apiserver_pb2_grpc.AppsStub
    with pytest.raises(AttributeError):
        _ = sigma.v1.NoSuchMessage


# --- enums -----------------------------------------------------------------------------


def _all_proto_modules() -> list[ModuleType]:
    stems = sorted(path.stem for path in PROTO_DIR.glob("*.proto"))
    assert stems, f"no protos in {PROTO_DIR}"
    return [importlib.import_module(f"sigma.v1.{stem}_pb2") for stem in stems]


def _enums(descriptors: list[_descriptor.Descriptor]) -> list[_descriptor.EnumDescriptor]:
    found: list[_descriptor.EnumDescriptor] = []
    for message in descriptors:
        found += message.enum_types
        found += _enums(list(message.nested_types))
    return found


def _every_enum() -> list[_descriptor.EnumDescriptor]:
    enums: list[_descriptor.EnumDescriptor] = []
    for module in _all_proto_modules():
        enums += module.DESCRIPTOR.enum_types_by_name.values()
        enums += _enums(list(module.DESCRIPTOR.message_types_by_name.values()))
    return enums


def test_every_enum_starts_with_unspecified_and_prefixes_its_values() -> None:
    enums = _every_enum()
    assert len(enums) >= 10
    for enum in enums:
        zero = enum.values_by_number.get(0)
        assert zero is not None and zero.name.endswith("_UNSPECIFIED"), enum.full_name
        prefix = zero.name.removesuffix("UNSPECIFIED")
        for value in enum.values:
            assert value.name.startswith(prefix), f"{enum.full_name}.{value.name}"


def test_every_proto_declares_package_sigma_v1() -> None:
    for module in _all_proto_modules():
        assert module.DESCRIPTOR.package == "sigma.v1", module.__name__
