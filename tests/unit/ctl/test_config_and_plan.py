"""sigmactl's configuration precedence, and apply's plan: which calls make stored = declared."""

from pathlib import Path

import pytest

from sigma.ctl._apply import plan
from sigma.ctl._config import load
from sigma.errors import Invalid
from sigma.v1 import app_pb2, batch_pb2, node_pb2


def _file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return str(path)


def test_defaults_are_the_ports_sigma_up_prints(tmp_path: Path) -> None:
    cfg = load({}, env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert (cfg.apiserver, cfg.scheduler, cfg.colocator) == (
        "127.0.0.1:7070",
        "127.0.0.1:7071",
        "127.0.0.1:7072",
    )
    assert cfg.namespace == "default" and cfg.token == ""


def test_flags_beat_env_beat_file(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        '[sigmactl]\napiserver = "file:1"\nscheduler = "file:2"\ncolocator = "file:3"\n'
        'token = "s3cret"\n',
    )
    env = {"SIGMACTL_CONFIG": path, "SIGMA_SCHEDULER": "env:2", "SIGMA_COLOCATOR": "env:3"}
    cfg = load({"colocator": "flag:3"}, env=env)
    assert (cfg.apiserver, cfg.scheduler, cfg.colocator) == ("file:1", "env:2", "flag:3")
    assert cfg.token == "s3cret" and "s3cret" not in repr(cfg)


def test_the_default_file_is_read_from_the_config_home(tmp_path: Path) -> None:
    (tmp_path / "sigma").mkdir()
    (tmp_path / "sigma" / "config.toml").write_text('[sigmactl]\nnamespace = "shop"\n')
    assert load({}, env={"XDG_CONFIG_HOME": str(tmp_path)}).namespace == "shop"


def test_a_named_file_must_exist_and_keys_must_be_known(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="no such file"):
        load({}, file=str(tmp_path / "missing.toml"), env={})
    path = _file(tmp_path, "[sigmactl]\napiservr = 'x'\n")
    with pytest.raises(Invalid, match="unknown keys"):
        load({}, file=path, env={})


def _app(replicas: int = 3, command: str = "sleep") -> app_pb2.App:
    app = app_pb2.App()
    app.meta.name = "web"
    app.spec.replicas = replicas
    app.spec.template.containers.add(name="c", command=[command])
    return app


def test_plan_creates_what_is_missing_and_leaves_equal_objects_alone() -> None:
    assert plan(_app(), None).action == "create"
    assert plan(_app(), _app()).action == "unchanged"


def test_plan_scales_and_upgrades_only_what_changed() -> None:
    scaled = plan(_app(replicas=5), _app())
    assert (scaled.action, scaled.scale, scaled.template) == ("configure", 5, None)
    upgraded = plan(_app(command="serve"), _app())
    assert upgraded.scale is None and upgraded.template.containers[0].command == ["serve"]
    both = plan(_app(replicas=1, command="serve"), _app())
    assert both.scale == 1 and both.template is not None


def test_plan_ignores_server_filled_fields_but_refuses_fixed_ones() -> None:
    stored = _app()
    stored.spec.upgrade.max_unavailable_percent = 25  # filled by the server, not declared
    stored.spec.priority = 0
    assert plan(_app(), stored).action == "unchanged"
    declared = _app()
    declared.spec.time_sharing.enabled = True
    with pytest.raises(Invalid, match=r"spec\.timeSharing: cannot change"):
        plan(declared, _app())
    system = _app()
    system.meta.labels["sigma.io/app"] = "other"
    with pytest.raises(Invalid, match=r"metadata\.labels\.sigma\.io/app: the system's labels"):
        plan(system, _app())


def test_plan_sets_declared_labels_and_leaves_labels_added_since() -> None:
    relabelled = _app()
    relabelled.meta.labels["team"] = "x"
    p = plan(relabelled, _app())
    assert (p.action, p.labels, p.scale, p.template) == ("configure", {"team": "x"}, None, None)
    assert p.changes == ["metadata.labels.team=x"]
    stored = _app()
    stored.meta.labels["debug"] = "on"  # put there by `sigmactl label`; the manifest says nothing
    assert plan(_app(), stored).action == "unchanged"
    scaled = plan(relabelled, _app(replicas=9))
    assert scaled.scale == 3 and scaled.labels == {"team": "x"}


def test_plan_registers_changed_nodes_and_refuses_job_edits() -> None:
    node = node_pb2.Node()
    node.spec.capacity.cpu_millis = 1000
    bigger = node_pb2.Node()
    bigger.spec.capacity.cpu_millis = 2000
    assert plan(bigger, node).action == "configure"
    assert plan(node, node).action == "unchanged"
    job = batch_pb2.BatchJob()
    job.spec.tasks.add(name="a", instances=1)
    other = batch_pb2.BatchJob()
    other.spec.tasks.add(name="a", instances=2)
    with pytest.raises(Invalid, match="cannot change; delete it first"):
        plan(other, job)
