"""The test containerd's config and when it declines to start: no engine is run here."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sigma.engines import containerd


def test_config_keeps_everything_in_the_engines_folder(tmp_path: Path) -> None:
    config = tomllib.loads(containerd.config_toml(tmp_path, "127.0.0.1:5000/sigma/pause:1"))
    assert config["root"].startswith(str(tmp_path)) and config["state"].startswith(str(tmp_path))
    assert config["grpc"]["address"] == str(tmp_path / "containerd.sock")
    cri = config["plugins"]["io.containerd.grpc.v1.cri"]
    assert cri["sandbox_image"] == "127.0.0.1:5000/sigma/pause:1"
    # Without it the pause container cannot start on a root that lacks CAP_SYS_RESOURCE.
    assert cri["restrict_oom_score_adj"] is True
    assert cri["registry"]["config_path"] == str(tmp_path / "certs.d")
    runc = cri["containerd"]["runtimes"]["runc"]
    assert runc["options"]["Root"].startswith(str(tmp_path))


def test_registry_is_reached_over_plain_http() -> None:
    hosts = tomllib.loads(containerd.hosts_toml("127.0.0.1:5000"))
    assert hosts["server"] == "http://127.0.0.1:5000"
    assert hosts["host"]["http://127.0.0.1:5000"]["capabilities"] == ["pull", "resolve"]


def test_declines_without_root_or_binaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(containerd.os, "geteuid", lambda: 1000)
    assert containerd.why_unavailable() == "containerd needs root"
    with pytest.raises(containerd.ContainerdUnavailable, match="needs root"):
        containerd.ContainerdEngine(sandbox_image="x")
    monkeypatch.setattr(containerd.os, "geteuid", lambda: 0)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert containerd.why_unavailable() == "containerd is not installed; run `make engines`"
