"""Malformed manifests and trace rows: a located ``Invalid`` or a result, never anything else.

``sigmactl apply`` must say which source, document and field a manifest breaks; the trace
loaders which file, line and column. Hostile edits of a valid manifest and rows of hostile cells
check that no input slips past the checks into a foreign exception (a KeyError, an overflow).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigma.cli.sim import TraceError, load_cluster_usage, load_jobs
from sigma.ctl._manifest import parse
from sigma.errors import Invalid
from tests.fuzz._checks import fuzz_settings
from tests.fuzz._strategies import HOSTILE_TEXT

FUZZ = fuzz_settings(60)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MANIFESTS = {name: (EXAMPLES / name).read_text() for name in ("web-app.yaml", "etl-job.yaml")}
SCALARS = st.one_of(
    st.sampled_from(
        [*HOSTILE_TEXT[:2], *HOSTILE_TEXT[3:], "-1", "1e400", "nan", "[", "{a: b}", "!!binary x"]
    ),
    st.integers(-(2**70), 2**70).map(str),
    st.text(max_size=12),
)
CELLS = st.one_of(
    st.sampled_from(["", "0", "-1", "nan", "inf", "1e309", "9" * 30, "M1", "j_1", "Terminated"]),
    st.integers(-(2**70), 2**70).map(str),
    st.floats().map(str),
    st.text(st.characters(exclude_characters="\r\n", exclude_categories=["Cs"]), max_size=8),
)


@st.composite
def edited_manifests(draw: st.DrawFn) -> str:
    """An example manifest with one line's value replaced, a line dropped, or garbage put in."""
    lines = draw(st.sampled_from(sorted(MANIFESTS.values()))).splitlines()
    i = draw(st.integers(0, len(lines) - 1))
    edit = draw(st.sampled_from(["value", "drop", "insert"]))
    if edit == "drop":
        del lines[i]
    elif edit == "insert":
        lines.insert(i, draw(st.text(max_size=30)))
    else:
        head, sep, _ = lines[i].partition(": ")
        lines[i] = f"{head}{sep or ': '}{draw(SCALARS)}"
    return "\n".join(lines)


def _manifest_outcome(text: str) -> None:
    try:
        parse(text, "m.yaml", "", "default")
    except Invalid as exc:
        assert exc.field.startswith("m.yaml"), exc.field  # located in the source
        assert exc.reason


@FUZZ
@given(st.one_of(edited_manifests(), st.text(max_size=200)))
def test_manifests_parse_or_fail_with_their_place(text: str) -> None:
    _manifest_outcome(text)


def test_a_huge_number_in_a_manifest_is_located() -> None:
    """Once a ValueError from protobuf ("Value out of range") with no place named."""
    text = MANIFESTS["web-app.yaml"].replace("replicas: 3", f"replicas: {2**70}")
    with pytest.raises(Invalid) as err:
        parse(text, "m.yaml", "", "default")
    assert err.value.field == "m.yaml: document 1: spec.replicas"
    assert "outside" in err.value.reason


def test_a_duration_beyond_protobuf_is_located() -> None:
    """Once a ValueError from protobuf ("Value out of range") with no place named."""
    text = MANIFESTS["etl-job.yaml"].replace("durationHint: 5s", f"durationHint: {10**23}")
    with pytest.raises(Invalid) as err:
        parse(text, "m.yaml", "", "default")
    assert err.value.field == "m.yaml: document 1: spec.tasks[0].durationHint"


BATCH_HEADER = (
    "task_name,instance_num,job_name,task_type,status,start_time,end_time,plan_cpu,plan_mem\n"
)
USAGE_HEADER = "cpu_util_percent,mem_util_percent,net_in,net_out,disk_io_percent\n"


LOADERS = {
    "batch_task.csv": (BATCH_HEADER, lambda path: load_jobs(path, total_machines=4)),
    "usage.csv": (USAGE_HEADER, load_cluster_usage),
}


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_trace_rows_load_or_fail_with_file_line_and_column(tmp_path: Path, name: str) -> None:
    header, load = LOADERS[name]
    path = tmp_path / name

    @FUZZ
    @given(st.lists(st.lists(CELLS, min_size=1, max_size=10), min_size=1, max_size=4))
    def run(rows: list[list[str]]) -> None:
        path.write_text(header + "".join(",".join(r) + "\n" for r in rows))
        try:
            load(path)
        except TraceError as exc:
            assert exc.file == path.name and exc.line >= 1 and exc.column, exc

    run()
