"""Tokens and TLS through the Kubernetes door: the same token file, grants and certificates as
the gRPC port. A team's kubeconfig (``token:``, written by ``sigmactl config kubeconfig``)
reaches its namespace and is refused (403) in another; no token or a wrong one is a 401."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sigma.auth import devca
from tests.integration.ctl._up import clean_env, ctl, sigma_up
from tests.integration.kube.conftest import KUBECTL, Cluster

TOKENS = """\
[[tokens]]
name = "system"
token = "system-token"
grants = { "*" = "admin" }

[[tokens]]
name = "shop"
token = "shop-token"
grants = { default = "write" }
"""


def get(server: str, path: str, token: str | None, tls: ssl.SSLContext) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(server + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10, context=tls) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        assert json.loads(refused.read())["kind"] == "Status"
        return refused.code


def test_a_team_token_reaches_its_namespace_only(tmp_path: Path) -> None:
    if KUBECTL is None:
        pytest.skip("kubectl is not on PATH (make engines installs it)")
    certs = tmp_path / "certs"
    devca.make(certs)
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(TOKENS)
    env = clean_env(tmp_path)
    env["SIGMA_KUBE_LISTEN"] = "127.0.0.1:0"
    server_tls = ("--tls-cert", f"{certs}/apiserver.crt", "--tls-key", f"{certs}/apiserver.key")
    flags = (*server_tls, "--tls-ca", f"{certs}/ca.crt")
    with sigma_up(env, "--auth-tokens", str(tokens), "--token", "system-token", *flags):
        kubeconfig = tmp_path / "shop.kubeconfig"
        user = {
            "SIGMA_TOKEN": "shop-token",
            "SIGMA_TLS_CA": f"{certs}/ca.crt",
            "SIGMA_TLS_CERT": f"{certs}/admin.crt",
            "SIGMA_TLS_KEY": f"{certs}/admin.key",
        }
        ctl({**env, **user}, "config", "kubeconfig", "--out", str(kubeconfig))
        assert "token: shop-token" in kubeconfig.read_text()
        shop = Cluster(env, kubeconfig, f"https://{env['SIGMA_KUBE']}")
        assert "No resources found" in shop.kubectl("get", "jobs").stderr
        refused = shop.kubectl("get", "pods", "-n", "system", code=1)
        assert "Forbidden" in refused.stderr
        tls = ssl.create_default_context(cafile=f"{certs}/ca.crt")
        tls.load_cert_chain(f"{certs}/admin.crt", f"{certs}/admin.key")
        server = shop.server
        assert get(server, "/api/v1/namespaces/default/pods", "shop-token", tls) == 200
        assert get(server, "/api/v1/namespaces/system/pods", "shop-token", tls) == 403
        assert get(server, "/api/v1/pods", "shop-token", tls) == 403  # every namespace: "*"
        assert get(server, "/api/v1/namespaces/default/pods", None, tls) == 401
        assert get(server, "/api/v1/namespaces/default/pods", "wrong", tls) == 401
        assert get(server, "/api/v1/pods", "system-token", tls) == 200
        anonymous = ssl.create_default_context(cafile=f"{certs}/ca.crt")  # no certificate
        with pytest.raises((urllib.error.URLError, ssl.SSLError, ConnectionError)):
            get(server, "/api/v1/pods", "system-token", anonymous)
