"""Reading the contest's four CSV files, and the synthetic sets written in that format."""

from pathlib import Path

import numpy as np
import pytest

from sigma.cli.place import synth
from sigma.cli.place.problem import load
from sigma.errors import Invalid

GOOD = {
    "m.csv": "m1,10,20,100,1,1,1\n",
    "a.csv": "a,1|2|3,4|4|4,10,0,0,0\nb,1|1|1,1|1|1,10,1,0,0\n",
    "i.csv": "i1,a,m1\ni2,b,\n",
    "r.csv": "a,b,0\n",
}


def files(tmp_path: Path, **changed: str) -> list[Path]:
    for name, text in {**GOOD, **{k.replace("_", "."): v for k, v in changed.items()}}.items():
        (tmp_path / name).write_text(text)
    return [tmp_path / n for n in GOOD]


def test_a_small_set_reads_into_arrays(tmp_path: Path) -> None:
    p = load(*files(tmp_path))
    assert p.points == 3 and p.machines == 1
    assert p.app_cpu.tolist() == [[1, 2, 3], [1, 1, 1]]
    assert p.app_scalars.tolist() == [[10, 0, 0, 0], [10, 1, 0, 0]]
    assert p.instance_machine.tolist() == [0, -1]
    assert (p.rule_a.tolist(), p.rule_b.tolist(), p.rule_k.tolist()) == ([0], [1], [0])


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"m_csv": "m1,ten,20,100,1,1,1\n"}, "m.csv:1: cpu: 'ten' is not a number"),
        ({"m_csv": "m1,10,20,100,1,1\n"}, "m.csv:1: PM: 6 fields, expected 7"),
        ({"m_csv": "m1,10,20,-1,1,1,1\n"}, "m.csv:1: disk: -1.0 is negative"),
        ({"m_csv": ""}, "m.csv:0: file: no machines"),
        ({"a_csv": "a,1|2,4|4|4,10,0,0,0\n"}, "a.csv:1: mem_curve: 3 points, expected 2"),
        ({"a_csv": "a,1|x|3,4|4|4,10,0,0,0\n"}, "a.csv:1: cpu_curve: not a |-separated"),
        ({"a_csv": "a,1|2|3,4|4|4,1.5,0,0,0\n"}, "a.csv:1: disk: '1.5' is not an integer"),
        ({"i_csv": "i1,zz,m1\n"}, "i.csv:1: app_id: unknown id 'zz'"),
        ({"i_csv": "i1,a,m9\n"}, "i.csv:1: machine_id: unknown id 'm9'"),
        ({"i_csv": "i1,a,m1\ni1,b,\n"}, "i.csv:2: id: 'i1' appears twice"),
        ({"r_csv": "a,b,-1\n"}, "r.csv:1: k: -1 is below 0"),
    ],
)
def test_a_bad_cell_is_named_by_file_line_and_column(
    tmp_path: Path, changed: dict[str, str], message: str
) -> None:
    with pytest.raises(Invalid) as err:
        load(*files(tmp_path, **changed))
    assert str(err.value).startswith(message)


def test_a_synthetic_set_has_the_contest_shape_and_reads_back(tmp_path: Path) -> None:
    shape = synth.Shape().scaled(0.01)
    cluster = synth.generate(shape)
    p = load(*synth.write(cluster, tmp_path).values())
    assert p.machines == shape.machines and p.points == 98
    assert len(p.app_ids) == shape.apps and len(p.instance_ids) == shape.instances
    assert len(p.rule_a) == shape.rules
    pairs = set(zip(p.rule_a.tolist(), p.rule_b.tolist(), strict=True))
    assert len(pairs) == shape.rules  # no pair twice
    assert any(a == b for a, b in pairs) and any(a != b for a, b in pairs)
    assert np.allclose(p.app_cpu, cluster.cpu)
    # Two machine types, half and half; peaks at different hours.
    assert sorted(set(p.machine_cpu.tolist())) == [32.0, 92.0]
    assert len(set(np.argmax(p.app_cpu, axis=1).tolist())) > 20
    assert (p.instance_machine == -1).any() and (p.instance_machine >= 0).any()
    # Same seed, same set.
    assert np.array_equal(synth.generate(shape).instance_app, cluster.instance_app)
