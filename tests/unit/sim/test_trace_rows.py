"""DAG names, and malformed or incomplete rows on small hand-written files."""

from collections import Counter
from pathlib import Path

import pytest

from sigma.cli.sim import (
    Scale,
    TaskName,
    TraceError,
    load_apps,
    load_cluster_usage,
    load_jobs,
    load_machines,
    parse_task_name,
)
from sigma.errors import Invalid

HEADER = "task_name,instance_num,job_name,task_type,status,start_time,end_time,plan_cpu,plan_mem\n"
USAGE_HEADER = "cpu_util_percent,mem_util_percent,net_in,net_out,disk_io_percent\n"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("M1", TaskName("1", ())),
        ("M5_3_4", TaskName("5", ("3", "4"))),
        ("R2_1", TaskName("2", ("1",))),
        ("J10_7_9", TaskName("10", ("7", "9"))),
        ("L5_Stg12", TaskName("5", ())),
        ("J10_7_9_Stg4", TaskName("10", ("7", "9"))),
        ("task_ODk2MzU0ODg1MTY5MTExNTUwMg==", TaskName(None, ())),
        ("MergeTask", TaskName(None, ())),
        ("M3_2_2", TaskName("3", ("2",))),
        # Cut at 50 characters after an underscore: every number is whole.
        (
            "J30_4_5_6_8_9_10_12_13_14_16_17_18_19_21_22_24_25_",
            TaskName(
                "30",
                (
                    "4",
                    "5",
                    "6",
                    "8",
                    "9",
                    "10",
                    "12",
                    "13",
                    "14",
                    "16",
                    "17",
                    "18",
                    "19",
                    "21",
                    "22",
                    "24",
                    "25",
                ),
            ),
        ),
        # Cut mid-number: the last one ("1" of 19?) is dropped.
        (
            "R24_1_2_3_4_5_6_7_8_9_10_11_12_13_14_15_16_17_18_1",
            TaskName("24", tuple(str(i) for i in range(1, 19))),
        ),
        ("x_1", None),
        ("7_1", None),
        ("", None),
    ],
)
def test_parse_task_name(name: str, expected: TaskName | None) -> None:
    assert parse_task_name(name) == expected


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _jobs(tmp_path: Path, body: str) -> tuple[list, Counter]:
    jobs, skipped = load_jobs(_write(tmp_path, "batch_task.csv", HEADER + body), total_machines=1)
    return jobs, skipped.counts


