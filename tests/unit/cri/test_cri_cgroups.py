"""Finding a container's cgroup files on v1, hybrid and v2 machines, and reading its usage."""

from __future__ import annotations

from pathlib import Path

from sigma.cri import cgroups

HYBRID = """\
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
/dev/vda / ext4 rw,relatime 0 0
"""
COMOUNTED = "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,cpu,cpuacct 0 0\n"
PURE_V2 = "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0\n"
PATH = "/sigma/web-0/abc"


def test_hybrid_machine_reads_v1_controllers() -> None:
    h = cgroups.parse_mounts(HYBRID)
    assert h.v2 == Path("/sys/fs/cgroup/unified")
    assert h.dir("cpu", PATH) == Path("/sys/fs/cgroup/cpu/sigma/web-0/abc")
    assert h.dir("freezer", PATH) is None  # not mounted, and v1 controllers never live in v2
    files = cgroups.usage_files(h, PATH)
    assert files.cpu == Path("/sys/fs/cgroup/cpuacct/sigma/web-0/abc/cpuacct.usage")
    assert files.memory == Path("/sys/fs/cgroup/memory/sigma/web-0/abc/memory.usage_in_bytes")
    assert len(h.every_dir(PATH)) == 5


def test_comounted_controllers_share_a_folder() -> None:
    h = cgroups.parse_mounts(COMOUNTED)
    assert h.dir("cpu", PATH) == h.dir("cpuacct", PATH)
    assert h.every_dir(PATH) == [Path("/sys/fs/cgroup/cpu,cpuacct/sigma/web-0/abc")]


def test_pure_v2_machine_reads_the_one_tree() -> None:
    h = cgroups.parse_mounts(PURE_V2)
    files = cgroups.usage_files(h, PATH)
    assert files.cpu == Path("/sys/fs/cgroup/sigma/web-0/abc/cpu.stat")
    assert files.memory == Path("/sys/fs/cgroup/sigma/web-0/abc/memory.current")
    assert h.dir("cpu", PATH) == Path("/sys/fs/cgroup/sigma/web-0/abc")


def test_usage_v1_counts_nanoseconds_and_drops_inactive_file_cache() -> None:
    files = cgroups.usage_files(cgroups.parse_mounts(HYBRID), PATH)
    stat = "cache 4096\ninactive_file 999\ntotal_inactive_file 8192\n"
    usage = cgroups.parse_usage(files, "1500000\n", "20480\n", stat)
    assert usage == cgroups.Usage(cpu_ns=1_500_000, memory_bytes=20480, working_set_bytes=12288)


def test_usage_v2_converts_microseconds() -> None:
    files = cgroups.usage_files(cgroups.parse_mounts(PURE_V2), PATH)
    usage = cgroups.parse_usage(files, "usage_usec 1500\nuser_usec 1000\n", "4096\n", "anon 1\n")
    assert usage == cgroups.Usage(cpu_ns=1_500_000, memory_bytes=4096, working_set_bytes=4096)


def test_read_usage_of_a_gone_cgroup_is_none(tmp_path: Path) -> None:
    h = cgroups.Hierarchies(v2=tmp_path)
    assert cgroups.read_usage(cgroups.usage_files(h, PATH)) is None


def test_idle_file_only_where_the_kernel_has_one(tmp_path: Path) -> None:
    h = cgroups.Hierarchies(v1={"cpu": tmp_path})
    (tmp_path / "pod").mkdir()
    assert cgroups.idle_file(h, "/pod") is None
    (tmp_path / "pod" / "cpu.idle").write_text("0\n")
    assert cgroups.idle_file(h, "/pod") == tmp_path / "pod" / "cpu.idle"


def test_remove_tree_takes_empty_children_first_and_says_what_stayed(tmp_path: Path) -> None:
    cpu, memory = tmp_path / "cpu", tmp_path / "memory"
    h = cgroups.Hierarchies(v1={"cpu": cpu, "memory": memory})
    (cpu / "sigma" / "web-0" / "c1").mkdir(parents=True)
    (memory / "sigma" / "web-0").mkdir(parents=True)
    (memory / "sigma" / "web-0" / "busy").write_text("a process would be here")
    assert cgroups.remove_tree(h, "/sigma/web-0") == [memory / "sigma" / "web-0"]
    assert not (cpu / "sigma" / "web-0").exists() and (cpu / "sigma").exists()


def test_freeze_file_is_in_the_v2_tree_even_on_a_hybrid_machine(tmp_path: Path) -> None:
    h = cgroups.Hierarchies(v1={"cpu": tmp_path / "cpu"}, v2=tmp_path / "unified")
    (tmp_path / "unified" / "pod").mkdir(parents=True)
    assert cgroups.freeze_file(h, "/pod") is None
    (tmp_path / "unified" / "pod" / "cgroup.freeze").write_text("0\n")
    assert cgroups.freeze_file(h, "/pod") == tmp_path / "unified" / "pod" / "cgroup.freeze"
    assert cgroups.freeze_file(cgroups.Hierarchies(v1={"cpu": tmp_path}), "/pod") is None
