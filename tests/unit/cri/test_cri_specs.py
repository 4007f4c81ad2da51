"""Sandbox and container configs, the error table and the verbose info: no runtime needed."""

from __future__ import annotations

import json

import grpc
import pytest

from sigma.cri.channel import translate
from sigma.cri.resources import Resources
from sigma.cri.services import ContainerInfo, parse_info
from sigma.cri.specs import ContainerSpec, SandboxSpec, container_config, sandbox_config
from sigma.cri.v1 import api_pb2
from sigma.errors import (
    DeadlineExceeded,
    FailedPrecondition,
    Invalid,
    NotFound,
    Unavailable,
)

SANDBOX = SandboxSpec("web-0", "shop", "uid-1", "/var/log/pods/web-0", cgroup_parent="/sigma/web-0")


def test_sandbox_on_the_host_network_has_no_hostname() -> None:
    config = sandbox_config(SANDBOX)
    assert config.linux.security_context.namespace_options.network == api_pb2.NODE
    assert (config.hostname, config.linux.cgroup_parent) == ("", "/sigma/web-0")
    assert (config.metadata.name, config.metadata.namespace, config.metadata.uid) == (
        "web-0",
        "shop",
        "uid-1",
    )
    with pytest.raises(ValueError, match="hostname"):
        sandbox_config(SandboxSpec("a", "b", "c", "/l", hostname="a"))
    own = sandbox_config(SandboxSpec("a", "b", "c", "/l", host_network=False, hostname="a"))
    assert own.linux.security_context.namespace_options.network == api_pb2.POD


def test_container_config_carries_attempt_log_env_and_limits() -> None:
    spec = ContainerSpec(
        "server",
        "127.0.0.1:5000/sigma/httpd:1",
        args=("-p", "8080"),
        env={"B": "2", "A": "é"},
        attempt=2,
        resources=Resources(250, 500, 1 << 20, "1"),
    )
    config = container_config(spec)
    assert (config.metadata.name, config.metadata.attempt, config.log_path) == (
        "server",
        2,
        "server/2.log",
    )
    assert [(e.key, e.value) for e in config.envs] == [("A", "é".encode()), ("B", b"2")]
    assert list(config.command) == [] and list(config.args) == ["-p", "8080"]
    limits = config.linux.resources
    assert (limits.cpu_shares, limits.cpu_quota, limits.cpuset_cpus) == (256, 50_000, "1")


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (grpc.StatusCode.NOT_FOUND, NotFound),
        (grpc.StatusCode.INVALID_ARGUMENT, Invalid),
        (grpc.StatusCode.DEADLINE_EXCEEDED, DeadlineExceeded),
        (grpc.StatusCode.UNAVAILABLE, Unavailable),
        (grpc.StatusCode.UNKNOWN, FailedPrecondition),
        (grpc.StatusCode.UNIMPLEMENTED, FailedPrecondition),
    ],
)
def test_every_cri_status_becomes_a_project_error(code: grpc.StatusCode, kind: type) -> None:
    error = translate("StartContainer", code, "runc said no", "unix:///run/c.sock")
    assert type(error) is kind
    assert "runc said no" in str(error)


def test_unavailable_names_the_socket_and_may_be_retried() -> None:
    error = translate("Version", grpc.StatusCode.UNAVAILABLE, "connect failed", "unix:///x.sock")
    assert error.retriable and "unix:///x.sock is not reachable" in str(error)


def test_verbose_info_gives_pid_and_cgroup() -> None:
    info = {"info": json.dumps({"pid": 42, "runtimeSpec": {"linux": {"cgroupsPath": "/s/p/c"}}})}
    assert parse_info(info) == ContainerInfo(42, "/s/p/c")
    with pytest.raises(FailedPrecondition, match="no container info"):
        parse_info({"info": "not json"})