def test_malformed_number_names_file_line_and_column(tmp_path: Path) -> None:
    body = "M1,1,j_1,1,Terminated,10,20,100,0.2\nM1,1,j_2,1,Terminated,10,20,abc,0.2\n"
    with pytest.raises(TraceError) as info:
        _jobs(tmp_path, body)
    assert str(info.value) == "batch_task.csv:3: plan_cpu: 'abc' is not a number"
    assert (info.value.file, info.value.line, info.value.column) == (
        "batch_task.csv",
        3,
        "plan_cpu",
    )
    assert isinstance(info.value, Invalid)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("M1,1,j_1,1,Terminated,10", "batch_task.csv:2: end_time: 6 fields, expected 9"),
        (
            "M1,1,j_1,1,Terminated,30,20,100,0.2",
            "batch_task.csv:2: end_time: 20 is before start_time 30",
        ),
        (
            "M1,x,j_1,1,Terminated,10,20,100,0.2",
            "batch_task.csv:2: instance_num: 'x' is not a number",
        ),
        ("M1,1,j_1,1,Lost,10,20,100,0.2", "batch_task.csv:2: status: 'Lost' is not one of"),
        ("??,1,j_1,1,Terminated,10,20,100,0.2", "batch_task.csv:2: task_name: '??' is neither"),
        ("M1,1,j_1,1,Terminated,10,20,100,101", "batch_task.csv:2: plan_mem: 101.0 is outside"),
    ],
)
def test_malformed_batch_rows_are_fatal(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(TraceError) as info:
        _jobs(tmp_path, row + "\n")
    assert str(info.value).startswith(message)


def test_bad_header_is_fatal(tmp_path: Path) -> None:
    path = _write(tmp_path, "b.csv", "name,n\nM1,1\n")
    with pytest.raises(TraceError, match=r"b.csv:1: header: expected task_name"):
        load_jobs(path, total_machines=1)


def test_incomplete_jobs_are_skipped_whole_and_counted(tmp_path: Path) -> None:
    body = (
        "M1,1,j_ok,1,Terminated,100,110,100,0.2\n"
        "R2_1,3,j_ok,1,Terminated,110,150,50,0.1\n"
        "task_a,,j_wait,6,Waiting,0,0,,\n"
        "M1,1,j_run,1,Terminated,100,120,100,0.2\n"
        "R2_1,1,j_run,1,Running,120,0,100,0.2\n"
        "M1,1,j_plan,1,Running,100,200,,\n"
        "R2_1,1,j_cut,1,Terminated,100,120,100,0.2\n"
        "M3_2_1,1,j_cycle,1,Terminated,100,120,100,0.2\n"
        "M1_3,1,j_cycle,1,Terminated,100,120,100,0.2\n"
        "M2_3,1,j_cycle,1,Terminated,100,120,100,0.2\n"
    )
    jobs, skipped = _jobs(tmp_path, body)
    assert [j.name for j in jobs] == ["j_ok"]
    assert skipped == Counter(
        {
            "never started": 1,
            "unfinished in trace": 1,
            "no resource plan": 1,
            "dependency outside the excerpt": 1,
            "cycle": 1,
        }
    )
    (job,) = jobs
    assert job.submit == 100
    m1, r2 = job.tasks
    assert (m1.name, m1.depends_on, m1.memory_bytes) == (
        "M1",
        (),
        round(0.002 * 512 * 1024) * 2**20,
    )
    assert (r2.depends_on, r2.instances, r2.cpu_millis, r2.duration_s) == (("M1",), 3, 500, 40)


def test_jobs_outside_the_window_are_counted(tmp_path: Path) -> None:
    body = "M1,1,j_a,1,Terminated,100,110,100,0.2\nM1,1,j_b,1,Terminated,900,910,100,0.2\n"
    path = _write(tmp_path, "batch_task.csv", HEADER + body)
    jobs, skipped = load_jobs(path, Scale(start=0, end=500), total_machines=1)
    assert [j.name for j in jobs] == ["j_a"]
    assert skipped.counts == Counter({"outside window": 1})


def test_machine_rows(tmp_path: Path) -> None:
    good = "m_2,0,5,1,96,100,USING\nm_2,50,6,1,96,100,USING\nm_10,0,7,2,96,50,IMPORT_INSTALLING\n"
    nodes = load_machines(_write(tmp_path, "machine_meta.csv", good))
    assert [(n.name, n.chassis) for n in nodes] == [("m_2", "fd1-6")]  # latest row wins
    both = load_machines(
        tmp_path / "machine_meta.csv", statuses=frozenset({"USING", "IMPORT_INSTALLING"})
    )
    assert [n.name for n in both] == ["m_2", "m_10"]  # numeric order
    assert both[1].memory_bytes == 256 * 2**30
    bad = good + "m_3,0,5,1,96,0,USING\n"
    with pytest.raises(TraceError, match=r"machine_meta.csv:4: mem_size: 0.0 is outside"):
        load_machines(_write(tmp_path, "machine_meta.csv", bad))


def test_container_rows(tmp_path: Path) -> None:
    rows = (
        "c_1,m_1,0,app_1,started,400,400,1.56\n"
        "c_1,m_1,500,app_1,stopped,400,400,1.56\n"
        "c_2,m_2,0,app_1,started,400,480,1.56\n"
        "c_3,m_3,0,app_1,started,800,800,3.13\n"
        "c_4,m_3,0,app_2,stopped,800,800,3.13\n"
        "c_5,m_3,700,app_3,allocated,100,100,0.78\n"
    )
    path = _write(tmp_path, "container_meta.csv", rows)
    apps, skipped = load_apps(path, total_machines=1)
    assert [(a.name, a.replicas) for a in apps] == [("app_1", 3), ("app_3", 1)]
    assert skipped.counts == Counter({"no live replica in window": 1})
    late, _ = load_apps(path, Scale(start=600, end=1000), total_machines=1)
    assert [(a.name, a.replicas) for a in late] == [("app_1", 2), ("app_3", 1)]
    # Three sizes, one each: the tie goes to the largest request.
    assert apps[0].cpu_request_millis == 8000
    bad = rows + "c_6,m_1,0,app_4,started,400,300,1.56\n"
    with pytest.raises(
        TraceError, match=r"container_meta.csv:7: cpu_limit: 300 is below cpu_request 400"
    ):
        load_apps(_write(tmp_path, "container_meta.csv", bad), total_machines=1)


def test_usage_rows(tmp_path: Path) -> None:
    path = _write(tmp_path, "usage.csv", USAGE_HEADER + "40,88,1,1,1\n60,90,1,1,1\n")
    curve = load_cluster_usage(path)
    assert curve.cpu == (0.4, 0.6)
    bad = _write(tmp_path, "usage.csv", USAGE_HEADER + "40,88,1,1,1\n140,90,1,1,1\n")
    with pytest.raises(TraceError, match=r"usage.csv:3: cpu_util_percent: 140.0 is outside"):
        load_cluster_usage(bad)


def test_missing_file_is_a_trace_error(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match=r"nope\.csv:0: file: cannot open"):
        load_machines(tmp_path / "nope.csv")


def test_scale_rejects_nonsense() -> None:
    with pytest.raises(Invalid, match="machines"):
        Scale(machines=0)
    with pytest.raises(Invalid, match="window"):
        Scale(start=10, end=5)
