"""Contexts in the config file, `label`'s words, completion's hook, and the new commands' bad
input (one line on stderr, exit 2), all without a server."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from sigma.ctl import main
from sigma.ctl._config import load
from sigma.ctl._labels import parse_changes
from sigma.ctl._writes import mode
from sigma.errors import Invalid

CONFIG = """\
# kept as written: comments, order, spelling
[sigmactl]
namespace = "shop"   # every context's team
timeout = 5.0

[contexts.local]
apiserver = "127.0.0.1:17070"

[contexts.prod]
apiserver = "10.0.0.5:7070"
token = "s3cret"
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "sigma" / "config.toml"
    path.parent.mkdir()
    path.write_text(CONFIG)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("SIGMACTL_CONFIG", "SIGMA_CONTEXT", "SIGMA_APISERVER", "SIGMA_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_a_context_overrides_the_shared_table_and_flags_and_env_override_it(config: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(config.parent.parent)}
    plain = load({}, env=env)
    assert (plain.apiserver, plain.namespace) == ("127.0.0.1:7070", "shop")  # no context chosen
    prod = load({}, env=env, context="prod")
    assert (prod.apiserver, prod.namespace, prod.token, prod.timeout) == (
        "10.0.0.5:7070",
        "shop",
        "s3cret",
        5.0,
    )
    assert load({}, env={**env, "SIGMA_CONTEXT": "local"}).apiserver == "127.0.0.1:17070"
    assert load({}, env={**env, "SIGMA_APISERVER": "env:1"}, context="prod").apiserver == "env:1"
    assert load({"apiserver": "flag:1"}, env=env, context="prod").apiserver == "flag:1"
    with pytest.raises(Invalid, match=r"no context 'staging' in .* \(known: local, prod\)"):
        load({}, env=env, context="staging")


def test_a_bad_context_table_is_named(config: Path) -> None:
    config.write_text(CONFIG + '\n[contexts.bad]\napiservr = "x"\n')
    env = {"XDG_CONFIG_HOME": str(config.parent.parent)}
    with pytest.raises(Invalid, match=r"\[contexts.bad\]: unknown keys \['apiservr'\]"):
        load({}, env=env, context="bad")


def test_use_context_rewrites_one_line_and_get_contexts_hides_tokens(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "current-context"]) == 2
    assert "current-context: is not set in" in capsys.readouterr().err
    assert main(["config", "use-context", "prod"]) == 0
    assert capsys.readouterr().out == 'Switched to context "prod".\n'
    assert config.read_text() == 'current-context = "prod"\n' + CONFIG  # the rest as written
    assert main(["config", "use-context", "local"]) == 0
    assert config.read_text() == 'current-context = "local"\n' + CONFIG
    capsys.readouterr()
    assert main(["config", "current-context"]) == 0
    assert capsys.readouterr().out == "local\n"
    assert main(["config", "get-contexts"]) == 0
    listed = capsys.readouterr().out
    assert listed.splitlines()[1].split() == ["*", "local", "127.0.0.1:17070", "shop", "no"]
    assert listed.splitlines()[2].split() == ["prod", "10.0.0.5:7070", "shop", "yes"]
    assert "s3cret" not in listed
    assert main(["config", "use-context", "staging"]) == 2
    assert "no context 'staging'" in capsys.readouterr().err


def test_label_words() -> None:
    assert parse_changes(["tier=gold", "debug-", "empty="], "labels") == (
        {"tier": "gold", "empty": ""},
        ["debug"],
    )
    assert parse_changes(["a=b-"], "labels") == ({"a": "b-"}, [])  # a value may end in "-"
    for words, field in ((["tier"], "tier"), (["=x"], "=x"), (["a=1", "a-"], "a-"), ([], "labels")):
        with pytest.raises(Invalid) as caught:
            parse_changes(words, "labels")
        assert caught.value.field == field


def test_dry_run_modes() -> None:
    assert [mode(None), mode("client"), mode("server")] == ["none", "client", "server"]
    with pytest.raises(Invalid, match="'both' is not one of none, client, server"):
        mode("both")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_hook_for_sigmactl(
    shell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["completion", shell]) == 0
    assert "sigmactl" in capsys.readouterr().out


def test_new_commands_refuse_bad_input_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    down = ["--apiserver", "127.0.0.1:1"]
    cases = [
        (["get", "pods", "-o", "xml"], "--output: 'xml' is not one of"),
        (["get", "pod/web-0", "-A"], "--all-namespaces: a NAME is read in one namespace"),
        (["get", "pods", "--for", "pod/web-0"], "--for: only events are listed"),
        (["get", "pods", "--sort-by", ".a["], "--sort-by: '.a[' is not a JSONPath"),
        (["wait", "--for", "ready", "pod/web-0"], "--for: 'ready' is not delete"),
        (["wait", "--for", "delete", "pod/a", "app/b"], "KIND/NAME: one kind at a time"),
        (["wait", "--for", "delete", "pods"], "NAME: name the objects"),
        (["wait", "--for=condition=Ready", "tasks", "t"], "tasks have no status.conditions"),
        (["drain", "vm", "--timeout", "-1"], "--timeout: must not be negative"),
        (["label", "pod", "web-0"], "labels: nothing to change"),
        (["label", "tasks", "t", "a=b"], "kind: labels and annotations are set on"),
        (["annotate", "pod/web-0", "note"], "note: expected KEY=VALUE"),
        (["scale", "app", "web", "--replicas", "2", "--dry-run=both"], "--dry-run: 'both'"),
        (["rollout", "status", "pod", "web-0"], "kind: rollout status follows an app"),
    ]
    for argv, said in cases:
        assert main([*argv, *down]) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and said in err, (argv, err)


def test_waiting_commands_take_a_wait_timeout_and_a_request_timeout() -> None:
    from sigma.ctl import build_parser

    args = build_parser().parse_args(
        ["--timeout", "3", "drain", "vm", "--timeout", "60", "--request-timeout", "4"]
    )
    assert isinstance(args, argparse.Namespace)
    assert (args.timeout, args.wait_timeout) == (4.0, 60.0)
    args = build_parser().parse_args(["get", "pods", "--request-timeout", "7"])
    assert args.timeout == 7.0
