"""Failures print one line on stderr and exit 2, without a server where none is needed."""

from pathlib import Path

import pytest

from sigma.ctl import main


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("SIGMACTL_CONFIG", "SIGMA_APISERVER", "SIGMA_NAMESPACE", "SIGMA_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_bad_manifest_names_file_document_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "apiVersion: sigma.io/v1\nkind: App\nmetadata: {name: a}\nspec: {replicas: x}\n"
    )
    assert main(["apply", "-f", str(path), "--apiserver", "127.0.0.1:1"]) == 2
    assert _one_line(capsys) == (
        f"sigmactl: {path}: document 1: spec.replicas: expected a whole number, got 'x'\n"
    )


def test_unreachable_apiserver_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["get", "pods", "--apiserver", "127.0.0.1:1", "--timeout", "2"]) == 2
    assert _one_line(capsys).startswith("sigmactl: cannot reach the apiserver at 127.0.0.1:1: ")


def test_unknown_kind_and_bad_selector(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["get", "gizmos", "--apiserver", "127.0.0.1:1"]) == 2
    assert "kind: 'gizmos' is not one of apps, batchjobs, pods, nodes, tasks" in _one_line(capsys)
    assert main(["get", "pods", "-l", "app", "--apiserver", "127.0.0.1:1"]) == 2
    assert "--selector: 'app' is not key=value" in _one_line(capsys)


def test_usage_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["scale", "app", "web"])
    assert exit_.value.code == 2


def test_no_arguments_prints_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: sigmactl") and "apply" in out and "describe" in out
