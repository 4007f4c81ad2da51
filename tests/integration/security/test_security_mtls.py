"""mTLS with certificates from ``sigma dev-ca``, and a tier run with tokens and TLS together.

The server accepts a client whose certificate the CA signed and refuses one without a
certificate, one from another CA, and plaintext; the certificate's names reach the guard, which
lets only control-plane names make control calls. Then ``tiers.run`` serves the apiserver with
both on, sigmactl's client and the health probe reach it, and no log line carries the token.
"""

from __future__ import annotations

import asyncio
import io
import logging
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest

from sigma import rpc
from sigma.apiserver.settings import ApiServerSettings
from sigma.auth import CLUSTER_READ, CONTROL, Security, current, devca
from sigma.cli import main
from sigma.cli.tiers import run
from sigma.ctl._client import Client
from sigma.ctl._config import CtlConfig
from sigma.errors import PermissionDenied, Unauthenticated
from sigma.log import JsonFormatter
from sigma.rpc import probe
from sigma.v1 import apiserver_pb2 as api

SERVICE = "sigma.test.Who"
TOKEN = "a-very-secret-token-of-a"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Our CA with a server, an admin and a slave certificate; another CA with an admin one."""
    ours = tmp_path_factory.mktemp("ca")
    devca.make(ours, ("apiserver", "admin", "slave"))
    other = tmp_path_factory.mktemp("other-ca")
    devca.make(other, ("admin",))
    return ours, other


def _pair(folder: Path, name: str) -> tuple[str, str]:
    return str(folder / f"{name}.crt"), str(folder / f"{name}.key")


async def _whoami(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    principal = current.get()
    return f"{principal.name}:{','.join(sorted(principal.peers))}".encode()


def _register(server: grpc.aio.Server) -> None:
    methods = {
        "Whoami": grpc.unary_unary_rpc_method_handler(_whoami),
        "Command": grpc.unary_unary_rpc_method_handler(_whoami),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, methods),))


@pytest.fixture
async def server(certs: tuple[Path, Path]) -> AsyncIterator[rpc.RpcServer]:
    ours, _ = certs
    cert, key = _pair(ours, "apiserver")
    security = Security(tls_cert=cert, tls_key=key, tls_ca=str(ours / "ca.crt"))
    config = rpc.ServerConfig(
        port=0,
        grace=0.2,
        guard=security.guard(),
        credentials=rpc.server_credentials(cert, key, str(ours / "ca.crt")),
    )
    access = {"Whoami": CLUSTER_READ, "Command": CONTROL}
    async with rpc.RpcServer([rpc.Service(SERVICE, _register, access)], config) as srv:
        yield srv


async def _call(
    address: str, credentials: grpc.ChannelCredentials | None, method: str = "Whoami"
) -> tuple[grpc.StatusCode, str]:
    async with rpc.channel(address, credentials) as channel:
        try:
            reply = await channel.unary_unary(f"/{SERVICE}/{method}")(b"", timeout=5)
        except grpc.aio.AioRpcError as exc:
            return exc.code(), exc.details() or ""
    return grpc.StatusCode.OK, reply.decode()


async def test_a_certificate_from_the_ca_gets_in_and_its_names_reach_the_guard(
    server: rpc.RpcServer, certs: tuple[Path, Path]
) -> None:
    ours, _ = certs
    admin = rpc.channel_credentials(str(ours / "ca.crt"), *_pair(ours, "admin"))
    code, who = await _call(server.address, admin)
    assert (code, who) == (grpc.StatusCode.OK, "anonymous:127.0.0.1,admin,localhost")
    assert await _call(server.address, admin, "Command") == (
        grpc.StatusCode.OK,
        "anonymous:127.0.0.1,admin,localhost",
    )


async def test_only_control_plane_certificates_may_make_control_calls(
    server: rpc.RpcServer, certs: tuple[Path, Path]
) -> None:
    ours, _ = certs
    slave = rpc.channel_credentials(str(ours / "ca.crt"), *_pair(ours, "slave"))
    assert (await _call(server.address, slave))[0] == grpc.StatusCode.OK  # a read
    code, details = await _call(server.address, slave, "Command")
    assert (
        code == grpc.StatusCode.PERMISSION_DENIED
        and "certificate has 127.0.0.1, localhost, slave" in details
    )


async def test_no_certificate_another_ca_and_plaintext_are_refused(
    server: rpc.RpcServer, certs: tuple[Path, Path]
) -> None:
    ours, other = certs
    trust_only = rpc.channel_credentials(str(ours / "ca.crt"))
    foreign = rpc.channel_credentials(str(ours / "ca.crt"), *_pair(other, "admin"))
    for credentials in (trust_only, foreign, None):
        code, _ = await _call(server.address, credentials)
        assert code == grpc.StatusCode.UNAVAILABLE, credentials


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every sigma log line, at debug level, as the tiers would write it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter("test"))
    root = logging.getLogger("sigma")
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


async def test_a_tier_with_tokens_and_mtls(
    certs: tuple[Path, Path], tmp_path: Path, captured: io.StringIO
) -> None:
    ours, _ = certs
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(
        f'[[tokens]]\nname = "team-a"\ntoken = "{TOKEN}"\ngrants = {{ a = "write" }}\n'
    )
    cert, key = _pair(ours, "apiserver")
    ca = str(ours / "ca.crt")
    security = Security(auth_tokens=str(tokens), tls_cert=cert, tls_key=key, tls_ca=ca)
    stop, ready = asyncio.Event(), asyncio.get_running_loop().create_future()
    served = asyncio.ensure_future(
        run(
            ["apiserver"],
            store_url="memory://",
            bus_url="memory://",
            listen={"apiserver": ("127.0.0.1", 0)},
            stop=stop,
            settings={"apiserver": ApiServerSettings(namespaces=("a", "b"), kube_listen="")},
            on_ready=ready.set_result,
            security=security,
        )
    )
    address = (await asyncio.wait_for(ready, 10))["apiserver"]
    admin_cert, admin_key = _pair(ours, "admin")
    tls = {"tls_ca": ca, "tls_cert": admin_cert, "tls_key": admin_key}
    client = Client(CtlConfig(apiserver=address, token=TOKEN, **tls))
    anonymous = Client(CtlConfig(apiserver=address, **tls))
    try:
        listed = await client.api("Apps", "List", api.ListAppsRequest(namespace="a"))
        assert list(listed.items) == []
        with pytest.raises(PermissionDenied, match="'team-a' may not read in namespace 'b'"):
            await client.api("Apps", "List", api.ListAppsRequest(namespace="b"))
        with pytest.raises(Unauthenticated):
            await anonymous.api("Apps", "List", api.ListAppsRequest(namespace="a"))
        env = {"SIGMA_TLS_CA": ca, "SIGMA_TLS_CERT": admin_cert, "SIGMA_TLS_KEY": admin_key}
        assert await probe.check(address, credentials=probe.env_credentials(env))
        assert not await probe.check(address, timeout=0.5)  # plaintext against TLS
    finally:
        await client.close()
        await anonymous.close()
        stop.set()
        await served
    logged = captured.getvalue()
    assert '"msg": "denied"' in logged and "'team-a' may not read" in logged
    assert TOKEN not in logged


def test_sigma_dev_ca_writes_a_ca_and_verifiable_certificates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "certs"
    args = ["dev-ca", "--out", str(out), "--names", "edge", "--hosts", "h.example,10.0.0.1"]
    assert main(args) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(out / n) for n in ("ca.crt", "edge.crt", "edge.key")]
    assert (out / "edge.key").stat().st_mode & 0o077 == 0
    text = subprocess.run(
        ["openssl", "x509", "-in", str(out / "edge.crt"), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "CN = edge" in text and "DNS:edge, DNS:h.example, IP Address:10.0.0.1" in text
    verify = ["openssl", "verify", "-CAfile", str(out / "ca.crt"), str(out / "edge.crt")]
    assert subprocess.run(verify, capture_output=True, check=False).returncode == 0
    assert main(["dev-ca", "--out", str(out), "--names", "../evil"]) == 2
